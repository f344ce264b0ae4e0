/* The kernel ABI: numbers that the host (C) and the kernels (OpenCL C)
 * must agree on, written once.  Included by plan.c, run.c and image.c, and
 * pasted into every .cl source by embed-kernels.py.  Plain #defines only:
 * the file is read by both compilers. */
#ifndef OCL_ABI_H
#define OCL_ABI_H

/* Convolution and element-wise epilogue (conv.cl, misc.cl eltwise_nhwc):
 * bit flags.
 * A convolution's epilogue runs, in this order: the bias, a
 * quantize-dequantize pass (QUANT_IN: the QDQ format's activation after
 * the convolution), the residual add, ReLU, a second quantize-dequantize
 * pass (QUANT_OUT: the one after the add). */
#define OCL_ABI_FLAG_RELU 1
#define OCL_ABI_FLAG_RESIDUAL 2
#define OCL_ABI_FLAG_QUANT_IN 4
#define OCL_ABI_FLAG_QUANT_OUT 8

/* eltwise_nhwc (misc.cl): what multiplies the first operand. */
#define OCL_ABI_MUL_NONE 0
#define OCL_ABI_MUL_SAME 1
#define OCL_ABI_MUL_GATE 2

/* A convolution's bias buffer: the biases, zero past OC to whole blocks
 * (16, 32 or 64 lanes), and when either quantize flag is set to
 * OCL_ABI_EPI_STRIDE (OC), followed by the two passes' parameters
 * at OCL_ABI_EPI_QUANT (stride, 0) and (stride, 1): rows of stride floats
 * s, z, s', z' (y = (clamp (rint (x / s) + z, qmin, qmax) - z') * s'), then
 * qmin and qmax. */
#define OCL_ABI_EPI_STRIDE(oc) (((oc) + 63) / 64 * 64)
#define OCL_ABI_EPI_QUANT(stride, k) ((stride) + (k) * (4 * (stride) + 2))
#define OCL_ABI_EPI_FLOATS(stride) OCL_ABI_EPI_QUANT (stride, 2)

/* affine_nhwc (misc.cl): bit flags. */
#define OCL_ABI_AFFINE_RELU 1
#define OCL_ABI_AFFINE_SCALE 2
#define OCL_ABI_AFFINE_SHIFT 4
#define OCL_ABI_AFFINE_DIVIDE 8       /* with _SCALE: x / scale */

/* preprocess_image's pixel formats: the values of OclPixelFormat
 * (oclresnet.h; run.c checks that they agree at compile time). */
#define OCL_ABI_FMT_RGB 0
#define OCL_ABI_FMT_BGR 1
#define OCL_ABI_FMT_RGBX 2
#define OCL_ABI_FMT_BGRX 3
#define OCL_ABI_FMT_XRGB 4
#define OCL_ABI_FMT_XBGR 5
#define OCL_ABI_FMT_I420 6
#define OCL_ABI_FMT_NV12 7
#define OCL_ABI_FMT_GRAY8 8

/* preprocess_image's geometry: OCL_ABI_GEO_N ints per batch entry, the
 * source rectangle (inside the frame) and the destination rectangle
 * (inside the tensor). */
#define OCL_ABI_GEO_SX 0
#define OCL_ABI_GEO_SY 1
#define OCL_ABI_GEO_SW 2
#define OCL_ABI_GEO_SH 3
#define OCL_ABI_GEO_DX 4
#define OCL_ABI_GEO_DY 5
#define OCL_ABI_GEO_DW 6
#define OCL_ABI_GEO_DH 7
#define OCL_ABI_GEO_N 8

#endif
