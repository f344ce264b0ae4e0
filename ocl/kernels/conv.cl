/* Direct convolution on channels-last (NHWC) activations.
 *
 * Compile-time options:
 *   PX  output pixels along a row computed by one work-item (1..8)
 *   NB  16-channel output blocks computed by one work-item (1 or 2)
 *   HALVES  groups of 8 inputs and 8 outputs, NB = 1: each half of a block
 *       reads its own group's channels (KC = 8, lane j's row c holds
 *       W[oc j][c]), so that no product is a zero weight's
 * Each work-item keeps PX x NB float16 accumulators in registers and, for
 * every input channel, broadcasts PX input values against NB weight vectors:
 * the register blocking measured in BENCHMARKS.md.  Every other size is
 * a run-time argument, so one program serves all layers of a network.
 *
 * NDRange: (ceil(OW / PX), OH, N * ceil(OC / (16 NB))).
 *
 * Arguments (each kernel's list, in order, is in ocl-sig.h):
 *   in    [N][IH][IW][IC]
 *   zero  at least max (IC, 32) zero floats: what padding pixels read
 *   wt    [ceil(OC / (16 NB))][KH][KW][KC][16 NB], zero-padded past OC
 *   bias  [ceil(OC / (16 NB)) * 16 NB] (zero-padded)
 *   res   residual [N][RH][RW][RC] when flags & 2, else any buffer
 *   out   [N][OH][OW][OC]
 *   flags OCL_ABI_FLAG_* (ocl-abi.h): the epilogue's passes; the residual
 *           r[n, y, x, c] = res[n, y*RS, x*RS, c - RCO] (0 outside [0, RC))
 *   BPI   output-channel blocks per work-item
 *   KC, ICG, OCG  grouped convolution: a block of output channels reads
 *         the KC input channels from block_ic0 (), its weights zero
 *         between groups of ICG inputs and OCG outputs; dense: KC = IC.
 */
#ifndef PX
#define PX 4
#endif
#ifndef NB
#define NB 1
#endif
#define VW 16
#define OCB (VW * NB)

#include "ocl-abi.h"
#include "ocl-sig.h"
#include "epilogue.h"

/* The first of the KC input channels output block @blk reads (the host's
 * ocl_conv_block_ic0 ()). */
static inline int
block_ic0 (int blk, int ocb, int IC, int KC, int ICG, int OCG)
{
  return KC == IC ? 0 : min (blk * ocb / OCG * ICG, IC - KC);
}

static inline void
store_block (__global float *o, float16 v, int oc0, int OC)
{
  if (oc0 + VW <= OC) {
    vstore16 (v, 0, o + oc0);
  } else {
    float t[VW];
    vstore16 (v, 0, t);
    for (int j = 0; j < VW && oc0 + j < OC; j++)
      o[oc0 + j] = t[j];
  }
}

/* The direct kernels' NDRange dimension 2, N x ceil(nblk / BPI): the
 * image @n and the output blocks [@blk0, @blk1) of this work-item.  Images
 * vary fastest: the work-groups that follow one another use the same
 * weights, which stay in cache across a batch. */
static inline void
block_range (int nblk, int BPI, int *n, int *blk0, int *blk1)
{
  const int nimg = get_global_size (2) / ((nblk + BPI - 1) / BPI);

  *n = get_global_id (2) % nimg;
  *blk0 = get_global_id (2) / nimg * BPI;
  *blk1 = min (*blk0 + BPI, nblk);
}

/* Every accumulator of a direct kernel's tile starts at its bias. */
static inline void
init_acc (float16 acc[NB][PX], __global const float *bias, int blk)
{
  for (int b = 0; b < NB; b++) {
    float16 bv = vload16 (0, bias + blk * OCB + b * VW);
    for (int p = 0; p < PX; p++)
      acc[b][p] = bv;
  }
}

/* The direct kernels' epilogue and store for one pixel's @acc[NB]. */
static inline void
store_pixel (__global float *out, __global const float *bias,
    __global const float *res, const float16 * acc, int n, int oy, int ox,
    int blk, int OC, int OH, int OW, int flags, int RC, int RH, int RW,
    int RS, int RCO)
{
  __global float *o = out + ((size_t) (n * OH + oy) * OW + ox) * OC;

  for (int b = 0; b < NB; b++) {
    const int oc0 = blk * OCB + b * VW;
    if (oc0 >= OC)
      break;
    store_block (o, epilogue_block (acc[b], bias, res, n, oy, ox, oc0, OC,
            flags, RC, RH, RW, RS, RCO), oc0, OC);
  }
}

/* A quantize pass the caller knows to be off. */
#define NO_QUANT(x, k) (x)

/* The direct kernels' epilogue and stores for the @np pixels from (@oy,
 * @ox0) in raster order (a row tile, or a raster tile that may wrap onto
 * the next rows), @acc[NB][PX].  Whole blocks without quantisation whose
 * residual view covers them (every ResNet layer) step one output and one
 * residual pointer a pixel, through the same passes with the quantize ones
 * masked off, where the residual's pixels follow one another as the
 * output's do; the rest goes through store_pixel () (computing both
 * addresses and testing every flag for each pixel and block cost a
 * 64-channel layer 10 % of its time). */
