/* GstClassificationMeta: registration, lifecycle and accessors. */
#include "classification-meta.h"

/* One head: its results (classification) or vector (embedding). */
typedef struct
{
  GQuark name;
  GstClassificationHeadKind kind;
  GArray *results;              /* GstClassificationResult */
  GArray *vector;               /* gfloat; NULL: none */
} Head;

static void
head_clear (Head * h)
{
  g_array_unref (h->results);
  if (h->vector)
    g_array_unref (h->vector);
}

static GArray *
heads_new (void)
{
  GArray *a = g_array_new (FALSE, TRUE, sizeof (Head));

  g_array_set_clear_func (a, (GDestroyNotify) head_clear);
  return a;
}

/* Inserts a result into @results, kept by decreasing confidence. */
static void
insert_result (GArray * results, gint class_id, GQuark label, gfloat confidence)
{
  GstClassificationResult r = { class_id, label, confidence };
  guint i = 0;

  while (i < results->len
      && g_array_index (results, GstClassificationResult, i).confidence >=
      confidence)
    i++;
  g_array_insert_val (results, i, r);
}

static const gchar *const kind_names[] = {
  [GST_CLASSIFICATION_HEAD_SOFTMAX] = "softmax",
  [GST_CLASSIFICATION_HEAD_MULTILABEL] = "multilabel",
  [GST_CLASSIFICATION_HEAD_EMBEDDING] = "embedding",
};

const gchar *
gst_classification_head_kind_get_name (GstClassificationHeadKind kind)
{
  return (guint) kind < G_N_ELEMENTS (kind_names) ? kind_names[kind] : NULL;
}

gboolean
gst_classification_head_kind_from_name (const gchar * name,
    GstClassificationHeadKind * kind)
{
  for (guint k = 0; name && k < G_N_ELEMENTS (kind_names); k++)
    if (g_strcmp0 (name, kind_names[k]) == 0) {
      *kind = k;
      return TRUE;
    }
  return FALSE;
}

GType
gst_classification_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstClassificationMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
classification_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstClassificationMeta *m = (GstClassificationMeta *) meta;

  m->model = 0;
  m->roi_id = -1;
  m->fresh = TRUE;
  m->qos_skipped = FALSE;
  m->source_pts = GST_CLOCK_TIME_NONE;
  m->inference_time = 0;
  m->smoothed_over = 1;
  m->roi_index = GST_CLASSIFICATION_META_WHOLE_FRAME;
  m->results = g_array_new (FALSE, FALSE, sizeof (GstClassificationResult));
  m->heads = heads_new ();
  return TRUE;
}

static void
classification_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstClassificationMeta *m = (GstClassificationMeta *) meta;

  g_array_unref (m->results);
  g_array_unref (m->heads);
}

/* Adds to @dest a meta with @src's fields and results. */
static GstClassificationMeta *
copy_meta (GstBuffer * dest, const GstClassificationMeta * src)
{
  GstClassificationMeta *dst = (GstClassificationMeta *)
      gst_buffer_add_meta (dest, GST_CLASSIFICATION_META_INFO, NULL);

  if (dst == NULL)
    return NULL;
  dst->model = src->model;
  dst->roi_id = src->roi_id;
  dst->fresh = src->fresh;
  dst->qos_skipped = src->qos_skipped;
  dst->source_pts = src->source_pts;
  dst->inference_time = src->inference_time;
  dst->smoothed_over = src->smoothed_over;
  dst->roi_index = src->roi_index;
  g_array_append_vals (dst->results, src->results->data, src->results->len);
  for (guint i = 0; i < src->heads->len; i++) {
    const Head *h = &g_array_index (src->heads, Head, i);
    Head c = { h->name, h->kind, g_array_copy (h->results),
      h->vector ? g_array_copy (h->vector) : NULL
    };
    g_array_append_val (dst->heads, c);
  }
  return dst;
}

/* GstVideo's rules, as its region-of-interest meta follows them: a copy
 * of the buffer (whole or part) copies the meta; a scale keeps it as it
 * is, since what the frame shows does not change with its size, and the
 * region boxes are the region meta's business (its own transform scales
 * them); any other transform (one this meta does not know) drops it.
 * The scale transform is named by its quark's text, which keeps this
 * library free of a GstVideo dependency. */
static gboolean
classification_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  static GQuark scale = 0;

  if (scale == 0)
    scale = g_quark_from_static_string ("gst-video-scale");
  if (!GST_META_TRANSFORM_IS_COPY (type) && type != scale)
    return FALSE;
  return copy_meta (dest, (GstClassificationMeta *) meta) != NULL;
}

