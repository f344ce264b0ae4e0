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

/* Adds @probs (@n classes) computed for region @id (-1: the whole frame) on
 * frame @frame, and writes into @out the mean of the last @window ones.
 * Returns how many were averaged (1 .. @window). */
guint gst_resnet_history_smooth (GstResnetHistory * h, gint id,
    guint64 frame, const float *probs, guint n, guint window, float *out);

/* The result region @id got at its last inference, when that was less than
 * @interval frames before @frame: its (smoothed) probabilities, and how many
 * inferences they average.  NULL when the region must be classified again.
 * Marks the region as seen on @frame either way. */
const float *gst_resnet_history_cached (GstResnetHistory * h, gint id,
    guint64 frame, guint interval, guint n, guint * smoothed_over);

/* Drops regions not seen for more than @frames frames before @frame, so
 * that thousands of ids passing by keep the memory bounded. */
void gst_resnet_history_forget (GstResnetHistory * h, guint64 frame,
    guint frames);

/* Regions remembered (for tests and debugging). */
guint gst_resnet_history_size (GstResnetHistory * h);

G_END_DECLS
