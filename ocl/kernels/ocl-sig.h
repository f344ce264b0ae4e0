/* Kernel signatures: every kernel's parameters, listed once.
 *
 * Each list OCL_SIG_<kernel> (F, R) names the parameters in order, F for
 * the first and R for the rest, each as (KIND, NAME).  The kernels expand
 * them into their parameter lists (OCL_PARAMS, below); the host expands
 * them into a struct of named fields and a setter (OCL_SIG_DECLARE in
 * ocl-private.h), so that host and kernel cannot disagree on order or
 * type, and a call site names every argument.  tests/test-kernels.c
 * compiles every kernel and checks its parameters (clGetKernelArgInfo)
 * against these lists, so a parameter list written by hand cannot drift.
 *
 * KIND: IN / OUT, float buffers read / written (RIN / ROUT: restrict, for
 * kernels whose buffers never alias); U8IN, I32IN: byte and int buffers
 * read; INT, FLOAT, FLOAT4: scalars.
 *
 * Pasted into every .cl source, and included by ocl-private.h: plain
 * #defines only. */
#ifndef OCL_SIG_H
#define OCL_SIG_H

/* ---- convolution (conv.cl) ------------------------------------------------ */

/* What every convolution kernel's output side takes: weights, bias (and
 * the epilogue's parameters), the residual and the output. */
#define OCL_SIG_CONV_BUFFERS(R) \
  R (RIN, wt) R (RIN, bias) R (RIN, res) R (ROUT, out)
/* The epilogue's flags (OCL_ABI_FLAG_*) and the residual view: its
 * channels, height, width, stride and channel offset. */
#define OCL_SIG_EPILOGUE(R) \
  R (INT, flags) R (INT, RC) R (INT, RH) R (INT, RW) R (INT, RS) R (INT, RCO)

/* conv2d_nhwc, conv1x1_nhwc, conv2d_grouped_nhwc */
#define OCL_SIG_DIRECT_CONV(F, R) \
  F (RIN, in) R (RIN, zero) OCL_SIG_CONV_BUFFERS (R) \
  R (INT, IC) R (INT, IH) R (INT, IW) R (INT, OC) R (INT, OH) R (INT, OW) \
  R (INT, KH) R (INT, KW) R (INT, SH) R (INT, SW) R (INT, PT) R (INT, PL) \
  OCL_SIG_EPILOGUE (R) R (INT, BPI) R (INT, KC) R (INT, ICG) R (INT, OCG)
#define OCL_SIG_conv2d_nhwc OCL_SIG_DIRECT_CONV
#define OCL_SIG_conv1x1_nhwc OCL_SIG_DIRECT_CONV
#define OCL_SIG_conv2d_grouped_nhwc OCL_SIG_DIRECT_CONV

#define OCL_SIG_conv3x3_winograd_nhwc(F, R) \
  F (RIN, in) R (RIN, zero) OCL_SIG_CONV_BUFFERS (R) \
  R (INT, IC) R (INT, IH) R (INT, IW) R (INT, OC) R (INT, OH) R (INT, OW) \
  R (INT, PT) R (INT, PL) OCL_SIG_EPILOGUE (R)

#define OCL_SIG_winograd4_input_nhwc(F, R) \
  F (RIN, in) R (ROUT, v) R (INT, IC) R (INT, IH) R (INT, IW) R (INT, OH) \
  R (INT, OW) R (INT, PT) R (INT, PL)

#define OCL_SIG_conv3x3_winograd4_nhwc(F, R) \
  F (RIN, v) OCL_SIG_CONV_BUFFERS (R) \
  R (INT, IC) R (INT, OC) R (INT, OH) R (INT, OW) OCL_SIG_EPILOGUE (R)

#define OCL_SIG_conv2d_tiled_nhwc(F, R) \
  F (RIN, in) OCL_SIG_CONV_BUFFERS (R) \
  R (INT, IC) R (INT, IH) R (INT, IW) R (INT, OC) R (INT, OH) R (INT, OW) \
  R (INT, KH) R (INT, KW) R (INT, SH) R (INT, SW) R (INT, PT) R (INT, PL) \
  OCL_SIG_EPILOGUE (R) R (INT, M) R (INT, KC) R (INT, ICG) R (INT, OCG)

/* ---- the rest (misc.cl) ------------------------------------------------- */

#define OCL_SIG_nchw_to_nhwc(F, R) \
  F (IN, in) R (OUT, out) R (INT, C) R (INT, H) R (INT, W)

#define OCL_SIG_affine_nhwc(F, R) \
  F (IN, in) R (IN, scale) R (IN, shift) R (OUT, out) R (INT, C) \
  R (INT, flags)

#define OCL_SIG_eltwise_nhwc(F, R) \
  F (IN, a) R (IN, b) R (IN, res) R (OUT, out) R (INT, C) R (INT, H) \
  R (INT, W) R (INT, mul) OCL_SIG_EPILOGUE (R)

#define OCL_SIG_sigmoid_nhwc(F, R) \
  F (IN, in) R (OUT, out) R (INT, hard) R (FLOAT, alpha) R (FLOAT, beta)

#define OCL_SIG_fakequant_nhwc(F, R) \
  F (IN, in) R (IN, p) R (OUT, out) R (INT, C) R (FLOAT, qmin) \
  R (FLOAT, qmax)

/* Dynamic quantization: each image's minimum and maximum into mm[2n],
 * mm[2n + 1]; then every value quantized to uint8 with the scale and zero
 * point of the range of the images run (DynamicQuantizeLinear) and
 * dequantized.  @size: values per image. */
#define OCL_SIG_range_images(F, R) \
  F (IN, in) R (OUT, mm) R (INT, size)
