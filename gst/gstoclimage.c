/* GstVideo frames as OclImages. */
#include <string.h>
#include "gstoclimage.h"

gboolean
gst_ocl_image_format_from_video (GstVideoFormat format, OclPixelFormat * out)
{
  static const struct
  {
    GstVideoFormat gst;
    OclPixelFormat ocl;
  } map[] = {
    /* Alpha is read as padding: a classifier ignores it. */
    {GST_VIDEO_FORMAT_RGB, OCL_PIXEL_RGB},
    {GST_VIDEO_FORMAT_BGR, OCL_PIXEL_BGR},
    {GST_VIDEO_FORMAT_RGBx, OCL_PIXEL_RGBX},
    {GST_VIDEO_FORMAT_RGBA, OCL_PIXEL_RGBX},
    {GST_VIDEO_FORMAT_BGRx, OCL_PIXEL_BGRX},
    {GST_VIDEO_FORMAT_BGRA, OCL_PIXEL_BGRX},
    {GST_VIDEO_FORMAT_xRGB, OCL_PIXEL_XRGB},
    {GST_VIDEO_FORMAT_ARGB, OCL_PIXEL_XRGB},
    {GST_VIDEO_FORMAT_xBGR, OCL_PIXEL_XBGR},
    {GST_VIDEO_FORMAT_ABGR, OCL_PIXEL_XBGR},
    {GST_VIDEO_FORMAT_I420, OCL_PIXEL_I420},
    {GST_VIDEO_FORMAT_NV12, OCL_PIXEL_NV12},
    {GST_VIDEO_FORMAT_GRAY8, OCL_PIXEL_GRAY8},
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (map[i].gst == format) {
      *out = map[i].ocl;
      return TRUE;
    }
  return FALSE;
}

void
gst_ocl_image_from_frame (const GstVideoFrame * frame, OclPixelFormat format,
    OclImage * img)
{
  const GstVideoInfo *info = &frame->info;
  guint np = GST_VIDEO_FRAME_N_PLANES (frame);

  memset (img, 0, sizeof (*img));
  img->format = format;
  img->width = GST_VIDEO_INFO_WIDTH (info);
  img->height = GST_VIDEO_INFO_HEIGHT (info);
  for (guint p = 0; p < np && p < 3; p++) {
    guint comp_h = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (info->finfo, p,
        img->height);
    img->data[p] = GST_VIDEO_FRAME_PLANE_DATA (frame, p);
    img->stride[p] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, p);
    img->size[p] = (gsize) img->stride[p] * comp_h;
  }
  switch (info->colorimetry.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
      img->matrix = OCL_YUV_BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      img->matrix = OCL_YUV_BT2020;
      break;
    default:
      img->matrix = OCL_YUV_BT601;
      break;
  }
  img->full_range = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
}
