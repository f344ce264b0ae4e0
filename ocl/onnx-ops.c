/* Runtime operators that compute: each ONNX node that computes on the
 * image becomes a node of the graph IR.  One function per operator, found
 * through the table in onnx-registry.c, which also writes the "supported
 * operators" list of the error message.  Attributes and constant operands
 * are checked here; shapes by the IR operator's execution row.  Operators
 * that only move data (reshapes, slices, pads) are onnx-layout.c's. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "onnx-import.h"

/* Reads kernel_shape/strides/pads/dilations/auto_pad of Conv and pools;
 * every entry within [1, OCL_MAX_WINDOW] (pads [0, OCL_MAX_WINDOW]).  The
 * dilations go to @dil (h, w) where the caller takes them (NULL: only 1).
 * auto_pad SAME counts the dilated window. */
static gboolean
read_window (OclImport * im, OclNode * n, const OclValue * x, gint64 kh,
    gint64 kw, gint64 * dil)
{
  Onnx__NodeProto *node = im->node;
  gint64 v[4], sh, sw, p[4] = { 0, 0, 0, 0 };
  g_autofree char *auto_pad = ocl_attr_string (node, "auto_pad", "NOTSET");
  int k;

  k = ocl_attr_ints (node, "kernel_shape", v, 4);
  if (k >= 0 && k != 2)
    return OCL_UNSUPPORTED (im, "%d-D windows are not supported; 2-D only", k);
  if (k == 2) {
    kh = v[0];
    kw = v[1];
  }
  if (kh <= 0 || kw <= 0)
    return OCL_UNSUPPORTED (im, "kernel_shape is missing or not positive");
  k = ocl_attr_ints (node, "dilations", v, 4);
  if (k > 2)
    return OCL_UNSUPPORTED (im, "%d dilations for a 2-D window", k);
  if (dil) {
    dil[0] = k >= 1 ? v[0] : 1;
    dil[1] = k >= 2 ? v[1] : dil[0];
    if (dil[0] < 1 || dil[1] < 1 || dil[0] > OCL_MAX_DILATION
        || dil[1] > OCL_MAX_DILATION)
      return OCL_UNSUPPORTED (im, "dilation %" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT " is out of range (1 to %d)", dil[0], dil[1],
          OCL_MAX_DILATION);
  } else if (k > 0 && (v[0] != 1 || (k > 1 && v[1] != 1)))
    return OCL_UNSUPPORTED (im, "dilation %" G_GINT64_FORMAT "x%"
        G_GINT64_FORMAT " is not supported (only 1)", v[0],
        k > 1 ? v[1] : v[0]);
  k = ocl_attr_ints (node, "strides", v, 4);
  sh = k >= 1 ? v[0] : 1;
  sw = k >= 2 ? v[1] : sh;
  k = ocl_attr_ints (node, "pads", p, 4);
  if (k != -1 && k != 0 && k != 4)
    return OCL_UNSUPPORTED (im, "pads must have 4 entries");
  if (kh > OCL_MAX_WINDOW || kw > OCL_MAX_WINDOW || sh <= 0 || sw <= 0
      || sh > OCL_MAX_WINDOW || sw > OCL_MAX_WINDOW)
    return OCL_UNSUPPORTED (im, "kernel %" G_GINT64_FORMAT "x%"
        G_GINT64_FORMAT " or stride %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
        " is out of range (1 to %d)", kh, kw, sh, sw, OCL_MAX_WINDOW);
  for (int j = 0; j < 4; j++)
    if (p[j] < 0 || p[j] > OCL_MAX_WINDOW)
      return OCL_UNSUPPORTED (im, "pad %" G_GINT64_FORMAT " is out of range "
          "(0 to %d)", p[j], OCL_MAX_WINDOW);
  n->kh = dil ? (kh - 1) * dil[0] + 1 : kh;
  n->kw = dil ? (kw - 1) * dil[1] + 1 : kw;
  if (n->kh > OCL_MAX_WINDOW || n->kw > OCL_MAX_WINDOW)
    return OCL_UNSUPPORTED (im, "the dilated kernel is larger than %d",
        OCL_MAX_WINDOW);
  n->sh = sh;
  n->sw = sw;
  n->pt = p[0];
  n->pl = p[1];
  n->pb = p[2];
  n->pr = p[3];
  if (g_str_has_prefix (auto_pad, "SAME")) {
    int oh = (x->h + n->sh - 1) / n->sh, ow = (x->w + n->sw - 1) / n->sw;
    int ph = MAX (0, (oh - 1) * n->sh + n->kh - x->h);
    int pw = MAX (0, (ow - 1) * n->sw + n->kw - x->w);
    gboolean upper = strcmp (auto_pad, "SAME_UPPER") == 0;
    n->pt = upper ? ph / 2 : ph - ph / 2;
    n->pb = ph - n->pt;
    n->pl = upper ? pw / 2 : pw - pw / 2;
    n->pr = pw - n->pl;
  } else if (strcmp (auto_pad, "VALID") == 0)
    n->pt = n->pl = n->pb = n->pr = 0;
  else if (strcmp (auto_pad, "NOTSET") != 0)
    return OCL_UNSUPPORTED (im, "auto_pad '%s' is not supported", auto_pad);
  return TRUE;
}

