/* classificationpublish
 *
 * Sends the classification results on each buffer out of the process as
 * one JSON object per frame (schemas/classificationpublish.schema.json):
 * to a file or standard output as JSON Lines, or to an MQTT broker.
 * Buffers pass through untouched, never copied, never mapped.
 *
 *   ... ! resnetclassify ! classificationpublish method=mqtt \
 *       address=broker:1883 source=gate-3 ! ...
 *
 * The streaming thread only builds the message: with method=mqtt it goes
 * to a bounded queue that the MQTT client's own thread sends (see
 * publish-mqtt.c), so a slow or absent broker never holds up the video.
 * With method=file the line is written and flushed in the streaming
 * thread (a local file or a pipe). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>
#include "gstclassificationpublish.h"
#include "gstoclresnetutil.h"
#include "gstresnetchanges.h"
#include "publish-json.h"
#include "publish-sink.h"

GST_DEBUG_CATEGORY_STATIC (gst_classification_publish_debug);
#define GST_CAT_DEFAULT gst_classification_publish_debug

typedef enum
{
  METHOD_FILE,
  METHOD_MQTT,
} GstClassificationPublishMethod;

typedef enum
{
  PUBLISH_FRESH,
  PUBLISH_ALL,
  PUBLISH_ON_CHANGE,
} GstClassificationPublishWhen;

enum
{
  PROP_0,
  PROP_METHOD,
  PROP_PUBLISH,
  PROP_SOURCE,
  PROP_FILE_PATH,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_CLIENT_ID,
  PROP_QOS,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_CA_FILE,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_MAX_QUEUED,
  PROP_RECONNECT_MAX_DELAY,
  PROP_EOS_TIMEOUT,
  PROP_PUBLISHED,
  PROP_DROPPED,
};

#define DEFAULT_METHOD METHOD_FILE
#define DEFAULT_PUBLISH PUBLISH_FRESH
#define DEFAULT_FILE_PATH "-"
#define DEFAULT_ADDRESS "localhost:1883"
#define DEFAULT_QOS 0
#define DEFAULT_MAX_QUEUED 1000
#define DEFAULT_RECONNECT_MAX_DELAY 30
#define DEFAULT_EOS_TIMEOUT 5000
#define KEEPALIVE_S 30
/* on-change remembers the top class of each region id; ids not seen for
 * this many frames are forgotten, and at most this many are kept (bounded
 * memory under a tracker that makes up new ids all the time). */
#define FORGET_AFTER_FRAMES 1024
#define MAX_IDS 4096

struct _GstClassificationPublish
{
  GstBaseTransform parent;

  /* Properties, under the object lock. */
  GstClassificationPublishMethod method;
  GstClassificationPublishWhen when;
  gchar *source, *file_path, *address, *topic, *client_id;
  gint qos;
  gchar *username, *password, *ca_file, *cert_file, *key_file;
  guint max_queued, reconnect_max_delay, eos_timeout;
  /* The last run's counts once it stopped; while it runs, its sink holds
   * them. */
  guint64 published, dropped;

  /* Between start() and stop(): the streaming thread's. */
  GstClassificationPublishWhen run_when;
  gchar *run_source;
  PublishSink *sink;            /* under the object lock: get_property reads it */
  guint64 frame;
  gint width, height;
  GstResnetChanges *changes;    /* on-change: top class per roi id */
};

#define VIDEO_CAPS "video/x-raw(ANY)"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

