/* Region collection (gst/gstresnetregions.c) on the host: clipping in 64
 * bits, filters, and which ids may key a history. */
#include "gstresnetregions.h"

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

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/regions/collect", test_collect);
  g_test_add_func ("/regions/stable", test_stable);
  g_test_add_func ("/regions/limit", test_limit);
  return g_test_run ();
}
