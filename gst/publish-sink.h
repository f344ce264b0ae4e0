/* Where classificationpublish's messages go, behind one small interface:
 * a file (or standard output, or a pipe) as JSON Lines, or an MQTT broker
 * (publish-mqtt.c).  The element pushes a message and reads the counts;
 * whether MQTT was built in is this file's business, not the element's.
 * GLib only. */
#pragma once

#include <glib.h>
#include "publish-mqtt.h"

G_BEGIN_DECLS

typedef struct _PublishSink PublishSink;

/* Messages stopped getting through (@ok FALSE) or flow again (@ok TRUE);
 * @text says so in a sentence for the user.  Called at most once per
 * outage, from the pushing thread or the sink's own. */
typedef void (*PublishSinkStatus) (gpointer user_data, gboolean ok,
    const gchar * text);

/* Writes each message and a newline to @path ("-": standard output),
 * flushed at once.  A write that fails (a full disk, a pipe whose reader
 * went away) drops that message and reports once; it never raises
 * SIGPIPE. */
PublishSink *publish_sink_new_file (const gchar * path,
    PublishSinkStatus status, gpointer user_data, GError ** error);
/* Publishes to the broker at @address ("host:port") with @settings (host
 * and port are set from @address), from a thread of its own.  Takes
 * @settings' strings, success or not.  Fails for a bad address or topic,
 * for settings libmosquitto refuses, or when built without libmosquitto. */
PublishSink *publish_sink_new_mqtt (const gchar * address,
    MqttSettings * settings, PublishSinkStatus status, gpointer user_data,
    GError ** error);

/* Sends @payload (taken) without waiting for the network. */
void publish_sink_push (PublishSink * sink, gchar * payload, gsize len);
/* Waits at most until @end_time (monotonic) for queued messages to be
 * delivered.  TRUE when nothing is left. */
gboolean publish_sink_drain (PublishSink * sink, gint64 end_time);
void publish_sink_get_counts (PublishSink * sink, guint64 * published,
    guint64 * dropped);
/* Closes and frees; what was not delivered counts as dropped.  @sink may
 * be NULL (counts untouched). */
void publish_sink_free (PublishSink * sink, guint64 * published,
    guint64 * dropped);

#define PUBLISH_SINK_ERROR (publish_sink_error_quark ())
GQuark publish_sink_error_quark (void);
typedef enum {
  PUBLISH_SINK_ERROR_OPEN,      /* the file cannot be opened */
  PUBLISH_SINK_ERROR_ADDRESS,   /* a bad broker address */
  PUBLISH_SINK_ERROR_TOPIC,     /* a topic not to publish on */
  PUBLISH_SINK_ERROR_SETTINGS,  /* refused by the MQTT client */
  PUBLISH_SINK_ERROR_UNAVAILABLE,       /* built without libmosquitto */
} PublishSinkError;

G_END_DECLS
