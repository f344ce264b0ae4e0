/* Compiling the fused graph into a plan of kernel launches.
 *
 * Every value lives on the device channels-last.  Buffers are allocated
 * once: values whose lifetimes do not overlap share a buffer (greedy, best
 * fit, sized to the largest tenant).  Kernel arguments are set once at
 * compile time; a run (run.c) writes the input, enqueues every step and
 * waits once, on the read of the output.  Which kernel and tile each layer
 * gets is decided here, from the context's tuning record (device.c).
 *
 * Kernel convention: the last NDRange dimension of every step is the batch
 * times a per-image extent, so a run over the first n <= N images of the
 * compiled batch scales that dimension only.  Launch geometry is decided
 * in one place: step_end() records the extents, step_local() a work-group
 * (checked against the device and the kernel) and ocl_step_range() the
 * global size of a run, rounded up to the work-group. */
#include <stdio.h>
#include <string.h>
#include "ocl-private.h"
#include "kernels/ocl-abi.h"

static int
root_of (const OclGraph * g, int v)
{
  int a = g_array_index (g->values, OclValue, v).alias;
  return a >= 0 ? a : v;
}

static void
mem_release (gpointer m)
{
  clReleaseMemObject (m);
}

/* A buffer the net owns; @flags are added to CL_MEM_READ_WRITE. */
static cl_mem
create_buffer_flags (OclNet * net, cl_mem_flags flags, gsize bytes,
    const void *data, GError ** error)
{
  cl_int err;
  cl_mem m;

  if (bytes > net->ctx->tuning.max_alloc) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "a buffer of %"
        G_GSIZE_FORMAT " bytes is larger than the device allows (%"
        G_GUINT64_FORMAT ")", bytes, net->ctx->tuning.max_alloc);
    return NULL;
  }
  m = clCreateBuffer (net->ctx->context, CL_MEM_READ_WRITE | flags |
      (data ? CL_MEM_COPY_HOST_PTR : 0), MAX (bytes, 16), (void *) data, &err);
  if (m == NULL) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "allocating %"
        G_GSIZE_FORMAT " bytes of device memory failed: %s", bytes,
        ocl_cl_error_string (err));
    return NULL;
  }
  g_ptr_array_add (net->mems, m);
  net->device_bytes += MAX (bytes, 16);
  return m;
}

static cl_mem
create_buffer (OclNet * net, gsize bytes, const void *data, GError ** error)
{
  return create_buffer_flags (net, 0, bytes, data, error);
}

/* A new buffer of @bytes and host memory to fill it through: on
 * devices that share host memory the buffer itself, mapped (weights are
 * packed in place, without a second copy of them); elsewhere a staging
 * copy.  buffer_upload() hands the contents to the device. */
static float *
buffer_stage (OclNet * net, gsize bytes, cl_mem * mem, GError ** error)
{
  cl_int err;
  void *p;

  *mem = create_buffer_flags (net, net->unified_memory ?
      CL_MEM_ALLOC_HOST_PTR : 0, bytes, NULL, error);
  if (*mem == NULL)
    return NULL;
  if (!net->unified_memory)
    return g_malloc (MAX (bytes, 16));
  p = clEnqueueMapBuffer (net->queue, *mem, CL_TRUE, CL_MAP_WRITE, 0,
      MAX (bytes, 16), 0, NULL, NULL, &err);
  if (p == NULL)
    ocl_set_cl_error (error, err, "clEnqueueMapBuffer");
  return p;
}

static gboolean
buffer_upload (OclNet * net, cl_mem mem, float *host, gsize bytes,
    GError ** error)
{
  cl_int err = net->unified_memory ?
      clEnqueueUnmapMemObject (net->queue, mem, host, 0, NULL, NULL) :
      clEnqueueWriteBuffer (net->queue, mem, CL_TRUE, 0, bytes, host, 0, NULL,
      NULL);

  if (!net->unified_memory)
    g_free (host);
  return err == CL_SUCCESS
      || ocl_set_cl_error (error, err, "uploading weights");
}

/* ---- steps --------------------------------------------------------------- */

static gboolean
step_begin (OclNet * net, OclArgs * a, const char *file, const char *options,
    const char *kernel, GError ** error)
{
  cl_program prog = ocl_context_get_program (net->ctx, file, options, error);
  cl_int err;

  if (prog == NULL)
    return FALSE;
  a->net = net;
  a->arg = 0;
  a->err = CL_SUCCESS;
  a->k = clCreateKernel (prog, kernel, &err);
  if (a->k == NULL)
    return ocl_set_cl_error (error, err, kernel);
  return TRUE;
}

/* Appends the step; takes @desc. */
static gboolean
step_end (OclNet * net, OclArgs * a, const OclNode * node, char *desc,
    double flops, cl_uint dim, size_t g0, size_t g1, size_t g2, GError ** error)
{
  OclStep s = { 0 };

  if (a->err != CL_SUCCESS) {
    clReleaseKernel (a->k);
    g_free (desc);
    return ocl_set_cl_error (error, a->err, "clSetKernelArg");
  }
  s.kernel = a->k;
  s.dim = dim;
  s.gws[0] = g0;
  s.gws[1] = g1;
  s.gws[2] = g2;
  g_assert (s.gws[dim - 1] % net->batch == 0);
  s.per_image = s.gws[dim - 1] / net->batch;
  s.units_per_item = 1;
  s.desc = desc;
  s.node = g_strdup (node ? node->name : "(input)");
  s.flops = flops;
  g_array_append_val (net->steps, s);
  return TRUE;
}

static size_t
round_up (size_t x, size_t m)
{
  return m > 1 ? (x + m - 1) / m * m : x;
}

void
ocl_step_range (const OclStep * s, int n, size_t gws[3])
{
  const cl_uint last = s->dim - 1;
  const size_t units = s->per_image * (size_t) n;

  for (cl_uint d = 0; d < 3; d++)
    gws[d] = s->gws[d];
  gws[last] = round_up ((units + s->units_per_item - 1) / s->units_per_item,
      s->lws[last]);
}

/* NULL when @kernel can run work-groups of @lws on the device, else why
 * not (for an error message). */
