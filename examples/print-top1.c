/* print-top1: runs a pipeline ending in an appsink named "sink" and prints
 * each frame's top-1 class from its GstClassificationMeta.
 *
 *   print-top1 [PIPELINE]
 *
 * Build against the installed library:
 *   cc print-top1.c $(pkg-config --cflags --libs oclresnet-1.0) -o print-top1
 */
#include <stdio.h>
#include <gst/gst.h>
#include <gst/classification/classification-meta.h>

#define DEFAULT_PIPELINE \
  "videotestsrc num-buffers=30 ! video/x-raw,width=320,height=240 ! " \
  "resnetclassify ! appsink name=sink sync=false"

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GstElement *pipeline, *sink;
  GstSample *sample;
  GstMessage *msg;
  GstBus *bus;
  int rc = 0;

  gst_init (&argc, &argv);
  pipeline = gst_parse_launch (argc > 1 ? argv[1] : DEFAULT_PIPELINE, &error);
  if (pipeline == NULL) {
    fprintf (stderr, "print-top1: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (sink == NULL) {
    fprintf (stderr, "print-top1: the pipeline needs an appsink named "
        "'sink'\n");
    gst_object_unref (pipeline);
    return 1;
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* "try-pull-sample" returns NULL at the end of the stream (or on error). */
  for (;;) {
    GstClassificationMeta *meta;
    GstBuffer *buf;
    GQuark label;
    gfloat confidence;
    gint class_id;

    sample = NULL;
    g_signal_emit_by_name (sink, "try-pull-sample", 10 * GST_SECOND, &sample);
    if (sample == NULL)
      break;
    buf = gst_sample_get_buffer (sample);
    meta = gst_buffer_get_classification_meta (buf);
    if (meta && gst_classification_meta_get_result (meta, 0, &class_id,
            &label, &confidence))
      printf ("%" GST_TIME_FORMAT "  %-12s (class %d) %5.1f %%%s\n",
          GST_TIME_ARGS (GST_BUFFER_PTS (buf)), g_quark_to_string (label),
          class_id, 100.0 * confidence,
          gst_classification_meta_is_fresh (meta) ? "" : "  (carried over)");
    else
      printf ("%" GST_TIME_FORMAT "  no class\n",
          GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
    gst_sample_unref (sample);
  }

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error (msg, &error, NULL);
    fprintf (stderr, "print-top1: %s\n", error->message);
    g_error_free (error);
    gst_message_unref (msg);
    rc = 1;
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return rc;
}
