/* classificationoverlay: draws the GstClassificationMeta of each frame (and
 * each classified region's label beside its box) onto the video. */
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (classificationoverlay);

#define GST_TYPE_CLASSIFICATION_OVERLAY (gst_classification_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstClassificationOverlay, gst_classification_overlay,
    GST, CLASSIFICATION_OVERLAY, GstVideoFilter)
G_END_DECLS
