/* classify-slideshow: the first part of the demo.  Plays CIFAR-10 test
 * images, the kind of picture the demo's model was trained on, as a
 * slideshow at 10 images a second, one class a second in turn:
 *
 *   concat of multifilesrc (one per class and round) ! jpegdec !
 *   videoconvert ! resnetclassify ! appsink
 *
 * and prints, for every second, how many of its ten images the model got
 * right and what it said instead, then the overall accuracy.
 *
 * usage: classify-slideshow MODEL CIFAR10_TEST_DIR [ROUNDS]
 * (ROUNDS of ten seconds each, default 3; each round takes the next ten
 * images of every class). */
#include <stdio.h>
#include <stdlib.h>
#include <gst/gst.h>
#include <gst/classification/classification-meta.h>

#define PER_SECOND 10

static const char *classes[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
  "ship", "truck"
};

int
main (int argc, char **argv)
{
  g_autoptr (GString) desc = g_string_new (NULL);
  GstElement *pipe, *sink;
  GError *error = NULL;
  GstSample *s;
  guint rounds, n = 0, right = 0, second_right = 0;
  g_autoptr (GString) said = g_string_new (NULL);

  gst_init (&argc, &argv);
  if (argc < 3 || argc > 4) {
    fprintf (stderr, "usage: classify-slideshow MODEL CIFAR10_TEST_DIR "
        "[ROUNDS]\n");
    return 2;
  }
  rounds = argc == 4 ? (guint) atoi (argv[3]) : 3;
  if (rounds < 1 || rounds > 100) {
    fprintf (stderr, "classify-slideshow: ROUNDS is 1 to 100\n");
    return 2;
  }
  g_string_append_printf (desc, "concat name=c ! jpegdec ! videoconvert ! "
      "video/x-raw,format=RGB ! resnetclassify model=%s top-k=1 ! "
      "appsink name=sink sync=false", argv[1]);
  for (guint r = 0; r < rounds; r++)
    for (guint c = 0; c < G_N_ELEMENTS (classes); c++)
      g_string_append_printf (desc, " multifilesrc location=%s/%s/%%04d.jpg "
          "index=%u stop-index=%u caps=image/jpeg,framerate=%d/1 ! c.",
          argv[2], classes[c], r * PER_SECOND, r * PER_SECOND + PER_SECOND - 1,
          PER_SECOND);
  pipe = gst_parse_launch (desc->str, &error);
  if (pipe == NULL) {
    fprintf (stderr, "classify-slideshow: %s\n", error->message);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  /* "try-pull-sample": NULL at the end of the stream (or on an error). */
  for (;;) {
    GstClassificationMeta *m;
    const char *truth, *label;

    s = NULL;
    g_signal_emit_by_name (sink, "try-pull-sample", 60 * GST_SECOND, &s);
    if (s == NULL)
      break;
    m = gst_buffer_get_classification_meta (gst_sample_get_buffer (s));
    truth = classes[(n / PER_SECOND) % G_N_ELEMENTS (classes)];
    label = m ? gst_classification_meta_get_label (m, 0) : NULL;

    if (label && g_strcmp0 (label, truth) == 0) {
      right++;
      second_right++;
    } else {
      g_string_append_printf (said, "%s%s", said->len ? ", " : "",
          label ? label : "(none)");
    }
    gst_sample_unref (s);
    if (++n % PER_SECOND == 0) {
      printf ("  %3u s  %-10s %2u/%d right%s%s%s\n", n / PER_SECOND - 1,
          truth, second_right, PER_SECOND, said->len ? " (also said: " : "",
          said->str, said->len ? ")" : "");
      fflush (stdout);
      second_right = 0;
      g_string_truncate (said, 0);
    }
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  if (n == 0) {
    fprintf (stderr, "classify-slideshow: no image came through (is %s the "
        "CIFAR-10 test folder?)\n", argv[2]);
    return 1;
  }
  printf ("  %u of %u right: %.1f %%\n", right, n, 100.0 * right / n);
  return 0;
}