/* A weight the model owns is borrowed, not copied: ResNet-50's is 98 MB. */
static void
set_weight (OclNode * n, const OclConst * w)
{
  n->weight_raw = w->raw;
  n->weight = w->raw ? NULL : g_memdup2 (w->f, w->n * sizeof (float));
}

/* A convolution's groups and bias against its input @x and weight @w
 * ([OC][IC / group][...]): the input's channels and the outputs split
 * evenly in @group, each output reading w->dims[1] inputs of its group. */
static gboolean
conv_operands_ok (OclImport * im, int x, const OclConst * w,
    const OclConst * b, gint64 group)
{
  if (group < 1 || group > w->dims[0] || w->dims[0] % group != 0
      || (gint64) ocl_import_value (im, x)->c != w->dims[1] * group)
    return OCL_UNSUPPORTED (im, "group=%" G_GINT64_FORMAT " does not split "
        "%d input channels and %" G_GINT64_FORMAT " outputs evenly with %"
        G_GINT64_FORMAT " inputs per output", group, ocl_import_value (im,
            x)->c, w->dims[0], w->dims[1]);
  if (b && (b->dtype != OCL_DT_FLOAT || b->n != (gsize) w->dims[0]))
    return OCL_UNSUPPORTED (im, "the bias does not have %d entries",
        (int) w->dims[0]);
  return TRUE;
}

/* A dilated convolution as a plain one: @w's taps spread @dil apart in a
 * kernel of (k - 1) * dil + 1 with zeros between (the output is the same
 * sum, term by term).  SK-ResNet's second path is a 3 x 3 dilated by 2:
 * a 5 x 5 of 9 non-zero taps, 2.8 times the work of the 3 x 3, run by the
 * direct kernels.  Returns: (transfer full) the new weight. */
static OclConst *
dilate_weight (OclImport * im, OclConst * w, const gint64 * dil)
{
  gint64 dims[4] = { w->dims[0], w->dims[1], (w->dims[2] - 1) * dil[0] + 1,
    (w->dims[3] - 1) * dil[1] + 1
  };
  const float *src = ocl_const_floats (w);
  OclConst *o = ocl_import_const_new (im, OCL_DT_FLOAT, 4, dims);

  if (o == NULL)
    return NULL;
  memset (o->f, 0, o->n * sizeof (float));
  for (gint64 oc = 0; oc < dims[0] * dims[1]; oc++)
    for (gint64 y = 0; y < w->dims[2]; y++)
      for (gint64 x = 0; x < w->dims[3]; x++)
        o->f[(oc * dims[2] + y * dil[0]) * dims[3] + x * dil[1]] =
            src[(oc * w->dims[2] + y) * w->dims[3] + x];
  return o;
}

/* Convolution node @i's channels, weight and bias, and its output. */
static gboolean
conv_finish (OclImport * im, int i, const OclConst * w, OclConst * b,
    gint64 group)
{
  OclNode *n = OCL_NODE (im->g, i);

  n->oc = w->dims[0];
  n->ic = w->dims[1] * group;
  n->group = group;
  set_weight (n, w);
  n->bias = b ? g_memdup2 (ocl_const_floats (b), b->n * sizeof (float)) : NULL;
  return ocl_import_finish_node (im, i);
}

