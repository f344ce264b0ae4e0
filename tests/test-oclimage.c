/* The GstVideo to OclImage adapter (gst/gstoclimage.c) on the host: every
 * format of the pad template maps, planes, strides and readable sizes
 * follow the mapped frame, and the colorimetry picks the YUV matrix. */
#include "gstoclimage.h"

/* Each format in GST_OCL_IMAGE_FORMATS has an OclPixelFormat; others do
 * not. */
static void
test_formats (void)
{
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format="
      GST_OCL_IMAGE_FORMATS);
  const GValue *list = gst_structure_get_value (gst_caps_get_structure (caps,
          0), "format");
  OclPixelFormat f;

  g_assert_cmpuint (gst_value_list_get_size (list), ==, 13);
  for (guint i = 0; i < gst_value_list_get_size (list); i++) {
    const gchar *name = g_value_get_string (gst_value_list_get_value (list,
            i));
    g_assert_true (gst_ocl_image_format_from_video
        (gst_video_format_from_string (name), &f));
  }
  g_assert_false (gst_ocl_image_format_from_video (GST_VIDEO_FORMAT_YUY2, &f));
  g_assert_true (gst_ocl_image_format_from_video (GST_VIDEO_FORMAT_BGRA, &f));
  g_assert_cmpint (f, ==, OCL_PIXEL_BGRX);
  gst_caps_unref (caps);
}

/* An odd-sized I420 frame: three planes, chroma rounded up, each plane's
 * size its stride times its rows; BT.709 limited range from the caps. */
static void
test_planes (void)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  OclImage img;
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=I420,width=33,"
      "height=17,colorimetry=bt709");

  g_assert_true (gst_video_info_from_caps (&info, caps));
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  g_assert_true (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
  gst_ocl_image_from_frame (&frame, OCL_PIXEL_I420, &img);
  g_assert_cmpint (img.width, ==, 33);
  g_assert_cmpint (img.height, ==, 17);
  for (guint p = 0; p < 3; p++) {
    guint rows = p == 0 ? 17 : 9;
    g_assert_true (img.data[p] == GST_VIDEO_FRAME_PLANE_DATA (&frame, p));
    g_assert_cmpint (img.stride[p], ==, GST_VIDEO_FRAME_PLANE_STRIDE (&frame,
            p));
    g_assert_cmpuint (img.size[p], ==, (gsize) img.stride[p] * rows);
  }
  g_assert_cmpint (img.matrix, ==, OCL_YUV_BT709);
  g_assert_false (img.full_range);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
  gst_caps_unref (caps);
}

int
main (int argc, char **argv)
{
  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/oclimage/formats", test_formats);
  g_test_add_func ("/oclimage/planes", test_planes);
  return g_test_run ();
}
