/* GstClassificationMeta: the answer of an image classifier, attached to
 * the video buffer it was computed for (or carried over to later ones).
 *
 * Include <gst/classification/classification-meta.h> and link
 * `pkg-config --cflags --libs oclresnet-1.0`.
 *
 * A buffer may hold several: one for the whole frame (roi-id -1) and one
 * per region of interest classified (roi-id = the id of its
 * GstVideoRegionOfInterestMeta).  The meta has no tags, so elements that
 * copy metadata (tee, queue, videoconvert, videoscale, videorate, appsink)
 * keep it.  Its transform follows GstVideo's rules: a buffer copy copies
 * it, a scale keeps it unchanged (the region boxes are the region metas'
 * business), any other transform drops it.  An element that makes a new
 * buffer from an old one carries a result over with
 * gst_classification_meta_copy_to(). */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_CLASSIFICATION_META_API_TYPE (gst_classification_meta_api_get_type ())
#define GST_CLASSIFICATION_META_INFO (gst_classification_meta_get_info ())

typedef struct _GstClassificationMeta GstClassificationMeta;

/**
 * GstClassificationResult:
 * @class_id: index of the class in the model's output
 * @label: the class's label
 * @confidence: probability in [0, 1]
 */
typedef struct {
  gint class_id;
  GQuark label;
  gfloat confidence;
} GstClassificationResult;

/**
 * GstClassificationHeadKind:
 * @GST_CLASSIFICATION_HEAD_SOFTMAX: one class of several: probabilities
 *   that sum to 1; the results are the most likely classes
 * @GST_CLASSIFICATION_HEAD_MULTILABEL: independent yes/no attributes:
 *   each class's probability on its own; the results are every class at
 *   or above its threshold
 * @GST_CLASSIFICATION_HEAD_EMBEDDING: a feature vector (re-identification,
 *   similarity search): no classes, the values themselves
 *
 * What one output (head) of a model answers.
 */
typedef enum {
  GST_CLASSIFICATION_HEAD_SOFTMAX,
  GST_CLASSIFICATION_HEAD_MULTILABEL,
  GST_CLASSIFICATION_HEAD_EMBEDDING,
} GstClassificationHeadKind;

/**
 * GstClassificationMeta:
 * @meta: parent
 * @model: name of the model that produced the results
 * @roi_id: id of the region of interest classified, -1 for the whole frame
 * @fresh: TRUE when computed on this buffer, FALSE when carried over from
 *   an earlier one (inference-interval, or skipped for QoS)
 * @qos_skipped: TRUE when inference was skipped because downstream
 *   reported lateness (the results are then carried over)
 * @source_pts: PTS of the frame the results were computed on
 * @inference_time: microseconds the inference took
 * @results: GstClassificationResult items sorted by decreasing
 *   confidence; empty when nothing reached the element's threshold
 * @smoothed_over: the number of inferences whose probabilities were
 *   averaged into @results (1: this inference alone, not smoothed)
 * @roi_index: what the results are of: #GST_CLASSIFICATION_META_WHOLE_FRAME
 *   (-1) for the whole frame; the position of the region's
 *   GstVideoRegionOfInterestMeta among the buffer's region metas, in the
 *   buffer's order from 0, for a region (a buffer copy keeps that order);
 *   #GST_CLASSIFICATION_META_ROI_BY_ID (-2) for a region known only by
 *   @roi_id.  Any @roi_id, -1 and negative ones too, can be a region's:
 *   only @roi_index tells the whole frame.
 *
 * A model of several outputs (heads) has them as the meta's heads, each
 * with a name, a kind and its results or vector (see
 * gst_classification_meta_get_n_heads()); @results are then the first
 * classification head's, for readers of one head.
 *
 * Read it with the accessors below; the fields are public for
 * introspection and debugging, and may grow at the end.
 */
struct _GstClassificationMeta {
  GstMeta meta;

  GQuark model;
  gint roi_id;
  gboolean fresh;
  gboolean qos_skipped;
  GstClockTime source_pts;
  guint64 inference_time;
  /*< private >*/
  /* Hidden from bindings, which cannot read an array of structures: they
   * use the result accessors. */
  GArray *results;
  /*< public >*/
  guint smoothed_over;
  gint roi_index;
  /*< private >*/
  GArray *heads;
};

