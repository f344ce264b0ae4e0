/* The execution rows of every operator but convolution (exec-conv.c):
 * each one's output shape (infer) and its launch (plan), its kernel's
 * arguments set through the kernel's named signature (kernels/ocl-sig.h).
 * The table that names them is exec-registry.c. */
#include "ocl-private.h"
#include "kernels/ocl-abi.h"

#define SHAPE(v) (v)->n, (v)->c, (v)->h, (v)->w

/* ---- element-wise: affine (batch norm, per-channel Add/Mul), ReLU ------- */

char *
ocl_affine_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  return o->c != n->oc ? g_strdup_printf ("has %d channels of parameters, "
      "its input has %d", n->oc, o->c) : NULL;
}

char *
ocl_relu_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  return NULL;
}

/* affine_nhwc: ReLU is an affine step without parameters. */
static gboolean
plan_affine (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *y = OCL_VALUE (net->g, n->out);
  OclSig_affine_nhwc s = { 0 };
  OclArgs a;

  s.in = net->value_mem[n->in[0]];
  if (n->op == OCL_OP_AFFINE) {
    if (n->scale && !(s.scale = ocl_net_buffer (net, n->oc * sizeof (float),
                n->scale, error)))
      return FALSE;
    if (n->shift && !(s.shift = ocl_net_buffer (net, n->oc * sizeof (float),
                n->shift, error)))
      return FALSE;
  }
  s.flags = (n->relu || n->op == OCL_OP_RELU ? OCL_ABI_AFFINE_RELU : 0)
      | (s.scale ? OCL_ABI_AFFINE_SCALE : 0)
      | (s.shift ? OCL_ABI_AFFINE_SHIFT : 0)
      | (n->divide ? OCL_ABI_AFFINE_DIVIDE : 0);
  /* Absent parameters: the input stands in, never read. */
  if (!s.scale)
    s.scale = s.in;
  if (!s.shift)
    s.shift = s.in;
  s.out = net->value_mem[n->out];
  s.C = y->c;
  if (!ocl_step_begin (net, &a, "misc", "", "affine_nhwc", error))
    return FALSE;
  ocl_sig_affine_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d%s",
          n->op == OCL_OP_RELU ? "relu" : "affine (batchnorm)", y->c, y->h,
          y->w, n->relu ? " +relu" : ""), 2.0 * y->n * y->c * y->h * y->w, 1,
      (size_t) y->n * y->c * y->h * y->w, 1, 1, error);
}

gboolean
ocl_affine_plan (OclNet * net, OclNode * n, GError ** error)
{
  return plan_affine (net, n, error);
}

gboolean
ocl_relu_plan (OclNet * net, OclNode * n, GError ** error)
{
  return plan_affine (net, n, error);
}

/* ---- Add and Mul: eltwise_nhwc --------------------------------------------- */

char *
ocl_add_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  const OclValue *y = OCL_VALUE (g, n->in[1]);

  if (y->rank != o->rank || y->n != o->n || y->c != o->c || y->h != o->h
      || y->w != o->w)
    return g_strdup_printf ("operands of different shapes (%dx%dx%dx%d and "
        "%dx%dx%dx%d) are not supported", SHAPE (o), SHAPE (y));
  return NULL;
}

char *
ocl_mul_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  const OclValue *y = OCL_VALUE (g, n->in[1]);

  if (y->rank != o->rank || y->n != o->n || y->c != o->c
      || !((y->h == o->h && y->w == o->w) || (y->h == 1 && y->w == 1)))
    return g_strdup_printf ("operands of shapes %dx%dx%dx%d and %dx%dx%dx%d: "
        "the second must be of the first's shape or N x C x 1 x 1",
        SHAPE (o), SHAPE (y));
  return NULL;
}

/* With the epilogue the fuser gave the node (a standalone Add is its
 * first operand with the second as its residual). */
