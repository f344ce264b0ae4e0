/* PublishSink: the file sink, and the MQTT sink over publish-mqtt.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <glib/gstdio.h>
#include "publish-sink.h"

GQuark
publish_sink_error_quark (void)
{
  return g_quark_from_static_string ("publish-sink-error-quark");
}

typedef struct
{
  void (*push) (PublishSink * sink, gchar * payload, gsize len);
    gboolean (*drain) (PublishSink * sink, gint64 end_time);
  void (*get_counts) (PublishSink * sink, guint64 * published,
      guint64 * dropped);
  void (*free) (PublishSink * sink, guint64 * published, guint64 * dropped);
} PublishSinkFuncs;

struct _PublishSink
{
  const PublishSinkFuncs *funcs;
  PublishSinkStatus status;
  gpointer user_data;
};

void
publish_sink_push (PublishSink * sink, gchar * payload, gsize len)
{
  sink->funcs->push (sink, payload, len);
}

gboolean
publish_sink_drain (PublishSink * sink, gint64 end_time)
{
  return sink->funcs->drain ? sink->funcs->drain (sink, end_time) : TRUE;
}

void
publish_sink_get_counts (PublishSink * sink, guint64 * published,
    guint64 * dropped)
{
  sink->funcs->get_counts (sink, published, dropped);
}

void
publish_sink_free (PublishSink * sink, guint64 * published, guint64 * dropped)
{
  if (sink)
    sink->funcs->free (sink, published, dropped);
}

/* ---- file ------------------------------------------------------------------ */

typedef struct
{
  PublishSink sink;
  FILE *file;
  gboolean is_stdout;
  GMutex lock;                  /* the counts: read from any thread */
  guint64 published, dropped;
} FileSink;

/* Writes @len bytes of @text and a newline (@text NULL: nothing), flushed,
 * with SIGPIPE blocked on this
 * thread: a reader that went away makes the write fail with EPIPE instead
 * of killing the process (the signal the kernel raises then is taken off
 * this thread's pending set before it is unblocked).  Blocking per thread
 * leaves the application's own SIGPIPE disposition alone. */
static gboolean
write_line (FILE * f, const gchar * text, gsize len, int *err)
{
  sigset_t pipe_only, old;
  gboolean ok;

  sigemptyset (&pipe_only);
  sigaddset (&pipe_only, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_only, &old);
  errno = 0;
  ok = (text == NULL || (fwrite (text, 1, len, f) == len
          && fputc ('\n', f) != EOF)) && fflush (f) == 0;
  *err = errno;
  if (!ok && *err == EPIPE && !sigismember (&old, SIGPIPE)) {
    sigset_t pending;
    struct timespec zero = { 0, 0 };
    sigpending (&pending);
    if (sigismember (&pending, SIGPIPE))
      sigtimedwait (&pipe_only, NULL, &zero);
  }
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  return ok;
}

static void
file_push (PublishSink * sink, gchar * payload, gsize len)
{
  FileSink *fs = (FileSink *) sink;
  int err = 0;
  gboolean ok = ferror (fs->file) == 0
      && write_line (fs->file, payload, len, &err);
  gboolean first_drop;

  g_mutex_lock (&fs->lock);
  if (ok)
    fs->published++;
  else
    fs->dropped++;
  first_drop = !ok && fs->dropped == 1;
  g_mutex_unlock (&fs->lock);
  g_free (payload);
  /* A full disk or a closed pipe: the video goes on, the user is told
   * once. */
  if (first_drop && sink->status) {
    g_autofree gchar *text = g_strdup_printf ("Cannot write results: %s; "
        "the next ones are counted in 'dropped'.",
        g_strerror (err ? err : EIO));
    sink->status (sink->user_data, FALSE, text);
  }
}

static void
file_get_counts (PublishSink * sink, guint64 * published, guint64 * dropped)
{
  FileSink *fs = (FileSink *) sink;

  g_mutex_lock (&fs->lock);
  *published = fs->published;
  *dropped = fs->dropped;
  g_mutex_unlock (&fs->lock);
}

static void
file_free (PublishSink * sink, guint64 * published, guint64 * dropped)
{
  FileSink *fs = (FileSink *) sink;
  int err;

  /* Whatever stdio still holds (nothing: every line is flushed), without
   * SIGPIPE either. */
  write_line (fs->file, NULL, 0, &err);
  if (!fs->is_stdout)
    fclose (fs->file);
  if (published && dropped)
    file_get_counts (sink, published, dropped);
  g_mutex_clear (&fs->lock);
  g_free (fs);
}

static const PublishSinkFuncs file_funcs = {
  file_push, NULL, file_get_counts, file_free,
};