/**
 * GST_CLASSIFICATION_META_WHOLE_FRAME:
 *
 * The @roi_index of a result for the whole frame.
 */
#define GST_CLASSIFICATION_META_WHOLE_FRAME (-1)
/**
 * GST_CLASSIFICATION_META_ROI_BY_ID:
 *
 * The @roi_index of a region's result whose region meta is found by its id
 * only (the first region meta with that id).
 */
#define GST_CLASSIFICATION_META_ROI_BY_ID (-2)

/**
 * gst_classification_head_kind_get_name:
 * @kind: a kind
 *
 * Returns: (transfer none): "softmax", "multilabel" or "embedding" (the
 *   names models' "heads" metadata, element properties, bus messages and
 *   JSON use), or NULL for a value that is none of them.
 */
const gchar *gst_classification_head_kind_get_name (GstClassificationHeadKind
    kind);

/**
 * gst_classification_head_kind_from_name:
 * @name: "softmax", "multilabel" or "embedding"
 * @kind: (out): the kind
 *
 * Returns: FALSE (and @kind untouched) when @name is none of them.
 */
gboolean gst_classification_head_kind_from_name (const gchar * name,
    GstClassificationHeadKind * kind);

GType gst_classification_meta_api_get_type (void);
const GstMetaInfo *gst_classification_meta_get_info (void);

/**
 * gst_buffer_add_classification_meta:
 * @buffer: a writable buffer
 * @model: name of the model
 * @roi_id: region of interest id, or -1 for the whole frame
 *
 * Adds an empty meta (fresh, no results, no source PTS); fill it with
 * gst_classification_meta_add_result() and the public fields.  With
 * @roi_id -1 it is the whole frame's; with another id, a region's, found by
 * that id (see gst_buffer_add_classification_meta_for_region() to name
 * the region itself).
 *
 * Returns: (transfer none): the meta, owned by @buffer.
 */
GstClassificationMeta *gst_buffer_add_classification_meta (GstBuffer * buffer,
    const gchar * model, gint roi_id);

/**
 * gst_buffer_add_classification_meta_for_region:
 * @buffer: a writable buffer
 * @model: name of the model
 * @roi_id: the id of the region's GstVideoRegionOfInterestMeta, whatever
 *   it is (negative and repeated ids included)
 * @roi_index: the position of that region meta among @buffer's region
 *   metas, from 0 in the buffer's order
 *
 * Adds an empty meta for one region, tied to its region meta by position,
 * so that regions that share an id keep their own results.
 *
 * Returns: (transfer none): the meta, owned by @buffer.
 */
GstClassificationMeta *gst_buffer_add_classification_meta_for_region
    (GstBuffer * buffer, const gchar * model, gint roi_id, guint roi_index);

/**
 * gst_buffer_get_classification_meta:
 * @buffer: a buffer
 *
 * Returns: (transfer none) (nullable): the whole-frame meta of @buffer
 *   (never a region's, whatever its id), owned by @buffer, or NULL.
 */
GstClassificationMeta *gst_buffer_get_classification_meta (GstBuffer * buffer);

/**
 * gst_buffer_get_classification_meta_for_roi:
 * @buffer: a buffer
 * @roi_id: id of a GstVideoRegionOfInterestMeta
 *
 * Returns: (transfer none) (nullable): the first region meta's result with
 *   that id (never the whole frame's), or NULL.
 */
GstClassificationMeta *gst_buffer_get_classification_meta_for_roi (GstBuffer *
    buffer, gint roi_id);

/**
 * gst_buffer_iterate_classification_meta: (skip)
 * @buffer: a buffer
 * @state: (inout): set *@state to NULL before the first call
 *
 * Iterates over every classification meta on @buffer.  Bindings use
 * gst_buffer_get_classification_metas() instead.
 *
 * Returns: (transfer none) (nullable): the next meta, or NULL at the end.
 */
