/* resnetclassify and GstAnalytics: see gstresnetanalytics.h.  Every meta
 * read here comes from upstream: ids are checked against the relation
 * meta's length before use, boxes are clipped in 64 bits. */
#include "gstresnetanalytics.h"

#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>

GST_DEBUG_CATEGORY_STATIC (analytics_debug);
#define GST_CAT_DEFAULT analytics_debug

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (analytics_debug, "resnetanalytics", 0,
        "resnetclassify's GstAnalytics metas");
    g_once_init_leave (&done, 1);
  }
}

gboolean
gst_resnet_analytics_built (void)
{
  return TRUE;
}

/* The ODMtd @id of @rmeta into @od: FALSE when there is none. */
static gboolean
get_od (GstAnalyticsRelationMeta * rmeta, guint64 id, GstAnalyticsODMtd * od)
{
  return id < gst_analytics_relation_get_length (rmeta)
      && gst_analytics_relation_meta_get_od_mtd (rmeta, (guint) id, od);
}

/* The id of a TrackingMtd related to ODMtd @od_id, either way round (the
 * tracker in gst-plugins-bad relates ODMtd to TrackingMtd). */
static gboolean
find_tracking (GstAnalyticsRelationMeta * rmeta, guint od_id, guint64 * id)
{
  GstAnalyticsMtdType type = gst_analytics_tracking_mtd_get_mtd_type ();
  GstAnalyticsMtd trk;
  gpointer state = NULL;
  GstClockTime first, last;
  gboolean lost, found;

  found = gst_analytics_relation_meta_get_direct_related (rmeta, od_id,
      GST_ANALYTICS_REL_TYPE_ANY, type, &state, &trk);
  state = NULL;
  while (!found && gst_analytics_relation_meta_iterate (rmeta, &state, type,
          &trk))
    found = gst_analytics_relation_meta_get_relation (rmeta, trk.id, od_id)
        != GST_ANALYTICS_REL_TYPE_NONE;
  return found && gst_analytics_tracking_mtd_get_info ((const
          GstAnalyticsTrackingMtd *) &trk, id, &first, &last, &lost);
}

/* Whether @roi's type and box are @od's. */
static gboolean
same_box (const GstVideoRegionOfInterestMeta * roi, GstAnalyticsODMtd * od)
{
  gint x, y, w, h;
  gfloat conf;

  return gst_analytics_od_mtd_get_location (od, &x, &y, &w, &h, &conf)
      && gst_analytics_od_mtd_get_obj_type (od) == roi->roi_type
      && (gint64) x == roi->x && (gint64) y == roi->y
      && (gint64) w == roi->w && (gint64) h == roi->h;
}

void
gst_resnet_analytics_link (GstBuffer * buf, GstVideoRegionOfInterestMeta * roi,
    GstResnetRegionLink * out)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  GstStructure *param;
  GstAnalyticsODMtd od;
  guint id;
  gboolean adopted = FALSE;

  out->od_id = -1;
  out->tracked = FALSE;
  out->tracking_id = 0;
  out->id_is_position = FALSE;
  if (rmeta == NULL)
    return;
  param = gst_video_region_of_interest_meta_get_param (roi,
      GST_RESNET_OD_PARAM);
  if (param && gst_structure_get_uint (param, "id", &id)
      && get_od (rmeta, id, &od)) {
    gst_structure_get_boolean (param, "from-detection", &adopted);
    out->id_is_position = adopted && roi->id >= 0 && (guint) roi->id == id;
  } else if (roi->id >= 0 && get_od (rmeta, (guint) roi->id, &od)
      && same_box (roi, &od)) {
    out->id_is_position = TRUE;
  } else {
    return;
  }
  out->od_id = (gint) od.id;
  out->tracked = find_tracking (rmeta, od.id, &out->tracking_id);
}

/* @od's box clipped to the @width x @height frame: FALSE when empty. */
static gboolean
clipped_box (GstAnalyticsODMtd * od, guint width, guint height, guint * x,
    guint * y, guint * w, guint * h)
{
  gint ox, oy, ow, oh;
  gfloat conf;
  gint64 x0, y0, x1, y1;

  if (!gst_analytics_od_mtd_get_location (od, &ox, &oy, &ow, &oh, &conf))
    return FALSE;
  x0 = CLAMP ((gint64) ox, 0, (gint64) width);
  y0 = CLAMP ((gint64) oy, 0, (gint64) height);
  x1 = CLAMP ((gint64) ox + ow, 0, (gint64) width);
  y1 = CLAMP ((gint64) oy + oh, 0, (gint64) height);
  if (x1 <= x0 || y1 <= y0)
    return FALSE;
  *x = x0;
  *y = y0;
  *w = x1 - x0;
  *h = y1 - y0;
  return TRUE;
}

