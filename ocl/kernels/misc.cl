#include "ocl-abi.h"
#include "ocl-sig.h"
#include "epilogue.h"

/* Element-wise, pooling, layout and softmax kernels on NHWC activations.
 * One work-item per output element (channel fastest, so neighbouring
 * work-items touch neighbouring floats) unless stated otherwise. */

/* NCHW input tensor -> NHWC: a work-item a pixel, with its C channels.
 * NDRange (W, N*H): neighbouring work-items read neighbouring pixels of a
 * plane, which a compiler that vectorises across work-items turns into
 * vector loads (Intel's runtime: ResNet-18's input 0.56 -> 0.10-0.11 ms
 * against a work-item a channel; PoCL 0.07-0.09 ms either way). */
__kernel void
nchw_to_nhwc (OCL_PARAMS (OCL_SIG_nchw_to_nhwc))
{
  int x = get_global_id (0), nh = get_global_id (1);
  int n = nh / H, y = nh % H;
  __global const float *src = in + (((size_t) n * C * H + y) * W + x);
  __global float *dst = out + ((size_t) nh * W + x) * C;

  for (int c = 0; c < C; c++)
    dst[c] = src[(size_t) c * H * W];
}

/* y = x * scale[c] + shift[c], optionally ReLU.  scale/shift may be a
 * 1-element dummy when flags say absent.  NDRange (total elements).
 * flags: OCL_ABI_AFFINE_RELU, _SCALE (has scale), _SHIFT (has shift). */
__kernel void
affine_nhwc (OCL_PARAMS (OCL_SIG_affine_nhwc))
{
  size_t i = get_global_id (0);
  int c = i % C;
  float v = in[i];
  if (flags & OCL_ABI_AFFINE_SCALE)
    v = flags & OCL_ABI_AFFINE_DIVIDE ? v / scale[c] : v * scale[c];
  if (flags & OCL_ABI_AFFINE_SHIFT)
    v += shift[c];
  if (flags & OCL_ABI_AFFINE_RELU)
    v = relu1 (v);
  out[i] = v;
}

/* Channels per work-item of eltwise_nhwc: 1, or 16 where C % 16 == 0. */
#ifndef EW
#define EW 1
#endif

/* The element-wise nodes, with the convolutions' epilogue (epilogue.h):
 * out = a (Add, whose other operand is the residual), a * b (Mul, b of
 * a's shape) or a * b[n, c] (Mul by a channel gate, N x C x 1 x 1:
 * squeeze-excitation), then the residual add and ReLU that @flags ask for.
 * @mul: OCL_ABI_MUL_NONE, _SAME or _GATE.  NDRange (C / EW, W, N*H) of the
 * output. */
__kernel void
eltwise_nhwc (OCL_PARAMS (OCL_SIG_eltwise_nhwc))
{
  const int c = get_global_id (0) * EW, x = get_global_id (1);
  const int nh = get_global_id (2), n = nh / H, y = nh % H;
  const size_t o = ((size_t) nh * W + x) * C + c;

  flags &= OCL_ABI_FLAG_RESIDUAL | OCL_ABI_FLAG_RELU;
#if EW == 16
  {
    float16 v = vload16 (0, a + o);
    if (mul == OCL_ABI_MUL_SAME)
      v *= vload16 (0, b + o);
    else if (mul == OCL_ABI_MUL_GATE)
      v *= vload16 (0, b + (size_t) n * C + c);
    vstore16 (epilogue_block (v, a, res, n, y, x, c, C, flags, RC, RH, RW,
            RS, RCO), 0, out + o);
  }
#else
  {
    float v = a[o];
    if (mul == OCL_ABI_MUL_SAME)
      v *= b[o];
    else if (mul == OCL_ABI_MUL_GATE)
      v *= b[(size_t) n * C + c];
    out[o] = epilogue1 (v, a, res, n, y, x, c, C, flags, RC, RH, RW, RS,
        RCO);
  }
#endif
}

/* y = 1 / (1 + e^-x), or with hard set, clamp (alpha x + beta, 0, 1)
 * (HardSigmoid).  NDRange (total elements). */
