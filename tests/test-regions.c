/* Region collection (gst/gstresnetregions.c) on the host: clipping in 64
 * bits, filters, and which ids may key a history. */
#include "gstresnetregions.h"
#include "gstresnetanalytics.h"
#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

static GstVideoRegionOfInterestMeta *
add (GstBuffer * buf, const gchar * type, gint id, guint x, guint y, guint w,
    guint h)
{
  GstVideoRegionOfInterestMeta *r =
      gst_buffer_add_video_region_of_interest_meta (buf, type, x, y, w, h);
  r->id = id;
  return r;
}

/* Boxes are clipped to the frame (G_MAXUINT extents too); empty ones,
 * other types and small ones are skipped and counted. */
static void
test_collect (void)
{
  GstBuffer *buf = gst_buffer_new ();
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstResnetRegion));
  GstResnetRegionFilter filter = { "car", 4, 4, 0 };
  GstResnetRegion *r;

  add (buf, "car", 1, 10, 10, G_MAXUINT, G_MAXUINT);
  add (buf, "car", 2, 100, 0, 5, 5);    /* outside */
  add (buf, "person", 3, 0, 0, 10, 10); /* other type: not counted */
  add (buf, "car", 4, 0, 0, 3, 30);     /* too narrow */
  add (buf, "car", 5, G_MAXUINT, G_MAXUINT, G_MAXUINT, G_MAXUINT);
  g_assert_cmpuint (gst_resnet_regions_collect (out, buf, 64, 48, &filter,
          NULL), ==, 3);
  g_assert_cmpuint (out->len, ==, 1);
  r = &g_array_index (out, GstResnetRegion, 0);
  g_assert_cmpint (r->id, ==, 1);
  g_assert_cmpint (r->rect.x, ==, 10);
  g_assert_cmpint (r->rect.width, ==, 54);
  g_assert_cmpint (r->rect.height, ==, 38);
  g_assert_true (r->stable);
  g_assert_nonnull (r->roi);

  gst_resnet_regions_full_frame (out, 64, 48);
  g_assert_cmpuint (out->len, ==, 1);
  r = &g_array_index (out, GstResnetRegion, 0);
  g_assert_cmpint (r->id, ==, -1);
  g_assert_null (r->roi);
  g_assert_true (r->stable);
  g_assert_cmpint (r->rect.width, ==, 64);
  g_array_unref (out);
  gst_buffer_unref (buf);
}

/* An id that is negative or repeated on the frame keys no history. */
static void
test_stable (void)
{
  GstBuffer *buf = gst_buffer_new ();
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstResnetRegion));
  GstResnetRegionFilter filter = { NULL, 0, 0, 0 };
  const gint ids[] = { 7, 7, -1, G_MININT, 0, G_MAXINT };
  const gboolean stable[] = { FALSE, FALSE, FALSE, FALSE, TRUE, TRUE };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    add (buf, "o", ids[i], i, i, 8, 8);
  g_assert_cmpuint (gst_resnet_regions_collect (out, buf, 64, 48, &filter,
          NULL), ==, 0);
  g_assert_cmpuint (out->len, ==, G_N_ELEMENTS (ids));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpint (g_array_index (out, GstResnetRegion, i).stable, ==,
        stable[i]);
  g_array_unref (out);
  gst_buffer_unref (buf);
}

/* max-regions keeps the first N that pass the filters, in the buffer's
 * order, and counts the rest; what the filters drop does not use room. */
static void
test_limit (void)
{
  GstBuffer *buf = gst_buffer_new ();
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstResnetRegion));
  GstResnetRegionFilter filter = { NULL, 0, 0, 3 };
  guint over = 0;

  add (buf, "o", 1, 100, 100, 4, 4);    /* outside */
  for (gint i = 0; i < 10000; i++)
    add (buf, "o", 10 + i, i % 50, 0, 8, 8);
  g_assert_cmpuint (gst_resnet_regions_collect (out, buf, 64, 48, &filter,
          &over), ==, 1);
  g_assert_cmpuint (out->len, ==, 3);
  g_assert_cmpuint (over, ==, 9997);
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpint (g_array_index (out, GstResnetRegion, i).id, ==, 10 + i);
    g_assert_cmpint (g_array_index (out, GstResnetRegion, i).index, ==, 1 + i);
  }
  g_array_unref (out);
  gst_buffer_unref (buf);
}

