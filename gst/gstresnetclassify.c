/* resnetclassify
 *
 * A read-only analyser: derives from GstBaseTransform (in place, never
 * passthrough so that metadata can be added), maps frames READ so that a
 * buffer shared after a tee is not copied, and hands the mapped planes to
 * ocl/, which converts, resizes and normalises them on the device and runs
 * the network.  Model, device and kernels are set up in start(), so the
 * first buffer pays nothing.
 *
 * Example:
 *   gst-launch-1.0 videotestsrc ! resnetclassify model=resnet20.onnx \
 *       post-messages=every ! fakesink -m
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>
#include <gst/video/video.h>
#include "gstresnetclassify.h"
#include "gstoclresnetutil.h"
#include "gstresnetinstance.h"
#include "gstresnethistory.h"
#include "gstresnetchanges.h"
#include "gstresnetanswer.h"
#include "gstresnetregions.h"
#include "gstoclimage.h"
#include "oclresnet.h"

GST_DEBUG_CATEGORY_STATIC (gst_resnet_classify_debug);
#define GST_CAT_DEFAULT gst_resnet_classify_debug

/* Regions classified in one batched run (more are run in chunks). */
#define ROI_BATCH 8

/* on-change follows each region id's top class; ids unseen for this many
 * frames are forgotten, and at most this many are kept. */
#define CHANGES_FORGET_AFTER 1024
#define CHANGES_MAX_IDS 4096

typedef enum
{
  RESIZE_STRETCH = OCL_RESIZE_STRETCH,
  RESIZE_CENTER_CROP = OCL_RESIZE_CENTER_CROP,
  RESIZE_LETTERBOX = OCL_RESIZE_LETTERBOX,
} GstResnetResizeMode;

typedef enum
{
  ORDER_RGB,
  ORDER_BGR,
} GstResnetChannelOrder;

typedef enum
{
  REGION_FULL_FRAME,
  REGION_ROI_LIST,
} GstResnetInferenceRegion;

typedef enum
{
  MESSAGES_NONE,
  MESSAGES_ON_CHANGE,
  MESSAGES_EVERY,
} GstResnetMessages;

#define GST_TYPE_RESNET_RESIZE_MODE (resize_mode_get_type ())
static GType
resize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {RESIZE_STRETCH, "Scale the frame to the model's input size", "stretch"},
    {RESIZE_CENTER_CROP, "Crop the centre to the model's aspect ratio, "
          "then scale", "center-crop"},
    {RESIZE_LETTERBOX, "Scale to fit keeping the aspect ratio; borders "
          "get the mean colour", "letterbox"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetResizeMode",
            values));
  return type;
}

#define GST_TYPE_RESNET_CHANNEL_ORDER (channel_order_get_type ())
static GType
channel_order_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {ORDER_RGB, "Tensor channels R, G, B", "rgb"},
    {ORDER_BGR, "Tensor channels B, G, R", "bgr"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetChannelOrder",
            values));
  return type;
}

#define GST_TYPE_RESNET_REGION (region_get_type ())
static GType
region_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {REGION_FULL_FRAME, "Classify the whole frame", "full-frame"},
    {REGION_ROI_LIST, "Classify every region of interest meta (see "
          "roi-type)", "roi-list"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetRegion",
            values));
  return type;
}

#define GST_TYPE_RESNET_MESSAGES (messages_get_type ())
static GType
messages_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {MESSAGES_NONE, "No bus messages", "none"},
    {MESSAGES_ON_CHANGE, "When the top class changes", "on-change"},
    {MESSAGES_EVERY, "For every frame", "every"},
    {0, NULL, NULL}
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstResnetMessages",
            values));
  return type;
}

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_DEVICE,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_INFERENCE_INTERVAL,
  PROP_RESIZE_MODE,
  PROP_MEAN,
  PROP_STD,
  PROP_CHANNEL_ORDER,
  PROP_INFERENCE_REGION,
  PROP_ROI_TYPE,
  PROP_POST_MESSAGES,
  PROP_INFERENCE_TIME,
  PROP_MODEL_INSTANCE_ID,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
  PROP_SMOOTHING_WINDOW,
  PROP_RECLASSIFY_INTERVAL,
  PROP_ROI_MIN_SIZE,
  PROP_CLASS_THRESHOLDS,
  PROP_INFERENCES,
};

#define DEFAULT_TOP_K 5
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_BATCH_SIZE 1
#define DEFAULT_BATCH_TIMEOUT 10
#define DEFAULT_SMOOTHING_WINDOW 1
#define DEFAULT_RECLASSIFY_INTERVAL 1
static const double imagenet_mean[3] = { 0.485, 0.456, 0.406 };
static const double imagenet_std[3] = { 0.229, 0.224, 0.225 };

struct _GstResnetClassify
{
  GstBaseTransform parent;

  /* properties, under the object lock */
  gchar *model_path;
  gchar *labels_path;
  gchar *device;
  guint top_k;
  gdouble threshold;
  guint interval;
  GstResnetResizeMode resize_mode;
  gboolean resize_mode_set;
  gdouble mean[3], std[3];
  gboolean mean_set, std_set;
  guint mean_count, std_count;  /* values given; 3 is right */
  GstResnetChannelOrder order;
  gboolean order_set;
  GstResnetInferenceRegion region;
  gchar *roi_type;
  GstResnetMessages messages;
  guint64 inference_time;       /* µs, last */

  gchar *instance_id;
  guint batch_size, batch_timeout;
  gchar *model_in_use;          /* the path the instance runs, for a failed swap */
  guint smoothing_window, reclassify_interval;
  gchar *roi_min_size;          /* "WxH" */
  gchar *class_thresholds;      /* "label:t,..." or a file of them */

  /* from start() to stop() */
  GstResnetInstance *instance;  /* private (id NULL) or shared */
  GstResnetModel *model;        /* the model the last frame was set up for */
  OclPreprocess pp;             /* for that model */
  gboolean flushing;            /* atomic: between FLUSH_START and _STOP */
  GstResnetHistory *history;    /* per region (and frame) probabilities */
  GstResnetChanges *changes;    /* per region (and frame) top class */
  gfloat *thresholds;           /* per class of self->model, NULL: threshold */
  guint min_w, min_h;           /* roi-min-size */

