/* Compiling the fused graph into a plan of kernel launches, and running it.
 *
 * Every value lives on the device channels-last.  Buffers are allocated
 * once: values whose lifetimes do not overlap share a buffer (greedy, best
 * fit, sized to the largest tenant).  Kernel arguments are set once at
 * compile time; a run writes the input, enqueues every step and waits once,
 * on the read of the output.
 *
 * Kernel convention: the last NDRange dimension of every step is the batch
 * times a per-image extent, so a run over the first n <= N images of the
 * compiled batch scales that dimension only. */
#include <stdio.h>
#include <string.h>
#include "ocl-private.h"

typedef struct {
  cl_kernel kernel;
  cl_uint dim;
  size_t gws[3];
  size_t lws[3];                /* all 0: let the driver choose */
  char *desc;
  char *node;
  double flops;
  double ms;
} OclStep;

struct _OclNet {
  OclContext *ctx;
  int batch;
  cl_command_queue queue;
  OclGraph *g;
  GArray *steps;                /* OclStep */
  GPtrArray *mems;              /* every cl_mem we own */
  cl_mem input_nchw;
  cl_mem *value_mem;            /* per value index (aliases resolved) */
  gsize in_size, out_size;
  int out_rank;
  gint64 out_dims[4];
  gboolean profiling;
  guint64 n_params, macs, device_bytes, weight_bytes;
  float *host_out;              /* NHWC staging for 4-D outputs */

  /* ocl_net_run_image () */
  cl_kernel preprocess;
  cl_mem geo;                   /* 8 ints per batch entry */
  int *geo_host;
  cl_mem planes[3];             /* staging for devices without shared memory */
  gsize plane_size[3];
  gboolean unified_memory;

  cl_mem zero;                  /* zeros that padded Winograd tiles read */
  gsize zero_size;
};

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
  cl_mem m = clCreateBuffer (net->ctx->context, CL_MEM_READ_WRITE | flags |
      (data ? CL_MEM_COPY_HOST_PTR : 0), MAX (bytes, 16), (void *) data,
      &err);

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
  return err == CL_SUCCESS || ocl_set_cl_error (error, err, "uploading weights");
}

/* ---- steps --------------------------------------------------------------- */

typedef struct {
  OclNet *net;
  cl_kernel k;
  cl_uint arg;
  cl_int err;
} Args;

static void
arg_mem (Args * a, cl_mem m)
{
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (cl_mem), &m);
  a->arg++;
}

static void
arg_int (Args * a, int v)
{
  cl_int x = v;
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (x), &x);
  a->arg++;
}

static void
arg_float (Args * a, float v)
{
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (v), &v);
  a->arg++;
}