static inline void
store_tile (__global float *out, __global const float *bias,
    __global const float *res, float16 acc[NB][PX], int n, int oy, int ox0,
    int np, int blk, int OC, int OH, int OW, int flags, int RC, int RH,
    int RW, int RS, int RCO)
{
  const int oc0 = blk * OCB;
  const bool residual = (flags & OCL_ABI_FLAG_RESIDUAL) != 0;
  /* The passes this path runs: the quantize ones are off here. */
  const int fast = flags & (OCL_ABI_FLAG_RESIDUAL | OCL_ABI_FLAG_RELU);

  if (!(flags & (OCL_ABI_FLAG_QUANT_IN | OCL_ABI_FLAG_QUANT_OUT))
      && oc0 + OCB <= OC && (!residual || (oc0 - RCO >= 0
              && oc0 - RCO + OCB <= RC && (ox0 + np <= OW || (RS == 1
                      && RW == OW))))) {
    __global float *o = out + ((size_t) (n * OH + oy) * OW + ox0) * OC + oc0;
    __global const float *r = residual ? res + ((size_t) (n * RH + oy * RS) *
        RW + ox0 * RS) * RC + oc0 - RCO : res;

  #pragma unroll
    for (int p = 0; p < PX; p++) {
      if (p < np) {
  #pragma unroll
        for (int b = 0; b < NB; b++) {
          float16 v = acc[b][p];
          OCL_EPILOGUE_PASSES (v, fast, vload16 (b, r), NO_QUANT, relu16);
          vstore16 (v, b, o);
        }
      }
      o += OC;
      if (residual)
        r += (size_t) RS * RC;
    }
    return;
  }
  for (int p = 0, ox = ox0; p < np; p++) {
    float16 px[NB];
    for (int b = 0; b < NB; b++)
      px[b] = acc[b][p];
    store_pixel (out, bias, res, px, n, oy, ox, blk, OC, OH, OW,
        flags, RC, RH, RW, RS, RCO);
    if (++ox == OW) {
      ox = 0;
      oy++;
    }
  }
}

#if !defined (WT) && !defined (TILED) && !defined (WT4) && !defined (WINO4_INPUT) && !defined (GS)
/* Asks for the cache lines that the epilogue of block @blk will touch for
 * the @np pixels from (@oy, @ox) in raster order: the output for writing
 * and the residual, so that their misses overlap the products instead of
 * following them (clang's __builtin_prefetch: prefetchw and prefetcht0 on
 * x86; PoCL's prefetch () compiles to nothing). */
static inline void
prefetch_epilogue (__global float *out, __global const float *res, int n,
    int oy, int ox, int np, int blk, int OC, int OH, int OW, int flags,
    int RC, int RH, int RW, int RS, int RCO)
{
#ifdef __x86_64__
  /* Output rows follow one another; the residual's, at stride RS, not. */
  __global float *o = out + ((size_t) (n * OH + oy) * OW + ox) * OC;
  __global const float *r = res + ((size_t) (n * RH + oy * RS) * RW +
      ox * RS) * RC;
  const bool residual = (flags & OCL_ABI_FLAG_RESIDUAL) != 0;

  for (int p = 0; p < np; p++, o += OC) {
    for (int b = 0; b < NB; b++) {
      const int oc0 = blk * OCB + b * VW;
      if (oc0 < OC)
        __builtin_prefetch ((const void *) (ulong) (o + oc0), 1, 3);
      if (residual && oc0 - RCO >= 0 && oc0 - RCO < RC)
        __builtin_prefetch ((const void *) (ulong) (r + oc0 - RCO), 0, 3);
    }
    r += (size_t) RS * RC;
    if (++ox == OW) {
      ox = 0;
      oy++;
      r = res + (size_t) (n * RH + oy * RS) * RW * RC;
    }
  }
#endif
}

/* One input channel @ic of PX pixels against its weights @w [OCB]. */
static inline void
mac_channel (float16 acc[NB][PX], __global const float *const ip[PX],
    __global const float *w, int ic)
{
  float16 wv[NB];

  #pragma unroll
  for (int b = 0; b < NB; b++)
    wv[b] = vload16 (b, w);
  #pragma unroll
  for (int p = 0; p < PX; p++) {
#ifdef HALVES
    /* Two groups of 8 a block: lanes 0-7 read channel @ic of the first,
     * lanes 8-15 channel @ic of the second, 8 channels on. */
    float16 a = (float16) ((float8) ip[p][ic], (float8) ip[p][ic + 8]);
#else
    float16 a = (float16) ip[p][ic];
#endif
  #pragma unroll
    for (int b = 0; b < NB; b++)
      acc[b][p] = fma (a, wv[b], acc[b][p]);
  }
}

/* The direct kernels' products: @kc input channels of PX pixels, each read
 * through a pointer of its own kept in a register (computed offsets were
 * spilled to the stack and reloaded for every broadcast), against the
 * weights @w, [kc][OCB].  The loop works on copies of the sums and the
 * pointers: PoCL does not inline this function where the tile is large,
 * and there sums reached through @acc went back to memory after every
 * multiply-add, a store for each FMA (ResNet-50's 1x1 layers at 75
 * GFLOP/s on AVX2, BENCHMARKS.md). */
static inline void
mac_channels (float16 acc[NB][PX], __global const float *const ip[PX],
    __global const float *w, int kc)
{
  float16 a[NB][PX];
  __global const float *q[PX];

  #pragma unroll
  for (int p = 0; p < PX; p++) {
    q[p] = ip[p];
  #pragma unroll
    for (int b = 0; b < NB; b++)
      a[b][p] = acc[b][p];
  }
  for (int ic = 0; ic < kc; ic++, w += OCB)
    mac_channel (a, q, w, ic);
  #pragma unroll
  for (int p = 0; p < PX; p++)
  #pragma unroll
    for (int b = 0; b < NB; b++)
      acc[b][p] = a[b][p];
}