__kernel void
sigmoid_nhwc (OCL_PARAMS (OCL_SIG_sigmoid_nhwc))
{
  size_t i = get_global_id (0);
  float v = in[i];
  out[i] = hard ? clamp (alpha * v + beta, 0.0f, 1.0f) : 1.0f / (1.0f + exp (-v));
}

/* PReLU: y = x < 0 ? x * slope[c] : x, keeping NaN (as onnxruntime
 * does).  NDRange (total elements). */
__kernel void
prelu_nhwc (OCL_PARAMS (OCL_SIG_prelu_nhwc))
{
  size_t i = get_global_id (0);
  float v = in[i];

  out[i] = v < 0.0f ? v * slope[i % C] : v;
}

/* QuantizeLinear then DequantizeLinear in float (the QDQ format's
 * activations): y = (clamp (rint (x / s) + z, qmin, qmax) - z') * s', per
 * channel, p holding s, z, s', z' for each of the C channels (rint: ties to
 * even, as ONNX rounds).  NDRange (total elements). */
__kernel void
fakequant_nhwc (OCL_PARAMS (OCL_SIG_fakequant_nhwc))
{
  size_t i = get_global_id (0);
  int c = i % C;
  out[i] = OCL_FAKEQUANT (in[i], p[c], p[C + c], p[2 * C + c], p[3 * C + c],
      qmin, qmax);
}

/* One work-group of OCL_RANGE_ITEMS per image (NDRange (OCL_RANGE_ITEMS,
 * N)): the image's minimum and maximum into mm[2n], mm[2n + 1].  fmin and
 * fmax pass over NaN. */
#define OCL_RANGE_ITEMS 64
__kernel void
range_images (OCL_PARAMS (OCL_SIG_range_images))
{
  __local float lo[OCL_RANGE_ITEMS], hi[OCL_RANGE_ITEMS];
  const int t = get_local_id (0), n = get_global_id (1);
  __global const float *x = in + (size_t) n * size;
  float a = INFINITY, b = -INFINITY;

  for (int i = t; i < size; i += OCL_RANGE_ITEMS) {
    a = fmin (a, x[i]);
    b = fmax (b, x[i]);
  }
  lo[t] = a;
  hi[t] = b;
  barrier (CLK_LOCAL_MEM_FENCE);
  for (int s = OCL_RANGE_ITEMS / 2; s > 0; s /= 2) {
    if (t < s) {
      lo[t] = fmin (lo[t], lo[t + s]);
      hi[t] = fmax (hi[t], hi[t + s]);
    }
    barrier (CLK_LOCAL_MEM_FENCE);
  }
  if (t == 0) {
    mm[2 * n] = lo[0];
    mm[2 * n + 1] = hi[0];
  }
}

/* NDRange (size, N): the run's N images are get_global_size (1).  As
 * onnxruntime's DynamicQuantizeLinear: the range widened to hold 0, scale
 * (max - min) / 255 (1 for an empty range), zero point -min / scale
 * saturated and rounded to even. */
__kernel void
dynquant_nhwc (OCL_PARAMS (OCL_SIG_dynquant_nhwc))
{
  const size_t i = get_global_id (0), n = get_global_id (1);
  const int images = get_global_size (1);
  float lo = 0.0f, hi = 0.0f, s, z;

  for (int k = 0; k < images; k++) {
    lo = fmin (lo, mm[2 * k]);
    hi = fmax (hi, mm[2 * k + 1]);
  }
  s = hi == lo ? 1.0f : (hi - lo) / 255.0f;
  z = rint (clamp (0.0f - lo / s, 0.0f, 255.0f));
  out[n * size + i] = OCL_FAKEQUANT (in[n * size + i], s, z, s, z, 0.0f,
      255.0f);
}

/* Pad and Slice as one strided copy: out[n,y,x,c] =
 *   in[n, SH0 + (y-PH)*TH, SW0 + (x-PW)*TW, SC0 + (c-PC)*TC]
 * when (y-PH, x-PW, c-PC) lies inside the view (VH, VW, VC), else value.
 * NDRange (C, W, N*H) of the output. */