static gboolean
step_begin (OclNet * net, Args * a, const char *file, const char *options,
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
step_end (OclNet * net, Args * a, const OclNode * node, char *desc,
    double flops, cl_uint dim, size_t g0, size_t g1, size_t g2,
    GError ** error)
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
  s.desc = desc;
  s.node = g_strdup (node ? node->name : "(input)");
  s.flops = flops;
  g_array_append_val (net->steps, s);
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

/* Winograd F(2x2, 3x3) pays for 3x3 stride-1 convolutions whose input
 * channels fill 16-lane vectors.  It is chosen on CPU devices, where the
 * kernel's private arrays live in cache; OCLRESNET_WINOGRAD=0 or 1 overrides
 * the choice (tests force both paths on every device). */
static gboolean
use_winograd (OclNet * net, const OclNode * n)
{
  const char *force = g_getenv ("OCLRESNET_WINOGRAD");

  if (n->kh != 3 || n->kw != 3 || n->sh != 1 || n->sw != 1 || n->ic % 16 != 0)
    return FALSE;
  if (force && *force)
    return strcmp (force, "0") != 0;
  return (net->ctx->type & CL_DEVICE_TYPE_CPU) != 0;
}

/* A zero-filled buffer of at least @floats floats. */
static cl_mem
zero_buffer (OclNet * net, gsize floats, GError ** error)
{
  if (net->zero_size < floats) {
    g_autofree float *z = g_new0 (float, floats);
    net->zero = create_buffer (net, floats * sizeof (float), z, error);
    net->zero_size = net->zero ? floats : 0;
  }
  return net->zero;
}

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

/* Weights [oc][ic][3][3] -> U = G g G^T as [blk][16][ic][ocb], computed in
 * double precision; output-channel blocks [blk0, blk1) only. */
static void
pack_winograd (const OclNode * n, int ocb, int blk0, int blk1, float *u)
{
  const int ic_n = n->ic, step = MAX (1, PACK_K / 9);
  const guint8 *src = ocl_node_weight_bytes (n);

  for (int oc0 = blk0 * ocb; oc0 < MIN (blk1 * ocb, n->oc); oc0 += ocb)
    for (int ic0 = 0; ic0 < ic_n; ic0 += step)
      for (int oc = oc0; oc < MIN (oc0 + ocb, n->oc); oc++)
        for (int ic = ic0; ic < MIN (ic0 + step, ic_n); ic++) {
          float g[9];
          float *o = u + (gsize) oc0 * 16 * ic_n + (gsize) ic * ocb + oc - oc0;
          double col[3][4], t[4];
          memcpy (g, src + ((gsize) oc * ic_n + ic) * 9 * sizeof (float),
              sizeof (g));
          /* G g: each column of g; then (G g) G^T: each row of that. */
          for (int l = 0; l < 3; l++)
            winograd_g (g[l], g[3 + l], g[6 + l], col[l]);
          for (int i = 0; i < 4; i++) {
            winograd_g (col[0][i], col[1][i], col[2][i], t);
            for (int j = 0; j < 4; j++)
              o[(gsize) (i * 4 + j) * ic_n * ocb] = t[j];
          }
        }
}

/* Weights [oc][ic][kh][kw] -> [blk][kh][kw][ic][ocb], blocks [blk0, blk1). */
static void
pack_direct (const OclNode * n, int ocb, int blk0, int blk1, float *wt)
{
  const int ic_n = n->ic, khw = n->kh * n->kw, step = MAX (1, PACK_K / khw);
  const guint8 *src = ocl_node_weight_bytes (n);

  for (int oc0 = blk0 * ocb; oc0 < MIN (blk1 * ocb, n->oc); oc0 += ocb)
    for (int ic0 = 0; ic0 < ic_n; ic0 += step)
      for (int oc = oc0; oc < MIN (oc0 + ocb, n->oc); oc++) {
        gsize i = ((gsize) oc * ic_n + ic0) * khw;
        float *o = wt + (gsize) oc0 * khw * ic_n + oc - oc0;
        for (int ic = ic0; ic < MIN (ic0 + step, ic_n); ic++)
          for (int k = 0; k < khw; k++)
            o[((gsize) k * ic_n + ic) * ocb] = ocl_load_float (src, i++);
      }
}

typedef struct {
  const OclNode *n;
  int ocb, blk0, blk1;
  gboolean wino;
  float *dst;
} PackJob;

static gpointer
pack_job (gpointer data)
{
  PackJob *j = data;

  if (j->wino)
    pack_winograd (j->n, j->ocb, j->blk0, j->blk1, j->dst);
  else
    pack_direct (j->n, j->ocb, j->blk0, j->blk1, j->dst);
  return NULL;
}

/* Packs @n's weights into @dst, the blocks shared out between the host's
 * cores (up to 8, none with less than 256 K floats): faulting in the fresh
 * pages costs as much as the packing itself, and both scale.  ResNet-50
 * on 2 cores: net compile 130 -> 96 ms. */
static void
pack_weights (const OclNode * n, int ocb, int nblk, gboolean wino, gsize floats,
    float *dst)
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
    th[t] = t > 0 ? g_thread_try_new ("pack", pack_job, &jobs[t], NULL) :
        NULL;
    if (t > 0 && th[t] == NULL)
      pack_job (&jobs[t]);      /* no thread: pack it here */
  }
  pack_job (&jobs[0]);
  for (int t = 1; t < threads; t++)
    if (th[t])
      g_thread_join (th[t]);
}

/* Packs @n's weights for blocks of @ocb output channels (Winograd's U or
 * the direct layout) and its bias, padded to whole blocks, into new device
 * buffers @wm and @bm. */
static gboolean
upload_conv_weights (OclNet * net, OclNode * n, int ocb, gboolean wino,
    cl_mem * wm, cl_mem * bm, GError ** error)
{
  int nblk = (n->oc + ocb - 1) / ocb;
  gsize wsize = (gsize) nblk * (wino ? 16 : n->kh * n->kw) * n->ic * ocb;
  float *wt = buffer_stage (net, wsize * sizeof (float), wm, error), *bias;

  if (wt == NULL)
    return FALSE;
  /* The packers write every weight; only the last block's lanes past OC
   * stay zero. */
  if (n->oc % ocb)
    memset (wt + wsize / nblk * (nblk - 1), 0, wsize / nblk * sizeof (float));
  pack_weights (n, ocb, nblk, wino, wsize, wt);
  /* Packed: the host copy (or the model's, borrowed) is not read again. */
  ocl_node_drop_weight (n);
  if (!buffer_upload (net, *wm, wt, wsize * sizeof (float), error))
    return FALSE;
  bias = g_new0 (float, (gsize) nblk * ocb);
  if (n->bias)
    memcpy (bias, n->bias, n->oc * sizeof (float));
  *bm = create_buffer (net, (gsize) nblk * ocb * sizeof (float), bias, error);
  g_free (bias);
  if (*bm == NULL)
    return FALSE;
  net->weight_bytes += (wsize + nblk * ocb) * sizeof (float);
  return TRUE;
}

/* The arguments every convolution kernel takes, in their order: input,
 * @zero (Winograd only, else NULL), weights, bias, residual, output, the
 * shapes, the window (unless @window is FALSE: Winograd's is fixed),
 * padding, epilogue flags and the residual view.  Kernel-specific ones
 * follow. */