  /* from set_caps() */
  GstVideoInfo info;
  OclPixelFormat pixel_format;

  /* streaming */
  guint64 frame;
  GstClockTime earliest_time;   /* QoS, under the object lock */
  gdouble proportion;           /* QoS, under the object lock */
  guint64 inferences;           /* frames or regions run: the property, QoS stats */
  guint64 qos_skipped;
  guint64 latency_reported;     /* µs, inference time in the last latency answer */
};

#define VIDEO_FORMATS GST_OCL_IMAGE_FORMATS

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

#define gst_resnet_classify_parent_class parent_class
G_DEFINE_TYPE (GstResnetClassify, gst_resnet_classify, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (resnetclassify, "resnetclassify",
    GST_RANK_NONE, GST_TYPE_RESNET_CLASSIFY,
    GST_DEBUG_CATEGORY_INIT (gst_resnet_classify_debug, "resnetclassify", 0,
        "ResNet classification on OpenCL"));

/* ---- properties ---------------------------------------------------------- */

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

/* A model swap has ended (on the loader's thread): a message either way,
 * and a warning when the old model stays. */
static void
swap_done (gpointer user_data, const gchar * model, const GError * error)
{
  GstResnetClassify *self = user_data;
  GstStructure *s = gst_structure_new ("resnetclassify-model",
      "model", G_TYPE_STRING, model,
      "status", G_TYPE_STRING, error ? "failed" : "loaded",
      "error", G_TYPE_STRING, error ? error->message : "", NULL);

  if (error) {
    GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
        ("Could not swap in model '%s'; the current model goes on: %s", model,
            error->message), (NULL));
    GST_OBJECT_LOCK (self);
    if (g_strcmp0 (self->model_path, model) == 0) {
      g_free (self->model_path);
      self->model_path = g_strdup (self->model_in_use);
    }
    GST_OBJECT_UNLOCK (self);
  } else {
    GST_OBJECT_LOCK (self);
    g_free (self->model_in_use);
    self->model_in_use = g_strdup (model);
    GST_OBJECT_UNLOCK (self);
  }
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
gst_resnet_classify_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (object);

  /* start() has read it already: taking it now would change nothing, or
   * (inference-region) break the next frame. */
  if (gst_oclresnet_refuse_above_ready (GST_ELEMENT (self), pspec))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_path);
      self->model_path = g_value_dup_string (value);
      if (self->instance && self->model_path && *self->model_path) {
        /* PAUSED or PLAYING: load it beside the running model, swap it in
         * between two frames (for every sharer of the instance). */
        GST_INFO_OBJECT (self, "loading %s to swap it in", self->model_path);
        gst_resnet_instance_swap (self->instance, self->model_path,
            self->labels_path, swap_done, gst_object_ref (self),
            gst_object_unref);
      }
      break;
    case PROP_LABELS:
      g_free (self->labels_path);
      self->labels_path = g_value_dup_string (value);
      break;
    case PROP_DEVICE:
      g_free (self->device);
      self->device = g_value_dup_string (value);
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_THRESHOLD:
      self->threshold = g_value_get_double (value);
      break;
    case PROP_INFERENCE_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_RESIZE_MODE:
      self->resize_mode = g_value_get_enum (value);
      self->resize_mode_set = TRUE;
      break;
    case PROP_MEAN:
      set_triple (value, self->mean, &self->mean_set, &self->mean_count);
      break;
    case PROP_STD:
      set_triple (value, self->std, &self->std_set, &self->std_count);
      break;
    case PROP_CHANNEL_ORDER:
      self->order = g_value_get_enum (value);
      self->order_set = TRUE;
      break;
    case PROP_INFERENCE_REGION:
      self->region = g_value_get_enum (value);
      break;
    case PROP_ROI_TYPE:
      g_free (self->roi_type);
      self->roi_type = g_value_dup_string (value);
      break;
    case PROP_POST_MESSAGES:
      self->messages = g_value_get_enum (value);
      break;
    case PROP_MODEL_INSTANCE_ID:
      g_free (self->instance_id);
      self->instance_id = g_value_dup_string (value);
      break;
    case PROP_BATCH_SIZE:
      self->batch_size = g_value_get_uint (value);
      break;
    case PROP_BATCH_TIMEOUT:
      self->batch_timeout = g_value_get_uint (value);
      break;
    case PROP_SMOOTHING_WINDOW:
      self->smoothing_window = g_value_get_uint (value);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      self->reclassify_interval = g_value_get_uint (value);
      break;
    case PROP_ROI_MIN_SIZE:
      g_free (self->roi_min_size);
      self->roi_min_size = g_value_dup_string (value);
      break;
    case PROP_CLASS_THRESHOLDS:
      g_free (self->class_thresholds);
      self->class_thresholds = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_resnet_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_path);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels_path);
      break;
    case PROP_DEVICE:
      g_value_set_string (value, self->device);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    case PROP_INFERENCE_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_RESIZE_MODE:
      g_value_set_enum (value, self->resize_mode);
      break;
    case PROP_MEAN:
      get_triple (value, self->mean);
      break;
    case PROP_STD:
      get_triple (value, self->std);
      break;
    case PROP_CHANNEL_ORDER:
      g_value_set_enum (value, self->order);
      break;
    case PROP_INFERENCE_REGION:
      g_value_set_enum (value, self->region);
      break;
    case PROP_ROI_TYPE:
      g_value_set_string (value, self->roi_type);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_enum (value, self->messages);
      break;
    case PROP_INFERENCE_TIME:
      g_value_set_uint64 (value, self->inference_time);
      break;
    case PROP_MODEL_INSTANCE_ID:
      g_value_set_string (value, self->instance_id);
      break;
    case PROP_BATCH_SIZE:
      g_value_set_uint (value, self->batch_size);
      break;
    case PROP_BATCH_TIMEOUT:
      g_value_set_uint (value, self->batch_timeout);
      break;
    case PROP_SMOOTHING_WINDOW:
      g_value_set_uint (value, self->smoothing_window);
      break;
    case PROP_RECLASSIFY_INTERVAL:
      g_value_set_uint (value, self->reclassify_interval);
      break;
    case PROP_ROI_MIN_SIZE:
      g_value_set_string (value, self->roi_min_size);
      break;
    case PROP_CLASS_THRESHOLDS:
      g_value_set_string (value, self->class_thresholds);
      break;
    case PROP_INFERENCES:
      g_value_set_uint64 (value, self->inferences);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- start / stop ---------------------------------------------------------- */

