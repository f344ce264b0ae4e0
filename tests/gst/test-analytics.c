/* resnetclassify, classificationoverlay and classificationpublish with
 * GstAnalytics metas (GStreamer >= 1.24; built only there): object
 * detections and their tracks upstream, classifications downstream,
 * related as DL Streamer relates them.  On the small generated CIFAR
 * model named by $OCLRESNET_TEST_MODEL. */
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/analytics/analytics.h>
#include <gst/classification/classification-meta.h>
#include "harness-util.h"

#define W 64
#define H 48
#define CAPS "video/x-raw,format=RGB,width=64,height=48,framerate=30/1"

static const gchar *model_path, *labels_path;

static GstHarness *
harness_new (const gchar * extra)
{
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s inference-region=roi-list %s", model_path, labels_path,
      extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* A frame of noise: the same for the same @seed. */
static GstBuffer *
frame (GstHarness * h, guint seed)
{
  GstBuffer *buf = gst_harness_create_buffer (h, W * H * 3);
  GRand *r = g_rand_new_with_seed (seed);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8) g_rand_int_range (r, 0, 256);
  gst_buffer_unmap (buf, &map);
  g_rand_free (r);
  GST_BUFFER_PTS (buf) = seed * GST_SECOND / 30;
  return buf;
}

/* An ODMtd, with a TrackingMtd that it relates to (as ioutracker writes
 * them) when @track is not 0.  Returns the ODMtd's id. */
static guint
add_detection (GstBuffer * buf, const gchar * type, gint x, gint y, gint w,
    gint h, guint64 track)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  GstAnalyticsODMtd od;
  GstAnalyticsTrackingMtd trk;

  if (rmeta == NULL)
    rmeta = gst_buffer_add_analytics_relation_meta (buf);
  fail_unless (gst_analytics_relation_meta_add_od_mtd (rmeta,
          g_quark_from_string (type), x, y, w, h, 0.8f, &od));
  if (track) {
    fail_unless (gst_analytics_relation_meta_add_tracking_mtd (rmeta, track,
            0, &trk));
    fail_unless (gst_analytics_relation_meta_set_relation (rmeta,
            GST_ANALYTICS_REL_TYPE_RELATE_TO, od.id, trk.id));
  }
  return od.id;
}

static guint
n_mtds (GstBuffer * buf, GstAnalyticsMtdType type)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  GstAnalyticsMtd m;
  gpointer state = NULL;
  guint n = 0;

  while (rmeta && gst_analytics_relation_meta_iterate (rmeta, &state, type, &m))
    n++;
  return n;
}

/* The ODMtd that @cls is part of, both ways round (CONTAIN from the
 * ODMtd, IS_PART_OF from the ClsMtd); FALSE when there is none. */
static gboolean
od_of (GstAnalyticsClsMtd * cls, GstAnalyticsODMtd * od)
{
  GstAnalyticsMtd m;
  gpointer state = NULL;

  if (!gst_analytics_relation_meta_get_direct_related (cls->meta, cls->id,
          GST_ANALYTICS_REL_TYPE_IS_PART_OF,
          gst_analytics_od_mtd_get_mtd_type (), &state, &m))
    return FALSE;
  fail_unless_equals_int (gst_analytics_relation_meta_get_relation (cls->meta,
          m.id, cls->id), GST_ANALYTICS_REL_TYPE_CONTAIN);
  *od = m;
  return TRUE;
}

/* @cls holds exactly @meta's classes, in its order. */
static void
assert_same_classes (GstAnalyticsClsMtd * cls, GstClassificationMeta * meta)
{
  guint n = gst_classification_meta_get_n_results (meta);

  fail_unless (n > 0);
  fail_unless_equals_int (gst_analytics_cls_mtd_get_length (cls), n);
  for (guint i = 0; i < n; i++) {
    GQuark label;
    gfloat conf;

    gst_classification_meta_get_result (meta, i, NULL, &label, &conf);
    fail_unless_equals_string (g_quark_to_string
        (gst_analytics_cls_mtd_get_quark (cls, i)), g_quark_to_string (label));
    fail_unless_equals_float (gst_analytics_cls_mtd_get_level (cls, i), conf);
  }
}

