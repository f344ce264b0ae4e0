/* resnetclassify's QoS and latency: see gstresnetqos.h. */
#include "gstresnetqos.h"

void
gst_resnet_qos_reset (GstResnetQos * q)
{
  q->earliest = GST_CLOCK_TIME_NONE;
  q->proportion = 1.0;
}

void
gst_resnet_qos_update (GstResnetQos * q, GstEvent * event)
{
  GstQOSType type;
  gdouble proportion;
  GstClockTimeDiff diff;
  GstClockTime timestamp;

  gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
  q->proportion = proportion;
  if (type == GST_QOS_TYPE_THROTTLE || !GST_CLOCK_TIME_IS_VALID (timestamp))
    q->earliest = GST_CLOCK_TIME_NONE;
  else if (diff > 0)
    q->earliest = timestamp + 2 * diff;
  else
    q->earliest = timestamp + diff;
}

GstMessage *
gst_resnet_qos_skip_message (GstObject * src, const GstSegment * segment,
    GstBuffer * buf, GstClockTime rt, const GstResnetQos * q,
    guint64 processed, guint64 skipped)
{
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstMessage *msg = gst_message_new_qos (src, FALSE, rt,
      gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts), pts,
      GST_BUFFER_DURATION (buf));

  gst_message_set_qos_values (msg, GST_CLOCK_DIFF (rt, q->earliest),
      q->proportion, 1000000);
  gst_message_set_qos_stats (msg, GST_FORMAT_BUFFERS, processed, skipped);
  return msg;
}

GstClockTime
gst_resnet_latency (guint64 inference_us, guint batch_size,
    guint batch_timeout_ms)
{
  return inference_us * GST_USECOND + (batch_size > 1 ?
      batch_timeout_ms * GST_MSECOND : 0);
}
