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
#include "gstresnetclassify-private.h"
#include "gstoclresnetutil.h"
#include "gstresnetanalytics.h"

GST_DEBUG_CATEGORY (gst_resnet_classify_debug);
#define GST_CAT_DEFAULT gst_resnet_classify_debug

/* Regions classified in one batched run (more are run in chunks). */
#define ROI_BATCH 8

/* on-change follows each region id's top class; ids unseen for this many
 * frames are forgotten, and at most this many are kept. */
#define CHANGES_FORGET_AFTER 1024
#define CHANGES_MAX_IDS 4096



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
    if (g_strcmp0 (self->props.model_path, model) == 0) {
      g_free (self->props.model_path);
      self->props.model_path = g_strdup (self->model_in_use);
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
  if (!gst_resnet_settings_set (&self->props, prop_id, value)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  } else if (prop_id == GST_RESNET_PROP_MODEL && self->instance
      && self->props.model_path && *self->props.model_path) {
    /* PAUSED or PLAYING: load it beside the running model, swap it in
     * between two frames (for every sharer of the instance). */
    GST_INFO_OBJECT (self, "loading %s to swap it in", self->props.model_path);
    gst_resnet_instance_swap (self->instance, self->props.model_path,
        self->props.labels_path, swap_done, gst_object_ref (self),
        gst_object_unref);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_resnet_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstResnetClassify *self = GST_RESNET_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  if (prop_id == GST_RESNET_PROP_INFERENCE_TIME)
    g_value_set_uint64 (value, self->inference_time);
  else if (prop_id == GST_RESNET_PROP_INFERENCES)
    g_value_set_uint64 (value, self->inferences);
  else if (prop_id == GST_RESNET_PROP_REGIONS_SKIPPED)
    g_value_set_uint64 (value, self->regions_skipped);
  else if (!gst_resnet_settings_get (&self->props, prop_id, value))
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  GST_OBJECT_UNLOCK (self);
}

/* ---- start / stop ---------------------------------------------------------- */

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
  gchar **dirs = gst_resnet_model_default_dirs (OCLRESNET_MODEL_DIR,
      plugin ? gst_plugin_get_filename (plugin) : NULL);

  if (plugin)
    gst_object_unref (plugin);
  return dirs;
}

/* The preprocessing for @m; FALSE when a std is 0. */
static gboolean
setup_preprocess (GstResnetClassify * self, GstResnetModel * m)
{
  gboolean ok;

  GST_OBJECT_LOCK (self);
  ok = gst_resnet_settings_preprocess (&self->props, m, &self->pp);
  GST_OBJECT_UNLOCK (self);
  return ok;
}

/* The heads and per-class thresholds for the model in use.  FALSE with
 * @error when the 'heads' do not fit it (the model's own heads are used)
 * or class-thresholds name labels it does not have (then 'threshold'
 * applies to every class). */