#define gst_classification_publish_parent_class parent_class
G_DEFINE_TYPE (GstClassificationPublish, gst_classification_publish,
    GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (classificationpublish,
    "classificationpublish", GST_RANK_NONE, GST_TYPE_CLASSIFICATION_PUBLISH,
    GST_DEBUG_CATEGORY_INIT (gst_classification_publish_debug,
        "classificationpublish", 0, "Classification result publishing"));

#define GST_TYPE_CLASSIFICATION_PUBLISH_METHOD (method_get_type ())
static GType
method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {METHOD_FILE, "JSON Lines to a file (file-path; - is standard output)",
        "file"},
    {METHOD_MQTT, "One JSON message per frame to an MQTT broker", "mqtt"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClassificationPublishMethod",
        values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_CLASSIFICATION_PUBLISH_WHEN (when_get_type ())
static GType
when_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {PUBLISH_FRESH, "Results computed on this frame (carried-over ones "
          "are left out; frames with none send nothing)", "fresh"},
    {PUBLISH_ALL, "Every frame with results, fresh or carried over", "all"},
    {PUBLISH_ON_CHANGE, "Every result of a frame on which some region's "
          "(or the frame's) top class changed, or a new region appeared",
        "on-change"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstClassificationPublishWhen", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
gst_classification_publish_init (GstClassificationPublish * self)
{
  self->method = DEFAULT_METHOD;
  self->when = DEFAULT_PUBLISH;
  self->file_path = g_strdup (DEFAULT_FILE_PATH);
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->qos = DEFAULT_QOS;
  self->max_queued = DEFAULT_MAX_QUEUED;
  self->reconnect_max_delay = DEFAULT_RECONNECT_MAX_DELAY;
  self->eos_timeout = DEFAULT_EOS_TIMEOUT;
  self->changes = gst_resnet_changes_new (FORGET_AFTER_FRAMES, MAX_IDS);
  /* Pass-through: transform_ip sees every buffer and never writes it. */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

static void
gst_classification_publish_finalize (GObject * object)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (object);

  g_free (self->source);
  g_free (self->file_path);
  g_free (self->address);
  g_free (self->topic);
  g_free (self->client_id);
  g_free (self->username);
  g_free (self->password);
  g_free (self->ca_file);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->run_source);
  gst_resnet_changes_free (self->changes);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static gchar **
string_prop (GstClassificationPublish * self, guint prop_id)
{
  switch (prop_id) {
    case PROP_SOURCE:
      return &self->source;
    case PROP_FILE_PATH:
      return &self->file_path;
    case PROP_ADDRESS:
      return &self->address;
    case PROP_TOPIC:
      return &self->topic;
    case PROP_CLIENT_ID:
      return &self->client_id;
    case PROP_USERNAME:
      return &self->username;
    case PROP_PASSWORD:
      return &self->password;
    case PROP_CA_FILE:
      return &self->ca_file;
    case PROP_CERT_FILE:
      return &self->cert_file;
    case PROP_KEY_FILE:
      return &self->key_file;
    default:
      return NULL;
  }
}

/* The counters of the run in progress, or of the last one. */
static void
get_counts (GstClassificationPublish * self, guint64 * published,
    guint64 * dropped)
{
  GST_OBJECT_LOCK (self);
  *published = self->published;
  *dropped = self->dropped;
  if (self->sink)
    publish_sink_get_counts (self->sink, published, dropped);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_classification_publish_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (object);
  gchar **str = string_prop (self, prop_id);

  /* start() reads them all. */
  if (gst_oclresnet_refuse_above_ready (GST_ELEMENT (self), pspec))
    return;
  GST_OBJECT_LOCK (self);
  if (str) {
    g_free (*str);
    *str = g_value_dup_string (value);
    /* The defaults come back on NULL. */
    if (*str == NULL && prop_id == PROP_FILE_PATH)
      *str = g_strdup (DEFAULT_FILE_PATH);
    if (*str == NULL && prop_id == PROP_ADDRESS)
      *str = g_strdup (DEFAULT_ADDRESS);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_METHOD:
      self->method = g_value_get_enum (value);
      break;
    case PROP_PUBLISH:
      self->when = g_value_get_enum (value);
      break;
    case PROP_QOS:
      self->qos = g_value_get_int (value);
      break;
    case PROP_MAX_QUEUED:
      self->max_queued = g_value_get_uint (value);
      break;
    case PROP_RECONNECT_MAX_DELAY:
      self->reconnect_max_delay = g_value_get_uint (value);
      break;
    case PROP_EOS_TIMEOUT:
      self->eos_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_classification_publish_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (object);
  gchar **str = string_prop (self, prop_id);
  guint64 published, dropped;

  if (prop_id == PROP_PUBLISHED || prop_id == PROP_DROPPED) {
    get_counts (self, &published, &dropped);
    g_value_set_uint64 (value, prop_id == PROP_PUBLISHED ? published : dropped);
    return;
  }
  GST_OBJECT_LOCK (self);
  if (str) {
    g_value_set_string (value, *str);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_PUBLISH:
      g_value_set_enum (value, self->when);
      break;
    case PROP_QOS:
      g_value_set_int (value, self->qos);
      break;
    case PROP_MAX_QUEUED:
      g_value_set_uint (value, self->max_queued);
      break;
    case PROP_RECONNECT_MAX_DELAY:
      g_value_set_uint (value, self->reconnect_max_delay);
      break;
    case PROP_EOS_TIMEOUT:
      g_value_set_uint (value, self->eos_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* From the streaming thread (a write failed) or the MQTT client's (the
 * broker went or came back): the pipeline survives either, so a warning,
 * and an info message when messages flow again. */
static void
sink_status (gpointer user_data, gboolean ok, const gchar * text)
{
  GstClassificationPublish *self = user_data;

  if (ok)
    GST_ELEMENT_INFO (self, RESOURCE, OPEN_WRITE, ("%s", text), (NULL));
  else
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("%s", text), (NULL));
}

static PublishSink *
open_mqtt (GstClassificationPublish * self, GError ** error)
{
  MqttSettings s = { 0 };
  g_autofree gchar *address = NULL;

  GST_OBJECT_LOCK (self);
  address = g_strdup (self->address);
  s.topic = self->topic && *self->topic ? g_strdup (self->topic)
      : g_strdup_printf ("oclresnet/%s", self->run_source);
  s.client_id = g_strdup (self->client_id);
  s.qos = self->qos;
  s.username = g_strdup (self->username);
  s.password = g_strdup (self->password);
  s.ca_file = g_strdup (self->ca_file);
  s.cert_file = g_strdup (self->cert_file);
  s.key_file = g_strdup (self->key_file);
  s.max_queued = self->max_queued;
  s.reconnect_max_delay_ms = self->reconnect_max_delay * 1000;
  s.keepalive_s = KEEPALIVE_S;
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "publishing to %s, topic %s, QoS %d%s", address,
      s.topic, s.qos, s.ca_file ? ", TLS" : "");
  return publish_sink_new_mqtt (address, &s, sink_status, self, error);
}

static PublishSink *
open_file (GstClassificationPublish * self, GError ** error)
{
  g_autofree gchar *path = NULL;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->file_path);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "writing JSON Lines to %s", path);
  return publish_sink_new_file (path, sink_status, self, error);
}

static gboolean
gst_classification_publish_start (GstBaseTransform * trans)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (trans);
  GstClassificationPublishMethod method;
  PublishSink *sink;
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  method = self->method;
  self->run_when = self->when;
  /* A start that failed is not followed by stop(). */
  g_free (self->run_source);
  self->run_source = g_strdup (self->source && *self->source ? self->source
      : GST_OBJECT_NAME (self));
  self->published = self->dropped = 0;
  GST_OBJECT_UNLOCK (self);
  self->frame = 0;
  self->width = self->height = 0;
  gst_resnet_changes_reset (self->changes);

  sink = method == METHOD_FILE ? open_file (self, &error) :
      open_mqtt (self, &error);
  if (sink == NULL)
    goto no_sink;
  GST_OBJECT_LOCK (self);
  self->sink = sink;
  GST_OBJECT_UNLOCK (self);
  return TRUE;

  /* ERRORS */
no_sink:
  {
    if (g_error_matches (error, PUBLISH_SINK_ERROR, PUBLISH_SINK_ERROR_OPEN))
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("%s", error->message),
          ("property file-path"));
    else if (g_error_matches (error, PUBLISH_SINK_ERROR,
            PUBLISH_SINK_ERROR_UNAVAILABLE))
      GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("%s", error->message),
          ("meson option mqtt"));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
          (NULL));
    g_error_free (error);
    return FALSE;
  }
}