#ifdef HAVE_GST_ANALYTICS
static guint
detection (GstAnalyticsRelationMeta * rmeta, gint x, guint64 track)
{
  GstAnalyticsODMtd od;
  GstAnalyticsTrackingMtd trk;

  g_assert_true (gst_analytics_relation_meta_add_od_mtd (rmeta,
          g_quark_from_string ("car"), x, 0, 8, 8, 0.5f, &od));
  if (track) {
    g_assert_true (gst_analytics_relation_meta_add_tracking_mtd (rmeta, track,
            0, &trk));
    /* the tracker relating first: what the regions must find too */
    g_assert_true (gst_analytics_relation_meta_set_relation (rmeta,
            GST_ANALYTICS_REL_TYPE_RELATE_TO, trk.id, od.id));
  }
  return od.id;
}

/* Which id follows a region that the analytics metas know: a tracking id
 * (up to G_MAXINT), never an ODMtd's position on the buffer; a region
 * meta tied to an ODMtd is one region with it. */
static void
test_analytics_ids (void)
{
  GstBuffer *buf = gst_buffer_new ();
  GArray *out = g_array_new (FALSE, FALSE, sizeof (GstResnetRegion));
  GstResnetRegionFilter filter = { "car", 0, 0, 0 };
  GstAnalyticsRelationMeta *rmeta = gst_buffer_add_analytics_relation_meta
      (buf);
  guint tracked = detection (rmeta, 0, 5);
  guint untracked = detection (rmeta, 10, 0);
  guint huge = detection (rmeta, 20, (guint64) G_MAXINT + 1);
  GstVideoRegionOfInterestMeta *roi;
  GstResnetRegion *r;

  g_assert_true (gst_resnet_analytics_built ());
  /* DL Streamer's form: the region meta's id is its ODMtd's. */
  add (buf, "car", untracked, 10, 0, 8, 8);
  /* Tied by the parameter this element writes. */
  roi = add (buf, "car", 9, 0, 0, 8, 8);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new (GST_RESNET_OD_PARAM, "id", G_TYPE_UINT, tracked,
          NULL));
  g_assert_cmpuint (gst_resnet_analytics_adopt_detections (buf, 64, 48,
          &filter), ==, 1);
  g_assert_cmpuint (gst_resnet_regions_collect (out, buf, 64, 48, &filter,
          NULL), ==, 0);
  g_assert_cmpuint (out->len, ==, 3);
  r = &g_array_index (out, GstResnetRegion, 0);
  g_assert_cmpint (r->od_id, ==, untracked);
  g_assert_false (r->stable);
  r = &g_array_index (out, GstResnetRegion, 1);
  g_assert_cmpint (r->od_id, ==, tracked);
  g_assert_cmpint (r->id, ==, 5);
  g_assert_true (r->stable);
  r = &g_array_index (out, GstResnetRegion, 2);
  g_assert_cmpint (r->od_id, ==, huge);
  g_assert_cmpint (r->id, ==, huge);
  g_assert_cmpint (r->rect.x, ==, 20);
  g_assert_false (r->stable);
  /* roi-source=analytics: the same three, each tied to an ODMtd. */
  filter.source = GST_RESNET_ROI_SOURCE_ANALYTICS;
  g_array_set_size (out, 0);
  gst_resnet_regions_collect (out, buf, 64, 48, &filter, NULL);
  g_assert_cmpuint (out->len, ==, 3);
  g_array_unref (out);
  gst_buffer_unref (buf);
}
#endif

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/regions/collect", test_collect);
  g_test_add_func ("/regions/stable", test_stable);
  g_test_add_func ("/regions/limit", test_limit);
#ifdef HAVE_GST_ANALYTICS
  g_test_add_func ("/regions/analytics-ids", test_analytics_ids);
#endif
  return g_test_run ();
}
