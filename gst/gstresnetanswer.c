/* GstResnetAnswer: selection and the three writers. */
#include <math.h>
#include <string.h>
#include "gstresnetanswer.h"

static void
head_answer_clear (GstResnetHeadAnswer * h)
{
  g_array_unref (h->results);
  g_array_unref (h->vector);
}

void
gst_resnet_answer_init (GstResnetAnswer * a)
{
  memset (a, 0, sizeof (*a));
  a->roi_id = -1;
  a->roi_index = GST_CLASSIFICATION_META_WHOLE_FRAME;
  a->results = g_array_new (FALSE, FALSE, sizeof (GstClassificationResult));
  a->heads = g_array_new (FALSE, TRUE, sizeof (GstResnetHeadAnswer));
  g_array_set_clear_func (a->heads, (GDestroyNotify) head_answer_clear);
  a->fresh = TRUE;
  a->smoothed_over = 1;
  a->source_pts = GST_CLOCK_TIME_NONE;
  a->raw_id = -1;
}

void
gst_resnet_answer_clear (GstResnetAnswer * a)
{
  g_clear_pointer (&a->results, g_array_unref);
  g_clear_pointer (&a->heads, g_array_unref);
}

void
gst_resnet_softmax (float *x, guint n)
{
  float top;
  double sum = 0.0;

  if (n == 0)
    return;
  top = x[0];
  for (guint c = 1; c < n; c++)
    top = MAX (top, x[c]);
  for (guint c = 0; c < n; c++) {
    x[c] = expf (x[c] - top);
    sum += x[c];
  }
  for (guint c = 0; c < n; c++)
    x[c] /= sum;
}

void
gst_resnet_heads_activate (const GstResnetHead * heads, guint n_heads,
    float *values, gboolean normalize)
{
  for (guint h = 0; h < n_heads; h++) {
    const GstResnetHead *hd = &heads[h];
    float *x = values + hd->offset;
    switch (hd->kind) {
      case GST_CLASSIFICATION_HEAD_SOFTMAX:
        if (!hd->activated)
          gst_resnet_softmax (x, hd->n);
        break;
      case GST_CLASSIFICATION_HEAD_MULTILABEL:
        for (guint c = 0; !hd->activated && c < hd->n; c++)
          x[c] = 1.0f / (1.0f + expf (-x[c]));
        break;
      case GST_CLASSIFICATION_HEAD_EMBEDDING:{
        double sum = 0.0;
        for (guint c = 0; normalize && c < hd->n; c++)
          sum += (double) x[c] * x[c];
        /* A zero vector stays zero. */
        for (guint c = 0; sum > 0.0 && c < hd->n; c++)
          x[c] /= sqrt (sum);
        break;
      }
    }
  }
}

gint
gst_resnet_heads_primary (const GstResnetHead * heads, guint n_heads)
{
  for (guint h = 0; h < n_heads; h++)
    if (heads[h].kind != GST_CLASSIFICATION_HEAD_EMBEDDING)
      return h;
  return -1;
}

/* Selection by (probability, then lower index) below the last pick: k
 * passes over the classes, so that nothing is sized by the class count
 * (a model's output comes from outside).  A multilabel head takes every
 * class at or above its threshold, so k is its class count. */
void
gst_resnet_select (GArray * results, const float *probs, guint n,
    const GQuark * labels, const gfloat * thresholds,
    GstClassificationHeadKind kind, const GstResnetSelection * sel)
{
  gboolean multi = kind == GST_CLASSIFICATION_HEAD_MULTILABEL;
  guint k = multi ? n : MIN (sel->top_k, n);
  gdouble fallback = multi ? sel->multilabel_threshold : sel->threshold;
  gint last = -1;

  g_array_set_size (results, 0);
  for (guint r = 0; r < k; r++) {
    GstClassificationResult res;
    gint best = -1;
    for (guint c = 0; c < n; c++) {
      gboolean below_last = last < 0 || probs[c] < probs[last]
          || (probs[c] == probs[last] && (gint) c > last);
      gdouble t = thresholds && !isnan (thresholds[c]) ? thresholds[c] :
          fallback;
      if (below_last && probs[c] >= t && (best < 0 || probs[c] > probs[best]))
        best = c;
    }
    if (best < 0)
      break;
    last = best;
    res.class_id = best;
    res.label = labels[best];
    res.confidence = probs[best];
    g_array_append_val (results, res);
  }
}