/* A 1-D convolution over an N x C x L tensor (held as N x C x 1 x L), as
 * ECA runs one across the channels: a 2-D one of a 1 x K kernel. */
static gboolean
import_conv1d (OclImport * im, int x, OclConst * w, OclConst * b, gint64 group)
{
  Onnx__NodeProto *node = im->node;
  g_autofree char *auto_pad = ocl_attr_string (node, "auto_pad", "NOTSET");
  gint64 v[4], k = w->dims[2], s = 1, p[2] = { 0, 0 };
  OclNode *n;
  int i, c;

  if (ocl_attr_ints (node, "kernel_shape", v, 4) == 1)
    k = v[0];
  if (k != w->dims[2])
    return OCL_UNSUPPORTED (im, "kernel_shape disagrees with the weight");
  if ((c = ocl_attr_ints (node, "dilations", v, 4)) > 0 && v[0] != 1)
    return OCL_UNSUPPORTED (im, "dilation %" G_GINT64_FORMAT " is not "
        "supported (only 1)", v[0]);
  if ((c = ocl_attr_ints (node, "strides", v, 4)) >= 1)
    s = v[0];
  c = ocl_attr_ints (node, "pads", p, 2);
  if (c != -1 && c != 0 && c != 2)
    return OCL_UNSUPPORTED (im, "pads must have 2 entries");
  if (strcmp (auto_pad, "NOTSET") != 0 && strcmp (auto_pad, "VALID") != 0)
    return OCL_UNSUPPORTED (im, "auto_pad=%s is not supported for 1-D "
        "convolution", auto_pad);
  if (s <= 0 || s > OCL_MAX_WINDOW || k > OCL_MAX_WINDOW || p[0] < 0
      || p[1] < 0 || p[0] > OCL_MAX_WINDOW || p[1] > OCL_MAX_WINDOW)
    return OCL_UNSUPPORTED (im, "kernel %" G_GINT64_FORMAT ", stride %"
        G_GINT64_FORMAT " or pads out of range", k, s);
  if (!conv_operands_ok (im, x, w, b, group))
    return FALSE;
  i = ocl_import_new_node (im, OCL_OP_CONV, x);
  n = OCL_NODE (im->g, i);
  n->kh = n->sh = 1;
  n->kw = k;
  n->sw = s;
  n->pl = p[0];
  n->pr = p[1];
  return conv_finish (im, i, w, b, group);
}

gboolean
ocl_op_conv (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  gint64 group = ocl_attr_int (im->node, "group", 1);
  OclConst *w = n_in > 1 ? in[1] : NULL, *b = n_in > 2 ? in[2] : NULL;
  gint64 dil[2];
  OclNode *n;
  int i;

  if (!ocl_import_need_const (im, w, "weight"))
    return FALSE;
  if (w->rank == 3 && ocl_import_value (im, x)->rank == 3 && w->n > 0)
    return import_conv1d (im, x, w, b, group);
  if (w->rank != 4 || w->n == 0)
    return OCL_UNSUPPORTED (im, "the weight has rank %d or no elements; 2-D "
        "convolution with a 4-D weight (or 1-D with a 3-D one) is supported",
        w->rank);
  if (!conv_operands_ok (im, x, w, b, group))
    return FALSE;
  i = ocl_import_new_node (im, OCL_OP_CONV, x);
  n = OCL_NODE (im->g, i);
  if (!read_window (im, n, ocl_import_value (im, x), w->dims[2], w->dims[3],
          dil))
    return FALSE;
  if (n->kh != (w->dims[2] - 1) * dil[0] + 1
      || n->kw != (w->dims[3] - 1) * dil[1] + 1)
    return OCL_UNSUPPORTED (im, "kernel_shape disagrees with the weight");
  if (dil[0] > 1 || dil[1] > 1) {
    /* The node copies the weight it is given. */
    OclConst *spread = dilate_weight (im, w, dil);
    gboolean ok = spread && conv_finish (im, i, spread, b, group);
    ocl_const_free (spread);
    return ok;
  }
  return conv_finish (im, i, w, b, group);
}