static char *
kernel_misfit (OclNet * net, cl_kernel kernel, const size_t lws[3])
{
  const OclTuning *t = &net->ctx->tuning;
  size_t wg = 0, items = lws[0] * lws[1] * lws[2];
  cl_ulong local = 0;

  for (int d = 0; d < 3; d++)
    if (lws[d] > t->max_work_item[d])
      return g_strdup_printf ("a work-group of %u along dimension %d, the "
          "device takes at most %u", (guint) lws[d], d,
          (guint) t->max_work_item[d]);
  if (clGetKernelWorkGroupInfo (kernel, net->ctx->device,
          CL_KERNEL_WORK_GROUP_SIZE, sizeof (wg), &wg, NULL) != CL_SUCCESS)
    wg = t->max_work_group;
  if (items > MIN (wg, t->max_work_group))
    return g_strdup_printf ("%u work-items per group, the device runs at "
        "most %u of this kernel", (guint) items,
        (guint) MIN (wg, t->max_work_group));
  if (clGetKernelWorkGroupInfo (kernel, net->ctx->device,
          CL_KERNEL_LOCAL_MEM_SIZE, sizeof (local), &local, NULL) ==
      CL_SUCCESS && t->local_mem && local > t->local_mem)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes of local memory, "
        "the device has %" G_GUINT64_FORMAT, (guint64) local, t->local_mem);
  return NULL;
}

/* Gives the step just added work-groups of @l0 x @l1 x @l2, a work-item
 * doing @units_per_item of the last dimension's units: the global size is
 * rounded up to the work-group (the kernel guards the rest).  FALSE, with
 * @error naming the layer, when the device cannot run them. */
static gboolean
step_local (OclNet * net, size_t l0, size_t l1, size_t l2,
    size_t units_per_item, GError ** error)
{
  OclStep *s = &g_array_index (net->steps, OclStep, net->steps->len - 1);
  g_autofree char *why = NULL;

  s->lws[0] = l0;
  s->lws[1] = l1;
  s->lws[2] = l2;
  s->units_per_item = units_per_item;
  if ((why = kernel_misfit (net, s->kernel, s->lws))) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "layer '%s' (%s) needs "
        "%s", s->node, s->desc, why);
    return FALSE;
  }
  for (cl_uint d = 0; d + 1 < s->dim; d++)
    s->gws[d] = round_up (s->gws[d], s->lws[d]);
  ocl_step_range (s, net->batch, s->gws);
  return TRUE;
}

/* Pixels (direct) or 2x2 tiles (Winograd) per work-item out of @cols: the
 * widest tile (<= @max) that wastes least, but no wider than leaves
 * @min_items work-items when each column group gives @per_group of them. */
static int
choose_px (int cols, int max, gsize per_group, gsize min_items)
{
  int best = 1;
  double best_eff = 0.0;

  for (int px = MIN (max, cols); px >= 1; px--) {
    int groups = (cols + px - 1) / px;
    double eff = (double) cols / (groups * px);
    if (eff > best_eff + 1e-9) {
      best_eff = eff;
      best = px;
    }
  }
  while (best > 1 && (gsize) (cols + best - 1) / best * per_group < min_items)
    best = (best + 1) / 2;
  return best;
}

/* Winograd for 3x3 stride-1 convolutions whose input channels fill
 * 16-lane vectors: 2 for F(2x2, 3x3), 4 for F(4x4, 3x3), 0 for the direct
 * kernel.  Chosen on CPU devices, where the kernels' private arrays live in
 * cache; the tuning record may force either variant on or both off (tests
 * force each path on every device). */
static int
use_winograd (OclNet * net, const OclNode * n)
{
  int w = net->ctx->tuning.winograd;

  if (n->op != OCL_OP_CONV || n->kh != 3 || n->kw != 3 || n->sh != 1
      || n->sw != 1 || n->ic % 16 != 0 || n->group > 1)
    return 0;
  if (w == 4)
    return 4;
  if (w > 0)
    return 2;
  if (w == 0 || !net->ctx->tuning.cpu)
    return 0;
  {
    /* F(4x4) where its 4x4 tiles waste little and the layer is large
     * enough to pay for a second launch; F(2x2) elsewhere: on 7x7 maps
     * (whose 2x2 tiles of 4x4 weigh 36/16 as much in weights, read from
     * memory for 4 tiles) and on CIFAR's small layers, where launches are
     * the cost.  Measured per layer on ResNet-18 (BENCHMARKS.md). */
    const OclValue *y = OCL_VALUE (net->g, n->out);
    double macs = (double) y->h * y->w * n->oc * n->ic * 9.0;
    return y->h >= 14 && y->w >= 14 && macs >= 16e6 ? 4 : 2;
  }
}

/* The F(4x4) transformed input of layer @n: [N][tiles][36][IC] floats. */
static gsize
winograd4_floats (const OclNet * net, const OclNode * n)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);

  return (gsize) y->n * ((y->h + 3) / 4) * ((y->w + 3) / 4) * 36 * n->ic;
}

/* One buffer holds the transformed input of whichever F(4x4) layer runs
 * (they run one after the other): sized for the largest, on first use. */
static cl_mem
winograd4_scratch (OclNet * net, GError ** error)
{
  gsize floats = 0;

  if (net->v4)
    return net->v4;
  for (guint i = 0; i < net->g->nodes->len; i++) {
    const OclNode *n = OCL_NODE (net->g, i);
    if (!n->dead && use_winograd (net, n) == 4)
      floats = MAX (floats, winograd4_floats (net, n));
  }
  net->v4 = create_buffer (net, MAX (floats, 16) * sizeof (float), NULL, error);
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
    net->zero = create_buffer (net, floats * sizeof (float), z, error);
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
  const gsize rows = wino == OCL_PACK_LANES ? ocl_node_icg (n) : wino ? n->ic :
      ocl_conv_block_inputs (n, ocb);
  gsize wsize = (gsize) nblk * taps * rows * ocb, bsize;
  float *wt = buffer_stage (net, wsize * sizeof (float), wm, error), *bias;

  if (wt == NULL)
    return FALSE;
  /* The packers write every weight; only the last block's lanes past OC
   * stay zero, and in a grouped convolution those between groups. */
  if (n->group > 1 && wino != OCL_PACK_LANES)
    memset (wt, 0, wsize * sizeof (float));
  else if (n->oc % ocb)
    memset (wt + wsize / nblk * (nblk - 1), 0, wsize / nblk * sizeof (float));
  ocl_pack_weights (n, ocb, nblk, wino, wsize, wt);
  /* Packed: the host copy (or the model's, borrowed) is not read again. */
  ocl_node_drop_weight (n);
  if (!buffer_upload (net, *wm, wt, wsize * sizeof (float), error))
    return FALSE;
  bsize = epilogue_params (n, nblk * ocb, &bias);
  *bm = create_buffer (net, bsize * sizeof (float), bias, error);
  g_free (bias);
  if (*bm == NULL)
    return FALSE;
  net->weight_bytes += (wsize + bsize) * sizeof (float);
  return TRUE;
}

