/* resnetclassify element tests (gst-check, GstHarness), on the small
 * generated CIFAR model named by $OCLRESNET_TEST_MODEL. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "harness-util.h"
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>
#include "oclresnet.h"
#include "ref/ref.h"

static const gchar *model_path, *labels_path;

static GstHarness *
harness_new (const gchar * extra)
{
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s %s", model_path, labels_path, extra ? extra : "");
  return gst_harness_new_parse (desc);
}

/* A frame of @caps filled with a deterministic pattern. */
static GstBuffer *
make_frame (GstHarness * h, const gchar * caps_str, guint seed,
    GstClockTime pts)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstVideoInfo info;
  GstBuffer *buf;
  GstMapInfo map;
  GRand *r = g_rand_new_with_seed (seed);

  fail_unless (gst_video_info_from_caps (&info, caps));
  buf = gst_harness_create_buffer (h, info.size);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  /* Smooth gradients plus noise: an image-like input. */
  for (gsize i = 0; i < map.size; i++)
    map.data[i] = (guint8) ((i * (seed + 3) / 97 + g_rand_int_range (r, 0,
                40)) & 0xff);
  gst_buffer_unmap (buf, &map);
  gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (&info), info.width, info.height,
      GST_VIDEO_INFO_N_PLANES (&info), info.offset, info.stride);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  gst_caps_unref (caps);
  g_rand_free (r);
  return buf;
}

static const gchar *formats[] = {
  "RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB",
  "ABGR", "I420", "NV12", "GRAY8"
};

/* Every supported format negotiates at an odd size, output caps equal
 * input caps, and each frame gets a whole-frame meta with top-k results. */
GST_START_TEST (test_caps_every_format)
{
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstHarness *h = harness_new ("top-k=3");
    g_autofree gchar *caps = g_strdup_printf ("video/x-raw,format=%s,"
        "width=37,height=29,framerate=30/1", formats[f]);
    GstClassificationMeta *meta;
    GstBuffer *out;
    GstCaps *in_caps = gst_caps_from_string (caps), *out_caps;

    gst_harness_set_src_caps_str (h, caps);
    out = gst_harness_push_and_pull (h, make_frame (h, caps, f, 0));
    fail_unless (out != NULL, "no output for %s", formats[f]);
    out_caps = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_caps_is_equal (in_caps, out_caps), "%s", formats[f]);
    meta = gst_buffer_get_classification_meta (out);
    fail_unless (meta != NULL, "no meta for %s", formats[f]);
    fail_unless_equals_int (gst_classification_meta_get_n_results (meta), 3);
    fail_unless (gst_classification_meta_is_fresh (meta));
    fail_unless_equals_int (gst_classification_meta_get_roi_id (meta), -1);
    gst_caps_unref (in_caps);
    gst_caps_unref (out_caps);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Computes the probabilities oclresnet itself gives for the tensor the C
 * reference preprocesses from @buf. */
static float *
reference_probs (GstBuffer * buf, const gchar * caps_str, OclResizeMode mode)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  static const OclPixelFormat map[] = {
    OCL_PIXEL_RGB, OCL_PIXEL_BGR, OCL_PIXEL_RGBX, OCL_PIXEL_BGRX,
    OCL_PIXEL_XRGB, OCL_PIXEL_XBGR, OCL_PIXEL_RGBX, OCL_PIXEL_BGRX,
    OCL_PIXEL_XRGB, OCL_PIXEL_XBGR, OCL_PIXEL_I420, OCL_PIXEL_NV12,
    OCL_PIXEL_GRAY8
  };
  OclPreprocess pp = { mode, {0.485f, 0.456f, 0.406f},
  {0.229f, 0.224f, 0.225f}, FALSE
  };
  GstVideoInfo info;
  GstVideoFrame frame;
  OclImage img = { 0 };
  GError *error = NULL;
  OclContext *ctx;
  OclModel *model;
  OclNet *net;
  gint64 shape[4] = { 1, 3, 32, 32 };
  float tensor[3 * 32 * 32], *out;
  double sum = 0.0, m;

  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    if (g_strcmp0 (gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)),
            formats[f]) == 0)
      img.format = map[f];
  img.width = info.width;
  img.height = info.height;
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++) {
    img.data[p] = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    img.stride[p] = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
    img.size[p] = img.stride[p] * GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT
        (info.finfo, p, info.height);
  }
  img.matrix = info.colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT709 ?
      OCL_YUV_BT709 : info.colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT2020
      ? OCL_YUV_BT2020 : OCL_YUV_BT601;
  img.full_range = info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  ocl_preprocess_reference (&img, NULL, &pp, 32, 32, tensor);
  gst_video_frame_unmap (&frame);

  ctx = ocl_context_new (NULL, &error);
  fail_unless (ctx != NULL);
  model = ocl_model_load (model_path, &error);
  fail_unless (model != NULL);
  net = ocl_net_new (ctx, model, shape, &error);
  fail_unless (net != NULL);
  out = g_new (float, ocl_net_get_output_size (net));
  fail_unless (ocl_net_run (net, tensor, out, &error));
  m = out[0];
  for (int c = 1; c < 10; c++)
    m = MAX (m, out[c]);
  for (int c = 0; c < 10; c++)
    sum += exp (out[c] - m);
  for (int c = 0; c < 10; c++)
    out[c] = exp (out[c] - m) / sum;
  ocl_net_free (net);
  ocl_model_free (model);
  ocl_context_unref (ctx);
  gst_caps_unref (caps);
  return out;
}