/* Extracts per-channel values of a constant that broadcasts against a value
 * with @c channels in NCHW (or N x K): a scalar, [C], [1,C], [C,1,1] or
 * [1,C,1,1].  Returns a new array of @c floats, or NULL. */
static float *
per_channel (OclConst * k, int rank, int c)
{
  const float *f;
  int chan_dim;
  float *out;

  if (k == NULL || k->dtype != OCL_DT_FLOAT || k->n == 0)
    return NULL;
  f = ocl_const_floats (k);
  if (k->n == 1) {
    out = g_new (float, c);
    for (int i = 0; i < c; i++)
      out[i] = f[0];
    return out;
  }
  if (k->n != (gsize) c)
    return NULL;
  /* The channel axis is 1 in NCHW (and N x K); from the right it is
   * rank-2 (rank 4: third from last; rank 2: last). */
  chan_dim = k->rank - (rank - 1);
  if (chan_dim < 0 || k->dims[chan_dim] != c)
    return NULL;
  return g_memdup2 (f, c * sizeof (float));
}

/* x + k, x - k, x * k, x / k for a per-channel constant k. */
static gboolean
import_affine_const (OclImport * im, int x, OclConst * k)
{
  const char op = im->op->arith;
  OclValue *v = ocl_import_value (im, x);
  float *p = per_channel (k, v->rank, v->c);
  /* A gate Expand broadcast (only a Mul reaches here with one) stays
   * broadcast: a per-channel product of it is the broadcast of the
   * product. */
  const int bh = v->bh, bw = v->bw;
  OclNode *n;
  int i;

  if (p == NULL)
    return OCL_UNSUPPORTED (im, "a constant operand of shape other than "
        "per-channel is not supported");
  i = ocl_import_new_node (im, OCL_OP_AFFINE, x);
  n = OCL_NODE (im->g, i);
  n->oc = v->c;
  if (op == 'A')
    n->shift = p;
  else if (op == 'S') {
    for (int c = 0; c < v->c; c++)
      p[c] = -p[c];
    n->shift = p;
  } else if (op == 'M')
    n->scale = p;
  else {
    /* x / k as x * (1 / k), the reciprocal rounded once from double,
     * unless a float cannot hold it (k subnormal: 1 / 1e-40 is 1e40):
     * then the node divides. */
    for (int c = 0; c < v->c; c++)
      n->divide |= isfinite (p[c]) && p[c] != 0.0f
          && fabs (1.0 / p[c]) > FLT_MAX;
    for (int c = 0; c < v->c && !n->divide; c++)
      p[c] = (float) (1.0 / p[c]);
    n->scale = p;
  }
  if (!ocl_import_finish_node (im, i))
    return FALSE;
  n = OCL_NODE (im->g, i);
  OCL_VALUE (im->g, n->out)->bh = bh;
  OCL_VALUE (im->g, n->out)->bw = bw;
  return TRUE;
}

gboolean
ocl_op_arith (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  int i;

  if (n_in != 2)
    return OCL_UNSUPPORTED (im, "it needs 2 inputs");
  if (vin[0] < 0)               /* Add (k, x): commutative */
    return import_affine_const (im, x, in[0]);
  if (vin[1] < 0)
    return import_affine_const (im, x, in[1]);
  if (im->op->arith == 'M') {
    /* x * gate or gate * x: the operand with the larger map first.  A gate
     * Expand broadcast to H x W must meet a map of that H x W. */
    const OclValue *a = ocl_import_value (im, vin[0]), *b =
        ocl_import_value (im, vin[1]);
    gboolean swap = (gsize) a->h * a->w < (gsize) b->h * b->w;
    const OclValue *big = swap ? b : a, *gate = swap ? a : b;
    if (big->bh || (gate->bh && (gate->bh != big->h || gate->bw != big->w)))
      return OCL_UNSUPPORTED (im, "an Expand's output multiplied by a "
          "tensor of another shape is not supported");
    i = ocl_import_new_node (im, OCL_OP_MUL, swap ? vin[1] : vin[0]);
    OCL_NODE (im->g, i)->in[1] = swap ? vin[0] : vin[1];
    OCL_NODE (im->g, i)->n_in = 2;
    return ocl_import_finish_node (im, i);
  }
  if (im->op->arith != 'A')
    return OCL_UNSUPPORTED (im, "%s of two run-time tensors is not "
        "supported", im->node->op_type);
  i = ocl_import_new_node (im, OCL_OP_ADD, x);
  OCL_NODE (im->g, i)->in[1] = vin[1];
  OCL_NODE (im->g, i)->n_in = 2;
  return ocl_import_finish_node (im, i);
}