/* The frame: two tracked cars and a tracked person; roi-type=car
 * classifies the cars only.  Each car's ClsMtd is related to its ODMtd
 * both ways and holds what the GstClassificationMeta of its region holds,
 * whose roi-id is the car's tracking id. */
GST_START_TEST (test_tracked_detections)
{
  GstHarness *h = harness_new ("roi-type=car top-k=3");
  GstBuffer *in = frame (h, 1), *out;
  guint car1 = add_detection (in, "car", 2, 3, 30, 20, 101);
  guint car2 = add_detection (in, "car", 30, 20, 34, 28, 202);
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;
  gpointer state = NULL;
  guint seen = 0;

  add_detection (in, "person", 10, 10, 20, 30, 303);
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless (rmeta != NULL);
  fail_unless_equals_int (n_mtds (out, gst_analytics_cls_mtd_get_mtd_type ()),
      2);
  fail_unless_equals_int (n_mtds (out, gst_analytics_od_mtd_get_mtd_type ()),
      3);
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_cls_mtd_get_mtd_type (), &cls)) {
    GstAnalyticsODMtd od;
    GstClassificationMeta *meta;
    gint track;

    fail_unless (od_of (&cls, &od));
    fail_unless (od.id == car1 || od.id == car2);
    track = od.id == car1 ? 101 : 202;
    meta = gst_buffer_get_classification_meta_for_roi (out, track);
    fail_unless (meta != NULL, "no meta for tracking id %d", track);
    fail_unless_equals_int (gst_classification_meta_get_roi_id (meta), track);
    assert_same_classes (&cls, meta);
    seen |= od.id == car1 ? 1 : 2;
  }
  fail_unless_equals_int (seen, 3);
  /* Each car got a region meta of its own, tied to its ODMtd. */
  state = NULL;
  for (guint i = 0; i < 2; i++) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)
        gst_buffer_iterate_meta_filtered (out, &state,
        GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
    GstStructure *p;
    guint id;

    fail_unless (roi != NULL);
    fail_unless_equals_string (g_quark_to_string (roi->roi_type), "car");
    p = gst_video_region_of_interest_meta_get_param (roi, "GstAnalyticsODMtd");
    fail_unless (p && gst_structure_get_uint (p, "id", &id));
    fail_unless_equals_int (id, i ? car2 : car1);
    fail_unless_equals_int (roi->id, i ? 202 : 101);
    fail_unless (gst_video_region_of_interest_meta_get_param (roi,
            "classification") != NULL);
  }
  fail_unless (gst_buffer_iterate_meta_filtered (out, &state,
          GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The whole frame: one ClsMtd, related to nothing, with the meta's
 * classes. */
GST_START_TEST (test_full_frame)
{
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s top-k=4", model_path, labels_path);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *in, *out;
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;
  GstAnalyticsMtd other;
  gpointer state = NULL;

  gst_harness_set_src_caps_str (h, CAPS);
  in = frame (h, 2);
  add_detection (in, "car", 2, 3, 30, 20, 7);   /* ignored: full frame */
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  fail_unless_equals_int (n_mtds (out, gst_analytics_cls_mtd_get_mtd_type ()),
      1);
  fail_unless (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_cls_mtd_get_mtd_type (), &cls));
  assert_same_classes (&cls, gst_buffer_get_classification_meta (out));
  state = NULL;
  fail_if (gst_analytics_relation_meta_get_direct_related (rmeta, cls.id,
          GST_ANALYTICS_REL_TYPE_ANY, GST_ANALYTICS_MTD_TYPE_ANY, &state,
          &other));
  fail_unless_equals_int (gst_analytics_relation_meta_get_relation (rmeta, 0,
          cls.id), GST_ANALYTICS_REL_TYPE_NONE);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A model of two heads: a ClsMtd per head, in the model's order, each
 * related both ways to the region's ODMtd and holding its head's classes
 * in the meta. */
GST_START_TEST (test_heads)
{
  g_autofree gchar *dir = g_path_get_dirname (model_path);
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify "
      "model=%s/two_heads.onnx inference-region=roi-list top-k=2", dir);
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *in, *out;
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;
  GstAnalyticsODMtd od;
  GstClassificationMeta *meta;
  gpointer state = NULL;
  guint id, n = 0;

  gst_harness_set_src_caps_str (h, CAPS);
  in = frame (h, 4);
  id = add_detection (in, "car", 2, 3, 30, 20, 0);
  out = gst_harness_push_and_pull (h, in);
  rmeta = gst_buffer_get_analytics_relation_meta (out);
  meta = gst_buffer_get_classification_meta_for_roi (out, (gint) id);
  fail_unless (meta != NULL);
  fail_unless_equals_int (gst_classification_meta_get_n_heads (meta), 2);
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_cls_mtd_get_mtd_type (), &cls)) {
    fail_unless (n < 2);
    fail_unless (od_of (&cls, &od));
    fail_unless_equals_int (od.id, id);
    fail_unless_equals_int (gst_analytics_cls_mtd_get_length (&cls),
        gst_classification_meta_get_head_n_results (meta, n));
    for (guint i = 0; i < gst_analytics_cls_mtd_get_length (&cls); i++) {
      GQuark label;
      gfloat conf;
      gst_classification_meta_get_head_result (meta, n, i, NULL, &label, &conf);
      fail_unless_equals_string (g_quark_to_string
          (gst_analytics_cls_mtd_get_quark (&cls, i)),
          g_quark_to_string (label));
      fail_unless_equals_float (gst_analytics_cls_mtd_get_level (&cls, i),
          conf);
    }
    n++;
  }
  fail_unless_equals_int (n, 2);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static guint64
