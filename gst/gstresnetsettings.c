/* GstResnetSettings: resnetclassify's properties. */
#include <string.h>
#include "gstresnetsettings.h"

#define DEFAULT_TOP_K 5
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_BATCH_SIZE 1
#define DEFAULT_BATCH_TIMEOUT 10
#define DEFAULT_SMOOTHING_WINDOW 1
#define DEFAULT_RECLASSIFY_INTERVAL 1
/* A frame's regions are run in chunks of the net's batch on the streaming
 * thread: 256 CIFAR-sized regions take about 0.2 s here, ResNet-18-sized
 * ones a few seconds; a frame of 10,000 held a live pipeline 31-38 s. */
#define DEFAULT_MAX_REGIONS 256
static const double imagenet_mean[3] = { 0.485, 0.456, 0.406 };
static const double imagenet_std[3] = { 0.229, 0.224, 0.225 };

GType
gst_resnet_resize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RESNET_RESIZE_STRETCH, "Scale the frame to the model's input size",
        "stretch"},
    {GST_RESNET_RESIZE_CENTER_CROP,
          "Crop the centre to the model's aspect ratio, " "then scale",
        "center-crop"},
    {GST_RESNET_RESIZE_LETTERBOX,
        "Scale to fit keeping the aspect ratio; borders "
          "get the mean colour", "letterbox"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetResizeMode",
            values));
  return type;
}

GType
gst_resnet_channel_order_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RESNET_ORDER_RGB, "Tensor channels R, G, B", "rgb"},
    {GST_RESNET_ORDER_BGR, "Tensor channels B, G, R", "bgr"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetChannelOrder",
            values));
  return type;
}

GType
gst_resnet_inference_region_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RESNET_REGION_FULL_FRAME, "Classify the whole frame", "full-frame"},
    {GST_RESNET_REGION_ROI_LIST, "Classify every region of interest meta (see "
          "roi-type)", "roi-list"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetRegion",
            values));
  return type;
}

GType
gst_resnet_messages_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RESNET_MESSAGES_NONE, "No bus messages", "none"},
    {GST_RESNET_MESSAGES_ON_CHANGE, "When the top class changes", "on-change"},
    {GST_RESNET_MESSAGES_EVERY, "For every frame", "every"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetMessages",
            values));
  return type;
}

GType
gst_resnet_roi_source_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_RESNET_ROI_SOURCE_AUTO,
        "Region metas and GstAnalytics object detections "
          "(ODMtd); a box present as both is one region", "auto"},
    {GST_RESNET_ROI_SOURCE_REGION_META, "GstVideoRegionOfInterestMeta only",
        "region-meta"},
    {GST_RESNET_ROI_SOURCE_ANALYTICS,
          "GstAnalytics object detections (ODMtd) only " "(GStreamer >= 1.24)",
        "analytics"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetRoiSource",
            values));
  return type;
}

/* Stores a mean or std array; its length is checked in start(), where a
 * wrong one is an element error naming the property. */
static void
set_triple (const GValue * value, gdouble out[3], gboolean * set, guint * count)
{
  *count = gst_value_array_get_size (value);
  for (guint i = 0; i < 3 && i < *count; i++) {
    const GValue *v = gst_value_array_get_value (value, i);
    out[i] = G_VALUE_HOLDS_DOUBLE (v) ? g_value_get_double (v) :
        G_VALUE_HOLDS_FLOAT (v) ? g_value_get_float (v) :
        G_VALUE_HOLDS_INT (v) ? g_value_get_int (v) : out[i];
  }
  *set = TRUE;
}

static void
get_triple (GValue * value, const gdouble in[3])
{
  for (guint i = 0; i < 3; i++) {
    GValue v = G_VALUE_INIT;
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, in[i]);
    gst_value_array_append_value (value, &v);
    g_value_unset (&v);
  }
}


void
gst_resnet_settings_init (GstResnetSettings * s)
{
  memset (s, 0, sizeof (*s));
  s->top_k = DEFAULT_TOP_K;
  s->threshold = DEFAULT_THRESHOLD;
  s->interval = DEFAULT_INTERVAL;
  s->resize_mode = GST_RESNET_RESIZE_STRETCH;
  memcpy (s->mean, imagenet_mean, sizeof (s->mean));
  memcpy (s->std, imagenet_std, sizeof (s->std));
  s->order = GST_RESNET_ORDER_RGB;
  s->region = GST_RESNET_REGION_FULL_FRAME;
  s->messages = GST_RESNET_MESSAGES_NONE;
  s->batch_size = DEFAULT_BATCH_SIZE;
  s->batch_timeout = DEFAULT_BATCH_TIMEOUT;
  s->smoothing_window = DEFAULT_SMOOTHING_WINDOW;
  s->reclassify_interval = DEFAULT_RECLASSIFY_INTERVAL;
  s->max_regions = DEFAULT_MAX_REGIONS;
  s->roi_min_size = g_strdup ("0x0");
}

