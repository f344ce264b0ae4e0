/* Image preprocessing on the host side: the checks a frame must pass, and
 * the region geometry shared by the device path and the C reference
 * (tests/ref/preprocess-ref.c). */
#include <math.h>
#include <string.h>
#include "ocl-private.h"
#include "kernels/ocl-abi.h"

G_STATIC_ASSERT (OCL_PIXEL_RGB == OCL_ABI_FMT_RGB);
G_STATIC_ASSERT (OCL_PIXEL_BGR == OCL_ABI_FMT_BGR);
G_STATIC_ASSERT (OCL_PIXEL_RGBX == OCL_ABI_FMT_RGBX);
G_STATIC_ASSERT (OCL_PIXEL_BGRX == OCL_ABI_FMT_BGRX);
G_STATIC_ASSERT (OCL_PIXEL_XRGB == OCL_ABI_FMT_XRGB);
G_STATIC_ASSERT (OCL_PIXEL_XBGR == OCL_ABI_FMT_XBGR);
G_STATIC_ASSERT (OCL_PIXEL_I420 == OCL_ABI_FMT_I420);
G_STATIC_ASSERT (OCL_PIXEL_NV12 == OCL_ABI_FMT_NV12);
G_STATIC_ASSERT (OCL_PIXEL_GRAY8 == OCL_ABI_FMT_GRAY8);

static int
iround (double v)
{
  return (int) floor (v + 0.5);
}

gboolean
ocl_image_geometry (const OclImage * img, const OclRect * rect,
    OclResizeMode mode, int H, int W, int *geo)
{
  int x0 = 0, y0 = 0, x1 = img->width, y1 = img->height;
  int sx, sy, sw, sh, dx = 0, dy = 0, dw = W, dh = H;

  if (rect) {
    x0 = CLAMP (rect->x, 0, img->width);
    y0 = CLAMP (rect->y, 0, img->height);
    x1 = CLAMP ((gint64) rect->x + rect->width, 0, img->width);
    y1 = CLAMP ((gint64) rect->y + rect->height, 0, img->height);
  }
  sx = x0;
  sy = y0;
  sw = x1 - x0;
  sh = y1 - y0;
  if (sw <= 0 || sh <= 0)
    return FALSE;
  if (mode == OCL_RESIZE_CENTER_CROP) {
    /* Largest centred crop with the tensor's aspect ratio. */
    if ((gint64) sw * H > (gint64) sh * W) {
      int cw = MAX (1, iround ((double) sh * W / H));
      sx += (sw - cw) / 2;
      sw = cw;
    } else {
      int ch = MAX (1, iround ((double) sw * H / W));
      sy += (sh - ch) / 2;
      sh = ch;
    }
  } else if (mode == OCL_RESIZE_LETTERBOX) {
    double scale = MIN ((double) W / sw, (double) H / sh);
    dw = CLAMP (iround (sw * scale), 1, W);
    dh = CLAMP (iround (sh * scale), 1, H);
    dx = (W - dw) / 2;
    dy = (H - dh) / 2;
  }
  geo[OCL_ABI_GEO_SX] = sx;
  geo[OCL_ABI_GEO_SY] = sy;
  geo[OCL_ABI_GEO_SW] = sw;
  geo[OCL_ABI_GEO_SH] = sh;
  geo[OCL_ABI_GEO_DX] = dx;
  geo[OCL_ABI_GEO_DY] = dy;
  geo[OCL_ABI_GEO_DW] = dw;
  geo[OCL_ABI_GEO_DH] = dh;
  return TRUE;
}

int
ocl_image_plane_count (OclPixelFormat f)
{
  return f == OCL_PIXEL_I420 ? 3 : f == OCL_PIXEL_NV12 ? 2 : 1;
}

/* Bytes per row and rows that plane @p of a @w x @h frame needs. */
static void
plane_extent (OclPixelFormat f, int p, gint64 w, gint64 h, gint64 * row,
    gint64 * rows)
{
  static const int bpp[] = { 3, 3, 4, 4, 4, 4, 1, 1, 1 };

  *row = w * bpp[f];
  *rows = h;
  if (p > 0) {                  /* chroma: halved both ways, rounded up */
    *row = (w + 1) / 2 * (f == OCL_PIXEL_NV12 ? 2 : 1);
    *rows = (h + 1) / 2;
  }
}

gboolean
ocl_image_check (const OclImage * img, GError ** error)
{
  if ((guint) img->format > OCL_PIXEL_GRAY8) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "unknown pixel format %d", (int) img->format);
    return FALSE;
  }
  if (img->width <= 0 || img->height <= 0 || img->width > OCL_MAX_WINDOW
      || img->height > OCL_MAX_WINDOW) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "bad image size %dx%d (1 to %d each way)", img->width, img->height,
        OCL_MAX_WINDOW);
    return FALSE;
  }
  for (int p = 0; p < ocl_image_plane_count (img->format); p++) {
    gint64 row, rows, need;
    plane_extent (img->format, p, img->width, img->height, &row, &rows);
    need = (gint64) img->stride[p] * (rows - 1) + row;
    if (img->data[p] == NULL || img->stride[p] < row
        || img->size[p] < (guint64) need || img->size[p] > G_MAXINT32) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
          "image plane %d is missing or too small: stride %d, %"
          G_GSIZE_FORMAT " bytes, a %dx%d frame needs a stride of %"
          G_GINT64_FORMAT " and %" G_GINT64_FORMAT " bytes (at most 2 GiB)",
          p, img->stride[p], img->size[p], img->width, img->height, row, need);
      return FALSE;
    }
  }
  return TRUE;
}

void
ocl_yuv_coefficients (OclYuvMatrix m, float *kr, float *kb)
{
  switch (m) {
    case OCL_YUV_BT709:
      *kr = 0.2126f;
      *kb = 0.0722f;
      break;
    case OCL_YUV_BT2020:
      *kr = 0.2627f;
      *kb = 0.0593f;
      break;
    default:
      *kr = 0.299f;
      *kb = 0.114f;
      break;
  }
}