guint
gst_resnet_analytics_adopt_detections (GstBuffer * buf, guint width,
    guint height, const GstResnetRegionFilter * filter)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  g_autoptr (GHashTable) linked = NULL;
  GstAnalyticsODMtd od;
  gpointer state = NULL;
  GstMeta *m;
  guint added = 0;

  if (rmeta == NULL)
    return 0;
  debug_init ();
  linked = g_hash_table_new (NULL, NULL);
  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstResnetRegionLink link;
    gst_resnet_analytics_link (buf, (GstVideoRegionOfInterestMeta *) m, &link);
    if (link.od_id >= 0)
      g_hash_table_add (linked, GINT_TO_POINTER (link.od_id));
  }
  state = NULL;
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_od_mtd_get_mtd_type (), (GstAnalyticsMtd *) & od)) {
    GQuark type = gst_analytics_od_mtd_get_obj_type (&od);
    GstVideoRegionOfInterestMeta *roi;
    guint64 tracking_id;
    guint x, y, w, h;

    if (g_hash_table_contains (linked, GUINT_TO_POINTER (od.id))
        || od.id > G_MAXINT)
      continue;
    if (filter->roi_type && *filter->roi_type
        && g_strcmp0 (g_quark_to_string (type), filter->roi_type))
      continue;
    if (!clipped_box (&od, width, height, &x, &y, &w, &h)
        || w < filter->min_w || h < filter->min_h)
      continue;
    roi = gst_buffer_add_video_region_of_interest_meta_id (buf, type, x, y,
        w, h);
    if (roi == NULL)
      break;
    roi->id = find_tracking (rmeta, od.id, &tracking_id)
        && tracking_id <= G_MAXINT ? (gint) tracking_id : (gint) od.id;
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new (GST_RESNET_OD_PARAM, "id", G_TYPE_UINT, od.id,
            "from-detection", G_TYPE_BOOLEAN, TRUE, NULL));
    added++;
  }
  GST_LOG ("%u detections became regions", added);
  return added;
}

/* The ODMtd for region meta @roi, made from it and tied to it. */
static gboolean
add_od_for_region (GstAnalyticsRelationMeta * rmeta,
    GstVideoRegionOfInterestMeta * roi, GstAnalyticsODMtd * od)
{
  GstStructure *det = gst_video_region_of_interest_meta_get_param (roi,
      "detection");
  gdouble conf = 1.0;

  /* A region meta has no detection confidence unless a 'detection'
   * parameter gives one: 1.0 says "given". */
  if (det)
    gst_structure_get_double (det, "confidence", &conf);
  if (!gst_analytics_relation_meta_add_od_mtd (rmeta, roi->roi_type,
          MIN (roi->x, G_MAXINT), MIN (roi->y, G_MAXINT),
          MIN (roi->w, G_MAXINT), MIN (roi->h, G_MAXINT), (gfloat) conf, od))
    return FALSE;
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new (GST_RESNET_OD_PARAM, "id", G_TYPE_UINT, od->id,
          "from-detection", G_TYPE_BOOLEAN, FALSE, NULL));
  return TRUE;
}

/* A ClsMtd of @results (labels as quarks, their confidences). */
static gboolean
add_cls (GstAnalyticsRelationMeta * rmeta, const GArray * results,
    GstAnalyticsClsMtd * cls)
{
  guint n = results->len;
  g_autofree gfloat *conf = g_new (gfloat, MAX (n, 1));
  g_autofree GQuark *labels = g_new (GQuark, MAX (n, 1));

  for (guint i = 0; i < n; i++) {
    const GstClassificationResult *res =
        &g_array_index (results, GstClassificationResult, i);
    conf[i] = res->confidence;
    labels[i] = res->label;
  }
  return gst_analytics_relation_meta_add_cls_mtd (rmeta, n, conf, labels, cls);
}

void
gst_resnet_analytics_add_answer (GstBuffer * buf, GstResnetRegion * r,
    const GstResnetAnswer * a)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  GstAnalyticsODMtd od;
  gboolean have_od = FALSE;

  debug_init ();
  if (rmeta == NULL)
    rmeta = gst_buffer_add_analytics_relation_meta (buf);
  if (rmeta == NULL)
    return;
  /* One ClsMtd per classification head (the answer's results when it has
   * no heads); embeddings have no analytics form in 1.24. */
  for (guint h = 0; h < MAX (a->heads->len, 1); h++) {
    const GstResnetHeadAnswer *ha = a->heads->len ?
        &g_array_index (a->heads, GstResnetHeadAnswer, h) : NULL;
    GstAnalyticsClsMtd cls;
    if (ha && ha->kind == GST_CLASSIFICATION_HEAD_EMBEDDING)
      continue;
    if (!add_cls (rmeta, ha ? ha->results : a->results, &cls)) {
      GST_WARNING ("could not add a classification to the relation meta");
      return;
    }
    if (r->roi == NULL)
      continue;
    if (!have_od && !(r->od_id >= 0 && get_od (rmeta, (guint) r->od_id, &od))
        && !add_od_for_region (rmeta, r->roi, &od)) {
      GST_WARNING ("could not add an object detection for region %d", r->id);
      return;
    }
    have_od = TRUE;
    r->od_id = (gint) od.id;
    gst_analytics_relation_meta_set_relation (rmeta,
        GST_ANALYTICS_REL_TYPE_CONTAIN, od.id, cls.id);
    gst_analytics_relation_meta_set_relation (rmeta,
        GST_ANALYTICS_REL_TYPE_IS_PART_OF, cls.id, od.id);
  }
}

#else /* !HAVE_GST_ANALYTICS */

gboolean
gst_resnet_analytics_built (void)
{
  return FALSE;
}

void
gst_resnet_analytics_link (GstBuffer * buf, GstVideoRegionOfInterestMeta * roi,
    GstResnetRegionLink * out)
{
  out->od_id = -1;
  out->tracked = FALSE;
  out->tracking_id = 0;
  out->id_is_position = FALSE;
}

guint
gst_resnet_analytics_adopt_detections (GstBuffer * buf, guint width,
    guint height, const GstResnetRegionFilter * filter)
{
  return 0;
}

void
gst_resnet_analytics_add_answer (GstBuffer * buf, GstResnetRegion * r,
    const GstResnetAnswer * a)
{
}

#endif
