/* resnetclassify's answers that hold still: temporal smoothing,
 * per-object reclassification and region filters. */
#include <math.h>
#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "harness-util.h"
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

static const gchar *model_path, *labels_path;

#define CAPS "video/x-raw,format=RGB,width=48,height=40,framerate=30/1"
#define CAPS2 "video/x-raw,format=RGB,width=50,height=40,framerate=30/1"
#define N_CLASSES 10

static GstHarness *
harness_new (const gchar * extra)
{
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s top-k=10 post-messages=every %s", model_path, labels_path,
      extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

static GstBuffer *
make_frame (GstHarness * h, const gchar * caps_str, guint seed, guint i)
{
  GstVideoInfo info;
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstBuffer *buf;
  GstMapInfo map;
  GRand *r = g_rand_new_with_seed (seed);

  fail_unless (gst_video_info_from_caps (&info, caps));
  buf = gst_harness_create_buffer (h, info.size);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize k = 0; k < map.size; k++)
    map.data[k] = (guint8) g_rand_int (r);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  gst_caps_unref (caps);
  g_rand_free (r);
  return buf;
}

/* The full probability vector of a meta with top-k = all classes. */
static void
meta_probs (GstClassificationMeta * m, float p[N_CLASSES])
{
  fail_unless_equals_int (gst_classification_meta_get_n_results (m), N_CLASSES);
  for (guint i = 0; i < N_CLASSES; i++) {
    gint id;
    gfloat c;
    fail_unless (gst_classification_meta_get_result (m, i, &id, NULL, &c));
    p[id] = c;
  }
}

/* Pushes frame @i (seed @seed) and returns the output buffer. */
static GstBuffer *
push (GstHarness * h, guint seed, guint i)
{
  return gst_harness_push_and_pull (h, make_frame (h, CAPS, seed, i));
}

static gint
argmax (const float *p)
{
  gint best = 0;
  for (gint c = 1; c < N_CLASSES; c++)
    if (p[c] > p[best])
      best = c;
  return best;
}

/* The last 'resnetclassify' message on @bus. */
static GstStructure *
last_message (GstBus * bus)
{
  GstMessage *m;
  GstStructure *s = NULL;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_structure_has_name (gst_message_get_structure (m),
            "resnetclassify")) {
      if (s)
        gst_structure_free (s);
      s = gst_structure_copy (gst_message_get_structure (m));
    }
    gst_message_unref (m);
  }
  return s;
}

/* smoothing-window=N reports the mean of the last N inferences'
 * probabilities (fewer at the start), the meta says over how many, and the
 * message carries the frame's own answer beside the smoothed one;
 * smoothing-window=1 is exactly the unsmoothed answer. */