/* The epilogue's arguments, last of every convolution kernel's: flags
 * (ReLU, residual) and the residual view. */
static void
epilogue_args (OclArgs * a, OclNet * net, const OclNode * n)
{
  const OclValue *r = n->residual >= 0 ? OCL_VALUE (net->g, n->residual) : NULL;

  ocl_arg_int (a, (n->relu ? OCL_ABI_FLAG_RELU : 0) |
      (r ? OCL_ABI_FLAG_RESIDUAL : 0) |
      (n->quant[0] ? OCL_ABI_FLAG_QUANT_IN : 0) |
      (n->quant[1] ? OCL_ABI_FLAG_QUANT_OUT : 0));
  ocl_arg_int (a, r ? r->c : 0);
  ocl_arg_int (a, r ? r->h : 0);
  ocl_arg_int (a, r ? r->w : 0);
  ocl_arg_int (a, n->res_stride);
  ocl_arg_int (a, n->res_coff);
}

/* The buffers that follow the input in every convolution kernel: weights,
 * bias, residual (the bias when there is none) and output. */
static void
conv_buffers (OclArgs * a, OclNet * net, const OclNode * n, cl_mem wm,
    cl_mem bm)
{
  ocl_arg_mem (a, wm);
  ocl_arg_mem (a, bm);
  ocl_arg_mem (a, n->residual >= 0 ? net->value_mem[n->residual] : bm);
  ocl_arg_mem (a, net->value_mem[n->out]);
}

/* The arguments every convolution kernel takes, in their order: input,
 * @zero (direct and Winograd kernels, else NULL), weights, bias, residual,
 * output, the shapes, the window (unless @window is FALSE: Winograd's is
 * fixed), padding, epilogue flags and the residual view.  Kernel-specific
 * ones follow. */
static void
conv_args (OclArgs * a, OclNet * net, const OclNode * n, cl_mem zero, cl_mem wm,
    cl_mem bm, gboolean window)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);

  ocl_arg_mem (a, net->value_mem[n->in[0]]);
  if (zero)
    ocl_arg_mem (a, zero);
  conv_buffers (a, net, n, wm, bm);
  ocl_arg_int (a, n->ic);
  ocl_arg_int (a, x->h);
  ocl_arg_int (a, x->w);
  ocl_arg_int (a, n->oc);
  ocl_arg_int (a, y->h);
  ocl_arg_int (a, y->w);
  if (window) {
    ocl_arg_int (a, n->kh);
    ocl_arg_int (a, n->kw);
    ocl_arg_int (a, n->sh);
    ocl_arg_int (a, n->sw);
  }
  ocl_arg_int (a, n->pt);
  ocl_arg_int (a, n->pl);
  epilogue_args (a, net, n);
}

/* The grouped-convolution arguments of the direct and tiled kernels
 * (conv.cl's KC, ICG, OCG), for blocks of @ocb output channels. */
static void
group_args (OclArgs * a, const OclNode * n, int ocb)
{
  const int g = MAX (n->group, 1);

  ocl_arg_int (a, ocl_conv_block_inputs (n, ocb));
  ocl_arg_int (a, n->ic / g);
  ocl_arg_int (a, n->oc / g);
}

/* "conv 3x3/1 64->64 56x56 +bias +res +relu [@variant]" */
static char *
conv_desc (const OclNet * net, const OclNode * n, const char *variant)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);

  g_autofree char *groups = n->group > 1 ?
      g_strdup_printf (" g%d", n->group) : NULL;

  return g_strdup_printf ("%s %dx%d/%d %d->%d%s %dx%d%s%s%s%s%s [%s]",
      strcmp (n->onnx_op, "Conv") == 0 ? "conv" : "fc", n->kh, n->kw, n->sh,
      n->ic, n->oc, groups ? groups : "", y->h, y->w, n->bias ? " +bias" : "",
      n->quant[0] ? " +qdq" : "", n->residual < 0 ?
      "" : n->res_stride > 1 || n->res_coff ? " +res(option A)" : " +res",
      n->relu ? " +relu" : "", n->quant[1] ? " +qdq" : "", variant);
}

/* The local-memory tiled kernel (conv2d_tiled_nhwc) is what GPUs run: the
 * register-tiled kernels above leave their scattered loads to the caches a
 * CPU has.  Its work-group side is the tuning record's tiled_side (0: the
 * CPU kernels). */

static gboolean add_conv (OclNet * net, OclNode * n, GError ** error);

/* The tiled kernel with work-groups of @side x @side; -1 (nothing
 * appended, @error untouched) when the device cannot run them. */
