/* Stacks: the 5-D tensors of a selective-kernel block (timm's skresnet,
 * SKNet), N x K x C x H x W, held as K rank-4 members of N x C x H x W.
 * The block, as both torch exporters write it:
 *
 *   Split (or Slice) of the input's channels into the K paths, a path
 *   each; every path's map Unsqueezed to N x 1 x C x H x W; Concat on
 *   axis 1: the stack S.  ReduceSum (S, axis 1): U, the paths' sum.  The
 *   attention on U ends in a Reshape of N x KC x 1 x 1 to N x K x C x 1 x 1
 *   and a Softmax over K: the stack A.  Mul (S, A), ReduceSum over K.
 *
 * So a stack is made by Unsqueeze (axis 1), Concat (axis 1) or Reshape
 * (N x KC x 1 x 1 to N x K x C x 1 x 1, channel slices), and taken by
 * Concat, ReduceSum (axis 1: a chain of Adds), Mul (member by member: a
 * channel gate each) and Softmax over axis 1 (of a Reshape's stack: one
 * softmax over the channels C apart of the N x KC x 1 x 1 tensor, any K,
 * then its K channel slices; the Reshape's own slices go unused and the
 * fuser drops them).  Every member is a value like any other. */
#include <string.h>
#include "onnx-import.h"

void
ocl_import_define_stack (OclImport * im, const char *name, const int *members,
    int k)
{
  OclEntry *e = g_new0 (OclEntry, 1);

  e->value = members[0];
  e->stack = g_array_new (FALSE, FALSE, sizeof (int));
  g_array_append_vals (e->stack, members, k);
  g_hash_table_replace (im->names, g_strdup (name), e);
}

/* Channels [@start, @start + @size) of @x. */
static int
channel_slice (OclImport * im, int x, int start, int size, const char *suffix)
{
  OclValue *v = OCL_VALUE (im->g, x);
  int i = ocl_import_add_node (im, OCL_OP_SLICE, x, -1);
  OclNode *n = OCL_NODE (im->g, i);
  const int dims[4] = { v->n, v->c, v->h, v->w };

  for (int d = 0; d < 4; d++) {
    n->starts[d] = 0;
    n->steps[d] = 1;
    n->sizes[d] = dims[d];
  }
  n->starts[1] = start;
  n->sizes[1] = size;
  return ocl_import_infer_node (im, i, suffix);
}

/* Split of the image data along its channels, into the sizes the node
 * gives (an attribute before opset 13, an input from 13), or evenly into
 * as many outputs (num_outputs from opset 18). */
gboolean
ocl_op_split (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = OCL_VALUE (im->g, x);
  Onnx__NodeProto *node = im->node;
  int axis = ocl_norm_axis (ocl_attr_int (node, "axis", 0), v->rank);
  int n_out = (int) MIN (node->n_output, (size_t) 64), ns, off = 0;
  gint64 sizes[64];

  if (axis != 1 || v->rank != 4)
    return OCL_UNSUPPORTED (im, "Split of the image data along axis %d is "
        "not supported (the channels only)", axis);
  if (n_out < 1 || (size_t) n_out != node->n_output)
    return OCL_MALFORMED (im, "%d outputs", (int) MIN (node->n_output,
            (size_t) G_MAXINT));
  if (im->model->opset >= 13)
    ns = n_in >= 2 && in[1] ? ocl_const_ints (in[1], sizes, 64) : -1;
  else
    ns = ocl_attr_ints (node, "split", sizes, 64);
  if (ns < 0) {
    /* Equal parts; from opset 18 (num_outputs) the last may be smaller. */
    int part = (v->c + n_out - 1) / n_out;
    if (im->model->opset < 18 ? v->c % n_out != 0 :
        (gint64) (n_out - 1) * part >= v->c)
      return OCL_MALFORMED (im, "%d channels do not split into %d %s", v->c,
          n_out, im->model->opset < 18 ? "equal parts" : "parts of "
          "ceil (C / outputs) channels, the last smaller but not empty");
    for (int k = 0; k < n_out; k++)
      sizes[k] = CLAMP (v->c - k * part, 0, part);
    ns = n_out;
  }
  if (ns != n_out)
    return OCL_MALFORMED (im, "%d split sizes for %d outputs", ns, n_out);
  for (int k = 0; k < n_out; k++) {
    if (sizes[k] < 1)
      return OCL_UNSUPPORTED (im, "output %d would have %" G_GINT64_FORMAT
          " channels; empty parts are not supported", k, sizes[k]);
    if (sizes[k] > v->c - off)
      return OCL_MALFORMED (im, "split sizes add up to more than the %d "
          "channels", v->c);
    off += sizes[k];
  }
  if (off != v->c)
    return OCL_MALFORMED (im, "split sizes add up to %d of %d channels", off,
        v->c);
  off = 0;
  for (int k = 0; k < n_out; k++) {
    g_autofree char *suffix = g_strdup_printf ("#%d", k);
    int o = channel_slice (im, x, off, sizes[k], suffix);
    if (o < 0)
      return FALSE;
    if (node->output[k] && node->output[k][0])
      ocl_import_define_value (im, node->output[k], o);
    off += sizes[k];
  }
  return TRUE;
}