/* The meta's classes and confidences equal `oclresnet run` on the tensor
 * the C reference preprocesses from the same frame. */
GST_START_TEST (test_meta_matches_reference)
{
  static const struct
  {
    const gchar *caps;
    const gchar *mode;
    OclResizeMode ocl;
  } cases[] = {
    {"video/x-raw,format=RGB,width=64,height=48,framerate=30/1", "stretch",
        OCL_RESIZE_STRETCH},
    {"video/x-raw,format=NV12,width=100,height=62,framerate=30/1",
        "center-crop", OCL_RESIZE_CENTER_CROP},
    {"video/x-raw,format=I420,width=31,height=45,framerate=30/1",
        "letterbox", OCL_RESIZE_LETTERBOX},
    {"video/x-raw,format=BGRA,width=33,height=33,framerate=30/1", "stretch",
        OCL_RESIZE_STRETCH},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *extra = g_strdup_printf ("top-k=10 resize-mode=%s",
        cases[i].mode);
    GstHarness *h = harness_new (extra);
    GstBuffer *in, *out;
    GstClassificationMeta *meta;
    float *ref;

    gst_harness_set_src_caps_str (h, cases[i].caps);
    in = make_frame (h, cases[i].caps, 40 + i, 0);
    ref = reference_probs (in, cases[i].caps, cases[i].ocl);
    out = gst_harness_push_and_pull (h, in);
    meta = gst_buffer_get_classification_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_int (gst_classification_meta_get_n_results (meta), 10);
    for (guint k = 0; k < 10; k++) {
      gint id;
      gfloat conf;
      fail_unless (gst_classification_meta_get_result (meta, k, &id, NULL,
              &conf));
      fail_unless (fabs (conf - ref[id]) <= 1e-4, "case %u class %d: meta "
          "%f, reference %f", i, id, conf, ref[id]);
      if (k > 0) {
        gfloat prev;
        gst_classification_meta_get_result (meta, k - 1, NULL, NULL, &prev);
        fail_unless (prev >= conf);
      }
    }
    g_free (ref);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* A buffer that is shared (as after a tee) is not copied: the output
 * holds the very same memory. */
GST_START_TEST (test_no_copy_of_shared_buffer)
{
  const gchar *caps = "video/x-raw,format=RGB,width=64,height=48,"
      "framerate=30/1";
  GstHarness *h = harness_new (NULL);
  GstBuffer *in, *out;
  GstMemory *mem;

  gst_harness_set_src_caps_str (h, caps);
  in = make_frame (h, caps, 1, 0);
  mem = gst_buffer_peek_memory (in, 0);
  gst_buffer_ref (in);          /* a second owner, like a tee's other branch */
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_peek_memory (out, 0) == mem);
  fail_unless (gst_buffer_get_classification_meta (out) != NULL);
  fail_unless (gst_buffer_get_classification_meta (in) == NULL);
  gst_buffer_unref (in);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstSample *
pull_sample (GstElement * appsink)
{
  GstSample *s = NULL;
  g_signal_emit_by_name (appsink, "try-pull-sample", patience (20), &s);
  return s;
}

/* The meta survives tee, queue, videoconvert, videoscale, videorate and
 * appsink. */
GST_START_TEST (test_meta_survives_pipeline)
{
  g_autofree gchar *desc = g_strdup_printf ("videotestsrc num-buffers=4 ! "
      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1 ! "
      "resnetclassify model=%s labels=%s ! tee name=t ! queue ! "
      "videoconvert ! video/x-raw,format=I420 ! videoscale ! "
      "video/x-raw,width=32,height=24 ! videorate ! "
      "appsink name=sink sync=false t. ! queue ! fakesink", model_path,
      labels_path);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstSample *s;
  guint n = 0;

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  while ((s = pull_sample (sink))) {
    GstClassificationMeta *meta =
        gst_buffer_get_classification_meta (gst_sample_get_buffer (s));
    gint id;
    GQuark label;
    fail_unless (meta != NULL);
    fail_unless (gst_classification_meta_get_result (meta, 0, &id, &label,
            NULL));
    fail_unless (id >= 0 && id < 10 && label != 0);
    n++;
    gst_sample_unref (s);
  }
  fail_unless_equals_int (n, 4);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* inference-interval=3: frames 0 and 3 are fresh; the others carry the
 * last result, not fresh, with the source PTS of the frame it came from. */
GST_START_TEST (test_interval_and_fresh)
{
  const gchar *caps = "video/x-raw,format=RGB,width=40,height=30,"
      "framerate=30/1";
  GstHarness *h = harness_new ("inference-interval=3");
  GstClockTime src_pts = 0;

  gst_harness_set_src_caps_str (h, caps);
  for (guint i = 0; i < 6; i++) {
    GstClockTime pts = i * GST_SECOND / 30;
    GstBuffer *out = gst_harness_push_and_pull (h, make_frame (h, caps, i,
            pts));
    GstClassificationMeta *meta = gst_buffer_get_classification_meta (out);
    gboolean fresh = i % 3 == 0;
    fail_unless (meta != NULL);
    if (fresh)
      src_pts = pts;
    fail_unless_equals_int (gst_classification_meta_is_fresh (meta), fresh);
    fail_unless_equals_uint64 (gst_classification_meta_get_source_pts (meta),
        src_pts);
    fail_unless (!gst_classification_meta_is_qos_skipped (meta));
    fail_unless_equals_int (gst_classification_meta_get_n_results (meta), 5);
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* roi-list: regions of the chosen type are classified in one batch, each
 * gets a 'classification' parameter and its own meta; other regions and
 * frames without regions pass untouched. */
GST_START_TEST (test_roi_list)
{
  const gchar *caps = "video/x-raw,format=I420,width=96,height=64,"
      "framerate=30/1";
  GstHarness *h = harness_new ("inference-region=roi-list roi-type=car");
  GstBuffer *in, *out;
  GstVideoRegionOfInterestMeta *car1, *car2, *person;
  gpointer state = NULL;
  guint n_metas = 0;
  GstClassificationMeta *cm;

  gst_harness_set_src_caps_str (h, caps);
  in = make_frame (h, caps, 5, 0);
  car1 = gst_buffer_add_video_region_of_interest_meta (in, "car", 4, 6, 30, 20);
  person = gst_buffer_add_video_region_of_interest_meta (in, "person", 50, 10,
      20, 40);
  car2 = gst_buffer_add_video_region_of_interest_meta (in, "car", 60, 30, 50, 50);      /* overhangs the frame: clipped */
  car1->id = 11;
  person->id = 12;
  car2->id = 13;
  out = gst_harness_push_and_pull (h, in);

  fail_unless (gst_buffer_get_classification_meta (out) == NULL);
  while ((cm = gst_buffer_iterate_classification_meta (out, &state))) {
    gint roi = gst_classification_meta_get_roi_id (cm);
    GstVideoRegionOfInterestMeta *r =
        gst_buffer_get_video_region_of_interest_meta_id (out, roi);
    GstStructure *p;
    const gchar *label;
    gint id;
    gdouble conf;
    GQuark q;
    gfloat c;
    fail_unless (roi == 11 || roi == 13);
    fail_unless (r != NULL);
    p = gst_video_region_of_interest_meta_get_param (r, "classification");
    fail_unless (p != NULL);
    label = gst_structure_get_string (p, "label");
    fail_unless (gst_structure_get_int (p, "label-id", &id));
    fail_unless (gst_structure_get_double (p, "confidence", &conf));
    fail_unless (gst_structure_get_string (p, "model") != NULL);
    fail_unless (gst_classification_meta_get_result (cm, 0, NULL, &q, &c));
    fail_unless_equals_string (label, g_quark_to_string (q));
    fail_unless (fabs (conf - c) < 1e-6);
    n_metas++;
  }
  fail_unless_equals_int (n_metas, 2);
  person = gst_buffer_get_video_region_of_interest_meta_id (out, 12);
  fail_unless (gst_video_region_of_interest_meta_get_param (person,
          "classification") == NULL);
  gst_buffer_unref (out);

  /* No regions: untouched. */
  out = gst_harness_push_and_pull (h, make_frame (h, caps, 6, GST_SECOND));
  fail_unless (gst_buffer_get_classification_meta (out) == NULL);
  state = NULL;
  fail_unless (gst_buffer_iterate_classification_meta (out, &state) == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstMessage *
pop_element_message (GstBus * bus)
{
  GstMessage *m;
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (m, "resnetclassify"))
      return m;
    gst_message_unref (m);
  }
  return NULL;
}

/* post-messages=every: one 'resnetclassify' element message per frame with
 * every documented field; on-change: only when the top class changes. */
GST_START_TEST (test_bus_messages)
{
  const gchar *caps = "video/x-raw,format=RGB,width=40,height=30,"
      "framerate=30/1";
  GstHarness *h = harness_new ("post-messages=every top-k=4");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  const GstStructure *s;
  guint64 u64;
  gint id;
  gdouble conf;
  gboolean fresh;
  const GValue *labels, *confs;

  gst_element_set_bus (rc_of (h), bus);
  gst_harness_set_src_caps_str (h, caps);
  for (guint i = 0; i < 2; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (h, caps, 9,
                i * GST_SECOND / 30)));
  for (guint i = 0; i < 2; i++) {
    m = pop_element_message (bus);
    fail_unless (m != NULL);
    s = gst_message_get_structure (m);
    fail_unless (gst_structure_get_uint64 (s, "running-time", &u64));
    fail_unless_equals_uint64 (u64, i * GST_SECOND / 30);
    fail_unless (gst_structure_get_uint64 (s, "stream-time", &u64));
    fail_unless (gst_structure_get_uint64 (s, "frame", &u64));
    fail_unless_equals_uint64 (u64, i);
    fail_unless (gst_structure_get_string (s, "label") != NULL);
    fail_unless (gst_structure_get_int (s, "class-id", &id));
    fail_unless (id >= 0 && id < 10);
    fail_unless (gst_structure_get_double (s, "confidence", &conf));
    fail_unless (conf > 0.0 && conf <= 1.0);
    fail_unless (gst_structure_get_boolean (s, "fresh", &fresh) && fresh);
    fail_unless (gst_structure_get_uint64 (s, "inference-time", &u64));
    fail_unless (u64 > 0);
    labels = gst_structure_get_value (s, "labels");
    confs = gst_structure_get_value (s, "confidences");
    fail_unless (GST_VALUE_HOLDS_LIST (labels) && GST_VALUE_HOLDS_LIST (confs));
    fail_unless_equals_int (gst_value_list_get_size (labels), 4);
    fail_unless_equals_int (gst_value_list_get_size (confs), 4);
    fail_unless_equals_string (g_value_get_string (gst_value_list_get_value
            (labels, 0)), gst_structure_get_string (s, "label"));
    gst_message_unref (m);
  }
  fail_unless (pop_element_message (bus) == NULL);

  /* on-change: the same frame twice gives one message. */
  g_object_set (rc_of (h), "post-messages", 1, NULL);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (h, caps, 77,
              GST_SECOND)));
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (h, caps, 77,
              GST_SECOND + GST_SECOND / 30)));
  m = pop_element_message (bus);
  if (m) {                      /* none when the class did not change */
    gst_message_unref (m);
  }
  fail_unless (pop_element_message (bus) == NULL);

  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Documented ranges and defaults; the read-only inference time. */
GST_START_TEST (test_property_ranges)
{
  GstElement *e = gst_element_factory_make ("resnetclassify", NULL);
  GObjectClass *k = G_OBJECT_GET_CLASS (e);
  GParamSpecUInt *top_k = (GParamSpecUInt *) g_object_class_find_property (k,
      "top-k");
  GParamSpecDouble *thr = (GParamSpecDouble *) g_object_class_find_property (k,
      "threshold");
  GParamSpecUInt *interval = (GParamSpecUInt *)
      g_object_class_find_property (k, "inference-interval");
  GParamSpec *time = g_object_class_find_property (k, "inference-time");
  const gchar *props[] = { "model", "labels", "device", "resize-mode", "mean",
    "std", "channel-order", "inference-region", "roi-type", "post-messages"
  };
  GValue v = G_VALUE_INIT;

  fail_unless_equals_int (top_k->minimum, 1);
  fail_unless_equals_int (top_k->default_value, 5);
  fail_unless (thr->minimum == 0.0 && thr->maximum == 1.0);
  fail_unless_equals_int (interval->minimum, 1);
  fail_unless_equals_int (interval->default_value, 1);
  fail_unless (time && !(time->flags & G_PARAM_WRITABLE));
  for (guint i = 0; i < G_N_ELEMENTS (props); i++) {
    GParamSpec *p = g_object_class_find_property (k, props[i]);
    fail_unless (p != NULL, "%s", props[i]);
    fail_unless (strlen (g_param_spec_get_blurb (p)) > 20, "%s", props[i]);
  }
  /* mean round-trips as a GstValueArray of three doubles */
  g_value_init (&v, GST_TYPE_ARRAY);
  fail_unless (gst_value_deserialize (&v, "<0.5, 0.25, 0.125>"));
  g_object_set_property (G_OBJECT (e), "mean", &v);
  g_value_unset (&v);
  g_value_init (&v, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (e), "mean", &v);
  fail_unless_equals_int (gst_value_array_get_size (&v), 3);
  fail_unless (g_value_get_double (gst_value_array_get_value (&v, 2)) == 0.125);
  g_value_unset (&v);
  gst_object_unref (e);
}

GST_END_TEST;

static GstMessage *
run_to_end (GstElement * pipe)
{
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, patience (60),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  fail_unless (m != NULL, "timed out");
  return m;
}

/* Runs @pipe to its end and checks that it ends in an element error whose
 * message mentions @needle. */
static void
assert_error_mentions (GstElement * pipe, const gchar * needle)
{
  GstMessage *m = run_to_end (pipe);
  GError *err = NULL;

  fail_unless_equals_int (GST_MESSAGE_TYPE (m), GST_MESSAGE_ERROR);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (strstr (err->message, needle) != NULL,
      "'%s' does not mention '%s'", err->message, needle);
  g_error_free (err);
  gst_message_unref (m);
}

static GstElement *
pipeline_with (GstElement ** rc)
{
  GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,width=48,height=40 ! resnetclassify name=rc ! fakesink",
      NULL);
  *rc = gst_bin_get_by_name (GST_BIN (pipe), "rc");
  g_object_set (*rc, "model", model_path, "labels", labels_path, NULL);
  return pipe;
}