#ifndef KCH
#ifdef RASTER
/* A raster tile's products: each of the PX pixels from (@oy, @ox0) in
 * raster order reads its own window through a pointer of its own (the
 * zero buffer where a tap falls in the padding or the tile past the
 * map's @np pixels), one tap at a time. */
static inline void
raster_products (float16 acc[NB][PX], __global const float *in,
    __global const float *zero, __global const float *wt, int n, int oy,
    int ox0, int np, int blk, int ic0, int IC, int IH, int IW, int OW,
    int KH, int KW, int SH, int SW, int PT, int PL, int KC)
{
  for (int kh = 0; kh < KH; kh++)
    for (int kw = 0; kw < KW; kw++) {
      __global const float *ip[PX];
      int y = oy, x = ox0;

  #pragma unroll
      for (int p = 0; p < PX; p++) {
        const int iy = y * SH - PT + kh, ix = x * SW - PL + kw;
        ip[p] = p < np && iy >= 0 && iy < IH && ix >= 0 && ix < IW ?
            in + ((size_t) (n * IH + iy) * IW + ix) * IC + ic0 : zero;
        if (++x == OW) {
          x = 0;
          y++;
        }
      }
      mac_channels (acc, ip, wt + (((size_t) blk * KH + kh) * KW + kw) * KC
          * OCB, KC);
    }
}
#endif

__kernel void
conv2d_nhwc (OCL_PARAMS (OCL_SIG_conv2d_nhwc))
{
#ifdef RASTER
  /* -DRASTER: PX pixels of the map in raster order, a tile wrapping onto
   * the next row (a 7x7 map in 10 tiles of 5, where row tiles of 4 leave
   * 8 accumulators and tiles of 6 waste 5 pixels in 12).  NDRange:
   * (ceil(OH * OW / PX), 1, N * ceil(ceil(OC / OCB) / BPI)). */
  const int p0 = get_global_id (0) * PX;
  const int oy = p0 / OW, ox0 = p0 % OW;
  const int np = min (PX, OH * OW - p0);

  if (np <= 0)
    return;
#else
  const int ox0 = get_global_id (0) * PX;
  const int oy = get_global_id (1);
  const int np = min (PX, OW - ox0);
  /* Dense, and every window of the tile inside the row: a window row's
   * KW x IC inputs are contiguous, one loop (the 3-channel stems' inner
   * loops were 3 long). */
  const bool rows = KC == IC && ox0 * SW - PL >= 0
      && (ox0 + PX - 1) * SW - PL + KW <= IW;

  if (ox0 >= OW || oy >= OH)
    return;
#endif
  int n, blk0, blk1;

  block_range ((OC + OCB - 1) / OCB, BPI, &n, &blk0, &blk1);
  for (int blk = blk0; blk < blk1; blk++) {
    const int ic0 = block_ic0 (blk, OCB, IC, KC, ICG, OCG);
    float16 acc[NB][PX];

    init_acc (acc, bias, blk);
    prefetch_epilogue (out, res, n, oy, ox0, np, blk, OC, OH, OW, flags, RC,
        RH, RW, RS, RCO);
#ifdef RASTER
    raster_products (acc, in, zero, wt, n, oy, ox0, np, blk, ic0, IC, IH, IW,
        OW, KH, KW, SH, SW, PT, PL, KC);
#else

    for (int kh = 0; kh < KH; kh++) {
      const int iy = oy * SH - PT + kh;
      if (iy < 0 || iy >= IH)
        continue;
      __global const float *row = in + (size_t) (n * IH + iy) * IW * IC;
      if (rows) {
        __global const float *ip[PX];
  #pragma unroll
        for (int p = 0; p < PX; p++)
          ip[p] = row + (size_t) ((ox0 + p) * SW - PL) * IC;
        mac_channels (acc, ip, wt + (size_t) (blk * KH + kh) * KW * KC * OCB,
            KW * KC);
        continue;
      }
      for (int kw = 0; kw < KW; kw++) {
        const int ix0 = ox0 * SW - PL + kw;
        __global const float *w = wt + ((size_t) (blk * KH + kh) * KW + kw) * KC * OCB;
        /* A pixel outside the row (zero padding) reads the zero buffer. */
        __global const float *ip[PX];
  #pragma unroll
        for (int p = 0; p < PX; p++) {
          const int ix = ix0 + p * SW;
          ip[p] = ix >= 0 && ix < IW ? row + (size_t) ix * IC + ic0 : zero;
        }
        mac_channels (acc, ip, w, KC);
      }
    }
#endif
    store_tile (out, bias, res, acc, n, oy, ox0, np, blk, OC, OH, OW, flags,
        RC, RH, RW, RS, RCO);
  }
}

#else /* KCH */
/* Accumulators kept in @o between two chunks of a 1x1 convolution:
 * store_block's layout, without the epilogue. */
static inline float16
load_block (__global const float *o, int oc0, int OC)
{
  float t[VW];

  if (oc0 + VW <= OC)
    return vload16 (0, o + oc0);
  for (int j = 0; j < VW; j++)
    t[j] = oc0 + j < OC ? o[oc0 + j] : 0.0f;
  return vload16 (0, t);
}

