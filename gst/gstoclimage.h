/* The GstVideo side of ocl/'s OclImage: which raw formats the device
 * preprocessing reads, and a mapped frame described as an OclImage (its
 * planes, strides, sizes and YUV colorimetry).  No copy is made. */
#pragma once

#include <gst/video/video.h>
#include "oclresnet.h"

G_BEGIN_DECLS

/* The formats resnetclassify takes, for its pad templates. */
#define GST_OCL_IMAGE_FORMATS "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, " \
    "BGRA, ARGB, ABGR, I420, NV12, GRAY8 }"

/* FALSE when ocl/ cannot read @format. */
gboolean gst_ocl_image_format_from_video (GstVideoFormat format,
    OclPixelFormat * out);
/* @frame's planes as @img (pointers into the mapping: valid while it is
 * mapped). */
void gst_ocl_image_from_frame (const GstVideoFrame * frame,
    OclPixelFormat format, OclImage * img);

G_END_DECLS