static gboolean
gst_classification_publish_stop (GstBaseTransform * trans)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (trans);
  guint64 published = 0, dropped = 0;

  if (self->sink) {
    PublishSink *sink;

    /* Out of get_property's reach before it is freed; meanwhile the
     * properties show the counts as they were. */
    publish_sink_get_counts (self->sink, &published, &dropped);
    GST_OBJECT_LOCK (self);
    sink = self->sink;
    self->sink = NULL;
    self->published = published;
    self->dropped = dropped;
    GST_OBJECT_UNLOCK (self);
    publish_sink_free (sink, &published, &dropped);
    GST_OBJECT_LOCK (self);
    self->published = published;
    self->dropped = dropped;
    GST_OBJECT_UNLOCK (self);
  }
  get_counts (self, &published, &dropped);
  GST_INFO_OBJECT (self, "stopped: %" G_GUINT64_FORMAT " published, %"
      G_GUINT64_FORMAT " dropped", published, dropped);
  g_clear_pointer (&self->run_source, g_free);
  gst_resnet_changes_reset (self->changes);
  return TRUE;
}

static gboolean
gst_classification_publish_set_caps (GstBaseTransform * trans,
    GstCaps * incaps, GstCaps * outcaps)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (trans);
  GstStructure *s = gst_caps_get_structure (incaps, 0);

  self->width = self->height = 0;
  gst_structure_get_int (s, "width", &self->width);
  gst_structure_get_int (s, "height", &self->height);
  return TRUE;
}

