/* resnetclassify's instance struct and what its files share: the
 * element (gstresnetclassify.c) and the answers it writes for each region
 * (gstresnetclassify-answers.c). */
#pragma once

#include <gst/base/gstbasetransform.h>
#include "gstresnetclassify.h"
#include "gstresnetinstance.h"
#include "gstresnethistory.h"
#include "gstresnetchanges.h"
#include "gstresnetregions.h"
#include "gstresnetanswer.h"
#include "gstresnetsettings.h"
#include "gstresnetqos.h"
#include "gstoclimage.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_resnet_classify_debug);

struct _GstResnetClassify {
  GstBaseTransform parent;

  GstResnetSettings props;      /* under the object lock */
  guint64 inference_time;       /* µs, last; under the object lock */
  gchar *model_in_use;          /* the path the instance runs, for a failed swap */

  /* from start() to stop() */
  GstResnetInstance *instance;  /* private (id NULL) or shared */
  GstResnetModel *model;        /* the model the last frame was set up for */
  OclPreprocess pp;             /* for that model */
  gboolean flushing;            /* atomic: between FLUSH_START and _STOP */
  GstResnetHistory *history;    /* per region (and frame) probabilities */
  GstResnetChanges *changes;    /* per region (and frame) top class */
  gfloat *thresholds;           /* per value of self->model, NULL: threshold */
  GstResnetHead *heads;         /* per output of self->model */
  guint8 *latest;               /* per value: not averaged (embeddings) */
  guint min_w, min_h;           /* roi-min-size */

  /* from set_caps() */
  GstVideoInfo info;
  OclPixelFormat pixel_format;

  /* streaming */
  guint64 frame;
  GstResnetQos qos;             /* under the object lock */
  guint64 inferences;           /* frames or regions run: the property, QoS stats */
  guint64 regions_skipped;      /* over max-regions: the property */
  guint64 qos_skipped;
  guint64 latency_reported;     /* µs, inference time in the last latency answer */
};

/* What a buffer is processed with: the properties, read once. */
typedef struct {
  GstResnetSelection sel;       /* thresholds: those of self->model */
  guint interval, window, reclassify;
  GstResnetMessages messages;
  GstResnetInferenceRegion region;
  gchar *roi_type;
  GstResnetRoiSource roi_source;
  guint max_regions;
  GstClockTime earliest;
} FrameSettings;

/* Stable region @r's last answer (its id keys the history), carried over
 * to this frame when it was computed less than @limit frames ago: FALSE
 * when there is none to carry. */
gboolean gst_resnet_classify_carried_answer (GstResnetClassify * self,
    const GstResnetRegion * r, guint64 frame_no, guint limit, gboolean late,
    const FrameSettings * s, GstResnetAnswer * a);
/* @r's answer from this frame's @values (the run's outputs for it, made
 * what each head reports in place), smoothed over its history. */
void gst_resnet_classify_fresh_answer (GstResnetClassify * self,
    const GstResnetRegion * r, guint64 frame_no, GstClockTime pts,
    const GstResnetRequest * req, float *values, const FrameSettings * s,
    GstResnetAnswer * a);
/* Hands @a to the writers: the meta, the region's 'classification'
 * parameter, the analytics ClsMtd (GStreamer >= 1.24), and the bus
 * message (every answer, or those whose top class changed for their
 * region; a region whose id is negative or repeated on the frame cannot
 * be followed, so each of its answers is posted). */
void gst_resnet_classify_emit_answer (GstResnetClassify * self,
    GstBuffer * buf, GstResnetRegion * r, const GstResnetAnswer * a,
    const FrameSettings * s, guint64 frame_no);

G_END_DECLS
