#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS
GST_ELEMENT_REGISTER_DECLARE (classificationpublish);

#define GST_TYPE_CLASSIFICATION_PUBLISH (gst_classification_publish_get_type ())
G_DECLARE_FINAL_TYPE (GstClassificationPublish, gst_classification_publish,
    GST, CLASSIFICATION_PUBLISH, GstBaseTransform)
G_END_DECLS
