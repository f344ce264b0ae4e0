/* Convolution's execution row: its shape, and the launches of the kernel
 * conv-choice.c picks, with the weights packed for it (pack.c) and the
 * epilogue's parameters.  Every convolution kernel takes its output side
 * (weights, bias, residual, output, epilogue flags and residual view) in
 * the same named fields: conv_output() fills them, for all of them. */
#include <string.h>
#include "ocl-private.h"
#include "kernels/ocl-abi.h"

char *
ocl_conv_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  const OclValue *x = OCL_VALUE (g, n->in[0]);

  if (x->c != n->ic)
    return g_strdup_printf ("expects %d input channels, its input has %d",
        n->ic, x->c);
  o->c = n->oc;
  o->h = ocl_window_out (x->h, n->pt, n->pb, n->kh, n->sh, FALSE);
  o->w = ocl_window_out (x->w, n->pl, n->pr, n->kw, n->sw, FALSE);
  if (o->h <= 0 || o->w <= 0)
    return g_strdup_printf ("its input (%dx%d) is smaller than the %dx%d "
        "kernel", x->h, x->w, n->kh, n->kw);
  return NULL;
}

/* The F(4x4) transformed input of layer @n: [N][tiles][36][IC] floats. */
static gsize
winograd4_floats (const OclNet * net, const OclNode * n)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);

  return (gsize) y->n * ((y->h + 3) / 4) * ((y->w + 3) / 4) * 36 * n->ic;
}

/* Whether F(4x4) is among @n's candidates. */
static gboolean
may_run_winograd4 (const OclNet * net, const OclNode * n)
{
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES];
  guint count = ocl_conv_candidates (n, OCL_VALUE (net->g, n->out),
      &net->ctx->tuning, c);

  for (guint i = 0; i < count; i++)
    if (c[i].kind == OCL_CONV_WINOGRAD4)
      return TRUE;
  return FALSE;
}

/* One buffer holds the transformed input of whichever F(4x4) layer runs
 * (they run one after the other): sized for the largest that may run
 * F(4x4) (the rules' pick or a measured one), on first use. */
static cl_mem
winograd4_scratch (OclNet * net, GError ** error)
{
  gsize floats = 0;

  if (net->v4)
    return net->v4;
  for (guint i = 0; i < net->g->nodes->len; i++) {
    const OclNode *n = OCL_NODE (net->g, i);
    if (!n->dead && n->op == OCL_OP_CONV && may_run_winograd4 (net, n))
      floats = MAX (floats, winograd4_floats (net, n));
  }
  net->v4 = ocl_net_buffer (net, MAX (floats, 16) * sizeof (float), NULL,
      error);
  return net->v4;
}

/* The zeros that padding pixels read in the direct and Winograd kernels:
 * one buffer for every layer, max (IC, 32) floats of the widest, made on
 * first use. */
static cl_mem
zero_buffer (OclNet * net, GError ** error)
{
  gsize floats = 32;

  if (net->zero)
    return net->zero;
  for (guint i = 0; i < net->g->nodes->len; i++) {
    const OclNode *n = OCL_NODE (net->g, i);
    if (!n->dead && n->op == OCL_OP_CONV)
      floats = MAX (floats, (gsize) n->ic);
  }
  {
    g_autofree float *z = g_new0 (float, floats);
    net->zero = ocl_net_buffer (net, floats * sizeof (float), z, error);
  }
  return net->zero;
}

/* A convolution's bias buffer (ocl-abi.h): the bias padded to @padded
 * floats (whole blocks of 16, 32 or 64 lanes: never more than
 * OCL_ABI_EPI_STRIDE); when the epilogue quantizes, padded to
 * OCL_ABI_EPI_STRIDE and followed by the quantize-dequantize parameters.
 * Returns its size in floats; @out (g_free) holds it. */