static gint
top_class (GstClassificationMeta * m)
{
  gint id = -1;

  gst_classification_meta_get_result (m, 0, &id, NULL, NULL);
  return id;
}

/* The metas to publish for this frame, by the publish property; empty
 * when the frame sends nothing. */
static GPtrArray *
select_metas (GstClassificationPublish * self, GstBuffer * buf)
{
  GPtrArray *metas = g_ptr_array_new ();
  gpointer state = NULL;
  GstClassificationMeta *m;
  gboolean changed = FALSE;

  while ((m = gst_buffer_iterate_classification_meta (buf, &state))) {
    if (self->run_when == PUBLISH_FRESH && !m->fresh)
      continue;
    g_ptr_array_add (metas, m);
    /* Every region's tracker is updated, so no change goes unseen.  The
     * whole frame's key is G_MININT, which a region with that id shares:
     * such a region is always news. */
    if (self->run_when == PUBLISH_ON_CHANGE) {
      gboolean frame = gst_classification_meta_is_whole_frame (m);
      changed |= gst_resnet_changes_update (self->changes, frame ? G_MININT
          : m->roi_id, top_class (m), self->frame)
          || (!frame && m->roi_id == G_MININT);
    }
  }
  if (self->run_when == PUBLISH_ON_CHANGE) {
    if (!changed)
      g_ptr_array_set_size (metas, 0);
    gst_resnet_changes_end_frame (self->changes, self->frame);
  }
  return metas;
}

static GstFlowReturn
gst_classification_publish_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (trans);
  GPtrArray *metas = select_metas (self, buf);

  if (metas->len > 0) {
    GstClockTime pts = GST_BUFFER_PTS (buf);
    PublishFrame f = { self->run_source, pts,
      trans->segment.format == GST_FORMAT_TIME ?
          gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, pts) :
          GST_CLOCK_TIME_NONE, self->frame, self->width, self->height
    };
    gsize len;
    gchar *text = publish_json_frame (&f, buf, metas, &len);

    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s", self->frame, text);
    publish_sink_push (self->sink, text, len);
  }
  g_ptr_array_unref (metas);
  self->frame++;
  return GST_FLOW_OK;
}

