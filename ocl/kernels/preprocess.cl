/* One frame (or regions of it) -> the network's input tensor: colour
 * conversion, resize and normalisation in one pass.
 *
 * NDRange (W, H, n): one work-item per output pixel of batch entry
 * first + n (several frames share a batch, each its own launch).
 *
 * Arguments:
 *   p0, p1, p2   planes of the frame (unused planes: any buffer)
 *   geo          per batch entry OCL_ABI_GEO_N ints: source rect sx, sy, sw, sh (pixels,
 *                inside the frame) and destination rect dx, dy, dw, dh
 *                (inside the W x H tensor; outside it the tensor gets 0,
 *                i.e. the mean colour)
 *   out          NHWC float [batch][H][W][3]
 *   first        the batch entry of this launch's first region
 *   format       OclPixelFormat
 *   s0, s1, s2   plane strides in bytes
 *   mean, istd   per tensor channel (.s012), applied to pixel / 255
 *   bgr          tensor channel 0 is blue
 *   yuv          Kr, Kb, and full range (.s2 != 0) for YUV formats
 *
 * Along each axis a shrinking region is area-averaged (each source pixel
 * weighted by its overlap with the output pixel's footprint, no aliasing);
 * a growing one is sampled bilinearly at the output pixel's centre.  YUV
 * frames are averaged as Y, U, V and converted to RGB once per output
 * pixel: when both axes shrink, chroma is area-averaged over the same
 * footprint on its half-resolution grid; otherwise each luma sample takes
 * the chroma of its 2x2 cell. */

#include "ocl-abi.h"
#include "ocl-sig.h"

static inline float3
yuv_to_rgb (float y, float u, float v, float4 yuv)
{
  float kr = yuv.s0, kb = yuv.s1, kg = 1.0f - kr - kb;
  float r, g, b;
  if (yuv.s2 == 0.0f) {
    y = (y - 16.0f) * (255.0f / 219.0f);
    u = (u - 128.0f) * (255.0f / 224.0f);
    v = (v - 128.0f) * (255.0f / 224.0f);
  } else {
    u -= 128.0f;
    v -= 128.0f;
  }
  r = y + 2.0f * (1.0f - kr) * v;
  b = y + 2.0f * (1.0f - kb) * u;
  g = (y - kr * r - kb * b) / kg;
  return clamp ((float3) (r, g, b), 0.0f, 255.0f);
}

/* First tap, tap count and the sampling position along one axis for output
 * coordinate o of a destination of size d drawn from a source of size s. */
static inline void
axis_taps (int o, int d, int s, int *first, int *count, float *a, float *b)
{
  float f = (float) s / (float) d;
  if (f > 1.0f) {
    *a = o * f;                 /* footprint [a, b) */
    /* The last footprint ends at s exactly; rounding must not take it
     * past the region (nor the plane's last byte). */
    *b = fmin (*a + f, (float) s);
    *first = (int) floor (*a);
    *count = (int) ceil (*b) - *first;
  } else {
    float c = (o + 0.5f) * f - 0.5f;    /* centre, bilinear */
    *a = c;
    *b = -1.0f;
    *first = (int) floor (c);
    *count = 2;
  }
}

static inline float
tap_weight (int i, float a, float b)
{
  if (b >= 0.0f)
    return fmin ((float) (i + 1), b) - fmax ((float) i, a);
  return fmax (0.0f, 1.0f - fabs ((float) i - a));
}

/* Weighted sum over the footprint of one output pixel.  Samples are
 * averaged in the frame's own colour space (YUV is converted once, after
 * averaging: the conversion is affine), which keeps the per-tap work to a
 * few loads and multiply-adds.  LOAD(x, y) yields the float3 sample. */
#define ACCUMULATE(LOAD) \
  for (int j = fy; j < fy + ny; j++) { \
    float wy = tap_weight (j, ay, by); \
    int y = sy + clamp (j, 0, sh - 1); \
    if (wy <= 0.0f) \
      continue; \
    for (int i = fx; i < fx + nx; i++) { \
      float w = wy * tap_weight (i, ax, bx); \
      int x = sx + clamp (i, 0, sw - 1); \
      if (w <= 0.0f) \
        continue; \
      acc += w * (LOAD); \
      wsum += w; \
    } \
  }

/* Area average when both axes shrink (the common case): per row, the two
 * edge samples get their partial weights and the interior ones weight 1,
 * summed in integers.  LOAD(x, y) yields an int3 sample. */
