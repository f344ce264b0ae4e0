/* The answer for one image (a whole frame or one region): probabilities
 * turned into the reported classes, with where they came from.  Both
 * inference regions build it in one place (resnetclassify's
 * emit_answer()) and hand it to its three writers: the meta, the ROI
 * meta's 'classification' parameter and the bus message.  No device code
 * here, and the selection is plain C: tests/test-answer.c runs it on the
 * host. */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

G_BEGIN_DECLS

/* How probabilities become reported classes: the @top_k most likely at or
 * above their threshold (@thresholds[c] where not NaN, else @threshold). */
typedef struct {
  guint top_k;
  gdouble threshold;
  const gfloat *thresholds;     /* per class, nullable */
} GstResnetSelection;

typedef struct {
  GQuark model;                 /* name of the model that computed it */
  gint roi_id;                  /* the region meta's id; -1: the frame */
  gint roi_index;               /* the region meta's position on the buffer;
                                 * -1: the whole frame */
  GArray *results;              /* GstClassificationResult, most likely first */
  /* provenance */
  gboolean fresh;               /* computed on this frame */
  gboolean qos_skipped;         /* carried over because the frame was late */
  guint smoothed_over;          /* inferences averaged (1: not smoothed) */
  GstClockTime source_pts;      /* of the frame it was computed on */
  guint64 inference_us;         /* the run that computed it */
  guint batch;                  /* images in that run; 0: carried over */
  guint64 wait_us;              /* its wait for the batch to fill */
  gint raw_id;                  /* this frame's own top class, before */
  gfloat raw_conf;              /* smoothing (the reported top if carried) */
} GstResnetAnswer;

void gst_resnet_answer_init (GstResnetAnswer * a);
void gst_resnet_answer_clear (GstResnetAnswer * a);

/* Logits to probabilities in place (max-subtracted, summed in double). */
void gst_resnet_softmax (float *x, guint n);

/* Sets @a's results from @probs (@n classes labelled @labels) by @sel:
 * ties go to the lower class index, and no buffer is sized by @n. */
void gst_resnet_answer_select (GstResnetAnswer * a, const float *probs,
    guint n, const GQuark * labels, const GstResnetSelection * sel);
/* Sets @a's raw_id and raw_conf: the top class of @probs. */
void gst_resnet_answer_set_raw (GstResnetAnswer * a, const float *probs,
    guint n);
/* The top result: FALSE (and -1, 0, 0.0) when there is none. */
gboolean gst_resnet_answer_top (const GstResnetAnswer * a, gint * class_id,
    GQuark * label, gfloat * confidence);

/* The writers.  Returns: (transfer none) the meta added to @buf. */
GstClassificationMeta *gst_resnet_answer_add_meta (const GstResnetAnswer * a,
    GstBuffer * buf);
/* Adds the 'classification' parameter (label, label-id, confidence,
 * model) to the region it was computed on. */
void gst_resnet_answer_add_roi_param (const GstResnetAnswer * a,
    GstVideoRegionOfInterestMeta * roi);
/* The 'resnetclassify' element message's structure for frame @frame.
 * Returns: (transfer full). */
GstStructure *gst_resnet_answer_to_structure (const GstResnetAnswer * a,
    guint64 frame, GstClockTime running_time, GstClockTime stream_time);

G_END_DECLS