static gboolean
plan_eltwise (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *r = n->residual >= 0 ? OCL_VALUE (net->g, n->residual) : NULL;
  /* 16 channels per work-item where they fill whole vectors. */
  const int ew = x->c % 16 == 0 ? 16 : 1;
  OclSig_eltwise_nhwc s;
  OclArgs a;

  s.mul = OCL_ABI_MUL_NONE;
  if (n->op == OCL_OP_MUL) {
    const OclValue *g = OCL_VALUE (net->g, n->in[1]);
    s.mul = g->h * g->w != x->h * x->w ? OCL_ABI_MUL_GATE : OCL_ABI_MUL_SAME;
  }
  s.a = net->value_mem[n->in[0]];
  s.b = net->value_mem[s.mul ? n->in[1] : n->in[0]];
  s.res = net->value_mem[r ? n->residual : n->in[0]];
  s.out = net->value_mem[n->out];
  s.C = x->c;
  s.H = x->h;
  s.W = x->w;
  s.flags = (n->relu ? OCL_ABI_FLAG_RELU : 0) | (r ? OCL_ABI_FLAG_RESIDUAL : 0);
  s.RC = r ? r->c : 0;
  s.RH = r ? r->h : 0;
  s.RW = r ? r->w : 0;
  s.RS = n->res_stride;
  s.RCO = n->res_coff;
  if (!ocl_step_begin (net, &a, "misc", ew == 16 ? "-DEW=16" : "",
          "eltwise_nhwc", error))
    return FALSE;
  ocl_sig_eltwise_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d%s%s%s",
          s.mul ? "mul" : "add", x->c, x->h, x->w,
          s.mul == OCL_ABI_MUL_GATE ? " by a channel gate" : "",
          s.mul && r ? " +res" : "", n->relu ? " +relu" : ""),
      (double) x->n * x->c * x->h * x->w * ((s.mul ? 1 : 0) + (r ? 1 : 0)),
      3, x->c / ew, x->w, (size_t) x->n * x->h, error)
      && ocl_step_rows_on_cpu (net, error);
}

gboolean
ocl_add_plan (OclNet * net, OclNode * n, GError ** error)
{
  return plan_eltwise (net, n, error);
}

gboolean
ocl_mul_plan (OclNet * net, OclNode * n, GError ** error)
{
  return plan_eltwise (net, n, error);
}

/* ---- pooling -------------------------------------------------------------- */

char *
ocl_pool_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  const OclValue *x = OCL_VALUE (g, n->in[0]);

  if (x->rank != 4)
    return g_strdup ("needs a 4-D input");
  o->h = ocl_window_out (x->h, n->pt, n->pb, n->kh, n->sh, n->ceil_mode);
  o->w = ocl_window_out (x->w, n->pl, n->pr, n->kw, n->sw, n->ceil_mode);
  if (o->h <= 0 || o->w <= 0)
    return g_strdup_printf ("its input (%dx%d) is smaller than the %dx%d "
        "window", x->h, x->w, n->kh, n->kw);
  return NULL;
}

/* The window every pooling kernel takes first. */
#define pool_window(s, net, n) \
  G_STMT_START { \
    (s).in = (net)->value_mem[(n)->in[0]]; \
    (s).out = (net)->value_mem[(n)->out]; \
    (s).C = OCL_VALUE ((net)->g, (n)->in[0])->c; \
    ocl_sig_set_window (s, net, n); \
  } G_STMT_END

gboolean
ocl_pool_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  gboolean avg = n->op == OCL_OP_AVGPOOL;
  gboolean dilated = MAX (n->dh, 1) > 1 || MAX (n->dw, 1) > 1;
  /* Max pooling reads 16 channels (a cache line) or 4 at a time where the
   * layout allows: ResNet-18's stem pool 0.33 -> 0.17 ms on Intel's
   * runtime, 0.27 -> 0.22 ms on PoCL, 16 against 4. */
  int vec = avg || dilated ? 1 : x->c % 16 == 0 ? 16 : x->c % 4 == 0 ? 4 : 1;
  OclArgs a;

  if (!ocl_step_begin (net, &a, "misc", vec == 16 ? "-DPOOL_W=16" : "",
          avg ? "avgpool_nhwc" : dilated ? "maxpool_dilated_nhwc" : vec > 1 ?
          "maxpool_nhwcv" : "maxpool_nhwc", error))
    return FALSE;
  if (avg) {
    OclSig_avgpool_nhwc s;
    pool_window (s, net, n);
    s.PB = n->pb;
    s.PR = n->pr;
    s.count_include_pad = n->count_include_pad;
    ocl_sig_avgpool_nhwc (&a, &s);
  } else if (dilated) {
    OclSig_maxpool_dilated_nhwc s;
    pool_window (s, net, n);
    s.relu = n->relu;
    s.DH = n->dh;
    s.DW = n->dw;
    ocl_sig_maxpool_dilated_nhwc (&a, &s);
  } else {
    /* maxpool_nhwcv has maxpool_nhwc's signature */
    OclSig_maxpool_nhwc s;
    pool_window (s, net, n);
    s.relu = n->relu;
    ocl_sig_maxpool_nhwc (&a, &s);
  }
  return ocl_step_end (net, &a, n, g_strdup_printf ("%s %dx%d/%d %dx%dx%d",
          avg ? "avgpool" : "maxpool", n->kh, n->kw, n->sh, y->c, y->h, y->w),
      (double) y->n * y->c * y->h * y->w * n->kh * n->kw, 3, y->c / vec,
      y->w, (size_t) y->n * y->h, error)
      && ocl_step_rows_on_cpu (net, error);
}