void
gst_resnet_answer_select_heads (GstResnetAnswer * a, const float *values,
    const GstResnetHead * heads, guint n_heads, const GstResnetSelection * sel)
{
  gint primary = gst_resnet_heads_primary (heads, n_heads);

  g_array_set_size (a->heads, 0);
  for (guint h = 0; h < n_heads; h++) {
    const GstResnetHead *hd = &heads[h];
    GstResnetHeadAnswer ha = { hd->name, hd->kind,
      g_array_new (FALSE, FALSE, sizeof (GstClassificationResult)),
      g_array_new (FALSE, FALSE, sizeof (gfloat))
    };
    if (hd->kind == GST_CLASSIFICATION_HEAD_EMBEDDING)
      g_array_append_vals (ha.vector, values + hd->offset, hd->n);
    else
      gst_resnet_select (ha.results, values + hd->offset, hd->n, hd->labels,
          sel->thresholds ? sel->thresholds + hd->offset : NULL, hd->kind, sel);
    g_array_append_val (a->heads, ha);
  }
  g_array_set_size (a->results, 0);
  if (primary >= 0) {
    GArray *r = g_array_index (a->heads, GstResnetHeadAnswer, primary).results;
    g_array_append_vals (a->results, r->data, r->len);
  }
}

void
gst_resnet_answer_set_raw (GstResnetAnswer * a, const float *probs, guint n)
{
  a->raw_id = n ? 0 : -1;
  a->raw_conf = n ? probs[0] : 0.0f;
  for (guint c = 1; c < n; c++)
    if (probs[c] > a->raw_conf) {
      a->raw_id = c;
      a->raw_conf = probs[c];
    }
}

gboolean
gst_resnet_answer_top (const GstResnetAnswer * a, gint * class_id,
    GQuark * label, gfloat * confidence)
{
  const GstClassificationResult *r = a->results->len ?
      &g_array_index (a->results, GstClassificationResult, 0) : NULL;

  if (class_id)
    *class_id = r ? r->class_id : -1;
  if (label)
    *label = r ? r->label : 0;
  if (confidence)
    *confidence = r ? r->confidence : 0.0f;
  return r != NULL;
}

GstClassificationMeta *
gst_resnet_answer_add_meta (const GstResnetAnswer * a, GstBuffer * buf)
{
  GstClassificationMeta *m = a->roi_index >= 0 ?
      gst_buffer_add_classification_meta_for_region (buf,
      g_quark_to_string (a->model), a->roi_id, a->roi_index) :
      gst_buffer_add_classification_meta (buf, g_quark_to_string (a->model),
      -1);

  m->fresh = a->fresh;
  m->qos_skipped = a->qos_skipped;
  m->source_pts = a->source_pts;
  m->inference_time = a->inference_us;
  m->smoothed_over = a->smoothed_over;
  for (guint i = 0; i < a->results->len; i++) {
    const GstClassificationResult *r =
        &g_array_index (a->results, GstClassificationResult, i);
    gst_classification_meta_add_result (m, r->class_id, r->label,
        r->confidence);
  }
  for (guint h = 0; h < a->heads->len; h++) {
    const GstResnetHeadAnswer *ha =
        &g_array_index (a->heads, GstResnetHeadAnswer, h);
    guint i = gst_classification_meta_add_head (m,
        g_quark_to_string (ha->name), ha->kind);
    for (guint k = 0; k < ha->results->len; k++) {
      const GstClassificationResult *r =
          &g_array_index (ha->results, GstClassificationResult, k);
      gst_classification_meta_add_head_result (m, i, r->class_id, r->label,
          r->confidence);
    }
    if (ha->kind == GST_CLASSIFICATION_HEAD_EMBEDDING)
      gst_classification_meta_set_head_vector (m, i,
          (const gfloat *) ha->vector->data, ha->vector->len);
  }
  return m;
}

void
gst_resnet_answer_add_roi_param (const GstResnetAnswer * a,
    GstVideoRegionOfInterestMeta * roi)
{
  gint id;
  GQuark label;
  gfloat conf;

  gst_resnet_answer_top (a, &id, &label, &conf);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("classification",
          "label", G_TYPE_STRING, id >= 0 ? g_quark_to_string (label) : "",
          "label-id", G_TYPE_INT, id,
          "confidence", G_TYPE_DOUBLE, (gdouble) conf,
          "model", G_TYPE_STRING, g_quark_to_string (a->model), NULL));
}

/* A list of the @n values of @type (ints, floats as doubles, or quarks as
 * strings) at @offset in the items of @items. */