static int
add_conv_tiled_side (OclNet * net, OclNode * n, int side, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int tn = 4 * side, tm = 4 * side;
  const int m = y->n * y->h * y->w, nblk = (n->oc + tn - 1) / tn;
  const size_t lws[3] = { side, side, 1 };
  double flops = 2.0 * m * n->oc * (double) n->kh * n->kw * ocl_node_icg (n);
  g_autofree char *opts = g_strdup_printf ("-DTILED -DLX=%d -DLY=%d", side,
      side);
  g_autofree char *why = NULL;
  cl_mem wm, bm;
  char variant[32];
  OclArgs a;

  if (!step_begin (net, &a, "conv", opts, "conv2d_tiled_nhwc", error))
    return FALSE;
  if ((why = kernel_misfit (net, a.k, lws))) {
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
  conv_args (&a, net, n, NULL, wm, bm, TRUE);
  ocl_arg_int (&a, m);
  group_args (&a, n, tn);
  g_snprintf (variant, sizeof (variant), "tiled %dx%d", tm, tn);
  /* NDRange (ceil(OC / TN) LX, ceil(M / TM) LY): M pixels, RM = 4 of them
   * to a work-item. */
  if (!step_end (net, &a, n, conv_desc (net, n, variant), flops, 2,
          (size_t) nblk * side, m, 1, error))
    return FALSE;
  return step_local (net, side, side, 1, tm / side, error);
}

/* The tiled kernel at the tuning record's side, else at 8, else the
 * register-tiled kernels (unless the side was forced). */
static gboolean
add_conv_tiled (OclNet * net, OclNode * n, int side, GError ** error)
{
  for (; side >= 8; side /= 2) {
    int r = add_conv_tiled_side (net, n, side, error);
    if (r >= 0)
      return r;
    if (side == 8)
      break;
  }
  return add_conv (net, n, error);
}

/* On CPU devices each convolution work-item is already a register-blocked
 * tile: one-item work-groups let PoCL spread even small layers over every
 * core (measured: CIFAR ResNet-56 3.9 -> 2.8 ms; neutral on ResNet-18).
 * Applies to the step just added. */
static gboolean
one_item_groups_on_cpu (OclNet * net, GError ** error)
{
  return !net->ctx->tuning.cpu || step_local (net, 1, 1, 1, 1, error);
}

/* Winograd F(4x4, 3x3): two steps, the input transform into the scratch
 * buffer, then the products with the output transform and the epilogue.
 * @wt tiles per work-item and @nb as chosen by add_conv. */
static gboolean
add_conv_winograd4 (OclNet * net, OclNode * n, int wt, int nb, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int ocb = 16 * nb, nblk = (n->oc + ocb - 1) / ocb;
  const gsize tiles = (gsize) ((y->h + 3) / 4) * ((y->w + 3) / 4);
  g_autofree char *opts = g_strdup_printf ("-DWT4=%d -DNB=%d", wt, nb);
  cl_mem v, wm, bm;
  char variant[48];
  OclArgs a;

  if (!(v = winograd4_scratch (net, error)))
    return FALSE;
  if (!upload_conv_weights (net, n, ocb, 4, &wm, &bm, error))
    return FALSE;

  if (!step_begin (net, &a, "conv", "-DWINO4_INPUT", "winograd4_input_nhwc",
          error))
    return FALSE;
  ocl_arg_mem (&a, net->value_mem[n->in[0]]);
  ocl_arg_mem (&a, v);
  ocl_arg_int (&a, n->ic);
  ocl_arg_int (&a, x->h);
  ocl_arg_int (&a, x->w);
  ocl_arg_int (&a, y->h);
  ocl_arg_int (&a, y->w);
  ocl_arg_int (&a, n->pt);
  ocl_arg_int (&a, n->pl);
  if (!step_end (net, &a, n, g_strdup_printf ("winograd4 input %dx%dx%d",
              n->ic, y->h, y->w), 0, 3, n->ic / 16, tiles, y->n, error))
    return FALSE;
  if (!one_item_groups_on_cpu (net, error))
    return FALSE;

  if (!step_begin (net, &a, "conv", opts, "conv3x3_winograd4_nhwc", error))
    return FALSE;
  ocl_arg_mem (&a, v);
  conv_buffers (&a, net, n, wm, bm);
  ocl_arg_int (&a, n->ic);
  ocl_arg_int (&a, n->oc);
  ocl_arg_int (&a, y->h);
  ocl_arg_int (&a, y->w);
  epilogue_args (&a, net, n);
  g_snprintf (variant, sizeof (variant), "winograd4 WT=%d NB=%d", wt, nb);
  if (!step_end (net, &a, n, conv_desc (net, n, variant),
          2.0 * y->n * y->h * y->w * n->oc * 9.0 * n->ic, 3,
          (tiles + wt - 1) / wt, 1, (size_t) y->n * nblk, error))
    return FALSE;
  return one_item_groups_on_cpu (net, error);
}

/* Input channels a chunk for conv1x1_nhwc (0: the other kernels).  Where
 * the tuning record says it pays (CPU devices but AMD's): 1x1 layers of
 * 14x14 maps or smaller with 256 input channels or more and enough output
 * blocks to go round the cores.  Measured on an Intel Xeon, ResNeXt-50's
 * 1x1 layers (sums, two alternating pairs): 7x7 maps 6.3-6.7
 * -> 4.6-4.8 ms, 14x14 10.1-11.1 -> 9.9-10.3 ms, but 28x28 6.0 -> 6.8-7.0
 * ms.  256 channels a chunk measured best (the 14x14 layers with 64: 12.2
 * ms, 128: 10.3, 512: 9.8). */
static int
stream_chunk (OclNet * net, const OclNode * n, const OclValue * y, int nblk)
{
  const OclTuning *t = &net->ctx->tuning;

  if (n->kh != 1 || n->kw != 1 || n->pt || n->pl || n->pb || n->pr
      || n->group > 1 || t->conv_stream == 0)
    return 0;
  if (t->conv_stream > 0)
    return t->conv_stream;
  return t->stream_pays && !t->force_px && (gsize) y->h * y->w <= 196
      && n->ic >= 256 && nblk >= 4 * (int) t->compute_units ? 256 : 0;
}

static gboolean
add_conv (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  int wino = use_winograd (net, n);
  /* Direct: PX pixels of a row; Winograd: PX of the image's 2x2 (4x4)
   * tiles. */
  int cols = wino == 4 ? (y->h + 3) / 4 * ((y->w + 3) / 4) :
      wino ? (y->h + 1) / 2 * ((y->w + 1) / 2) : y->w;
  const int ocg = n->oc / MAX (n->group, 1);
  const int gs = ocl_conv_lane_groups (n);
  /* Grouped with GS dividing 8: the lane kernel, exact work, GS x NB x PX
   * accumulators: one block and at most 16 of them (ResNeXt-50's 56x56
   * layers at GS = 4: PX = 4).  Groups of 16 channels (48, ...): one
   * 16-channel block a work-item, so that no block straddles two groups
   * and multiplies zero weights. */
  int nb = gs > 1 ? 1 : n->oc >= 32 && (ocg % 16 != 0 || ocg % 32 == 0) ? 2 : 1;
  int ocb = 16 * nb, nblk = (n->oc + ocb - 1) / ocb, bpi = 1;
  const OclTuning *t = &net->ctx->tuning;
  gboolean cpu = t->cpu;
  double macs = (double) y->n * y->h * y->w * n->oc * ocl_node_icg (n) *
      n->kh * n->kw;
  /* CPU devices: enough one-item work-groups to balance the cores, but
   * none smaller than ~256 K multiply-adds, below which PoCL's cost per
   * work-group shows (small CIFAR layers want few, big work-items). */
  gsize min_items = cpu ? MIN (32 * (gsize) t->compute_units,
      (gsize) (macs / 262144)) : 0;
  int px = choose_px (cols, gs > 1 ? 16 / gs : 8,
      (gsize) y->n * nblk * (wino ? 1 : y->h), min_items);
  gsize ksz = (gsize) n->kh * n->kw * ocl_node_icg (n);
  g_autofree char *opts = NULL;
  cl_mem wm, bm, zm = NULL;
  OclArgs a;
  char bpi_desc[16], variant[48];
  int kch = 0;

  /* Test hook: a forced register tile (and blocks per work-item). */
  if (t->force_px) {
    px = t->force_px;
    nb = t->force_nb;
  }
  px = CLAMP (px, 1, 8);
  nb = CLAMP (nb, 1, 2);
  /* The lane kernel takes whole blocks only. */
  if (gs && n->oc % (16 * nb))
    nb = 1;
  ocb = 16 * nb;
  nblk = (n->oc + ocb - 1) / ocb;
  /* Direct convolutions on CPU devices: several output-channel blocks per
   * work-item amortise PoCL's per-work-group cost (ResNet-50 sum of layers
   * 36.5 -> 35.3 ms, 8 blocks against 1), as long as min_items remain. */
  if (!wino && cpu) {
    gsize others = (gsize) y->n * y->h * ((cols + px - 1) / px);
    bpi = 8;
    while (bpi > 1 && others * ((nblk + bpi - 1) / bpi) < min_items)
      bpi /= 2;
    bpi = MIN (bpi, nblk);
  }
  if (!wino && t->force_px && t->force_bpi > 0)
    bpi = MIN (t->force_bpi, nblk);
  /* F(4x4): four tiles per work-item where there are enough work-items to
   * go round the cores (measured on ResNet-18's 28x28 and 14x14 layers:
   * 0.66 -> 0.39 ms and 0.72 -> 0.57 ms against the min_items rule's one
   * or two tiles). */
  if (wino == 4) {
    int wt = 4;
    /* The most tiles that waste under 1/8 of a work-item's and leave a
     * few work-items per core. */
    while (wt > 1 && ((double) cols / (((cols + wt - 1) / wt) * wt) < 0.875
            || (gsize) (cols + wt - 1) / wt * y->n * nblk <
            2 * (gsize) t->compute_units))
      wt--;
    return add_conv_winograd4 (net, n, t->force_px ? MIN (px, 4) : wt, nb,
        error);
  }
  if (!wino && !gs && (kch = stream_chunk (net, n, y, nblk))) {
    px = t->force_px ? px : choose_px (y->h * y->w, 8, 1, 0);
    bpi = t->force_px && t->force_bpi > 0 ? MIN (t->force_bpi, nblk) :
        CLAMP (nblk / (8 * (int) t->compute_units), 1, 4);
    opts = g_strdup_printf ("-DKCH=%d -DPX=%d -DNB=%d", kch, px, nb);
  }
  g_snprintf (bpi_desc, sizeof (bpi_desc), " x%d", bpi);
  if (!opts)
    opts = wino ? g_strdup_printf ("-DWT=%d -DNB=%d", px, nb) : gs ?
        g_strdup_printf ("-DGS=%d -DPX=%d -DNB=%d", gs, px, nb) :
        g_strdup_printf ("-DPX=%d -DNB=%d", px, nb);

  if (!upload_conv_weights (net, n, ocb, gs ? OCL_PACK_LANES : wino, &wm,
          &bm, error))
    return FALSE;
  if (!(zm = zero_buffer (net, error)))
    return FALSE;

  if (!step_begin (net, &a, "conv", opts, wino ? "conv3x3_winograd_nhwc" :
          gs ? "conv2d_grouped_nhwc" : kch ? "conv1x1_nhwc" : "conv2d_nhwc",
          error))
    return FALSE;
  conv_args (&a, net, n, zm, wm, bm, !wino);
  if (!wino)
    ocl_arg_int (&a, bpi);
  if (!wino)
    group_args (&a, n, ocb);
  g_snprintf (variant, sizeof (variant), "%s%s=%d NB=%d%s",
      gs ? "lanes " : kch ? "stream " : "", wino ? "winograd WT" : "PX", px, nb,
      bpi > 1 ? bpi_desc : "");
  /* FLOP counts are the direct algorithm's, so that GFLOP/s compare. */
  if (!step_end (net, &a, n, conv_desc (net, n, variant),
          2.0 * y->n * y->h * y->w * n->oc * (double) ksz, 3,
          kch ? 1 : (cols + px - 1) / px, wino || kch ? 1 : y->h,
          (size_t) y->n * ((nblk + bpi - 1) / bpi), error))
    return FALSE;
  return one_item_groups_on_cpu (net, error);
}

static gboolean
add_affine (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  cl_mem sm = NULL, tm = NULL;
  OclArgs a;

  if (n->op == OCL_OP_AFFINE) {
    if (n->scale && !(sm = create_buffer (net, n->oc * sizeof (float),
                n->scale, error)))
      return FALSE;
    if (n->shift && !(tm = create_buffer (net, n->oc * sizeof (float),
                n->shift, error)))
      return FALSE;
  }
  if (!step_begin (net, &a, "misc", "", "affine_nhwc", error))
    return FALSE;
  ocl_arg_mem (&a, net->value_mem[n->in[0]]);
  ocl_arg_mem (&a, sm ? sm : net->value_mem[n->in[0]]);
  ocl_arg_mem (&a, tm ? tm : net->value_mem[n->in[0]]);
  ocl_arg_mem (&a, net->value_mem[n->out]);
  ocl_arg_int (&a, y->c);
  ocl_arg_int (&a, (n->relu || n->op == OCL_OP_RELU ? OCL_ABI_AFFINE_RELU : 0)
      | (sm ? OCL_ABI_AFFINE_SCALE : 0) | (tm ? OCL_ABI_AFFINE_SHIFT : 0)
      | (n->divide ? OCL_ABI_AFFINE_DIVIDE : 0));
  return step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d%s",
          n->op == OCL_OP_RELU ? "relu" : "affine (batchnorm)", y->c, y->h,
          y->w, n->relu ? " +relu" : ""), 2.0 * y->n * y->c * y->h * y->w, 1,
      (size_t) y->n * y->c * y->h * y->w, 1, 1, error);
}