static void
conv_args (Args * a, OclNet * net, const OclNode * n, cl_mem zero, cl_mem wm,
    cl_mem bm, gboolean window)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const OclValue *r = n->residual >= 0 ? OCL_VALUE (net->g, n->residual) :
      NULL;

  arg_mem (a, net->value_mem[n->in[0]]);
  if (zero)
    arg_mem (a, zero);
  arg_mem (a, wm);
  arg_mem (a, bm);
  arg_mem (a, r ? net->value_mem[n->residual] : bm);
  arg_mem (a, net->value_mem[n->out]);
  arg_int (a, n->ic);
  arg_int (a, x->h);
  arg_int (a, x->w);
  arg_int (a, n->oc);
  arg_int (a, y->h);
  arg_int (a, y->w);
  if (window) {
    arg_int (a, n->kh);
    arg_int (a, n->kw);
    arg_int (a, n->sh);
    arg_int (a, n->sw);
  }
  arg_int (a, n->pt);
  arg_int (a, n->pl);
  arg_int (a, (n->relu ? 1 : 0) | (r ? 2 : 0));
  arg_int (a, r ? r->c : 0);
  arg_int (a, r ? r->h : 0);
  arg_int (a, r ? r->w : 0);
  arg_int (a, n->res_stride);
  arg_int (a, n->res_coff);
}

/* "conv 3x3/1 64->64 56x56 +bias +res +relu [@variant]" */
static char *
conv_desc (const OclNet * net, const OclNode * n, const char *variant)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);

  return g_strdup_printf ("%s %dx%d/%d %d->%d %dx%d%s%s%s [%s]",
      strcmp (n->onnx_op, "Conv") == 0 ? "conv" : "fc", n->kh, n->kw, n->sh,
      n->ic, n->oc, y->h, y->w, n->bias ? " +bias" : "", n->residual < 0 ?
      "" : n->res_stride > 1 || n->res_coff ? " +res(option A)" : " +res",
      n->relu ? " +relu" : "", variant);
}

/* The local-memory tiled kernel (conv2d_tiled_nhwc) is what GPUs run: the
 * register-tiled kernels above leave their scattered loads to the caches a
 * CPU has.  Returns its work-group side (LX = LY: 16, or 8 where a device
 * takes fewer than 256 work-items per group), 0 for the CPU kernels.
 * OCLRESNET_CONV_TILED=0, 1 (the device's side), 8 or 16 overrides the
 * choice: tests force it on PoCL. */
static int
tiled_side (OclNet * net)
{
  const char *force = g_getenv ("OCLRESNET_CONV_TILED");
  size_t max_wg = 0;

  if (force && *force) {
    if (strcmp (force, "0") == 0 || strcmp (force, "8") == 0
        || strcmp (force, "16") == 0)
      return atoi (force);
  } else if (net->ctx->type & CL_DEVICE_TYPE_CPU) {
    return 0;
  }
  clGetDeviceInfo (net->ctx->device, CL_DEVICE_MAX_WORK_GROUP_SIZE,
      sizeof (max_wg), &max_wg, NULL);
  return max_wg >= 256 ? 16 : max_wg >= 64 ? 8 : 0;
}

static gboolean
add_conv_tiled (OclNet * net, OclNode * n, int side, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const int tn = 4 * side, tm = 4 * side;
  const int m = y->n * y->h * y->w, nblk = (n->oc + tn - 1) / tn;
  double flops = 2.0 * m * n->oc * (double) n->kh * n->kw * n->ic;
  g_autofree char *opts = g_strdup_printf ("-DTILED -DLX=%d -DLY=%d", side,
      side);
  size_t wg = 0;
  cl_mem wm, bm;
  OclStep *s;
  char variant[32];
  Args a;

  if (!upload_conv_weights (net, n, tn, FALSE, &wm, &bm, error))
    return FALSE;
  if (!step_begin (net, &a, "conv", opts, "conv2d_tiled_nhwc", error))
    return FALSE;
  /* A device may take fewer work-items for this kernel than for others. */
  clGetKernelWorkGroupInfo (a.k, net->ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
      sizeof (wg), &wg, NULL);
  if (wg < (size_t) side * side) {
    clReleaseKernel (a.k);
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "the device runs at "
        "most %u work-items of the tiled convolution kernel, it needs %d "
        "(set OCLRESNET_CONV_TILED=8 or 0)", (guint) wg, side * side);
    return FALSE;
  }
  conv_args (&a, net, n, NULL, wm, bm, TRUE);
  arg_int (&a, m);
  g_snprintf (variant, sizeof (variant), "tiled %dx%d", tm, tn);
  if (!step_end (net, &a, n, conv_desc (net, n, variant), flops, 2,
          (size_t) nblk * side, (size_t) (m + tm - 1) / tm * side, 1, error))
    return FALSE;
  s = &g_array_index (net->steps, OclStep, net->steps->len - 1);
  s->lws[0] = s->lws[1] = side;
  s->lws[2] = 1;
  return TRUE;
}

