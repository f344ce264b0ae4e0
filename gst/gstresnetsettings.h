/* resnetclassify's settings: its properties' values, their GParamSpecs
 * and defaults, and the preprocessing they resolve to against a model's
 * metadata.  The element reads and writes them under its object lock. */
#pragma once

#include <gst/gst.h>
#include "gstresnetmodel.h"
#include "gstresnetregions.h"

G_BEGIN_DECLS

typedef enum {
  RESIZE_STRETCH = OCL_RESIZE_STRETCH,
  RESIZE_CENTER_CROP = OCL_RESIZE_CENTER_CROP,
  RESIZE_LETTERBOX = OCL_RESIZE_LETTERBOX,
} GstResnetResizeMode;

typedef enum {
  ORDER_RGB,
  ORDER_BGR,
} GstResnetChannelOrder;

typedef enum {
  REGION_FULL_FRAME,
  REGION_ROI_LIST,
} GstResnetInferenceRegion;

typedef enum {
  MESSAGES_NONE,
  MESSAGES_ON_CHANGE,
  MESSAGES_EVERY,
} GstResnetMessages;

GType gst_resnet_resize_mode_get_type (void);
GType gst_resnet_channel_order_get_type (void);
GType gst_resnet_inference_region_get_type (void);
GType gst_resnet_messages_get_type (void);
GType gst_resnet_roi_source_get_type (void);
#define GST_TYPE_RESNET_RESIZE_MODE (gst_resnet_resize_mode_get_type ())
#define GST_TYPE_RESNET_CHANNEL_ORDER (gst_resnet_channel_order_get_type ())
#define GST_TYPE_RESNET_REGION (gst_resnet_inference_region_get_type ())
#define GST_TYPE_RESNET_MESSAGES (gst_resnet_messages_get_type ())
#define GST_TYPE_RESNET_ROI_SOURCE (gst_resnet_roi_source_get_type ())

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS,
  PROP_DEVICE,
  PROP_TOP_K,
  PROP_THRESHOLD,
  PROP_INFERENCE_INTERVAL,
  PROP_RESIZE_MODE,
  PROP_MEAN,
  PROP_STD,
  PROP_CHANNEL_ORDER,
  PROP_INFERENCE_REGION,
  PROP_ROI_TYPE,
  PROP_POST_MESSAGES,
  PROP_INFERENCE_TIME,
  PROP_MODEL_INSTANCE_ID,
  PROP_BATCH_SIZE,
  PROP_BATCH_TIMEOUT,
  PROP_SMOOTHING_WINDOW,
  PROP_RECLASSIFY_INTERVAL,
  PROP_ROI_MIN_SIZE,
  PROP_CLASS_THRESHOLDS,
  PROP_MAX_REGIONS,
  PROP_ROI_SOURCE,
  PROP_INFERENCES,
  PROP_REGIONS_SKIPPED,
};

typedef struct {
  gchar *model_path;
  gchar *labels_path;
  gchar *device;
  guint top_k;
  gdouble threshold;
  guint interval;
  GstResnetResizeMode resize_mode;
  gboolean resize_mode_set;
  gdouble mean[3], std[3];
  gboolean mean_set, std_set;
  guint mean_count, std_count;  /* values given; 3 is right */
  GstResnetChannelOrder order;
  gboolean order_set;
  GstResnetInferenceRegion region;
  gchar *roi_type;
  GstResnetRoiSource roi_source;
  GstResnetMessages messages;

  gchar *instance_id;
  guint batch_size, batch_timeout;
  guint smoothing_window, reclassify_interval;
  gchar *roi_min_size;          /* "WxH" */
  gchar *class_thresholds;      /* "label:t,..." or a file of them */
  guint max_regions;
} GstResnetSettings;

void gst_resnet_settings_init (GstResnetSettings * s);
void gst_resnet_settings_clear (GstResnetSettings * s);
/* Installs every settings property on @klass (not the read-only
 * statistics, which are the element's). */
void gst_resnet_settings_install (GObjectClass * klass);
/* FALSE when @prop_id is not a setting. */
gboolean gst_resnet_settings_set (GstResnetSettings * s, guint prop_id,
    const GValue * value);
gboolean gst_resnet_settings_get (const GstResnetSettings * s, guint prop_id,
    GValue * value);

/* The preprocessing for @m into @pp: what the user set, else the model's
 * metadata, else ImageNet's; the values not set by the user are written
 * back into @s, so that reading a property tells what is used.  FALSE
 * (and @out untouched) when a std is 0. */
gboolean gst_resnet_settings_preprocess (GstResnetSettings * s,
    const GstResnetModel * m, OclPreprocess * out);

/* roi-min-size's "WxH" into @w and @h (NULL or "": 0x0); FALSE when it is
 * not two numbers of at most G_MAXINT joined by an x. */
gboolean gst_resnet_settings_parse_size (const gchar * v, guint * w, guint * h);

G_END_DECLS
