/* resnetclassify and GStreamer's analytics metas (GStreamer >= 1.24, built
 * with HAVE_GST_ANALYTICS): regions from object detections (ODMtd) and the
 * trackers that follow them (TrackingMtd), answers as classifications
 * (ClsMtd) related to their region's ODMtd the way DL Streamer relates
 * them (ODMtd CONTAIN ClsMtd, ClsMtd IS_PART_OF ODMtd).
 *
 * A region known to both forms is one region: a region meta stands for
 * an ODMtd when it carries a "GstAnalyticsODMtd" parameter whose "id"
 * names it (what this element writes), or when its id is the ODMtd's and
 * its type and box are the ODMtd's (what DL Streamer writes).
 *
 * Built without the library, every function is here and does nothing
 * (no link, no region adopted, no answer written), so that the element
 * has one path.  No device code: tests/test-regions.c runs the reading
 * side on the host. */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include "gstresnetregions.h"
#include "gstresnetanswer.h"

G_BEGIN_DECLS

/* The parameter structure that ties a region meta to its ODMtd. */
#define GST_RESNET_OD_PARAM "GstAnalyticsODMtd"

/* What the buffer's analytics say of one region meta. */
typedef struct {
  gint od_id;                   /* the ODMtd it stands for; -1: none */
  gboolean tracked;             /* a TrackingMtd is related to that ODMtd */
  guint64 tracking_id;
  /* The region meta's id is only the ODMtd's position on this buffer (as
   * DL Streamer writes it, or as adopted from an untracked detection). */
  gboolean id_is_position;
} GstResnetRegionLink;

/* TRUE when this build reads and writes analytics metas. */
gboolean gst_resnet_analytics_built (void);

/* @roi's ODMtd and tracking on @buf; none (-1, FALSE) when the buffer
 * has no analytics or nothing matches. */
void gst_resnet_analytics_link (GstBuffer * buf,
    GstVideoRegionOfInterestMeta * roi, GstResnetRegionLink * out);

/* Gives every ODMtd of @buf that no region meta stands for, of
 * @filter's type and at least its size once clipped to the @width x
 * @height frame, a region meta of its own: its type and box, the tracking
 * id as its id where a TrackingMtd in 0..G_MAXINT follows it (else the
 * ODMtd's id, as DL Streamer does), and the parameter that ties them.
 * The new metas come after the buffer's others, whose positions stay.
 * Returns how many were added. */
guint gst_resnet_analytics_adopt_detections (GstBuffer * buf, guint width,
    guint height, const GstResnetRegionFilter * filter);

/* Writes @a as a ClsMtd on @buf: related both ways to @r's ODMtd for a
 * region (an ODMtd is made for a region meta that has none, and tied to
 * it), unrelated for the whole frame.  @r->od_id is set to the ODMtd. */
void gst_resnet_analytics_add_answer (GstBuffer * buf, GstResnetRegion * r,
    const GstResnetAnswer * a);

G_END_DECLS