inferences (GstHarness * h)
{
  guint64 n;

  g_object_get (rc_of (h), "inferences", &n, NULL);
  return n;
}

/* reclassify-interval=5 on a tracked car: one inference in five frames,
 * every frame answered with a ClsMtd (carried answers too); an untracked
 * detection (its id only a position on the buffer) is run every frame. */
GST_START_TEST (test_reclassify_tracked)
{
  GstHarness *h = harness_new ("reclassify-interval=5");

  for (guint f = 0; f < 10; f++) {
    GstBuffer *in = frame (h, 10 + f), *out;
    GstAnalyticsClsMtd cls;
    GstAnalyticsODMtd od;
    GstAnalyticsRelationMeta *rmeta;
    gpointer state = NULL;

    /* Another object first, so that the car's ODMtd id moves. */
    if (f % 2)
      add_detection (in, "person", 0, 0, 10, 10, 9);
    add_detection (in, "car", 2 + f, 3, 30, 20, 42);
    out = gst_harness_push_and_pull (h, in);
    rmeta = gst_buffer_get_analytics_relation_meta (out);
    fail_unless_equals_int (n_mtds (out,
            gst_analytics_cls_mtd_get_mtd_type ()), f % 2 ? 2 : 1);
    while (gst_analytics_relation_meta_iterate (rmeta, &state,
            gst_analytics_cls_mtd_get_mtd_type (), &cls))
      fail_unless (od_of (&cls, &od));
    fail_unless (gst_buffer_get_classification_meta_for_roi (out, 42));
    gst_buffer_unref (out);
  }
  /* The car: frames 0 and 5; the person (track 9): frames 1 and 7 (first
   * seen on 1, classified less than 5 frames ago on 3 and 5). */
  fail_unless_equals_int (inferences (h), 4);
  gst_harness_teardown (h);

  h = harness_new ("reclassify-interval=5");
  for (guint f = 0; f < 5; f++) {
    GstBuffer *in = frame (h, 20 + f);
    add_detection (in, "car", 2, 3, 30, 20, 0);
    gst_buffer_unref (gst_harness_push_and_pull (h, in));
  }
  fail_unless_equals_int (inferences (h), 5);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A region that came as a region meta gets an ODMtd made for it (its
 * type and box), related to its ClsMtd and tied to the region meta; a
 * second classifier downstream finds one region, not two. */
GST_START_TEST (test_region_meta_gets_detection)
{
  GstHarness *h = harness_new (NULL);
  GstBuffer *in = frame (h, 3), *out, *again;
  GstVideoRegionOfInterestMeta *roi;
  GstAnalyticsClsMtd cls;
  GstAnalyticsODMtd od;
  gpointer state = NULL;
  gint x, y, w, hh;
  gfloat conf;
  guint id;

  roi = gst_buffer_add_video_region_of_interest_meta (in, "car", 4, 5, 40, 30);
  roi->id = 7;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_analytics_relation_meta_iterate
      (gst_buffer_get_analytics_relation_meta (out), &state,
          gst_analytics_cls_mtd_get_mtd_type (), &cls));
  fail_unless (od_of (&cls, &od));
  fail_unless (gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &hh, &conf));
  fail_unless (x == 4 && y == 5 && w == 40 && hh == 30);
  fail_unless_equals_string (g_quark_to_string
      (gst_analytics_od_mtd_get_obj_type (&od)), "car");
  roi = gst_buffer_get_video_region_of_interest_meta_id (out, 7);
  fail_unless (gst_structure_get_uint
      (gst_video_region_of_interest_meta_get_param (roi, "GstAnalyticsODMtd"),
          "id", &id));
  fail_unless_equals_int (id, od.id);
  assert_same_classes (&cls, gst_buffer_get_classification_meta_for_roi (out,
          7));

  /* Through the same element again (a copy, as a tee would make): still
   * one ODMtd, now with two classifications. */
  again = gst_harness_push_and_pull (h, gst_buffer_copy (out));
  fail_unless_equals_int (n_mtds (again, gst_analytics_od_mtd_get_mtd_type ()),
      1);
  fail_unless_equals_int (n_mtds (again,
          gst_analytics_cls_mtd_get_mtd_type ()), 2);
  fail_unless_equals_int (inferences (h), 2);
  gst_buffer_unref (again);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* DL Streamer writes both forms, the region meta's id set to the ODMtd's:
 * one region.  roi-source picks one form. */