/* 1x1 convolutions on small maps with many channels (ResNet's 14x14 and
 * 7x7 stages).  conv2d_nhwc reads a block's weights once for every row of
 * pixels, the first time from memory, at memory speed: those layers ran
 * at 190 GFLOP/s in a network against 310 alone.  Here one work-item
 * computes every output pixel of its blocks, KCH input channels at a
 * time: a chunk's weights (KCH x OCB floats) stay in L1 while it sweeps
 * the map, and each tile of PX pixels prefetches its share of the next
 * chunk to L2, so fetching the weights overlaps the products.  Between
 * chunks the partial sums wait in @out.
 *
 * Compile-time options: KCH, PX (pixels of the map in raster order), NB.
 * NDRange: (1, 1, N * ceil (ceil (OC / OCB) / BPI)).  Arguments:
 * conv2d_nhwc's, with KH = KW = 1, no padding and KC = IC. */
__kernel void
conv1x1_nhwc (OCL_PARAMS (OCL_SIG_conv1x1_nhwc))
{
  const int npx = OH * OW, tiles = (npx + PX - 1) / PX;
  const int nblk = (OC + OCB - 1) / OCB;
  int n, blk0, blk1;

  block_range (nblk, BPI, &n, &blk0, &blk1);
  for (int blk = blk0; blk < blk1; blk++) {
    for (int ic0 = 0; ic0 < KC; ic0 += KCH) {
      const int kc = min (KCH, KC - ic0);
      __global const float *w = wt + ((size_t) blk * KC + ic0) * OCB;
      /* The next chunk: the rest of this block or the next one's first,
       * up to this work-item's last weight. */
      const size_t next = ((size_t) blk * KC + ic0 + kc) * OCB;
      const int lines = (int) (min ((size_t) KCH * OCB,
              (size_t) blk1 * KC * OCB - next) / 16);

      for (int t = 0, p0 = 0; t < tiles; t++, p0 += PX) {
        const int oy0 = p0 / OW, ox0 = p0 % OW;
        __global const float *ip[PX];
        float16 acc[NB][PX];
        int oy = oy0, ox = ox0;

  #pragma unroll
        for (int p = 0; p < PX; p++) {
          ip[p] = p0 + p < npx ? in + ((size_t) (n * IH + oy * SH) * IW +
              ox * SW) * IC + ic0 : zero;
          if (++ox == OW) {
            ox = 0;
            oy++;
          }
        }
        if (ic0 + kc == KC)
          prefetch_epilogue (out, res, n, oy0, ox0, min (PX, npx - p0), blk,
              OC, OH, OW, flags, RC, RH, RW, RS, RCO);
        if (ic0 == 0) {
          init_acc (acc, bias, blk);
        } else {
          for (int p = 0; p < PX && p0 + p < npx; p++)
            for (int b = 0; b < NB; b++)
              acc[b][p] = load_block (out + ((size_t) n * npx + p0 + p) * OC,
                  blk * OCB + b * VW, OC);
        }
        {
          /* This tile's share of the next chunk's cache lines, prefetched
           * to L2 a few before every 16 channels (PoCL's prefetch ()
           * compiles to nothing, clang's builtin to prefetcht1 on x86). A
           * test in the products' loop cost more than it saved. */
          __global const float *pf = wt + next + (size_t) t * lines / tiles
              * 16;
          int npf = (t + 1) * lines / tiles - t * lines / tiles;
          const int per = (npf + (kc + 15) / 16 - 1) / ((kc + 15) / 16);

          for (int c0 = 0; c0 < kc; c0 += 16) {
            __global const float *ipc[PX];

  #ifdef __x86_64__
            for (int j = 0; j < per && npf > 0; j++, npf--, pf += 16)
              __builtin_prefetch ((const void *) (ulong) pf, 0, 2);
  #endif
  #pragma unroll
            for (int p = 0; p < PX; p++)
              ipc[p] = ip[p] + c0;
            mac_channels (acc, ipc, w + c0 * OCB, min (16, kc - c0));
          }
        }
        oy = oy0;
        ox = ox0;
        for (int p = 0; p < PX && p0 + p < npx; p++) {
          float16 px[NB];

          for (int b = 0; b < NB; b++)
            px[b] = acc[b][p];
          if (ic0 + kc == KC)
            store_pixel (out, bias, res, px, n, oy, ox, blk, OC, OH, OW,
                flags, RC, RH, RW, RS, RCO);
          else
            for (int b = 0; b < NB && blk * OCB + b * VW < OC; b++)
              store_block (out + ((size_t) n * npx + p0 + p) * OC, px[b],
                  blk * OCB + b * VW, OC);
          if (++ox == OW) {
            ox = 0;
            oy++;
          }
        }
      }
    }
  }
}
#endif /* KCH */

#endif /* !WT && !TILED */

#ifdef GS
/* Grouped convolution with GS inputs and GS outputs per group, GS dividing
 * 8 (ResNeXt's 3x3 layers at 56x56 and 28x28, depthwise): a block of 16
 * output lanes holds 16 / GS whole groups, and their inputs are the same
 * 16 channels.  Lane j = g GS + m of an input vector holds member m of
 * group g; rotation r multiplies it by W[g GS + (m + r) % GS][m], so that
 * every multiply-add is one of the convolution's (the generic path's
 * block-diagonal weights do 16 / GS times as many) and none waits on a
 * shuffle: GS accumulators a pixel, rotated back into place once, after
 * the products (the old form shuffled the input for every product,
 * ResNeXt-50's 3x3 layers at 56x56 and 28x28 ran at half the 1x1 layers'
 * GFLOP/s).  Groups of 16 run conv2d_nhwc, one block each.
 *
 * Compile-time options: GS, PX, NB; GS x NB x PX accumulators.  NDRange,
 * arguments: conv2d_nhwc's, with IC = OC, IC % 16 == 0 and
 *   wt  [OC / OCB][KH][KW][GS][OCB]: lane j = g GS + m of row r is
 *       W[oc g GS + (m + r) % GS][m].
 */