static void
take_list (GstStructure * s, const gchar * field, GType type,
    const GArray * items, gsize offset)
{
  GValue list = G_VALUE_INIT;
  guint size = g_array_get_element_size ((GArray *) items);

  g_value_init (&list, GST_TYPE_LIST);
  for (guint i = 0; i < items->len; i++) {
    const guint8 *data = (const guint8 *) items->data + i * size + offset;
    GValue v = G_VALUE_INIT;
    g_value_init (&v, type == G_TYPE_INT ? G_TYPE_INT : type == G_TYPE_FLOAT ?
        G_TYPE_DOUBLE : G_TYPE_STRING);
    if (type == G_TYPE_INT)
      g_value_set_int (&v, *(const gint *) data);
    else if (type == G_TYPE_FLOAT)
      g_value_set_double (&v, *(const gfloat *) data);
    else
      g_value_set_string (&v, g_quark_to_string (*(const GQuark *) data));
    gst_value_list_append_and_take_value (&list, &v);
  }
  gst_structure_take_value (s, field, &list);
}

/* A head's part of the bus message: "head", with its name and kind, and
 * its results (class-ids, labels, confidences) or its vector. */
static GstStructure *
head_structure (const GstResnetHeadAnswer * h)
{
  GstStructure *s = gst_structure_new ("head",
      "name", G_TYPE_STRING, g_quark_to_string (h->name),
      "kind", G_TYPE_STRING, gst_classification_head_kind_get_name (h->kind),
      NULL);

  if (h->kind == GST_CLASSIFICATION_HEAD_EMBEDDING) {
    take_list (s, "vector", G_TYPE_FLOAT, h->vector, 0);
    return s;
  }
  take_list (s, "class-ids", G_TYPE_INT, h->results,
      G_STRUCT_OFFSET (GstClassificationResult, class_id));
  take_list (s, "labels", G_TYPE_STRING, h->results,
      G_STRUCT_OFFSET (GstClassificationResult, label));
  take_list (s, "confidences", G_TYPE_FLOAT, h->results,
      G_STRUCT_OFFSET (GstClassificationResult, confidence));
  return s;
}

GstStructure *
gst_resnet_answer_to_structure (const GstResnetAnswer * a, guint64 frame,
    GstClockTime running_time, GstClockTime stream_time)
{
  GValue labels = G_VALUE_INIT, confs = G_VALUE_INIT;
  GstStructure *s;
  gint top;
  GQuark top_label;
  gfloat top_conf;

  gst_resnet_answer_top (a, &top, &top_label, &top_conf);
  g_value_init (&labels, GST_TYPE_LIST);
  g_value_init (&confs, GST_TYPE_LIST);
  for (guint i = 0; i < a->results->len; i++) {
    const GstClassificationResult *r =
        &g_array_index (a->results, GstClassificationResult, i);
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, g_quark_to_string (r->label));
    gst_value_list_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, r->confidence);
    gst_value_list_append_and_take_value (&confs, &v);
  }
  s = gst_structure_new ("resnetclassify",
      "running-time", G_TYPE_UINT64, running_time,
      "stream-time", G_TYPE_UINT64, stream_time,
      "frame", G_TYPE_UINT64, frame,
      "label", G_TYPE_STRING, top >= 0 ? g_quark_to_string (top_label) : "",
      "class-id", G_TYPE_INT, top,
      "confidence", G_TYPE_DOUBLE, (gdouble) top_conf,
      "fresh", G_TYPE_BOOLEAN, a->fresh,
      "inference-time", G_TYPE_UINT64, a->inference_us,
      "roi-id", G_TYPE_INT, a->roi_id,
      "roi-index", G_TYPE_INT, a->roi_index,
      "model", G_TYPE_STRING, g_quark_to_string (a->model),
      "batch", G_TYPE_UINT, a->batch,
      "wait-time", G_TYPE_UINT64, a->wait_us,
      "smoothed-over", G_TYPE_UINT, a->smoothed_over,
      "raw-class-id", G_TYPE_INT, a->fresh ? a->raw_id : top,
      "raw-confidence", G_TYPE_DOUBLE, (gdouble) (a->fresh ? a->raw_conf :
          top_conf), NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "confidences", &confs);
  if (a->heads->len) {
    GValue heads = G_VALUE_INIT;
    g_value_init (&heads, GST_TYPE_LIST);
    for (guint h = 0; h < a->heads->len; h++) {
      GValue v = G_VALUE_INIT;
      g_value_init (&v, GST_TYPE_STRUCTURE);
      g_value_take_boxed (&v, head_structure (&g_array_index (a->heads,
                  GstResnetHeadAnswer, h)));
      gst_value_list_append_and_take_value (&heads, &v);
    }
    gst_structure_take_value (s, "heads", &heads);
  }
  return s;
}