GstClassificationMeta *gst_buffer_iterate_classification_meta (GstBuffer *
    buffer, gpointer * state);

/**
 * gst_buffer_get_classification_metas:
 * @buffer: a buffer
 *
 * Every classification meta on @buffer, in the order they were added: the
 * whole frame's and each region's.
 *
 * Returns: (transfer container) (element-type GstClassificationMeta): the
 *   metas, owned by @buffer; free the list with g_list_free().
 */
GList *gst_buffer_get_classification_metas (GstBuffer * buffer);

/**
 * gst_classification_meta_copy_to:
 * @meta: a meta
 * @dest: a writable buffer
 *
 * Adds a copy of @meta (its fields and results) to @dest, as a buffer copy
 * would.
 *
 * Returns: (transfer none) (nullable): the new meta, owned by @dest.
 */
GstClassificationMeta *gst_classification_meta_copy_to (const
    GstClassificationMeta * meta, GstBuffer * dest);

/**
 * gst_classification_meta_add_result:
 * @meta: a meta
 * @class_id: class index
 * @label: label of the class
 * @confidence: probability in [0, 1]
 *
 * Inserts a result, keeping the results sorted by decreasing confidence.
 */
void gst_classification_meta_add_result (GstClassificationMeta * meta,
    gint class_id, GQuark label, gfloat confidence);

/* Returns: the number of results (0 when none reached the threshold). */
guint gst_classification_meta_get_n_results (const GstClassificationMeta *
    meta);

/**
 * gst_classification_meta_get_result:
 * @meta: a meta
 * @i: index, 0 for the most confident
 * @class_id: (out) (optional): class index
 * @label: (out) (optional): label (g_quark_to_string() for the text)
 * @confidence: (out) (optional): probability in [0, 1]
 *
 * Returns: FALSE when @i is out of range (outputs untouched).
 */
gboolean gst_classification_meta_get_result (const GstClassificationMeta *
    meta, guint i, gint * class_id, GQuark * label, gfloat * confidence);

/**
 * gst_classification_meta_get_label:
 * @meta: a meta
 * @i: index, 0 for the most confident
 *
 * The text of result @i's label: gst_classification_meta_get_result()
 * gives it as a quark, which bindings cannot turn back into text.
 *
 * Returns: (transfer none) (nullable): the label, or NULL when @i is out
 *   of range.
 */
const gchar *gst_classification_meta_get_label (const GstClassificationMeta *
    meta, guint i);

/**
 * gst_classification_meta_add_head:
 * @meta: a meta
 * @name: the head's name (the model output's)
 * @kind: what it answers
 *
 * Adds a head, with no results and no vector.
 *
 * Returns: its index, from 0 in the order heads were added.
 */
guint gst_classification_meta_add_head (GstClassificationMeta * meta,
    const gchar * name, GstClassificationHeadKind kind);

/**
 * gst_classification_meta_add_head_result:
 * @meta: a meta
 * @head: a classification head's index
 * @class_id: class index in that head's output
 * @label: label of the class
 * @confidence: probability in [0, 1]
 *
 * Inserts a result into head @head, keeping its results sorted by
 * decreasing confidence.
 */
void gst_classification_meta_add_head_result (GstClassificationMeta * meta,
    guint head, gint class_id, GQuark label, gfloat confidence);

/**
 * gst_classification_meta_set_head_vector:
 * @meta: a meta
 * @head: an embedding head's index
 * @values: (array length=n): the vector
 * @n: its length
 *
 * Sets head @head's vector (a copy of @values).
 */
void gst_classification_meta_set_head_vector (GstClassificationMeta * meta,
    guint head, const gfloat * values, guint n);

/* Returns: the number of heads (0: a meta of results alone). */
guint gst_classification_meta_get_n_heads (const GstClassificationMeta * meta);

/**
 * gst_classification_meta_get_head_name:
 * @meta: a meta
 * @head: index
 *
 * Returns: (transfer none) (nullable): the head's name, or NULL when @head
 *   is out of range.
 */
const gchar *gst_classification_meta_get_head_name (const
    GstClassificationMeta * meta, guint head);