/* Where rotation @r's accumulator holds lane j's products: lane
 * g GS + (m - r) mod GS, for j = g GS + m. */
static inline uint16
rotation_lanes (int r)
{
  const uint16 j = (uint16) (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
      14, 15);

  return j / GS * GS + (j % GS + GS - r) % GS;
}

__kernel void
conv2d_grouped_nhwc (OCL_PARAMS (OCL_SIG_conv2d_grouped_nhwc))
{
  const int ox0 = get_global_id (0) * PX;
  const int oy = get_global_id (1);
  int n, blk0, blk1;

  if (ox0 >= OW || oy >= OH)
    return;
  block_range (OC / OCB, BPI, &n, &blk0, &blk1);
  for (int blk = blk0; blk < blk1; blk++) {
    float16 acc[GS][NB][PX];

    init_acc (acc[0], bias, blk);
  #pragma unroll
    for (int r = 1; r < GS; r++)
  #pragma unroll
      for (int b = 0; b < NB; b++)
  #pragma unroll
        for (int p = 0; p < PX; p++)
          acc[r][b][p] = (float16) (0.0f);
    for (int kh = 0; kh < KH; kh++) {
      const int iy = oy * SH - PT + kh;
      if (iy < 0 || iy >= IH)
        continue;
      __global const float *row = in + (size_t) (n * IH + iy) * IW * IC + blk * OCB;
      for (int kw = 0; kw < KW; kw++) {
        __global const float *w = wt + ((size_t) (blk * KH + kh) * KW + kw) * GS * OCB;
  #pragma unroll
        for (int b = 0; b < NB; b++) {
          float16 v[PX];
  #pragma unroll
          for (int p = 0; p < PX; p++) {
            /* Outside the row (zero padding): the zero buffer. */
            const int ix = (ox0 + p) * SW - PL + kw;
            v[p] = vload16 (b, ix >= 0 && ix < IW ? row + (size_t) ix * IC :
                zero);
          }
  #pragma unroll
          for (int r = 0; r < GS; r++) {
            const float16 wr = vload16 (b, w + r * OCB);
  #pragma unroll
            for (int p = 0; p < PX; p++)
              acc[r][b][p] = fma (v[p], wr, acc[r][b][p]);
          }
        }
      }
    }
  #pragma unroll
    for (int r = 1; r < GS; r++)
  #pragma unroll
      for (int b = 0; b < NB; b++)
  #pragma unroll
        for (int p = 0; p < PX; p++)
          acc[0][b][p] += shuffle (acc[r][b][p], rotation_lanes (r));
    store_tile (out, bias, res, acc[0], n, oy, ox0, min (PX, OW - ox0), blk,
        OC, OH, OW, flags, RC, RH, RW, RS, RCO);
  }
}
#endif /* GS */

/* Both Winograd kernels' register tile: 16 input channels of one transform
 * point for NT tiles (the transformed inputs V, NT x 16 floats) against
 * the point's weights w (advanced past them), into acc[NT][NB]. */
#define WINOGRAD_PRODUCTS(NT, V) \
  _Pragma ("unroll") \
  for (int ic = 0; ic < 16; ic++) { \
    float16 w0 = vload16 (0, w); \
    float16 w1 = NB > 1 ? vload16 (1, w) : w0; \
    w += OCB; \
    _Pragma ("unroll") \
    for (int t = 0; t < (NT); t++) { \
      float16 x = (float16) ((V)[t * 16 + ic]); \
      acc[t][0] = fma (x, w0, acc[t][0]); \
      if (NB > 1) \
        acc[t][NB - 1] = fma (x, w1, acc[t][NB - 1]); \
    } \
  }

#ifdef WT
/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2015), with the input
 * transform, the products and the output transform in one kernel, so that
 * nothing but the result goes back to memory.
 *
 * The output is cut into 2x2 tiles, numbered row by row over the image.  A
 * work-item computes WT consecutive tiles (possibly spanning tile rows) for
 * OCB output channels.  It takes the 16 transform points in turn; for each
 * point it forms that point of the transformed input V = B^T d B for all WT
 * tiles, 16 input channels at a time (channels are contiguous in NHWC, so
 * each term is one vector load), parks it in private memory and multiplies
 * it into WT x NB float16 accumulators against the transformed weights,
 * exactly like the direct kernel's register tile.  That is 16 multiply-adds
 * per tile and input channel instead of 36.  The 16 sums per tile then go
 * through Y = A^T M A and the usual epilogue.
 *
 * Extra compile-time option: WT tiles per work-item (1..8).
 * NDRange: (ceil(ceil(OH / 2) * ceil(OW / 2) / WT), 1, N * ceil(OC / OCB)).
 *
 * Arguments as conv2d_nhwc, except:
 *   zero  at least IC zero floats: what pixels outside the input read
 *   wt    U = G g G^T as [ceil(OC / OCB)][16][IC][OCB], IC % 16 == 0
 */
