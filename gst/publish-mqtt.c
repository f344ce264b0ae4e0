/* The MQTT publisher: a bounded queue, and a thread of its own that runs
 * libmosquitto (connect, mosquitto_loop, backoff).
 *
 * Who calls libmosquitto: the thread connects and runs the loop; messages
 * are handed to mosquitto_publish() under the publisher's lock, by push()
 * when connected and by the callbacks (in the thread) when a connection
 * comes up or an acknowledgement frees a slot.  The client is in threaded
 * mode, so mosquitto_publish() only queues the packet and wakes the loop:
 * the caller never waits for the network.
 *
 * Counting: a message is either still queued here, or handed to
 * libmosquitto (in flight, at most MAX_IN_FLIGHT), or published (written,
 * for QoS 0; acknowledged, for QoS 1 and 2), or dropped (pushed out of a
 * full queue, QoS 0 lost with a connection, or left over at the end). */
#include "publish-mqtt.h"

#include <errno.h>
#include <string.h>
#include <mosquitto.h>

/* Handed to libmosquitto and not yet published.  libmosquitto keeps QoS
 * 1/2 messages across a reconnection and sends them again. */
#define MAX_IN_FLIGHT 32
#define FIRST_DELAY_MS 250
/* How long free() waits for the thread, which may be inside a blocking
 * connect() to an unreachable host; after that it is left to finish and
 * clean up alone. */
#define STOP_WAIT_US (2 * G_TIME_SPAN_SECOND)

#define MQTT_PUBLISHER_ERROR (mqtt_publisher_error_quark ())
static GQuark
mqtt_publisher_error_quark (void)
{
  return g_quark_from_static_string ("mqtt-publisher-error-quark");
}

typedef struct
{
  gchar *payload;
  gsize len;
} Message;

struct _MqttPublisher
{
  gint refs;                    /* the owner and the thread */
  struct mosquitto *mosq;
  MqttSettings s;
  GThread *thread;

  GMutex lock;
  GMutex status_lock;
  GCond cond;                   /* stop, progress, thread exit */
  GQueue queue;                 /* Message *, at most s.max_queued */
  guint in_flight;
  gboolean connected;           /* CONNACK received, not lost since */
  gboolean ever_connected;
  gboolean down_reported;       /* one report per outage */
  gboolean stopping, exited;
  gboolean owner_gone;          /* under status_lock */
  guint64 published, dropped;
  MqttStatusFunc status;
  gpointer user_data;
};

static void
message_free (gpointer data)
{
  Message *m = data;

  g_free (m->payload);
  g_free (m);
}


static void
publisher_unref (MqttPublisher * pub)
{
  if (!g_atomic_int_dec_and_test (&pub->refs))
    return;
  if (pub->mosq)
    mosquitto_destroy (pub->mosq);
  g_queue_clear_full (&pub->queue, message_free);
  mqtt_settings_clear (&pub->s);
  g_mutex_clear (&pub->lock);
  g_mutex_clear (&pub->status_lock);
  g_cond_clear (&pub->cond);
  g_free (pub);
}

/* Hands queued messages to libmosquitto while there is room in flight.
 * Called with the lock held. */
static void
pump_locked (MqttPublisher * pub)
{
  while (pub->connected && pub->in_flight < MAX_IN_FLIGHT
      && !g_queue_is_empty (&pub->queue)) {
    Message *m = g_queue_peek_head (&pub->queue);
    int rc = mosquitto_publish (pub->mosq, NULL, pub->s.topic, (int) m->len,
        m->payload, pub->s.qos, false);

    if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST)
      return;                   /* kept: sent after the next connection */
    g_queue_pop_head (&pub->queue);
    message_free (m);
    if (rc == MOSQ_ERR_SUCCESS)
      pub->in_flight++;
    else
      pub->dropped++;           /* e.g. larger than the broker allows */
  }
}

/* One report per change between up and down.  The owner's callback runs
 * under status_lock, which free() takes before it leaves: no report can
 * reach an owner that has gone. */
static void
report (MqttPublisher * pub, gboolean up, const gchar * why)
{
  gboolean changed;

  g_mutex_lock (&pub->lock);
  changed = up ? pub->down_reported : !pub->down_reported;
  if (changed)
    pub->down_reported = !up;
  g_cond_broadcast (&pub->cond);        /* drain() watches down_reported */
  g_mutex_unlock (&pub->lock);
  if (!changed)
    return;
  g_mutex_lock (&pub->status_lock);
  if (!pub->owner_gone && pub->status)
    pub->status (pub->user_data, up, why);
  g_mutex_unlock (&pub->status_lock);
}

static void
on_connect (struct mosquitto *mosq, void *data, int rc)
{
  MqttPublisher *pub = data;

  if (rc != 0) {
    report (pub, FALSE, mosquitto_connack_string (rc));
    return;
  }
  g_mutex_lock (&pub->lock);
  pub->connected = TRUE;
  pub->ever_connected = TRUE;
  pump_locked (pub);
  g_mutex_unlock (&pub->lock);
  report (pub, TRUE, NULL);
}