static gsize
epilogue_params (const OclNode * n, gsize padded, float **out)
{
  const gsize stride = OCL_ABI_EPI_STRIDE ((gsize) n->oc);
  const gsize size = n->quant[0] || n->quant[1] ?
      OCL_ABI_EPI_FLOATS (stride) : padded;
  float *b = g_new0 (float, size);

  if (n->bias)
    memcpy (b, n->bias, n->oc * sizeof (float));
  for (int k = 0; k < 2; k++) {
    float *q = b + OCL_ABI_EPI_QUANT (stride, k);
    if (!n->quant[k])
      continue;
    /* Rows s, z, s', z'; the scales past OC are 1 (no division by 0 in
     * the lanes that are not stored). */
    for (int r = 0; r < 4; r++)
      for (gsize c = 0; c < stride; c++)
        q[r * stride + c] = c < (gsize) n->oc ? n->quant[k][r * n->oc + c] :
            r % 2 == 0 ? 1.0f : 0.0f;
    q[4 * stride] = n->qrange[k][0];
    q[4 * stride + 1] = n->qrange[k][1];
  }
  *out = b;
  return size;
}

/* Packs @n's weights for blocks of @ocb output channels (Winograd's U or
 * the direct layout) and its bias, padded to whole blocks, into new device
 * buffers @wm and @bm. */
static gboolean
upload_conv_weights (OclNet * net, OclNode * n, int ocb, int wino,
    cl_mem * wm, cl_mem * bm, GError ** error)
{
  int nblk = (n->oc + ocb - 1) / ocb;
  /* Per block: taps (Winograd's transform points, else the window) x the
   * input rows each tap packs (ocl_pack_weights' layouts) x ocb. */
  const gsize taps = wino == 4 ? 36 : wino == 2 ? 16 : (gsize) n->kh * n->kw;
  const gsize rows = wino == OCL_PACK_LANES || wino == OCL_PACK_HALVES ?
      ocl_node_icg (n) : wino ? n->ic : ocl_conv_block_inputs (n, ocb);
  gsize wsize = (gsize) nblk * taps * rows * ocb, bsize;
  float *wt = ocl_net_buffer_stage (net, wsize * sizeof (float), wm, error),
      *bias;

  if (wt == NULL)
    return FALSE;
  /* The packers write every weight; only the last block's lanes past OC
   * stay zero, and in a grouped convolution those between groups (but in
   * the layouts of a group's own rows). */
  if (n->group > 1 && wino != OCL_PACK_LANES && wino != OCL_PACK_HALVES)
    memset (wt, 0, wsize * sizeof (float));
  else if (n->oc % ocb)
    memset (wt + wsize / nblk * (nblk - 1), 0, wsize / nblk * sizeof (float));
  ocl_pack_weights (n, ocb, nblk, wino, wsize, wt);
  /* Packed: the host copy (or the model's, borrowed) is not read again,
   * unless another candidate is still to be timed. */
  if (!net->measuring)
    ocl_node_drop_weight (n);
  if (!ocl_net_buffer_upload (net, *wm, wt, wsize * sizeof (float), error))
    return FALSE;
  bsize = epilogue_params (n, nblk * ocb, &bias);
  *bm = ocl_net_buffer (net, bsize * sizeof (float), bias, error);
  g_free (bias);
  if (*bm == NULL)
    return FALSE;
  net->weight_bytes += (wsize + bsize) * sizeof (float);
  return TRUE;
}

/* The output side every convolution kernel's struct has, in its named
 * fields: weights @wm, bias @bm, the residual (the bias when there is
 * none), the output, and the epilogue: flags and the residual view. */
#define conv_output(s, net, n, wm, bm) \
  G_STMT_START { \
    const OclValue *r_ = (n)->residual >= 0 ? \
        OCL_VALUE ((net)->g, (n)->residual) : NULL; \
    (s).wt = (wm); \
    (s).bias = (bm); \
    (s).res = r_ ? (net)->value_mem[(n)->residual] : (bm); \
    (s).out = (net)->value_mem[(n)->out]; \
    (s).flags = ((n)->relu ? OCL_ABI_FLAG_RELU : 0) \
        | (r_ ? OCL_ABI_FLAG_RESIDUAL : 0) \
        | ((n)->quant[0] ? OCL_ABI_FLAG_QUANT_IN : 0) \
        | ((n)->quant[1] ? OCL_ABI_FLAG_QUANT_OUT : 0); \
    (s).RC = r_ ? r_->c : 0; \
    (s).RH = r_ ? r_->h : 0; \
    (s).RW = r_ ? r_->w : 0; \
    (s).RS = (n)->res_stride; \
    (s).RCO = (n)->res_coff; \
  } G_STMT_END

