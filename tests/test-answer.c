/* resnetclassify's answers (gst/gstresnetanswer.c) on the host: softmax,
 * top-k under global and per-class thresholds, and the three writers. */
#include <math.h>
#include "gstresnetanswer.h"
#include "overlay-text.h"

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
  GstResnetSelection sel = {.top_k = 3 };
  GstResnetAnswer a;
  gint id;
  gfloat conf;
  GQuark label;

  gst_resnet_answer_init (&a);
  gst_resnet_select (a.results, p, 5, labels, sel.thresholds,
      GST_CLASSIFICATION_HEAD_SOFTMAX, &sel);
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
  gst_resnet_select (a.results, p, 5, labels, sel.thresholds,
      GST_CLASSIFICATION_HEAD_SOFTMAX, &sel);
  g_assert_cmpuint (a.results->len, ==, 4);
  for (guint i = 0; i < a.results->len; i++)
    g_assert_cmpint (g_array_index (a.results, GstClassificationResult,
            i).class_id, !=, 1);

  sel.thresholds = NULL;
  sel.threshold = 0.5;
  gst_resnet_select (a.results, p, 5, labels, sel.thresholds,
      GST_CLASSIFICATION_HEAD_SOFTMAX, &sel);
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
  GstResnetSelection sel = {.top_k = 2 };
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
  gst_resnet_select (a.results, p, 5, labels, sel.thresholds,
      GST_CLASSIFICATION_HEAD_SOFTMAX, &sel);
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

/* Heads: each output made what it reports (a softmax where the graph has
 * none, a sigmoid, an embedding as it is or unit length), selected by its
 * kind (multilabel: every class at or above its threshold, whatever
 * top-k), the first classification head's results as the answer's, and
 * every head in the meta (and its copy) and the bus message. */