static gboolean
add_conv (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  gboolean wino = use_winograd (net, n);
  /* Direct: PX pixels of a row; Winograd: PX of the image's 2x2 tiles. */
  int cols = wino ? (y->h + 1) / 2 * ((y->w + 1) / 2) : y->w;
  int nb = n->oc >= 32 ? 2 : 1;
  int ocb = 16 * nb, nblk = (n->oc + ocb - 1) / ocb, bpi = 1;
  gboolean cpu = (net->ctx->type & CL_DEVICE_TYPE_CPU) != 0;
  double macs = (double) y->n * y->h * y->w * n->oc * n->ic * n->kh * n->kw;
  /* CPU devices: enough one-item work-groups to balance the cores, but
   * none smaller than ~256 K multiply-adds, below which PoCL's cost per
   * work-group shows (small CIFAR layers want few, big work-items). */
  gsize min_items = cpu ? MIN (32 * (gsize) net->ctx->compute_units,
      (gsize) (macs / 262144)) : 0;
  int px = choose_px (cols, 8, (gsize) y->n * nblk * (wino ? 1 : y->h),
      min_items);
  gsize ksz = (gsize) n->kh * n->kw * n->ic;
  g_autofree char *opts = NULL;
  const char *force = g_getenv ("OCLRESNET_CONV_TILE");
  cl_mem wm, bm, zm = NULL;
  Args a;
  int force_bpi = 0;
  char bpi_desc[16], variant[48];

  /* Test hook: OCLRESNET_CONV_TILE=PXxNB[xBPI] forces the register tile
   * (and the blocks per work-item of direct convolutions). */
  if (force && sscanf (force, "%dx%dx%d", &px, &nb, &force_bpi) < 2)
    force = NULL;
  px = CLAMP (px, 1, 8);
  nb = CLAMP (nb, 1, 2);
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
  if (!wino && force && force_bpi > 0)
    bpi = MIN (force_bpi, nblk);
  g_snprintf (bpi_desc, sizeof (bpi_desc), " x%d", bpi);
  opts = wino ? g_strdup_printf ("-DWT=%d -DNB=%d", px, nb) :
      g_strdup_printf ("-DPX=%d -DNB=%d", px, nb);

  if (!upload_conv_weights (net, n, ocb, wino, &wm, &bm, error))
    return FALSE;
  if (wino && !(zm = zero_buffer (net, n->ic, error)))
    return FALSE;

  if (!step_begin (net, &a, "conv", opts, wino ? "conv3x3_winograd_nhwc" :
          "conv2d_nhwc", error))
    return FALSE;
  conv_args (&a, net, n, zm, wm, bm, !wino);
  if (!wino)
    arg_int (&a, bpi);
  g_snprintf (variant, sizeof (variant), "%s=%d NB=%d%s",
      wino ? "winograd WT" : "PX", px, nb, bpi > 1 ? bpi_desc : "");
  /* FLOP counts are the direct algorithm's, so that GFLOP/s compare. */
  if (!step_end (net, &a, n, conv_desc (net, n, variant),
          2.0 * y->n * y->h * y->w * n->oc * (double) ksz, 3,
          (cols + px - 1) / px, wino ? 1 : y->h,
          (size_t) y->n * ((nblk + bpi - 1) / bpi), error))
    return FALSE;
  /* On CPU devices each work-item is already a register-blocked tile:
   * one-item work-groups let PoCL spread even small layers over every
   * core (measured: CIFAR ResNet-56 3.9 -> 2.8 ms; neutral on ResNet-18). */
  if (cpu) {
    OclStep *s = &g_array_index (net->steps, OclStep, net->steps->len - 1);
    s->lws[0] = s->lws[1] = s->lws[2] = 1;
  }
  return TRUE;
}

static gboolean
add_affine (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  cl_mem sm = NULL, tm = NULL;
  Args a;

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
  arg_mem (&a, net->value_mem[n->in[0]]);
  arg_mem (&a, sm ? sm : net->value_mem[n->in[0]]);
  arg_mem (&a, tm ? tm : net->value_mem[n->in[0]]);
  arg_mem (&a, net->value_mem[n->out]);
  arg_int (&a, y->c);
  arg_int (&a, (n->relu || n->op == OCL_OP_RELU ? 1 : 0) | (sm ? 2 : 0) |
      (tm ? 4 : 0));
  return step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d%s",
          n->op == OCL_OP_RELU ? "relu" : "affine (batchnorm)", y->c, y->h,
          y->w, n->relu ? " +relu" : ""), 2.0 * y->n * y->c * y->h * y->w, 1,
      (size_t) y->n * y->c * y->h * y->w, 1, 1, error);
}