static gboolean
gst_classification_publish_sink_event (GstBaseTransform * trans,
    GstEvent * event)
{
  GstClassificationPublish *self = GST_CLASSIFICATION_PUBLISH (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      /* Bounded: the messages queued so far get eos-timeout to reach the
       * broker (no wait when it was never reached). */
      if (self->sink) {
        guint timeout;

        GST_OBJECT_LOCK (self);
        timeout = self->eos_timeout;
        GST_OBJECT_UNLOCK (self);
        if (!publish_sink_drain (self->sink, g_get_monotonic_time () +
                timeout * (gint64) G_TIME_SPAN_MILLISECOND))
          GST_WARNING_OBJECT (self, "EOS: messages still undelivered after "
              "%u ms", timeout);
      }
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_resnet_changes_reset (self->changes);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static void
gst_classification_publish_class_init (GstClassificationPublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = gst_classification_publish_set_property;
  gobject_class->get_property = gst_classification_publish_get_property;
  gobject_class->finalize = gst_classification_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method", "Where the results go",
          GST_TYPE_CLASSIFICATION_PUBLISH_METHOD, DEFAULT_METHOD, rw));
  g_object_class_install_property (gobject_class, PROP_PUBLISH,
      g_param_spec_enum ("publish", "Publish",
          "Which frames send a message",
          GST_TYPE_CLASSIFICATION_PUBLISH_WHEN, DEFAULT_PUBLISH, rw));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Name of this stream in the messages (\"source\") and in the "
          "default topic; NULL: the element's name", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_FILE_PATH,
      g_param_spec_string ("file-path", "File path",
          "method=file: the file to write (truncated at start), "
          "- for standard output", DEFAULT_FILE_PATH, rw));
  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "method=mqtt: the broker, host:port ([v6 address]:port)",
          DEFAULT_ADDRESS, rw));
  g_object_class_install_property (gobject_class, PROP_TOPIC,
      g_param_spec_string ("topic", "Topic",
          "method=mqtt: the topic to publish on; NULL: oclresnet/<source>",
          NULL, rw));
  g_object_class_install_property (gobject_class, PROP_CLIENT_ID,
      g_param_spec_string ("client-id", "Client id",
          "method=mqtt: the MQTT client id; NULL: a random one", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_int ("qos", "QoS",
          "method=mqtt: MQTT quality of service (0: at most once, 1: at "
          "least once, 2: exactly once)", 0, 2, DEFAULT_QOS, rw));
  g_object_class_install_property (gobject_class, PROP_USERNAME,
      g_param_spec_string ("username", "Username",
          "method=mqtt: user name for the broker; NULL: none", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password",
          "method=mqtt: password for the broker (with username)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          "method=mqtt: PEM file of the certificate authorities that sign "
          "the broker's certificate; set: TLS is used", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_CERT_FILE,
      g_param_spec_string ("cert-file", "Certificate file",
          "method=mqtt: PEM client certificate, for brokers that ask for "
          "one (with key-file and ca-file)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_KEY_FILE,
      g_param_spec_string ("key-file", "Key file",
          "method=mqtt: PEM private key of cert-file (unencrypted)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUED,
      g_param_spec_uint ("max-queued", "Max queued",
          "method=mqtt: messages kept while the broker is slow or away; "
          "beyond this the oldest is dropped", 1, 1000000,
          DEFAULT_MAX_QUEUED, rw));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_MAX_DELAY,
      g_param_spec_uint ("reconnect-max-delay", "Reconnect max delay",
          "method=mqtt: longest wait between connection attempts, in "
          "seconds (the wait starts at 0.25 s and doubles)", 1, 3600,
          DEFAULT_RECONNECT_MAX_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_EOS_TIMEOUT,
      g_param_spec_uint ("eos-timeout", "EOS timeout",
          "method=mqtt: at end of stream, how long to wait for queued "
          "messages to be delivered (acknowledged, for QoS 1 and 2), in ms",
          0, 600000, DEFAULT_EOS_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_PUBLISHED,
      g_param_spec_uint64 ("published", "Published",
          "Messages delivered since start (written; for MQTT QoS 1/2, "
          "acknowledged by the broker); kept after stop",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "Messages that could not be delivered since start (queue full "
          "while the broker was away, write errors, undelivered at stop); "
          "kept after stop",
          0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Classification publisher", "Filter/Video/Analytics",
      "Publishes GstClassificationMeta results as JSON (JSON Lines file or "
      "MQTT), passing the video through untouched", "oclresnet");

  trans_class->start = GST_DEBUG_FUNCPTR (gst_classification_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_classification_publish_stop);
  trans_class->set_caps =
      GST_DEBUG_FUNCPTR (gst_classification_publish_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_classification_publish_transform_ip);
  trans_class->sink_event =
      GST_DEBUG_FUNCPTR (gst_classification_publish_sink_event);
  trans_class->transform_ip_on_passthrough = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_CLASSIFICATION_PUBLISH_METHOD, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_CLASSIFICATION_PUBLISH_WHEN, 0);
}
