/* The epilogue every kernel that writes an activation shares (OpenCL C
 * only; pasted into conv.cl and misc.cl by embed-kernels.py after
 * ocl-abi.h): after the bias, the passes the OCL_ABI_FLAG_* bits ask for,
 * in ocl-abi.h's order, on one channel (epilogue1) or 16 (epilogue_block).
 * The residual is a view of another activation: r[n, y, x, c] =
 * res[n, y*RS, x*RS, c - RCO], 0 outside [0, RC).  (No restrict on
 * helpers: inlined, it becomes LLVM's noalias scope intrinsics, which
 * oclgrind cannot run.) */
#ifndef OCL_EPILOGUE_H
#define OCL_EPILOGUE_H

/* ReLU that keeps NaN, as onnxruntime's does: fmax (v, 0.0f) is 0 for a
 * NaN v, so a NaN weight, input or scale would leave a finite, confident
 * answer.  v < 0 ? 0 : v is one max instruction all the same.  (Max
 * pooling keeps fmax for its running max and a NaN flag beside it.) */
static inline float
relu1 (float v)
{
  return v < 0.0f ? 0.0f : v;
}

static inline float4
relu4 (float4 v)
{
  return select (v, (float4) (0.0f), v < (float4) (0.0f));
}

static inline float16
relu16 (float16 v)
{
  return select (v, (float16) (0.0f), v < (float16) (0.0f));
}

/* QuantizeLinear then DequantizeLinear in float, on a float or a vector:
 * float division and ties to even (rint), as ONNX's QuantizeLinear. */
#define OCL_FAKEQUANT(x, s, z, s2, z2, lo, hi) \
  ((clamp (rint ((x) / (s)) + (z), (lo), (hi)) - (z2)) * (s2))

static inline float
residual_at (__global const float *res, int n, int y, int x, int c, int RC,
    int RH, int RW, int RS, int RCO)
{
  const int rc = c - RCO;

  return rc >= 0 && rc < RC ?
      res[((size_t) (n * RH + y * RS) * RW + x * RS) * RC + rc] : 0.0f;
}

/* residual_at () for channels @oc0 .. @oc0 + 15. */
static inline float16
residual_block (__global const float *res, int n, int oy, int ox, int oc0,
    int RC, int RH, int RW, int RS, int RCO)
{
  const int c0 = oc0 - RCO;
  __global const float *r = res + ((size_t) (n * RH + oy * RS) * RW + ox * RS) * RC;

  if (c0 >= 0 && c0 + 16 <= RC)
    return vload16 (0, r + c0);
  if (c0 + 16 <= 0 || c0 >= RC)
    return (float16) 0.0f;
  {
    float t[16];
    for (int j = 0; j < 16; j++)
      t[j] = (c0 + j >= 0 && c0 + j < RC) ? r[c0 + j] : 0.0f;
    return vload16 (0, t);
  }
}

/* A quantize-dequantize pass over channel @oc (@q at the pass's
 * parameters in ocl-abi.h's bias buffer layout). */
static inline float
fakequant1 (float v, __global const float *q, int oc, int stride)
{
  return OCL_FAKEQUANT (v, q[oc], q[stride + oc], q[2 * stride + oc],
      q[3 * stride + oc], q[4 * stride], q[4 * stride + 1]);
}

/* fakequant1 () over channels @oc0 .. @oc0 + 15. */
static inline float16
fakequant_block (float16 v, __global const float *q, int oc0, int stride)
{
  return OCL_FAKEQUANT (v, vload16 (0, q + oc0),
      vload16 (0, q + stride + oc0), vload16 (0, q + 2 * stride + oc0),
      vload16 (0, q + 3 * stride + oc0), (float16) (q[4 * stride]),
      (float16) (q[4 * stride + 1]));
}

/* The epilogue's passes, in ocl-abi.h's order, on @v (a float or a
 * float16): the one sequence every kernel's store runs.  @RES is the
 * residual's value (evaluated only under OCL_ABI_FLAG_RESIDUAL), @QUANT (v,
 * k) the k-th quantize-dequantize pass, @RELU the ReLU of @v's width.  A
 * caller that knows some passes are off masks them out of @flags, and the
 * compiler drops them. */
#define OCL_EPILOGUE_PASSES(v, flags, RES, QUANT, RELU) \
  do { \
    if ((flags) & OCL_ABI_FLAG_QUANT_IN) \
      v = QUANT (v, 0); \
    if ((flags) & OCL_ABI_FLAG_RESIDUAL) \
      v += (RES); \
    if ((flags) & OCL_ABI_FLAG_RELU) \
      v = RELU (v); \
    if ((flags) & OCL_ABI_FLAG_QUANT_OUT) \
      v = QUANT (v, 1); \
  } while (0)

/* The passes on channels @oc0 .. @oc0 + 15 whose residual values @r are
 * loaded already (the direct kernels' fast path steps a pointer). */
static inline float16
epilogue_passes16 (float16 v, float16 r, __global const float *bias, int oc0,
    int OC, int flags)
{
  const int stride = OCL_ABI_EPI_STRIDE (OC);
#define QUANT16(x, k) \
  fakequant_block (x, bias + OCL_ABI_EPI_QUANT (stride, k), oc0, stride)
  OCL_EPILOGUE_PASSES (v, flags, r, QUANT16, relu16);
#undef QUANT16
  return v;
}

/* The epilogue of channel @oc of output pixel (@n, @oy, @ox); @bias is
 * read only for the quantize passes. */
static inline float
epilogue1 (float v, __global const float *bias, __global const float *res,
    int n, int oy, int ox, int oc, int OC, int flags, int RC, int RH,
    int RW, int RS, int RCO)
{
  const int stride = OCL_ABI_EPI_STRIDE (OC);
#define QUANT1(x, k) \
  fakequant1 (x, bias + OCL_ABI_EPI_QUANT (stride, k), oc, stride)
  OCL_EPILOGUE_PASSES (v, flags, residual_at (res, n, oy, ox, oc, RC, RH, RW,
          RS, RCO), QUANT1, relu1);
#undef QUANT1
  return v;
}

/* epilogue1 () over channels @oc0 .. @oc0 + 15. */
static inline float16
epilogue_block (float16 v, __global const float *bias,
    __global const float *res, int n, int oy, int ox, int oc0, int OC,
    int flags, int RC, int RH, int RW, int RS, int RCO)
{
  return epilogue_passes16 (v, flags & OCL_ABI_FLAG_RESIDUAL ?
      residual_block (res, n, oy, ox, oc0, RC, RH, RW, RS, RCO) :
      (float16) 0.0f, bias, oc0, OC, flags);
}

#endif
