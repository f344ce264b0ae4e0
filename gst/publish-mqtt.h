/* An MQTT publisher that never blocks its caller on the network: messages
 * go to a bounded queue that a thread of its own hands to libmosquitto,
 * connecting and reconnecting with exponential backoff.  GLib only; the
 * element turns its status reports into bus messages. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MqttPublisher MqttPublisher;

typedef struct {
  gchar *host;
  guint port;
  gchar *topic;
  gchar *client_id;             /* NULL: libmosquitto makes one up */
  gint qos;                     /* 0, 1 or 2 */
  gchar *username, *password;   /* NULL: none */
  gchar *ca_file, *cert_file, *key_file;        /* TLS when ca_file is set */
  guint max_queued;             /* >= 1 */
  guint reconnect_max_delay_ms; /* >= the first delay (250 ms) */
  guint keepalive_s;
} MqttSettings;

/* Reported from the publisher's thread: @up TRUE when a connection was
 * made, FALSE when one failed or was lost (@why says why, one line). */
typedef void (*MqttStatusFunc) (gpointer user_data, gboolean up,
    const gchar * why);

/* Splits "host:port" ("[v6]:port" too); port 1..65535. */
gboolean mqtt_parse_address (const gchar * address, gchar ** host,
    guint * port, GError ** error);

/* Starts the thread and the first connection attempt; fails only for
 * settings libmosquitto refuses (unreadable TLS files, bad client id).
 * Takes @settings' strings, success or not, and leaves @settings empty. */
MqttPublisher *mqtt_publisher_new (MqttSettings * settings,
    MqttStatusFunc status, gpointer user_data, GError ** error);

/* Queues @payload (taken); when the queue is full the oldest message is
 * dropped.  Never waits for the network. */
void mqtt_publisher_push (MqttPublisher * pub, gchar * payload, gsize len);

/* Waits until every queued message was delivered (acknowledged for QoS 1
 * and 2, written for QoS 0), at most until @end_time (g_get_monotonic_time
 * clock).  Returns at once when the broker was never reached and an
 * attempt to reach it failed.  TRUE when nothing is left. */
gboolean mqtt_publisher_drain (MqttPublisher * pub, gint64 end_time);

void mqtt_publisher_get_counts (MqttPublisher * pub, guint64 * published,
    guint64 * dropped);

/* Disconnects, stops the thread and frees; what was not delivered counts as
 * dropped in *@dropped (NULL: not wanted) along with earlier drops. */
void mqtt_publisher_free (MqttPublisher * pub, guint64 * published,
    guint64 * dropped);

void mqtt_settings_clear (MqttSettings * s);

G_END_DECLS