GstClassificationMeta *
gst_classification_meta_copy_to (const GstClassificationMeta * meta,
    GstBuffer * dest)
{
  g_return_val_if_fail (meta != NULL, NULL);
  g_return_val_if_fail (GST_IS_BUFFER (dest), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (dest), NULL);

  return copy_meta (dest, meta);
}

const GstMetaInfo *
gst_classification_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_CLASSIFICATION_META_API_TYPE,
        "GstClassificationMeta", sizeof (GstClassificationMeta),
        classification_meta_init, classification_meta_free,
        classification_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstClassificationMeta *
gst_buffer_add_classification_meta (GstBuffer * buffer, const gchar * model,
    gint roi_id)
{
  GstClassificationMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);

  m = (GstClassificationMeta *) gst_buffer_add_meta (buffer,
      GST_CLASSIFICATION_META_INFO, NULL);
  m->model = g_quark_from_string (model ? model : "");
  m->roi_id = roi_id;
  m->roi_index = roi_id == -1 ? GST_CLASSIFICATION_META_WHOLE_FRAME :
      GST_CLASSIFICATION_META_ROI_BY_ID;
  return m;
}

GstClassificationMeta *
gst_buffer_add_classification_meta_for_region (GstBuffer * buffer,
    const gchar * model, gint roi_id, guint roi_index)
{
  GstClassificationMeta *m;

  g_return_val_if_fail (roi_index <= G_MAXINT, NULL);
  m = gst_buffer_add_classification_meta (buffer, model, roi_id);
  if (m)
    m->roi_index = roi_index;
  return m;
}

GstClassificationMeta *
gst_buffer_iterate_classification_meta (GstBuffer * buffer, gpointer * state)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstClassificationMeta *) gst_buffer_iterate_meta_filtered (buffer,
      state, GST_CLASSIFICATION_META_API_TYPE);
}

GList *
gst_buffer_get_classification_metas (GstBuffer * buffer)
{
  gpointer state = NULL;
  GstClassificationMeta *m;
  GList *metas = NULL;

  while ((m = gst_buffer_iterate_classification_meta (buffer, &state)))
    metas = g_list_prepend (metas, m);
  return g_list_reverse (metas);
}

GstClassificationMeta *
gst_buffer_get_classification_meta_for_roi (GstBuffer * buffer, gint roi_id)
{
  gpointer state = NULL;
  GstClassificationMeta *m;

  while ((m = gst_buffer_iterate_classification_meta (buffer, &state)))
    if (m->roi_id == roi_id
        && m->roi_index != GST_CLASSIFICATION_META_WHOLE_FRAME)
      return m;
  return NULL;
}

GstClassificationMeta *
gst_buffer_get_classification_meta (GstBuffer * buffer)
{
  gpointer state = NULL;
  GstClassificationMeta *m;

  while ((m = gst_buffer_iterate_classification_meta (buffer, &state)))
    if (m->roi_index == GST_CLASSIFICATION_META_WHOLE_FRAME)
      return m;
  return NULL;
}

gboolean
gst_classification_meta_is_whole_frame (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->roi_index == GST_CLASSIFICATION_META_WHOLE_FRAME;
}