/**
 * gst_classification_meta_get_head_kind:
 * @meta: a meta
 * @head: index (< gst_classification_meta_get_n_heads())
 *
 * Returns: what the head answers.
 */
GstClassificationHeadKind gst_classification_meta_get_head_kind (const
    GstClassificationMeta * meta, guint head);

/**
 * gst_classification_meta_get_head_n_results:
 * @meta: a meta
 * @head: index
 *
 * Returns: the number of results of head @head (0 for an embedding, or
 *   when none reached its threshold, or @head out of range).
 */
guint gst_classification_meta_get_head_n_results (const
    GstClassificationMeta * meta, guint head);

/**
 * gst_classification_meta_get_head_result:
 * @meta: a meta
 * @head: index of a head
 * @i: index of a result, 0 for the most confident
 * @class_id: (out) (optional): class index
 * @label: (out) (optional): label
 * @confidence: (out) (optional): probability in [0, 1]
 *
 * Returns: FALSE when @head or @i is out of range (outputs untouched).
 */
gboolean gst_classification_meta_get_head_result (const
    GstClassificationMeta * meta, guint head, guint i, gint * class_id,
    GQuark * label, gfloat * confidence);

/**
 * gst_classification_meta_get_head_label:
 * @meta: a meta
 * @head: index of a head
 * @i: index of a result, 0 for the most confident
 *
 * Returns: (transfer none) (nullable): the text of result @i's label, or
 *   NULL when @head or @i is out of range.
 */
const gchar *gst_classification_meta_get_head_label (const
    GstClassificationMeta * meta, guint head, guint i);

/**
 * gst_classification_meta_get_head_vector:
 * @meta: a meta
 * @head: index of an embedding head
 * @n: (out): the vector's length (0 when there is none)
 *
 * Returns: (transfer none) (array length=n) (nullable): the vector, owned
 *   by @meta, or NULL for a head with no vector or out of range.
 */
const gfloat *gst_classification_meta_get_head_vector (const
    GstClassificationMeta * meta, guint head, guint * n);

/* Returns: TRUE if computed on this buffer's frame. */
gboolean gst_classification_meta_is_fresh (const GstClassificationMeta * meta);
/* Returns: TRUE if inference was skipped on this frame for QoS. */
gboolean gst_classification_meta_is_qos_skipped (const GstClassificationMeta *
    meta);
/* Returns: the region of interest's id (-1 for the whole frame, but a
 * region's id may be -1 too: see gst_classification_meta_is_whole_frame()). */
gint gst_classification_meta_get_roi_id (const GstClassificationMeta * meta);
/**
 * gst_classification_meta_get_region:
 * @meta: a region's meta
 * @buffer: the buffer @meta is on
 *
 * The region meta the results were computed on: the one at @meta's
 * roi-index when it still has @meta's roi-id (an element in between may
 * have added or removed region metas), else the first with that id.
 *
 * Returns: (transfer none) (nullable): the region meta, owned by @buffer,
 *   or NULL for the whole frame or when the region is not on @buffer.
 */
GstVideoRegionOfInterestMeta *gst_classification_meta_get_region (const
    GstClassificationMeta * meta, GstBuffer * buffer);

/* Returns: TRUE for the whole frame's result, FALSE for a region's. */
gboolean gst_classification_meta_is_whole_frame (const GstClassificationMeta *
    meta);
/* Returns: the @roi_index field: -1 for the whole frame, the position of
 * the region meta among the buffer's, or -2 when only its id is known. */
gint gst_classification_meta_get_roi_index (const GstClassificationMeta * meta);
/* Returns: PTS of the frame the results were computed on. */
GstClockTime gst_classification_meta_get_source_pts (const
    GstClassificationMeta * meta);
/* Returns: how many inferences the results average (1: not smoothed). */
guint gst_classification_meta_get_smoothed_over (const GstClassificationMeta *
    meta);
/* Returns: inference time in microseconds. */
guint64 gst_classification_meta_get_inference_time (const
    GstClassificationMeta * meta);
/* Returns: (transfer none): the model name. */
const gchar *gst_classification_meta_get_model (const GstClassificationMeta *
    meta);

G_END_DECLS
