/* What classificationpublish costs the streaming thread, per frame.
 *
 *   build/tests/publish-bench N ELEMENT-DESCRIPTION...
 *
 * Pushes N 320x240 GRAY8 buffers, each with a whole-frame meta and four
 * region metas of five classes (a busy roi-list frame), through each
 * description in a GstHarness, and prints the median over 5 rounds of the
 * time per buffer.  Not a test (BENCHMARKS.md):
 *
 *   build/tests/publish-bench 20000 identity \
 *     "classificationpublish file-path=/dev/null" \
 *     "classificationpublish method=mqtt address=127.0.0.1:1883 qos=1"
 */
#include <stdio.h>
#include <stdlib.h>
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

static GstBuffer *
make_buffer (guint64 i)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 320 * 240, NULL);
  GQuark labels[5];

  for (guint k = 0; k < 5; k++) {
    gchar name[16];
    g_snprintf (name, sizeof (name), "class-%u", k);
    labels[k] = g_quark_from_string (name);
  }
  GST_BUFFER_PTS (b) = i * GST_SECOND / 30;
  for (gint r = -1; r < 4; r++) {
    GstClassificationMeta *m = gst_buffer_add_classification_meta (b,
        "resnet18", r);
    if (r >= 0) {
      GstVideoRegionOfInterestMeta *roi =
          gst_buffer_add_video_region_of_interest_meta (b, "car", 10 * r, 20,
          60, 40);
      roi->id = r;
    }
    for (guint k = 0; k < 5; k++)
      gst_classification_meta_add_result (m, k, labels[k], 0.5f / (k + 1));
    m->inference_time = 4321;
  }
  return b;
}

static int
compare (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  guint64 n;

  gst_init (&argc, &argv);
  if (argc < 3) {
    fprintf (stderr, "usage: %s N ELEMENT-DESCRIPTION...\n", argv[0]);
    return 2;
  }
  n = g_ascii_strtoull (argv[1], NULL, 10);
  for (int d = 2; d < argc; d++) {
    gdouble us[5];
    guint64 published = 0, dropped = 0;

    for (int round = 0; round < 5; round++) {
      GstHarness *h = gst_harness_new_parse (argv[d]);
      GstBuffer *proto = make_buffer (0);
      gint64 t0;

      gst_harness_set_src_caps_str (h,
          "video/x-raw,format=GRAY8,width=320,height=240,framerate=30/1");
      t0 = g_get_monotonic_time ();
      for (guint64 i = 0; i < n; i++) {
        /* The same metas on a new buffer each time, as a pipeline has. */
        GstBuffer *b = gst_buffer_copy (proto);
        GST_BUFFER_PTS (b) = i * GST_SECOND / 30;
        gst_harness_push (h, b);
        gst_buffer_unref (gst_harness_pull (h));
      }
      us[round] = (gdouble) (g_get_monotonic_time () - t0) / n;
      gst_harness_push_event (h, gst_event_new_eos ());
      gst_element_set_state (h->element, GST_STATE_NULL);
      {
        GstElement *e = gst_harness_find_element (h, "classificationpublish");
        if (e) {
          g_object_get (e, "published", &published, "dropped", &dropped, NULL);
          gst_object_unref (e);
        }
      }
      gst_buffer_unref (proto);
      gst_harness_teardown (h);
    }
    qsort (us, 5, sizeof (us[0]), compare);
    printf ("%-70s %7.2f us/buffer (min %.2f, max %.2f); last round: %"
        G_GUINT64_FORMAT " published, %" G_GUINT64_FORMAT " dropped\n",
        argv[d], us[2], us[0], us[4], published, dropped);
  }
  return 0;
}