/* Unsqueeze of a map at axis 1: a stack of one. */
gboolean
ocl_stack_unsqueeze (OclImport * im, int x)
{
  ocl_import_define_stack (im, im->node->output[0], &x, 1);
  return TRUE;
}

/* Reshape of N x KC x 1 x 1 (or N x KC) to N x K x C x 1 x 1: K channel
 * slices, the attention's K gates. */
gboolean
ocl_stack_reshape (OclImport * im, int x, const gint64 * dims)
{
  OclValue *v = OCL_VALUE (im->g, x);
  int k = dims[1], members[64];

  if (dims[0] != v->n || dims[3] != 1 || dims[4] != 1 || v->h != 1
      || v->w != 1 || k < 1 || k > 64 || dims[2] < 1
      || (gint64) k * dims[2] != v->c)
    return OCL_UNSUPPORTED (im, "reshaping %dx%dx%dx%d to 5 dimensions is "
        "supported only from N x KC x 1 x 1 to N x K x C x 1 x 1", v->n, v->c,
        v->h, v->w);
  for (int i = 0; i < k; i++) {
    g_autofree char *suffix = g_strdup_printf ("#%d", i);
    members[i] = channel_slice (im, x, i * dims[2], dims[2], suffix);
    if (members[i] < 0)
      return FALSE;
  }
  ocl_import_define_stack (im, im->node->output[0], members, k);
  return TRUE;
}

/* The N x KC x 1 x 1 value whose K channel slices, in order, are stack
 * @s's members (what ocl_stack_reshape () makes), or -1. */
static int
stack_source (OclImport * im, GArray * s)
{
  int x = -1;

  for (guint k = 0; k < s->len; k++) {
    const OclValue *m = OCL_VALUE (im->g, g_array_index (s, int, k));
    const OclNode *n = m->producer >= 0 ? OCL_NODE (im->g, m->producer) : NULL;
    const OclValue *v;

    if (n == NULL || n->op != OCL_OP_SLICE || (k > 0 && n->in[0] != x))
      return -1;
    x = n->in[0];
    v = OCL_VALUE (im->g, x);
    if (v->h != 1 || v->w != 1 || v->c != m->c * (int) s->len
        || n->starts[0] != 0 || n->starts[1] != (int) k * m->c
        || n->sizes[0] != v->n || n->sizes[1] != m->c || n->steps[1] != 1)
      return -1;
  }
  return x;
}

/* Each operator a stack may feed: its stacks (@stacks[k], NULL where input
 * k is not one), constants and run-time inputs as ocl_stack_import ()
 * receives them.  @s is input 0's stack, or NULL. */