static gboolean
setup_heads (GstResnetClassify * self, GError ** error)
{
  g_autofree gchar *spec = NULL, *heads_spec = NULL;
  GstResnetModel *m = self->model;
  GstResnetHead *heads;
  gfloat *t;

  GST_OBJECT_LOCK (self);
  spec = g_strdup (self->props.class_thresholds);
  heads_spec = g_strdup (self->props.heads);
  GST_OBJECT_UNLOCK (self);
  heads = gst_resnet_model_heads (m, heads_spec, error);
  g_free (self->heads);
  /* The model's own were checked when it loaded. */
  self->heads = heads ? heads : gst_resnet_model_heads (m, NULL, NULL);
  g_free (self->latest);
  self->latest = g_new0 (guint8, m->n_values);
  for (guint h = 0; h < m->n_outputs; h++)
    if (self->heads[h].kind == GST_CLASSIFICATION_HEAD_EMBEDDING)
      memset (self->latest + self->heads[h].offset, 1, self->heads[h].n);
  if (heads == NULL)
    return FALSE;
  t = gst_resnet_model_parse_thresholds (m, spec, error);
  /* On failure too: the old array is sized for the model before. */
  g_free (self->thresholds);
  self->thresholds = t;
  return t != NULL || error == NULL || *error == NULL;
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
  g_clear_pointer (&self->heads, g_free);
  g_clear_pointer (&self->latest, g_free);
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
  gboolean min_size_ok, no_analytics;

  GST_OBJECT_LOCK (self);
  model_path = g_strdup (self->props.model_path);
  labels_path = g_strdup (self->props.labels_path);
  device = g_strdup (self->props.device);
  instance_id = g_strdup (self->props.instance_id);
  config.batch_size = self->props.batch_size;
  config.batch_timeout_ms = self->props.batch_timeout;
  /* Regions are run in batches of ROI_BATCH even with batch-size 1. */
  config.min_batch =
      self->props.region == GST_RESNET_REGION_ROI_LIST ? ROI_BATCH : 1;
  if ((self->props.mean_set && self->props.mean_count != 3)
      || (self->props.std_set && self->props.std_count != 3)) {
    bad_count = self->props.mean_set
        && self->props.mean_count != 3 ? "mean" : "std";
    n_values =
        bad_count[0] == 'm' ? self->props.mean_count : self->props.std_count;
  }
  no_analytics = self->props.roi_source == GST_RESNET_ROI_SOURCE_ANALYTICS
      && !gst_resnet_analytics_built ();
  GST_OBJECT_UNLOCK (self);
  if (bad_count)
    goto bad_triple;
  if (no_analytics)
    goto analytics_not_built;

  if (model_path == NULL) {
    model_dirs = default_model_dirs (self);
    model_path = gst_resnet_model_find_default (model_dirs);
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
  if (!setup_heads (self, &error))
    goto bad_heads;
  GST_OBJECT_LOCK (self);
  min_size_ok =
      gst_resnet_settings_parse_size (self->props.roi_min_size, &self->min_w,
      &self->min_h);
  GST_OBJECT_UNLOCK (self);
  if (!min_size_ok)
    goto bad_min_size;

  self->frame = 0;
  GST_OBJECT_LOCK (self);
  self->inferences = 0;
  self->regions_skipped = 0;
  GST_OBJECT_UNLOCK (self);
  self->qos_skipped = 0;
  self->latency_reported = 0;
  g_atomic_int_set (&self->flushing, FALSE);
  GST_OBJECT_LOCK (self);
  gst_resnet_qos_reset (&self->qos);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "model %s (%s): input %" G_GINT64_FORMAT "x%"
      G_GINT64_FORMAT ", %u outputs (%u values), batch %d, instance %s, on "
      "%s; ready in %.1f ms", self->model->model_name, model_path,
      self->model->input_h, self->model->input_w, self->model->n_outputs,
      self->model->n_values, self->model->batch,
      instance_id ? instance_id : "(private)",
      gst_resnet_instance_get_device_name (self->instance),
      (g_get_monotonic_time () - t0) / 1000.0);
  return TRUE;

  /* ERRORS */
no_model:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No model set: set the 'model' property to an ONNX file (the "
            "default " GST_RESNET_MODEL_DEFAULT_FILE " is not installed)."),
        ("looked in %s and %s", OCLRESNET_MODEL_DIR, model_dirs
            && model_dirs[1] ? model_dirs[1] : "(no plugin folder)"));
    return FALSE;
  }