/* The input side and window of the direct and tiled kernels. */
#define conv_window(s, net, n) \
  G_STMT_START { \
    (s).in = (net)->value_mem[(n)->in[0]]; \
    (s).IC = (n)->ic; \
    (s).OC = (n)->oc; \
    ocl_sig_set_window (s, net, n); \
  } G_STMT_END

/* "conv 3x3/1 64->64 56x56 +bias +res +relu [@variant]" */
static char *
conv_desc (const OclNet * net, const OclNode * n, const OclConvChoice * c)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  g_autofree char *groups = n->group > 1 ?
      g_strdup_printf (" g%d", n->group) : NULL;
  char variant[64];

  ocl_conv_choice_describe (c, variant, sizeof (variant));
  if (net->conv_note) {
    g_strlcat (variant, "; ", sizeof (variant));
    g_strlcat (variant, net->conv_note, sizeof (variant));
  }
  return g_strdup_printf ("%s %dx%d/%d %d->%d%s %dx%d%s%s%s%s%s [%s]",
      strcmp (n->onnx_op, "Conv") == 0 ? "conv" : "fc", n->kh, n->kw, n->sh,
      n->ic, n->oc, groups ? groups : "", y->h, y->w, n->bias ? " +bias" : "",
      n->quant[0] ? " +qdq" : "", n->residual < 0 ?
      "" : n->res_stride > 1 || n->res_coff ? " +res(option A)" : " +res",
      n->relu ? " +relu" : "", n->quant[1] ? " +qdq" : "", variant);
}

/* Multiply-adds of @n times 2: FLOP counts are the direct algorithm's, so
 * that GFLOP/s compare across kernels. */
static double
conv_flops (const OclNet * net, const OclNode * n)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);

  return 2.0 * y->n * y->h * y->w * n->oc * (double) n->kh * n->kw *
      ocl_node_icg (n);
}

/* On CPU devices each convolution work-item is already a register-blocked
 * tile: one-item work-groups let PoCL spread even small layers over every
 * core (measured: CIFAR ResNet-56 3.9 -> 2.8 ms; neutral on ResNet-18).
 * Applies to the step just added. */
static gboolean
one_item_groups_on_cpu (OclNet * net, GError ** error)
{
  return !net->ctx->tuning.cpu || ocl_step_local (net, 1, 1, 1, 1, error);
}

/* The local-memory tiled kernel (what GPUs run: the register-tiled
 * kernels leave their scattered loads to the caches a CPU has).  -1
 * (nothing appended, @error untouched) when the device cannot run its
 * work-groups and the side was not forced. */
static int
plan_tiled (OclNet * net, OclNode * n, const OclConvChoice * c, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int side = c->side, tn = 4 * side, tm = 4 * side;
  const int m = y->n * y->h * y->w, nblk = (n->oc + tn - 1) / tn;
  const size_t lws[3] = { side, side, 1 };
  g_autofree char *opts = g_strdup_printf ("-DTILED -DLX=%d -DLY=%d", side,
      side);
  g_autofree char *why = NULL;
  OclSig_conv2d_tiled_nhwc s;
  cl_mem wm, bm;
  OclArgs a;

  if (!ocl_step_begin (net, &a, "conv", opts, "conv2d_tiled_nhwc", error))
    return FALSE;
  if ((why = ocl_kernel_misfit (net, a.k, lws))) {
    clReleaseKernel (a.k);
    if (!net->ctx->tuning.tiled_forced)
      return -1;
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "layer '%s': the tiled "
        "convolution kernel at %dx%d needs %s (set OCLRESNET_CONV_TILED=%s)",
        n->name, side, side, why, side == 16 ? "8 or 0" : "0");
    return FALSE;
  }
  if (!upload_conv_weights (net, n, tn, 0, &wm, &bm, error)) {
    clReleaseKernel (a.k);
    return FALSE;
  }
  conv_window (s, net, n);
  conv_output (s, net, n, wm, bm);
  s.M = m;
  s.KC = ocl_conv_block_inputs (n, tn);
  s.ICG = n->ic / MAX (n->group, 1);
  s.OCG = n->oc / MAX (n->group, 1);
  ocl_sig_conv2d_tiled_nhwc (&a, &s);
  /* NDRange (ceil(OC / TN) LX, ceil(M / TM) LY): M pixels, RM = 4 of them
   * to a work-item. */
  if (!ocl_step_end (net, &a, n, conv_desc (net, n, c), conv_flops (net, n),
          2, (size_t) nblk * side, m, 1, error))
    return FALSE;
  return ocl_step_local (net, side, side, 1, tm / side, error);
}