#define AREA_SUM(LOAD) \
  { \
    const int i0 = fx, i1 = fx + nx - 1; \
    const float w0 = tap_weight (i0, ax, bx), w1 = tap_weight (i1, ax, bx); \
    for (int j = fy; j < fy + ny; j++) { \
      const float wy = tap_weight (j, ay, by); \
      const int y = sy + j; \
      int3 mid = (int3) (0); \
      float3 rs; \
      int x = sx + i0; \
      if (wy <= 0.0f) \
        continue; \
      rs = w0 * convert_float3 (LOAD); \
      for (x = sx + i0 + 1; x < sx + i1; x++) \
        mid += LOAD; \
      x = sx + i1; \
      rs += w1 * convert_float3 (LOAD) + convert_float3 (mid); \
      acc += wy * rs; \
      wsum += wy * (w0 + w1 + (i1 - i0 - 1)); \
    } \
  }

/* Area average of one channel over the footprint [ax, bx) x [ay, by) in
 * the plane's own pixel coordinates (samples @step bytes apart). */
static inline float
area_mean (__global const uchar * p, int stride, int step, float ax,
    float bx, float ay, float by)
{
  const int i0 = (int) floor (ax), i1 = (int) ceil (bx) - 1;
  const int j0 = (int) floor (ay), j1 = (int) ceil (by) - 1;
  const float w0 = fmin ((float) (i0 + 1), bx) - ax;
  const float w1 = bx - fmax ((float) i1, ax);
  float acc = 0.0f;

  for (int j = j0; j <= j1; j++) {
    __global const uchar *row = p + j * stride;
    const float wy = fmin ((float) (j + 1), by) - fmax ((float) j, ay);
    float rs;
    if (i1 == i0) {
      rs = (bx - ax) * row[i0 * step];
    } else {
      int mid = 0;
      for (int i = i0 + 1; i < i1; i++)
        mid += row[i * step];
      rs = w0 * row[i0 * step] + w1 * row[i1 * step] + (float) mid;
    }
    acc += wy * rs;
  }
  return acc / ((bx - ax) * (by - ay));
}

/* area_mean of both channels of an interleaved pair plane (NV12's UV) in
 * one pass: the pairs are contiguous, so the sums vectorise. */
static inline float2
area_mean2 (__global const uchar * p, int stride, float ax, float bx,
    float ay, float by)
{
  const int i0 = (int) floor (ax), i1 = (int) ceil (bx) - 1;
  const int j0 = (int) floor (ay), j1 = (int) ceil (by) - 1;
  const float w0 = fmin ((float) (i0 + 1), bx) - ax;
  const float w1 = bx - fmax ((float) i1, ax);
  float2 acc = (float2) (0.0f);

  for (int j = j0; j <= j1; j++) {
    __global const uchar *row = p + j * stride;
    const float wy = fmin ((float) (j + 1), by) - fmax ((float) j, ay);
    float2 rs;
    if (i1 == i0) {
      rs = (bx - ax) * convert_float2 (vload2 (i0, row));
    } else {
      int2 mid = (int2) (0);
      for (int i = i0 + 1; i < i1; i++)
        mid += convert_int2 (vload2 (i, row));
      rs = w0 * convert_float2 (vload2 (i0, row)) +
          w1 * convert_float2 (vload2 (i1, row)) + convert_float2 (mid);
    }
    acc += wy * rs;
  }
  return acc / ((bx - ax) * (by - ay));
}

static inline float3
load3 (__global const uchar * q)
{
  return (float3) (q[0], q[1], q[2]);
}

static inline int3
load3i (__global const uchar * q)
{
  return (int3) (q[0], q[1], q[2]);
}