PublishSink *
publish_sink_new_file (const gchar * path, PublishSinkStatus status,
    gpointer user_data, GError ** error)
{
  gboolean is_stdout = g_strcmp0 (path, "-") == 0;
  FILE *f = is_stdout ? stdout : g_fopen (path, "w");
  FileSink *fs;

  if (f == NULL) {
    int err = errno;
    g_set_error (error, PUBLISH_SINK_ERROR, PUBLISH_SINK_ERROR_OPEN,
        "Cannot open '%s' to write: %s", path, g_strerror (err));
    return NULL;
  }
  fs = g_new0 (FileSink, 1);
  fs->sink.funcs = &file_funcs;
  fs->sink.status = status;
  fs->sink.user_data = user_data;
  fs->file = f;
  fs->is_stdout = is_stdout;
  g_mutex_init (&fs->lock);
  return &fs->sink;
}

/* ---- MQTT ------------------------------------------------------------------ */

#ifdef HAVE_MQTT
typedef struct
{
  PublishSink sink;
  MqttPublisher *mqtt;
  gchar *where;                 /* host:port, for messages */
  guint max_queued;
} MqttSink;

/* From the MQTT client's thread. */
static void
mqtt_status (gpointer user_data, gboolean up, const gchar * why)
{
  MqttSink *ms = user_data;
  g_autofree gchar *text = NULL;

  if (up) {
    text = g_strdup_printf ("Connected to the MQTT broker at %s again; "
        "publishing resumed.", ms->where);
  } else {
    /* libmosquitto's texts end with a full stop; ours goes on. */
    g_autofree gchar *reason = g_strchomp (g_strdup (why ? why :
            "unknown error"));
    gsize n = strlen (reason);

    if (n > 0 && reason[n - 1] == '.')
      reason[n - 1] = '\0';
    text = g_strdup_printf ("Cannot reach the MQTT broker at %s (%s). "
        "Retrying; up to %u messages are kept meanwhile, older ones are "
        "dropped.", ms->where, reason, ms->max_queued);
  }
  if (ms->sink.status)
    ms->sink.status (ms->sink.user_data, up, text);
}

static void
mqtt_push (PublishSink * sink, gchar * payload, gsize len)
{
  mqtt_publisher_push (((MqttSink *) sink)->mqtt, payload, len);
}

static gboolean
mqtt_drain (PublishSink * sink, gint64 end_time)
{
  return mqtt_publisher_drain (((MqttSink *) sink)->mqtt, end_time);
}

static void
mqtt_get_counts (PublishSink * sink, guint64 * published, guint64 * dropped)
{
  mqtt_publisher_get_counts (((MqttSink *) sink)->mqtt, published, dropped);
}

static void
mqtt_free (PublishSink * sink, guint64 * published, guint64 * dropped)
{
  MqttSink *ms = (MqttSink *) sink;
  guint64 p = 0, d = 0;

  mqtt_publisher_free (ms->mqtt, &p, &d);
  if (published && dropped) {
    *published = p;
    *dropped = d;
  }
  g_free (ms->where);
  g_free (ms);
}

static const PublishSinkFuncs mqtt_funcs = {
  mqtt_push, mqtt_drain, mqtt_get_counts, mqtt_free,
};
#endif

PublishSink *
publish_sink_new_mqtt (const gchar * address, MqttSettings * s,
    PublishSinkStatus status, gpointer user_data, GError ** error)
{
#ifdef HAVE_MQTT
  MqttSink *ms;

  if (!mqtt_parse_address (address, &s->host, &s->port, error))
    goto fail;
  if (s->topic == NULL || *s->topic == '\0' || strchr (s->topic, '+')
      || strchr (s->topic, '#')) {
    g_set_error (error, PUBLISH_SINK_ERROR, PUBLISH_SINK_ERROR_TOPIC,
        "MQTT topic '%s' is not one to publish on (no '+' or '#').",
        s->topic ? s->topic : "");
    goto fail;
  }
  ms = g_new0 (MqttSink, 1);
  ms->sink.funcs = &mqtt_funcs;
  ms->sink.status = status;
  ms->sink.user_data = user_data;
  ms->where = g_strdup_printf ("%s:%u", s->host, s->port);
  ms->max_queued = s->max_queued;
  /* The status callback reads ms->where: set before the thread starts. */
  ms->mqtt = mqtt_publisher_new (s, mqtt_status, ms, error);
  if (ms->mqtt == NULL) {
    g_free (ms->where);
    g_free (ms);
    return NULL;
  }
  return &ms->sink;

fail:
  mqtt_settings_clear (s);
  return NULL;
#else
  mqtt_settings_clear (s);
  g_set_error_literal (error, PUBLISH_SINK_ERROR,
      PUBLISH_SINK_ERROR_UNAVAILABLE, "method=mqtt is not available: "
      "oclresnet was built without libmosquitto.");
  return NULL;
#endif
}