no_instance:
  {
    if (g_error_matches (error, OCL_ERROR, OCL_ERROR_IO))
      /* Missing, unreadable, or a FIFO or device that is refused. */
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Could not read model '%s': %s", model_path, error->message),
          (NULL));
    else if (g_error_matches (error, OCL_ERROR, OCL_ERROR_NO_DEVICE))
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("No usable OpenCL device: %s", error->message),
          ("device='%s'", device ? device : "(default)"));
    else if (g_error_matches (error, GST_RESNET_INSTANCE_ERROR,
            GST_RESNET_INSTANCE_CONFLICT))
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Conflicting shared instance: %s.", error->message), (NULL));
    else if (g_error_matches (error, GST_RESNET_MODEL_ERROR,
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
analytics_not_built:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("roi-source=analytics needs GstAnalytics, and this build of the "
            "plugin has none: it was built against GStreamer older than "
            "1.24, or with -Danalytics=disabled."), (NULL));
    return FALSE;
  }
bad_heads:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Bad %s: %s", g_error_matches (error, GST_RESNET_MODEL_ERROR,
                GST_RESNET_MODEL_THRESHOLDS) ? "class-thresholds" : "heads",
            error->message), (NULL));
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
    GST_OBJECT_LOCK (self);
    gst_resnet_qos_update (&self->qos, event);
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
  GstResnetQos q;

  GST_OBJECT_LOCK (self);
  q = self->qos;
  GST_OBJECT_UNLOCK (self);
  q.earliest = earliest;
  self->qos_skipped++;
  gst_element_post_message (GST_ELEMENT (self),
      gst_resnet_qos_skip_message (GST_OBJECT (self),
          &GST_BASE_TRANSFORM (self)->segment, buf, rt, &q, self->inferences,
          self->qos_skipped));
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
    ours = gst_resnet_latency (self->inference_time, self->props.batch_size,
        self->props.batch_timeout);
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


static void
snapshot_settings (GstResnetClassify * self, FrameSettings * s)
{
  GST_OBJECT_LOCK (self);
  s->sel.top_k = self->props.top_k;
  s->sel.threshold = self->props.threshold;
  s->sel.multilabel_threshold = self->props.threshold_set ?
      self->props.threshold : 0.5;
  s->sel.normalize = self->props.normalize_embeddings;
  s->interval = self->props.interval;
  s->window = self->props.smoothing_window;
  s->reclassify = self->props.region == GST_RESNET_REGION_ROI_LIST ?
      self->props.reclassify_interval : 1;
  s->messages = self->props.messages;
  s->region = self->props.region;
  s->roi_type = g_strdup (self->props.roi_type);
  s->roi_source = self->props.roi_source;
  s->max_regions = self->props.max_regions;
  s->earliest = self->qos.earliest;
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
  if (!setup_heads (self, &error)) {
    if (g_error_matches (error, GST_RESNET_MODEL_ERROR,
            GST_RESNET_MODEL_THRESHOLDS))
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("class-thresholds do not fit model %s; the 'threshold' applies to "
              "every class: %s", m->model_name, error->message), (NULL));
    else
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("'heads' does not fit model %s; its own heads are used: %s",
              m->model_name, error->message), (NULL));
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

/* @n regions of frame @frame_no found no room under max-regions: counted,
 * and the first time told (the pipeline goes on). */
static void
count_regions_skipped (GstResnetClassify * self, guint64 frame_no, guint n,
    guint max)
{
  gboolean first;

  GST_OBJECT_LOCK (self);
  first = self->regions_skipped == 0;
  self->regions_skipped += n;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %u regions over "
      "max-regions", frame_no, n);
  if (first)
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("Frame %" G_GUINT64_FORMAT
            " carried %u regions more than max-regions (%u): only the first "
            "%u in the buffer's order are classified, the rest get no result "
            "(counted in 'regions-skipped'; told once).", frame_no, n, max,
            max), (NULL));
}

/* Runs the regions @todo (indices into @regions) of @buf in chunks of the
 * net's batch (the whole frame: one image), and emits their answers. */