__kernel void
preprocess_image (OCL_PARAMS (OCL_SIG_preprocess_image))
{
  const int ox = get_global_id (0), oy = get_global_id (1);
  const int n = first + get_global_id (2);
  __global const int *g = geo + n * OCL_ABI_GEO_N;
  const int sx = g[OCL_ABI_GEO_SX], sy = g[OCL_ABI_GEO_SY];
  const int sw = g[OCL_ABI_GEO_SW], sh = g[OCL_ABI_GEO_SH];
  const int dx = g[OCL_ABI_GEO_DX], dy = g[OCL_ABI_GEO_DY];
  const int dw = g[OCL_ABI_GEO_DW], dh = g[OCL_ABI_GEO_DH];
  __global float *o = out + (((size_t) n * H + oy) * W + ox) * 3;
  float3 v = (float3) (0.0f);   /* outside the destination: the mean colour */

  if (ox >= W || oy >= H)
    return;
  if (ox >= dx && ox < dx + dw && oy >= dy && oy < dy + dh) {
    int fx, nx, fy, ny;
    float ax, bx, ay, by, wsum = 0.0f;
    float3 acc = (float3) (0.0f);
    axis_taps (ox - dx, dw, sw, &fx, &nx, &ax, &bx);
    axis_taps (oy - dy, dh, sh, &fy, &ny, &ay, &by);
    if (bx >= 0.0f && by >= 0.0f && nx >= 2) {
      /* Both axes shrink: footprints lie inside the region, no clamping. */
      switch (format) {
        case OCL_ABI_FMT_RGB:
        case OCL_ABI_FMT_BGR:
          AREA_SUM (load3i (p0 + y * s0 + x * 3));
          break;
        case OCL_ABI_FMT_RGBX:
        case OCL_ABI_FMT_BGRX:
          AREA_SUM (load3i (p0 + y * s0 + x * 4));
          break;
        case OCL_ABI_FMT_XRGB:
        case OCL_ABI_FMT_XBGR:
          AREA_SUM (load3i (p0 + y * s0 + x * 4 + 1));
          break;
        case OCL_ABI_FMT_I420:
        case OCL_ABI_FMT_NV12:{
          /* Luma over its footprint, chroma over the same footprint on
           * the half-resolution chroma grid. */
          const float lx = sx + ax, rx = sx + bx, ly = sy + ay, ry = sy + by;
          const int nv = format == OCL_ABI_FMT_NV12;
          acc.s0 = area_mean (p0, s0, 1, lx, rx, ly, ry);
          if (nv) {
            acc.s12 = area_mean2 (p1, s1, lx * 0.5f, rx * 0.5f, ly * 0.5f,
                ry * 0.5f);
          } else {
            acc.s1 = area_mean (p1, s1, 1, lx * 0.5f, rx * 0.5f, ly * 0.5f,
                ry * 0.5f);
            acc.s2 = area_mean (p2, s2, 1, lx * 0.5f, rx * 0.5f, ly * 0.5f,
                ry * 0.5f);
          }
          wsum = 1.0f;
          break;
        }
        default:
          AREA_SUM (((int3) (p0[y * s0 + x])));
          break;
      }
    } else switch (format) {
      case OCL_ABI_FMT_RGB:
      case OCL_ABI_FMT_BGR:
        ACCUMULATE (load3 (p0 + y * s0 + x * 3));
        break;
      case OCL_ABI_FMT_RGBX:
      case OCL_ABI_FMT_BGRX:
        ACCUMULATE (load3 (p0 + y * s0 + x * 4));
        break;
      case OCL_ABI_FMT_XRGB:
      case OCL_ABI_FMT_XBGR:
        ACCUMULATE (load3 (p0 + y * s0 + x * 4 + 1));
        break;
      case OCL_ABI_FMT_I420:
        ACCUMULATE (((float3) (p0[y * s0 + x], p1[(y / 2) * s1 + x / 2],
                    p2[(y / 2) * s2 + x / 2])));
        break;
      case OCL_ABI_FMT_NV12:
        ACCUMULATE (((float3) (p0[y * s0 + x],
                    p1[(y / 2) * s1 + (x / 2) * 2],
                    p1[(y / 2) * s1 + (x / 2) * 2 + 1])));
        break;
      default:
        ACCUMULATE (((float3) (p0[y * s0 + x])));
        break;
    }
    acc /= wsum;
    if (format == OCL_ABI_FMT_I420 || format == OCL_ABI_FMT_NV12)
      acc = yuv_to_rgb (acc.s0, acc.s1, acc.s2, yuv);
    else if (format == OCL_ABI_FMT_BGR || format == OCL_ABI_FMT_BGRX || format == OCL_ABI_FMT_XBGR)
      acc = acc.s210;
    v = acc / 255.0f;
    if (bgr)
      v = v.s210;
    v = (v - mean.s012) * istd.s012;
  }
  o[0] = v.s0;
  o[1] = v.s1;
  o[2] = v.s2;
}