static void
on_publish (struct mosquitto *mosq, void *data, int mid)
{
  MqttPublisher *pub = data;

  g_mutex_lock (&pub->lock);
  if (pub->in_flight > 0)
    pub->in_flight--;
  pub->published++;
  pump_locked (pub);
  g_cond_broadcast (&pub->cond);
  g_mutex_unlock (&pub->lock);
}

/* The connection ended: QoS 0 messages not yet written are gone with it. */
static void
connection_lost (MqttPublisher * pub)
{
  g_mutex_lock (&pub->lock);
  pub->connected = FALSE;
  if (pub->s.qos == 0) {
    pub->dropped += pub->in_flight;
    pub->in_flight = 0;
  }
  g_cond_broadcast (&pub->cond);
  g_mutex_unlock (&pub->lock);
}

static void
on_disconnect (struct mosquitto *mosq, void *data, int rc)
{
  connection_lost (data);
}

static gchar *
describe_error (int rc, int saved_errno)
{
  if (rc == MOSQ_ERR_ERRNO)
    return g_strdup (g_strerror (saved_errno));
  return g_strdup (mosquitto_strerror (rc));
}

/* Sleeps until @until or stop; returns FALSE on stop. */
static gboolean
wait_until (MqttPublisher * pub, gint64 until)
{
  gboolean go_on;

  g_mutex_lock (&pub->lock);
  while (!pub->stopping && g_get_monotonic_time () < until)
    g_cond_wait_until (&pub->cond, &pub->lock, until);
  go_on = !pub->stopping;
  g_mutex_unlock (&pub->lock);
  return go_on;
}

static gboolean
stopping (MqttPublisher * pub)
{
  gboolean s;

  g_mutex_lock (&pub->lock);
  s = pub->stopping;
  g_mutex_unlock (&pub->lock);
  return s;
}

static gpointer
publisher_thread (gpointer data)
{
  MqttPublisher *pub = data;
  gboolean socket_open = FALSE, first = TRUE;
  guint delay_ms = FIRST_DELAY_MS;

  while (!stopping (pub)) {
    int rc, saved_errno;

    if (!socket_open) {
      errno = 0;
      rc = first ? mosquitto_connect (pub->mosq, pub->s.host,
          (int) pub->s.port, (int) pub->s.keepalive_s)
          : mosquitto_reconnect (pub->mosq);
      saved_errno = errno;
      if (rc == MOSQ_ERR_SUCCESS) {
        first = FALSE;
        socket_open = TRUE;
        continue;               /* the CONNACK arrives in the loop */
      }
    } else {
      rc = mosquitto_loop (pub->mosq, 1000, 1);
      saved_errno = errno;
      if (rc == MOSQ_ERR_SUCCESS) {
        gboolean up;

        g_mutex_lock (&pub->lock);
        up = pub->connected;
        g_mutex_unlock (&pub->lock);
        if (up)
          delay_ms = FIRST_DELAY_MS;
        continue;
      }
      socket_open = FALSE;
      connection_lost (pub);
    }
    if (stopping (pub))
      break;
    {
      gchar *why = describe_error (rc, saved_errno);
      report (pub, FALSE, why);
      g_free (why);
    }
    if (!wait_until (pub, g_get_monotonic_time () + delay_ms * (gint64) 1000))
      break;
    delay_ms = MIN (delay_ms * 2, MAX (pub->s.reconnect_max_delay_ms,
            FIRST_DELAY_MS));
  }
  /* Send the DISCONNECT, so the broker forgets us cleanly. */
  if (socket_open) {
    mosquitto_disconnect (pub->mosq);
    mosquitto_loop (pub->mosq, 100, 1);
  }
  g_mutex_lock (&pub->lock);
  pub->exited = TRUE;
  g_cond_broadcast (&pub->cond);
  g_mutex_unlock (&pub->lock);
  publisher_unref (pub);
  return NULL;
}

static gpointer
lib_init (gpointer unused)
{
  mosquitto_lib_init ();
  return NULL;
}