typedef gboolean (*StackFunc) (OclImport * im, GArray ** stacks, GArray * s,
    OclConst ** in, int n_in);

/* Concat of stacks along the paths: one stack of all their members. */
static gboolean
stack_concat (OclImport * im, GArray ** stacks, GArray * s, OclConst ** in,
    int n_in)
{
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (int));
  gint64 axis = ocl_attr_int (im->node, "axis", G_MAXINT64);
  if (ocl_norm_axis (axis, 5) != 1)
    return OCL_UNSUPPORTED (im, "Concat of 5-D tensors along axis %"
        G_GINT64_FORMAT " is not supported (axis 1, the paths)", axis);
  for (int k = 0; k < n_in; k++) {
    if (stacks[k] == NULL)
      return OCL_UNSUPPORTED (im, "Concat of a 5-D tensor and a 4-D one");
    g_array_append_vals (all, stacks[k]->data, stacks[k]->len);
  }
  if (all->len > 64)
    return OCL_UNSUPPORTED (im, "more than 64 paths");
  for (guint k = 1; k < all->len; k++) {
    OclValue *a = OCL_VALUE (im->g, g_array_index (all, int, 0));
    OclValue *b = OCL_VALUE (im->g, g_array_index (all, int, k));
    if (a->n != b->n || a->c != b->c || a->h != b->h || a->w != b->w)
      return OCL_UNSUPPORTED (im, "paths of different shapes");
  }
  ocl_import_define_stack (im, im->node->output[0], (int *) all->data,
      all->len);
  return TRUE;
}

/* ReduceSum over the paths: their sum, a stack of one when kept. */
static gboolean
stack_reduce_sum (OclImport * im, GArray ** stacks, GArray * s,
    OclConst ** in, int n_in)
{
  gint64 axes[8];
  int na = im->model->opset >= 13 ? (n_in >= 2 && in[1] ?
      ocl_const_ints (in[1], axes, 8) : -1) : ocl_attr_ints (im->node,
      "axes", axes, 8);
  gboolean keep = ocl_attr_int (im->node, "keepdims", 1) != 0;
  int sum = g_array_index (s, int, 0);
  if (na != 1 || ocl_norm_axis (axes[0], 5) != 1)
    return OCL_UNSUPPORTED (im, "ReduceSum of a 5-D tensor is supported "
        "over axis 1 (the paths) only");
  for (guint k = 1; k < s->len; k++) {
    g_autofree char *suffix = g_strdup_printf ("#sum%u", k);
    int i = ocl_import_add_node (im, OCL_OP_ADD, sum,
        g_array_index (s, int, k));
    sum = ocl_import_infer_node (im, i, k + 1 < s->len || keep ? suffix : "");
    if (sum < 0)
      return FALSE;
  }
  if (keep)
    ocl_import_define_stack (im, im->node->output[0], &sum, 1);
  else
    ocl_import_define_value (im, im->node->output[0], sum);
  return TRUE;
}

/* Mul of two stacks, path by path (each path's map by its gate). */
static gboolean
stack_mul (OclImport * im, GArray ** stacks, GArray * s, OclConst ** in,
    int n_in)
{
  GArray *a = stacks[0], *b = stacks[1];
  int members[64];
  if (a->len != b->len || a->len > 64)
    return OCL_UNSUPPORTED (im, "Mul of stacks of %u and %u paths", a->len,
        b->len);
  for (guint k = 0; k < a->len; k++) {
    g_autofree char *suffix = g_strdup_printf ("#%u", k);
    int x = g_array_index (a, int, k), y = g_array_index (b, int, k);
    OclValue *vx = OCL_VALUE (im->g, x), *vy = OCL_VALUE (im->g, y);
    /* The map first, its gate second (as a Mul of maps does). */
    int i = (gsize) vx->h * vx->w >= (gsize) vy->h * vy->w ?
        ocl_import_add_node (im, OCL_OP_MUL, x, y) :
        ocl_import_add_node (im, OCL_OP_MUL, y, x);
    members[k] = ocl_import_infer_node (im, i, suffix);
    if (members[k] < 0)
      return FALSE;
  }
  ocl_import_define_stack (im, im->node->output[0], members, a->len);
  return TRUE;
}

