/* Weight packing: the model's [oc][ic][kh][kw] floats into the layouts the
 * convolution kernels read, once per net, on every core. */
#include <string.h>
#include "ocl-private.h"

/* The packers below go over the weights of one output-channel block in
 * steps of about PACK_K source floats per row, so that the rows they read
 * are streamed and the lanes they write stay in cache: ResNet-50 packs
 * 98 MB at start-up: its direct layers took 80 ms with steps of 16 input
 * channels (64 bytes per row in 1x1 layers, whose rows are 8 KB apart),
 * 60 ms with these. */
#define PACK_K 512

/* (a, b, c) -> G (a, b, c) with G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. */
static inline void
winograd_g (double a, double b, double c, double *o)
{
  o[0] = a;
  o[1] = 0.5 * (a + b + c);
  o[2] = 0.5 * (a - b + c);
  o[3] = c;
}

/* (a, b, c) -> G (a, b, c) for F(4x4, 3x3), points 0, 1, -1, 2, -2, inf:
 * G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6;
 *      1/24 -1/12 1/6; 0 0 1]. */
static inline void
winograd4_g (double a, double b, double c, double *o)
{
  o[0] = a / 4.0;
  o[1] = -(a + b + c) / 6.0;
  o[2] = -(a - b + c) / 6.0;
  o[3] = a / 24.0 + b / 12.0 + c / 6.0;
  o[4] = a / 24.0 - b / 12.0 + c / 6.0;
  o[5] = c;
}

typedef void (*WinogradG) (double a, double b, double c, double *o);

/* Weights [oc][ic][3][3] -> U = G g G^T, T x T with G's T rows given by
 * @g_rows, as [blk][T*T][ic][ocb], computed in double precision; output-channel
 * blocks [blk0, blk1) only.  T = 4 for F(2x2, 3x3), 6 for F(4x4, 3x3). */
static void
pack_winograd (const OclNode * n, int ocb, int blk0, int blk1, float *u,
    int T, WinogradG g_rows)
{
  const int ic_n = n->ic, step = MAX (1, PACK_K / 9), pts = T * T;
  const guint8 *src = ocl_node_weight_bytes (n);

  for (int oc0 = blk0 * ocb; oc0 < MIN (blk1 * ocb, n->oc); oc0 += ocb)
    for (int ic0 = 0; ic0 < ic_n; ic0 += step)
      for (int oc = oc0; oc < MIN (oc0 + ocb, n->oc); oc++)
        for (int ic = ic0; ic < MIN (ic0 + step, ic_n); ic++) {
          float g[9];
          float *o = u + (gsize) oc0 * pts * ic_n + (gsize) ic * ocb + oc - oc0;
          double col[3][6], t[6];
          memcpy (g, src + ((gsize) oc * ic_n + ic) * 9 * sizeof (float),
              sizeof (g));
          /* G g: each column of g; then (G g) G^T: each row of that. */
          for (int l = 0; l < 3; l++)
            g_rows (g[l], g[3 + l], g[6 + l], col[l]);
          for (int i = 0; i < T; i++) {
            g_rows (col[0][i], col[1][i], col[2][i], t);
            for (int j = 0; j < T; j++)
              o[(gsize) (i * T + j) * ic_n * ocb] = t[j];
          }
        }
}

/* Weights [oc][icg][kh][kw] -> [blk][kh][kw][kc][ocb], blocks [blk0,
 * blk1): kc = IC for a dense convolution; for a grouped one the block's
 * input channels from ocl_conv_block_ic0(), zero where an output channel's
 * group does not read them (the caller zeroes the buffer first).  With
 * @own_rows, kc = icg and every lane's rows are its own group's inputs
 * (OCL_PACK_HALVES). */
static void
pack_direct (const OclNode * n, int ocb, int blk0, int blk1,
    gboolean own_rows, float *wt)
{
  const int icg = ocl_node_icg (n), khw = n->kh * n->kw;
  const int kc = own_rows ? icg : ocl_conv_block_inputs (n, ocb);
  const int step = MAX (1, PACK_K / khw);
  const int ocg = n->oc / MAX (n->group, 1);
  const guint8 *src = ocl_node_weight_bytes (n);

  for (int blk = blk0; blk < blk1 && blk * ocb < n->oc; blk++) {
    const int oc0 = blk * ocb, ic0 = ocl_conv_block_ic0 (n, ocb, kc, blk);
    for (int j0 = 0; j0 < icg; j0 += step)
      for (int oc = oc0; oc < MIN (oc0 + ocb, n->oc); oc++) {
        /* Output channel oc reads input channels [first, first + icg). */
        const int first = own_rows ? 0 : oc / ocg * icg - ic0;
        gsize i = ((gsize) oc * icg + j0) * khw;
        float *o = wt + (gsize) oc0 * khw * kc + oc - oc0;
        for (int j = j0; j < MIN (j0 + step, icg); j++)
          for (int k = 0; k < khw; k++)
            o[((gsize) k * kc + first + j) * ocb] = ocl_load_float (src, i++);
      }
  }
}

