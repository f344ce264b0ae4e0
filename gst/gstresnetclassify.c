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
#include <gst/classification/classification-meta.h>
#include "oclresnet.h"

GST_DEBUG_CATEGORY_STATIC (gst_resnet_classify_debug);
#define GST_CAT_DEFAULT gst_resnet_classify_debug

/* Regions classified in one batched run (more are run in chunks). */
#define ROI_BATCH 8

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
} GstResnetRegion;

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
  GstResnetRegion region;
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
  gfloat *thresholds;           /* per class of self->model, NULL: threshold */
  guint min_w, min_h;           /* roi-min-size */

  /* from set_caps() */
  GstVideoInfo info;
  OclPixelFormat pixel_format;

  /* streaming */
  guint64 frame;
  GstClassificationMeta *last;  /* template of the last whole-frame result */
  GstBuffer *last_holder;       /* owns it */
  gint last_class;
  GstClockTime earliest_time;   /* QoS, under the object lock */
  gdouble proportion;           /* QoS, under the object lock */
  guint64 inferences;           /* frames or regions run: the property, QoS stats */
  guint64 qos_skipped;
  guint64 latency_reported;     /* µs, inference time in the last latency answer */
};

#define VIDEO_FORMATS "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, " \
    "ABGR, I420, NV12, GRAY8 }"

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

/* class-thresholds against @m's labels: "label:t" entries separated by
 * commas or new lines, given inline or as a file of them.  Returns a
 * threshold per class (NaN: the 'threshold' property), or NULL with
 * @error naming every label the model does not have. */
static gfloat *
parse_class_thresholds (const gchar * spec, GstResnetModel * m, GError ** error)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) items = NULL;
  g_autoptr (GString) unknown = g_string_new (NULL);
  gfloat *t;

  if (spec == NULL || *spec == '\0')
    return NULL;
  if (g_file_test (spec, G_FILE_TEST_IS_REGULAR)) {
    if (!g_file_get_contents (spec, &text, NULL, error))
      return NULL;
  } else {
    text = g_strdup (spec);
  }
  t = g_new (gfloat, m->n_classes);
  for (guint c = 0; c < m->n_classes; c++)
    t[c] = NAN;
  items = g_strsplit_set (text, ",\n", -1);
  for (guint i = 0; items[i]; i++) {
    gchar *item = g_strstrip (items[i]), *colon = strrchr (item, ':'), *end;
    GQuark q;
    gdouble v;
    gboolean found = FALSE;
    if (*item == '\0' || *item == '#')
      continue;
    if (colon == NULL) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "class-thresholds "
          "entry '%s' is not label:threshold", item);
      g_free (t);
      return NULL;
    }
    *colon = '\0';
    v = g_ascii_strtod (colon + 1, &end);
    if (end == colon + 1 || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "class-thresholds "
          "entry for '%s' needs a threshold from 0 to 1", g_strstrip (item));
      g_free (t);
      return NULL;
    }
    q = g_quark_try_string (g_strstrip (item));
    for (guint c = 0; q && c < m->n_classes; c++)
      if (m->labels[c] == q) {
        t[c] = v;
        found = TRUE;
      }
    if (!found)
      g_string_append_printf (unknown, "%s'%s'", unknown->len ? ", " : "",
          item);
  }
  if (unknown->len) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "class-thresholds "
        "names labels model %s does not have: %s", m->model_name, unknown->str);
    g_free (t);
    return NULL;
  }
  return t;
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
  gst_resnet_model_unref (self->model);
  self->model = gst_resnet_model_ref (m);
  /* Another model: earlier probabilities mean nothing to it. */
  if (self->history)
    gst_resnet_history_reset (self->history);
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
  t = parse_class_thresholds (spec, self->model, error);
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
  gst_clear_buffer (&self->last_holder);
  self->last = NULL;
  g_clear_pointer (&self->history, gst_resnet_history_free);
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
  gst_resnet_model_unref (model);
  self->history = gst_resnet_history_new ();
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
  self->last_class = -2;
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
        || g_error_matches (error, GST_RESNET_INSTANCE_ERROR,
            GST_RESNET_INSTANCE_LABELS))
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
  static const struct
  {
    GstVideoFormat gst;
    OclPixelFormat ocl;
  } map[] = {
    {GST_VIDEO_FORMAT_RGB, OCL_PIXEL_RGB},
    {GST_VIDEO_FORMAT_BGR, OCL_PIXEL_BGR},
    {GST_VIDEO_FORMAT_RGBx, OCL_PIXEL_RGBX},
    {GST_VIDEO_FORMAT_RGBA, OCL_PIXEL_RGBX},
    {GST_VIDEO_FORMAT_BGRx, OCL_PIXEL_BGRX},
    {GST_VIDEO_FORMAT_BGRA, OCL_PIXEL_BGRX},
    {GST_VIDEO_FORMAT_xRGB, OCL_PIXEL_XRGB},
    {GST_VIDEO_FORMAT_ARGB, OCL_PIXEL_XRGB},
    {GST_VIDEO_FORMAT_xBGR, OCL_PIXEL_XBGR},
    {GST_VIDEO_FORMAT_ABGR, OCL_PIXEL_XBGR},
    {GST_VIDEO_FORMAT_I420, OCL_PIXEL_I420},
    {GST_VIDEO_FORMAT_NV12, OCL_PIXEL_NV12},
    {GST_VIDEO_FORMAT_GRAY8, OCL_PIXEL_GRAY8},
  };

  if (!gst_video_info_from_caps (&self->info, incaps))
    goto bad_caps;
  /* Other caps: another camera, maybe; start the history anew. */
  if (self->history)
    gst_resnet_history_reset (self->history);
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (map[i].gst == GST_VIDEO_INFO_FORMAT (&self->info)) {
      self->pixel_format = map[i].ocl;
      GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT, incaps);
      return TRUE;
    }