static void
test_heads (void)
{
  /* "emb" (3 values), "color" (3 logits), "attrs" (4 sigmoid inputs),
   * "probs" (2 probabilities from the graph's Softmax). */
  float v[12] = { 3.0f, 0.0f, 4.0f, 2.0f, 0.0f, 1.0f,
    2.0f, -2.0f, 0.5f, 0.0f, 0.9f, 0.1f
  };
  const gfloat t[12] = { NAN, NAN, NAN, NAN, NAN, NAN,
    NAN, NAN, 0.7f, NAN, NAN, NAN
  };
  const GstResnetHead heads[4] = {
    {g_quark_from_static_string ("emb"), GST_CLASSIFICATION_HEAD_EMBEDDING,
        0, 3, labels, FALSE},
    {g_quark_from_static_string ("color"), GST_CLASSIFICATION_HEAD_SOFTMAX,
        3, 3, labels, FALSE},
    {g_quark_from_static_string ("attrs"),
        GST_CLASSIFICATION_HEAD_MULTILABEL, 6, 4, labels, FALSE},
    {g_quark_from_static_string ("probs"), GST_CLASSIFICATION_HEAD_SOFTMAX,
        10, 2, labels, TRUE},
  };
  GstResnetSelection sel = {.top_k = 1,.multilabel_threshold = 0.5,
    .thresholds = t,.normalize = TRUE
  };
  const GstResnetHeadAnswer *h;
  GstBuffer *buf = gst_buffer_new (), *copy;
  GstClassificationMeta *m;
  const GValue *list, *hv;
  const GstStructure *hs;
  GstStructure *s;
  GstResnetAnswer a;
  const gfloat *vec;
  guint n;
  gint id;

  g_assert_cmpint (gst_resnet_heads_primary (heads, 4), ==, 1);
  g_assert_cmpint (gst_resnet_heads_primary (heads, 1), ==, -1);
  gst_resnet_heads_activate (heads, 4, v, TRUE);
  g_assert_cmpfloat (fabsf (v[0] - 0.6f), <, 1e-6);
  g_assert_cmpfloat (fabsf (v[2] - 0.8f), <, 1e-6);
  g_assert_cmpfloat (fabsf (v[3] + v[4] + v[5] - 1.0f), <, 1e-6);
  g_assert_cmpfloat (fabsf (v[6] - 1.0f / (1.0f + expf (-2.0f))), <, 1e-6);
  g_assert_cmpfloat (v[9], ==, 0.5f);
  g_assert_cmpfloat (v[10], ==, 0.9f);  /* already probabilities */

  gst_resnet_answer_init (&a);
  gst_resnet_answer_select_heads (&a, v, heads, 4, &sel);
  g_assert_cmpuint (a.heads->len, ==, 4);
  h = &g_array_index (a.heads, GstResnetHeadAnswer, 0);
  g_assert_cmpuint (h->kind, ==, GST_CLASSIFICATION_HEAD_EMBEDDING);
  g_assert_cmpuint (h->vector->len, ==, 3);
  g_assert_cmpuint (h->results->len, ==, 0);
  h = &g_array_index (a.heads, GstResnetHeadAnswer, 1);
  g_assert_cmpuint (h->results->len, ==, 1);    /* top-k */
  g_assert_cmpint (g_array_index (h->results, GstClassificationResult,
          0).class_id, ==, 0);
  /* Multilabel: sigmoid(2) 0.88 and sigmoid(0) 0.5 reach 0.5; sigmoid(0.5)
   * 0.62 does not reach its own 0.7; top-k does not apply. */
  h = &g_array_index (a.heads, GstResnetHeadAnswer, 2);
  g_assert_cmpuint (h->results->len, ==, 2);
  g_assert_cmpint (g_array_index (h->results, GstClassificationResult,
          0).class_id, ==, 0);
  g_assert_cmpint (g_array_index (h->results, GstClassificationResult,
          1).class_id, ==, 3);
  /* The answer's results are the first classification head's. */
  g_assert_true (gst_resnet_answer_top (&a, &id, NULL, NULL));
  g_assert_cmpint (id, ==, 0);
  g_assert_cmpuint (a.results->len, ==, 1);

  m = gst_resnet_answer_add_meta (&a, buf);
  copy = gst_buffer_copy (buf);
  m = gst_buffer_get_classification_meta (copy);
  g_assert_cmpuint (gst_classification_meta_get_n_heads (m), ==, 4);
  g_assert_cmpstr (gst_classification_meta_get_head_name (m, 2), ==, "attrs");
  g_assert_null (gst_classification_meta_get_head_name (m, 4));
  g_assert_cmpuint (gst_classification_meta_get_head_kind (m, 2), ==,
      GST_CLASSIFICATION_HEAD_MULTILABEL);
  g_assert_cmpuint (gst_classification_meta_get_head_n_results (m, 2), ==, 2);
  g_assert_cmpstr (gst_classification_meta_get_head_label (m, 2, 1), ==, "d");
  g_assert_null (gst_classification_meta_get_head_label (m, 2, 2));
  g_assert_false (gst_classification_meta_get_head_result (m, 9, 0, &id,
          NULL, NULL));
  vec = gst_classification_meta_get_head_vector (m, 0, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (vec[2], ==, v[2]);
  g_assert_null (gst_classification_meta_get_head_vector (m, 1, &n));
  g_assert_cmpuint (n, ==, 0);

  s = gst_resnet_answer_to_structure (&a, 1, 0, 0);
  list = gst_structure_get_value (s, "heads");
  g_assert_cmpuint (gst_value_list_get_size (list), ==, 4);
  hv = gst_value_list_get_value (list, 0);
  hs = gst_value_get_structure (hv);
  g_assert_cmpstr (gst_structure_get_string (hs, "kind"), ==, "embedding");
  g_assert_cmpuint (gst_value_list_get_size (gst_structure_get_value (hs,
              "vector")), ==, 3);
  hs = gst_value_get_structure (gst_value_list_get_value (list, 2));
  g_assert_cmpstr (gst_structure_get_string (hs, "name"), ==, "attrs");
  g_assert_cmpstr (gst_structure_get_string (hs, "kind"), ==, "multilabel");
  g_assert_cmpuint (gst_value_list_get_size (gst_structure_get_value (hs,
              "labels")), ==, 2);
  g_assert_cmpint (g_value_get_int (gst_value_list_get_value
          (gst_structure_get_value (hs, "class-ids"), 1)), ==, 3);
  gst_structure_free (s);
  gst_resnet_answer_clear (&a);
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

/* The overlay's text: a line per classification head with its top class
 * when there are several; the results as before with one; an embedding
 * alone by its length. */
static void
test_overlay_text (void)
{
  GstBuffer *buf = gst_buffer_new ();
  GstClassificationMeta *m = gst_buffer_add_classification_meta (buf, "n", -1);
  const gfloat v[4] = { 1, 2, 3, 4 };
  gchar *t;
  guint h;

  gst_classification_meta_add_result (m, 1, labels[1], 0.75f);
  t = gst_classification_overlay_text (m, 3);
  g_assert_cmpstr (t, ==, "b 75.0%");
  g_free (t);
  h = gst_classification_meta_add_head (m, "color", 0);
  gst_classification_meta_add_head_result (m, h, 1, labels[1], 0.75f);
  h = gst_classification_meta_add_head (m, "emb",
      GST_CLASSIFICATION_HEAD_EMBEDDING);
  gst_classification_meta_set_head_vector (m, h, v, 4);
  t = gst_classification_overlay_text (m, 3);
  g_assert_cmpstr (t, ==, "b 75.0%");
  g_free (t);
  h = gst_classification_meta_add_head (m, "type",
      GST_CLASSIFICATION_HEAD_MULTILABEL);
  gst_classification_meta_add_head_result (m, h, 4, labels[4], 0.5f);
  gst_classification_meta_add_head_result (m, h, 2, labels[2], 0.9f);
  m->fresh = FALSE;
  t = gst_classification_overlay_text (m, 3);
  g_assert_cmpstr (t, ==, "color: b 75.0%\ntype: c 90.0%\n(last result)");
  g_free (t);

  m = gst_buffer_add_classification_meta (buf, "n", 3);
  h = gst_classification_meta_add_head (m, "emb",
      GST_CLASSIFICATION_HEAD_EMBEDDING);
  gst_classification_meta_set_head_vector (m, h, v, 4);
  t = gst_classification_overlay_text (m, 3);
  g_assert_cmpstr (t, ==, "emb: embedding of 4");
  g_free (t);
  gst_buffer_unref (buf);
}

/* The kinds' names, both ways, and nothing else. */
static void
test_kind_names (void)
{
  GstClassificationHeadKind k = GST_CLASSIFICATION_HEAD_SOFTMAX;

  g_assert_true (gst_classification_head_kind_from_name ("embedding", &k));
  g_assert_cmpuint (k, ==, GST_CLASSIFICATION_HEAD_EMBEDDING);
  g_assert_cmpstr (gst_classification_head_kind_get_name (k), ==, "embedding");
  g_assert_false (gst_classification_head_kind_from_name ("Softmax", &k));
  g_assert_false (gst_classification_head_kind_from_name (NULL, &k));
  g_assert_cmpuint (k, ==, GST_CLASSIFICATION_HEAD_EMBEDDING);
  g_assert_null (gst_classification_head_kind_get_name (7));
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
  g_test_add_func ("/answer/heads", test_heads);
  g_test_add_func ("/answer/kind-names", test_kind_names);
  g_test_add_func ("/answer/overlay-text", test_overlay_text);
  g_test_add_func ("/answer/writers", test_writers);
  return g_test_run ();
}
