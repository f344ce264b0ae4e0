/* The graph IR: shape inference and the fusion passes.
 *
 * Fusion moves a producer into its single consumer's slot ("absorbs" it), so
 * a fused convolution runs where the last of the ops it replaces ran: a
 * residual add fused into conv2 therefore still runs after the shortcut
 * branch that produces its second operand. */
#include <string.h>
#include "ocl-private.h"

OclGraph *
ocl_graph_new (void)
{
  OclGraph *g = g_new0 (OclGraph, 1);

  g->values = g_array_new (FALSE, TRUE, sizeof (OclValue));
  g->nodes = g_array_new (FALSE, TRUE, sizeof (OclNode));
  g->input = -1;
  g->outputs = g_array_new (FALSE, TRUE, sizeof (OclGraphOutput));
  return g;
}

static void
node_clear (OclNode * n)
{
  g_free (n->name);
  ocl_node_drop_weight (n);
  g_free (n->bias);
  g_free (n->scale);
  g_free (n->shift);
  g_free (n->quant[0]);
  g_free (n->quant[1]);
}

void
ocl_graph_free (OclGraph * g)
{
  if (g == NULL)
    return;
  for (guint i = 0; i < g->nodes->len; i++)
    node_clear (OCL_NODE (g, i));
  for (guint i = 0; i < g->values->len; i++)
    g_free (OCL_VALUE (g, i)->name);
  for (guint i = 0; i < g->outputs->len; i++)
    g_free (OCL_GRAPH_OUTPUT (g, i)->name);
  g_array_unref (g->outputs);
  g_array_unref (g->nodes);
  g_array_unref (g->values);
  g_free (g);
}

int
ocl_graph_add_value (OclGraph * g, const char *name, int rank, int n, int c,
    int h, int w)
{
  OclValue v = { g_strdup (name), rank, n, c, h, w, -1, -1, 0, 0 };

  g_array_append_val (g->values, v);
  return g->values->len - 1;
}

void
ocl_graph_add_output (OclGraph * g, int value, const char *name, gboolean half)
{
  OclGraphOutput o = { value, g_strdup (name), half };

  g_array_append_val (g->outputs, o);
}

int
ocl_graph_add_node (OclGraph * g, OclOpType op, const char *name,
    const char *onnx_op)
{
  OclNode n = { 0 };

  n.op = op;
  n.name = g_strdup (name);
  n.onnx_op = onnx_op;
  n.out = -1;
  n.residual = -1;
  n.res_stride = 1;
  n.sh = n.sw = 1;
  g_array_append_val (g->nodes, n);
  return g->nodes->len - 1;
}

#define SHAPE_ERROR(...) \
  G_STMT_START { \
    g_autofree char *msg_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, OCL_ERROR, OCL_ERROR_SHAPE, "node '%s' (%s): %s", \
        node->name, node->onnx_op, msg_); \
    return FALSE; \
  } G_STMT_END

gboolean
ocl_graph_infer_node (OclGraph * g, int idx, const char *out_name,
    GError ** error)
{
  OclNode *node = OCL_NODE (g, idx);
  OclValue o = *OCL_VALUE (g, node->in[0]);
  int v;

  {
    g_autofree char *why = ocl_exec_op (node->op)->infer (g, node, &o);
    if (why)
      SHAPE_ERROR ("%s", why);
  }
  /* Every run-time tensor is allocated on the device: not empty, and not
   * beyond the limit (products in 64 bits; each factor is below 2^31). */
  if (o.n <= 0 || o.c <= 0 || o.h <= 0 || o.w <= 0
      || (guint64) o.n * o.c > OCL_MAX_VALUE_ELEMENTS
      || (guint64) o.n * o.c * o.h > OCL_MAX_VALUE_ELEMENTS
      || (guint64) o.n * o.c * o.h * o.w > OCL_MAX_VALUE_ELEMENTS)
    SHAPE_ERROR ("its output %dx%dx%dx%d is empty or larger than %"
        G_GSIZE_FORMAT " elements", o.n, o.c, o.h, o.w, OCL_MAX_VALUE_ELEMENTS);
  v = ocl_graph_add_value (g, out_name, o.rank, o.n, o.c, o.h, o.w);
  node = OCL_NODE (g, idx);
  node->out = v;
  OCL_VALUE (g, v)->producer = idx;
  return TRUE;
}