bad_caps:
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
      ("Unsupported video caps."), ("%" GST_PTR_FORMAT, incaps));
  return FALSE;
}

/* ---- QoS and latency ------------------------------------------------------- */

/* QoS: a late frame is not dropped, only its inference is skipped (see
 * transform_ip).  QOS events therefore update our own earliest time and go
 * upstream without reaching the base class's QoS, which would drop the
 * buffer in submit_input_buffer; everything else that method does
 * (reconfiguration, the not-negotiated guard, discont) it still does. */
static GstFlowReturn
gst_resnet_classify_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  return GST_BASE_TRANSFORM_CLASS (parent_class)->submit_input_buffer (trans,
      is_discont, input);
}

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

/* Fills @meta from @probs: the top-k classes at or above their threshold
 * (@thresholds[c] unless NaN or @thresholds is NULL, else @threshold).
 * Selection by (probability, then lower index) below the last pick, so no
 * buffer is sized by the model's class count. */
static void
fill_results (GstResnetModel * m, GstClassificationMeta * meta,
    const float *probs, guint top_k, gdouble threshold,
    const gfloat * thresholds)
{
  guint k = MIN (top_k, m->n_classes);
  gint last = -1;

  for (guint r = 0; r < k; r++) {
    gint best = -1;
    for (guint c = 0; c < m->n_classes; c++) {
      gboolean below_last = last < 0 || probs[c] < probs[last]
          || (probs[c] == probs[last] && (gint) c > last);
      gdouble t = thresholds && !isnan (thresholds[c]) ? thresholds[c] :
          threshold;
      if (below_last && probs[c] >= t && (best < 0 || probs[c] > probs[best]))
        best = c;
    }
    if (best < 0)
      break;
    last = best;
    gst_classification_meta_add_result (meta, best, m->labels[best],
        probs[best]);
  }
}

/* The frame's own answer before smoothing: its top class and score. */
typedef struct
{
  guint batch;                  /* images in the run (0: carried over) */
  guint64 wait_us;              /* waited for the batch */
  gint raw_id;
  gfloat raw_conf;
} ResultInfo;

static void
raw_top (GstResnetModel * m, const float *probs, ResultInfo * info)
{
  info->raw_id = 0;
  for (guint c = 1; c < m->n_classes; c++)
    if (probs[c] > probs[info->raw_id])
      info->raw_id = c;
  info->raw_conf = probs[info->raw_id];
}

/* Logits -> probabilities in place (unless the model ends in Softmax). */
static void
softmax (GstResnetModel * m, float *x)
{
  float top = x[0];
  double sum = 0.0;

  if (m->probabilities)
    return;
  for (guint c = 1; c < m->n_classes; c++)
    top = MAX (top, x[c]);
  for (guint c = 0; c < m->n_classes; c++) {
    x[c] = expf (x[c] - top);
    sum += x[c];
  }
  for (guint c = 0; c < m->n_classes; c++)
    x[c] /= sum;
}