static GstFlowReturn
run_regions (GstResnetClassify * self, GstBuffer * buf, GArray * regions,
    GArray * todo, FrameSettings * s, guint64 frame_no)
{
  g_autoptr (GArray) rects = g_array_new (FALSE, FALSE, sizeof (OclRect));
  gboolean whole = s->region == GST_RESNET_REGION_FULL_FRAME;
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
  for (guint first = 0; first < todo->len && ret == GST_FLOW_OK; first += chunk) {
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
      GstResnetRegion *r = &g_array_index (regions, GstResnetRegion,
          g_array_index (todo, guint, first + i));
      GstResnetAnswer a;
      gst_resnet_answer_init (&a);
      gst_resnet_classify_fresh_answer (self, r, frame_no, GST_BUFFER_PTS (buf),
          &req, req.output + (gsize) i * req.model->n_values, s, &a);
      gst_resnet_classify_emit_answer (self, buf, r, &a, s, frame_no);
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
  guint limit;
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

  if (s.region == GST_RESNET_REGION_ROI_LIST) {
    GstResnetRegionFilter filter = { s.roi_type, self->min_w, self->min_h,
      s.max_regions, s.roi_source
    };
    guint over, skipped;

    if (s.roi_source != GST_RESNET_ROI_SOURCE_REGION_META)
      gst_resnet_analytics_adopt_detections (buf, width, height, &filter);
    skipped = gst_resnet_regions_collect (regions, buf, width, height,
        &filter, &over);
    if (over)
      count_regions_skipped (self, frame_no, over, s.max_regions);
    if (skipped)
      GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %u regions outside "
          "the frame or below roi-min-size", frame_no, skipped);
  } else {
    gst_resnet_regions_full_frame (regions, width, height);
  }

  /* How old a carried answer may be: any age on a skipped frame (a region
   * without one is run, unless the frame is late), less than
   * reclassify-interval frames otherwise; 0: nothing is carried. */
  limit = skip ? G_MAXUINT : s.reclassify > 1 ? s.reclassify : 0;
  for (guint i = 0; i < regions->len; i++) {
    GstResnetRegion *r = &g_array_index (regions, GstResnetRegion, i);
    gboolean carried = FALSE;

    if (limit && r->stable) {
      GstResnetAnswer a;
      gst_resnet_answer_init (&a);
      carried =
          gst_resnet_classify_carried_answer (self, r, frame_no, limit, late,
          &s, &a);
      if (carried)
        gst_resnet_classify_emit_answer (self, buf, r, &a, &s, frame_no);
      gst_resnet_answer_clear (&a);
    }
    if (!carried && !late)
      g_array_append_val (todo, i);
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
  gst_resnet_settings_clear (&self->props);
  g_free (self->model_in_use);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_resnet_classify_class_init (GstResnetClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  gobject_class->set_property = gst_resnet_classify_set_property;
  gobject_class->get_property = gst_resnet_classify_get_property;
  gobject_class->finalize = gst_resnet_classify_finalize;

  gst_resnet_settings_install (gobject_class);
  g_object_class_install_property (gobject_class,
      GST_RESNET_PROP_INFERENCE_TIME, g_param_spec_uint64 ("inference-time",
          "Inference time",
          "Duration of the last inference in microseconds (preprocessing "
          "included)", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, GST_RESNET_PROP_INFERENCES,
      g_param_spec_uint64 ("inferences", "Inferences",
          "Frames or regions actually run through the network since the "
          "element started (frames that reuse a result are not counted)", 0,
          G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class,
      GST_RESNET_PROP_REGIONS_SKIPPED, g_param_spec_uint64 ("regions-skipped",
          "Regions skipped",
          "Regions left without a result since the element started because "
          "their frame carried more than max-regions", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
  gst_type_mark_as_plugin_api (GST_TYPE_RESNET_ROI_SOURCE, 0);
}

static void
gst_resnet_classify_init (GstResnetClassify * self)
{
  gst_resnet_settings_init (&self->props);
  gst_resnet_qos_reset (&self->qos);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), FALSE);
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), TRUE);
}