/* Softmax across the paths of a stack that is one tensor's channels. */
static gboolean
stack_softmax (OclImport * im, GArray ** stacks, GArray * s, OclConst ** in,
    int n_in)
{
  gint64 axis = ocl_attr_int (im->node, "axis",
      im->model->opset >= 13 ? -1 : 1);
  const int x = stack_source (im, s);
  int members[64], i;
  /* Before opset 13, Softmax flattens the axes from @axis on into one:
   * over the paths alone only from 13. */
  if (im->model->opset < 13)
    return OCL_UNSUPPORTED (im, "Softmax of a 5-D tensor before opset 13 "
        "(which mixes the paths with the channels) is not supported");
  if (ocl_norm_axis (axis, 5) != 1)
    return OCL_UNSUPPORTED (im, "Softmax of a 5-D tensor over axis %"
        G_GINT64_FORMAT " is not supported (axis 1, the paths)", axis);
  if (x < 0)
    return OCL_UNSUPPORTED (im, "Softmax over the paths of a stack that "
        "is not one tensor's channels reshaped (a selective-kernel "
        "block's attention) is not supported");
  /* The paths side by side in x's channels: one softmax across them,
   * channel by channel, then the paths again as slices of its output. */
  i = ocl_import_add_node (im, OCL_OP_SOFTMAX, x, -1);
  OCL_NODE (im->g, i)->softmax_step = OCL_VALUE (im->g, x)->c / s->len;
  if ((i = ocl_import_infer_node (im, i, "#softmax")) < 0)
    return FALSE;
  for (guint k = 0; k < s->len; k++) {
    g_autofree char *suffix = g_strdup_printf ("#%u", k);
    const int c = OCL_VALUE (im->g, i)->c / s->len;
    if ((members[k] = channel_slice (im, i, k * c, c, suffix)) < 0)
      return FALSE;
  }
  ocl_import_define_stack (im, im->node->output[0], members, s->len);
  return TRUE;
}

/* The operators a stack feeds, and what each needs of its inputs: a row
 * each, as onnx-registry.c has for every operator. */
static const struct
{
  const char *op;
  int n_in;                     /* exactly; 0: any */
  gboolean first_is_stack, second_is_stack;
  StackFunc import;
} stack_ops[] = {
  {"Concat", 0, FALSE, FALSE, stack_concat},
  {"ReduceSum", 0, TRUE, FALSE, stack_reduce_sum},
  {"Mul", 2, TRUE, TRUE, stack_mul},
  {"Softmax", 0, TRUE, FALSE, stack_softmax},
};

/* An operator with a stack among its inputs (@stacks[k], NULL where input
 * k is not one). */
gboolean
ocl_stack_import (OclImport * im, GArray ** stacks, OclConst ** in,
    const int *vin, int n_in)
{
  GArray *s = n_in > 0 ? stacks[0] : NULL;

  for (guint r = 0; r < G_N_ELEMENTS (stack_ops); r++)
    if (strcmp (im->node->op_type, stack_ops[r].op) == 0
        && (stack_ops[r].n_in == 0 || stack_ops[r].n_in == n_in)
        && (!stack_ops[r].first_is_stack || s)
        && (!stack_ops[r].second_is_stack || (n_in >= 2 && stacks[1])))
      return stack_ops[r].import (im, stacks, s, in, n_in);
  return OCL_UNSUPPORTED (im, "a 5-D tensor (a selective-kernel block's "
      "stack of paths) only feeds Concat, ReduceSum, Mul and Softmax over "
      "its paths");
}
