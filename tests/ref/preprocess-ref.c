/* The preprocessing reference: colour conversion, resize and normalisation
 * straight from the definitions, in double.  The oracle the kernel is
 * tested against; it shares only the region geometry with the executor. */
#include <math.h>
#include <string.h>
#include "ref.h"
#include "kernels/ocl-abi.h"

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
    double a = o * f, b = MIN (a + f, (double) s);
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

  for (int j = (int)floor (ay); j < (int) ceil (by); j++)
    for (int i = (int)floor (ax); i < (int) ceil (bx); i++) {
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
  for (int oy = geo[OCL_ABI_GEO_DY];
      oy < geo[OCL_ABI_GEO_DY] + geo[OCL_ABI_GEO_DH]; oy++)
    for (int ox = geo[OCL_ABI_GEO_DX];
        ox < geo[OCL_ABI_GEO_DX] + geo[OCL_ABI_GEO_DW]; ox++) {
      double acc[3] = { 0, 0, 0 }, wsum = 0.0;
      int jlo, jhi, ilo, ihi;
      /* Source indices whose weight can be non-zero; reads clamp at the
       * region's edges. */
      ref_window (oy - geo[OCL_ABI_GEO_DY], geo[OCL_ABI_GEO_DH],
          geo[OCL_ABI_GEO_SH], &jlo, &jhi);
      ref_window (ox - geo[OCL_ABI_GEO_DX], geo[OCL_ABI_GEO_DW],
          geo[OCL_ABI_GEO_SW], &ilo, &ihi);
      for (int j = jlo; j < jhi; j++) {
        double wy =
            ref_weight (j, oy - geo[OCL_ABI_GEO_DY], geo[OCL_ABI_GEO_DH],
            geo[OCL_ABI_GEO_SH]);
        if (wy <= 0.0)
          continue;
        for (int i = ilo; i < ihi; i++) {
          double w =
              wy * ref_weight (i, ox - geo[OCL_ABI_GEO_DX], geo[OCL_ABI_GEO_DW],
              geo[OCL_ABI_GEO_SW]), rgb[3];
          if (w <= 0.0)
            continue;
          ref_sample (img, geo[OCL_ABI_GEO_SX] + CLAMP (i, 0,
                  geo[OCL_ABI_GEO_SW] - 1), geo[OCL_ABI_GEO_SY] + CLAMP (j, 0,
                  geo[OCL_ABI_GEO_SH] - 1), rgb);
          for (int c = 0; c < 3; c++)
            acc[c] += w * rgb[c];
          wsum += w;
        }
      }
      for (int c = 0; c < 3; c++)
        acc[c] /= wsum;
      if ((img->format == OCL_PIXEL_I420 || img->format == OCL_PIXEL_NV12)
          && geo[OCL_ABI_GEO_SW] > geo[OCL_ABI_GEO_DW]
          && geo[OCL_ABI_GEO_SH] > geo[OCL_ABI_GEO_DH]) {
        /* Both axes shrink: chroma over the footprint on its own grid. */
        double fx = (double) geo[OCL_ABI_GEO_SW] / geo[OCL_ABI_GEO_DW], fy =
            (double) geo[OCL_ABI_GEO_SH] / geo[OCL_ABI_GEO_DH];
        double lx = geo[OCL_ABI_GEO_SX] + (ox - geo[OCL_ABI_GEO_DX]) * fx;
        double ly = geo[OCL_ABI_GEO_SY] + (oy - geo[OCL_ABI_GEO_DY]) * fy;
        /* The footprint ends inside the region, whatever the rounding. */
        double rx = MIN (lx + fx, geo[OCL_ABI_GEO_SX] + geo[OCL_ABI_GEO_SW]);
        double ry = MIN (ly + fy, geo[OCL_ABI_GEO_SY] + geo[OCL_ABI_GEO_SH]);
        gboolean nv = img->format == OCL_PIXEL_NV12;
        acc[1] = ref_area_mean (img->data[1], img->stride[1], nv ? 2 : 1,
            lx / 2, rx / 2, ly / 2, ry / 2);
        acc[2] = ref_area_mean (nv ? img->data[1] + 1 : img->data[2],
            img->stride[nv ? 1 : 2], nv ? 2 : 1, lx / 2, rx / 2, ly / 2,
            ry / 2);
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