static void
fill_image (GstResnetClassify * self, GstVideoFrame * frame, OclImage * img)
{
  GstVideoInfo *info = &frame->info;
  guint np = GST_VIDEO_FRAME_N_PLANES (frame);

  memset (img, 0, sizeof (*img));
  img->format = self->pixel_format;
  img->width = GST_VIDEO_INFO_WIDTH (info);
  img->height = GST_VIDEO_INFO_HEIGHT (info);
  for (guint p = 0; p < np && p < 3; p++) {
    guint comp_h = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (info->finfo, p,
        img->height);
    img->data[p] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    img->stride[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    img->size[p] = (gsize) img->stride[p] * comp_h;
  }
  switch (info->colorimetry.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
      img->matrix = OCL_YUV_BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      img->matrix = OCL_YUV_BT2020;
      break;
    default:
      img->matrix = OCL_YUV_BT601;
      break;
  }
  img->full_range = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
}

/* @info: how the result was computed (NULL: carried over from an earlier
 * frame). */
static void
post_result (GstResnetClassify * self, GstBuffer * buf,
    GstClassificationMeta * meta, guint64 frame_no, GstResnetMessages mode,
    const ResultInfo * info)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GValue labels = G_VALUE_INIT, confs = G_VALUE_INIT;
  GstStructure *s;
  gint top = -1;
  GQuark top_label = 0;
  gfloat top_conf = 0.0f;

  gst_classification_meta_get_result (meta, 0, &top, &top_label, &top_conf);
  if (mode == MESSAGES_NONE || (mode == MESSAGES_ON_CHANGE
          && top == self->last_class))
    return;
  if (meta->roi_id < 0)
    self->last_class = top;

  g_value_init (&labels, GST_TYPE_LIST);
  g_value_init (&confs, GST_TYPE_LIST);
  for (guint i = 0; i < gst_classification_meta_get_n_results (meta); i++) {
    GValue v = G_VALUE_INIT;
    GQuark l;
    gfloat c;
    gst_classification_meta_get_result (meta, i, NULL, &l, &c);
    g_value_init (&v, G_TYPE_STRING);
    g_value_set_string (&v, g_quark_to_string (l));
    gst_value_list_append_and_take_value (&labels, &v);
    g_value_init (&v, G_TYPE_DOUBLE);
    g_value_set_double (&v, c);
    gst_value_list_append_and_take_value (&confs, &v);
  }
  s = gst_structure_new ("resnetclassify",
      "running-time", G_TYPE_UINT64, gst_segment_to_running_time
      (&trans->segment, GST_FORMAT_TIME, pts),
      "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time
      (&trans->segment, GST_FORMAT_TIME, pts),
      "frame", G_TYPE_UINT64, frame_no,
      "label", G_TYPE_STRING, top >= 0 ? g_quark_to_string (top_label) : "",
      "class-id", G_TYPE_INT, top,
      "confidence", G_TYPE_DOUBLE, (gdouble) top_conf,
      "fresh", G_TYPE_BOOLEAN, meta->fresh,
      "inference-time", G_TYPE_UINT64, meta->inference_time,
      "roi-id", G_TYPE_INT, meta->roi_id,
      "model", G_TYPE_STRING, gst_classification_meta_get_model (meta),
      "batch", G_TYPE_UINT, info ? info->batch : 0,
      "wait-time", G_TYPE_UINT64, info ? info->wait_us : 0,
      "smoothed-over", G_TYPE_UINT, meta->smoothed_over,
      "raw-class-id", G_TYPE_INT, info ? info->raw_id : top,
      "raw-confidence", G_TYPE_DOUBLE, (gdouble) (info ? info->raw_conf :
          top_conf), NULL);
  gst_structure_take_value (s, "labels", &labels);
  gst_structure_take_value (s, "confidences", &confs);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* A copy of @from on @to, through the meta's own copy transform. */
static GstClassificationMeta *
copy_meta (GstBuffer * to, GstClassificationMeta * from)
{
  GstMetaTransformCopy copy = { FALSE, 0, (gsize) - 1 };

  if (!from->meta.info->transform_func (to, (GstMeta *) from, NULL,
          _gst_meta_transform_copy, &copy))
    return NULL;
  return gst_buffer_get_classification_meta_for_roi (to, from->roi_id);
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

/* The model now in use by the instance: when it changed (a swap), the
 * preprocessing follows its metadata. */
static void
follow_model (GstResnetClassify * self)
{
  GstResnetModel *m = gst_resnet_instance_get_model (self->instance);

  GError *error = NULL;

  if (m != self->model) {
    if (!setup_preprocess (self, m))
      GST_WARNING_OBJECT (self, "model %s asks for a std of 0; keeping the "
          "previous preprocessing", m->model_name);
    else if (!setup_thresholds (self, &error)) {
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("class-thresholds do not fit model %s; the 'threshold' applies to "
              "every class: %s", m->model_name, error->message), (NULL));
      g_clear_error (&error);
    }
  }
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

/* @probs of region @id (-1: the frame): smoothed over the last @window
 * inferences when @window > 1 (into @out, returned), else @probs itself.
 * @smoothed_over gets the count. */
static const float *
smooth (GstResnetClassify * self, gint id, guint64 frame, const float *probs,
    guint n, guint window, guint interval, float *out, guint * smoothed_over)
{
  *smoothed_over = 1;
  if (window <= 1 && interval <= 1)
    return probs;
  *smoothed_over = gst_resnet_history_smooth (self->history, id, frame, probs,
      n, window, out);
  return out;
}

/* Attaches @probs as region @roi's result (meta and 'classification'
 * parameter) and posts its message. */
static void
attach_roi_result (GstResnetClassify * self, GstBuffer * buf,
    GstVideoRegionOfInterestMeta * roi, GstResnetModel * m,
    const float *probs, guint smoothed_over, gboolean fresh, guint64 run_us,
    guint top_k, gdouble threshold, GstResnetMessages mode, guint64 frame_no,
    const ResultInfo * info)
{
  GstClassificationMeta *cm;
  gint id = -1;
  GQuark label = 0;
  gfloat conf = 0.0f;

  cm = gst_buffer_add_classification_meta (buf, m->model_name, roi->id);
  cm->source_pts = GST_BUFFER_PTS (buf);
  cm->inference_time = run_us;
  cm->fresh = fresh;
  cm->smoothed_over = smoothed_over;
  fill_results (m, cm, probs, top_k, threshold, self->thresholds);
  gst_classification_meta_get_result (cm, 0, &id, &label, &conf);
  gst_video_region_of_interest_meta_add_param (roi,
      gst_structure_new ("classification",
          "label", G_TYPE_STRING, id >= 0 ? g_quark_to_string (label) : "",
          "label-id", G_TYPE_INT, id,
          "confidence", G_TYPE_DOUBLE, (gdouble) conf,
          "model", G_TYPE_STRING, m->model_name, NULL));
  post_result (self, buf, cm, frame_no, mode, info);
}

/* The regions to classify: of roi-type, clipped to the frame, at least
 * roi-min-size.  @stable[i]: region i's id can key its history (not
 * negative, once in the frame). */
static void
collect_rois (GstResnetClassify * self, GstBuffer * buf, const OclImage * img,
    const gchar * roi_type, GArray * rects, GPtrArray * rois, GArray * stable)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  gpointer state = NULL;
  GstMeta *m;

  while ((m = gst_buffer_iterate_meta_filtered (buf, &state,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) m;
    /* Region metas come from upstream: clip in 64 bits, skip what is
     * left empty (never an error: the stream goes on). */
    guint64 x1 = MIN ((guint64) roi->x + roi->w, (guint64) img->width);
    guint64 y1 = MIN ((guint64) roi->y + roi->h, (guint64) img->height);
    gpointer key = GINT_TO_POINTER (roi->id);
    OclRect r;
    if (roi_type && *roi_type
        && g_strcmp0 (g_quark_to_string (roi->roi_type), roi_type) != 0)
      continue;
    if (roi->x >= x1 || roi->y >= y1) {
      GST_LOG_OBJECT (self, "region %d lies outside the frame", roi->id);
      continue;
    }
    r.x = roi->x;
    r.y = roi->y;
    r.width = x1 - roi->x;
    r.height = y1 - roi->y;
    if ((guint) r.width < self->min_w || (guint) r.height < self->min_h) {
      GST_LOG_OBJECT (self, "region %d (%dx%d) is below roi-min-size",
          roi->id, r.width, r.height);
      continue;
    }
    g_hash_table_insert (seen, key, GINT_TO_POINTER (GPOINTER_TO_INT
            (g_hash_table_lookup (seen, key)) + 1));
    g_array_append_val (rects, r);
    g_ptr_array_add (rois, roi);
  }
  g_array_set_size (stable, rois->len);
  for (guint i = 0; i < rois->len; i++) {
    GstVideoRegionOfInterestMeta *roi = rois->pdata[i];
    gboolean ok = roi->id >= 0 && GPOINTER_TO_INT (g_hash_table_lookup (seen,
            GINT_TO_POINTER (roi->id))) == 1;
    g_array_index (stable, gboolean, i) = ok;
  }
}

static GstFlowReturn
classify_rois (GstResnetClassify * self, GstBuffer * buf, GstVideoFrame * f,
    guint top_k, gdouble threshold, const gchar * roi_type,
    GstResnetMessages mode, guint64 frame_no, guint window, guint interval)
{
  g_autoptr (GArray) rects = g_array_new (FALSE, FALSE, sizeof (OclRect));
  g_autoptr (GArray) stable = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr (GArray) todo = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) todo_rects = g_array_new (FALSE, FALSE, sizeof (OclRect));
  g_autoptr (GPtrArray) rois = g_ptr_array_new ();
  GstResnetModel *m = self->model;
  g_autofree float *avg = g_new (float, m->n_classes);
  OclImage img;
  GstFlowReturn ret = GST_FLOW_OK;
  guint chunk;

  fill_image (self, f, &img);
  collect_rois (self, buf, &img, roi_type, rects, rois, stable);

  /* Regions classified less than reclassify-interval frames ago keep
   * their result; the others are run. */
  for (guint i = 0; i < rois->len; i++) {
    GstVideoRegionOfInterestMeta *roi = rois->pdata[i];
    guint sm;
    const float *cached = interval > 1 && g_array_index (stable, gboolean, i) ?
        gst_resnet_history_cached (self->history, roi->id, frame_no, interval,
        m->n_classes, &sm) : NULL;
    if (cached) {
      attach_roi_result (self, buf, roi, m, cached, sm, FALSE, 0, top_k,
          threshold, mode, frame_no, NULL);
      continue;
    }
    g_array_append_val (todo, i);
    g_array_append_val (todo_rects, g_array_index (rects, OclRect, i));
  }

  /* In chunks of the instance's batch. */
  chunk = m->batch;
  for (guint first = 0; first < todo->len && ret == GST_FLOW_OK; first += chunk) {
    GstResnetRequest req = { 0 };
    guint n = MIN (chunk, todo->len - first);
    req.entry.image = &img;
    req.entry.rects = &g_array_index (todo_rects, OclRect, first);
    req.entry.n_rects = n;
    req.entry.pp = &self->pp;
    ret = run_request (self, &req);
    if (ret == GST_FLOW_OK)
      count_inferences (self, n);
    for (guint i = 0; ret == GST_FLOW_OK && i < n; i++) {
      guint k = g_array_index (todo, guint, first + i);
      GstVideoRegionOfInterestMeta *roi = rois->pdata[k];
      float *probs = req.output + (gsize) i * req.model->n_classes;
      ResultInfo info = { req.batch_images, req.wait_us, 0, 0.0f };
      const float *shown = probs;
      guint sm = 1;
      softmax (req.model, probs);
      raw_top (req.model, probs, &info);
      if (g_array_index (stable, gboolean, k) && req.model->n_classes ==
          m->n_classes)
        shown = smooth (self, roi->id, frame_no, probs, m->n_classes,
            window, interval, avg, &sm);
      attach_roi_result (self, buf, roi, req.model, shown, sm, TRUE,
          req.run_us, top_k, threshold, mode, frame_no, &info);
    }
    gst_resnet_request_clear (&req);
  }
  if (window > 1 || interval > 1)
    gst_resnet_history_forget (self->history, frame_no, MAX (window, interval));
  return ret;
}

static GstFlowReturn
gst_resnet_classify_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (trans);
  guint64 frame_no = self->frame++;
  GstClockTime pts = GST_BUFFER_PTS (buf), rt, earliest;
  GstResnetMessages mode;
  GstResnetRegion region;
  g_autofree gchar *roi_type = NULL;
  GstClassificationMeta *meta;
  GstResnetRequest req = { 0 };
  GstVideoFrame frame;
  gboolean late, skip;
  guint top_k, interval;
  gdouble threshold;
  OclImage img;
  GstFlowReturn ret;
  guint window, reclassify, smoothed_over;
  ResultInfo info;
  const float *shown;

  GST_OBJECT_LOCK (self);
  top_k = self->top_k;
  threshold = self->threshold;
  interval = self->interval;
  window = self->smoothing_window;
  reclassify = self->reclassify_interval;
  mode = self->messages;
  region = self->region;
  roi_type = g_strdup (self->roi_type);
  earliest = self->earliest_time;
  GST_OBJECT_UNLOCK (self);

  rt = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, pts);
  late = gst_base_transform_is_qos_enabled (trans)
      && GST_CLOCK_TIME_IS_VALID (earliest) && GST_CLOCK_TIME_IS_VALID (rt)
      && rt < earliest;
  skip = late || (interval > 1 && frame_no % interval != 0);
  if (late)
    post_qos_skip (self, buf, rt, earliest);

  if (region == REGION_ROI_LIST) {
    if (skip)
      return GST_FLOW_OK;
    if (!gst_buffer_get_meta (buf, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
      return GST_FLOW_OK;
    follow_model (self);
    /* NO_REF: metadata is added while mapped, and a ref would make the
     * buffer read-only. */
    if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ |
            GST_VIDEO_FRAME_MAP_FLAG_NO_REF))
      goto map_failed;
    ret = classify_rois (self, buf, &frame, top_k, threshold, roi_type, mode,
        frame_no, window, reclassify);
    gst_video_frame_unmap (&frame);
    return ret;
  }

  if (skip && self->last && (meta = copy_meta (buf, self->last))) {
    meta->fresh = FALSE;
    meta->qos_skipped = late;
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s, last result "
        "carried over", frame_no, late ? "late (QoS)" : "interval");
    post_result (self, buf, meta, frame_no, mode, NULL);
    return GST_FLOW_OK;
  }
  if (late) {
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " late, no result yet",
        frame_no);
    return GST_FLOW_OK;
  }

  follow_model (self);
  if (!gst_video_frame_map (&frame, &self->info, buf, GST_MAP_READ))
    goto map_failed;
  fill_image (self, &frame, &img);
  req.entry.image = &img;
  req.entry.pp = &self->pp;
  ret = run_request (self, &req);
  gst_video_frame_unmap (&frame);
  if (ret != GST_FLOW_OK) {
    gst_resnet_request_clear (&req);
    return ret;
  }

  count_inferences (self, 1);
  softmax (req.model, req.output);
  info.batch = req.batch_images;
  info.wait_us = req.wait_us;
  raw_top (req.model, req.output, &info);
  {
    g_autofree float *avg = g_new (float, req.model->n_classes);
    shown = req.model == self->model ? smooth (self, -1, frame_no,
        req.output, req.model->n_classes, window, 1, avg, &smoothed_over) :
        req.output;
    if (shown == req.output)
      smoothed_over = 1;
    meta = gst_buffer_add_classification_meta (buf, req.model->model_name, -1);
    meta->source_pts = pts;
    meta->inference_time = req.run_us;
    meta->smoothed_over = smoothed_over;
    fill_results (req.model, meta, shown, top_k, threshold,
        req.model == self->model ? self->thresholds : NULL);
  }
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %u results in %"
      G_GUINT64_FORMAT " us", frame_no, meta->results->len, req.run_us);

  /* Keep a copy for the frames that skip inference. */
  gst_clear_buffer (&self->last_holder);
  self->last_holder = gst_buffer_new ();
  self->last = copy_meta (self->last_holder, meta);

  post_result (self, buf, meta, frame_no, mode, &info);
  gst_resnet_request_clear (&req);
  return GST_FLOW_OK;

  /* ERRORS */
map_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the video "
            "frame for reading."), (NULL));
    return GST_FLOW_ERROR;
  }
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
  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_resnet_classify_submit_input_buffer);
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