/* NULL -> PLAYING -> NULL twice on the same element. */
GST_START_TEST (test_state_cycling)
{
  GstElement *rc, *pipe = pipeline_with (&rc);

  for (int i = 0; i < 2; i++) {
    GstMessage *m = run_to_end (pipe);
    fail_unless_equals_int (GST_MESSAGE_TYPE (m), GST_MESSAGE_EOS);
    gst_message_unref (m);
  }
  gst_object_unref (rc);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Each bad setting: one element error naming the problem, nothing
 * crashes, and the element works again once fixed (after NULL). */
GST_START_TEST (test_errors)
{
  g_autofree gchar *dir = g_dir_make_tmp ("rc-XXXXXX", NULL);
  g_autofree gchar *junk = g_build_filename (dir, "junk.onnx", NULL);
  g_autofree gchar *few = g_build_filename (dir, "labels.txt", NULL);
  struct
  {
    const gchar *prop;
    const gchar *value;
    const gchar *needle;
  } cases[] = {
    {"model", "/nonexistent/model.onnx", "Could not read model"},
    {"model", junk, "not an ONNX model"},
    {"model", "", "No model set"},
    {"labels", few, "3 labels but output 'output' has 10 classes"},
    {"labels", "/nonexistent/labels.txt", "Bad labels"},
    {"device", "no-such-device", "No usable OpenCL device"},
    {"heads", "logits:softmax", "names output 'logits'; model "
          "cifar_resnet20_optA has 'output'"},
    {"heads", "output:cubic", "'output:cubic' is not OUTPUT:KIND"},
  };
  GstElement *rc, *pipe = pipeline_with (&rc);

  fail_unless (g_file_set_contents (junk, "\x12\x34garbage\xff\xfe", 11, NULL));
  fail_unless (g_file_set_contents (few, "a\nb\nc\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstMessage *m;
    g_autofree gchar *good = NULL;

    g_object_get (rc, cases[i].prop, &good, NULL);
    g_object_set (rc, cases[i].prop, cases[i].value, NULL);
    assert_error_mentions (pipe, cases[i].needle);

    g_object_set (rc, cases[i].prop, good, NULL);
    m = run_to_end (pipe);
    fail_unless_equals_int (GST_MESSAGE_TYPE (m), GST_MESSAGE_EOS);
    gst_message_unref (m);
  }
  g_unlink (junk);
  g_unlink (few);
  g_rmdir (dir);
  gst_object_unref (rc);
  gst_object_unref (pipe);
}

GST_END_TEST;

/* Downstream lateness skips inference, not frames: the frame passes with
 * the last result, marked not fresh and skipped for QoS. */
GST_START_TEST (test_qos_skips_inference)
{
  const gchar *caps = "video/x-raw,format=RGB,width=40,height=30,"
      "framerate=30/1";
  GstHarness *h = harness_new (NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *out;
  GstClassificationMeta *meta;
  GstMessage *qos;
  GstFormat format;
  guint64 processed, dropped;

  gst_element_set_bus (rc_of (h), bus);
  gst_harness_set_src_caps_str (h, caps);
  out = gst_harness_push_and_pull (h, make_frame (h, caps, 1, 0));
  fail_unless (gst_classification_meta_is_fresh
      (gst_buffer_get_classification_meta (out)));
  gst_buffer_unref (out);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_QOS) == NULL);

  fail_unless (gst_harness_push_upstream_event (h,
          gst_event_new_qos (GST_QOS_TYPE_UNDERFLOW, 2.0, 5 * GST_SECOND,
              GST_SECOND / 30)));
  out = gst_harness_push_and_pull (h, make_frame (h, caps, 2,
          2 * GST_SECOND / 30));
  meta = gst_buffer_get_classification_meta (out);
  fail_unless (meta != NULL);
  fail_unless (!gst_classification_meta_is_fresh (meta));
  fail_unless (gst_classification_meta_is_qos_skipped (meta));
  fail_unless_equals_uint64 (gst_classification_meta_get_source_pts (meta), 0);
  gst_buffer_unref (out);
  /* The skip is reported as QoS, in inferences run and skipped. */
  qos = gst_bus_pop_filtered (bus, GST_MESSAGE_QOS);
  fail_unless (qos != NULL);
  gst_message_parse_qos_stats (qos, &format, &processed, &dropped);
  fail_unless_equals_int (format, GST_FORMAT_BUFFERS);
  fail_unless_equals_uint64 (processed, 1);
  fail_unless_equals_uint64 (dropped, 1);
  gst_message_unref (qos);

  /* With qos=false the frame is classified anyway. */
  g_object_set (rc_of (h), "qos", FALSE, NULL);
  out = gst_harness_push_and_pull (h, make_frame (h, caps, 3,
          3 * GST_SECOND / 30));
  fail_unless (gst_classification_meta_is_fresh
      (gst_buffer_get_classification_meta (out)));
  gst_buffer_unref (out);
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Properties that take effect in start() are refused while PLAYING with a
 * warning, and the stream goes on as configured (inference-region used
 * to break the next frame). */
GST_START_TEST (test_ready_only_refused_while_playing)
{
  const gchar *caps = "video/x-raw,format=RGB,width=40,height=30,"
      "framerate=30/1";
  GstHarness *h = harness_new (NULL);
  GstBus *bus = gst_bus_new ();
  GstBuffer *out;
  GstMessage *w;
  GError *err = NULL;
  gint region;

  gst_element_set_bus (rc_of (h), bus);
  gst_harness_set_src_caps_str (h, caps);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (h, caps, 1, 0)));
  gst_util_set_object_arg (G_OBJECT (rc_of (h)), "inference-region",
      "roi-list");
  w = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (w != NULL);
  gst_message_parse_warning (w, &err, NULL);
  fail_unless (strstr (err->message, "inference-region") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (w);
  g_object_get (rc_of (h), "inference-region", &region, NULL);
  fail_unless_equals_int (region, 0);
  out = gst_harness_push_and_pull (h, make_frame (h, caps, 2, GST_SECOND));
  fail_unless (gst_buffer_get_classification_meta (out) != NULL);
  gst_buffer_unref (out);
  /* top-k may change while playing: no warning. */
  g_object_set (rc_of (h), "top-k", 2, NULL);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* mean and std need one value per channel: another count is one element
 * error naming the property, not a silent default. */
GST_START_TEST (test_mean_std_count)
{
  const struct
  {
    const gchar *prop, *value;
  } cases[] = {
    {"mean", "<0.5, 0.5>"},
    {"std", "<0.2, 0.2, 0.2, 0.2>"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *rc, *pipe = pipeline_with (&rc);
    GstMessage *m;
    GError *err = NULL;

    gst_util_set_object_arg (G_OBJECT (rc), cases[i].prop, cases[i].value);
    m = run_to_end (pipe);
    fail_unless_equals_int (GST_MESSAGE_TYPE (m), GST_MESSAGE_ERROR);
    gst_message_parse_error (m, &err, NULL);
    fail_unless (strstr (err->message, cases[i].prop) != NULL
        && strstr (err->message, "3 values") != NULL, "%s", err->message);
    g_error_free (err);
    gst_message_unref (m);
    gst_object_unref (rc);
    gst_object_unref (pipe);
  }
}

GST_END_TEST;

/* Every model of the fuzz regression set: one element error (or, for a
 * fuzzed file that loads, a clean end), never a crash. */
/* A head specification that does not fit the model, in its metadata: one
 * element error naming the output, kind or labels at fault. */
GST_START_TEST (test_bad_heads)
{
  g_autofree gchar *dir = g_path_get_dirname (g_getenv
      ("OCLRESNET_TEST_MODEL"));
  struct
  {
    const gchar *file;
    const gchar *needle;
  } cases[] = {
    {"bad_heads_output.onnx", "the model's heads metadata names output "
          "'colour'; model bad_heads_output has 'color', 'kind'"},
    {"bad_heads_kind.onnx", "'color:cubic' is not OUTPUT:KIND"},
    {"bad_heads_labels.onnx", "the model's 'labels.kind' metadata has 3 "
          "labels but output 'kind' has 2 classes"},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree gchar *path = g_build_filename (dir, cases[i].file, NULL);
    GstElement *rc, *pipe = pipeline_with (&rc);

    g_object_set (rc, "model", path, "labels", NULL, NULL);
    assert_error_mentions (pipe, cases[i].needle);
    gst_object_unref (rc);
    gst_object_unref (pipe);
  }
}

GST_END_TEST;

GST_START_TEST (test_malformed_models)
{
  const gchar *dir_path = g_getenv ("OCLRESNET_FUZZ_MODELS");
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const gchar *name;
  guint n = 0;

  fail_unless (dir != NULL, "OCLRESNET_FUZZ_MODELS: %s", dir_path);
  while ((name = g_dir_read_name (dir))) {
    g_autofree gchar *path = g_build_filename (dir_path, name, NULL);
    GstElement *rc, *pipe = pipeline_with (&rc);
    GstMessage *m;

    g_object_set (rc, "model", path, "labels", NULL, NULL);
    m = run_to_end (pipe);
    if (!g_str_has_prefix (name, "crash-"))
      fail_unless_equals_int (GST_MESSAGE_TYPE (m), GST_MESSAGE_ERROR);
    gst_message_unref (m);
    gst_object_unref (rc);
    gst_object_unref (pipe);
    n++;
  }
  g_dir_close (dir);
  fail_unless (n >= 10);
}

GST_END_TEST;

/* Region metas come from upstream: coordinates near G_MAXUINT are
 * clipped or skipped, never an error. */
GST_START_TEST (test_roi_extreme_coordinates)
{
  const gchar *caps = "video/x-raw,format=RGB,width=40,height=30,"
      "framerate=30/1";
  GstHarness *h = harness_new ("inference-region=roi-list");
  GstBuffer *in, *out;
  GstVideoRegionOfInterestMeta *a, *b, *c;

  gst_harness_set_src_caps_str (h, caps);
  in = make_frame (h, caps, 5, 0);
  a = gst_buffer_add_video_region_of_interest_meta (in, "x", 10, 5, G_MAXUINT, G_MAXUINT);      /* clipped to the frame */
  b = gst_buffer_add_video_region_of_interest_meta (in, "x", G_MAXUINT - 3, 0, 10, 10); /* outside */
  c = gst_buffer_add_video_region_of_interest_meta (in, "x", 0, 0, 0, 30);
  a->id = 1;
  b->id = 2;
  c->id = 3;
  out = gst_harness_push_and_pull (h, in);
  fail_unless (gst_buffer_get_classification_meta_for_roi (out, 1) != NULL);
  fail_unless (gst_buffer_get_classification_meta_for_roi (out, 2) == NULL);
  fail_unless (gst_buffer_get_classification_meta_for_roi (out, 3) == NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The LATENCY answer includes the measured inference time. */
GST_START_TEST (test_latency)
{
  const gchar *caps = "video/x-raw,format=RGB,width=40,height=30,"
      "framerate=30/1";
  GstHarness *h = harness_new (NULL);
  GstQuery *q;
  GstClockTime min, max;
  gboolean live;
  guint64 us;

  gst_harness_set_src_caps_str (h, caps);
  gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (h, caps, 1, 0)));
  g_object_get (rc_of (h), "inference-time", &us, NULL);
  fail_unless (us > 0);
  q = gst_query_new_latency ();
  fail_unless (gst_pad_peer_query (h->sinkpad, q));
  gst_query_parse_latency (q, &live, &min, &max);
  fail_unless (min >= us * GST_USECOND, "min latency %" GST_TIME_FORMAT,
      GST_TIME_ARGS (min));
  gst_query_unref (q);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The meta API from an application's point of view. */
GST_START_TEST (test_meta_api)
{
  GstBuffer *b = gst_buffer_new (), *copy;
  GstClassificationMeta *m = gst_buffer_add_classification_meta (b, "net", -1);
  GstClassificationMeta *r = gst_buffer_add_classification_meta (b, "net", 7);
  gpointer state = NULL;
  gint id;
  gfloat c;
  guint n = 0;

  gst_classification_meta_add_result (m, 3, g_quark_from_string ("cat"), 0.2f);
  gst_classification_meta_add_result (m, 5, g_quark_from_string ("dog"), 0.7f);
  gst_classification_meta_add_result (m, 1, g_quark_from_string ("car"), 0.1f);
  fail_unless (gst_classification_meta_get_result (m, 0, &id, NULL, &c));
  fail_unless_equals_int (id, 5);
  fail_unless (gst_classification_meta_get_result (m, 2, &id, NULL, NULL));
  fail_unless_equals_int (id, 1);
  fail_unless (!gst_classification_meta_get_result (m, 3, &id, NULL, NULL));
  fail_unless_equals_string (gst_classification_meta_get_model (m), "net");
  fail_unless (gst_buffer_get_classification_meta (b) == m);
  fail_unless (gst_buffer_get_classification_meta_for_roi (b, 7) == r);
  copy = gst_buffer_copy (b);
  while (gst_buffer_iterate_classification_meta (copy, &state))
    n++;
  fail_unless_equals_int (n, 2);
  fail_unless_equals_int (gst_classification_meta_get_n_results
      (gst_buffer_get_classification_meta (copy)), 3);
  gst_buffer_unref (copy);
  gst_buffer_unref (b);
}

GST_END_TEST;

/* The meta follows GstVideo's transform rules: copied on a copy and by
 * gst_classification_meta_copy_to(), kept unchanged on a scale, dropped
 * by a transform it does not know. */
GST_START_TEST (test_meta_transforms)
{
  GstBuffer *b = gst_buffer_new (), *to = gst_buffer_new ();
  GstClassificationMeta *m = gst_buffer_add_classification_meta (b, "net", 4);
  GstClassificationMeta *c;
  GstVideoInfo in_info, out_info;
  GstVideoMetaTransform scale = { &in_info, &out_info };
  gint id;

  gst_classification_meta_add_result (m, 3, g_quark_from_string ("cat"), 0.6f);
  m->fresh = FALSE;
  m->smoothed_over = 4;
  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGB, 64, 48);
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGB, 32, 24);

  c = gst_classification_meta_copy_to (m, to);
  fail_unless (c != NULL && c == gst_buffer_get_classification_meta_for_roi
      (to, 4));
  fail_unless (!gst_classification_meta_is_fresh (c));
  fail_unless_equals_int (gst_classification_meta_get_smoothed_over (c), 4);
  fail_unless (gst_classification_meta_get_result (c, 0, &id, NULL, NULL));
  fail_unless_equals_int (id, 3);
  gst_buffer_unref (to);

  to = gst_buffer_new ();
  fail_unless (m->meta.info->transform_func (to, (GstMeta *) m, b,
          gst_video_meta_transform_scale_get_quark (), &scale));
  c = gst_buffer_get_classification_meta_for_roi (to, 4);
  fail_unless (c != NULL);
  fail_unless_equals_int (gst_classification_meta_get_n_results (c), 1);
  gst_buffer_unref (to);

  to = gst_buffer_new ();
  fail_if (m->meta.info->transform_func (to, (GstMeta *) m, b,
          g_quark_from_static_string ("something-else"), NULL));
  fail_unless (gst_buffer_get_classification_meta_for_roi (to, 4) == NULL);
  gst_buffer_unref (to);
  gst_buffer_unref (b);
}

GST_END_TEST;

static Suite *
resnetclassify_suite (void)
{
  Suite *s = suite_create ("resnetclassify");
  TCase *tc = tcase_create ("general");

  model_path = g_getenv ("OCLRESNET_TEST_MODEL");
  labels_path = g_getenv ("OCLRESNET_TEST_LABELS");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_meta_api);
  tcase_add_test (tc, test_meta_transforms);
  tcase_add_test (tc, test_property_ranges);
  tcase_add_test (tc, test_caps_every_format);
  tcase_add_test (tc, test_meta_matches_reference);
  tcase_add_test (tc, test_no_copy_of_shared_buffer);
  tcase_add_test (tc, test_meta_survives_pipeline);
  tcase_add_test (tc, test_interval_and_fresh);
  tcase_add_test (tc, test_roi_list);
  tcase_add_test (tc, test_bus_messages);
  tcase_add_test (tc, test_state_cycling);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_qos_skips_inference);
  tcase_add_test (tc, test_ready_only_refused_while_playing);
  tcase_add_test (tc, test_mean_std_count);
  tcase_add_test (tc, test_malformed_models);
  tcase_add_test (tc, test_bad_heads);
  tcase_add_test (tc, test_roi_extreme_coordinates);
  tcase_add_test (tc, test_latency);
  return s;
}

GST_CHECK_MAIN (resnetclassify);