int *
ocl_graph_count_uses (const OclGraph * g)
{
  int *uses = g_new0 (int, g->values->len);

  for (guint i = 0; i < g->nodes->len; i++) {
    const OclNode *n = &g_array_index (g->nodes, OclNode, i);
    if (n->dead)
      continue;
    for (int k = 0; k < n->n_in; k++)
      uses[n->in[k]]++;
    if (n->residual >= 0)
      uses[n->residual]++;
  }
  for (guint i = 0; i < g->outputs->len; i++)
    uses[OCL_GRAPH_OUTPUT (g, i)->value]++;
  return uses;
}

/* The live node producing value @v, or NULL for the graph input. */
static OclNode *
producer (OclGraph * g, int v)
{
  int p = OCL_VALUE (g, v)->producer;
  return p < 0 ? NULL : OCL_NODE (g, p);
}

/* Moves node @from into the slot of node @to, which it replaces: the moved
 * node keeps its own name and inputs and takes over @to's output. */
static void
absorb (OclGraph * g, int from, int to)
{
  OclNode *src = OCL_NODE (g, from);
  OclNode *dst = OCL_NODE (g, to);
  int out = dst->out;

  node_clear (dst);
  *dst = *src;
  dst->out = out;
  OCL_VALUE (g, out)->producer = to;
  memset (src, 0, sizeof (*src));
  src->dead = TRUE;
  src->out = -1;
}

/* Drops the node producing value @v (its consumer has taken it over). */
static void
remove_producer (OclGraph * g, int v)
{
  int pi = OCL_VALUE (g, v)->producer;
  OclNode *p = OCL_NODE (g, pi);

  node_clear (p);
  memset (p, 0, sizeof (*p));
  p->dead = TRUE;
}

static gboolean
is_conv_without_epilogue (OclNode * p)
{
  return p && p->op == OCL_OP_CONV && !p->relu && p->residual < 0
      && !p->quant[0] && !p->quant[1];
}

/* A node whose epilogue can still take a residual add: a convolution
 * with nothing in it past the first quantize-dequantize pass, or a Mul
 * (the squeeze-excitation gate x * s before the block's add). */
static gboolean
takes_residual (OclNode * p)
{
  return p && (ocl_exec_op (p->op)->epilogue & OCL_EPI_RESIDUAL) && !p->relu
      && p->residual < 0 && !p->quant[1];
}

/* Zero spatial Pad → Conv: widen the convolution's padding. */
static gboolean
fuse_pad_conv (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);
  OclNode *p = producer (g, n->in[0]);
  int v = n->in[0];

  if (n->op != OCL_OP_CONV || !p || p->op != OCL_OP_PAD || uses[p->out] != 1
      || p->pad_value != 0.0f || p->pads[0] || p->pads[1] || p->pads[4]
      || p->pads[5])
    return FALSE;
  n->pt += p->pads[2];
  n->pl += p->pads[3];
  n->pb += p->pads[6];
  n->pr += p->pads[7];
  n->in[0] = p->in[0];
  remove_producer (g, v);
  return TRUE;
}

/* Conv → BatchNorm (or a per-channel affine): scale the weights, shift the
 * bias.  Exact up to float rounding: BN(conv(x)) = s·(W*x + b) + t. */
static gboolean
fuse_affine_into_conv (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);
  OclNode *p = producer (g, n->in[0]);
  gsize per_oc;
  float *w;

  if (n->op != OCL_OP_AFFINE || n->relu || n->divide
      || !is_conv_without_epilogue (p)
      || uses[p->out] != 1)
    return FALSE;
  per_oc = (gsize) ocl_node_icg (p) * p->kh * p->kw;
  w = ocl_node_own_weight (p);
  if (p->bias == NULL)
    p->bias = g_new0 (float, p->oc);
  for (int oc = 0; oc < p->oc; oc++) {
    float s = n->scale ? n->scale[oc] : 1.0f;
    float t = n->shift ? n->shift[oc] : 0.0f;
    for (gsize k = 0; k < per_oc; k++)
      w[oc * per_oc + k] *= s;
    p->bias[oc] = p->bias[oc] * s + t;
  }
  absorb (g, OCL_VALUE (g, n->in[0])->producer, i);
  return TRUE;
}

/* Flatten of an HxW map → fully connected: an HxW convolution over the map,
 * whose weight layout [oc][c][h][w] is the FC's [oc][c*H*W + h*W + w]. */