static gboolean
add_add (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const OclValue *r = OCL_VALUE (net->g, n->residual);
  Args a;

  if (!step_begin (net, &a, "misc", "", "add_nhwc", error))
    return FALSE;
  arg_mem (&a, net->value_mem[n->in[0]]);
  arg_mem (&a, net->value_mem[n->residual]);
  arg_mem (&a, net->value_mem[n->out]);
  arg_int (&a, y->c);
  arg_int (&a, y->h);
  arg_int (&a, y->w);
  arg_int (&a, r->c);
  arg_int (&a, r->h);
  arg_int (&a, r->w);
  arg_int (&a, n->res_stride);
  arg_int (&a, n->res_coff);
  arg_int (&a, n->relu);
  return step_end (net, &a, n, g_strdup_printf ("add %dx%dx%d%s", y->c, y->h,
          y->w, n->relu ? " +relu" : ""), (double) y->n * y->c * y->h * y->w,
      3, y->c, y->w, (size_t) y->n * y->h, error);
}

static gboolean
add_pool (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  gboolean avg = n->op == OCL_OP_AVGPOOL;
  /* Max pooling reads 4 channels at a time where the layout allows. */
  int vec = !avg && x->c % 4 == 0 ? 4 : 1;
  Args a;

  if (!step_begin (net, &a, "misc", "", avg ? "avgpool_nhwc" : vec == 4 ?
          "maxpool_nhwc4" : "maxpool_nhwc", error))
    return FALSE;
  arg_mem (&a, net->value_mem[n->in[0]]);
  arg_mem (&a, net->value_mem[n->out]);
  arg_int (&a, x->c);
  arg_int (&a, x->h);
  arg_int (&a, x->w);
  arg_int (&a, y->h);
  arg_int (&a, y->w);
  arg_int (&a, n->kh);
  arg_int (&a, n->kw);
  arg_int (&a, n->sh);
  arg_int (&a, n->sw);
  arg_int (&a, n->pt);
  arg_int (&a, n->pl);
  if (avg) {
    arg_int (&a, n->pb);
    arg_int (&a, n->pr);
    arg_int (&a, n->count_include_pad);
  } else
    arg_int (&a, n->relu);
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
  int vec = x->c % 4 == 0 ? 4 : 1;
  Args a;

  switch (n->op) {
    case OCL_OP_GLOBALAVGPOOL:
      if (!step_begin (net, &a, "misc", "", vec == 4 ? "global_avgpool_nhwc4"
              : "global_avgpool_nhwc", error))
        return FALSE;
      arg_mem (&a, net->value_mem[n->in[0]]);
      arg_mem (&a, net->value_mem[n->out]);
      arg_int (&a, x->c);
      arg_int (&a, x->h * x->w);
      return step_end (net, &a, n, g_strdup_printf ("global avgpool %dx%dx%d",
              x->c, x->h, x->w), (double) x->n * x->c * x->h * x->w, 2,
          x->c / vec, x->n, 1, error);
    case OCL_OP_FLATTEN:
      if (!step_begin (net, &a, "misc", "", "flatten_nhwc", error))
        return FALSE;
      arg_mem (&a, net->value_mem[n->in[0]]);
      arg_mem (&a, net->value_mem[n->out]);
      arg_int (&a, x->c);
      arg_int (&a, x->h);
      arg_int (&a, x->w);
      return step_end (net, &a, n, g_strdup_printf ("flatten %dx%dx%d", x->c,
              x->h, x->w), 0, 3, x->c, x->w, (size_t) x->n * x->h, error);
    case OCL_OP_SOFTMAX:
      if (!step_begin (net, &a, "misc", "", "softmax_rows", error))
        return FALSE;
      arg_mem (&a, net->value_mem[n->in[0]]);
      arg_mem (&a, net->value_mem[n->out]);
      arg_int (&a, x->c);
      return step_end (net, &a, n, g_strdup_printf ("softmax %d", x->c),
          3.0 * x->n * x->c, 1, x->n, 1, 1, error);
    case OCL_OP_PAD:
    case OCL_OP_SLICE:{
      gboolean pad = n->op == OCL_OP_PAD;
      if (!step_begin (net, &a, "misc", "", "copy_view_nhwc", error))
        return FALSE;
      arg_mem (&a, net->value_mem[n->in[0]]);
      arg_mem (&a, net->value_mem[n->out]);
      arg_int (&a, y->c);
      arg_int (&a, y->h);
      arg_int (&a, y->w);
      arg_int (&a, x->c);
      arg_int (&a, x->h);
      arg_int (&a, x->w);
      arg_int (&a, pad ? n->pads[1] : 0);
      arg_int (&a, pad ? n->pads[2] : 0);
      arg_int (&a, pad ? n->pads[3] : 0);
      arg_int (&a, pad ? 0 : n->starts[1]);
      arg_int (&a, pad ? 0 : n->starts[2]);
      arg_int (&a, pad ? 0 : n->starts[3]);
      arg_int (&a, pad ? 1 : n->steps[1]);
      arg_int (&a, pad ? 1 : n->steps[2]);
      arg_int (&a, pad ? 1 : n->steps[3]);
      arg_int (&a, pad ? x->c : y->c);
      arg_int (&a, pad ? x->h : y->h);
      arg_int (&a, pad ? x->w : y->w);
      arg_float (&a, pad ? n->pad_value : 0.0f);
      return step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d -> %dx%dx%d",
              pad ? "pad" : "slice", x->c, x->h, x->w, y->c, y->h, y->w), 0,
          3, y->c, y->w, (size_t) y->n * y->h, error);
    }
    default:
      g_assert_not_reached ();
  }
  return FALSE;
}