/* Sum: of one input, that input; of two, Add; of more, run-time tensors
 * added left to right (each Add may fuse into the convolution producing
 * one of its operands, as a residual add does). */
gboolean
ocl_op_sum (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  int acc;

  if (n_in == 1)
    return ocl_op_identity (im, x, in, vin, n_in);
  if (n_in == 2)
    return ocl_op_arith (im, x, in, vin, n_in);
  for (int k = 0; k < n_in; k++)
    if (vin[k] < 0)
      return OCL_UNSUPPORTED (im, "a Sum of %d inputs with constants among "
          "them is not supported (of run-time tensors only)", n_in);
  acc = vin[0];
  for (int k = 1; k < n_in; k++) {
    g_autofree char *suffix = k + 1 < n_in ? g_strdup_printf ("#sum%d", k) :
        g_strdup ("");
    int i = ocl_import_add_node (im, OCL_OP_ADD, acc, vin[k]);
    if ((acc = ocl_import_infer_node (im, i, suffix)) < 0)
      return FALSE;
  }
  ocl_import_define_value (im, im->node->output[0], acc);
  return TRUE;
}

/* Sigmoid, and HardSigmoid: clamp (alpha x + beta, 0, 1). */
gboolean
ocl_op_sigmoid (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  int i = ocl_import_new_node (im, OCL_OP_SIGMOID, x);
  OclNode *n = OCL_NODE (im->g, i);

  if (strcmp (im->node->op_type, "HardSigmoid") == 0) {
    n->hard = TRUE;
    n->alpha = ocl_attr_float (im->node, "alpha", 0.2f);
    n->beta = ocl_attr_float (im->node, "beta", 0.5f);
    if (!isfinite (n->alpha) || !isfinite (n->beta))
      return OCL_MALFORMED (im, "alpha and beta must be finite");
  }
  return ocl_import_finish_node (im, i);
}

gboolean
ocl_op_batchnorm (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  float eps = ocl_attr_float (im->node, "epsilon", 1e-5f);
  int c = ocl_import_value (im, x)->c;
  OclNode *n;
  int i;

  if (ocl_attr_int (im->node, "training_mode", 0))
    return OCL_UNSUPPORTED (im, "training_mode=1 is not supported");
  /* Opsets 7 and 8: spatial=0 normalises every element on its own. */
  if (im->model->opset < 9 && ocl_attr_int (im->node, "spatial", 1) != 1)
    return OCL_UNSUPPORTED (im, "spatial=0 is not supported (per-channel "
        "statistics only)");
  if (n_in < 5)
    return OCL_UNSUPPORTED (im, "it needs 5 inputs");
  for (int k = 1; k < 5; k++) {
    if (!ocl_import_need_const (im, in[k], "scale, bias, mean and variance"))
      return FALSE;
    if (in[k]->n != (gsize) c)
      return ocl_import_error (im, OCL_ERROR_SHAPE, "parameters have %"
          G_GSIZE_FORMAT " entries, the input has %d channels", in[k]->n, c);
  }
  i = ocl_import_new_node (im, OCL_OP_AFFINE, x);
  n = OCL_NODE (im->g, i);
  n->oc = c;
  n->scale = g_new (float, c);
  n->shift = g_new (float, c);
  for (int k = 0; k < c; k++) {
    double s = ocl_const_get (in[1], k) / sqrt (ocl_const_get (in[4], k) + eps);
    n->scale[k] = s;
    n->shift[k] = ocl_const_get (in[2], k) - ocl_const_get (in[3], k) * s;
  }
  return ocl_import_finish_node (im, i);
}

/* PRelu with a per-channel (or single) slope, as face-recognition
 * ResNets (IResNet, ArcFace) have after their convolutions. */
