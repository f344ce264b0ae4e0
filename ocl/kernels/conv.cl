/* Direct convolution on channels-last (NHWC) activations.
 *
 * Compile-time options:
 *   PX  output pixels along a row computed by one work-item (1..8)
 *   NB  16-channel output blocks computed by one work-item (1 or 2)
 * Each work-item keeps PX x NB float16 accumulators in registers and, for
 * every input channel, broadcasts PX input values against NB weight vectors:
 * the register blocking measured in DESIGN.md.  Every other size is a
 * run-time argument, so one program serves all layers of a network.
 *
 * NDRange: (ceil(OW / PX), OH, N * ceil(OC / (16 NB))).
 *
 * Arguments:
 *   in    [N][IH][IW][IC]
 *   wt    [ceil(OC / (16 NB))][KH][KW][IC][16 NB], zero-padded past OC
 *   bias  [ceil(OC / (16 NB)) * 16 NB] (zero-padded)
 *   res   residual [N][RH][RW][RC] when flags & 2, else any buffer
 *   out   [N][OH][OW][OC]
 *   flags bit 0: ReLU after the add; bit 1: add the residual
 *           r[n, y, x, c] = res[n, y*RS, x*RS, c - RCO] (0 outside [0, RC))
 */
#ifndef PX
#define PX 4
#endif
#ifndef NB
#define NB 1
#endif
#define VW 16
#define OCB (VW * NB)

#define FLAG_RELU 1
#define FLAG_RESIDUAL 2

inline float16
residual_block (__global const float *res, int n, int oy, int ox, int oc0,
    int RC, int RH, int RW, int RS, int RCO)
{
  int c0 = oc0 - RCO;
  __global const float *r = res + ((size_t) (n * RH + oy * RS) * RW + ox * RS) * RC;
  float16 v = (float16) 0.0f;

  if (c0 >= 0 && c0 + VW <= RC)
    return vload16 (0, r + c0);
  if (c0 + VW <= 0 || c0 >= RC)
    return v;
  {
    float t[VW];
    for (int j = 0; j < VW; j++)
      t[j] = (c0 + j >= 0 && c0 + j < RC) ? r[c0 + j] : 0.0f;
    return vload16 (0, t);
  }
}

inline void
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

__kernel void
conv2d_nhwc (__global const float *restrict in,
    __global const float *restrict wt,
    __global const float *restrict bias,
    __global const float *restrict res,
    __global float *restrict out,
    int IC, int IH, int IW, int OC, int OH, int OW,
    int KH, int KW, int SH, int SW, int PT, int PL,
    int flags, int RC, int RH, int RW, int RS, int RCO)
{
  const int ox0 = get_global_id (0) * PX;
  const int oy = get_global_id (1);
  const int nblk = (OC + OCB - 1) / OCB;
  const int n = get_global_id (2) / nblk;
  const int blk = get_global_id (2) % nblk;
  float16 acc[NB][PX];

  if (ox0 >= OW || oy >= OH)
    return;

  for (int b = 0; b < NB; b++) {
    float16 bv = vload16 (0, bias + blk * OCB + b * VW);
    for (int p = 0; p < PX; p++)
      acc[b][p] = bv;
  }

  for (int kh = 0; kh < KH; kh++) {
    const int iy = oy * SH - PT + kh;
    if (iy < 0 || iy >= IH)
      continue;
    __global const float *row = in + (size_t) (n * IH + iy) * IW * IC;
    for (int kw = 0; kw < KW; kw++) {
      const int ix0 = ox0 * SW - PL + kw;
      __global const float *w = wt + ((size_t) (blk * KH + kh) * KW + kw) * IC * OCB;

      if (ix0 >= 0 && ix0 + (PX - 1) * SW < IW) {
        /* Interior: every pixel of the tile reads inside the row. */
        __global const float *ip = row + (size_t) ix0 * IC;
        const int step = SW * IC;
        for (int ic = 0; ic < IC; ic++) {
          float16 w0 = vload16 (0, w);
#if NB > 1
          float16 w1 = vload16 (1, w);
#endif
          w += OCB;
#pragma unroll
          for (int p = 0; p < PX; p++) {
            float16 a = (float16) ip[p * step + ic];
            acc[0][p] = fma (a, w0, acc[0][p]);
#if NB > 1
            acc[1][p] = fma (a, w1, acc[1][p]);
#endif
          }
        }
      } else {
        /* Border: pixels outside the row read a clamped address and are
         * multiplied by 0 (zero padding). */
        int off[PX];
        float m[PX];
        for (int p = 0; p < PX; p++) {
          int ix = ix0 + p * SW;
          int ok = ix >= 0 && ix < IW;
          off[p] = ok ? ix * IC : 0;
          m[p] = ok ? 1.0f : 0.0f;
        }
        for (int ic = 0; ic < IC; ic++) {
          float16 w0 = vload16 (0, w);
#if NB > 1
          float16 w1 = vload16 (1, w);
#endif
          w += OCB;
#pragma unroll
          for (int p = 0; p < PX; p++) {
            float16 a = (float16) (row[off[p] + ic] * m[p]);
            acc[0][p] = fma (a, w0, acc[0][p]);
#if NB > 1
            acc[1][p] = fma (a, w1, acc[1][p]);
#endif
          }
        }
      }
    }
  }

  for (int p = 0; p < PX; p++) {
    const int ox = ox0 + p;
    if (ox >= OW)
      break;
    __global float *o = out + ((size_t) (n * OH + oy) * OW + ox) * OC;
    for (int b = 0; b < NB; b++) {
      const int oc0 = blk * OCB + b * VW;
      float16 v = acc[b][p];
      if (oc0 >= OC)
        break;
      if (flags & FLAG_RESIDUAL)
        v += residual_block (res, n, oy, ox, oc0, RC, RH, RW, RS, RCO);
      if (flags & FLAG_RELU)
        v = fmax (v, (float16) 0.0f);
      store_block (o, v, oc0, OC);
    }
  }
}
