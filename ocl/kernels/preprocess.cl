/* One frame (or regions of it) -> the network's input tensor: colour
 * conversion, resize and normalisation in one pass.
 *
 * NDRange (W, H, n): one work-item per output pixel of batch entry n.
 *
 * Arguments:
 *   p0, p1, p2   planes of the frame (unused planes: any buffer)
 *   geo          per batch entry 8 ints: source rect sx, sy, sw, sh (pixels,
 *                inside the frame) and destination rect dx, dy, dw, dh
 *                (inside the W x H tensor; outside it the tensor gets 0,
 *                i.e. the mean colour)
 *   out          NHWC float [n][H][W][3]
 *   format       OclPixelFormat
 *   s0, s1, s2   plane strides in bytes
 *   mean, istd   per tensor channel (.s012), applied to pixel / 255
 *   bgr          tensor channel 0 is blue
 *   yuv          Kr, Kb, and full range (.s2 != 0) for YUV formats
 *
 * Along each axis a shrinking region is area-averaged (each source pixel
 * weighted by its overlap with the output pixel's footprint, no aliasing);
 * a growing one is sampled bilinearly at the output pixel's centre. */

#define FMT_RGB 0
#define FMT_BGR 1
#define FMT_RGBX 2
#define FMT_BGRX 3
#define FMT_XRGB 4
#define FMT_XBGR 5
#define FMT_I420 6
#define FMT_NV12 7
#define FMT_GRAY8 8

inline float3
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

inline float3
fetch (__global const uchar * p0, __global const uchar * p1,
    __global const uchar * p2, int format, int s0, int s1, int s2, int x,
    int y, float4 yuv)
{
  __global const uchar *q;
  switch (format) {
    case FMT_RGB:
      q = p0 + y * s0 + x * 3;
      return (float3) (q[0], q[1], q[2]);
    case FMT_BGR:
      q = p0 + y * s0 + x * 3;
      return (float3) (q[2], q[1], q[0]);
    case FMT_RGBX:
      q = p0 + y * s0 + x * 4;
      return (float3) (q[0], q[1], q[2]);
    case FMT_BGRX:
      q = p0 + y * s0 + x * 4;
      return (float3) (q[2], q[1], q[0]);
    case FMT_XRGB:
      q = p0 + y * s0 + x * 4;
      return (float3) (q[1], q[2], q[3]);
    case FMT_XBGR:
      q = p0 + y * s0 + x * 4;
      return (float3) (q[3], q[2], q[1]);
    case FMT_I420:
      return yuv_to_rgb (p0[y * s0 + x], p1[(y / 2) * s1 + x / 2],
          p2[(y / 2) * s2 + x / 2], yuv);
    case FMT_NV12:
      q = p1 + (y / 2) * s1 + (x / 2) * 2;
      return yuv_to_rgb (p0[y * s0 + x], q[0], q[1], yuv);
    default:{
      float g = p0[y * s0 + x];
      return (float3) (g, g, g);
    }
  }
}

/* First tap, tap count and the sampling position along one axis for output
 * coordinate o of a destination of size d drawn from a source of size s. */
inline void
axis_taps (int o, int d, int s, int *first, int *count, float *a, float *b)
{
  float f = (float) s / (float) d;
  if (f > 1.0f) {
    *a = o * f;                 /* footprint [a, b) */
    *b = *a + f;
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

inline float
tap_weight (int i, float a, float b)
{
  if (b >= 0.0f)
    return fmin ((float) (i + 1), b) - fmax ((float) i, a);
  return fmax (0.0f, 1.0f - fabs ((float) i - a));
}

__kernel void
preprocess_image (__global const uchar * p0, __global const uchar * p1,
    __global const uchar * p2, __global const int *geo,
    __global float *out, int format, int s0, int s1, int s2, int H, int W,
    float4 mean, float4 istd, int bgr, float4 yuv)
{
  const int ox = get_global_id (0), oy = get_global_id (1);
  const int n = get_global_id (2);
  __global const int *g = geo + n * 8;
  const int sx = g[0], sy = g[1], sw = g[2], sh = g[3];
  const int dx = g[4], dy = g[5], dw = g[6], dh = g[7];
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
    for (int j = fy; j < fy + ny; j++) {
      float wy = tap_weight (j, ay, by);
      int y = sy + clamp (j, 0, sh - 1);
      if (wy <= 0.0f)
        continue;
      for (int i = fx; i < fx + nx; i++) {
        float w = wy * tap_weight (i, ax, bx);
        int x = sx + clamp (i, 0, sw - 1);
        if (w <= 0.0f)
          continue;
        acc += w * fetch (p0, p1, p2, format, s0, s1, s2, x, y, yuv);
        wsum += w;
      }
    }
    v = acc / (wsum * 255.0f);
    if (bgr)
      v = v.s210;
    v = (v - mean.s012) * istd.s012;
  }
  o[0] = v.s0;
  o[1] = v.s1;
  o[2] = v.s2;
}