/* Winograd F(4x4, 3x3): two steps, the input transform into the scratch
 * buffer, then the products with the output transform and the epilogue. */
static gboolean
plan_winograd4 (OclNet * net, OclNode * n, const OclConvChoice * c,
    GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int ocb = 16 * c->nb, nblk = (n->oc + ocb - 1) / ocb;
  const gsize tiles = (gsize) ((y->h + 3) / 4) * ((y->w + 3) / 4);
  g_autofree char *opts = g_strdup_printf ("-DWT4=%d -DNB=%d", c->px, c->nb);
  OclSig_winograd4_input_nhwc in = { 0 };
  OclSig_conv3x3_winograd4_nhwc s;
  cl_mem v, wm, bm;
  OclArgs a;

  if (!(v = winograd4_scratch (net, error)))
    return FALSE;
  net->v4_runs |= !net->measuring;
  if (!upload_conv_weights (net, n, ocb, 4, &wm, &bm, error))
    return FALSE;

  if (!ocl_step_begin (net, &a, "conv", "-DWINO4_INPUT",
          "winograd4_input_nhwc", error))
    return FALSE;
  in.in = net->value_mem[n->in[0]];
  in.v = v;
  in.IC = n->ic;
  in.IH = x->h;
  in.IW = x->w;
  in.OH = y->h;
  in.OW = y->w;
  in.PT = n->pt;
  in.PL = n->pl;
  ocl_sig_winograd4_input_nhwc (&a, &in);
  if (!ocl_step_end (net, &a, n, g_strdup_printf ("winograd4 input %dx%dx%d",
              n->ic, y->h, y->w), 0, 3, n->ic / 16, tiles, y->n, error))
    return FALSE;
  if (!one_item_groups_on_cpu (net, error))
    return FALSE;

  if (!ocl_step_begin (net, &a, "conv", opts, "conv3x3_winograd4_nhwc", error))
    return FALSE;
  s.v = v;
  conv_output (s, net, n, wm, bm);
  s.IC = n->ic;
  s.OC = n->oc;
  s.OH = y->h;
  s.OW = y->w;
  ocl_sig_conv3x3_winograd4_nhwc (&a, &s);
  if (!ocl_step_end (net, &a, n, conv_desc (net, n, c), conv_flops (net, n),
          3, (tiles + c->px - 1) / c->px, 1, (size_t) y->n * nblk, error))
    return FALSE;
  return one_item_groups_on_cpu (net, error);
}

/* Winograd F(2x2, 3x3): one step, WT tiles a work-item. */
static gboolean
plan_winograd2 (OclNet * net, OclNode * n, const OclConvChoice * c,
    GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int ocb = 16 * c->nb, nblk = (n->oc + ocb - 1) / ocb;
  const int tiles = (y->h + 1) / 2 * ((y->w + 1) / 2);
  g_autofree char *opts = g_strdup_printf ("-DWT=%d -DNB=%d", c->px, c->nb);
  OclSig_conv3x3_winograd_nhwc s;
  cl_mem wm, bm, zm;
  OclArgs a;

  if (!upload_conv_weights (net, n, ocb, 2, &wm, &bm, error)
      || !(zm = zero_buffer (net, error)))
    return FALSE;
  if (!ocl_step_begin (net, &a, "conv", opts, "conv3x3_winograd_nhwc", error))
    return FALSE;
  s.in = net->value_mem[n->in[0]];
  s.zero = zm;
  conv_output (s, net, n, wm, bm);
  s.IC = n->ic;
  s.IH = x->h;
  s.IW = x->w;
  s.OC = n->oc;
  s.OH = y->h;
  s.OW = y->w;
  s.PT = n->pt;
  s.PL = n->pl;
  ocl_sig_conv3x3_winograd_nhwc (&a, &s);
  if (!ocl_step_end (net, &a, n, conv_desc (net, n, c), conv_flops (net, n),
          3, (tiles + c->px - 1) / c->px, 1, (size_t) y->n * nblk, error))
    return FALSE;
  return one_item_groups_on_cpu (net, error);
}

