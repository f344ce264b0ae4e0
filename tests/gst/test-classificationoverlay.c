/* classificationoverlay tests (gst-check, GstHarness). */
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

#define CAPS "video/x-raw,format=BGRx,width=160,height=120,framerate=30/1"

static GstBuffer *
grey_frame (GstHarness * h)
{
  GstBuffer *b = gst_harness_create_buffer (h, 160 * 120 * 4);
  gst_buffer_memset (b, 0, 0x80, 160 * 120 * 4);
  return b;
}

/* Counts pixels of @out that differ from 0x80 inside and outside a rect. */
static void
count_changes (GstBuffer * out, gint x0, gint y0, gint x1, gint y1,
    guint * inside, guint * outside)
{
  GstMapInfo map;

  *inside = *outside = 0;
  gst_buffer_map (out, &map, GST_MAP_READ);
  for (gint y = 0; y < 120; y++)
    for (gint x = 0; x < 160; x++) {
      const guint8 *p = map.data + (y * 160 + x) * 4;
      gboolean changed = p[0] != 0x80 || p[1] != 0x80 || p[2] != 0x80;
      gboolean in = x >= x0 && x < x1 && y >= y0 && y < y1;
      if (changed)
        (*(in ? inside : outside))++;
    }
  gst_buffer_unmap (out, &map);
}

/* A whole-frame result is drawn at the top left (a text box of two lines),
 * and the lower part of the frame is untouched. */
GST_START_TEST (test_draws_results)
{
  GstHarness *h = gst_harness_new ("classificationoverlay");
  GstBuffer *in, *out;
  GstClassificationMeta *m;
  guint inside, outside;

  gst_harness_set_src_caps_str (h, CAPS);
  in = grey_frame (h);
  m = gst_buffer_add_classification_meta (in, "test", -1);
  gst_classification_meta_add_result (m, 3, g_quark_from_string ("cat"), 0.9f);
  gst_classification_meta_add_result (m, 5, g_quark_from_string ("dog"), 0.05f);
  out = gst_harness_push_and_pull (h, in);
  count_changes (out, 0, 0, 160, 70, &inside, &outside);
  fail_unless (inside > 200, "only %u pixels drawn", inside);
  fail_unless_equals_int (outside, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A frame without classification metadata passes unchanged. */
GST_START_TEST (test_no_meta_unchanged)
{
  GstHarness *h = gst_harness_new ("classificationoverlay");
  GstBuffer *out;
  guint inside, outside;

  gst_harness_set_src_caps_str (h, CAPS);
  out = gst_harness_push_and_pull (h, grey_frame (h));
  count_changes (out, 0, 0, 160, 120, &inside, &outside);
  fail_unless_equals_int (inside + outside, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A classified region gets its box and label drawn from the region's
 * corner on (the label may be wider than the box); nothing left of or
 * above the region changes. */
GST_START_TEST (test_draws_regions)
{
  GstHarness *h = gst_harness_new ("classificationoverlay");
  GstBuffer *in, *out;
  GstVideoRegionOfInterestMeta *roi;
  GstClassificationMeta *m;
  guint inside, outside;

  gst_harness_set_src_caps_str (h, CAPS);
  in = grey_frame (h);
  roi = gst_buffer_add_video_region_of_interest_meta (in, "car", 90, 60, 60,
      50);
  m = gst_buffer_add_classification_meta (in, "test", roi->id);
  gst_classification_meta_add_result (m, 1, g_quark_from_string ("truck"),
      0.8f);
  out = gst_harness_push_and_pull (h, in);
  count_changes (out, 90, 60, 160, 120, &inside, &outside);
  fail_unless (inside > 200, "only %u pixels drawn", inside);
  fail_unless_equals_int (outside, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
classificationoverlay_suite (void)
{
  Suite *s = suite_create ("classificationoverlay");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_draws_results);
  tcase_add_test (tc, test_no_meta_unchanged);
  tcase_add_test (tc, test_draws_regions);
  return s;
}

GST_CHECK_MAIN (classificationoverlay);
