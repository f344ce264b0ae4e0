/* resnetclassify's settings: its properties' values, their GParamSpecs
 * and defaults, and the preprocessing they resolve to against a model's
 * metadata.  The element reads and writes them under its object lock. */
#pragma once

#include <gst/gst.h>
#include "gstresnetmodel.h"
#include "gstresnetregions.h"

G_BEGIN_DECLS

typedef enum {
  GST_RESNET_RESIZE_STRETCH = OCL_RESIZE_STRETCH,
  GST_RESNET_RESIZE_CENTER_CROP = OCL_RESIZE_CENTER_CROP,
  GST_RESNET_RESIZE_LETTERBOX = OCL_RESIZE_LETTERBOX,
} GstResnetResizeMode;

typedef enum {
  GST_RESNET_ORDER_RGB,
  GST_RESNET_ORDER_BGR,
} GstResnetChannelOrder;

typedef enum {
  GST_RESNET_REGION_FULL_FRAME,
  GST_RESNET_REGION_ROI_LIST,
} GstResnetInferenceRegion;

typedef enum {
  GST_RESNET_MESSAGES_NONE,
  GST_RESNET_MESSAGES_ON_CHANGE,
  GST_RESNET_MESSAGES_EVERY,
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
  GST_RESNET_PROP_0,
  GST_RESNET_PROP_MODEL,
  GST_RESNET_PROP_LABELS,
  GST_RESNET_PROP_DEVICE,
  GST_RESNET_PROP_TOP_K,
  GST_RESNET_PROP_THRESHOLD,
  GST_RESNET_PROP_INFERENCE_INTERVAL,
  GST_RESNET_PROP_RESIZE_MODE,
  GST_RESNET_PROP_MEAN,
  GST_RESNET_PROP_STD,
  GST_RESNET_PROP_CHANNEL_ORDER,
  GST_RESNET_PROP_INFERENCE_REGION,
  GST_RESNET_PROP_ROI_TYPE,
  GST_RESNET_PROP_POST_MESSAGES,
  GST_RESNET_PROP_INFERENCE_TIME,
  GST_RESNET_PROP_MODEL_INSTANCE_ID,
  GST_RESNET_PROP_BATCH_SIZE,
  GST_RESNET_PROP_BATCH_TIMEOUT,
  GST_RESNET_PROP_SMOOTHING_WINDOW,
  GST_RESNET_PROP_RECLASSIFY_INTERVAL,
  GST_RESNET_PROP_ROI_MIN_SIZE,
  GST_RESNET_PROP_CLASS_THRESHOLDS,
  GST_RESNET_PROP_MAX_REGIONS,
  GST_RESNET_PROP_ROI_SOURCE,
  GST_RESNET_PROP_INFERENCES,
  GST_RESNET_PROP_REGIONS_SKIPPED,
  GST_RESNET_PROP_HEADS,
  GST_RESNET_PROP_NORMALIZE_EMBEDDINGS,
};

typedef struct {
  gchar *model_path;
  gchar *labels_path;
  gchar *device;
  guint top_k;
  gdouble threshold;
  gboolean threshold_set;       /* else multilabel heads take 0.5 */
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
  gchar *heads;                 /* "OUTPUT:KIND,...": overrides the model's */
  gboolean normalize_embeddings;
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