/* Add and Mul: eltwise_nhwc, with the epilogue the fuser gave them (a
 * standalone Add is its first operand with the second as its residual). */
static gboolean
add_eltwise (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *r = n->residual >= 0 ? OCL_VALUE (net->g, n->residual) : NULL;
  /* 16 channels per work-item where they fill whole vectors. */
  const int ew = x->c % 16 == 0 ? 16 : 1;
  int mul = OCL_ABI_MUL_NONE;
  OclArgs a;

  if (n->op == OCL_OP_MUL) {
    const OclValue *s = OCL_VALUE (net->g, n->in[1]);
    mul = s->h * s->w != x->h * x->w ? OCL_ABI_MUL_GATE : OCL_ABI_MUL_SAME;
  }

  if (!step_begin (net, &a, "misc", ew == 16 ? "-DEW=16" : "", "eltwise_nhwc",
          error))
    return FALSE;
  ocl_arg_mem (&a, net->value_mem[n->in[0]]);
  ocl_arg_mem (&a, net->value_mem[mul ? n->in[1] : n->in[0]]);
  ocl_arg_mem (&a, net->value_mem[r ? n->residual : n->in[0]]);
  ocl_arg_mem (&a, net->value_mem[n->out]);
  ocl_arg_int (&a, x->c);
  ocl_arg_int (&a, x->h);
  ocl_arg_int (&a, x->w);
  ocl_arg_int (&a, mul);
  ocl_arg_int (&a, (n->relu ? OCL_ABI_FLAG_RELU : 0) |
      (r ? OCL_ABI_FLAG_RESIDUAL : 0));
  ocl_arg_int (&a, r ? r->c : 0);
  ocl_arg_int (&a, r ? r->h : 0);
  ocl_arg_int (&a, r ? r->w : 0);
  ocl_arg_int (&a, n->res_stride);
  ocl_arg_int (&a, n->res_coff);
  return step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d%s%s%s",
          mul ? "mul" : "add", x->c, x->h, x->w,
          mul == OCL_ABI_MUL_GATE ? " by a channel gate" : "",
          mul && r ? " +res" : "", n->relu ? " +relu" : ""),
      (double) x->n * x->c * x->h * x->w * ((mul ? 1 : 0) + (r ? 1 : 0)),
      3, x->c / ew, x->w, (size_t) x->n * x->h, error);
}

