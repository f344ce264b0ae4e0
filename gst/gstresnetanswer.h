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

/* How probabilities become reported classes.  A softmax head: the
 * @top_k most likely at or above their threshold (@thresholds[c] where
 * not NaN, else @threshold); a multilabel head: every class at or above
 * its threshold (@thresholds[c], else @multilabel_threshold). */
typedef struct {
  guint top_k;
  gdouble threshold;
  gdouble multilabel_threshold;
  const gfloat *thresholds;     /* per value of the model, nullable */
  gboolean normalize;           /* embeddings to unit length (L2) */
} GstResnetSelection;

/* One head as an element runs it: an output's values and what they are. */
typedef struct {
  GQuark name;                  /* the output's */
  GstClassificationHeadKind kind;
  guint offset, n;              /* its values among an image's */
  const GQuark *labels;         /* n (the model's) */
  gboolean activated;           /* the graph applies the kind's function
                                 * (Softmax, Sigmoid) itself */
} GstResnetHead;

/* One head's part of an answer. */
typedef struct {
  GQuark name;
  GstClassificationHeadKind kind;
  GArray *results;              /* GstClassificationResult, most likely first */
  GArray *vector;               /* gfloat: an embedding's values; else empty */
} GstResnetHeadAnswer;

typedef struct {
  GQuark model;                 /* name of the model that computed it */
  gint roi_id;                  /* the region meta's id; -1: the frame */
  gint roi_index;               /* the region meta's position on the buffer;
                                 * -1: the whole frame */
  GArray *results;              /* GstClassificationResult, most likely
                                 * first: the first classification head's */
  GArray *heads;                /* GstResnetHeadAnswer, one per head */
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

/* An image's raw output @values made what each of @heads reports, in
 * place: a softmax (softmax heads) or a sigmoid (multilabel heads) where
 * the graph does not end in it, and embeddings L2-normalised when
 * @normalize. */
void gst_resnet_heads_activate (const GstResnetHead * heads, guint n_heads,
    float *values, gboolean normalize);
/* The first classification head of @heads, or -1 (embeddings alone). */
gint gst_resnet_heads_primary (const GstResnetHead * heads, guint n_heads);

/* Sets every head's part of @a from an image's activated @values, and
 * @a's results from the first classification head. */
void gst_resnet_answer_select_heads (GstResnetAnswer * a,
    const float *values, const GstResnetHead * heads, guint n_heads,
    const GstResnetSelection * sel);

/* Sets @results from @probs (@n classes labelled @labels, thresholds
 * @thresholds, nullable) by @sel, as a head of @kind: ties go to the
 * lower class index, and no buffer is sized by @n. */
void gst_resnet_select (GArray * results, const float *probs, guint n,
    const GQuark * labels, const gfloat * thresholds,
    GstClassificationHeadKind kind, const GstResnetSelection * sel);
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
