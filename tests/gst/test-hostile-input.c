/* Hostile input to resnetclassify and classificationpublish, as a camera
 * deployment meets it: frames whose region metas carry random boxes (far
 * outside the frame, empty, G_MAXUINT wide), random ids (negative,
 * repeated, INT_MIN, INT_MAX) and types, with the caps renegotiated every
 * three frames (format and size, down to 1x1), through roi-list with
 * smoothing, reclassification and on-change.  Every buffer comes out, no
 * region passes for the whole frame, no frame has more results than
 * region metas, and every line published validates against the schema.
 *
 * OCLRESNET_HOSTILE_FRAMES (default 120) and OCLRESNET_HOSTILE_SEED make
 * longer or other runs; scripts/asan.sh runs this under AddressSanitizer
 * and UBSan. */
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

static const gchar *formats[] = { "RGB", "NV12", "I420", "GRAY8", "BGRA" };

static const guint sizes[][2] = {
  {64, 48}, {1, 1}, {3, 5}, {33, 17}, {160, 90}, {2, 640},
};

static guint
random_extent (GRand * r)
{
  switch (g_rand_int_range (r, 0, 6)) {
    case 0:
      return 0;
    case 1:
      return G_MAXUINT - g_rand_int_range (r, 0, 3);
    case 2:
      return g_rand_int_range (r, 0, 1 << 20);
    default:
      return g_rand_int_range (r, 0, 200);
  }
}

static gint
random_id (GRand * r)
{
  static const gint special[] = { -1, -2, 0, 7, G_MININT, G_MAXINT };

  if (g_rand_boolean (r))
    return special[g_rand_int_range (r, 0, G_N_ELEMENTS (special))];
  return (gint) g_rand_int (r);
}

GST_START_TEST (test_hostile_regions_and_caps)
{
  const gchar *env = g_getenv ("OCLRESNET_HOSTILE_FRAMES");
  const gchar *seed_env = g_getenv ("OCLRESNET_HOSTILE_SEED");
  guint frames = env ? (guint) atoi (env) : 120;
  guint32 seed = seed_env ? (guint32) atoi (seed_env) : 2026;
  g_autofree gchar *path = NULL;
  gint fd = g_file_open_tmp ("hostile-input-XXXXXX.jsonl", &path, NULL);
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s inference-region=roi-list top-k=3 smoothing-window=3 "
      "reclassify-interval=2 roi-min-size=2x2 max-regions=40 "
      "post-messages=on-change ! classificationpublish file-path=%s "
      "publish=on-change", g_getenv ("OCLRESNET_TEST_MODEL"),
      g_getenv ("OCLRESNET_TEST_LABELS"), path);
  GstHarness *h;
  GRand *r = g_rand_new_with_seed (seed);
  GstVideoInfo info;
  gchar *out_text = NULL;
  gint status = -1;
  guint total = 0;

  /* A file of its own: the suite and scripts/asan.sh may run it at once. */
  fail_unless (fd >= 0);
  close (fd);
  h = gst_harness_new_parse (desc);

  for (guint f = 0; f < frames; f++) {
    GstBuffer *in, *out;
    gpointer state = NULL;
    GstClassificationMeta *m;
    guint n_rois, n_results = 0;

    if (f % 3 == 0) {
      guint s = g_rand_int_range (r, 0, G_N_ELEMENTS (sizes));
      const gchar *fmt = formats[g_rand_int_range (r, 0,
              G_N_ELEMENTS (formats))];
      g_autofree gchar *caps = NULL;
      /* 4:2:0 formats need even sides. */
      guint w = sizes[s][0], h2 = sizes[s][1];
      if (strcmp (fmt, "NV12") == 0 || strcmp (fmt, "I420") == 0) {
        w = MAX (2, w & ~1u);
        h2 = MAX (2, h2 & ~1u);
      }
      caps = g_strdup_printf ("video/x-raw,format=%s,width=%u,height=%u,"
          "framerate=30/1", fmt, w, h2);
      gst_harness_set_src_caps_str (h, caps);
      gst_video_info_set_format (&info, gst_video_format_from_string (fmt),
          w, h2);
    }
    in = gst_harness_create_buffer (h, GST_VIDEO_INFO_SIZE (&info));
    gst_buffer_memset (in, 0, g_rand_int_range (r, 0, 256),
        GST_VIDEO_INFO_SIZE (&info));
    GST_BUFFER_PTS (in) = f * GST_SECOND / 30;
    n_rois = g_rand_int_range (r, 0, 60);
    for (guint k = 0; k < n_rois; k++) {
      GstVideoRegionOfInterestMeta *roi =
          gst_buffer_add_video_region_of_interest_meta (in,
          g_rand_boolean (r) ? "car" : "person", random_extent (r),
          random_extent (r), random_extent (r), random_extent (r));
      roi->id = random_id (r);
    }
    out = gst_harness_push_and_pull (h, in);
    fail_unless (out != NULL, "frame %u lost", f);
    fail_unless (gst_buffer_get_classification_meta (out) == NULL,
        "frame %u: a region passed for the whole frame", f);
    while ((m = gst_buffer_iterate_classification_meta (out, &state))) {
      gint id;
      n_results++;
      fail_if (gst_classification_meta_is_whole_frame (m));
      if (gst_classification_meta_get_result (m, 0, &id, NULL, NULL))
        fail_unless (id >= 0 && id < 10);
    }
    fail_unless (n_results <= MIN (n_rois, 40), "frame %u: %u results for "
        "%u regions", f, n_results, n_rois);
    total += n_results;
    gst_buffer_unref (out);
  }
  GST_INFO ("%u results in %u frames", total, frames);
  /* Not every box was hostile: some regions were classified. */
  fail_unless (total > frames / 4, "%u results in %u frames", total, frames);
  gst_harness_teardown (h);
  g_rand_free (r);

  {
    const gchar *argv[] = { g_getenv ("OCLRESNET_PYTHON"),
      g_getenv ("OCLRESNET_VALIDATOR"), g_getenv ("OCLRESNET_SCHEMA"), path,
      NULL
    };
    fail_unless (argv[0] && argv[1] && argv[2]);
    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT,
            NULL, NULL, &out_text, NULL, &status, NULL));
    fail_unless (g_spawn_check_wait_status (status, NULL), "invalid JSON: %s",
        out_text);
    g_free (out_text);
  }
  g_unlink (path);
}

GST_END_TEST;

static Suite *
hostile_suite (void)
{
  Suite *s = suite_create ("hostile-input");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_hostile_regions_and_caps);
  return s;
}

GST_CHECK_MAIN (hostile);