static gboolean
add_node_step (OclNet * net, OclNode * n, GError ** error)
{
  switch (n->op) {
    case OCL_OP_CONV:{
      int side = tiled_side (net);
      return side ? add_conv_tiled (net, n, side, error) :
          add_conv (net, n, error);
    }
    case OCL_OP_AFFINE:
    case OCL_OP_RELU:
      return add_affine (net, n, error);
    case OCL_OP_ADD:
      return add_add (net, n, error);
    case OCL_OP_MAXPOOL:
    case OCL_OP_AVGPOOL:
      return add_pool (net, n, error);
    default:
      return add_simple (net, n, error);
  }
}

/* ---- buffers -------------------------------------------------------------- */

typedef struct {
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
      p += (guint64) n->oc * n->ic * n->kh * n->kw + (n->bias ? n->oc : 0);
      *macs += (guint64) y->n * y->h * y->w * n->oc * n->ic * n->kh * n->kw;
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

  if (g == NULL)
    return NULL;
  return ocl_net_new_from_graph (ctx, g, error);
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
  {
    cl_bool unified = CL_FALSE;
    clGetDeviceInfo (ctx->device, CL_DEVICE_HOST_UNIFIED_MEMORY,
        sizeof (unified), &unified, NULL);
    net->unified_memory = unified;
  }

  out = OCL_VALUE (g, g->output);
  net->in_size = (gsize) in->n * in->c * in->h * in->w;
  net->out_size = (gsize) out->n * out->c * out->h * out->w;
  net->out_rank = out->rank;
  net->out_dims[0] = out->n;
  net->out_dims[1] = out->c;
  net->out_dims[2] = out->h;
  net->out_dims[3] = out->w;
  if (out->rank == 4 && out->h * out->w > 1)
    net->host_out = g_new (float, net->out_size);

  if (!allocate_values (net, error))
    goto fail;
  net->input_nchw = create_buffer (net, net->in_size * sizeof (float), NULL,
      error);
  if (net->input_nchw == NULL)
    goto fail;
  {
    Args a;
    if (!step_begin (net, &a, "misc", "", "nchw_to_nhwc", error))
      goto fail;
    arg_mem (&a, net->input_nchw);
    arg_mem (&a, net->value_mem[g->input]);
    arg_int (&a, in->c);
    arg_int (&a, in->h);
    arg_int (&a, in->w);
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
    net->geo = create_buffer (net, sizeof (int) * 8 * net->batch, NULL,
        error);
    if (net->geo == NULL)
      goto fail;
    net->geo_host = g_new0 (int, 8 * net->batch);
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
  for (guint i = 0; i < net->steps->len; i++) {
    OclStep *s = &g_array_index (net->steps, OclStep, i);
    clReleaseKernel (s->kernel);
    g_free (s->desc);
    g_free (s->node);
  }
  g_array_unref (net->steps);
  if (net->preprocess)
    clReleaseKernel (net->preprocess);
  for (int p = 0; p < 3; p++)
    if (net->planes[p])
      clReleaseMemObject (net->planes[p]);
  g_free (net->geo_host);
  g_ptr_array_unref (net->mems);
  g_free (net->value_mem);
  g_free (net->host_out);
  ocl_graph_free (net->g);
  ocl_context_unref (net->ctx);
  g_free (net);
}

void
ocl_net_get_output_shape (const OclNet * net, int *ndim, gint64 dims[4])
{
  *ndim = net->out_rank;
  memcpy (dims, net->out_dims, sizeof (net->out_dims));
}

gsize
ocl_net_get_input_size (const OclNet * net)
{
  return net->in_size;
}

gsize
ocl_net_get_output_size (const OclNet * net)
{
  return net->out_size;
}

void
ocl_net_set_profiling (OclNet * net, gboolean enable)
{
  net->profiling = enable;
}

/* Enqueues steps [first, end) for @n images, then the blocking read of
 * the output, and collects profiling; the one wait of a run. */
static gboolean
enqueue_plan (OclNet * net, guint first, int n, float *output,
    GError ** error)
{
  OclGraph *g = net->g;
  guint n_steps = net->steps->len;
  cl_event *ev = net->profiling ? g_new0 (cl_event, n_steps) : NULL;
  gsize out_floats = net->out_size / net->batch * n;
  float *dst = net->host_out ? net->host_out : output;
  cl_int err;
  gboolean ok = FALSE;

  for (guint i = first; i < n_steps; i++) {
    OclStep *s = &g_array_index (net->steps, OclStep, i);
    size_t gws[3] = { s->gws[0], s->gws[1], s->gws[2] };
    gws[s->dim - 1] = gws[s->dim - 1] / net->batch * n;
    err = clEnqueueNDRangeKernel (net->queue, s->kernel, s->dim, NULL, gws,
        s->lws[0] ? s->lws : NULL, 0, NULL, ev ? &ev[i] : NULL);
    if (err != CL_SUCCESS) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "launching %s failed: "
          "%s", s->desc, ocl_cl_error_string (err));
      goto out;
    }
  }
  err = clEnqueueReadBuffer (net->queue, net->value_mem[g->output], CL_TRUE,
      0, out_floats * sizeof (float), dst, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    ocl_set_cl_error (error, err, "reading the output");
    goto out;
  }
  if (net->host_out) {
    /* NHWC -> NCHW */
    gint64 C = net->out_dims[1], H = net->out_dims[2], W = net->out_dims[3];
    for (gint64 b = 0; b < n; b++)
      for (gint64 y = 0; y < H; y++)
        for (gint64 x = 0; x < W; x++)
          for (gint64 c = 0; c < C; c++)
            output[((b * C + c) * H + y) * W + x] =
                dst[((b * H + y) * W + x) * C + c];
  }
  if (ev) {
    for (guint i = first; i < n_steps; i++) {
      cl_ulong t0 = 0, t1 = 0;
      clGetEventProfilingInfo (ev[i], CL_PROFILING_COMMAND_START,
          sizeof (t0), &t0, NULL);
      clGetEventProfilingInfo (ev[i], CL_PROFILING_COMMAND_END, sizeof (t1),
          &t1, NULL);
      g_array_index (net->steps, OclStep, i).ms = (t1 - t0) * 1e-6;
    }
  }
  ok = TRUE;