static gboolean
add_pool (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  gboolean avg = n->op == OCL_OP_AVGPOOL;
  gboolean dilated = MAX (n->dh, 1) > 1 || MAX (n->dw, 1) > 1;
  /* Max pooling reads 4 channels at a time where the layout allows. */
  int vec = !avg && !dilated && x->c % 4 == 0 ? 4 : 1;
  OclArgs a;

  if (!step_begin (net, &a, "misc", "", avg ? "avgpool_nhwc" : dilated ?
          "maxpool_dilated_nhwc" : vec == 4 ? "maxpool_nhwc4" :
          "maxpool_nhwc", error))
    return FALSE;
  ocl_arg_mem (&a, net->value_mem[n->in[0]]);
  ocl_arg_mem (&a, net->value_mem[n->out]);
  ocl_arg_int (&a, x->c);
  ocl_arg_int (&a, x->h);
  ocl_arg_int (&a, x->w);
  ocl_arg_int (&a, y->h);
  ocl_arg_int (&a, y->w);
  ocl_arg_int (&a, n->kh);
  ocl_arg_int (&a, n->kw);
  ocl_arg_int (&a, n->sh);
  ocl_arg_int (&a, n->sw);
  ocl_arg_int (&a, n->pt);
  ocl_arg_int (&a, n->pl);
  if (avg) {
    ocl_arg_int (&a, n->pb);
    ocl_arg_int (&a, n->pr);
    ocl_arg_int (&a, n->count_include_pad);
  } else
    ocl_arg_int (&a, n->relu);
  if (dilated) {
    ocl_arg_int (&a, n->dh);
    ocl_arg_int (&a, n->dw);
  }
  return step_end (net, &a, n, g_strdup_printf ("%s %dx%d/%d %dx%dx%d",
          avg ? "avgpool" : "maxpool", n->kh, n->kw, n->sh, y->c, y->h, y->w),
      (double) y->n * y->c * y->h * y->w * n->kh * n->kw, 3, y->c / vec,
      y->w, (size_t) y->n * y->h, error);
}

