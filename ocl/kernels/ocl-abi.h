/* The kernel ABI: numbers that the host (C) and the kernels (OpenCL C)
 * must agree on, written once.  Included by plan.c, run.c and image.c, and
 * pasted into every .cl source by embed-kernels.py.  Plain #defines only:
 * the file is read by both compilers. */
#ifndef OCL_ABI_H
#define OCL_ABI_H

/* Convolution and add epilogue (conv.cl, misc.cl add_nhwc): bit flags. */
#define OCL_ABI_FLAG_RELU 1
#define OCL_ABI_FLAG_RESIDUAL 2

/* affine_nhwc (misc.cl): bit flags. */
#define OCL_ABI_AFFINE_RELU 1
#define OCL_ABI_AFFINE_SCALE 2
#define OCL_ABI_AFFINE_SHIFT 4

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