__kernel void
copy_view_nhwc (OCL_PARAMS (OCL_SIG_copy_view_nhwc))
{
  int c = get_global_id (0), x = get_global_id (1), nh = get_global_id (2);
  int n = nh / H, y = nh % H;
  int vc = c - PC, vy = y - PH, vx = x - PW;
  float v = value;
  if (vc >= 0 && vc < VC && vy >= 0 && vy < VH && vx >= 0 && vx < VW)
    v = in[(((size_t) n * IH + SH0 + vy * TH) * IW + SW0 + vx * TW) * IC
        + SC0 + vc * TC];
  out[((size_t) nh * W + x) * C + c] = v;
}

/* NDRange (C, OW, N*OH).  Padding never wins a max.  A NaN in the window
 * is the answer (as onnxruntime's): fmax alone would drop it, so a flag
 * beside the running max keeps it (a blend on the max's own chain cost
 * twice as much). */
__kernel void
maxpool_nhwc (OCL_PARAMS (OCL_SIG_maxpool_nhwc))
{
  int c = get_global_id (0), ox = get_global_id (1), nh = get_global_id (2);
  int n = nh / OH, oy = nh % OH;
  int y0 = oy * SH - PT, x0 = ox * SW - PL;
  float m = -INFINITY;
  int nan = 0;
  for (int y = max (y0, 0); y < min (y0 + KH, IH); y++)
    for (int x = max (x0, 0); x < min (x0 + KW, IW); x++) {
      const float v = in[(((size_t) n * IH + y) * IW + x) * C + c];
      m = fmax (m, v);
      nan |= isnan (v);
    }
  m = nan ? NAN : m;
  out[((size_t) nh * OW + ox) * C + c] = relu ? relu1 (m) : m;
}

/* The first tap at or after 0 of a window from @p0 whose taps are @d
 * apart. */
static inline int
first_tap (int p0, int d)
{
  return p0 >= 0 ? p0 : p0 + (-p0 + d - 1) / d * d;
}

/* maxpool_nhwc with the window's taps DH and DW apart (KH x KW is the
 * dilated window): a kernel of its own, as a run-time step in the other
 * two cost ResNet-18's stem pool a third more.  NDRange (C, OW, N*OH). */
__kernel void
maxpool_dilated_nhwc (OCL_PARAMS (OCL_SIG_maxpool_dilated_nhwc))
{
  int c = get_global_id (0), ox = get_global_id (1), nh = get_global_id (2);
  int n = nh / OH, oy = nh % OH;
  int y0 = oy * SH - PT, x0 = ox * SW - PL;
  float m = -INFINITY;
  int nan = 0;
  for (int y = first_tap (y0, DH); y < min (y0 + KH, IH); y += DH)
    for (int x = first_tap (x0, DW); x < min (x0 + KW, IW); x += DW) {
      const float v = in[(((size_t) n * IH + y) * IW + x) * C + c];
      m = fmax (m, v);
      nan |= isnan (v);
    }
  m = nan ? NAN : m;
  out[((size_t) nh * OW + ox) * C + c] = relu ? relu1 (m) : m;
}

/* maxpool_nhwc on POOL_W channels per work-item (C % POOL_W == 0): 4
 * (the default) or 16 (-DPOOL_W=16).  NDRange (C/POOL_W, OW, N*OH). */
#ifndef POOL_W
#define POOL_W 4
#endif
#if POOL_W == 16
#define POOL_FLOATS float16
#define POOL_INTS int16
#define POOL_LOAD vload16
#define POOL_STORE vstore16
#define POOL_RELU relu16
#else
#define POOL_FLOATS float4
#define POOL_INTS int4
#define POOL_LOAD vload4
#define POOL_STORE vstore4
#define POOL_RELU relu4
#endif
__kernel void
maxpool_nhwcv (OCL_PARAMS (OCL_SIG_maxpool_nhwcv))
{
  int cv = get_global_id (0), ox = get_global_id (1), nh = get_global_id (2);
  int n = nh / OH, oy = nh % OH;
  int y0 = oy * SH - PT, x0 = ox * SW - PL;
  POOL_FLOATS m = (POOL_FLOATS) (-INFINITY);
  POOL_INTS nan = (POOL_INTS) (0);
  for (int y = max (y0, 0); y < min (y0 + KH, IH); y++)
    for (int x = max (x0, 0); x < min (x0 + KW, IW); x++) {
      const POOL_FLOATS v =
          POOL_LOAD (cv, in + (((size_t) n * IH + y) * IW + x) * C);
      m = fmax (m, v);
      nan |= isnan (v);
    }
  m = select (m, (POOL_FLOATS) (NAN), nan);
  if (relu)
    m = POOL_RELU (m);
  POOL_STORE (m, cv, out + ((size_t) nh * OW + ox) * C);
}

