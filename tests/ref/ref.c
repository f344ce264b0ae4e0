/* Plain C reference of every node of the graph IR, in NCHW with float
 * accumulation in double where sums are long: the tests' oracle.  It
 * follows the ONNX definitions directly and shares no code with the
 * kernels. */
#include <math.h>
#include <string.h>
#include "ref.h"

#define AT(p, C, H, W, n, c, y, x) \
  (p)[(((gsize) (n) * (C) + (c)) * (H) + (y)) * (W) + (x)]

static float
residual_at (const OclGraph * g, const OclNode * nd, float *const *data,
    int n, int c, int y, int x)
{
  const OclValue *r;
  int rc;

  if (nd->residual < 0)
    return 0.0f;
  r = &g_array_index (g->values, OclValue, nd->residual);
  rc = c - nd->res_coff;
  if (rc < 0 || rc >= r->c)
    return 0.0f;
  return AT (data[nd->residual], r->c, r->h, r->w, n, rc, y * nd->res_stride,
      x * nd->res_stride);
}

/* DynamicQuantizeLinear's scale and zero point for the @n values of @x,
 * as ONNX defines them: the range widened to hold 0, saturated zero point
 * rounded to even (scale 1 for an empty range, as onnxruntime). */
static void
dynamic_range (const float *x, gsize n, float *scale, float *zero)
{
  float lo = 0.0f, hi = 0.0f;

  for (gsize i = 0; i < n; i++) {
    if (x[i] < lo)
      lo = x[i];
    if (x[i] > hi)
      hi = x[i];
  }
  *scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
  *zero = rintf (MIN (MAX (0.0f - lo / *scale, 0.0f), 255.0f));
}