static gboolean
add_simple (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  /* Global pooling: 16 channels (a cache line) per work-item where they
   * fill whole vectors. */
  const int vec = x->c % 16 == 0 ? 16 : 1;
  OclArgs a;

  switch (n->op) {
    case OCL_OP_GLOBALAVGPOOL:
      if (!step_begin (net, &a, "misc", vec == 16 ? "-DEW=16" : "",
              "global_avgpool_nhwc", error))
        return FALSE;
      ocl_arg_mem (&a, net->value_mem[n->in[0]]);
      ocl_arg_mem (&a, net->value_mem[n->out]);
      ocl_arg_int (&a, x->c);
      ocl_arg_int (&a, x->h * x->w);
      return step_end (net, &a, n, g_strdup_printf ("global avgpool %dx%dx%d",
              x->c, x->h, x->w), (double) x->n * x->c * x->h * x->w, 2,
          x->c / vec, x->n, 1, error);
    case OCL_OP_FLATTEN:
      if (!step_begin (net, &a, "misc", "", "flatten_nhwc", error))
        return FALSE;
      ocl_arg_mem (&a, net->value_mem[n->in[0]]);
      ocl_arg_mem (&a, net->value_mem[n->out]);
      ocl_arg_int (&a, x->c);
      ocl_arg_int (&a, x->h);
      ocl_arg_int (&a, x->w);
      return step_end (net, &a, n, g_strdup_printf ("flatten %dx%dx%d", x->c,
              x->h, x->w), 0, 3, x->c, x->w, (size_t) x->n * x->h, error);
    case OCL_OP_SOFTMAX:{
      /* Over the channels step apart (graph.c checked that it divides). */
      const int step = MAX (n->softmax_step, 1);
      if (!step_begin (net, &a, "misc", "", "softmax_rows", error))
        return FALSE;
      ocl_arg_mem (&a, net->value_mem[n->in[0]]);
      ocl_arg_mem (&a, net->value_mem[n->out]);
      ocl_arg_int (&a, x->c / step);
      ocl_arg_int (&a, step);
      return step_end (net, &a, n, step > 1 ? g_strdup_printf ("softmax %d "
              "across %d paths", step, x->c / step) :
          g_strdup_printf ("softmax %d", x->c), 3.0 * x->n * x->c, 1,
          (size_t) x->n * step, 1, 1, error);
    }
    case OCL_OP_SIGMOID:
      if (!step_begin (net, &a, "misc", "", "sigmoid_nhwc", error))
        return FALSE;
      ocl_arg_mem (&a, net->value_mem[n->in[0]]);
      ocl_arg_mem (&a, net->value_mem[n->out]);
      ocl_arg_int (&a, n->hard);
      ocl_arg_float (&a, n->alpha);
      ocl_arg_float (&a, n->beta);
      return step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d",
              n->hard ? "hardsigmoid" : "sigmoid", x->c, x->h, x->w),
          4.0 * x->n * x->c * x->h * x->w, 1,
          (size_t) x->n * x->c * x->h * x->w, 1, 1, error);
    case OCL_OP_FAKEQUANT:{
      cl_mem pm = create_buffer (net, 4 * (gsize) n->oc * sizeof (float),
          n->scale, error);
      if (pm == NULL || !step_begin (net, &a, "misc", "", "fakequant_nhwc",
              error))
        return FALSE;
      ocl_arg_mem (&a, net->value_mem[n->in[0]]);
      ocl_arg_mem (&a, pm);
      ocl_arg_mem (&a, net->value_mem[n->out]);
      ocl_arg_int (&a, x->c);
      ocl_arg_float (&a, n->alpha);
      ocl_arg_float (&a, n->beta);
      return step_end (net, &a, n, g_strdup_printf ("quantize-dequantize "
              "%dx%dx%d [%g, %g]", x->c, x->h, x->w, n->alpha, n->beta),
          4.0 * x->n * x->c * x->h * x->w, 1,
          (size_t) x->n * x->c * x->h * x->w, 1, 1, error);
    }
    case OCL_OP_PAD:
    case OCL_OP_SLICE:{
      gboolean pad = n->op == OCL_OP_PAD;
      if (!step_begin (net, &a, "misc", "", "copy_view_nhwc", error))
        return FALSE;
      ocl_arg_mem (&a, net->value_mem[n->in[0]]);
      ocl_arg_mem (&a, net->value_mem[n->out]);
      ocl_arg_int (&a, y->c);
      ocl_arg_int (&a, y->h);
      ocl_arg_int (&a, y->w);
      ocl_arg_int (&a, x->c);
      ocl_arg_int (&a, x->h);
      ocl_arg_int (&a, x->w);
      ocl_arg_int (&a, pad ? n->pads[1] : 0);
      ocl_arg_int (&a, pad ? n->pads[2] : 0);
      ocl_arg_int (&a, pad ? n->pads[3] : 0);
      ocl_arg_int (&a, pad ? 0 : n->starts[1]);
      ocl_arg_int (&a, pad ? 0 : n->starts[2]);
      ocl_arg_int (&a, pad ? 0 : n->starts[3]);
      ocl_arg_int (&a, pad ? 1 : n->steps[1]);
      ocl_arg_int (&a, pad ? 1 : n->steps[2]);
      ocl_arg_int (&a, pad ? 1 : n->steps[3]);
      ocl_arg_int (&a, pad ? x->c : y->c);
      ocl_arg_int (&a, pad ? x->h : y->h);
      ocl_arg_int (&a, pad ? x->w : y->w);
      ocl_arg_float (&a, pad ? n->pad_value : 0.0f);
      return step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d -> %dx%dx%d",
              pad ? "pad" : "slice", x->c, x->h, x->w, y->c, y->h, y->w), 0,
          3, y->c, y->w, (size_t) y->n * y->h, error);
    }
    default:
      break;
  }
  g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED, "node '%s': no "
      "kernel for its operator", n->name);
  return FALSE;
}

static gboolean
add_node_step (OclNet * net, OclNode * n, GError ** error)
{
  switch (n->op) {
    case OCL_OP_CONV:{
      int side = net->ctx->tuning.tiled_side;
      return side ? add_conv_tiled (net, n, side, error) :
          add_conv (net, n, error);
    }
    case OCL_OP_AFFINE:
    case OCL_OP_RELU:
      return add_affine (net, n, error);
    case OCL_OP_ADD:
    case OCL_OP_MUL:
      return add_eltwise (net, n, error);
    case OCL_OP_MAXPOOL:
    case OCL_OP_AVGPOOL:
      return add_pool (net, n, error);
    default:
      return add_simple (net, n, error);
  }
}

/* ---- buffers -------------------------------------------------------------- */

typedef struct
{
  gsize size;
  int free_after;               /* step after which the tenant is dead */
} Slot;

/* Assigns every value a buffer, reusing buffers of dead values. */
static gboolean
allocate_values (OclNet * net, GError ** error)
{
  OclGraph *g = net->g;
  guint nv = g->values->len, nn = g->nodes->len;
  int *last = g_new (int, nv);
  int *slot_of = g_new (int, nv);
  GArray *slots = g_array_new (FALSE, TRUE, sizeof (Slot));
  gboolean ok = TRUE;

  for (guint v = 0; v < nv; v++) {
    last[v] = -1;
    slot_of[v] = -1;
  }
  /* Step s = node s; the input is written before step 0 (step -1). */
  for (guint i = 0; i < nn; i++) {
    OclNode *n = OCL_NODE (g, i);
    for (int k = 0; k < n->n_in; k++)
      last[root_of (g, n->in[k])] = i;
    if (n->residual >= 0)
      last[root_of (g, n->residual)] = i;
  }
  last[root_of (g, g->output)] = G_MAXINT;

  for (int s = -1; s < (int) nn; s++) {
    int v = s < 0 ? g->input : OCL_NODE (g, s)->out;
    OclValue *val = OCL_VALUE (g, v);
    gsize bytes = (gsize) val->n * val->c * val->h * val->w * sizeof (float);
    int fit = -1, big = -1, best;

    /* Best fit among free buffers, else grow the largest free one. */
    for (guint k = 0; k < slots->len; k++) {
      Slot *sl = &g_array_index (slots, Slot, k);
      if (sl->free_after >= s)
        continue;               /* its tenant is still read at or after s */
      if (sl->size >= bytes && (fit < 0
              || sl->size < g_array_index (slots, Slot, fit).size))
        fit = k;
      if (big < 0 || sl->size > g_array_index (slots, Slot, big).size)
        big = k;
    }
    best = fit >= 0 ? fit : big;
    if (best < 0) {
      Slot sl = { 0, 0 };
      g_array_append_val (slots, sl);
      best = slots->len - 1;
    }
    {
      Slot *sl = &g_array_index (slots, Slot, best);
      sl->size = MAX (sl->size, bytes);
      sl->free_after = last[v] < 0 ? s : last[v];
    }
    slot_of[v] = best;
  }

  {
    cl_mem *mems = g_new0 (cl_mem, slots->len);
    for (guint k = 0; k < slots->len && ok; k++) {
      mems[k] = create_buffer (net, g_array_index (slots, Slot, k).size, NULL,
          error);
      ok = mems[k] != NULL;
    }
    net->value_mem = g_new0 (cl_mem, nv);
    for (guint v = 0; v < nv && ok; v++) {
      int r = root_of (g, v);
      if (slot_of[r] >= 0)
        net->value_mem[v] = mems[slot_of[r]];
    }
    g_free (mems);
  }
  g_array_unref (slots);
  g_free (last);
  g_free (slot_of);
  return ok;
}

