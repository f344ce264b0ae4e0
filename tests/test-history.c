/* The per-region history of resnetclassify (gst/gstresnethistory.c): the
 * mean over a window, the reclassification cache, and bounded memory when
 * thousands of ids pass by. */
#include <math.h>
#include "gstresnethistory.h"

/* The mean of the last N, fewer at the start; another window or class
 * count starts over. */
static void
test_mean (void)
{
  GstResnetHistory *h = gst_resnet_history_new ();
  float p[4][2] = { {1, 0}, {0, 1}, {0.5f, 0.5f}, {0.25f, 0.75f} }, out[2];

  g_assert_cmpuint (gst_resnet_history_smooth (h, 5, 0, 0, 0, p[0], 2, NULL, 3,
          out), ==, 1);
  g_assert_cmpfloat (out[0], ==, 1.0f);
  g_assert_cmpuint (gst_resnet_history_smooth (h, 5, 1, 0, 0, p[1], 2, NULL, 3,
          out), ==, 2);
  g_assert_cmpfloat (out[0], ==, 0.5f);
  gst_resnet_history_smooth (h, 5, 2, 0, 0, p[2], 2, NULL, 3, out);
  g_assert_cmpuint (gst_resnet_history_smooth (h, 5, 3, 0, 0, p[3], 2, NULL, 3,
          out), ==, 3);
  g_assert_cmpfloat (fabsf (out[1] - (1 + 0.5f + 0.75f) / 3), <, 1e-7);
  /* id -1 (the frame) is a region of its own */
  g_assert_cmpuint (gst_resnet_history_smooth (h, -1, 3, 0, 0, p[3], 2, NULL, 3,
          out), ==, 1);
  /* another window: starts over */
  g_assert_cmpuint (gst_resnet_history_smooth (h, 5, 4, 0, 0, p[3], 2, NULL, 4,
          out), ==, 1);
  gst_resnet_history_reset (h);
  g_assert_cmpuint (gst_resnet_history_size (h), ==, 0);
  gst_resnet_history_free (h);
}

/* A region classified less than @interval frames ago gets its result. */
static void
test_cache (void)
{
  GstResnetHistory *h = gst_resnet_history_new ();
  float p[3] = { 0.2f, 0.3f, 0.5f }, out[3];
  GstResnetHistoryStamp n = { 0 };

  g_assert_null (gst_resnet_history_cached (h, 1, 0, 3, 3, &n));
  gst_resnet_history_smooth (h, 1, 0, 1000, 77, p, 3, NULL, 1, out);
  g_assert_nonnull (gst_resnet_history_cached (h, 1, 1, 3, 3, &n));
  g_assert_cmpuint (n.smoothed_over, ==, 1);
  g_assert_cmpuint (n.source_pts, ==, 1000);
  g_assert_cmpuint (n.inference_us, ==, 77);
  /* however long ago */
  g_assert_nonnull (gst_resnet_history_cached (h, 1, 1000, G_MAXUINT, 3, &n));
  g_assert_cmpfloat (gst_resnet_history_cached (h, 1, 2, 3, 3, &n)[2], ==,
      0.5f);
  g_assert_null (gst_resnet_history_cached (h, 1, 1003, 3, 3, &n));
  g_assert_null (gst_resnet_history_cached (h, 1, 1, 3, 4, &n));
  gst_resnet_history_free (h);
}

/* 10,000 ids, each seen once: with forget() after every frame the history
 * never holds more than the ids of the last few frames. */
static void
test_bounded (void)
{
  GstResnetHistory *h = gst_resnet_history_new ();
  float p[2] = { 0.5f, 0.5f }, out[2];
  guint most = 0;

  for (guint64 frame = 0; frame < 2500; frame++) {
    for (gint k = 0; k < 4; k++)
      gst_resnet_history_smooth (h, frame * 4 + k, frame, 0, 0, p, 2, NULL, 5,
          out);
    gst_resnet_history_forget (h, frame, 5);
    most = MAX (most, gst_resnet_history_size (h));
  }
  g_assert_cmpuint (most, <=, 4 * 6);
  /* an id still present is kept however old its inference */
  gst_resnet_history_reset (h);
  gst_resnet_history_smooth (h, 1, 0, 0, 0, p, 2, NULL, 5, out);
  for (guint64 frame = 1; frame < 50; frame++) {
    GstResnetHistoryStamp n;
    gst_resnet_history_cached (h, 1, frame, 100, 2, &n);
    gst_resnet_history_forget (h, frame, 5);
  }
  g_assert_cmpuint (gst_resnet_history_size (h), ==, 1);
  gst_resnet_history_free (h);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/history/mean", test_mean);
  g_test_add_func ("/history/cache", test_cache);
  g_test_add_func ("/history/bounded", test_bounded);
  return g_test_run ();
}