#define DEFAULT_MODEL_FILE "resnet20-cifar10.onnx"

/* Where the default model is looked for: the data folder it is installed
 * to, then models/ beside the folder the plugin was loaded from (the build
 * tree's layout: build/gst/ and build/models/).  No build-tree path is
 * compiled in.  Returns: (transfer full) the folders, NULL-terminated. */
static gchar **
default_model_dirs (GstResnetClassify * self)
{
  GstElementFactory *factory = gst_element_get_factory (GST_ELEMENT (self));
  GstPlugin *plugin = factory ?
      gst_plugin_feature_get_plugin (GST_PLUGIN_FEATURE (factory)) : NULL;
  const gchar *file = plugin ? gst_plugin_get_filename (plugin) : NULL;
  gchar **dirs = g_new0 (gchar *, 3);

  dirs[0] = g_strdup (OCLRESNET_MODEL_DIR);
  if (file) {
    g_autofree gchar *plugin_dir = g_path_get_dirname (file);
    dirs[1] = g_build_filename (plugin_dir, "..", "models", NULL);
  }
  if (plugin)
    gst_object_unref (plugin);
  return dirs;
}

/* The default model: the CIFAR-10 ResNet-20 installed with the plugin, or
 * the one in the build tree.  Returns: (transfer full) (nullable). */
static gchar *
default_model (gchar ** dirs)
{
  for (guint i = 0; dirs[i]; i++) {
    gchar *p = g_build_filename (dirs[i], DEFAULT_MODEL_FILE, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
      return p;
    g_free (p);
  }
  return NULL;
}

/* "WxH" into @w and @h; NULL or "" is 0x0. */
static gboolean
parse_size (const gchar * v, guint * w, guint * h)
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

/* The preprocessing for @m: what the user set, else the model's metadata,
 * else ImageNet's.  FALSE when a std is 0.  Takes the object lock. */
static gboolean
setup_preprocess (GstResnetClassify * self, GstResnetModel * m)
{
  gdouble mean[3], std[3];
  gboolean bgr;
  OclPreprocess pp;

  memcpy (mean, m->has_mean ? m->mean : imagenet_mean, sizeof (mean));
  memcpy (std, m->has_std ? m->std : imagenet_std, sizeof (std));
  bgr = m->channel_order && g_ascii_strcasecmp (m->channel_order, "bgr") == 0;
  GST_OBJECT_LOCK (self);
  if (self->mean_set)
    memcpy (mean, self->mean, sizeof (mean));
  else
    memcpy (self->mean, mean, sizeof (mean));
  if (self->std_set)
    memcpy (std, self->std, sizeof (std));
  else
    memcpy (self->std, std, sizeof (std));
  if (self->order_set)
    bgr = self->order == ORDER_BGR;
  else
    self->order = bgr ? ORDER_BGR : ORDER_RGB;
  if (!self->resize_mode_set && m->resize_mode) {
    GEnumValue *ev = g_enum_get_value_by_nick (g_type_class_peek
        (GST_TYPE_RESNET_RESIZE_MODE), m->resize_mode);
    if (ev)
      self->resize_mode = ev->value;
  }
  pp.resize = (OclResizeMode) self->resize_mode;
  GST_OBJECT_UNLOCK (self);
  /* All or nothing: a refused model leaves the running one's settings. */
  for (int c = 0; c < 3; c++) {
    if (std[c] == 0.0)
      return FALSE;
    pp.mean[c] = mean[c];
    pp.std[c] = std[c];
  }
  pp.bgr = bgr;
  self->pp = pp;
  return TRUE;
}

/* Per-class thresholds for the model in use; FALSE with @error when the
 * labels it names are not the model's. */
static gboolean
setup_thresholds (GstResnetClassify * self, GError ** error)
{
  g_autofree gchar *spec = NULL;
  gfloat *t;

  GST_OBJECT_LOCK (self);
  spec = g_strdup (self->class_thresholds);
  GST_OBJECT_UNLOCK (self);
  t = gst_resnet_model_parse_thresholds (self->model, spec, error);
  if (t == NULL && error && *error)
    return FALSE;
  g_free (self->thresholds);
  self->thresholds = t;
  return TRUE;
}

static void
release_resources (GstResnetClassify * self)
{
  GstResnetInstance *instance;

  GST_OBJECT_LOCK (self);
  instance = self->instance;
  self->instance = NULL;
  GST_OBJECT_UNLOCK (self);
  gst_resnet_instance_release (instance, self);
  gst_resnet_model_unref (self->model);
  self->model = NULL;
  g_clear_pointer (&self->history, gst_resnet_history_free);
  g_clear_pointer (&self->changes, gst_resnet_changes_free);
  g_clear_pointer (&self->thresholds, g_free);
}

static gboolean
gst_resnet_classify_start (GstBaseTransform * trans)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);
  g_autofree gchar *model_path = NULL, *labels_path = NULL, *device = NULL;
  g_autofree gchar *instance_id = NULL;
  g_auto (GStrv) model_dirs = NULL;
  GstResnetInstanceConfig config = { 0 };
  GstResnetInstance *instance;
  GstResnetModel *model = NULL;
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  const char *bad_count = NULL;
  guint n_values = 0;
  gboolean min_size_ok;

  GST_OBJECT_LOCK (self);
  model_path = g_strdup (self->model_path);
  labels_path = g_strdup (self->labels_path);
  device = g_strdup (self->device);
  instance_id = g_strdup (self->instance_id);
  config.batch_size = self->batch_size;
  config.batch_timeout_ms = self->batch_timeout;
  /* Regions are run in batches of ROI_BATCH even with batch-size 1. */
  config.min_batch = self->region == REGION_ROI_LIST ? ROI_BATCH : 1;
  if ((self->mean_set && self->mean_count != 3)
      || (self->std_set && self->std_count != 3)) {
    bad_count = self->mean_set && self->mean_count != 3 ? "mean" : "std";
    n_values = bad_count[0] == 'm' ? self->mean_count : self->std_count;
  }
  GST_OBJECT_UNLOCK (self);
  if (bad_count)
    goto bad_triple;

  if (model_path == NULL) {
    model_dirs = default_model_dirs (self);
    model_path = default_model (model_dirs);
    if (model_path)
      GST_INFO_OBJECT (self, "no model set, using the default %s", model_path);
  }
  if (model_path == NULL || *model_path == '\0')
    goto no_model;
  config.model = model_path;
  config.labels = labels_path;
  config.device = device;
  instance = gst_resnet_instance_acquire (instance_id, &config,
      GST_OBJECT_NAME (self), &error);
  if (instance == NULL)
    goto no_instance;
  GST_OBJECT_LOCK (self);
  self->instance = instance;
  g_free (self->model_in_use);
  self->model_in_use = g_strdup (model_path);
  GST_OBJECT_UNLOCK (self);
  model = gst_resnet_instance_get_model (self->instance);
  if (!setup_preprocess (self, model))
    goto bad_std;
  self->model = model;
  self->history = gst_resnet_history_new ();
  self->changes = gst_resnet_changes_new (CHANGES_FORGET_AFTER,
      CHANGES_MAX_IDS);
  if (!setup_thresholds (self, &error))
    goto bad_thresholds;
  GST_OBJECT_LOCK (self);
  min_size_ok = parse_size (self->roi_min_size, &self->min_w, &self->min_h);
  GST_OBJECT_UNLOCK (self);
  if (!min_size_ok)
    goto bad_min_size;

  self->frame = 0;
  GST_OBJECT_LOCK (self);
  self->inferences = 0;
  GST_OBJECT_UNLOCK (self);
  self->qos_skipped = 0;
  self->latency_reported = 0;
  g_atomic_int_set (&self->flushing, FALSE);
  GST_OBJECT_LOCK (self);
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->proportion = 1.0;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "model %s (%s): input %" G_GINT64_FORMAT "x%"
      G_GINT64_FORMAT ", %u classes, batch %d, instance %s, on %s; ready in "
      "%.1f ms", self->model->model_name, model_path, self->model->input_h,
      self->model->input_w, self->model->n_classes, self->model->batch,
      instance_id ? instance_id : "(private)",
      gst_resnet_instance_get_device_name (self->instance),
      (g_get_monotonic_time () - t0) / 1000.0);
  return TRUE;

  /* ERRORS */