/* The direct kernels (conv2d_nhwc, conv1x1_nhwc, conv2d_grouped_nhwc):
 * one signature, PX pixels by NB blocks, BPI blocks a work-item. */
static gboolean
plan_direct (OclNet * net, OclNode * n, const OclConvChoice * c,
    GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int ocb = 16 * c->nb, nblk = (n->oc + ocb - 1) / ocb;
  const gboolean stream = c->kind == OCL_CONV_STREAM;
  const gboolean halves = ocl_conv_halves (c);
  g_autofree char *opts = stream ?
      g_strdup_printf ("-DKCH=%d -DPX=%d -DNB=%d", c->kch, c->px, c->nb) :
      c->kind == OCL_CONV_LANES ?
      g_strdup_printf ("-DGS=%d -DPX=%d -DNB=%d", c->gs, c->px, c->nb) :
      g_strdup_printf ("-DPX=%d -DNB=%d%s%s", c->px, c->nb,
      c->raster ? " -DRASTER" : "", halves ? " -DHALVES" : "");
  /* One signature for the three: OclSig_conv2d_nhwc stands for each. */
  OclSig_conv2d_nhwc s;
  cl_mem wm, bm, zm;
  OclArgs a;

  if (!upload_conv_weights (net, n, ocb, c->kind == OCL_CONV_LANES ?
          OCL_PACK_LANES : halves ? OCL_PACK_HALVES : 0, &wm, &bm, error)
      || !(zm = zero_buffer (net, error)))
    return FALSE;
  if (!ocl_step_begin (net, &a, "conv", opts, stream ? "conv1x1_nhwc" :
          c->kind == OCL_CONV_LANES ? "conv2d_grouped_nhwc" : "conv2d_nhwc",
          error))
    return FALSE;
  conv_window (s, net, n);
  s.zero = zm;
  conv_output (s, net, n, wm, bm);
  s.BPI = c->bpi;
  s.KC = ocl_conv_choice_inputs (n, c);
  s.ICG = n->ic / MAX (n->group, 1);
  s.OCG = n->oc / MAX (n->group, 1);
  ocl_sig_conv2d_nhwc (&a, &s);
  if (!ocl_step_end (net, &a, n, conv_desc (net, n, c), conv_flops (net, n),
          3, stream ? 1 : c->raster ? (y->h * y->w + c->px - 1) / c->px :
          (y->w + c->px - 1) / c->px, stream || c->raster ? 1 : y->h,
          (size_t) y->n * ((nblk + c->bpi - 1) / c->bpi), error))
    return FALSE;
  return one_item_groups_on_cpu (net, error);
}

/* Appends candidate @c's launches: -1 (nothing appended) when it is a
 * tiled kernel the device cannot run. */
static int
plan_candidate (OclNet * net, OclNode * n, const OclConvChoice * c,
    GError ** error)
{
  switch (c->kind) {
    case OCL_CONV_TILED:
      return plan_tiled (net, n, c, error);
    case OCL_CONV_WINOGRAD4:
      return plan_winograd4 (net, n, c, error);
    case OCL_CONV_WINOGRAD2:
      return plan_winograd2 (net, n, c, error);
    default:
      return plan_direct (net, n, c, error);
  }
}

/* Whether @n's candidates are timed: measuring is on, the layer has a
 * choice, and no variable forces a kernel. */
static gboolean
tune_applies (const OclTuning * t, guint count)
{
  return t->tune > 0 && count > 1 && t->winograd == -1
      && t->conv_stream == -1 && !t->force_px && !t->tiled_forced;
}