GstVideoRegionOfInterestMeta *
gst_classification_meta_get_region (const GstClassificationMeta * meta,
    GstBuffer * buffer)
{
  gpointer state = NULL;
  GstMeta *m;
  gint i = 0;

  g_return_val_if_fail (meta != NULL, NULL);
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  if (meta->roi_index == GST_CLASSIFICATION_META_WHOLE_FRAME)
    return NULL;
  while (meta->roi_index >= 0 && (m = gst_buffer_iterate_meta_filtered (buffer,
              &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    if (i++ == meta->roi_index) {
      GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
      if (roi->id == meta->roi_id)
        return roi;
      break;
    }
  return gst_buffer_get_video_region_of_interest_meta_id (buffer, meta->roi_id);
}

gint
gst_classification_meta_get_roi_index (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, GST_CLASSIFICATION_META_ROI_BY_ID);
  return meta->roi_index;
}

void
gst_classification_meta_add_result (GstClassificationMeta * meta,
    gint class_id, GQuark label, gfloat confidence)
{
  g_return_if_fail (meta != NULL);
  insert_result (meta->results, class_id, label, confidence);
}

guint
gst_classification_meta_add_head (GstClassificationMeta * meta,
    const gchar * name, GstClassificationHeadKind kind)
{
  Head h = { g_quark_from_string (name ? name : ""), kind,
    g_array_new (FALSE, FALSE, sizeof (GstClassificationResult)), NULL
  };

  g_return_val_if_fail (meta != NULL, 0);
  g_array_append_val (meta->heads, h);
  return meta->heads->len - 1;
}

static Head *
get_head (const GstClassificationMeta * meta, guint head)
{
  if (meta == NULL || head >= meta->heads->len)
    return NULL;
  return &g_array_index (meta->heads, Head, head);
}

void
gst_classification_meta_add_head_result (GstClassificationMeta * meta,
    guint head, gint class_id, GQuark label, gfloat confidence)
{
  Head *h = get_head (meta, head);

  g_return_if_fail (h != NULL);
  insert_result (h->results, class_id, label, confidence);
}

void
gst_classification_meta_set_head_vector (GstClassificationMeta * meta,
    guint head, const gfloat * values, guint n)
{
  Head *h = get_head (meta, head);

  g_return_if_fail (h != NULL);
  g_return_if_fail (values != NULL || n == 0);
  if (h->vector == NULL)
    h->vector = g_array_sized_new (FALSE, FALSE, sizeof (gfloat), n);
  g_array_set_size (h->vector, 0);
  g_array_append_vals (h->vector, values, n);
}

guint
gst_classification_meta_get_n_heads (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->heads->len;
}

const gchar *
gst_classification_meta_get_head_name (const GstClassificationMeta * meta,
    guint head)
{
  Head *h = get_head (meta, head);

  return h ? g_quark_to_string (h->name) : NULL;
}

GstClassificationHeadKind
gst_classification_meta_get_head_kind (const GstClassificationMeta * meta,
    guint head)
{
  Head *h = get_head (meta, head);

  g_return_val_if_fail (h != NULL, GST_CLASSIFICATION_HEAD_SOFTMAX);
  return h->kind;
}

guint
gst_classification_meta_get_head_n_results (const GstClassificationMeta *
    meta, guint head)
{
  Head *h = get_head (meta, head);

  return h ? h->results->len : 0;
}

gboolean
gst_classification_meta_get_head_result (const GstClassificationMeta * meta,
    guint head, guint i, gint * class_id, GQuark * label, gfloat * confidence)
{
  Head *h = get_head (meta, head);
  const GstClassificationResult *r;

  if (h == NULL || i >= h->results->len)
    return FALSE;
  r = &g_array_index (h->results, GstClassificationResult, i);
  if (class_id)
    *class_id = r->class_id;
  if (label)
    *label = r->label;
  if (confidence)
    *confidence = r->confidence;
  return TRUE;
}

const gchar *
gst_classification_meta_get_head_label (const GstClassificationMeta * meta,
    guint head, guint i)
{
  GQuark label;

  if (!gst_classification_meta_get_head_result (meta, head, i, NULL, &label,
          NULL))
    return NULL;
  return g_quark_to_string (label);
}

const gfloat *
gst_classification_meta_get_head_vector (const GstClassificationMeta * meta,
    guint head, guint * n)
{
  Head *h = get_head (meta, head);

  g_return_val_if_fail (n != NULL, NULL);
  *n = h && h->vector ? h->vector->len : 0;
  return h && h->vector ? (const gfloat *) h->vector->data : NULL;
}

guint
gst_classification_meta_get_n_results (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->results->len;
}

gboolean
gst_classification_meta_get_result (const GstClassificationMeta * meta,
    guint i, gint * class_id, GQuark * label, gfloat * confidence)
{
  const GstClassificationResult *r;

  g_return_val_if_fail (meta != NULL, FALSE);
  if (i >= meta->results->len)
    return FALSE;
  r = &g_array_index (meta->results, GstClassificationResult, i);
  if (class_id)
    *class_id = r->class_id;
  if (label)
    *label = r->label;
  if (confidence)
    *confidence = r->confidence;
  return TRUE;
}

const gchar *
gst_classification_meta_get_label (const GstClassificationMeta * meta, guint i)
{
  GQuark label;

  g_return_val_if_fail (meta != NULL, NULL);
  if (!gst_classification_meta_get_result (meta, i, NULL, &label, NULL))
    return NULL;
  return g_quark_to_string (label);
}

gboolean
gst_classification_meta_is_fresh (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->fresh;
}

gboolean
gst_classification_meta_is_qos_skipped (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->qos_skipped;
}

gint
gst_classification_meta_get_roi_id (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, -1);
  return meta->roi_id;
}

GstClockTime
gst_classification_meta_get_source_pts (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, GST_CLOCK_TIME_NONE);
  return meta->source_pts;
}

guint64
gst_classification_meta_get_inference_time (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->inference_time;
}

const gchar *
gst_classification_meta_get_model (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return g_quark_to_string (meta->model);
}

guint
gst_classification_meta_get_smoothed_over (const GstClassificationMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 1);
  return meta->smoothed_over;
}