static void
ref_node (const OclGraph * g, const OclNode * nd, float **data)
{
  const OclValue *X = &g_array_index (g->values, OclValue, nd->in[0]);
  const OclValue *Y = &g_array_index (g->values, OclValue, nd->out);
  const float *x = data[nd->in[0]];
  float *y = data[nd->out];
  float dq_scale = 1.0f, dq_zero = 0.0f;

  if (nd->op == OCL_OP_DYNQUANT)
    dynamic_range (x, (gsize) X->n * X->c * X->h * X->w, &dq_scale, &dq_zero);

  for (int n = 0; n < Y->n; n++)
    for (int c = 0; c < Y->c; c++)
      for (int oy = 0; oy < Y->h; oy++)
        for (int ox = 0; ox < Y->w; ox++) {
          double v = 0.0;
          switch (nd->op) {
            case OCL_OP_CONV:
            {
              /* Output c of group g reads inputs [g icg, (g + 1) icg). */
              const int icg = ocl_node_icg (nd);
              const int first = c / (nd->oc / MAX (nd->group, 1)) * icg;
              v = nd->bias ? nd->bias[c] : 0.0;
              for (int j = 0; j < icg; j++)
                for (int kh = 0; kh < nd->kh; kh++)
                  for (int kw = 0; kw < nd->kw; kw++) {
                    int iy = oy * nd->sh - nd->pt + kh;
                    int ix = ox * nd->sw - nd->pl + kw;
                    if (iy < 0 || iy >= X->h || ix < 0 || ix >= X->w)
                      continue;
                    v += (double) AT (x, X->c, X->h, X->w, n, first + j, iy,
                        ix) * ocl_load_float (ocl_node_weight_bytes (nd),
                        (((gsize) c * icg + j) * nd->kh + kh) * nd->kw + kw);
                  }
            }
              v += residual_at (g, nd, data, n, c, oy, ox);
              break;
            case OCL_OP_AFFINE:
              v = AT (x, X->c, X->h, X->w, n, c, oy, ox);
              if (nd->scale)
                v = nd->divide ? v / nd->scale[c] : v * nd->scale[c];
              if (nd->shift)
                v += nd->shift[c];
              break;
            case OCL_OP_RELU:
              v = AT (x, X->c, X->h, X->w, n, c, oy, ox);
              break;
            case OCL_OP_PRELU:
              v = AT (x, X->c, X->h, X->w, n, c, oy, ox);
              v = v < 0.0 ? v * nd->scale[c] : v;
              break;
            case OCL_OP_ADD:
              v = AT (x, X->c, X->h, X->w, n, c, oy, ox);
              if (nd->n_in == 2)
                v += AT (data[nd->in[1]], X->c, X->h, X->w, n, c, oy, ox);
              else
                v += residual_at (g, nd, data, n, c, oy, ox);
              break;
            case OCL_OP_MAXPOOL:
            case OCL_OP_AVGPOOL:{
              double m = -INFINITY, s = 0.0;
              int cnt = 0, y0 = oy * nd->sh - nd->pt, x0 = ox * nd->sw - nd->pl;
              for (int kh = 0; kh < nd->kh; kh += MAX (nd->dh, 1))
                for (int kw = 0; kw < nd->kw; kw += MAX (nd->dw, 1)) {
                  int iy = y0 + kh, ix = x0 + kw;
                  if (iy < 0 || iy >= X->h || ix < 0 || ix >= X->w)
                    continue;
                  {
                    /* NaN wins, as onnxruntime's max */
                    double e = AT (x, X->c, X->h, X->w, n, c, iy, ix);
                    m = e > m || isnan (e) ? e : m;
                  }
                  s += AT (x, X->c, X->h, X->w, n, c, iy, ix);
                  cnt++;
                }
              if (nd->op == OCL_OP_AVGPOOL && nd->count_include_pad)
                cnt = (MIN (y0 + nd->kh, X->h + nd->pb) - y0) *
                    (MIN (x0 + nd->kw, X->w + nd->pr) - x0);
              v = nd->op == OCL_OP_MAXPOOL ? m : cnt ? s / cnt : 0.0;
              break;
            }
            case OCL_OP_GLOBALAVGPOOL:
              for (int iy = 0; iy < X->h; iy++)
                for (int ix = 0; ix < X->w; ix++)
                  v += AT (x, X->c, X->h, X->w, n, c, iy, ix);
              v /= X->h * X->w;
              break;
            case OCL_OP_FLATTEN:
              v = x[(gsize) n * Y->c + c];
              break;
            case OCL_OP_PAD:{
              int ic = c - nd->pads[1], iy = oy - nd->pads[2],
                  ix = ox - nd->pads[3];
              v = ic >= 0 && ic < X->c && iy >= 0 && iy < X->h && ix >= 0
                  && ix < X->w ? AT (x, X->c, X->h, X->w, n, ic, iy, ix) :
                  nd->pad_value;
              break;
            }
            case OCL_OP_SLICE:
              v = AT (x, X->c, X->h, X->w, n,
                  nd->starts[1] + c * nd->steps[1],
                  nd->starts[2] + oy * nd->steps[2],
                  nd->starts[3] + ox * nd->steps[3]);
              break;
            case OCL_OP_SIGMOID:
              v = AT (x, X->c, X->h, X->w, n, c, oy, ox);
              v = nd->hard ? MAX (0.0, MIN (1.0, nd->alpha * v + nd->beta)) :
                  1.0 / (1.0 + exp (-v));
              break;
            case OCL_OP_MUL:{
              const OclValue *S =
                  &g_array_index (g->values, OclValue, nd->in[1]);
              v = AT (x, X->c, X->h, X->w, n, c, oy, ox) *
                  (double) AT (data[nd->in[1]], S->c, S->h, S->w, n, c,
                  S->h == 1 ? 0 : oy, S->w == 1 ? 0 : ox);
              v += residual_at (g, nd, data, n, c, oy, ox);
              break;
            }
            case OCL_OP_FAKEQUANT:{
              /* As the kernel: float division, ties to even. */
              const float *p = nd->scale;
              float q = rintf (AT (x, X->c, X->h, X->w, n, c, oy, ox) / p[c])
                  + p[nd->oc + c];
              q = MIN (MAX (q, nd->alpha), nd->beta);
              v = (q - p[3 * nd->oc + c]) * p[2 * nd->oc + c];
              break;
            }
            case OCL_OP_DYNQUANT:{
              float q = rintf (AT (x, X->c, X->h, X->w, n, c, oy, ox) /
                  dq_scale) + dq_zero;
              q = MIN (MAX (q, 0.0f), 255.0f);
              v = (q - dq_zero) * dq_scale;
              break;
            }
            case OCL_OP_SOFTMAX:{
              /* Over the channels @step apart from c % step. */
              const int step = MAX (nd->softmax_step, 1);
              const float *row = x + (gsize) n * X->c + c % step;
              double mx = -INFINITY, s = 0.0;
              for (int k = 0; k < X->c; k += step)
                mx = MAX (mx, row[k]);
              for (int k = 0; k < X->c; k += step)
                s += exp (row[k] - mx);
              v = exp (x[(gsize) n * X->c + c] - mx) / s;
              break;
            }
          }
          if (nd->relu || nd->op == OCL_OP_RELU)
            v = v < 0.0 ? 0.0 : v;      /* NaN stays NaN */
          AT (y, Y->c, Y->h, Y->w, n, c, oy, ox) = v;
        }
}

float *
ocl_ref_run_graph (const OclGraph * g, const float *input)
{
  guint nv = g->values->len;
  float **data = g_new0 (float *, nv);
  const OclValue *in = &g_array_index (g->values, OclValue, g->input);
  const int o = OCL_GRAPH_OUTPUT (g, 0)->value;
  const OclValue *out = &g_array_index (g->values, OclValue, o);
  gsize out_n = (gsize) out->n * out->c * out->h * out->w;
  float *result;

  data[g->input] = g_memdup2 (input,
      (gsize) in->n * in->c * in->h * in->w * sizeof (float));
  for (guint i = 0; i < g->nodes->len; i++) {
    const OclNode *nd = &g_array_index (g->nodes, OclNode, i);
    const OclValue *y = &g_array_index (g->values, OclValue, nd->out);
    if (nd->dead)
      continue;
    /* Aliases share their root's data. */
    for (guint v = 0; v < nv; v++) {
      const OclValue *a = &g_array_index (g->values, OclValue, v);
      if (a->alias >= 0 && data[v] == NULL && data[a->alias])
        data[v] = data[a->alias];
    }
    data[nd->out] = g_new0 (float, (gsize) y->n * y->c * y->h * y->w);
    ref_node (g, nd, data);
  }
  {
    int r = out->alias >= 0 ? out->alias : o;
    result = g_memdup2 (data[r], out_n * sizeof (float));
  }
  for (guint v = 0; v < nv; v++)
    if (g_array_index (g->values, OclValue, v).alias < 0)
      g_free (data[v]);
  g_free (data);
  return result;
}