/* NDRange (C, OW, N*OH).  With count_include_pad the divisor counts the
 * padded area (clipped to the padded input, as ceil_mode windows may
 * overhang), else only the real pixels. */
__kernel void
avgpool_nhwc (OCL_PARAMS (OCL_SIG_avgpool_nhwc))
{
  int c = get_global_id (0), ox = get_global_id (1), nh = get_global_id (2);
  int n = nh / OH, oy = nh % OH;
  int y0 = oy * SH - PT, x0 = ox * SW - PL;
  int ya = max (y0, 0), yb = min (y0 + KH, IH);
  int xa = max (x0, 0), xb = min (x0 + KW, IW);
  float s = 0.0f;
  int cnt;
  for (int y = ya; y < yb; y++)
    for (int x = xa; x < xb; x++)
      s += in[(((size_t) n * IH + y) * IW + x) * C + c];
  if (count_include_pad)
    cnt = (min (y0 + KH, IH + PB) - y0) * (min (x0 + KW, IW + PR) - x0);
  else
    cnt = (yb - ya) * (xb - xa);
  out[((size_t) nh * OW + ox) * C + c] = cnt > 0 ? s / cnt : 0.0f;
}

/* The mean over H x W of EW channels per work-item, in two partial sums
 * (even and odd pixels: two chains of adds in flight).  NDRange (C / EW,
 * N).  Output [N][C]. */
__kernel void
global_avgpool_nhwc (OCL_PARAMS (OCL_SIG_global_avgpool_nhwc))
{
  const int c = get_global_id (0) * EW, n = get_global_id (1);
  __global const float *p = in + (size_t) n * HW * C + c;
  int i;
#if EW == 16
  float16 s0 = (float16) (0.0f), s1 = (float16) (0.0f);

  for (i = 0; i + 1 < HW; i += 2) {
    s0 += vload16 (0, p + (size_t) i * C);
    s1 += vload16 (0, p + (size_t) (i + 1) * C);
  }
  if (i < HW)
    s0 += vload16 (0, p + (size_t) i * C);
  vstore16 ((s0 + s1) / HW, 0, out + (size_t) n * C + c);
#else
  float s0 = 0.0f, s1 = 0.0f;

  for (i = 0; i + 1 < HW; i += 2) {
    s0 += p[(size_t) i * C];
    s1 += p[(size_t) (i + 1) * C];
  }
  if (i < HW)
    s0 += p[(size_t) i * C];
  out[(size_t) n * C + c] = (s0 + s1) / HW;
#endif
}

/* NHWC [N][H][W][C] -> [N][C*H*W] in NCHW order (ONNX Flatten).
 * NDRange (C, W, N*H). */
__kernel void
flatten_nhwc (OCL_PARAMS (OCL_SIG_flatten_nhwc))
{
  int c = get_global_id (0), x = get_global_id (1), nh = get_global_id (2);
  int n = nh / H, y = nh % H;
  out[(size_t) n * C * H * W + ((size_t) c * H + y) * W + x] =
      in[((size_t) nh * W + x) * C + c];
}

/* Softmax of [N][K * S], max-subtracted, over the K values S apart from
 * each of a row's first S (S = 1: the whole row).  NDRange (N * S). */
__kernel void
softmax_rows (OCL_PARAMS (OCL_SIG_softmax_rows))
{
  size_t i = get_global_id (0), n = i / S;
  __global const float *x = in + n * K * S + i % S;
  __global float *y = out + n * K * S + i % S;
  float m = -INFINITY, s = 0.0f;
  for (int k = 0; k < K; k++)
    m = fmax (m, x[k * S]);
  for (int k = 0; k < K; k++) {
    float e = exp (x[k * S] - m);
    y[k * S] = e;
    s += e;
  }
  for (int k = 0; k < K; k++)
    y[k * S] /= s;
}