char *
ocl_global_avgpool_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  if (o->rank != 4)
    return g_strdup ("needs a 4-D input");
  o->h = o->w = 1;
  return NULL;
}

gboolean
ocl_global_avgpool_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  /* 16 channels (a cache line) per work-item where they fill whole
   * vectors. */
  const int vec = x->c % 16 == 0 ? 16 : 1;
  OclSig_global_avgpool_nhwc s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.C = x->c,.HW = x->h * x->w
  };
  OclArgs a;

  if (!ocl_step_begin (net, &a, "misc", vec == 16 ? "-DEW=16" : "",
          "global_avgpool_nhwc", error))
    return FALSE;
  ocl_sig_global_avgpool_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("global avgpool %dx%dx%d",
          x->c, x->h, x->w), (double) x->n * x->c * x->h * x->w, 2,
      x->c / vec, x->n, 1, error);
}

/* ---- layout: flatten, pad, slice ------------------------------------------ */

char *
ocl_flatten_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  if ((gint64) o->c * o->h * o->w > G_MAXINT32)
    return g_strdup_printf ("%dx%dx%d is too large to flatten", o->c, o->h,
        o->w);
  o->rank = 2;
  o->c = o->c * o->h * o->w;
  o->h = o->w = 1;
  return NULL;
}

gboolean
ocl_flatten_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  OclSig_flatten_nhwc s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.C = x->c,.H = x->h,.W = x->w
  };
  OclArgs a;

  if (!ocl_step_begin (net, &a, "misc", "", "flatten_nhwc", error))
    return FALSE;
  ocl_sig_flatten_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("flatten %dx%dx%d", x->c,
          x->h, x->w), 0, 3, x->c, x->w, (size_t) x->n * x->h, error);
}

char *
ocl_pad_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  o->c += n->pads[1] + n->pads[5];
  o->h += n->pads[2] + n->pads[6];
  o->w += n->pads[3] + n->pads[7];
  return NULL;
}

char *
ocl_slice_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  o->c = n->sizes[1];
  o->h = n->sizes[2];
  o->w = n->sizes[3];
  return o->c <= 0 || o->h <= 0 || o->w <= 0 ?
      g_strdup ("the slice is empty") : NULL;
}

/* Pad and Slice: a view of the input copied into the output. */
static gboolean
plan_copy_view (OclNet * net, const OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const OclValue *y = OCL_VALUE (net->g, n->out);
  const gboolean pad = n->op == OCL_OP_PAD;
  OclSig_copy_view_nhwc s;
  OclArgs a;

  s.in = net->value_mem[n->in[0]];
  s.out = net->value_mem[n->out];
  s.C = y->c;
  s.H = y->h;
  s.W = y->w;
  s.IC = x->c;
  s.IH = x->h;
  s.IW = x->w;
  s.PC = pad ? n->pads[1] : 0;
  s.PH = pad ? n->pads[2] : 0;
  s.PW = pad ? n->pads[3] : 0;
  s.SC0 = pad ? 0 : n->starts[1];
  s.SH0 = pad ? 0 : n->starts[2];
  s.SW0 = pad ? 0 : n->starts[3];
  s.TC = pad ? 1 : n->steps[1];
  s.TH = pad ? 1 : n->steps[2];
  s.TW = pad ? 1 : n->steps[3];
  s.VC = pad ? x->c : y->c;
  s.VH = pad ? x->h : y->h;
  s.VW = pad ? x->w : y->w;
  s.value = pad ? n->pad_value : 0.0f;
  if (!ocl_step_begin (net, &a, "misc", "", "copy_view_nhwc", error))
    return FALSE;
  ocl_sig_copy_view_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d -> %dx%dx%d",
          pad ? "pad" : "slice", x->c, x->h, x->w, y->c, y->h, y->w), 0,
      3, y->c, y->w, (size_t) y->n * y->h, error);
}

gboolean
ocl_pad_plan (OclNet * net, OclNode * n, GError ** error)
{
  return plan_copy_view (net, n, error);
}

gboolean
ocl_slice_plan (OclNet * net, OclNode * n, GError ** error)
{
  return plan_copy_view (net, n, error);
}

/* ---- heads: softmax, sigmoid; quantize-dequantize ------------------------- */

char *
ocl_softmax_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  if (o->h * o->w != 1)
    return g_strdup ("softmax is supported over the channels of an N x K "
        "tensor only");
  if (n->softmax_step < 0 || (n->softmax_step > 1
          && o->c % n->softmax_step != 0))
    return g_strdup_printf ("a softmax over channels %d apart of %d channels",
        n->softmax_step, o->c);
  return NULL;
}