static gboolean
fuse_flatten_fc (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);
  OclNode *p = producer (g, n->in[0]);
  OclValue *x;

  if (n->op != OCL_OP_CONV || n->kh != 1 || n->kw != 1 || n->pt || n->pl
      || n->pb || n->pr || !p || p->op != OCL_OP_FLATTEN || uses[p->out] != 1)
    return FALSE;
  x = OCL_VALUE (g, p->in[0]);
  n->ic = x->c;
  n->kh = x->h;
  n->kw = x->w;
  n->in[0] = p->in[0];
  remove_producer (g, p->out);
  return TRUE;
}

/* Slice of a Slice: one strided view (exporters slice one axis at a time,
 * so x[:, :, ::2, ::2] arrives as two nodes). */
static gboolean
fuse_slices (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);
  OclNode *p = producer (g, n->in[0]);
  int v = n->in[0];

  if (n->op != OCL_OP_SLICE || !p || p->op != OCL_OP_SLICE || uses[p->out] != 1)
    return FALSE;
  for (int d = 0; d < 4; d++) {
    n->starts[d] = p->starts[d] + n->starts[d] * p->steps[d];
    n->steps[d] *= p->steps[d];
  }
  n->in[0] = p->in[0];
  remove_producer (g, v);
  return TRUE;
}

/* Resolves @v to a view of another value when it is Pad(channels only,
 * zeros) of Slice(H and W by one stride from 0) — CIFAR option A. */
static int
residual_view (OclGraph * g, int v, const int *uses, int *stride, int *coff)
{
  OclNode *pad = producer (g, v);
  OclNode *sl;
  OclValue *src;
  int s;

  *stride = 1;
  *coff = 0;
  if (!pad || pad->op != OCL_OP_PAD || uses[v] != 1 || pad->pad_value != 0.0f
      || pad->pads[0] || pad->pads[2] || pad->pads[3] || pad->pads[4]
      || pad->pads[6] || pad->pads[7])
    return v;
  sl = producer (g, pad->in[0]);
  if (!sl || sl->op != OCL_OP_SLICE || uses[pad->in[0]] != 1)
    return v;
  src = OCL_VALUE (g, sl->in[0]);
  s = sl->steps[2];
  if (sl->steps[3] != s || sl->starts[1] || sl->steps[1] != 1
      || sl->sizes[1] != src->c || sl->starts[2] || sl->starts[3]
      || sl->sizes[2] != (src->h + s - 1) / s
      || sl->sizes[3] != (src->w + s - 1) / s)
    return v;
  *stride = s;
  *coff = pad->pads[1];
  v = sl->in[0];
  sl->dead = TRUE;
  pad->dead = TRUE;
  return v;
}

/* Add: into the convolution or Mul producing either operand (the
 * epilogue adds the other), else a standalone add that still reads
 * option-A views. */
static gboolean
fuse_add (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);

  if (n->op != OCL_OP_ADD || n->residual >= 0)
    return FALSE;
  for (int k = 0; k < 2; k++) {
    int a = n->in[k], b = n->in[1 - k];
    OclNode *p = producer (g, a);
    int stride, coff, pi;

    if (!takes_residual (p) || uses[a] != 1 || b == a)
      continue;
    pi = OCL_VALUE (g, a)->producer;
    b = residual_view (g, b, uses, &stride, &coff);
    p = OCL_NODE (g, pi);
    p->residual = b;
    p->res_stride = stride;
    p->res_coff = coff;
    absorb (g, pi, i);
    return TRUE;
  }
  {
    int stride, coff;
    int b = residual_view (g, n->in[1], uses, &stride, &coff);
    n = OCL_NODE (g, i);
    n->residual = b;
    n->res_stride = stride;
    n->res_coff = coff;
    n->n_in = 1;
  }
  return TRUE;
}

static gboolean
fuse_relu (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);
  OclNode *p = producer (g, n->in[0]);

  if (n->op != OCL_OP_RELU || !p || uses[p->out] != 1 || p->relu
      || p->quant[1] || !(ocl_exec_op (p->op)->epilogue & OCL_EPI_RELU))
    return FALSE;
  p->relu = TRUE;
  absorb (g, OCL_VALUE (g, n->in[0])->producer, i);
  return TRUE;
}

