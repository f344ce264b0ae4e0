/* The MQTT publisher's settings (publish-mqtt.h): built with or without
 * libmosquitto, so that the element and the sink read and free them with
 * no #ifdef, and publish-mqtt.c, built only with libmosquitto, holds the
 * client alone.  An address that does not parse is the sink's error
 * (PUBLISH_SINK_ERROR_ADDRESS), as it is the sink that reports it. */
#include <errno.h>
#include <string.h>
#include "publish-mqtt.h"
#include "publish-sink.h"

void
mqtt_settings_clear (MqttSettings * s)
{
  g_free (s->host);
  g_free (s->topic);
  g_free (s->client_id);
  g_free (s->username);
  g_free (s->password);
  g_free (s->ca_file);
  g_free (s->cert_file);
  g_free (s->key_file);
  memset (s, 0, sizeof (*s));
}

gboolean
mqtt_parse_address (const gchar * address, gchar ** host, guint * port,
    GError ** error)
{
  const gchar *colon, *host_start, *host_end;
  guint64 p;
  gchar *end;

  if (address == NULL || *address == '\0')
    goto bad;
  colon = strrchr (address, ':');
  if (colon == NULL)
    goto bad;
  host_start = address;
  host_end = colon;
  if (address[0] == '[') {      /* [v6 address]:port */
    if (colon == address || colon[-1] != ']')
      goto bad;
    host_start = address + 1;
    host_end = colon - 1;
  } else if (memchr (address, ':', colon - address) != NULL) {
    goto bad;                   /* a v6 address needs brackets */
  }
  if (host_end == host_start)
    goto bad;
  errno = 0;
  p = g_ascii_strtoull (colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 1 || p > 65535)
    goto bad;
  *host = g_strndup (host_start, host_end - host_start);
  *port = (guint) p;
  return TRUE;

bad:
  g_set_error (error, PUBLISH_SINK_ERROR,
      PUBLISH_SINK_ERROR_ADDRESS,
      "address '%s' is not host:port (port 1 to 65535; [v6]:port)",
      address ? address : "");
  return FALSE;
}
