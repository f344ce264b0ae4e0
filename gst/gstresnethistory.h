/* Answers that hold still: per-region (or whole-frame) history of class
 * probabilities, for temporal smoothing and per-object reclassification.
 * Plain GLib; used from the streaming thread only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstResnetHistory GstResnetHistory;

GstResnetHistory *gst_resnet_history_new (void);
void gst_resnet_history_free (GstResnetHistory * h);
/* Forgets everything (a flush, new caps, another model). */
void gst_resnet_history_reset (GstResnetHistory * h);

/* Where a region's last result came from, kept beside it so that a frame
 * that carries it over says so. */
typedef struct {
  guint smoothed_over;          /* inferences it averages */
  guint64 source_pts;           /* of the frame it was computed on */
  guint64 inference_us;         /* the run that computed it */
} GstResnetHistoryStamp;

/* Adds @probs (@n values) computed for region @id (-1: the whole frame) on
 * frame @frame (PTS @pts, in a run of @run_us), and writes into @out the
 * mean of the last @window ones (the value itself where @latest, nullable,
 * is set: an embedding is not averaged), which becomes the region's last
 * result.  With @window 1 that is @probs exactly.  Returns how many were
 * averaged (1 .. @window). */
guint gst_resnet_history_smooth (GstResnetHistory * h, gint id,
    guint64 frame, guint64 pts, guint64 run_us, const float *probs, guint n,
    const guint8 * latest, guint window, float *out);

/* The result region @id got at its last inference, when that was less than
 * @interval frames before @frame (G_MAXUINT: however long ago): its
 * (smoothed) probabilities for @n classes, and @stamp.  NULL when the
 * region must be classified again.  Marks the region as seen on @frame
 * either way. */
const float *gst_resnet_history_cached (GstResnetHistory * h, gint id,
    guint64 frame, guint interval, guint n, GstResnetHistoryStamp * stamp);

/* Drops regions not seen for more than @frames frames before @frame, so
 * that thousands of ids passing by keep the memory bounded. */
void gst_resnet_history_forget (GstResnetHistory * h, guint64 frame,
    guint frames);

/* Regions remembered (for tests and debugging). */
guint gst_resnet_history_size (GstResnetHistory * h);

G_END_DECLS