/* Conv → quantize-dequantize (the QDQ format's activations): into the
 * convolution's epilogue, as its first pass when nothing else is there yet
 * (a residual add may follow it), else as its last. */
static gboolean
fuse_quant (OclGraph * g, int i, const int *uses)
{
  OclNode *n = OCL_NODE (g, i);
  OclNode *p = producer (g, n->in[0]);
  int k;

  if (n->op != OCL_OP_FAKEQUANT || !p
      || !(ocl_exec_op (p->op)->epilogue & OCL_EPI_QUANT)
      || uses[p->out] != 1 || p->quant[1] || n->oc != p->oc)
    return FALSE;
  k = p->quant[0] || p->residual >= 0 || p->relu ? 1 : 0;
  p->quant[k] = g_steal_pointer (&n->scale);
  p->qrange[k][0] = n->alpha;
  p->qrange[k][1] = n->beta;
  absorb (g, OCL_VALUE (g, n->in[0])->producer, i);
  return TRUE;
}

/* The epilogue's fusions, tried at each node in one sweep.  Nodes come
 * after their producers, so by the time a node is reached its producer
 * has taken whatever came before it, in the epilogue's order (ocl-abi.h):
 * the quantize pass after a convolution, the residual add, the ReLU, the
 * quantize pass after them (which finds the ReLU already inside). */
static gboolean
fuse_epilogue (OclGraph * g, int i, const int *uses)
{
  return fuse_quant (g, i, uses) || fuse_add (g, i, uses)
      || fuse_relu (g, i, uses);
}

typedef gboolean (*FusePass) (OclGraph * g, int i, const int *uses);

/* One use fewer of value @v, and of the value it aliases. */
static void
drop_use (const OclGraph * g, int *uses, int v)
{
  int a = OCL_VALUE (g, v)->alias;

  uses[v]--;
  if (a >= 0 && a != v)
    uses[a]--;
}

/* Drops the nodes whose output nothing reads, through aliases too (a
 * Split's unused outputs; the channel slices a selective-kernel Reshape
 * made before its Softmax took the whole tensor).  Consumers come after
 * producers, so one sweep from the end drops a whole unused chain; the
 * sweep repeats until nothing changes (once more, in practice). */
static void
prune_unused (OclGraph * g)
{
  gboolean changed = TRUE;

  while (changed) {
    int *uses = ocl_graph_count_uses (g);

    changed = FALSE;
    for (guint v = 0; v < g->values->len; v++) {
      int a = OCL_VALUE (g, v)->alias;
      if (a >= 0 && a != (int) v)
        uses[a] += uses[v];
    }
    for (guint i = g->nodes->len; i-- > 0;) {
      OclNode *n = OCL_NODE (g, i);
      if (n->dead || n->out < 0 || uses[n->out] != 0)
        continue;
      for (int k = 0; k < n->n_in; k++)
        drop_use (g, uses, n->in[k]);
      if (n->residual >= 0)
        drop_use (g, uses, n->residual);
      remove_producer (g, n->out);
      changed = TRUE;
    }
    g_free (uses);
  }
}

void
ocl_graph_fuse (OclGraph * g)
{
  static const FusePass passes[] = {
    fuse_pad_conv, fuse_affine_into_conv, fuse_flatten_fc, fuse_slices,
    fuse_epilogue,
  };

  prune_unused (g);
  /* The use counts are counted once a pass, not once a node: a fusion
   * moves uses between nodes (the absorbed node's inputs become its
   * consumer's) and drops only values nothing reads any more, so every
   * live value keeps its count through the pass.  Linear in the nodes. */
  for (guint p = 0; p < G_N_ELEMENTS (passes); p++) {
    int *uses = ocl_graph_count_uses (g);
    for (guint i = 0; i < g->nodes->len; i++)
      if (!OCL_NODE (g, i)->dead)
        passes[p] (g, i, uses);
    g_free (uses);
  }
  ocl_graph_compact (g);
}

void
ocl_graph_compact (OclGraph * g)
{
  guint j = 0;

  for (guint i = 0; i < g->nodes->len; i++) {
    OclNode *n = OCL_NODE (g, i);
    if (n->dead) {
      node_clear (n);
      continue;
    }
    if (i != j)
      *OCL_NODE (g, j) = *n;
    OCL_VALUE (g, OCL_NODE (g, j)->out)->producer = j;
    j++;
  }
  g_array_set_size (g->nodes, j);
}