gboolean
ocl_op_prelu (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  float *slope;
  OclNode *n;
  int i;

  if (!ocl_import_need_const (im, n_in > 1 ? in[1] : NULL, "slope"))
    return FALSE;
  slope = per_channel (in[1], v->rank, v->c);
  if (slope == NULL)
    return OCL_UNSUPPORTED (im, "a slope of shape other than one value a "
        "channel (or one in all) is not supported");
  i = ocl_import_new_node (im, OCL_OP_PRELU, x);
  n = OCL_NODE (im->g, i);
  n->oc = v->c;
  n->scale = slope;
  return ocl_import_finish_node (im, i);
}

gboolean
ocl_op_relu (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  return ocl_import_finish_node (im, ocl_import_new_node (im, OCL_OP_RELU, x));
}

static gboolean
import_pool (OclImport * im, int x, OclOpType op)
{
  gint64 dil[2] = { 1, 1 };
  OclNode *n;
  int i;

  if (im->node->n_output > 1 && im->node->output[1][0])
    return OCL_UNSUPPORTED (im, "the indices output is not supported");
  if (ocl_attr_int (im->node, "storage_order", 0) != 0)
    return OCL_UNSUPPORTED (im, "storage_order=1 is not supported");
  i = ocl_import_new_node (im, op, x);
  n = OCL_NODE (im->g, i);
  /* Max pooling takes its dilation (its taps dh, dw apart); average
   * pooling has none before opset 19 and is refused one. */
  if (!read_window (im, n, ocl_import_value (im, x), -1, -1,
          op == OCL_OP_MAXPOOL ? dil : NULL))
    return FALSE;
  n->dh = dil[0];
  n->dw = dil[1];
  n->ceil_mode = ocl_attr_int (im->node, "ceil_mode", 0) != 0;
  n->count_include_pad = ocl_attr_int (im->node, "count_include_pad", 0) != 0;
  return ocl_import_finish_node (im, i);
}

gboolean
ocl_op_maxpool (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  return import_pool (im, x, OCL_OP_MAXPOOL);
}

gboolean
ocl_op_avgpool (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  return import_pool (im, x, OCL_OP_AVGPOOL);
}

gboolean
ocl_op_global_avgpool (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  return ocl_import_finish_node (im, ocl_import_new_node (im,
          OCL_OP_GLOBALAVGPOOL, x));
}

/* ReduceMean over H and W: global average pooling.  The axes are an
 * attribute before opset 18 and an input from 18; none means every axis,
 * or nothing at all with noop_with_empty_axes=1. */
gboolean
ocl_op_reduce_mean (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  const gboolean keep = ocl_attr_int (im->node, "keepdims", 1) != 0;
  gboolean seen[OCL_MAX_RANK] = { FALSE };
  gint64 axes[OCL_MAX_RANK];
  int na, i;

  if (im->model->opset >= 18) {
    if (n_in >= 2 && vin[1] >= 0)
      return OCL_UNSUPPORTED (im, "its axes must be constant");
    na = n_in >= 2 && in[1] ? ocl_const_ints (in[1], axes, OCL_MAX_RANK) : 0;
  } else
    na = MAX (ocl_attr_ints (im->node, "axes", axes, OCL_MAX_RANK), 0);
  if (na > OCL_MAX_RANK)
    return OCL_MALFORMED (im, "%d axes for a %d-D tensor", na, v->rank);
  if (na == 0) {
    if (im->model->opset >= 18
        && ocl_attr_int (im->node, "noop_with_empty_axes", 0)) {
      ocl_import_define_value (im, im->node->output[0], x);
      return TRUE;
    }
    for (int d = 0; d < v->rank; d++)
      axes[na++] = d;
  }
  for (int k = 0; k < na; k++) {
    int d = ocl_norm_axis (axes[k], v->rank);
    if (d < 0)
      return OCL_MALFORMED (im, "axis %" G_GINT64_FORMAT " is out of range "
          "for a %d-D tensor", axes[k], v->rank);
    if (seen[d])
      return OCL_MALFORMED (im, "axis %" G_GINT64_FORMAT " is repeated",
          axes[k]);
    seen[d] = TRUE;
  }
  if (v->rank != 4 || seen[0] || seen[1] || (!seen[2] && v->h != 1)
      || (!seen[3] && v->w != 1))
    return OCL_UNSUPPORTED (im, "a mean over other axes than H and W of an "
        "N x C x H x W tensor is not supported");
  if (!keep && !(seen[2] && seen[3]))
    return OCL_UNSUPPORTED (im, "keepdims=0 is supported for the mean over "
        "both H and W only");
  i = ocl_import_new_node (im, OCL_OP_GLOBALAVGPOOL, x);
  if (keep)
    return ocl_import_finish_node (im, i);
  {
    /* N x C: the pooled N x C x 1 x 1 under another name, rank 2. */
    g_autofree char *name = g_strconcat (im->node->output[0], "#pooled",
        NULL);
    gint64 dims[2] = { v->n, v->c };
    if (!ocl_graph_infer_node (im->g, i, name, im->error))
      return FALSE;
    return ocl_import_reshape_to (im, OCL_NODE (im->g, i)->out, 2, dims);
  }
}

