/* eval-cifar: streams CIFAR-10 test images through the real pipeline,
 *   multifilesrc ! jpegdec ! videoconvert ! RGB ! resnetclassify ! appsink
 * one class folder at a time, and writes, for each image, the class it
 * belongs to, the top-1 read from its GstClassificationMeta and the decoded
 * RGB pixels the element saw (for a PyTorch reference on the same pixels).
 *
 * usage: eval-cifar MODEL TEST_DIR PER_CLASS OUT_PREFIX
 * writes OUT_PREFIX.txt ("true predicted" per line) and OUT_PREFIX.rgb
 * (N x 32 x 32 x 3 bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

static const char *classes[] = {
  "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
  "ship", "truck"
};

int
main (int argc, char **argv)
{
  FILE *txt, *rgb;
  int per_class;
  g_autofree char *txt_path = NULL, *rgb_path = NULL;

  gst_init (&argc, &argv);
  if (argc != 5) {
    fprintf (stderr, "usage: eval-cifar MODEL TEST_DIR PER_CLASS "
        "OUT_PREFIX\n");
    return 2;
  }
  per_class = atoi (argv[3]);
  txt_path = g_strconcat (argv[4], ".txt", NULL);
  rgb_path = g_strconcat (argv[4], ".rgb", NULL);
  txt = fopen (txt_path, "w");
  rgb = fopen (rgb_path, "wb");
  if (!txt || !rgb) {
    fprintf (stderr, "eval-cifar: cannot write %s\n", argv[4]);
    return 1;
  }
  for (int c = 0; c < 10; c++) {
    g_autofree char *desc = g_strdup_printf ("multifilesrc "
        "location=%s/%s/%%04d.jpg index=0 stop-index=%d "
        "caps=image/jpeg,framerate=30/1 ! jpegdec ! videoconvert ! "
        "video/x-raw,format=RGB ! resnetclassify model=%s top-k=1 ! "
        "appsink name=sink sync=false", argv[2], classes[c], per_class - 1,
        argv[1]);
    GError *error = NULL;
    GstElement *pipe = gst_parse_launch (desc, &error);
    GstElement *sink;
    GstSample *s;
    int n = 0;

    if (pipe == NULL) {
      fprintf (stderr, "eval-cifar: %s\n", error->message);
      return 1;
    }
    sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    for (;;) {
      GstClassificationMeta *meta;
      GstVideoInfo info;
      GstVideoFrame frame;
      gint id = -1;

      s = NULL;
      g_signal_emit_by_name (sink, "try-pull-sample", 30 * GST_SECOND, &s);
      if (s == NULL)
        break;
      meta = gst_buffer_get_classification_meta (gst_sample_get_buffer (s));
      if (meta)
        gst_classification_meta_get_result (meta, 0, &id, NULL, NULL);
      gst_video_info_from_caps (&info, gst_sample_get_caps (s));
      if (info.width != 32 || info.height != 32
          || !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (s),
              GST_MAP_READ)) {
        fprintf (stderr, "eval-cifar: unexpected %dx%d frame\n", info.width,
            info.height);
        return 1;
      }
      for (int y = 0; y < 32; y++)
        fwrite ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
            y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), 1, 96, rgb);
      gst_video_frame_unmap (&frame);
      fprintf (txt, "%d %d\n", c, id);
      gst_sample_unref (s);
      n++;
    }
    {
      GstBus *bus = gst_element_get_bus (pipe);
      GstMessage *m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (m) {
        gst_message_parse_error (m, &error, NULL);
        fprintf (stderr, "eval-cifar: %s\n", error->message);
        return 1;
      }
      gst_object_unref (bus);
    }
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (sink);
    gst_object_unref (pipe);
    if (n != per_class) {
      fprintf (stderr, "eval-cifar: %s: %d of %d images came through\n",
          classes[c], n, per_class);
      return 1;
    }
  }
  fclose (txt);
  fclose (rgb);
  return 0;
}