#define OCL_SIG_dynquant_nhwc(F, R) \
  F (IN, in) R (IN, mm) R (OUT, out) R (INT, size)

/* y = x < 0 ? x * slope[c] : x, per channel. */
#define OCL_SIG_prelu_nhwc(F, R) \
  F (IN, in) R (IN, slope) R (OUT, out) R (INT, C)

/* A view of the input copied into the output (pad and slice): the
 * output's C, H, W, the input's IC, IH, IW, the pads before PC, PH, PW,
 * the starts SC0, SH0, SW0 and steps TC, TH, TW of a slice, the part of
 * the output that is the view VC, VH, VW, and the padding value. */
#define OCL_SIG_copy_view_nhwc(F, R) \
  F (IN, in) R (OUT, out) R (INT, C) R (INT, H) R (INT, W) R (INT, IC) \
  R (INT, IH) R (INT, IW) R (INT, PC) R (INT, PH) R (INT, PW) R (INT, SC0) \
  R (INT, SH0) R (INT, SW0) R (INT, TC) R (INT, TH) R (INT, TW) R (INT, VC) \
  R (INT, VH) R (INT, VW) R (FLOAT, value)

#define OCL_SIG_POOL_WINDOW(F, R) \
  F (IN, in) R (OUT, out) R (INT, C) R (INT, IH) R (INT, IW) R (INT, OH) \
  R (INT, OW) R (INT, KH) R (INT, KW) R (INT, SH) R (INT, SW) R (INT, PT) \
  R (INT, PL)
#define OCL_SIG_maxpool_nhwc(F, R) OCL_SIG_POOL_WINDOW (F, R) R (INT, relu)
#define OCL_SIG_maxpool_nhwcv OCL_SIG_maxpool_nhwc
#define OCL_SIG_maxpool_dilated_nhwc(F, R) \
  OCL_SIG_POOL_WINDOW (F, R) R (INT, relu) R (INT, DH) R (INT, DW)
#define OCL_SIG_avgpool_nhwc(F, R) \
  OCL_SIG_POOL_WINDOW (F, R) R (INT, PB) R (INT, PR) \
  R (INT, count_include_pad)

#define OCL_SIG_global_avgpool_nhwc(F, R) \
  F (IN, in) R (OUT, out) R (INT, C) R (INT, HW)

#define OCL_SIG_flatten_nhwc(F, R) \
  F (IN, in) R (OUT, out) R (INT, C) R (INT, H) R (INT, W)

/* Softmax over K values S apart, S rows at a time. */
#define OCL_SIG_softmax_rows(F, R) \
  F (IN, in) R (OUT, out) R (INT, K) R (INT, S)

/* ---- preprocessing (preprocess.cl) --------------------------------------- */

#define OCL_SIG_preprocess_image(F, R) \
  F (U8IN, p0) R (U8IN, p1) R (U8IN, p2) R (I32IN, geo) R (OUT, out) \
  R (INT, first) R (INT, format) R (INT, s0) R (INT, s1) R (INT, s2) \
  R (INT, H) R (INT, W) R (FLOAT4, mean) R (FLOAT4, istd) R (INT, bgr) \
  R (FLOAT4, yuv)

/* Every kernel: K (name, file, the build options under which the file
 * defines it). */
#define OCL_KERNELS(K) \
  K (conv2d_nhwc, "conv", "-DPX=2 -DNB=1") \
  K (conv1x1_nhwc, "conv", "-DKCH=64 -DPX=2 -DNB=1") \
  K (conv2d_grouped_nhwc, "conv", "-DGS=2 -DPX=2 -DNB=1") \
  K (conv3x3_winograd_nhwc, "conv", "-DWT=2 -DNB=1") \
  K (winograd4_input_nhwc, "conv", "-DWINO4_INPUT") \
  K (conv3x3_winograd4_nhwc, "conv", "-DWT4=2 -DNB=1") \
  K (conv2d_tiled_nhwc, "conv", "-DTILED -DLX=8 -DLY=8") \
  K (nchw_to_nhwc, "misc", "") \
  K (affine_nhwc, "misc", "") \
  K (eltwise_nhwc, "misc", "") \
  K (sigmoid_nhwc, "misc", "") \
  K (fakequant_nhwc, "misc", "") \
  K (prelu_nhwc, "misc", "") \
  K (range_images, "misc", "") \
  K (dynquant_nhwc, "misc", "") \
  K (copy_view_nhwc, "misc", "") \
  K (maxpool_nhwc, "misc", "") \
  K (maxpool_nhwcv, "misc", "") \
  K (maxpool_dilated_nhwc, "misc", "") \
  K (avgpool_nhwc, "misc", "") \
  K (global_avgpool_nhwc, "misc", "") \
  K (flatten_nhwc, "misc", "") \
  K (softmax_rows, "misc", "") \
  K (preprocess_image, "preprocess", "")

/* The kernel side: OCL_PARAMS (OCL_SIG_x) is x's parameter list. */
#define OCL_KP_IN(n) __global const float *n
#define OCL_KP_OUT(n) __global float *n
#define OCL_KP_RIN(n) __global const float *restrict n
#define OCL_KP_ROUT(n) __global float *restrict n
#define OCL_KP_U8IN(n) __global const uchar *n
#define OCL_KP_I32IN(n) __global const int *n
#define OCL_KP_INT(n) int n
#define OCL_KP_FLOAT(n) float n
#define OCL_KP_FLOAT4(n) float4 n
#define OCL_KP_FIRST(kind, n) OCL_KP_##kind (n)
#define OCL_KP_REST(kind, n) , OCL_KP_##kind (n)
#define OCL_PARAMS(sig) sig (OCL_KP_FIRST, OCL_KP_REST)

#endif