/* Gemm and MatMul: a 1x1 convolution of an N x K input. */
gboolean
ocl_op_gemm (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  gboolean matmul = strcmp (im->node->op_type, "MatMul") == 0;
  gboolean trans_b = matmul ? FALSE : ocl_attr_int (im->node, "transB", 0);
  float alpha = matmul ? 1.0f : ocl_attr_float (im->node, "alpha", 1.0f);
  float beta = matmul ? 1.0f : ocl_attr_float (im->node, "beta", 1.0f);
  OclConst *b = n_in > 1 ? in[1] : NULL, *c = n_in > 2 ? in[2] : NULL;
  OclValue *v = ocl_import_value (im, x);
  int K, M, i;
  OclNode *n;

  if (v->rank != 2)
    return OCL_UNSUPPORTED (im, "its input must be 2-D (N x K), it is %d-D",
        v->rank);
  if (!matmul && ocl_attr_int (im->node, "transA", 0))
    return OCL_UNSUPPORTED (im, "transA=1 is not supported");
  if (!ocl_import_need_const (im, b, "weight"))
    return FALSE;
  if (b->rank != 2 || b->n == 0)
    return OCL_UNSUPPORTED (im, "its weight must be 2-D and not empty");
  K = trans_b ? b->dims[1] : b->dims[0];
  M = trans_b ? b->dims[0] : b->dims[1];
  i = ocl_import_new_node (im, OCL_OP_CONV, x);
  n = OCL_NODE (im->g, i);
  n->kh = n->kw = 1;
  n->ic = K;
  n->oc = M;
  if (trans_b && alpha == 1.0f) {
    set_weight (n, b);
  } else {
    const float *f = ocl_const_floats (b);
    n->weight = g_new (float, b->n);
    for (int m = 0; m < M; m++)
      for (int k = 0; k < K; k++)
        n->weight[(gsize) m * K + k] = alpha *
            (trans_b ? f[(gsize) m * K + k] : f[(gsize) k * M + m]);
  }
  if (c) {
    if (!ocl_import_need_const (im, c, "bias"))
      return FALSE;
    n->bias = per_channel (c, 2, M);
    if (n->bias == NULL)
      return OCL_UNSUPPORTED (im, "its bias does not broadcast to %d "
          "outputs", M);
    for (int m = 0; m < M; m++)
      n->bias[m] *= beta;
  }
  return ocl_import_finish_node (im, i);
}

/* QuantizeLinear of the image data: nothing runs yet; the DequantizeLinear
 * that reads its output makes one quantize-dequantize node (the QDQ
 * format's activations, as onnxruntime's int8 run rounds them). */
gboolean
ocl_op_quantize (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  OclQuant *q = g_new0 (OclQuant, 1);

  if (n_in > 2 && vin[2] >= 0) {
    g_free (q);
    return OCL_UNSUPPORTED (im, "its zero point must be constant");
  }
  if (ocl_attr_int (im->node, "output_dtype", 0) != 0) {
    g_free (q);
    return OCL_UNSUPPORTED (im, "output_dtype is not supported (the zero "
        "point's type is)");
  }
  if (!ocl_import_quant_params (im, in, n_in, ocl_import_value (im, x)->rank,
          ocl_import_value (im, x)->c, &q->n, &q->scale, &q->zero, &q->qmin,
          &q->qmax)) {
    g_free (q);
    return FALSE;
  }
  q->value = x;
  ocl_import_define_quant (im, im->node->output[0], q);
  return TRUE;
}