GST_START_TEST (test_roi_source)
{
  const gchar *sources[] = { "auto", "region-meta", "analytics" };
  /* regions run for: both forms, a region meta alone, an ODMtd alone */
  const guint64 runs[][3] = { {1, 1, 1}, {1, 1, 0}, {1, 0, 1} };

  for (guint s = 0; s < G_N_ELEMENTS (sources); s++) {
    g_autofree gchar *extra = g_strdup_printf ("roi-source=%s", sources[s]);
    for (guint form = 0; form < 3; form++) {
      GstHarness *h = harness_new (extra);
      GstBuffer *in = frame (h, 4);

      if (form != 1) {
        guint od = add_detection (in, "car", 4, 5, 40, 30, 0);
        if (form == 0)
          gst_buffer_add_video_region_of_interest_meta (in, "car", 4, 5, 40,
              30)->id = od;
      } else {
        gst_buffer_add_video_region_of_interest_meta (in, "car", 4, 5, 40, 30);
      }
      gst_buffer_unref (gst_harness_push_and_pull (h, in));
      fail_unless_equals_int (inferences (h), runs[s][form]);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

/* Upstream metas are input: boxes past the frame are clipped, empty ones
 * skipped, a tie parameter naming no ODMtd is ignored, a tracking id
 * beyond G_MAXINT keys no history. */
GST_START_TEST (test_hostile_detections)
{
  GstHarness *h = harness_new ("reclassify-interval=100");
  GstVideoRegionOfInterestMeta *roi;

  for (guint f = 0; f < 3; f++) {
    GstBuffer *in = frame (h, 5), *out;
    add_detection (in, "car", -100, -100, G_MAXINT, G_MAXINT, 0);
    add_detection (in, "car", G_MININT, 0, 10, 10, 0);  /* outside */
    add_detection (in, "car", 10, 10, 0, 5, 0); /* empty */
    add_detection (in, "car", 10, 10, -5, -5, 0);       /* negative */
    add_detection (in, "car", 1, 1, 8, 8, G_MAXUINT64);
    roi = gst_buffer_add_video_region_of_interest_meta (in, "car", 0, 0, 9, 9);
    roi->id = 500;
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("GstAnalyticsODMtd", "id", G_TYPE_UINT, 9999, NULL));
    out = gst_harness_push_and_pull (h, in);
    roi = gst_buffer_get_video_region_of_interest_meta_id (out, 0);
    fail_unless (roi != NULL);
    fail_unless (roi->x == 0 && roi->y == 0 && roi->w == W && roi->h == H);
    fail_unless_equals_int (n_mtds (out,
            gst_analytics_cls_mtd_get_mtd_type ()), 3);
    gst_buffer_unref (out);
  }
  /* Three regions each frame: the two detections are not followable (no
   * tracking id, or one too large for an id) and run every frame; the
   * region meta, untied, keeps its own id 500 and is run once. */
  fail_unless_equals_int (inferences (h), 3 + 2 + 2);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* classificationoverlay draws ODMtd boxes with their ClsMtd's top label
 * where no GstClassificationMeta is present; nothing outside. */
GST_START_TEST (test_overlay_draws_analytics)
{
  GstHarness *h = gst_harness_new ("classificationoverlay");
  GstBuffer *in, *out;
  GstAnalyticsRelationMeta *rmeta;
  GstAnalyticsClsMtd cls;
  gfloat conf = 0.9f;
  GQuark label = g_quark_from_string ("cat");
  guint od;
  GstMapInfo map;
  guint inside = 0, outside = 0;

  gst_harness_set_src_caps_str (h, CAPS);
  in = gst_harness_create_buffer (h, W * H * 3);
  gst_buffer_memset (in, 0, 0x80, W * H * 3);
  od = add_detection (in, "pet", 20, 16, 40, 30, 0);
  rmeta = gst_buffer_get_analytics_relation_meta (in);
  fail_unless (gst_analytics_relation_meta_add_cls_mtd (rmeta, 1, &conf,
          &label, &cls));
  gst_analytics_relation_meta_set_relation (rmeta,
      GST_ANALYTICS_REL_TYPE_CONTAIN, od, cls.id);
  out = gst_harness_push_and_pull (h, in);
  gst_buffer_map (out, &map, GST_MAP_READ);
  for (gint y = 0; y < H; y++)
    for (gint x = 0; x < W; x++) {
      const guint8 *p = map.data + (y * W + x) * 3;
      if (p[0] != 0x80 || p[1] != 0x80 || p[2] != 0x80)
        (*(x >= 20 && y >= 16 ? &inside : &outside))++;
    }
  gst_buffer_unmap (out, &map);
  fail_unless (inside > 100, "only %u pixels drawn", inside);
  fail_unless_equals_int (outside, 0);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* classificationpublish writes the box of a region that came as an
 * ODMtd. */
GST_START_TEST (test_publish_detection_box)
{
  g_autofree gchar *dir = g_dir_make_tmp ("analytics-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "out.jsonl", NULL);
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s inference-region=roi-list ! classificationpublish "
      "file-path=%s", model_path, labels_path, path);
  GstHarness *h = gst_harness_new_parse (desc);
  g_autofree gchar *text = NULL;
  GstBuffer *in;

  gst_harness_set_src_caps_str (h, CAPS);
  in = frame (h, 6);
  add_detection (in, "car", 3, 4, 20, 10, 77);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  gst_harness_teardown (h);
  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless (strstr (text, "\"roi_id\":77") != NULL, "%s", text);
  fail_unless (strstr (text, "\"roi\":{\"x\":3,\"y\":4,\"w\":20,\"h\":10,"
          "\"type\":\"car\"}") != NULL, "%s", text);
  g_unlink (path);
  g_rmdir (dir);
}

GST_END_TEST;

static Suite *
analytics_suite (void)
{
  Suite *s = suite_create ("analytics");
  TCase *tc = tcase_create ("general");

  model_path = g_getenv ("OCLRESNET_TEST_MODEL");
  labels_path = g_getenv ("OCLRESNET_TEST_LABELS");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tracked_detections);
  tcase_add_test (tc, test_full_frame);
  tcase_add_test (tc, test_heads);
  tcase_add_test (tc, test_reclassify_tracked);
  tcase_add_test (tc, test_region_meta_gets_detection);
  tcase_add_test (tc, test_roi_source);
  tcase_add_test (tc, test_hostile_detections);
  tcase_add_test (tc, test_overlay_draws_analytics);
  tcase_add_test (tc, test_publish_detection_box);
  return s;
}

GST_CHECK_MAIN (analytics);