__kernel void
conv3x3_winograd_nhwc (OCL_PARAMS (OCL_SIG_conv3x3_winograd_nhwc))
{
  const int TW = (OW + 1) / 2;
  const int tiles = (OH + 1) / 2 * TW;
  const int k0 = get_global_id (0) * WT;
  const int nblk = (OC + OCB - 1) / OCB;
  const int nimg = get_global_size (2) / nblk;
  const int n = get_global_id (2) % nimg;
  const int blk = get_global_id (2) / nimg;
  __global const float *src[WT][4][4];
  float16 m[16][WT][NB];
  float16 vt[WT];
  const float *v = (const float *) vt;

  if (k0 >= tiles)
    return;

  /* Each tile's 4x4 input pixels, zero padding (and tiles past the last)
   * reading the zero buffer. */
  for (int t = 0; t < WT; t++) {
    const int oy0 = (k0 + t) / TW * 2, ox0 = (k0 + t) % TW * 2;
    for (int a = 0; a < 4; a++) {
      const int iy = oy0 - PT + a;
      for (int c = 0; c < 4; c++) {
        const int ix = ox0 - PL + c;
        src[t][a][c] = k0 + t < tiles && iy >= 0 && iy < IH && ix >= 0 &&
            ix < IW ? in + ((size_t) (n * IH + iy) * IW + ix) * IC : zero;
      }
    }
  }

  for (int pt = 0; pt < 16; pt++) {
    /* Rows of B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]: point (i, j)
     * is (d[a0] + sa d[a1]) along y combined by (b0, b1, sb) along x. */
    const int i = pt >> 2, j = pt & 3;
    const int a0 = i == 0 ? 0 : i == 2 ? 2 : 1;
    const int a1 = i == 0 ? 2 : i == 1 ? 2 : i == 2 ? 1 : 3;
    const int b0 = j == 0 ? 0 : j == 2 ? 2 : 1;
    const int b1 = j == 0 ? 2 : j == 1 ? 2 : j == 2 ? 1 : 3;
    const float16 sa = (float16) (i == 1 ? 1.0f : -1.0f);
    const float16 sb = (float16) (j == 1 ? 1.0f : -1.0f);
    __global const float *w = wt + (size_t) (blk * 16 + pt) * IC * OCB;
    float16 acc[WT][NB];

    for (int t = 0; t < WT; t++)
      for (int b = 0; b < NB; b++)
        acc[t][b] = (float16) 0.0f;

    for (int ic0 = 0; ic0 < IC; ic0 += 16) {
      for (int t = 0; t < WT; t++) {
        float16 r0 = fma (sb, vload16 (0, src[t][a0][b1] + ic0),
            vload16 (0, src[t][a0][b0] + ic0));
        float16 r1 = fma (sb, vload16 (0, src[t][a1][b1] + ic0),
            vload16 (0, src[t][a1][b0] + ic0));
        vt[t] = fma (sa, r1, r0);
      }
      WINOGRAD_PRODUCTS (WT, v);
    }
    for (int t = 0; t < WT; t++)
      for (int b = 0; b < NB; b++)
        m[pt][t][b] = acc[t][b];
  }

  /* Y = A^T M A with A^T = [1 1 1 0; 0 1 -1 -1], then bias, residual,
   * ReLU. */
  for (int t = 0; t < WT && k0 + t < tiles; t++) {
    const int oy0 = (k0 + t) / TW * 2, ox0 = (k0 + t) % TW * 2;
    for (int b = 0; b < NB; b++) {
      const int oc0 = blk * OCB + b * VW;
      const float16 bv = vload16 (0, bias + oc0);
      float16 s0[4], s1[4], y[2][2];
      if (oc0 >= OC)
        break;
      for (int c = 0; c < 4; c++) {
        s0[c] = m[c][t][b] + m[4 + c][t][b] + m[8 + c][t][b];
        s1[c] = m[4 + c][t][b] - m[8 + c][t][b] - m[12 + c][t][b];
      }
      y[0][0] = s0[0] + s0[1] + s0[2] + bv;
      y[0][1] = s0[1] - s0[2] - s0[3] + bv;
      y[1][0] = s1[0] + s1[1] + s1[2] + bv;
      y[1][1] = s1[1] - s1[2] - s1[3] + bv;
      for (int dy = 0; dy < 2 && oy0 + dy < OH; dy++)
        for (int dx = 0; dx < 2 && ox0 + dx < OW; dx++)
          store_block (out + ((size_t) (n * OH + oy0 + dy) * OW + ox0 +
                  dx) * OC, epilogue_block (y[dy][dx], bias, res, n,
                  oy0 + dy, ox0 + dx, oc0, OC, flags, RC, RH, RW, RS, RCO),
              oc0, OC);
    }
  }
}
#endif

#ifdef WINO4_INPUT
/* Winograd F(4x4, 3x3), first half: the transformed input V = B^T d B of
 * every 6x6 input tile (4x4 outputs), computed once per tile and 16
 * channels, where the fused F(2x2) kernel recomputes its (cheaper)
 * transform for every output-channel block.  With interpolation points
 * 0, 1, -1, 2, -2 and infinity:
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
 *          0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *
 * NDRange: (IC / 16, ceil(OH / 4) * ceil(OW / 4), N).
 * Arguments:
 *   in  [N][IH][IW][IC], IC % 16 == 0
 *   v   [N][tiles][36][IC]
 */
static inline void
bt6 (const float16 * d, int stride, float16 * o, int ostride)
{
  const float16 d0 = d[0], d1 = d[stride], d2 = d[2 * stride],
      d3 = d[3 * stride], d4 = d[4 * stride], d5 = d[5 * stride];
  o[0] = fma ((float16) (4.0f), d0, fma ((float16) (-5.0f), d2, d4));
  o[ostride] = fma ((float16) (-4.0f), d1 + d2, d3 + d4);
  o[2 * ostride] = fma ((float16) (4.0f), d1 - d2, d4 - d3);
  o[3 * ostride] = fma ((float16) (2.0f), d3 - d1, d4 - d2);
  o[4 * ostride] = fma ((float16) (2.0f), d1 - d3, d4 - d2);
  o[5 * ostride] = fma ((float16) (4.0f), d1, fma ((float16) (-5.0f), d3,
          d5));
}