no_model:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No model set: set the 'model' property to an ONNX file (the "
            "default " DEFAULT_MODEL_FILE " is not installed)."),
        ("looked in %s and %s", OCLRESNET_MODEL_DIR, model_dirs
            && model_dirs[1] ? model_dirs[1] : "(no plugin folder)"));
    return FALSE;
  }
no_instance:
  {
    if (g_error_matches (error, OCL_ERROR, OCL_ERROR_IO))
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("Could not read model '%s'.", model_path), ("%s", error->message));
    else if (g_error_matches (error, OCL_ERROR, OCL_ERROR_NO_DEVICE))
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("No usable OpenCL device: %s", error->message),
          ("device='%s'", device ? device : "(default)"));
    else if (g_error_matches (error, GST_RESNET_INSTANCE_ERROR,
            GST_RESNET_INSTANCE_CONFLICT))
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Conflicting shared instance: %s.", error->message), (NULL));
    else if (error->domain == G_FILE_ERROR
        || g_error_matches (error, GST_RESNET_MODEL_ERROR,
            GST_RESNET_MODEL_LABELS))
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Bad labels: %s", error->message), ("labels='%s'",
              labels_path ? labels_path : "(from the model)"));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not use model '%s': %s", model_path, error->message),
          ("%s", error->message));
    g_error_free (error);
    return FALSE;
  }
bad_triple:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The '%s' property takes 3 values, one per channel (e.g. "
            "\"<0.485, 0.456, 0.406>\"); %u were given.", bad_count,
            n_values), (NULL));
    return FALSE;
  }
bad_thresholds:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Bad class-thresholds: %s", error->message), (NULL));
    g_error_free (error);
    release_resources (self);
    return FALSE;
  }
bad_min_size:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The 'roi-min-size' property takes WIDTHxHEIGHT, e.g. \"32x32\"."),
        (NULL));
    release_resources (self);
    return FALSE;
  }
bad_std:
  {
    gst_resnet_model_unref (model);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The 'std' property must not contain 0."), (NULL));
    release_resources (self);
    return FALSE;
  }
}

static gboolean
gst_resnet_classify_stop (GstBaseTransform * trans)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);

  release_resources (self);
  GST_DEBUG_OBJECT (self, "released the instance");
  return TRUE;
}

/* ---- caps ------------------------------------------------------------------ */

static gboolean
gst_resnet_classify_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps * outcaps)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);

  if (!gst_video_info_from_caps (&self->info, incaps)
      || !gst_ocl_image_format_from_video (GST_VIDEO_INFO_FORMAT (&self->info),
          &self->pixel_format))
    goto bad_caps;
  /* Other caps: another camera, maybe; start the history anew. */
  if (self->history)
    gst_resnet_history_reset (self->history);
  GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT, incaps);
  return TRUE;

  /* ERRORS */
bad_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Unsupported video caps."), ("%" GST_PTR_FORMAT, incaps));
  return FALSE;
}

/* ---- QoS and latency ------------------------------------------------------- */

/* QoS: a late frame is not dropped, only its inference is skipped (see
 * transform_ip).  QOS events therefore update our own earliest time and go
 * upstream without reaching the base class's QoS, which would drop the
 * buffer. */