/* ---- net ------------------------------------------------------------------ */

static guint64
count_params (const OclGraph * g, guint64 * macs)
{
  guint64 p = 0;

  *macs = 0;
  for (guint i = 0; i < g->nodes->len; i++) {
    const OclNode *n = &g_array_index (g->nodes, OclNode, i);
    const OclValue *y = &g_array_index (g->values, OclValue, n->out);
    if (n->op == OCL_OP_CONV) {
      p += (guint64) n->oc * ocl_node_icg (n) * n->kh * n->kw +
          (n->bias ? n->oc : 0);
      *macs += (guint64) y->n * y->h * y->w * n->oc * ocl_node_icg (n) *
          n->kh * n->kw;
    } else if (n->op == OCL_OP_AFFINE)
      p += (n->scale ? n->oc : 0) + (n->shift ? n->oc : 0);
  }
  return p;
}

OclNet *
ocl_net_new (OclContext * ctx, const OclModel * model, const gint64 shape[4],
    GError ** error)
{
  OclGraph *g = ocl_model_build_graph (model, shape, error);
  OclNet *net = g ? ocl_net_new_from_graph (ctx, g, error) : NULL;

  if (net == NULL)
    ocl_error_make_one_line (error);
  return net;
}

OclNet *
ocl_net_new_from_graph (OclContext * ctx, OclGraph * g, GError ** error)
{
  OclNet *net = g_new0 (OclNet, 1);
  OclValue *in = OCL_VALUE (g, g->input), *out;
  guint64 macs;
  cl_int err;

  net->ctx = ocl_context_ref (ctx);
  net->g = g;
  net->batch = in->n;
  net->steps = g_array_new (FALSE, TRUE, sizeof (OclStep));
  net->mems = g_ptr_array_new_with_free_func (mem_release);
  net->n_params = count_params (g, &macs);
  ocl_graph_fuse (g);
  count_params (g, &net->macs);

  net->queue = clCreateCommandQueue (ctx->context, ctx->device,
      CL_QUEUE_PROFILING_ENABLE, &err);
  if (net->queue == NULL) {
    ocl_set_cl_error (error, err, "clCreateCommandQueue");
    goto fail;
  }
  net->unified_memory = ctx->tuning.unified_memory;

  out = OCL_VALUE (g, g->output);
  net->in_size = (gsize) in->n * in->c * in->h * in->w;
  net->out_size = (gsize) out->n * out->c * out->h * out->w;
  net->out_rank = out->rank;
  net->out_dims[0] = out->n;
  net->out_dims[1] = out->c;
  net->out_dims[2] = out->h;
  net->out_dims[3] = out->w;
  /* Rank 3, N x C x L (held as N x C x 1 x L): reported as such, and
   * converted to NCHW as N x C x L x 1. */
  if (out->rank == 3) {
    net->out_dims[2] = out->w;
    net->out_dims[3] = 1;
  }
  if (out->rank >= 3 && out->h * out->w > 1)
    net->host_out = g_new (float, net->out_size);

  if (!allocate_values (net, error))
    goto fail;
  net->input_nchw = create_buffer (net, net->in_size * sizeof (float), NULL,
      error);
  if (net->input_nchw == NULL)
    goto fail;
  {
    OclArgs a;
    if (!step_begin (net, &a, "misc", "", "nchw_to_nhwc", error))
      goto fail;
    ocl_arg_mem (&a, net->input_nchw);
    ocl_arg_mem (&a, net->value_mem[g->input]);
    ocl_arg_int (&a, in->c);
    ocl_arg_int (&a, in->h);
    ocl_arg_int (&a, in->w);
    if (!step_end (net, &a, NULL, g_strdup_printf ("input NCHW->NHWC "
                "%dx%dx%dx%d", in->n, in->c, in->h, in->w), 0, 3, in->c,
            in->w, (size_t) in->n * in->h, error))
      goto fail;
  }
  for (guint i = 0; i < g->nodes->len; i++)
    if (!add_node_step (net, OCL_NODE (g, i), error))
      goto fail;

  /* Image input: the preprocessing kernel is built now, not on the first
   * frame. */
  if (in->c == 3) {
    cl_program prog = ocl_context_get_program (ctx, "preprocess", "", error);
    if (prog == NULL)
      goto fail;
    net->preprocess = clCreateKernel (prog, "preprocess_image", &err);
    if (net->preprocess == NULL) {
      ocl_set_cl_error (error, err, "preprocess_image");
      goto fail;
    }
    net->geo =
        create_buffer (net, sizeof (int) * OCL_ABI_GEO_N * net->batch, NULL,
        error);
    if (net->geo == NULL)
      goto fail;
    net->geo_host = g_new0 (int, OCL_ABI_GEO_N * net->batch);
    net->planes = g_new0 (cl_mem, 3 * net->batch);
    net->plane_size = g_new0 (gsize, 3 * net->batch);
  }
  /* Weights are in device buffers now; the graph keeps shapes only. */
  return net;

fail:
  ocl_net_free (net);
  return NULL;
}

void
ocl_net_free (OclNet * net)
{
  if (net == NULL)
    return;
  if (net->queue) {
    clFinish (net->queue);
    clReleaseCommandQueue (net->queue);
  }
  /* Newest first: PoCL keeps a program's kernels in a list it searches
   * from the newest on release, so the other order costs a walk a kernel
   * (32,000 launches: 3 s). */
  for (guint i = net->steps->len; i-- > 0;) {
    OclStep *s = &g_array_index (net->steps, OclStep, i);
    clReleaseKernel (s->kernel);
    g_free (s->desc);
    g_free (s->node);
  }
  g_array_unref (net->steps);
  if (net->preprocess)
    clReleaseKernel (net->preprocess);
  for (int p = 0; net->planes && p < 3 * net->batch; p++)
    if (net->planes[p])
      clReleaseMemObject (net->planes[p]);
  g_free (net->planes);
  g_free (net->plane_size);
  g_free (net->geo_host);
  g_ptr_array_unref (net->mems);
  g_free (net->value_mem);
  g_free (net->host_out);
  ocl_graph_free (net->g);
  ocl_context_unref (net->ctx);
  g_free (net);
}