__kernel void
winograd4_input_nhwc (OCL_PARAMS (OCL_SIG_winograd4_input_nhwc))
{
  const int c0 = get_global_id (0) * VW;
  const int k = get_global_id (1);
  const int n = get_global_id (2);
  const int TW = (OW + 3) / 4;
  const int tiles = (OH + 3) / 4 * TW;
  const int oy0 = k / TW * 4 - PT, ox0 = k % TW * 4 - PL;
  float16 d[36], t[36];
  __global float *o;

  if (c0 >= IC || k >= tiles)
    return;
  for (int a = 0; a < 6; a++)
    for (int b = 0; b < 6; b++) {
      const int iy = oy0 + a, ix = ox0 + b;
      d[a * 6 + b] = iy >= 0 && iy < IH && ix >= 0 && ix < IW ?
          vload16 (0, in + ((size_t) (n * IH + iy) * IW + ix) * IC + c0) :
          (float16) (0.0f);
    }
  /* t = B^T d along y (columns of d), then V = t B along x (rows of t). */
  for (int b = 0; b < 6; b++)
    bt6 (d + b, 6, t + b, 6);
  for (int a = 0; a < 6; a++)
    bt6 (t + a * 6, 1, d + a * 6, 1);
  o = v + ((size_t) n * tiles + k) * 36 * IC + c0;
  for (int p = 0; p < 36; p++)
    vstore16 (d[p], 0, o + (size_t) p * IC);
}
#endif

#ifdef WT4
/* Winograd F(4x4, 3x3), second half: the products and the output
 * transform, fused.  A work-item takes WT4 consecutive tiles for OCB output
 * channels; for each of the 36 transform points it multiplies that point
 * of V (one vector load per tile and 16 input channels) into WT4 x NB
 * float16 accumulators against U = G g G^T, exactly as the F(2x2) kernel
 * does, and adds the point's share of Y = A^T M A to the tiles' 4x4
 * outputs at once, so that only the outputs stay in private memory.  36
 * multiply-adds per 4x4 tile and input channel instead of 144.
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 *
 * Compile-time options: WT4 tiles per work-item, NB.
 * NDRange: (ceil(tiles / WT4), 1, N * ceil(OC / OCB)), images fastest as
 * in the F(2x2) kernel.
 * Arguments as conv3x3_winograd_nhwc, except:
 *   v   winograd4_input_nhwc's output
 *   wt  U as [ceil(OC / OCB)][36][IC][OCB]
 */
__constant float AT4[4][6] = {
  {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 0.0f},
  {0.0f, 1.0f, -1.0f, 2.0f, -2.0f, 0.0f},
  {0.0f, 1.0f, 1.0f, 4.0f, 4.0f, 0.0f},
  {0.0f, 1.0f, -1.0f, 8.0f, -8.0f, 1.0f},
};

__kernel void
conv3x3_winograd4_nhwc (OCL_PARAMS (OCL_SIG_conv3x3_winograd4_nhwc))
{
  const int TW = (OW + 3) / 4;
  const int tiles = (OH + 3) / 4 * TW;
  const int k0 = get_global_id (0) * WT4;
  const int nblk = (OC + OCB - 1) / OCB;
  const int nimg = get_global_size (2) / nblk;
  const int n = get_global_id (2) % nimg;
  const int blk = get_global_id (2) / nimg;
  __global const float *vp[WT4];
  float16 y[WT4][NB][16];
  float16 vt[WT4];
  const float *vs = (const float *) vt;

  if (k0 >= tiles)
    return;
  for (int t = 0; t < WT4; t++) {
    /* Tiles past the last read the last one; their results are dropped. */
    vp[t] = v + ((size_t) n * tiles + min (k0 + t, tiles - 1)) * 36 * IC;
    for (int b = 0; b < NB; b++)
      for (int q = 0; q < 16; q++)
        y[t][b][q] = (float16) (0.0f);
  }

  for (int pt = 0; pt < 36; pt++) {
    const int i = pt / 6, j = pt % 6;
    __global const float *w = wt + (size_t) (blk * 36 + pt) * IC * OCB;
    float16 acc[WT4][NB];

    for (int t = 0; t < WT4; t++)
      for (int b = 0; b < NB; b++)
        acc[t][b] = (float16) 0.0f;
    for (int ic0 = 0; ic0 < IC; ic0 += 16) {
      for (int t = 0; t < WT4; t++)
        vt[t] = vload16 (0, vp[t] + (size_t) pt * IC + ic0);
      WINOGRAD_PRODUCTS (WT4, vs);
    }
    /* This point's share of every output: A^T[r][i] A^T[c][j] M. */
    for (int r = 0; r < 4; r++) {
      const float ar = AT4[r][i];
      if (ar == 0.0f)
        continue;
      for (int c = 0; c < 4; c++) {
        const float16 f = (float16) (ar * AT4[c][j]);
        if (AT4[c][j] == 0.0f)
          continue;
        for (int t = 0; t < WT4; t++)
          for (int b = 0; b < NB; b++)
            y[t][b][r * 4 + c] = fma (f, acc[t][b], y[t][b][r * 4 + c]);
      }
    }
  }

  for (int t = 0; t < WT4 && k0 + t < tiles; t++) {
    const int oy0 = (k0 + t) / TW * 4, ox0 = (k0 + t) % TW * 4;
    for (int b = 0; b < NB; b++) {
      const int oc0 = blk * OCB + b * VW;
      const float16 bv = vload16 (0, bias + oc0);
      if (oc0 >= OC)
        break;
      for (int dy = 0; dy < 4 && oy0 + dy < OH; dy++)
        for (int dx = 0; dx < 4 && ox0 + dx < OW; dx++)
          store_block (out + ((size_t) (n * OH + oy0 + dy) * OW + ox0 +
                  dx) * OC, epilogue_block (y[t][b][dy * 4 + dx] + bv, bias,
                  res, n, oy0 + dy, ox0 + dx, oc0, OC, flags, RC, RH, RW, RS,
                  RCO), oc0, OC);
    }
  }
}
#endif