/* Plans every candidate of @n, one after the other, for the network to
 * time them (ocl_conv_measure_pending); which steps and buffers each
 * candidate made go on the net's pending list. */
static gboolean
plan_all (OclNet * net, OclNode * n, const OclConvChoice * cand,
    OclTuneRecord * rec, GError ** error)
{
  OclPendingLayer p = {.record = net->tuned->len };
  const guint64 device_bytes = net->device_bytes;
  gboolean any = FALSE;

  /* The buffers every candidate shares exist before the first one's, so
   * that none of them goes with a candidate that loses. */
  if (!zero_buffer (net, error) || (may_run_winograd4 (net, n)
          && !winograd4_scratch (net, error)))
    return FALSE;
  net->conv_note = "measured";
  net->measuring = TRUE;
  for (guint i = 0; i < rec->n; i++) {
    const guint64 weight_bytes = net->weight_bytes;
    int r;
    p.first_step[i] = net->steps->len;
    p.first_mem[i] = net->mems->len;
    r = plan_candidate (net, n, &cand[i], error);
    p.last_step[i] = net->steps->len;
    p.last_mem[i] = net->mems->len;
    p.weight_bytes[i] = net->weight_bytes - weight_bytes;
    p.winograd4[i] = cand[i].kind == OCL_CONV_WINOGRAD4;
    rec->ms[i] = r < 0 ? -1.0 : G_MAXDOUBLE;    /* < 0: does not fit */
    any |= r > 0;
    if (r == 0) {
      net->measuring = FALSE;
      return FALSE;
    }
  }
  net->measuring = FALSE;
  net->pending_bytes += net->device_bytes - MIN (device_bytes,
      net->device_bytes);
  ocl_node_drop_weight (n);
  if (!any) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "layer '%s': no "
        "convolution kernel fits the device", n->name);
    return FALSE;
  }
  if (net->pending == NULL)
    net->pending = g_array_new (FALSE, TRUE, sizeof (OclPendingLayer));
  g_array_append_val (net->pending, p);
  return TRUE;
}

/* The candidate @n runs: the cached pick; -1 when every candidate was
 * planned, to be timed in the network (measuring on, nothing cached);
 * else (measuring off, or over its budget) the rules' first. */
static gboolean
tuned_pick (OclNet * net, OclNode * n, const OclConvChoice * cand,
    guint count, int *pick, GError ** error)
{
  const OclTuning *t = &net->ctx->tuning;
  OclTuneRecord rec = { 0 };
  g_autofree char *cached = NULL;
  gint64 t0 = g_get_monotonic_time ();

  *pick = 0;
  net->conv_note = NULL;
  if (!tune_applies (t, count))
    return TRUE;
  rec.node = g_strdup (n->name);
  rec.layer = ocl_conv_signature (net->g, n);
  rec.n = count;
  for (guint i = 0; i < count; i++) {
    char buf[64];
    ocl_conv_choice_describe (&cand[i], buf, sizeof (buf));
    rec.choice[i] = g_strdup (buf);
  }
  if (t->tune == 1 && (cached = ocl_tune_lookup (net->ctx, rec.layer,
              rec.choice, rec.n)))
    for (guint i = 0; i < count && !rec.cached; i++)
      if (strcmp (cached, rec.choice[i]) == 0) {
        *pick = i;
        rec.pick = i;
        rec.cached = TRUE;
      }
  if (!rec.cached) {
    /* Over the time or memory budget: the rules' pick, not recorded (a
     * later load measures it). */
    if (net->tune_us > (gint64) t->tune_budget_ms * 1000
        || net->pending_bytes > t->tune_mem) {
      ocl_tune_record_clear (&rec);
      return TRUE;
    }
    if (!plan_all (net, n, cand, &rec, error)) {
      ocl_tune_record_clear (&rec);
      return FALSE;
    }
    net->tune_us += g_get_monotonic_time () - t0;
    *pick = -1;
  }
  net->conv_note = rec.cached ? "cached" : "measured";
  g_array_append_val (net->tuned, rec);
  return TRUE;
}