out:
  if (!ok)
    clFinish (net->queue);
  if (ev) {
    for (guint i = 0; i < n_steps; i++)
      if (ev[i])
        clReleaseEvent (ev[i]);
    g_free (ev);
  }
  return ok;
}

gboolean
ocl_net_run (OclNet * net, const float *input, float *output, GError ** error)
{
  cl_int err = clEnqueueWriteBuffer (net->queue, net->input_nchw, CL_FALSE, 0,
      net->in_size * sizeof (float), input, 0, NULL, NULL);

  if (err != CL_SUCCESS)
    return ocl_set_cl_error (error, err, "writing the input");
  return enqueue_plan (net, 0, net->batch, output, error);
}

static int
plane_count (OclPixelFormat f)
{
  return f == OCL_PIXEL_I420 ? 3 : f == OCL_PIXEL_NV12 ? 2 : 1;
}

/* Device buffers for the frame's planes: the host memory itself where the
 * device shares it (created per frame, no copy), else one write into a
 * buffer kept between frames.  @tmp receives the per-frame buffers. */
static gboolean
frame_planes (OclNet * net, const OclImage * img, cl_mem mem[3],
    cl_mem tmp[3], GError ** error)
{
  int np = plane_count (img->format);
  cl_int err;

  for (int p = 0; p < 3; p++)
    mem[p] = tmp[p] = NULL;
  for (int p = 0; p < np; p++) {
    gsize size = img->size[p];
    if (img->data[p] == NULL || size == 0) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
          "image plane %d is missing", p);
      return FALSE;
    }
    if (net->unified_memory) {
      tmp[p] = clCreateBuffer (net->ctx->context, CL_MEM_READ_ONLY |
          CL_MEM_USE_HOST_PTR, size, (void *) img->data[p], &err);
      if (tmp[p] == NULL)
        return ocl_set_cl_error (error, err, "wrapping the frame");
      mem[p] = tmp[p];
      continue;
    }
    if (net->plane_size[p] < size) {
      if (net->planes[p])
        clReleaseMemObject (net->planes[p]);
      net->planes[p] = clCreateBuffer (net->ctx->context, CL_MEM_READ_ONLY,
          size, NULL, &err);
      net->plane_size[p] = net->planes[p] ? size : 0;
      if (net->planes[p] == NULL)
        return ocl_set_cl_error (error, err, "allocating the frame buffer");
    }
    err = clEnqueueWriteBuffer (net->queue, net->planes[p], CL_FALSE, 0, size,
        img->data[p], 0, NULL, NULL);
    if (err != CL_SUCCESS)
      return ocl_set_cl_error (error, err, "uploading the frame");
    mem[p] = net->planes[p];
  }
  for (int p = np; p < 3; p++)
    mem[p] = mem[0];
  return TRUE;
}

