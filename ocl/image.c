/* Image preprocessing: the region geometry shared by the device path and
 * the C reference, and the reference itself. */
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
          p, img->stride[p], img->size[p], img->width, img->height, row,
          need);
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

/* ---- the reference: straight from the definitions, in double ---------- */

static void
ref_yuv (const OclImage * img, double y, double u, double v, double rgb[3])
{
  float kr, kb;
  double kg;

  ocl_yuv_coefficients (img->matrix, &kr, &kb);
  kg = 1.0 - kr - kb;
  if (!img->full_range) {
    y = (y - 16.0) * 255.0 / 219.0;
    u = (u - 128.0) * 255.0 / 224.0;
    v = (v - 128.0) * 255.0 / 224.0;
  } else {
    u -= 128.0;
    v -= 128.0;
  }
  rgb[0] = y + 2.0 * (1.0 - kr) * v;
  rgb[2] = y + 2.0 * (1.0 - kb) * u;
  rgb[1] = (y - kr * rgb[0] - kb * rgb[2]) / kg;
  for (int c = 0; c < 3; c++)
    rgb[c] = CLAMP (rgb[c], 0.0, 255.0);
}

/* The sample at (x, y) in the frame's own colour space: R, G, B for RGB
 * formats, Y, U, V (chroma of the 2x2 cell) for YUV ones. */
static void
ref_sample (const OclImage * img, int x, int y, double v[3])
{
  const guint8 *row = img->data[0] + (gsize) y * img->stride[0];
  static const int order[6][3] = {
    {0, 1, 2}, {2, 1, 0}, {0, 1, 2}, {2, 1, 0}, {1, 2, 3}, {3, 2, 1}
  };
  static const int bpp[6] = { 3, 3, 4, 4, 4, 4 };

  switch (img->format) {
    case OCL_PIXEL_I420:
      v[0] = row[x];
      v[1] = img->data[1][(gsize) (y / 2) * img->stride[1] + x / 2];
      v[2] = img->data[2][(gsize) (y / 2) * img->stride[2] + x / 2];
      return;
    case OCL_PIXEL_NV12:{
      const guint8 *uv = img->data[1] + (gsize) (y / 2) * img->stride[1] +
          (x / 2) * 2;
      v[0] = row[x];
      v[1] = uv[0];
      v[2] = uv[1];
      return;
    }
    case OCL_PIXEL_GRAY8:
      v[0] = v[1] = v[2] = row[x];
      return;
    default:
      for (int c = 0; c < 3; c++)
        v[c] = row[x * bpp[img->format] + order[img->format][c]];
  }
}

/* Range [*lo, *hi) of source indices that can weigh on output o. */
static void
ref_window (int o, int d, int s, int *lo, int *hi)
{
  double f = (double) s / d;
  if (f > 1.0) {
    *lo = (int) floor (o * f) - 1;
    *hi = (int) ceil ((o + 1) * f) + 1;
  } else {
    *lo = (int) floor ((o + 0.5) * f - 0.5) - 1;
    *hi = *lo + 4;
  }
}

/* Source sample weight for index i of an axis mapping d outputs onto s
 * inputs, output o: overlap of [i, i+1) with the footprint when shrinking,
 * the tent around the centre when growing. */
static double
ref_weight (int i, int o, int d, int s)
{
  double f = (double) s / d;
  if (f > 1.0) {
    double a = o * f, b = a + f;
    return MAX (0.0, MIN (i + 1.0, b) - MAX ((double) i, a));
  }
  return MAX (0.0, 1.0 - fabs (i - ((o + 0.5) * f - 0.5)));
}

/* Area mean of one channel (bytes @step apart) over [ax, bx) x [ay, by),
 * each sample weighted by its overlap: the definition, in double. */
static double
ref_area_mean (const guint8 * p, int stride, int step, double ax, double bx,
    double ay, double by)
{
  double acc = 0.0;

  for (int j = (int) floor (ay); j < (int) ceil (by); j++)
    for (int i = (int) floor (ax); i < (int) ceil (bx); i++) {
      double w = (MIN (i + 1.0, bx) - MAX ((double) i, ax)) *
          (MIN (j + 1.0, by) - MAX ((double) j, ay));
      acc += w * p[(gsize) j * stride + (gsize) i * step];
    }
  return acc / ((bx - ax) * (by - ay));
}

void
ocl_preprocess_reference (const OclImage * img, const OclRect * rect,
    const OclPreprocess * pp, int H, int W, float *out)
{
  int geo[OCL_ABI_GEO_N];

  memset (out, 0, sizeof (float) * 3 * H * W);
  if (!ocl_image_geometry (img, rect, pp->resize, H, W, geo))
    return;
  for (int oy = geo[5]; oy < geo[5] + geo[7]; oy++)
    for (int ox = geo[4]; ox < geo[4] + geo[6]; ox++) {
      double acc[3] = { 0, 0, 0 }, wsum = 0.0;
      int jlo, jhi, ilo, ihi;
      /* Source indices whose weight can be non-zero; reads clamp at the
       * region's edges. */
      ref_window (oy - geo[5], geo[7], geo[3], &jlo, &jhi);
      ref_window (ox - geo[4], geo[6], geo[2], &ilo, &ihi);
      for (int j = jlo; j < jhi; j++) {
        double wy = ref_weight (j, oy - geo[5], geo[7], geo[3]);
        if (wy <= 0.0)
          continue;
        for (int i = ilo; i < ihi; i++) {
          double w = wy * ref_weight (i, ox - geo[4], geo[6], geo[2]), rgb[3];
          if (w <= 0.0)
            continue;
          ref_sample (img, geo[0] + CLAMP (i, 0, geo[2] - 1),
              geo[1] + CLAMP (j, 0, geo[3] - 1), rgb);
          for (int c = 0; c < 3; c++)
            acc[c] += w * rgb[c];
          wsum += w;
        }
      }
      for (int c = 0; c < 3; c++)
        acc[c] /= wsum;
      if ((img->format == OCL_PIXEL_I420 || img->format == OCL_PIXEL_NV12)
          && geo[2] > geo[6] && geo[3] > geo[7]) {
        /* Both axes shrink: chroma over the footprint on its own grid. */
        double fx = (double) geo[2] / geo[6], fy = (double) geo[3] / geo[7];
        double lx = geo[0] + (ox - geo[4]) * fx, ly = geo[1] + (oy - geo[5]) * fy;
        gboolean nv = img->format == OCL_PIXEL_NV12;
        acc[1] = ref_area_mean (img->data[1], img->stride[1], nv ? 2 : 1,
            lx / 2, (lx + fx) / 2, ly / 2, (ly + fy) / 2);
        acc[2] = ref_area_mean (nv ? img->data[1] + 1 : img->data[2],
            img->stride[nv ? 1 : 2], nv ? 2 : 1, lx / 2, (lx + fx) / 2,
            ly / 2, (ly + fy) / 2);
      }
      if (img->format == OCL_PIXEL_I420 || img->format == OCL_PIXEL_NV12) {
        double yuv[3] = { acc[0], acc[1], acc[2] };
        ref_yuv (img, yuv[0], yuv[1], yuv[2], acc);
      }
      for (int c = 0; c < 3; c++) {
        int src = pp->bgr ? 2 - c : c;
        double v = acc[src] / 255.0;
        out[((gsize) c * H + oy) * W + ox] = (v - pp->mean[c]) / pp->std[c];
      }
    }
}