/* Rounds of the measurement: each runs the network once for every
 * candidate index k, in turn (each pending layer on a candidate of its
 * own, ocl_tune_config_candidate ()), so that the machine's noise hits
 * them alike.  A candidate's time in a round is from the end of the
 * step before it to the end of its last kernel: what it costs in the
 * network, its launch included, its input just written by the layer
 * before and its weights as cold as the rest of the network leaves them
 * (timed alone, back to back, F(2x2)'s larger weights stayed in the cache
 * and won ResNet-18's 7x7 layers, 1.2x slower in the network).  The first
 * round (what drivers build at a kernel's first launch, PoCL's work-group
 * functions) is not counted.  Every candidate is timed once a round;
 * ocl_tune_pick () compares them round by round.  (A layer with fewer
 * candidates than the network's most runs its first, untimed, in the
 * configurations left over; timing those runs too made the rules' pick
 * the fastest of four times as many runs on a two-candidate layer of
 * ResNet-50, and a copy of it listed after the others read 11 % slower
 * than itself, BENCHMARKS.md.) */
#define MEASURE_ROUNDS (OCL_TUNE_ROUNDS + 1)

/* One run of the network in configuration @k of @round (of @n_configs);
 * into the pending layers' records when @count. */
static gboolean
run_config (OclNet * net, guint k, guint round, guint n_configs,
    gboolean count, guint8 * run, cl_event * ev, GError ** error)
{
  const guint n_steps = net->steps->len;
  cl_int err = CL_SUCCESS;

  memset (run, 1, n_steps);
  for (guint j = 0; j < net->pending->len; j++) {
    const OclPendingLayer *p = &g_array_index (net->pending,
        OclPendingLayer, j);
    const OclTuneRecord *rec = &g_array_index (net->tuned, OclTuneRecord,
        p->record);
    gboolean timed;
    const guint c = ocl_tune_config_candidate (rec, j, round, k, n_configs,
        &timed);
    for (guint i = 0; i < rec->n; i++)
      memset (run + p->first_step[i], i == c, p->last_step[i] -
          p->first_step[i]);
  }
  for (guint s = 0; s < n_steps && err == CL_SUCCESS; s++)
    if (run[s])
      err = ocl_step_enqueue (net, &g_array_index (net->steps, OclStep, s),
          net->batch, &ev[s]);
  if (err == CL_SUCCESS)
    err = clFinish (net->queue);
  for (guint j = 0; j < net->pending->len && count && err == CL_SUCCESS; j++) {
    const OclPendingLayer *p = &g_array_index (net->pending,
        OclPendingLayer, j);
    OclTuneRecord *rec = &g_array_index (net->tuned, OclTuneRecord,
        p->record);
    gboolean timed;
    const guint c = ocl_tune_config_candidate (rec, j, round, k, n_configs,
        &timed);
    guint prev = p->first_step[c];
    cl_ulong t0 = 0, t1 = 0;
    if (!timed || p->first_step[c] == p->last_step[c])
      continue;
    /* From the end of the step before: a launch's own cost counts. */
    while (prev > 0 && !run[prev - 1])
      prev--;
    if (prev > 0)
      clGetEventProfilingInfo (ev[prev - 1], CL_PROFILING_COMMAND_END,
          sizeof (t0), &t0, NULL);
    else
      clGetEventProfilingInfo (ev[p->first_step[c]],
          CL_PROFILING_COMMAND_START, sizeof (t0), &t0, NULL);
    clGetEventProfilingInfo (ev[p->last_step[c] - 1],
        CL_PROFILING_COMMAND_END, sizeof (t1), &t1, NULL);
    if (t1 > t0 && rec->runs[c] < OCL_TUNE_ROUNDS)
      rec->round_ms[c][rec->runs[c]++] = (t1 - t0) * 1e-6;
  }
  for (guint s = 0; s < n_steps; s++)
    if (ev[s]) {
      clReleaseEvent (ev[s]);
      ev[s] = NULL;
    }
  if (err != CL_SUCCESS)
    return ocl_set_cl_error (error, err, "timing the kernels");
  return TRUE;
}