static gboolean
gst_resnet_classify_src_event (GstBaseTransform * trans, GstEvent * event)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    GstQOSType type;
    gdouble proportion;
    GstClockTimeDiff diff;
    GstClockTime timestamp;

    gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
    GST_OBJECT_LOCK (self);
    self->proportion = proportion;
    if (type == GST_QOS_TYPE_THROTTLE || !GST_CLOCK_TIME_IS_VALID (timestamp))
      self->earliest_time = GST_CLOCK_TIME_NONE;
    else if (diff > 0)
      self->earliest_time = timestamp + 2 * diff;
    else
      self->earliest_time = timestamp + diff;
    GST_OBJECT_UNLOCK (self);
    return gst_pad_push_event (trans->sinkpad, event);
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->src_event (trans, event);
}

/* The standard QoS message for a frame whose inference was skipped: the
 * buffer itself goes on, so the stats count inferences, not buffers. */
static void
post_qos_skip (GstResnetClassify * self, GstBuffer * buf, GstClockTime rt,
    GstClockTime earliest)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstMessage *msg;
  gdouble proportion;

  GST_OBJECT_LOCK (self);
  proportion = self->proportion;
  GST_OBJECT_UNLOCK (self);
  self->qos_skipped++;
  msg = gst_message_new_qos (GST_OBJECT (self), FALSE, rt,
      gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME, pts), pts,
      GST_BUFFER_DURATION (buf));
  gst_message_set_qos_values (msg, GST_CLOCK_DIFF (rt, earliest), proportion,
      1000000);
  gst_message_set_qos_stats (msg, GST_FORMAT_BUFFERS, self->inferences,
      self->qos_skipped);
  gst_element_post_message (GST_ELEMENT (self), msg);
}

static gboolean
gst_resnet_classify_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);
  gboolean res = GST_BASE_TRANSFORM_CLASS (parent_class)->query (trans,
      direction, query);

  if (res && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max, ours;

    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    /* Inference, plus the longest a frame waits for its batch to fill. */
    ours = self->inference_time * GST_USECOND +
        (self->batch_size > 1 ? self->batch_timeout * GST_MSECOND : 0);
    self->latency_reported = self->inference_time;
    GST_OBJECT_UNLOCK (self);
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    GST_DEBUG_OBJECT (self, "latency: ours %" GST_TIME_FORMAT,
        GST_TIME_ARGS (ours));
    gst_query_set_latency (query, live, min, max);
  }
  return res;
}

/* ---- streaming --------------------------------------------------------------- */

/* What a buffer is processed with: the properties, read once. */
typedef struct
{
  GstResnetSelection sel;       /* thresholds: those of self->model */
  guint interval, window, reclassify;
  GstResnetMessages messages;
  GstResnetInferenceRegion region;
  gchar *roi_type;
  GstClockTime earliest;
} FrameSettings;

static void
snapshot_settings (GstResnetClassify * self, FrameSettings * s)
{
  GST_OBJECT_LOCK (self);
  s->sel.top_k = self->top_k;
  s->sel.threshold = self->threshold;
  s->interval = self->interval;
  s->window = self->smoothing_window;
  s->reclassify = self->region == REGION_ROI_LIST ?
      self->reclassify_interval : 1;
  s->messages = self->messages;
  s->region = self->region;
  s->roi_type = g_strdup (self->roi_type);
  s->earliest = self->earliest_time;
  GST_OBJECT_UNLOCK (self);
  s->sel.thresholds = self->thresholds;
}

static void
update_latency (GstResnetClassify * self, guint64 us)
{
  gboolean repost;

  GST_OBJECT_LOCK (self);
  self->inference_time = us;
  /* Tell the pipeline when our latency grew by more than a quarter. */
  repost = us > self->latency_reported + self->latency_reported / 4 + 1000;
  if (repost)
    self->latency_reported = us;
  GST_OBJECT_UNLOCK (self);
  if (repost)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

/* Runs @req through the instance (batched with other sharers' frames).
 * GST_FLOW_FLUSHING when a flush took it out; an element error when the
 * run failed. */
static GstFlowReturn
run_request (GstResnetClassify * self, GstResnetRequest * req)
{
  GError *error = NULL;

  req->owner = self;
  if (g_atomic_int_get (&self->flushing))
    return GST_FLOW_FLUSHING;
  if (gst_resnet_instance_run (self->instance, req, &error)) {
    update_latency (self, req->run_us);
    GST_LOG_OBJECT (self,
        "%u image(s) in a batch of %u: waited %" G_GUINT64_FORMAT " us, ran %"
        G_GUINT64_FORMAT " us",
        req->entry.rects ? (guint) req->entry.n_rects : 1, req->batch_images,
        req->wait_us, req->run_us);
    return GST_FLOW_OK;
  }
  if (g_error_matches (error, GST_RESNET_INSTANCE_ERROR,
          GST_RESNET_INSTANCE_CANCELLED)) {
    g_error_free (error);
    return GST_FLOW_FLUSHING;
  }
  GST_ELEMENT_ERROR (self, LIBRARY, FAILED, ("Inference failed: %s",
          error->message), (NULL));
  g_error_free (error);
  return GST_FLOW_ERROR;
}

/* Makes @m the model answers are built with: the one the instance runs
 * now (before a frame), or the one a run used (a swap can land while a
 * request waits for its batch).  Its class thresholds and preprocessing
 * follow, and earlier answers mean nothing to it. */
static void
adopt_model (GstResnetClassify * self, GstResnetModel * m)
{
  GError *error = NULL;

  if (m == self->model)
    return;
  if (!setup_preprocess (self, m))
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("Model %s asks for a std of 0; the previous preprocessing goes on.",
            m->model_name), (NULL));
  gst_resnet_model_unref (self->model);
  self->model = gst_resnet_model_ref (m);
  gst_resnet_history_reset (self->history);
  gst_resnet_changes_reset (self->changes);
  if (!setup_thresholds (self, &error)) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("class-thresholds do not fit model %s; the 'threshold' applies to "
            "every class: %s", m->model_name, error->message), (NULL));
    g_clear_error (&error);
  }
}

static void
follow_model (GstResnetClassify * self)
{
  GstResnetModel *m = gst_resnet_instance_get_model (self->instance);

  adopt_model (self, m);
  gst_resnet_model_unref (m);
}

/* Counts frames or regions actually run (the 'inferences' property). */
static void
count_inferences (GstResnetClassify * self, guint n)
{
  GST_OBJECT_LOCK (self);
  self->inferences += n;
  GST_OBJECT_UNLOCK (self);
}