GST_START_TEST (test_smoothing_average)
{
  GstHarness *raw = harness_new (NULL);
  GstHarness *one = harness_new ("smoothing-window=1");
  GstHarness *sm = harness_new ("smoothing-window=3");
  GstBus *bus = gst_bus_new ();
  float p[8][N_CLASSES];

  gst_element_set_bus (rc_of (sm), bus);
  for (guint i = 0; i < 8; i++) {
    GstBuffer *a = push (raw, 40 + i % 3, i);
    GstBuffer *b = push (one, 40 + i % 3, i);
    GstBuffer *c = push (sm, 40 + i % 3, i);
    GstClassificationMeta *mc = gst_buffer_get_classification_meta (c);
    GstStructure *msg = last_message (bus);
    float q[N_CLASSES], one_p[N_CLASSES], expect[N_CLASSES];
    guint n = MIN (i + 1, 3);
    gint raw_id;
    gdouble raw_conf;

    meta_probs (gst_buffer_get_classification_meta (a), p[i]);
    meta_probs (gst_buffer_get_classification_meta (b), one_p);
    meta_probs (mc, q);
    for (guint k = 0; k < N_CLASSES; k++) {
      double sum = 0.0;
      fail_unless (one_p[k] == p[i][k], "window 1 differs from no window");
      for (guint j = i + 1 - n; j <= i; j++)
        sum += p[j][k];
      expect[k] = sum / n;
      fail_unless (fabs (q[k] - expect[k]) <= 1e-6, "frame %u class %u: %g, "
          "expected %g", i, k, q[k], expect[k]);
    }
    fail_unless_equals_int (gst_classification_meta_get_smoothed_over (mc), n);
    fail_unless_equals_int (gst_classification_meta_get_smoothed_over
        (gst_buffer_get_classification_meta (b)), 1);
    fail_unless (msg != NULL);
    fail_unless (gst_structure_get_int (msg, "raw-class-id", &raw_id));
    fail_unless (gst_structure_get_double (msg, "raw-confidence", &raw_conf));
    fail_unless_equals_int (raw_id, argmax (p[i]));
    fail_unless (fabs (raw_conf - p[i][raw_id]) < 1e-6);
    gst_structure_free (msg);
    gst_buffer_unref (a);
    gst_buffer_unref (b);
    gst_buffer_unref (c);
  }
  gst_element_set_bus (rc_of (sm), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (raw);
  gst_harness_teardown (one);
  gst_harness_teardown (sm);
}

GST_END_TEST;

/* A flush, and new caps, start the history anew. */
GST_START_TEST (test_smoothing_reset)
{
  GstHarness *h = harness_new ("smoothing-window=4");
  GstBuffer *out;

  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (push (h, 7 + i, i));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_harness_push_event (h, gst_event_new_segment (&(GstSegment) {
          .format = GST_FORMAT_TIME,.rate = 1.0,.applied_rate = 1.0,.stop = -1}
      ));
  out = push (h, 9, 3);
  fail_unless_equals_int (gst_classification_meta_get_smoothed_over
      (gst_buffer_get_classification_meta (out)), 1);
  gst_buffer_unref (out);
  gst_buffer_unref (push (h, 10, 4));

  gst_harness_set_src_caps_str (h, CAPS2);
  out = gst_harness_push_and_pull (h, make_frame (h, CAPS2, 11, 5));
  fail_unless_equals_int (gst_classification_meta_get_smoothed_over
      (gst_buffer_get_classification_meta (out)), 1);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstBuffer *
frame_with_rois (GstHarness * h, guint i, const gint * ids, guint n)
{
  GstBuffer *buf = make_frame (h, CAPS, 100 + i, i);

  for (guint k = 0; k < n; k++) {
    GstVideoRegionOfInterestMeta *r =
        gst_buffer_add_video_region_of_interest_meta (buf, "obj",
        2 + 4 * k, 3, 20, 20);
    r->id = ids[k];
  }
  return buf;
}

static guint64
inferences (GstHarness * h)
{
  guint64 n;
  g_object_get (rc_of (h), "inferences", &n, NULL);
  return n;
}

/* reclassify-interval=3 with stable ids: one inference per region per 3
 * frames, cached results not fresh, a new id classified at once; an id
 * that is repeated in a frame, or negative, is always classified. */
GST_START_TEST (test_reclassify_interval)
{
  GstHarness *h = harness_new ("inference-region=roi-list "
      "reclassify-interval=3");
  const gint two[] = { 1, 2 }, three[] = { 1, 2, 3 }, dup[] = { 7, 7, -1 };
  const guint64 expect_total[] = { 2, 2, 2, 5, 5, 5 };

  for (guint i = 0; i < 6; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_with_rois (h, i,
            i < 3 ? two : three, i < 3 ? 2 : 3));
    GstClassificationMeta *m1 = gst_buffer_get_classification_meta_for_roi
        (out, 1);
    fail_unless (m1 != NULL);
    fail_unless_equals_int (gst_classification_meta_is_fresh (m1), i % 3 == 0);
    if (i == 3)
      fail_unless (gst_classification_meta_is_fresh
          (gst_buffer_get_classification_meta_for_roi (out, 3)));
    fail_unless_equals_uint64 (inferences (h), expect_total[i]);
    gst_buffer_unref (out);
  }
  for (guint i = 6; i < 8; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_with_rois (h, i,
            dup, 3));
    gpointer state = NULL;
    GstClassificationMeta *m;
    while ((m = gst_buffer_iterate_classification_meta (out, &state)))
      fail_unless (gst_classification_meta_is_fresh (m));
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (inferences (h), 5 + 3 + 3);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The last frames' 'resnetclassify' messages on @bus, counted. */
static guint
count_messages (GstBus * bus)
{
  GstMessage *m;
  guint n = 0;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    n += gst_structure_has_name (gst_message_get_structure (m),
        "resnetclassify");
    gst_message_unref (m);
  }
  return n;
}

/* post-messages=on-change in roi-list mode: each region id is followed on
 * its own, so the same picture under the same two regions posts once per
 * region, not once per frame. */
GST_START_TEST (test_roi_on_change)
{
  /* The later post-messages wins over harness_new()'s. */
  GstHarness *h = harness_new ("inference-region=roi-list "
      "post-messages=on-change");
  const gint ids[] = { 1, 2 };
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (rc_of (h), bus);
  for (guint i = 0; i < 8; i++) {
    GstBuffer *in = make_frame (h, CAPS, 77, i);
    for (guint k = 0; k < 2; k++) {
      GstVideoRegionOfInterestMeta *r =
          gst_buffer_add_video_region_of_interest_meta (in, "obj",
          2 + 8 * k, 3, 24, 24);
      r->id = ids[k];
    }
    gst_buffer_unref (gst_harness_push_and_pull (h, in));
  }
  fail_unless_equals_int (count_messages (bus), 2);
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* inference-interval=2 in roi-list mode: every frame's regions get a
 * result, those of the frames in between carried over (not fresh), as in
 * full-frame mode; half the frames are run. */
GST_START_TEST (test_roi_inference_interval)
{
  GstHarness *h = harness_new ("inference-region=roi-list "
      "inference-interval=2");
  const gint ids[] = { 1, 2 };

  for (guint i = 0; i < 6; i++) {
    GstBuffer *out = gst_harness_push_and_pull (h, frame_with_rois (h, i, ids,
            2));
    for (guint k = 0; k < 2; k++) {
      GstClassificationMeta *m = gst_buffer_get_classification_meta_for_roi
          (out, ids[k]);
      fail_unless (m != NULL, "frame %u: no result for region %d", i, ids[k]);
      fail_unless_equals_int (gst_classification_meta_is_fresh (m), i % 2 == 0);
      fail_unless_equals_int (gst_classification_meta_get_n_results (m),
          N_CLASSES);
    }
    fail_unless (gst_buffer_get_classification_meta (out) == NULL);
    gst_buffer_unref (out);
  }
  fail_unless_equals_uint64 (inferences (h), 6);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A frame carrying 10,000 regions: the first max-regions (default 256) are
 * classified, the rest are counted in regions-skipped, and one warning
 * says so for the first such frame only. */
GST_START_TEST (test_max_regions)
{
  GstHarness *h = harness_new ("inference-region=roi-list top-k=1");
  GstBus *bus = gst_bus_new ();
  guint64 skipped;
  guint warnings = 0;
  GstMessage *m;

  gst_element_set_bus (rc_of (h), bus);
  for (guint f = 0; f < 2; f++) {
    GstBuffer *in = make_frame (h, CAPS, 5, f), *out;
    gpointer state = NULL;
    guint n = 0;

    for (gint k = 0; k < 10000; k++) {
      GstVideoRegionOfInterestMeta *r =
          gst_buffer_add_video_region_of_interest_meta (in, "obj", k % 30,
          k % 20, 16, 16);
      r->id = k;
    }
    out = gst_harness_push_and_pull (h, in);
    while (gst_buffer_iterate_classification_meta (out, &state))
      n++;
    fail_unless_equals_int (n, 256);
    fail_unless (gst_buffer_get_classification_meta_for_roi (out, 255));
    fail_unless (!gst_buffer_get_classification_meta_for_roi (out, 256));
    gst_buffer_unref (out);
  }
  g_object_get (rc_of (h), "regions-skipped", &skipped, NULL);
  fail_unless_equals_uint64 (skipped, 2 * (10000 - 256));
  fail_unless_equals_uint64 (inferences (h), 2 * 256);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    warnings++;
    gst_message_unref (m);
  }
  fail_unless_equals_int (warnings, 1);
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* roi-min-size skips small regions; class-thresholds hide a class below
 * its own threshold while the others follow 'threshold'. */
GST_START_TEST (test_filters)
{
  GstHarness *h = harness_new ("inference-region=roi-list roi-min-size=10x12 "
      "class-thresholds=\"airplane:0.99, ship: 0.995\"");
  GstBuffer *in = make_frame (h, CAPS, 3, 0), *out;
  GstVideoRegionOfInterestMeta *small, *big;
  GstClassificationMeta *m;

  small = gst_buffer_add_video_region_of_interest_meta (in, "o", 0, 0, 9, 30);
  big = gst_buffer_add_video_region_of_interest_meta (in, "o", 5, 5, 30, 30);
  small->id = 1;
  big->id = 2;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_get_classification_meta_for_roi (out, 1) == NULL);
  m = gst_buffer_get_classification_meta_for_roi (out, 2);
  fail_unless (m != NULL);
  /* A random-weight model is never that sure: two classes fewer. */
  fail_unless_equals_int (gst_classification_meta_get_n_results (m),
      N_CLASSES - 2);
  for (guint i = 0; i < gst_classification_meta_get_n_results (m); i++) {
    GQuark q;
    gst_classification_meta_get_result (m, i, NULL, &q, NULL);
    fail_unless (g_strcmp0 (g_quark_to_string (q), "airplane") != 0);
    fail_unless (g_strcmp0 (g_quark_to_string (q), "ship") != 0);
  }
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Bad filter settings: one element error naming the problem. */
GST_START_TEST (test_filter_errors)
{
  const struct
  {
    const gchar *prop, *value, *needle;
  } cases[] = {
    {"class-thresholds", "cat:0.5,unicorn:0.5,griffin:0.1", "'unicorn', "
          "'griffin'"},
    {"class-thresholds", "cat:2", "from 0 to 1"},
    {"class-thresholds", "cat", "label:threshold"},
    {"roi-min-size", "12", "WIDTHxHEIGHT"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *desc = g_strdup_printf ("videotestsrc num-buffers=2 ! "
        "video/x-raw,width=48,height=40 ! resnetclassify name=rc model=%s "
        "labels=%s ! fakesink", model_path, labels_path);
    GstElement *pipe = gst_parse_launch (desc, NULL);
    GstElement *rc = gst_bin_get_by_name (GST_BIN (pipe), "rc");
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *m;
    GError *err = NULL;

    g_object_set (rc, cases[i].prop, cases[i].value, NULL);
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_ERROR |
        GST_MESSAGE_EOS);
    fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR);
    gst_message_parse_error (m, &err, NULL);
    fail_unless (strstr (err->message, cases[i].needle) != NULL, "'%s' does "
        "not mention %s", err->message, cases[i].needle);
    g_error_free (err);
    gst_message_unref (m);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (rc);
    gst_object_unref (pipe);
  }
}

GST_END_TEST;

/* With a real tracker upstream (gstreamer1.0-opencv's cvtracker, which
 * attaches region metas with stable ids), reclassify-interval saves
 * inferences.  Skipped where the element is not installed. */
GST_START_TEST (test_with_cvtracker)
{
  GstElementFactory *f = gst_element_factory_find ("cvtracker");
  g_autofree gchar *desc = NULL;
  GstElement *pipe, *rc;
  GstBus *bus;
  GstMessage *m;
  guint64 n;

  if (f == NULL) {
    g_print ("test_with_cvtracker: skipped, cvtracker is not installed "
        "(gstreamer1.0-opencv)\n");
    return;
  }
  gst_object_unref (f);
  desc = g_strdup_printf ("videotestsrc num-buffers=30 pattern=ball ! "
      "video/x-raw,width=160,height=120 ! videoconvert ! cvtracker "
      "object-initial-x=60 object-initial-y=40 object-initial-width=40 "
      "object-initial-height=40 ! videoconvert ! resnetclassify name=rc "
      "model=%s labels=%s inference-region=roi-list reclassify-interval=10 ! "
      "fakesink", model_path, labels_path);
  pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL);
  rc = gst_bin_get_by_name (GST_BIN (pipe), "rc");
  bus = gst_element_get_bus (pipe);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_ERROR |
      GST_MESSAGE_EOS);
  fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);
  g_object_get (rc, "inferences", &n, NULL);
  /* One object on (nearly) every frame, its id kept: an inference on
   * frames 0, 10 and 20 (29 with reclassify-interval=1). */
  fail_unless (n >= 2 && n <= 4, "%" G_GUINT64_FORMAT " inferences for 30 "
      "frames of one tracked object", n);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (rc);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
stable_suite (void)
{
  Suite *s = suite_create ("resnetclassify-stable");
  TCase *tc = tcase_create ("general");

  model_path = g_getenv ("OCLRESNET_TEST_MODEL");
  labels_path = g_getenv ("OCLRESNET_TEST_LABELS");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_smoothing_average);
  tcase_add_test (tc, test_smoothing_reset);
  tcase_add_test (tc, test_reclassify_interval);
  tcase_add_test (tc, test_roi_on_change);
  tcase_add_test (tc, test_roi_inference_interval);
  tcase_add_test (tc, test_max_regions);
  tcase_add_test (tc, test_filters);
  tcase_add_test (tc, test_filter_errors);
  tcase_add_test (tc, test_with_cvtracker);
  return s;
}

GST_CHECK_MAIN (stable);