gboolean
ocl_net_run_image (OclNet * net, const OclImage * img, const OclRect * rects,
    int n_rects, const OclPreprocess * pp, float *output, GError ** error)
{
  OclValue *in = OCL_VALUE (net->g, net->g->input);
  cl_mem mem[3], tmp[3];
  int n = rects ? n_rects : 1;
  cl_float4 mean, istd, yuv;
  float kr, kb;
  cl_int err = CL_SUCCESS;
  gboolean ok = FALSE;
  size_t gws[3];
  Args a = { 0 };

  if (in->c != 3) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "the model takes %d input channels, not 3 (an image)", in->c);
    return FALSE;
  }
  if (n < 1 || n > net->batch) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "%d regions given; the net takes 1 to %d", n, net->batch);
    return FALSE;
  }
  if (img->width <= 0 || img->height <= 0) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "bad image size %dx%d", img->width, img->height);
    return FALSE;
  }
  for (int i = 0; i < n; i++)
    if (!ocl_image_geometry (img, rects ? &rects[i] : NULL, pp->resize, in->h,
            in->w, net->geo_host + 8 * i)) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
          "region %d (%d,%d %dx%d) is empty inside the %dx%d image", i,
          rects[i].x, rects[i].y, rects[i].width, rects[i].height,
          img->width, img->height);
      return FALSE;
    }
  if (!frame_planes (net, img, mem, tmp, error))
    goto out;
  err = clEnqueueWriteBuffer (net->queue, net->geo, CL_FALSE, 0,
      sizeof (int) * 8 * n, net->geo_host, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    ocl_set_cl_error (error, err, "writing the regions");
    goto out;
  }
  ocl_yuv_coefficients (img->matrix, &kr, &kb);
  for (int c = 0; c < 4; c++) {
    mean.s[c] = c < 3 ? pp->mean[c] : 0.0f;
    istd.s[c] = c < 3 && pp->std[c] != 0.0f ? 1.0f / pp->std[c] : 1.0f;
  }
  yuv.s[0] = kr;
  yuv.s[1] = kb;
  yuv.s[2] = img->full_range ? 1.0f : 0.0f;
  yuv.s[3] = 0.0f;

  a.k = net->preprocess;
  arg_mem (&a, mem[0]);
  arg_mem (&a, mem[1]);
  arg_mem (&a, mem[2]);
  arg_mem (&a, net->geo);
  arg_mem (&a, net->value_mem[net->g->input]);
  arg_int (&a, img->format);
  arg_int (&a, img->stride[0]);
  arg_int (&a, img->stride[1]);
  arg_int (&a, img->stride[2]);
  arg_int (&a, in->h);
  arg_int (&a, in->w);
  if (a.err == CL_SUCCESS)
    a.err = clSetKernelArg (a.k, a.arg++, sizeof (mean), &mean);
  if (a.err == CL_SUCCESS)
    a.err = clSetKernelArg (a.k, a.arg++, sizeof (istd), &istd);
  arg_int (&a, pp->bgr ? 1 : 0);
  if (a.err == CL_SUCCESS)
    a.err = clSetKernelArg (a.k, a.arg++, sizeof (yuv), &yuv);
  if (a.err != CL_SUCCESS) {
    ocl_set_cl_error (error, a.err, "clSetKernelArg (preprocess)");
    goto out;
  }
  gws[0] = in->w;
  gws[1] = in->h;
  gws[2] = n;
  err = clEnqueueNDRangeKernel (net->queue, net->preprocess, 3, NULL, gws,
      NULL, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    ocl_set_cl_error (error, err, "launching the preprocessing");
    goto out;
  }
  /* Step 0 converts an NCHW host tensor; the image path wrote NHWC. */
  ok = enqueue_plan (net, 1, n, output, error);

out:
  if (!ok)
    clFinish (net->queue);
  for (int p = 0; p < 3; p++)
    if (tmp[p])
      clReleaseMemObject (tmp[p]);
  return ok;
}

int
ocl_net_get_batch (const OclNet * net)
{
  return net->batch;
}

void
ocl_net_get_input_shape (const OclNet * net, gint64 shape[4])
{
  const OclValue *in = &g_array_index (net->g->values, OclValue,
      net->g->input);
  shape[0] = in->n;
  shape[1] = in->c;
  shape[2] = in->h;
  shape[3] = in->w;
}

gboolean
ocl_net_output_is_probability (const OclNet * net)
{
  const OclGraph *g = net->g;
  const OclValue *out = &g_array_index (g->values, OclValue, g->output);
  int p = out->alias >= 0 ?
      g_array_index (g->values, OclValue, out->alias).producer : out->producer;
  return p >= 0 && g_array_index (g->nodes, OclNode, p).op == OCL_OP_SOFTMAX;
}

guint
ocl_net_get_n_layers (const OclNet * net)
{
  return net->steps->len;
}

void
ocl_net_get_layer (const OclNet * net, guint i, OclLayerInfo * info)
{
  const OclStep *s = &g_array_index (net->steps, OclStep, i);

  info->name = s->desc;
  info->node = s->node;
  info->flops = s->flops;
  info->ms = s->ms;
}

guint64
ocl_net_get_n_params (const OclNet * net)
{
  return net->n_params;
}

guint64
ocl_net_get_macs (const OclNet * net)
{
  return net->macs;
}

guint64
ocl_net_get_device_bytes (const OclNet * net, guint64 * weight_bytes)
{
  if (weight_bytes)
    *weight_bytes = net->weight_bytes;
  return net->device_bytes;
}