MqttPublisher *
mqtt_publisher_new (MqttSettings * settings, MqttStatusFunc status,
    gpointer user_data, GError ** error)
{
  static GOnce once = G_ONCE_INIT;
  MqttPublisher *pub;
  int rc;

  g_once (&once, lib_init, NULL);
  pub = g_new0 (MqttPublisher, 1);
  pub->refs = 1;
  pub->s = *settings;           /* the strings move in */
  memset (settings, 0, sizeof (*settings));
  pub->s.max_queued = MAX (pub->s.max_queued, 1);
  pub->status = status;
  pub->user_data = user_data;
  g_mutex_init (&pub->lock);
  g_mutex_init (&pub->status_lock);
  g_cond_init (&pub->cond);
  g_queue_init (&pub->queue);

  pub->mosq = mosquitto_new (pub->s.client_id, true, pub);
  if (pub->mosq == NULL) {
    g_set_error (error, MQTT_PUBLISHER_ERROR, 0,
        "cannot create an MQTT client%s%s: %s",
        pub->s.client_id ? " with id " : "",
        pub->s.client_id ? pub->s.client_id : "", g_strerror (errno));
    goto fail;
  }
  mosquitto_threaded_set (pub->mosq, true);
  mosquitto_int_option (pub->mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_callback_set (pub->mosq, on_connect);
  mosquitto_disconnect_callback_set (pub->mosq, on_disconnect);
  mosquitto_publish_callback_set (pub->mosq, on_publish);
  if (pub->s.username && (rc = mosquitto_username_pw_set (pub->mosq,
              pub->s.username, pub->s.password)) != MOSQ_ERR_SUCCESS) {
    g_set_error (error, MQTT_PUBLISHER_ERROR, 0,
        "username refused: %s", mosquitto_strerror (rc));
    goto fail;
  }
  if ((pub->s.cert_file != NULL) != (pub->s.key_file != NULL)) {
    g_set_error_literal (error, MQTT_PUBLISHER_ERROR, 0,
        "cert-file and key-file go together: set both or neither");
    goto fail;
  }
  if ((pub->s.cert_file || pub->s.key_file) && pub->s.ca_file == NULL) {
    g_set_error_literal (error, MQTT_PUBLISHER_ERROR, 0,
        "a client certificate needs TLS: set ca-file too");
    goto fail;
  }
  if (pub->s.ca_file && (rc = mosquitto_tls_set (pub->mosq, pub->s.ca_file,
              NULL, pub->s.cert_file, pub->s.key_file, NULL))
      != MOSQ_ERR_SUCCESS) {
    g_set_error (error, MQTT_PUBLISHER_ERROR, 0,
        "TLS settings refused (ca-file '%s'%s%s): %s", pub->s.ca_file,
        pub->s.cert_file ? ", cert-file '" : "",
        pub->s.cert_file ? pub->s.cert_file : "",
        rc == MOSQ_ERR_ERRNO ? g_strerror (errno) : mosquitto_strerror (rc));
    goto fail;
  }

  g_atomic_int_inc (&pub->refs);
  pub->thread = g_thread_new ("mqtt-publish", publisher_thread, pub);
  return pub;

fail:
  publisher_unref (pub);
  return NULL;
}

void
mqtt_publisher_push (MqttPublisher * pub, gchar * payload, gsize len)
{
  Message *m = g_new (Message, 1);

  m->payload = payload;
  m->len = len;
  g_mutex_lock (&pub->lock);
  if (g_queue_get_length (&pub->queue) >= pub->s.max_queued) {
    message_free (g_queue_pop_head (&pub->queue));
    pub->dropped++;
  }
  g_queue_push_tail (&pub->queue, m);
  pump_locked (pub);
  g_mutex_unlock (&pub->lock);
}

gboolean
mqtt_publisher_drain (MqttPublisher * pub, gint64 end_time)
{
  gboolean empty;

  g_mutex_lock (&pub->lock);
  while ((!g_queue_is_empty (&pub->queue) || pub->in_flight > 0)
      && (pub->ever_connected || !pub->down_reported) && !pub->exited
      && g_get_monotonic_time () < end_time)
    g_cond_wait_until (&pub->cond, &pub->lock, end_time);
  empty = g_queue_is_empty (&pub->queue) && pub->in_flight == 0;
  g_mutex_unlock (&pub->lock);
  return empty;
}

void
mqtt_publisher_get_counts (MqttPublisher * pub, guint64 * published,
    guint64 * dropped)
{
  g_mutex_lock (&pub->lock);
  *published = pub->published;
  *dropped = pub->dropped;
  g_mutex_unlock (&pub->lock);
}

void
mqtt_publisher_free (MqttPublisher * pub, guint64 * published,
    guint64 * dropped)
{
  gint64 end = g_get_monotonic_time () + STOP_WAIT_US;
  gboolean exited;

  g_mutex_lock (&pub->lock);
  pub->stopping = TRUE;
  g_cond_broadcast (&pub->cond);
  g_mutex_unlock (&pub->lock);
  /* Wakes a mosquitto_loop() that is waiting in select(). */
  mosquitto_disconnect (pub->mosq);

  g_mutex_lock (&pub->lock);
  while (!pub->exited && g_get_monotonic_time () < end)
    g_cond_wait_until (&pub->cond, &pub->lock, end);
  exited = pub->exited;
  g_mutex_unlock (&pub->lock);
  g_mutex_lock (&pub->status_lock);
  pub->owner_gone = TRUE;
  g_mutex_unlock (&pub->status_lock);

  g_mutex_lock (&pub->lock);
  pub->dropped += g_queue_get_length (&pub->queue) + pub->in_flight;
  pub->in_flight = 0;
  g_queue_clear_full (&pub->queue, message_free);
  if (published)
    *published = pub->published;
  if (dropped)
    *dropped = pub->dropped;
  g_mutex_unlock (&pub->lock);
  /* Joined when it has exited; else it finishes its connect() and frees
   * what is left itself. */
  if (exited)
    g_thread_join (pub->thread);
  else
    g_thread_unref (pub->thread);
  publisher_unref (pub);
}
