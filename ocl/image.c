/* Image preprocessing: the region geometry shared by the device path and
 * the C reference, and the reference itself. */
#include <math.h>
#include <string.h>
#include "ocl-private.h"

static int
iround (double v)
{
  return (int) floor (v + 0.5);
}

gboolean
ocl_image_geometry (const OclImage * img, const OclRect * rect,
    OclResizeMode mode, int H, int W, int geo[8])
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
  geo[0] = sx;
  geo[1] = sy;
  geo[2] = sw;
  geo[3] = sh;
  geo[4] = dx;
  geo[5] = dy;
  geo[6] = dw;
  geo[7] = dh;
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
  int geo[8];

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
