/* GstResnetRegion collection. */
#include "gstresnetregions.h"
#include "gstresnetanalytics.h"

void
gst_resnet_regions_full_frame (GArray * out, guint width, guint height)
{
  GstResnetRegion r = { NULL, -1, -1, {0, 0, width, height}, TRUE, -1 };

  g_array_set_size (out, 0);
  g_array_append_val (out, r);
}

guint
gst_resnet_regions_collect (GArray * out, GstBuffer * buf, guint width,
    guint height, const GstResnetRegionFilter * filter, guint * over_limit)
{
  guint kept = 0, over = 0;
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  /* of the regions appended: whether their id may name an object */
  g_autoptr (GArray) followable = g_array_new (FALSE, FALSE, sizeof (gboolean));
  gpointer state = NULL;
  GstMeta *m;
  guint first = out->len, skipped = 0;
  gint index = -1;

  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    guint64 x1 = MIN ((guint64) roi->x + roi->w, (guint64) width);
    guint64 y1 = MIN ((guint64) roi->y + roi->h, (guint64) height);
    GstResnetRegionLink link;
    gboolean follow;
    gpointer key;
    GstResnetRegion r;

    /* Every region meta counts for the index, filtered out or not. */
    if (index == G_MAXINT)
      break;
    index++;
    if (filter->roi_type && *filter->roi_type
        && g_strcmp0 (g_quark_to_string (roi->roi_type), filter->roi_type))
      continue;
    gst_resnet_analytics_link (buf, roi, &link);
    if (filter->source == GST_RESNET_ROI_SOURCE_ANALYTICS && link.od_id < 0)
      continue;
    if (roi->x >= x1 || roi->y >= y1) {
      skipped++;
      continue;
    }
    r.roi = roi;
    r.od_id = link.od_id;
    if (link.tracked && link.tracking_id <= G_MAXINT) {
      r.id = (gint) link.tracking_id;
      follow = TRUE;
    } else {
      r.id = roi->id;
      /* A tracking id too large for an id, or an id that is only the
       * ODMtd's position on this buffer, names nothing across frames. */
      follow = !link.tracked && !link.id_is_position && roi->id >= 0;
    }
    r.index = index;
    r.rect.x = roi->x;
    r.rect.y = roi->y;
    r.rect.width = x1 - roi->x;
    r.rect.height = y1 - roi->y;
    if ((guint) r.rect.width < filter->min_w
        || (guint) r.rect.height < filter->min_h) {
      skipped++;
      continue;
    }
    if (filter->max_regions && kept == filter->max_regions) {
      over++;
      continue;
    }
    kept++;
    key = GINT_TO_POINTER (r.id);
    g_array_append_val (followable, follow);
    g_hash_table_insert (seen, key, GINT_TO_POINTER (GPOINTER_TO_INT
            (g_hash_table_lookup (seen, key)) + 1));
    g_array_append_val (out, r);
  }
  if (over_limit)
    *over_limit = over;
  for (guint i = first; i < out->len; i++) {
    GstResnetRegion *r = &g_array_index (out, GstResnetRegion, i);
    r->stable = g_array_index (followable, gboolean, i - first)
        && GPOINTER_TO_INT (g_hash_table_lookup (seen,
            GINT_TO_POINTER (r->id))) == 1;
  }
  return skipped;
}
