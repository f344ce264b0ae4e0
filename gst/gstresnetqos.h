/* QoS and latency for an element that skips inference, not frames: a
 * late frame passes with its last answer carried over.  Plain functions
 * of their arguments (no element state), so that the element keeps its
 * state under its own lock. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* What downstream's QoS events said: the running time before which a
 * frame is late, and the proportion. */
typedef struct {
  GstClockTime earliest;        /* GST_CLOCK_TIME_NONE: nothing is late */
  gdouble proportion;
} GstResnetQos;

void gst_resnet_qos_reset (GstResnetQos * q);
/* Takes in QOS event @event (not consumed). */
void gst_resnet_qos_update (GstResnetQos * q, GstEvent * event);

/* The standard QoS message for a frame @buf (running time @rt) whose
 * inference was skipped by @q: the buffer itself goes on, so the stats
 * count inferences (@processed run, @skipped skipped), not buffers. */
GstMessage *gst_resnet_qos_skip_message (GstObject * src,
    const GstSegment * segment, GstBuffer * buf, GstClockTime rt,
    const GstResnetQos * q, guint64 processed, guint64 skipped);

/* The latency this element adds: the last inference (@inference_us) and,
 * when frames are batched (@batch_size > 1), the longest a frame waits
 * for its batch (@batch_timeout_ms). */
GstClockTime gst_resnet_latency (guint64 inference_us, guint batch_size,
    guint batch_timeout_ms);

G_END_DECLS