gboolean
ocl_softmax_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  /* Over the channels step apart (infer checked that it divides). */
  const int step = MAX (n->softmax_step, 1);
  OclSig_softmax_rows s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.K = x->c / step,.S = step
  };
  OclArgs a;

  if (!ocl_step_begin (net, &a, "misc", "", "softmax_rows", error))
    return FALSE;
  ocl_sig_softmax_rows (&a, &s);
  return ocl_step_end (net, &a, n, step > 1 ? g_strdup_printf ("softmax %d "
          "across %d paths", step, x->c / step) :
      g_strdup_printf ("softmax %d", x->c), 3.0 * x->n * x->c, 1,
      (size_t) x->n * step, 1, 1, error);
}

char *
ocl_sigmoid_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  return NULL;
}

gboolean
ocl_sigmoid_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  OclSig_sigmoid_nhwc s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.hard = n->hard,.alpha = n->alpha,
    .beta = n->beta
  };
  OclArgs a;

  if (!ocl_step_begin (net, &a, "misc", "", "sigmoid_nhwc", error))
    return FALSE;
  ocl_sig_sigmoid_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("%s %dx%dx%d",
          n->hard ? "hardsigmoid" : "sigmoid", x->c, x->h, x->w),
      4.0 * x->n * x->c * x->h * x->w, 1,
      (size_t) x->n * x->c * x->h * x->w, 1, 1, error);
}

char *
ocl_fakequant_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  return ocl_affine_infer (g, n, o);
}

gboolean
ocl_fakequant_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  OclSig_fakequant_nhwc s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.C = x->c,.qmin = n->alpha,.qmax = n->beta
  };
  OclArgs a;

  if (!(s.p = ocl_net_buffer (net, 4 * (gsize) n->oc * sizeof (float),
              n->scale, error))
      || !ocl_step_begin (net, &a, "misc", "", "fakequant_nhwc", error))
    return FALSE;
  ocl_sig_fakequant_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("quantize-dequantize "
          "%dx%dx%d [%g, %g]", x->c, x->h, x->w, n->alpha, n->beta),
      4.0 * x->n * x->c * x->h * x->w, 1,
      (size_t) x->n * x->c * x->h * x->w, 1, 1, error);
}

/* Dynamic quantization: the range of the images run, then each value
 * quantized with it and dequantized (OCL_SIG_dynquant_nhwc).  The range
 * spans the images of the run, as onnxruntime's spans its tensor. */
gboolean
ocl_dynquant_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  const int size = x->c * x->h * x->w;
  OclSig_range_images r = {.in = net->value_mem[n->in[0]],.size = size };
  OclSig_dynquant_nhwc s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.size = size
  };
  OclArgs a;

  if (!(r.mm = s.mm = ocl_net_buffer (net, 2 * (gsize) x->n * sizeof (float),
              NULL, error))
      || !ocl_step_begin (net, &a, "misc", "", "range_images", error))
    return FALSE;
  ocl_sig_range_images (&a, &r);
  if (!ocl_step_end (net, &a, n, g_strdup_printf ("range %dx%dx%d", x->c,
              x->h, x->w), 2.0 * x->n * size, 2, 64, x->n, 1, error)
      || !ocl_step_local (net, 64, 1, 1, 1, error)
      || !ocl_step_begin (net, &a, "misc", "", "dynquant_nhwc", error))
    return FALSE;
  ocl_sig_dynquant_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("dynamic "
          "quantize-dequantize %dx%dx%d", x->c, x->h, x->w),
      4.0 * x->n * size, 2, size, x->n, 1, error);
}

/* ---- PReLU ---------------------------------------------------------------- */

char *
ocl_prelu_infer (const OclGraph * g, const OclNode * n, OclValue * o)
{
  return ocl_affine_infer (g, n, o);
}

gboolean
ocl_prelu_plan (OclNet * net, OclNode * n, GError ** error)
{
  const OclValue *x = OCL_VALUE (net->g, n->in[0]);
  OclSig_prelu_nhwc s = {.in = net->value_mem[n->in[0]],
    .out = net->value_mem[n->out],.C = x->c
  };
  OclArgs a;

  if (!(s.slope = ocl_net_buffer (net, (gsize) n->oc * sizeof (float),
              n->scale, error))
      || !ocl_step_begin (net, &a, "misc", "", "prelu_nhwc", error))
    return FALSE;
  ocl_sig_prelu_nhwc (&a, &s);
  return ocl_step_end (net, &a, n, g_strdup_printf ("prelu %dx%dx%d", x->c,
          x->h, x->w), 2.0 * x->n * x->c * x->h * x->w, 1,
      (size_t) x->n * x->c * x->h * x->w, 1, 1, error);
}