/* DynamicQuantizeLinear: as QuantizeLinear, nothing runs yet; the
 * dequantization of its output (onnx-quantized.c makes one for the
 * integer operators that read it) runs the quantization with the range
 * found at run time.  Its scale and zero point are not run-time values:
 * only the integer operators' pattern, rewritten, reads them. */
gboolean
ocl_op_dynamic_quantize (OclImport * im, int x, OclConst ** in,
    const int *vin, int n_in)
{
  OclQuant *q = g_new0 (OclQuant, 1);

  q->value = x;
  q->dynamic = TRUE;
  q->qmin = 0.0f;
  q->qmax = 255.0f;
  ocl_import_define_quant (im, im->node->output[0], q);
  return TRUE;
}

/* DequantizeLinear of a QuantizeLinear's output: one node, in float. */
gboolean
ocl_op_dequantize (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  const OclQuant *q = im->quant_in;
  const int c = ocl_import_value (im, x)->c;
  float *scale = NULL, *zero = NULL, qmin, qmax;
  OclNode *node;
  int n, i;

  if (q == NULL)
    return OCL_UNSUPPORTED (im, "dequantizing a run-time tensor that no "
        "QuantizeLinear made is not supported (integer image data)");
  if (q->dynamic) {
    if (n_in > 1 && (in[1] || vin[1] >= 0))
      return OCL_UNSUPPORTED (im, "DynamicQuantizeLinear's output is "
          "dequantized with its own scale only");
    i = ocl_import_new_node (im, OCL_OP_DYNQUANT, x);
    return ocl_import_finish_node (im, i);
  }
  if (!ocl_import_quant_params (im, in, n_in, ocl_import_value (im, x)->rank, c,
          &n, &scale, &zero, &qmin, &qmax))
    return FALSE;
  i = ocl_import_new_node (im, OCL_OP_FAKEQUANT, x);
  node = OCL_NODE (im->g, i);
  node->oc = c;
  node->alpha = q->qmin;
  node->beta = q->qmax;
  node->scale = g_new (float, 4 * (gsize) c);
  for (int k = 0; k < c; k++) {
    node->scale[k] = q->scale[q->n == 1 ? 0 : k];
    node->scale[c + k] = q->zero[q->n == 1 ? 0 : k];
    node->scale[2 * c + k] = scale[n == 1 ? 0 : k];
    node->scale[3 * c + k] = zero[n == 1 ? 0 : k];
  }
  g_free (scale);
  g_free (zero);
  return ocl_import_finish_node (im, i);
}

gboolean
ocl_op_reduce_sum (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  return OCL_UNSUPPORTED (im, "ReduceSum of the image data is supported "
      "only over the paths of a selective-kernel stack");
}

/* Softmax over axis @axis: from opset 13 that axis alone, before it the
 * dimensions from @axis on, flattened.  Run when what one softmax spans is
 * the channels of an N x C (x 1 x 1) tensor, or a single value (a size-1
 * axis: every output is exp (x - x) / exp (x - x), one, or NaN where x is
 * not finite, as onnxruntime computes it). */
gboolean
ocl_op_softmax (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 d[4], span = 1;
  gint64 axis = ocl_attr_int (im->node, "axis",
      im->model->opset >= 13 ? -1 : 1);
  int rank = ocl_import_logical_dims (v, d), a = ocl_norm_axis (axis, rank), i;

  if (a < 0)
    return OCL_MALFORMED (im, "axis %" G_GINT64_FORMAT " is out of range "
        "for a %d-D tensor", axis, rank);
  for (int k = a; k < (im->model->opset >= 13 ? a + 1 : rank); k++)
    span *= d[k];
  if (span != 1 && !(a == 1 && span == v->c))
    return OCL_UNSUPPORTED (im, "softmax over axis %" G_GINT64_FORMAT " of a "
        "%d-D tensor (%" G_GINT64_FORMAT " values at a time) is not "
        "supported: over the channels of an N x C tensor only", axis, rank,
        span);
  i = ocl_import_new_node (im, OCL_OP_SOFTMAX, x);
  /* One value at a time: the softmax of each channel alone. */
  if (span == 1)
    OCL_NODE (im->g, i)->softmax_step = v->c;
  return ocl_import_finish_node (im, i);
}