void
gst_resnet_settings_clear (GstResnetSettings * s)
{
  g_free (s->model_path);
  g_free (s->labels_path);
  g_free (s->device);
  g_free (s->roi_type);
  g_free (s->instance_id);
  g_free (s->roi_min_size);
  g_free (s->class_thresholds);
  g_free (s->heads);
}

gboolean
gst_resnet_settings_set (GstResnetSettings * s, guint prop_id,
    const GValue * value)
{
  switch (prop_id) {
    case GST_RESNET_PROP_MODEL:
      g_free (s->model_path);
      s->model_path = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_LABELS:
      g_free (s->labels_path);
      s->labels_path = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_DEVICE:
      g_free (s->device);
      s->device = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_TOP_K:
      s->top_k = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_THRESHOLD:
      s->threshold = g_value_get_double (value);
      s->threshold_set = TRUE;
      break;
    case GST_RESNET_PROP_INFERENCE_INTERVAL:
      s->interval = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_RESIZE_MODE:
      s->resize_mode = g_value_get_enum (value);
      s->resize_mode_set = TRUE;
      break;
    case GST_RESNET_PROP_MEAN:
      set_triple (value, s->mean, &s->mean_set, &s->mean_count);
      break;
    case GST_RESNET_PROP_STD:
      set_triple (value, s->std, &s->std_set, &s->std_count);
      break;
    case GST_RESNET_PROP_CHANNEL_ORDER:
      s->order = g_value_get_enum (value);
      s->order_set = TRUE;
      break;
    case GST_RESNET_PROP_INFERENCE_REGION:
      s->region = g_value_get_enum (value);
      break;
    case GST_RESNET_PROP_ROI_TYPE:
      g_free (s->roi_type);
      s->roi_type = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_ROI_SOURCE:
      s->roi_source = g_value_get_enum (value);
      break;
    case GST_RESNET_PROP_POST_MESSAGES:
      s->messages = g_value_get_enum (value);
      break;
    case GST_RESNET_PROP_MODEL_INSTANCE_ID:
      g_free (s->instance_id);
      s->instance_id = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_BATCH_SIZE:
      s->batch_size = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_BATCH_TIMEOUT:
      s->batch_timeout = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_SMOOTHING_WINDOW:
      s->smoothing_window = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_RECLASSIFY_INTERVAL:
      s->reclassify_interval = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_ROI_MIN_SIZE:
      g_free (s->roi_min_size);
      s->roi_min_size = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_MAX_REGIONS:
      s->max_regions = g_value_get_uint (value);
      break;
    case GST_RESNET_PROP_CLASS_THRESHOLDS:
      g_free (s->class_thresholds);
      s->class_thresholds = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_HEADS:
      g_free (s->heads);
      s->heads = g_value_dup_string (value);
      break;
    case GST_RESNET_PROP_NORMALIZE_EMBEDDINGS:
      s->normalize_embeddings = g_value_get_boolean (value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_resnet_settings_get (const GstResnetSettings * s, guint prop_id,
    GValue * value)
{
  switch (prop_id) {
    case GST_RESNET_PROP_MODEL:
      g_value_set_string (value, s->model_path);
      break;
    case GST_RESNET_PROP_LABELS:
      g_value_set_string (value, s->labels_path);
      break;
    case GST_RESNET_PROP_DEVICE:
      g_value_set_string (value, s->device);
      break;
    case GST_RESNET_PROP_TOP_K:
      g_value_set_uint (value, s->top_k);
      break;
    case GST_RESNET_PROP_THRESHOLD:
      g_value_set_double (value, s->threshold);
      break;
    case GST_RESNET_PROP_INFERENCE_INTERVAL:
      g_value_set_uint (value, s->interval);
      break;
    case GST_RESNET_PROP_RESIZE_MODE:
      g_value_set_enum (value, s->resize_mode);
      break;
    case GST_RESNET_PROP_MEAN:
      get_triple (value, s->mean);
      break;
    case GST_RESNET_PROP_STD:
      get_triple (value, s->std);
      break;
    case GST_RESNET_PROP_CHANNEL_ORDER:
      g_value_set_enum (value, s->order);
      break;
    case GST_RESNET_PROP_INFERENCE_REGION:
      g_value_set_enum (value, s->region);
      break;
    case GST_RESNET_PROP_ROI_TYPE:
      g_value_set_string (value, s->roi_type);
      break;
    case GST_RESNET_PROP_ROI_SOURCE:
      g_value_set_enum (value, s->roi_source);
      break;
    case GST_RESNET_PROP_POST_MESSAGES:
      g_value_set_enum (value, s->messages);
      break;
    case GST_RESNET_PROP_MODEL_INSTANCE_ID:
      g_value_set_string (value, s->instance_id);
      break;
    case GST_RESNET_PROP_BATCH_SIZE:
      g_value_set_uint (value, s->batch_size);
      break;
    case GST_RESNET_PROP_BATCH_TIMEOUT:
      g_value_set_uint (value, s->batch_timeout);
      break;
    case GST_RESNET_PROP_SMOOTHING_WINDOW:
      g_value_set_uint (value, s->smoothing_window);
      break;
    case GST_RESNET_PROP_RECLASSIFY_INTERVAL:
      g_value_set_uint (value, s->reclassify_interval);
      break;
    case GST_RESNET_PROP_ROI_MIN_SIZE:
      g_value_set_string (value, s->roi_min_size);
      break;
    case GST_RESNET_PROP_MAX_REGIONS:
      g_value_set_uint (value, s->max_regions);
      break;
    case GST_RESNET_PROP_CLASS_THRESHOLDS:
      g_value_set_string (value, s->class_thresholds);
      break;
    case GST_RESNET_PROP_HEADS:
      g_value_set_string (value, s->heads);
      break;
    case GST_RESNET_PROP_NORMALIZE_EMBEDDINGS:
      g_value_set_boolean (value, s->normalize_embeddings);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

void
gst_resnet_settings_install (GObjectClass * klass)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;

  g_object_class_install_property (klass, GST_RESNET_PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "ONNX model file (a ResNet exported by torch.onnx.export); its "
          "metadata_props may carry labels, mean, std, channel_order, "
          "resize_mode and input_size defaults (default: the CIFAR-10 "
          "ResNet-20 installed with the plugin).  Set while PLAYING, the new "
          "model is loaded in the background and swapped in between two "
          "frames, for every sharer of the model-instance-id; a "
          "'resnetclassify-model' message tells how it went, and a model "
          "that fails leaves the current one running", NULL, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Text file with one label per line, as many as the model has "
          "classes (default: the model's 'labels' metadata, else class "
          "numbers).  While PLAYING it takes effect with the next model "
          "swap: set labels first, then model", NULL, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_MODEL_INSTANCE_ID,
      g_param_spec_string ("model-instance-id", "Model instance id",
          "Elements of one process with the same id share one loaded model "
          "and compiled net, and their frames are batched together; their "
          "model, labels, device, batch-size and batch-timeout must agree "
          "(NULL: a net of this element's own)", NULL, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
          "Largest number of frames (or regions) in one run; frames of all "
          "sharers of a model-instance-id are gathered into it", 1, 64,
          DEFAULT_BATCH_SIZE, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_BATCH_TIMEOUT,
      g_param_spec_uint ("batch-timeout", "Batch timeout",
          "Longest wait for a batch to fill, in milliseconds, after which "
          "the frames waiting run as they are (added to the reported "
          "latency when batch-size > 1)", 0, 10000, DEFAULT_BATCH_TIMEOUT,
          rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_DEVICE,
      g_param_spec_string ("device", "OpenCL device",
          "auto (first GPU, else accelerator, else CPU), gpu, cpu, "
          "accelerator, P:D (platform:device index) or part of the device "
          "name; default: $OCLRESNET_DEVICE, else auto", NULL, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "Number of most likely classes reported per frame", 1, 1000,
          DEFAULT_TOP_K, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Classes with a lower confidence are not reported (a frame with "
          "none left reports no class, class-id -1); multilabel heads take "
          "0.5 while this is left unset", 0.0, 1.0,
          DEFAULT_THRESHOLD, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_INFERENCE_INTERVAL,
      g_param_spec_uint ("inference-interval", "Inference interval",
          "Classify every Nth frame; frames in between carry the last "
          "result, marked as not fresh", 1, G_MAXINT, DEFAULT_INTERVAL,
          rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_RESIZE_MODE,
      g_param_spec_enum ("resize-mode", "Resize mode",
          "How a frame (or region) is fitted to the model's input size "
          "(default: the model's metadata, else stretch)",
          GST_TYPE_RESNET_RESIZE_MODE, GST_RESNET_RESIZE_STRETCH, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_MEAN,
      gst_param_spec_array ("mean", "Mean",
          "Per-channel mean subtracted from pixel values scaled to [0, 1], "
          "in the tensor's channel order, e.g. \"<0.485, 0.456, 0.406>\" "
          "(default: the model's metadata, else ImageNet's)",
          g_param_spec_double ("value", "Value", "One channel's mean",
              -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, rw), rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_STD,
      gst_param_spec_array ("std", "Standard deviation",
          "Per-channel divisor applied after the mean: y = (x - mean) / std, "
          "e.g. \"<0.229, 0.224, 0.225>\" (default: the model's metadata, "
          "else ImageNet's)",
          g_param_spec_double ("value", "Value", "One channel's std",
              -G_MAXDOUBLE, G_MAXDOUBLE, 1.0, rw), rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_CHANNEL_ORDER,
      g_param_spec_enum ("channel-order", "Channel order",
          "Colour order of the model's input tensor (default: the model's "
          "metadata, else rgb)", GST_TYPE_RESNET_CHANNEL_ORDER,
          GST_RESNET_ORDER_RGB, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_INFERENCE_REGION,
      g_param_spec_enum ("inference-region", "Inference region",
          "Classify the whole frame, or each GstVideoRegionOfInterestMeta "
          "(batched; each gets a 'classification' parameter and a "
          "GstClassificationMeta with its roi-id)", GST_TYPE_RESNET_REGION,
          GST_RESNET_REGION_FULL_FRAME, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_ROI_TYPE,
      g_param_spec_string ("roi-type", "ROI type",
          "With inference-region=roi-list, classify only regions of this "
          "type (NULL: all): a region meta's roi_type, or an object "
          "detection's (ODMtd) type", NULL, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_ROI_SOURCE,
      g_param_spec_enum ("roi-source", "ROI source",
          "With inference-region=roi-list, where regions come from.  An "
          "object detection (GstAnalytics ODMtd, GStreamer >= 1.24) gets a "
          "region meta of its own, whose id is the tracking id of a related "
          "TrackingMtd (what reclassify-interval, smoothing-window and "
          "post-messages=on-change follow); every answer is also written "
          "as a ClsMtd related to its region's ODMtd.  'analytics' needs a "
          "build with GStreamer >= 1.24", GST_TYPE_RESNET_ROI_SOURCE,
          GST_RESNET_ROI_SOURCE_AUTO, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_POST_MESSAGES,
      g_param_spec_enum ("post-messages", "Post messages",
          "Post an element message named 'resnetclassify' on the bus "
          "(running-time, stream-time, frame, label, class-id, confidence, "
          "labels, confidences, fresh, inference-time, roi-id, roi-index (-1: "
          "the whole frame), model, batch, "
          "wait-time, smoothed-over, raw-class-id, raw-confidence)",
          GST_TYPE_RESNET_MESSAGES, GST_RESNET_MESSAGES_NONE, rw_playing));

  g_object_class_install_property (klass, GST_RESNET_PROP_SMOOTHING_WINDOW,
      g_param_spec_uint ("smoothing-window", "Smoothing window",
          "Report the mean of the class probabilities of the last N "
          "inferences of the frame (or of each region, by its id) instead "
          "of this inference's alone; top-k and thresholds apply after "
          "averaging.  Reset by a flush, a seek or new caps (1: off)", 1, 1000,
          DEFAULT_SMOOTHING_WINDOW, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint ("reclassify-interval", "Reclassify interval",
          "With inference-region=roi-list, a region whose id was classified "
          "less than N frames ago gets that result again (not fresh) instead "
          "of a new inference; new ids are classified at once.  Ids must be "
          "stable (a tracker's) and not negative; regions whose id is "
          "negative or repeated in the frame are always classified", 1,
          G_MAXINT, DEFAULT_RECLASSIFY_INTERVAL, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_ROI_MIN_SIZE,
      g_param_spec_string ("roi-min-size", "ROI minimum size",
          "WIDTHxHEIGHT: regions smaller than this (once clipped to the "
          "frame) are skipped and get no result", "0x0", rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_MAX_REGIONS,
      g_param_spec_uint ("max-regions", "Max regions",
          "With inference-region=roi-list, the most regions classified on "
          "one frame: the first ones in the buffer's order that pass "
          "roi-type and roi-min-size; the others get no result, are counted "
          "in 'regions-skipped', and the first frame with too many posts a "
          "warning.  Bounds the time a frame holds the streaming thread", 1,
          G_MAXINT, DEFAULT_MAX_REGIONS, rw_playing));
  g_object_class_install_property (klass, GST_RESNET_PROP_CLASS_THRESHOLDS,
      g_param_spec_string ("class-thresholds", "Per-class thresholds",
          "Thresholds for some classes, as \"label:threshold,...\" (e.g. "
          "\"cat:0.8,dog:0.6\") or a file of such entries (one per line); "
          "'threshold' applies to the others; a label the model does not "
          "have is an error", NULL, rw_ready));
  g_object_class_install_property (klass, GST_RESNET_PROP_HEADS,
      g_param_spec_string ("heads", "Heads",
          "What each model output answers, as \"OUTPUT:KIND,...\" with KIND "
          "softmax (one class of several: top-k above threshold), "
          "multilabel (independent attributes: every class at or above its "
          "threshold, 0.5 unless 'threshold' is set) or embedding (the "
          "vector itself); overrides the model's \"heads\" metadata.  "
          "Outputs named nowhere are multilabel when the graph ends in "
          "Sigmoid, else softmax.  An unknown output or kind is an error",
          NULL, rw_ready));
  g_object_class_install_property (klass,
      GST_RESNET_PROP_NORMALIZE_EMBEDDINGS,
      g_param_spec_boolean ("normalize-embeddings", "Normalize embeddings",
          "Report embedding heads scaled to unit length (L2), as "
          "similarity search compares them; by default the values are the "
          "model's own", FALSE, rw_ready));

}

gboolean
gst_resnet_settings_preprocess (GstResnetSettings * s, const GstResnetModel * m,
    OclPreprocess * out)
{
  gdouble mean[3], std[3];
  gboolean bgr;
  OclPreprocess pp;

  memcpy (mean, m->has_mean ? m->mean : imagenet_mean, sizeof (mean));
  memcpy (std, m->has_std ? m->std : imagenet_std, sizeof (std));
  bgr = m->channel_order && g_ascii_strcasecmp (m->channel_order, "bgr") == 0;
  if (s->mean_set)
    memcpy (mean, s->mean, sizeof (mean));
  else
    memcpy (s->mean, mean, sizeof (mean));
  if (s->std_set)
    memcpy (std, s->std, sizeof (std));
  else
    memcpy (s->std, std, sizeof (std));
  if (s->order_set)
    bgr = s->order == GST_RESNET_ORDER_BGR;
  else
    s->order = bgr ? GST_RESNET_ORDER_BGR : GST_RESNET_ORDER_RGB;
  if (!s->resize_mode_set && m->resize_mode) {
    GEnumValue *ev = g_enum_get_value_by_nick (g_type_class_peek
        (GST_TYPE_RESNET_RESIZE_MODE), m->resize_mode);
    if (ev)
      s->resize_mode = ev->value;
  }
  pp.resize = (OclResizeMode) s->resize_mode;
  /* All or nothing: a refused model leaves the running one's settings. */
  for (int c = 0; c < 3; c++) {
    if (std[c] == 0.0)
      return FALSE;
    pp.mean[c] = mean[c];
    pp.std[c] = std[c];
  }
  pp.bgr = bgr;
  *out = pp;
  return TRUE;
}

/* "WxH" into @w and @h; NULL or "" is 0x0. */
gboolean
gst_resnet_settings_parse_size (const gchar * v, guint * w, guint * h)
{
  guint64 a, b;
  g_auto (GStrv) p = NULL;

  *w = *h = 0;
  if (v == NULL || *v == '\0')
    return TRUE;
  p = g_strsplit (v, "x", 2);
  if (g_strv_length (p) != 2
      || !g_ascii_string_to_unsigned (p[0], 10, 0, G_MAXINT, &a, NULL)
      || !g_ascii_string_to_unsigned (p[1], 10, 0, G_MAXINT, &b, NULL))
    return FALSE;
  *w = a;
  *h = b;
  return TRUE;
}