/* Grouped, GS = icg = ocg dividing 8: [oc][gs][kh][kw] ->
 * [blk][kh][kw][gs][ocb], lane j = g gs + m of row r being
 * W[oc g gs + (m + r) % gs][m] (conv2d_grouped_nhwc's rotations). */
static void
pack_lanes (const OclNode * n, int ocb, int blk0, int blk1, float *wt)
{
  const int gs = ocl_node_icg (n), khw = n->kh * n->kw;
  const guint8 *src = ocl_node_weight_bytes (n);

  for (int oc = blk0 * ocb; oc < MIN (blk1 * ocb, n->oc); oc++) {
    const int m = oc % gs;
    float *o = wt + (gsize) (oc / ocb) * khw * gs * ocb + oc % ocb;
    for (int r = 0; r < gs; r++) {
      const int w_oc = oc - m + (m + r) % gs;
      for (int k = 0; k < khw; k++)
        o[((gsize) k * gs + r) * ocb] =
            ocl_load_float (src, ((gsize) w_oc * gs + m) * khw + k);
    }
  }
}

typedef struct
{
  const OclNode *n;
  int ocb, blk0, blk1;
  int wino;                     /* 0 direct, 2 F(2x2, 3x3), 4 F(4x4, 3x3),
                                 * or OCL_PACK_LANES, OCL_PACK_HALVES */
  float *dst;
} PackJob;

static gpointer
pack_job (gpointer data)
{
  PackJob *j = data;

  if (j->wino == OCL_PACK_LANES)
    pack_lanes (j->n, j->ocb, j->blk0, j->blk1, j->dst);
  else if (j->wino == 4)
    pack_winograd (j->n, j->ocb, j->blk0, j->blk1, j->dst, 6, winograd4_g);
  else if (j->wino == 2)
    pack_winograd (j->n, j->ocb, j->blk0, j->blk1, j->dst, 4, winograd_g);
  else
    pack_direct (j->n, j->ocb, j->blk0, j->blk1,
        j->wino == OCL_PACK_HALVES, j->dst);
  return NULL;
}

/* Packs @n's weights into @dst, the blocks shared out between the host's
 * cores (up to 8, none with less than 256 K floats): faulting in the fresh
 * pages costs as much as the packing itself, and both scale.  ResNet-50
 * on 2 cores: net compile 130 -> 96 ms. */
void
ocl_pack_weights (const OclNode * n, int ocb, int nblk, int wino,
    gsize floats, float *dst)
{
  int threads = MIN ((gsize) MIN (g_get_num_processors (), 8),
      MIN ((gsize) nblk, floats / (1 << 18) + 1));
  GThread *th[8];
  PackJob jobs[8];

  for (int t = 0; t < threads; t++) {
    jobs[t].n = n;
    jobs[t].ocb = ocb;
    jobs[t].blk0 = nblk * t / threads;
    jobs[t].blk1 = nblk * (t + 1) / threads;
    jobs[t].wino = wino;
    jobs[t].dst = dst;
    th[t] = t > 0 ? g_thread_try_new ("pack", pack_job, &jobs[t], NULL) : NULL;
    if (t > 0 && th[t] == NULL)
      pack_job (&jobs[t]);      /* no thread: pack it here */
  }
  pack_job (&jobs[0]);
  for (int t = 1; t < threads; t++)
    if (th[t])
      g_thread_join (th[t]);
}

/* The weight, writable: a borrowed one is replaced by a copy that fusion
 * may scale. */
float *
ocl_node_own_weight (OclNode * n)
{
  if (n->weight == NULL && n->weight_raw != NULL) {
    n->weight = g_memdup2 (n->weight_raw,
        (gsize) n->oc * ocl_node_icg (n) * n->kh * n->kw * sizeof (float));
    n->weight_raw = NULL;
  }
  return n->weight;
}

void
ocl_node_drop_weight (OclNode * n)
{
  g_clear_pointer (&n->weight, g_free);
  n->weight_raw = NULL;
}