/* @r's last answer, carried over to this frame when it was computed less
 * than @limit frames ago: FALSE when there is none to carry. */
static gboolean
carried_answer (GstResnetClassify * self, const GstResnetRegion * r,
    guint64 frame_no, guint limit, gboolean late, const FrameSettings * s,
    GstResnetAnswer * a)
{
  GstResnetModel *m = self->model;
  GstResnetHistoryStamp stamp;
  const float *probs;

  if (!r->stable)
    return FALSE;
  probs = gst_resnet_history_cached (self->history, r->id, frame_no, limit,
      m->n_classes, &stamp);
  if (probs == NULL)
    return FALSE;
  a->model = g_quark_from_string (m->model_name);
  a->roi_id = r->id;
  a->fresh = FALSE;
  a->qos_skipped = late;
  a->smoothed_over = stamp.smoothed_over;
  a->source_pts = stamp.source_pts;
  a->inference_us = stamp.inference_us;
  gst_resnet_answer_select (a, probs, m->n_classes, m->labels, &s->sel);
  return TRUE;
}

/* @r's answer from this frame's @probs (the run's output, made
 * probabilities in place), smoothed over its history. */
static void
fresh_answer (GstResnetClassify * self, const GstResnetRegion * r,
    guint64 frame_no, GstClockTime pts, const GstResnetRequest * req,
    float *probs, const FrameSettings * s, GstResnetAnswer * a)
{
  GstResnetModel *m = req->model;
  g_autofree float *avg = NULL;
  const float *shown = probs;

  if (!m->probabilities)
    gst_resnet_softmax (probs, m->n_classes);
  gst_resnet_answer_set_raw (a, probs, m->n_classes);
  if (r->stable) {
    avg = g_new (float, m->n_classes);
    a->smoothed_over = gst_resnet_history_smooth (self->history, r->id,
        frame_no, pts, req->run_us, probs, m->n_classes, s->window, avg);
    shown = avg;
  }
  a->model = g_quark_from_string (m->model_name);
  a->roi_id = r->id;
  a->source_pts = pts;
  a->inference_us = req->run_us;
  a->batch = req->batch_images;
  a->wait_us = req->wait_us;
  gst_resnet_answer_select (a, shown, m->n_classes, m->labels, &s->sel);
}

/* Hands @a to the three writers: the meta, the region's 'classification'
 * parameter, and the bus message (every answer, or those whose top class
 * changed for their region; a region whose id is negative or repeated on
 * the frame cannot be followed, so each of its answers is posted). */
static void
emit_answer (GstResnetClassify * self, GstBuffer * buf,
    const GstResnetRegion * r, const GstResnetAnswer * a,
    const FrameSettings * s, guint64 frame_no)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean changed = TRUE;
  gint top;

  gst_resnet_answer_add_meta (a, buf);
  if (r->roi)
    gst_resnet_answer_add_roi_param (a, r->roi);
  if (s->messages == MESSAGES_NONE)
    return;
  gst_resnet_answer_top (a, &top, NULL, NULL);
  if (r->stable)
    changed = gst_resnet_changes_update (self->changes, r->id, top, frame_no);
  if (s->messages == MESSAGES_ON_CHANGE && !changed)
    return;
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_resnet_answer_to_structure (a, frame_no,
              gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts),
              gst_segment_to_stream_time (seg, GST_FORMAT_TIME, pts))));
}

/* Runs the regions @todo (indices into @regions) of @buf in chunks of the
 * net's batch (the whole frame: one image), and emits their answers. */
static GstFlowReturn
run_regions (GstResnetClassify * self, GstBuffer * buf, GArray * regions,
    GArray * todo, FrameSettings * s, guint64 frame_no)
{
  g_autoptr (GArray) rects = g_array_new (FALSE, FALSE, sizeof (OclRect));
  gboolean whole = s->region == REGION_FULL_FRAME;
  guint chunk = whole ? 1 : (guint) self->model->batch;
  GstFlowReturn ret = GST_FLOW_OK;
  GstVideoFrame frame;
  OclImage img;

  for (guint i = 0; i < todo->len; i++)
    g_array_append_val (rects, g_array_index (regions, GstResnetRegion,
            g_array_index (todo, guint, i)).rect);
  /* NO_REF: metadata is added while mapped, and a ref would make the
   * buffer read-only. */
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ |
          GST_VIDEO_FRAME_MAP_FLAG_NO_REF))
    goto map_failed;
  gst_ocl_image_from_frame (&frame, self->pixel_format, &img);
  for (guint first = 0; first < todo->len && ret == GST_FLOW_OK;
      first += chunk) {
    GstResnetRequest req = { 0 };
    guint n = MIN (chunk, todo->len - first);
    req.entry.image = &img;
    req.entry.rects = whole ? NULL : &g_array_index (rects, OclRect, first);
    req.entry.n_rects = whole ? 0 : n;
    req.entry.pp = &self->pp;
    ret = run_request (self, &req);
    if (ret == GST_FLOW_OK) {
      count_inferences (self, n);
      adopt_model (self, req.model);
      s->sel.thresholds = self->thresholds;
    }
    for (guint i = 0; ret == GST_FLOW_OK && i < n; i++) {
      const GstResnetRegion *r = &g_array_index (regions, GstResnetRegion,
          g_array_index (todo, guint, first + i));
      GstResnetAnswer a;
      gst_resnet_answer_init (&a);
      fresh_answer (self, r, frame_no, GST_BUFFER_PTS (buf), &req,
          req.output + (gsize) i * req.model->n_classes, s, &a);
      emit_answer (self, buf, r, &a, s, frame_no);
      gst_resnet_answer_clear (&a);
    }
    gst_resnet_request_clear (&req);
  }
  gst_video_frame_unmap (&frame);
  return ret;

  /* ERRORS */
map_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video "
            "frame for reading."), (NULL));
    return GST_FLOW_ERROR;
  }
}

/* One path for both inference regions: the whole frame is one region (id
 * -1).  Each region either carries its last answer over (a frame skipped
 * by inference-interval or QoS, or a tracked region classified less than
 * reclassify-interval frames ago) or is run; every answer goes through
 * emit_answer(). */
