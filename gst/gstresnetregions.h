/* What resnetclassify classifies on a frame: its regions.  The whole frame
 * is one region with id -1 and no ROI meta; in roi-list mode each
 * GstVideoRegionOfInterestMeta of the chosen type, clipped to the frame and
 * at least roi-min-size, is one.  Object detections (GstAnalytics ODMtds,
 * GStreamer >= 1.24) become region metas first
 * (gst_resnet_analytics_adopt_detections()), so that one list holds
 * both.  Region metas come from upstream, so every box is clipped in 64
 * bits and an empty one is skipped, never an error.  No device code;
 * tests/test-regions.c runs it on the host. */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include "oclresnet.h"

G_BEGIN_DECLS

/* Where roi-list regions come from (the roi-source property). */
typedef enum {
  GST_RESNET_ROI_SOURCE_AUTO,   /* region metas and ODMtds, one region
                                 * where both describe one box */
  GST_RESNET_ROI_SOURCE_REGION_META,    /* GstVideoRegionOfInterestMeta only */
  GST_RESNET_ROI_SOURCE_ANALYTICS,      /* ODMtds only */
} GstResnetRoiSource;

typedef struct {
  GstVideoRegionOfInterestMeta *roi;    /* NULL: the whole frame */
  gint id;                      /* the tracking id of a tracked ODMtd,
                                 * else roi->id; -1 for the whole frame */
  gint index;                   /* of roi among the buffer's region metas;
                                 * -1: the whole frame */
  OclRect rect;                 /* clipped to the frame */
  /* The id names this region alone (the frame, or a region whose id is not
   * negative and appears once on the frame): it may key the history of
   * answers that smoothing and carry-over read. */
  gboolean stable;
  gint od_id;                   /* the ODMtd standing for it; -1: none */
} GstResnetRegion;

/* Filters for roi-list mode. */
typedef struct {
  const gchar *roi_type;        /* NULL or "": every type */
  guint min_w, min_h;           /* smaller regions are skipped */
  guint max_regions;            /* the first this many are kept; 0: all */
  GstResnetRoiSource source;
} GstResnetRegionFilter;

/* The whole @width x @height frame as the one region of @out. */
void gst_resnet_regions_full_frame (GArray * out, guint width, guint height);
/* Appends @buf's region metas that pass @filter, in the buffer's order,
 * to @out (of GstResnetRegion), at most @filter->max_regions of them.
 * A region's id keys its history (stable) when it names one object
 * across frames: a tracking id, or a region meta's own id that is not
 * negative, appears once on the frame and is not merely its ODMtd's
 * position on this buffer.
 * Returns how many were skipped as outside the frame or too small; sets
 * @over_limit (nullable) to how many passed but found no room. */
guint gst_resnet_regions_collect (GArray * out, GstBuffer * buf,
    guint width, guint height, const GstResnetRegionFilter * filter,
    guint * over_limit);

G_END_DECLS