gboolean
ocl_conv_measure_pending (OclNet * net, GError ** error)
{
  const OclTuning *t = &net->ctx->tuning;
  const float half = 0.5f;
  const gint64 t0 = g_get_monotonic_time ();
  g_autofree guint8 *run = NULL;
  g_autofree cl_event *ev = NULL;
  cl_mem inputs[2] = { net->input_nchw, net->value_mem[net->g->input] };
  guint n_configs = 0;
  gboolean ok = TRUE;

  if (net->pending == NULL)
    return TRUE;
  for (guint j = 0; j < net->pending->len; j++)
    n_configs = MAX (n_configs, g_array_index (net->tuned, OclTuneRecord,
            g_array_index (net->pending, OclPendingLayer, j).record).n);
  /* Plain numbers in the input, so that no candidate is timed on
   * denormals or NaN left in fresh buffers. */
  for (guint k = 0; k < 2 && ok; k++) {
    size_t size = 0;
    cl_int err;
    if (inputs[k] == NULL || clGetMemObjectInfo (inputs[k], CL_MEM_SIZE,
            sizeof (size), &size, NULL) != CL_SUCCESS)
      continue;
    err = clEnqueueFillBuffer (net->queue, inputs[k], &half, sizeof (half),
        0, size / sizeof (float) * sizeof (float), 0, NULL, NULL);
    if (err != CL_SUCCESS)
      ok = ocl_set_cl_error (error, err, "preparing a measurement");
  }
  run = g_new (guint8, net->steps->len);
  ev = g_new0 (cl_event, net->steps->len);
  for (guint round = 0; round < MEASURE_ROUNDS && ok; round++) {
    for (guint k = 0; k < n_configs && ok; k++)
      ok = run_config (net, k, round, n_configs, round > 0, run, ev, error);
    /* Over the budget: what the rounds so far measured. */
    if (round > 0 && net->tune_us + g_get_monotonic_time () - t0 >
        (gint64) t->tune_budget_ms * 1000)
      break;
  }
  net->tune_us += g_get_monotonic_time () - t0;
  if (!ok)
    return FALSE;

  /* The picks stay; the other candidates' steps and buffers go, the last
   * first, so that the ranges still to go keep their indices. */
  for (guint j = net->pending->len; j-- > 0;) {
    const OclPendingLayer *p = &g_array_index (net->pending,
        OclPendingLayer, j);
    OclTuneRecord *rec = &g_array_index (net->tuned, OclTuneRecord,
        p->record);
    ocl_tune_pick (rec);
    for (guint i = rec->n; i-- > 0;)
      if (i != rec->pick) {
        ocl_steps_remove (net, p->first_step[i], p->last_step[i]);
        ocl_net_buffers_remove (net, p->first_mem[i], p->last_mem[i]);
        net->weight_bytes -= MIN (p->weight_bytes[i], net->weight_bytes);
      }
    ocl_tune_store (net->ctx, rec->layer, rec->choice, rec->n,
        rec->choice[rec->pick]);
    net->v4_runs |= p->winograd4[rec->pick];
  }
  g_array_unref (net->pending);
  net->pending = NULL;
  /* No F(4x4) picked: its scratch (made for the candidates) goes too. */
  if (net->v4 && !net->v4_runs) {
    guint i;
    if (g_ptr_array_find (net->mems, net->v4, &i))
      ocl_net_buffers_remove (net, i, i + 1);
    net->v4 = NULL;
  }
  return TRUE;
}

/* The picked candidate, else the next that the device runs (only a tiled
 * kernel may not fit: the next candidate is then tried). */
gboolean
ocl_conv_plan (OclNet * net, OclNode * n, GError ** error)
{
  OclConvChoice cand[OCL_CONV_MAX_CANDIDATES];
  guint count = ocl_conv_candidates (n, OCL_VALUE (net->g, n->out),
      &net->ctx->tuning, cand);
  int first, r = -1;

  if (!tuned_pick (net, n, cand, count, &first, error))
    return FALSE;
  if (first < 0) {              /* every candidate planned, to be timed */
    net->conv_note = NULL;
    return TRUE;
  }
  for (guint i = first; i < count && r < 0; i++)
    r = plan_candidate (net, n, &cand[i], error);
  net->conv_note = NULL;
  if (r < 0)
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "layer '%s': no "
        "convolution kernel fits the device", n->name);
  return r > 0;
}