static GstFlowReturn
gst_resnet_classify_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);
  guint64 frame_no = self->frame++;
  GstClockTime rt;
  g_autoptr (GArray) regions = g_array_new (FALSE, FALSE,
      sizeof (GstResnetRegion));
  g_autoptr (GArray) todo = g_array_new (FALSE, FALSE, sizeof (guint));
  guint width = GST_VIDEO_INFO_WIDTH (&self->info);
  guint height = GST_VIDEO_INFO_HEIGHT (&self->info);
  FrameSettings s;
  gboolean late, skip;
  GstFlowReturn ret = GST_FLOW_OK;

  follow_model (self);
  snapshot_settings (self, &s);
  rt = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));
  late = gst_base_transform_is_qos_enabled (trans)
      && GST_CLOCK_TIME_IS_VALID (s.earliest) && GST_CLOCK_TIME_IS_VALID (rt)
      && rt < s.earliest;
  skip = late || (s.interval > 1 && frame_no % s.interval != 0);
  if (late)
    post_qos_skip (self, buf, rt, s.earliest);

  if (s.region == REGION_ROI_LIST) {
    GstResnetRegionFilter filter = { s.roi_type, self->min_w, self->min_h };
    guint skipped = gst_resnet_regions_collect (regions, buf, width, height,
        &filter);
    if (skipped)
      GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %u regions outside "
          "the frame or below roi-min-size", frame_no, skipped);
  } else {
    gst_resnet_regions_full_frame (regions, width, height);
  }

  for (guint i = 0; i < regions->len; i++) {
    const GstResnetRegion *r = &g_array_index (regions, GstResnetRegion, i);
    /* How old a carried answer may be: any age on a skipped frame (a
     * region without one is run, unless the frame is late), less than
     * reclassify-interval frames otherwise. */
    guint limit = skip ? G_MAXUINT : s.reclassify > 1 ? s.reclassify : 0;
    GstResnetAnswer a;

    gst_resnet_answer_init (&a);
    if (limit && carried_answer (self, r, frame_no, limit, late, &s, &a))
      emit_answer (self, buf, r, &a, &s, frame_no);
    else if (!late)
      g_array_append_val (todo, i);
    gst_resnet_answer_clear (&a);
  }
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %u regions, %u to run%s",
      frame_no, regions->len, todo->len, late ? " (late)" : "");
  if (todo->len)
    ret = run_regions (self, buf, regions, todo, &s, frame_no);

  gst_resnet_history_forget (self->history, frame_no, MAX (MAX (s.window,
              s.interval), s.reclassify));
  gst_resnet_changes_end_frame (self->changes, frame_no);
  g_free (s.roi_type);
  return ret;
}

/* A flush drops this stream's requests that have not started, and only
 * those: the other sharers' frames go on. */
static gboolean
gst_resnet_classify_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      g_atomic_int_set (&self->flushing, TRUE);
      if (self->instance)
        gst_resnet_instance_cancel (self->instance, self);
      break;
    case GST_EVENT_FLUSH_STOP:
      g_atomic_int_set (&self->flushing, FALSE);
      /* A flush (a seek): the frames before it say nothing of the next. */
      if (self->history)
        gst_resnet_history_reset (self->history);
      if (self->changes)
        gst_resnet_changes_reset (self->changes);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* ---- class --------------------------------------------------------------- */

