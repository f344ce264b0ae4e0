/* resnetclassify's answers (gst/gstresnetanswer.c) on the host: softmax,
 * top-k under global and per-class thresholds, and the three writers. */
#include <math.h>
#include "gstresnetanswer.h"

static GQuark labels[5];

/* Probabilities sum to 1 and logits far apart do not overflow. */
static void
test_softmax (void)
{
  float x[3] = { 1000.0f, 999.0f, -1000.0f };
  double sum = 0.0;

  gst_resnet_softmax (x, 3);
  for (guint i = 0; i < 3; i++) {
    g_assert_true (isfinite (x[i]));
    sum += x[i];
  }
  g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-6);
  g_assert_cmpfloat (fabsf (x[0] - 1.0f / (1.0f + expf (-1.0f))), <, 1e-6);
  gst_resnet_softmax (x, 0);
}

/* top-k most likely first, ties to the lower index, a per-class threshold
 * where one is set (NaN: the global one), k larger than the classes. */
static void
test_select (void)
{
  const float p[5] = { 0.1f, 0.3f, 0.1f, 0.4f, 0.1f };
  const gfloat t[5] = { NAN, 0.5f, NAN, NAN, NAN };
  GstResnetSelection sel = { 3, 0.0, NULL };
  GstResnetAnswer a;
  gint id;
  gfloat conf;
  GQuark label;

  gst_resnet_answer_init (&a);
  gst_resnet_answer_select (&a, p, 5, labels, &sel);
  g_assert_cmpuint (a.results->len, ==, 3);
  g_assert_cmpint (g_array_index (a.results, GstClassificationResult,
          0).class_id, ==, 3);
  g_assert_cmpint (g_array_index (a.results, GstClassificationResult,
          1).class_id, ==, 1);
  g_assert_cmpint (g_array_index (a.results, GstClassificationResult,
          2).class_id, ==, 0);
  g_assert_true (gst_resnet_answer_top (&a, &id, &label, &conf));
  g_assert_cmpint (id, ==, 3);
  g_assert_true (label == labels[3]);
  g_assert_cmpfloat (conf, ==, 0.4f);

  sel.top_k = 100;
  sel.thresholds = t;
  gst_resnet_answer_select (&a, p, 5, labels, &sel);
  g_assert_cmpuint (a.results->len, ==, 4);
  for (guint i = 0; i < a.results->len; i++)
    g_assert_cmpint (g_array_index (a.results, GstClassificationResult,
            i).class_id, !=, 1);

  sel.thresholds = NULL;
  sel.threshold = 0.5;
  gst_resnet_answer_select (&a, p, 5, labels, &sel);
  g_assert_cmpuint (a.results->len, ==, 0);
  g_assert_false (gst_resnet_answer_top (&a, &id, &label, &conf));
  g_assert_cmpint (id, ==, -1);

  gst_resnet_answer_set_raw (&a, p, 5);
  g_assert_cmpint (a.raw_id, ==, 3);
  g_assert_cmpfloat (a.raw_conf, ==, 0.4f);
  gst_resnet_answer_clear (&a);
}

/* The meta, the region's parameter and the message say the same. */
static void
test_writers (void)
{
  const float p[5] = { 0.05f, 0.6f, 0.05f, 0.2f, 0.1f };
  GstResnetSelection sel = { 2, 0.0, NULL };
  GstBuffer *buf = gst_buffer_new ();
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (buf, "car", 1, 2, 3, 4);
  GstClassificationMeta *m;
  GstStructure *s, *param;
  GstResnetAnswer a;
  gint id;
  guint u;

  roi->id = 12;
  gst_resnet_answer_init (&a);
  gst_resnet_answer_select (&a, p, 5, labels, &sel);
  gst_resnet_answer_set_raw (&a, p, 5);
  a.model = g_quark_from_static_string ("net");
  a.roi_id = 12;
  a.roi_index = 0;
  a.fresh = FALSE;
  a.smoothed_over = 3;
  a.source_pts = 40 * GST_MSECOND;
  a.inference_us = 1234;
  m = gst_resnet_answer_add_meta (&a, buf);
  g_assert_true (m == gst_buffer_get_classification_meta_for_roi (buf, 12));
  g_assert_false (gst_classification_meta_is_whole_frame (m));
  g_assert_cmpint (gst_classification_meta_get_roi_index (m), ==, 0);
  g_assert_null (gst_buffer_get_classification_meta (buf));
  g_assert_cmpstr (gst_classification_meta_get_model (m), ==, "net");
  g_assert_false (gst_classification_meta_is_fresh (m));
  g_assert_cmpuint (gst_classification_meta_get_smoothed_over (m), ==, 3);
  g_assert_cmpuint (gst_classification_meta_get_source_pts (m), ==,
      40 * GST_MSECOND);
  g_assert_cmpuint (gst_classification_meta_get_inference_time (m), ==, 1234);
  g_assert_cmpuint (gst_classification_meta_get_n_results (m), ==, 2);
  g_assert_true (gst_classification_meta_get_result (m, 1, &id, NULL, NULL));
  g_assert_cmpint (id, ==, 3);

  gst_resnet_answer_add_roi_param (&a, roi);
  param = gst_video_region_of_interest_meta_get_param (roi, "classification");
  g_assert_nonnull (param);
  g_assert_cmpstr (gst_structure_get_string (param, "label"), ==, "b");
  g_assert_true (gst_structure_get_int (param, "label-id", &id));
  g_assert_cmpint (id, ==, 1);

  s = gst_resnet_answer_to_structure (&a, 7, GST_SECOND, 2 * GST_SECOND);
  g_assert_true (gst_structure_has_name (s, "resnetclassify"));
  g_assert_cmpstr (gst_structure_get_string (s, "label"), ==, "b");
  g_assert_true (gst_structure_get_int (s, "roi-id", &id));
  g_assert_cmpint (id, ==, 12);
  g_assert_true (gst_structure_get_int (s, "roi-index", &id));
  g_assert_cmpint (id, ==, 0);
  g_assert_true (gst_structure_get_uint (s, "smoothed-over", &u));
  g_assert_cmpuint (u, ==, 3);
  /* carried over: the raw answer is the reported one */
  g_assert_true (gst_structure_get_int (s, "raw-class-id", &id));
  g_assert_cmpint (id, ==, 1);
  g_assert_cmpuint (gst_value_list_get_size (gst_structure_get_value (s,
              "labels")), ==, 2);
  gst_structure_free (s);
  gst_resnet_answer_clear (&a);
  gst_buffer_unref (buf);
}

int
main (int argc, char **argv)
{
  const gchar *names[5] = { "a", "b", "c", "d", "e" };

  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < 5; i++)
    labels[i] = g_quark_from_static_string (names[i]);
  g_test_add_func ("/answer/softmax", test_softmax);
  g_test_add_func ("/answer/select", test_select);
  g_test_add_func ("/answer/writers", test_writers);
  return g_test_run ();
}
