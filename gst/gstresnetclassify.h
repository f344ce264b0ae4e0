/* resnetclassify: classifies video frames (or their regions of interest)
 * with a ResNet ONNX model on OpenCL and attaches GstClassificationMeta. */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

GST_ELEMENT_REGISTER_DECLARE (resnetclassify);

#define GST_TYPE_RESNET_CLASSIFY (gst_resnet_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstResnetClassify, gst_resnet_classify, GST,
    RESNET_CLASSIFY, GstBaseTransform)
G_END_DECLS