static void
gst_resnet_classify_finalize (GObject * object)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (object);

  release_resources (self);
  g_free (self->model_path);
  g_free (self->labels_path);
  g_free (self->device);
  g_free (self->roi_type);
  g_free (self->instance_id);
  g_free (self->model_in_use);
  g_free (self->roi_min_size);
  g_free (self->class_thresholds);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_resnet_classify_class_init (GstResnetClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_resnet_classify_set_property;
  gobject_class->get_property = gst_resnet_classify_get_property;
  gobject_class->finalize = gst_resnet_classify_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "ONNX model file (a ResNet exported by torch.onnx.export); its "
          "metadata_props may carry labels, mean, std, channel_order, "
          "resize_mode and input_size defaults (default: the CIFAR-10 "
          "ResNet-20 installed with the plugin).  Set while PLAYING, the new "
          "model is loaded in the background and swapped in between two "
          "frames, for every sharer of the model-instance-id; a "
          "'resnetclassify-model' message tells how it went, and a model "
          "that fails leaves the current one running", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Text file with one label per line, as many as the model has "
          "classes (default: the model's 'labels' metadata, else class "
          "numbers).  While PLAYING it takes effect with the next model "
          "swap: set labels first, then model", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MODEL_INSTANCE_ID,
      g_param_spec_string ("model-instance-id", "Model instance id",
          "Elements of one process with the same id share one loaded model "
          "and compiled net, and their frames are batched together; their "
          "model, labels, device, batch-size and batch-timeout must agree "
          "(NULL: a net of this element's own)", NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_BATCH_SIZE,
      g_param_spec_uint ("batch-size", "Batch size",
          "Largest number of frames (or regions) in one run; frames of all "
          "sharers of a model-instance-id are gathered into it", 1, 64,
          DEFAULT_BATCH_SIZE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_BATCH_TIMEOUT,
      g_param_spec_uint ("batch-timeout", "Batch timeout",
          "Longest wait for a batch to fill, in milliseconds, after which "
          "the frames waiting run as they are (added to the reported "
          "latency when batch-size > 1)", 0, 10000, DEFAULT_BATCH_TIMEOUT,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "OpenCL device",
          "auto (first GPU, else accelerator, else CPU), gpu, cpu, "
          "accelerator, P:D (platform:device index) or part of the device "
          "name; default: $OCLRESNET_DEVICE, else auto", NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "Number of most likely classes reported per frame", 1, 1000,
          DEFAULT_TOP_K, rw_playing));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_double ("threshold", "Threshold",
          "Classes with a lower confidence are not reported (a frame with "
          "none left reports no class, class-id -1)", 0.0, 1.0,
          DEFAULT_THRESHOLD, rw_playing));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint ("inference-interval", "Inference interval",
          "Classify every Nth frame; frames in between carry the last "
          "result, marked as not fresh", 1, G_MAXINT, DEFAULT_INTERVAL,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_RESIZE_MODE,
      g_param_spec_enum ("resize-mode", "Resize mode",
          "How a frame (or region) is fitted to the model's input size "
          "(default: the model's metadata, else stretch)",
          GST_TYPE_RESNET_RESIZE_MODE, RESIZE_STRETCH, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MEAN,
      gst_param_spec_array ("mean", "Mean",
          "Per-channel mean subtracted from pixel values scaled to [0, 1], "
          "in the tensor's channel order, e.g. \"<0.485, 0.456, 0.406>\" "
          "(default: the model's metadata, else ImageNet's)",
          g_param_spec_double ("value", "Value", "One channel's mean",
              -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, rw), rw_ready));
  g_object_class_install_property (gobject_class, PROP_STD,
      gst_param_spec_array ("std", "Standard deviation",
          "Per-channel divisor applied after the mean: y = (x - mean) / std, "
          "e.g. \"<0.229, 0.224, 0.225>\" (default: the model's metadata, "
          "else ImageNet's)",
          g_param_spec_double ("value", "Value", "One channel's std",
              -G_MAXDOUBLE, G_MAXDOUBLE, 1.0, rw), rw_ready));
  g_object_class_install_property (gobject_class, PROP_CHANNEL_ORDER,
      g_param_spec_enum ("channel-order", "Channel order",
          "Colour order of the model's input tensor (default: the model's "
          "metadata, else rgb)", GST_TYPE_RESNET_CHANNEL_ORDER, ORDER_RGB,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_REGION,
      g_param_spec_enum ("inference-region", "Inference region",
          "Classify the whole frame, or each GstVideoRegionOfInterestMeta "
          "(batched; each gets a 'classification' parameter and a "
          "GstClassificationMeta with its roi-id)", GST_TYPE_RESNET_REGION,
          REGION_FULL_FRAME, rw_ready));
  g_object_class_install_property (gobject_class, PROP_ROI_TYPE,
      g_param_spec_string ("roi-type", "ROI type",
          "With inference-region=roi-list, classify only regions of this "
          "type (NULL: all)", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_enum ("post-messages", "Post messages",
          "Post an element message named 'resnetclassify' on the bus "
          "(running-time, stream-time, frame, label, class-id, confidence, "
          "labels, confidences, fresh, inference-time, roi-id, model, batch, "
          "wait-time, smoothed-over, raw-class-id, raw-confidence)",
          GST_TYPE_RESNET_MESSAGES, MESSAGES_NONE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_INFERENCE_TIME,
      g_param_spec_uint64 ("inference-time", "Inference time",
          "Duration of the last inference in microseconds (preprocessing "
          "included)", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_SMOOTHING_WINDOW,
      g_param_spec_uint ("smoothing-window", "Smoothing window",
          "Report the mean of the class probabilities of the last N "
          "inferences of the frame (or of each region, by its id) instead "
          "of this inference's alone; top-k and thresholds apply after "
          "averaging.  Reset by a flush, a seek or new caps (1: off)", 1, 1000,
          DEFAULT_SMOOTHING_WINDOW, rw_playing));
  g_object_class_install_property (gobject_class, PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint ("reclassify-interval", "Reclassify interval",
          "With inference-region=roi-list, a region whose id was classified "
          "less than N frames ago gets that result again (not fresh) instead "
          "of a new inference; new ids are classified at once.  Ids must be "
          "stable (a tracker's) and not negative; regions whose id is "
          "negative or repeated in the frame are always classified", 1,
          G_MAXINT, DEFAULT_RECLASSIFY_INTERVAL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_ROI_MIN_SIZE,
      g_param_spec_string ("roi-min-size", "ROI minimum size",
          "WIDTHxHEIGHT: regions smaller than this (once clipped to the "
          "frame) are skipped and get no result", "0x0", rw_ready));
  g_object_class_install_property (gobject_class, PROP_CLASS_THRESHOLDS,
      g_param_spec_string ("class-thresholds", "Per-class thresholds",
          "Thresholds for some classes, as \"label:threshold,...\" (e.g. "
          "\"cat:0.8,dog:0.6\") or a file of such entries (one per line); "
          "'threshold' applies to the others; a label the model does not "
          "have is an error", NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_INFERENCES,
      g_param_spec_uint64 ("inferences", "Inferences",
          "Frames or regions actually run through the network since the "
          "element started (frames that reuse a result are not counted)", 0,
          G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "ResNet classifier (OpenCL)", "Filter/Analyzer/Video",
      "Classifies video frames or regions of interest with a ResNet ONNX "
      "model on OpenCL and attaches GstClassificationMeta",
      "oclresnet developers");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_resnet_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_resnet_classify_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_resnet_classify_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_resnet_classify_transform_ip);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_resnet_classify_src_event);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_resnet_classify_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_resnet_classify_query);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (GST_TYPE_RESNET_RESIZE_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RESNET_CHANNEL_ORDER, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RESNET_REGION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_RESNET_MESSAGES, 0);
}

static void
gst_resnet_classify_init (GstResnetClassify * self)
{
  self->top_k = DEFAULT_TOP_K;
  self->threshold = DEFAULT_THRESHOLD;
  self->interval = DEFAULT_INTERVAL;
  self->resize_mode = RESIZE_STRETCH;
  memcpy (self->mean, imagenet_mean, sizeof (self->mean));
  memcpy (self->std, imagenet_std, sizeof (self->std));
  self->order = ORDER_RGB;
  self->region = REGION_FULL_FRAME;
  self->messages = MESSAGES_NONE;
  self->batch_size = DEFAULT_BATCH_SIZE;
  self->batch_timeout = DEFAULT_BATCH_TIMEOUT;
  self->smoothing_window = DEFAULT_SMOOTHING_WINDOW;
  self->reclassify_interval = DEFAULT_RECLASSIFY_INTERVAL;
  self->roi_min_size = g_strdup ("0x0");
  self->earliest_time = GST_CLOCK_TIME_NONE;
  self->proportion = 1.0;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
}