#ifdef TILED
/* Implicit-GEMM convolution with local-memory tiles, for GPUs: the output
 * is the product of the M x K matrix of input windows (M = N*OH*OW pixels,
 * K = KH*KW*IC, ordered kh, kw, ic like the packed weights) by the K x OC
 * weights.  A work-group of LX x LY work-items computes a tile of
 * TM = 4 LY pixels by TN = 4 LX output channels; for every TK = 16 steps of
 * K it stages both operands in local memory with coalesced loads (adjacent
 * work-items read adjacent input channels and adjacent weights), then each
 * work-item accumulates its 4 x 4 outputs from there.  Work-item (tx, ty)
 * owns pixels ty + i LY and channels tx + j LX, so that reads from local
 * memory are broadcasts or consecutive and the stores of a row of
 * work-items are consecutive channels.
 *
 * Compile-time options: LX, LY (the work-group size).
 * NDRange: (ceil(OC / TN) * LX, ceil(M / TM) * LY), local (LX, LY).
 *
 * Arguments as conv2d_nhwc, except:
 *   wt  [ceil(OC / TN)][KH][KW][KC][TN], zero-padded past OC
 *   M   N * OH * OW
 *   KC, ICG, OCG  as conv2d_nhwc's (grouped convolution)
 */
#define RM 4
#define RN 4
#define TK 16
#define TM (RM * LY)
#define TN (RN * LX)
#define NT (LX * LY)
/* Input elements each work-item stages per step; NT is a multiple of TK,
 * so a work-item always loads the same k of a step. */
#define AL (TM * TK / NT)

__kernel __attribute__ ((reqd_work_group_size (LX, LY, 1)))
void
conv2d_tiled_nhwc (OCL_PARAMS (OCL_SIG_conv2d_tiled_nhwc))
{
  __local float As[TK][TM + 1];
  __local float Bs[TK][TN];
  const int tx = get_local_id (0), ty = get_local_id (1);
  const int tid = ty * LX + tx;
  const int blk = get_group_id (0);
  const int m0 = get_group_id (1) * TM;
  const int K = KH * KW * KC, HW = OH * OW, stride = OCL_ABI_EPI_STRIDE (OC);
  const int ic0 = block_ic0 (blk, TN, IC, KC, ICG, OCG);
  const int kk_a = tid % TK;
  __global const float *w = wt + (size_t) blk * K * TN;
  int row[AL], iy0[AL], ix0[AL];
  float acc[RM][RN];

  /* The pixels this work-item stages: image row offset and window origin
   * (a window origin far outside the image for rows past M). */
  for (int i = 0; i < AL; i++) {
    const int m = m0 + tid / TK + i * (NT / TK);
    const int n = m / HW, r = m - n * HW, oy = r / OW, ox = r - oy * OW;
    row[i] = n * IH;
    iy0[i] = m < M ? oy * SH - PT : -(1 << 24);
    ix0[i] = ox * SW - PL;
  }
  for (int i = 0; i < RM; i++)
    for (int j = 0; j < RN; j++)
      acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < K; k0 += TK) {
    {
      const int k = k0 + kk_a;
      const int s = k / KC, ic = ic0 + k - s * KC, kh = s / KW, kw = s - kh * KW;
      for (int i = 0; i < AL; i++) {
        const int iy = iy0[i] + kh, ix = ix0[i] + kw;
        As[kk_a][tid / TK + i * (NT / TK)] = k < K && iy >= 0 && iy < IH &&
            ix >= 0 && ix < IW ?
            in[((size_t) (row[i] + iy) * IW + ix) * IC + ic] : 0.0f;
      }
    }
    for (int e = tid; e < TK * TN; e += NT) {
      const int kk = e / TN, c = e - kk * TN;
      Bs[kk][c] = k0 + kk < K ? w[(size_t) (k0 + kk) * TN + c] : 0.0f;
    }
    barrier (CLK_LOCAL_MEM_FENCE);
    for (int kk = 0; kk < TK; kk++) {
      float a[RM], b[RN];
      for (int i = 0; i < RM; i++)
        a[i] = As[kk][ty + i * LY];
      for (int j = 0; j < RN; j++)
        b[j] = Bs[kk][tx + j * LX];
      for (int i = 0; i < RM; i++)
        for (int j = 0; j < RN; j++)
          acc[i][j] = fma (a[i], b[j], acc[i][j]);
    }
    barrier (CLK_LOCAL_MEM_FENCE);
  }

  for (int i = 0; i < RM; i++) {
    const int m = m0 + ty + i * LY;
    const int n = m / HW, r = m - n * HW, oy = r / OW, ox = r - oy * OW;
    if (m >= M)
      break;
    for (int j = 0; j < RN; j++) {
      const int oc = blk * TN + tx + j * LX;
      float v;
      if (oc >= OC)
        break;
      v = epilogue1 (acc[i][j] + bias[oc], bias, res, n, oy, ox, oc, OC,
          flags, RC, RH, RW, RS, RCO);
      out[(size_t) m * OC + oc] = v;
    }
  }
}
#endif
