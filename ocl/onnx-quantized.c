/* The other forms of int8 quantization, spelled as the QDQ form the
 * importer runs (onnx-ops.c: quantize-dequantize in float, weights
 * dequantized at load).
 *
 * - QOperator (onnxruntime.quantization.quantize_static (...,
 *   quant_format=QOperator)): each QLinear node is its meaning in QDQ:
 *   DequantizeLinear of each quantized input, the float operator, and a
 *   QuantizeLinear of its output (QLinearConv's int32 bias dequantized
 *   with scale x_scale * w_scale, as the QDQ form writes it).
 *   Operators that only move or compare values (MaxPool, Reshape,
 *   Flatten...) read quantized tensors as they are: onnx-walk.c runs them
 *   on the float tensor and keeps its quantization, which commutes with
 *   them.
 * - Dynamic quantization (quantize_dynamic): DynamicQuantizeLinear (x)
 *   feeds ConvInteger or MatMulInteger, whose int32 result is cast to
 *   float and multiplied by x_scale * w_scale.  That whole pattern is the
 *   float operator on dequantized operands: x quantized with the scale
 *   and zero point of its range at run time (OCL_OP_DYNQUANT), w
 *   dequantized at load with w_scale.
 *
 * Nothing here reads a tensor: it rewrites the node list.  A node that
 * does not fit the form onnxruntime writes is left as it is, and the walk
 * refuses it by name. */
#include <string.h>
#include "onnx-import.h"

typedef struct
{
  const Onnx__GraphProto *gp;
  GHashTable *consumers;        /* tensor name -> GPtrArray of nodes */
  GHashTable *producers;        /* tensor name -> node */
  GHashTable *inits;            /* initializer names */
  GHashTable *skip;             /* nodes a rewrite replaced */
  OclNodeList *out;
} Rewrite;

static gpointer
own (Rewrite * r, gpointer p)
{
  g_ptr_array_add (r->out->owned, p);
  return p;
}

static char *
own_str (Rewrite * r, const char *a, const char *b)
{
  return own (r, g_strconcat (a, b, NULL));
}

/* Input @k of @n, or NULL when absent. */
static const char *
input (const Onnx__NodeProto * n, size_t k)
{
  return k < n->n_input && n->input[k] && n->input[k][0] ? n->input[k] : NULL;
}

static gboolean
is_op (const Onnx__NodeProto * n, const char *op, gboolean microsoft)
{
  const char *d = n->domain ? n->domain : "";

  return strcmp (n->op_type, op) == 0 && (microsoft ?
      strcmp (d, "com.microsoft") == 0 : ocl_onnx_is_onnx_domain (d));
}

/* A new node of @op named after @from, reading @inputs (NULL: absent),
 * writing @output, appended to the list. */
static Onnx__NodeProto *
emit (Rewrite * r, const Onnx__NodeProto * from, const char *op,
    const char *const *inputs, int n_in, const char *output)
{
  Onnx__NodeProto *n = own (r, g_new0 (Onnx__NodeProto, 1));

  onnx__node_proto__init (n);
  n->op_type = (char *) op;
  n->domain = (char *) "";
  n->name = own_str (r, from->name && from->name[0] ? from->name :
      from->op_type, "");
  n->n_input = n_in;
  n->input = own (r, g_new0 (char *, MAX (n_in, 1)));
  for (int k = 0; k < n_in; k++)
    n->input[k] = (char *) (inputs[k] ? inputs[k] : "");
  n->n_output = 1;
  n->output = own (r, g_new0 (char *, 1));
  n->output[0] = (char *) output;
  g_ptr_array_add (r->out->nodes, n);
  return n;
}

static void
add_attr (Rewrite * r, Onnx__NodeProto * n, Onnx__AttributeProto * a)
{
  Onnx__AttributeProto **all = own (r, g_new (Onnx__AttributeProto *,
          n->n_attribute + 1));

  if (n->n_attribute)
    memcpy (all, n->attribute, n->n_attribute * sizeof (*all));
  all[n->n_attribute++] = a;
  n->attribute = all;
}

static void
set_int (Rewrite * r, Onnx__NodeProto * n, const char *name, gint64 v)
{
  Onnx__AttributeProto *a = own (r, g_new0 (Onnx__AttributeProto, 1));

  onnx__attribute_proto__init (a);
  a->name = (char *) name;
  a->has_type = TRUE;
  a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  a->has_i = TRUE;
  a->i = v;
  add_attr (r, n, a);
}

/* @from's attributes on @n, but those named in @except (NULL-ended). */
static void
copy_attrs (Rewrite * r, Onnx__NodeProto * n, const Onnx__NodeProto * from,
    const char *const *except)
{
  for (size_t i = 0; i < from->n_attribute; i++) {
    gboolean skip = FALSE;
    for (const char *const *e = except; *e; e++)
      skip |= g_strcmp0 (from->attribute[i]->name, *e) == 0;
    if (!skip)
      add_attr (r, n, from->attribute[i]);
  }
}

/* DequantizeLinear (@t, @s, @z) into @out, along @axis (< 0: default). */
static void
dequantize (Rewrite * r, const Onnx__NodeProto * from, const char *t,
    const char *s, const char *z, int axis, const char *out)
{
  const char *in[3] = { t, s, z };
  Onnx__NodeProto *n = emit (r, from, "DequantizeLinear", in, 3, out);

  if (axis >= 0)
    set_int (r, n, "axis", axis);
}

static void
quantize (Rewrite * r, const Onnx__NodeProto * from, const char *t,
    const char *s, const char *z, const char *out)
{
  const char *in[3] = { t, s, z };
  emit (r, from, "QuantizeLinear", in, 3, out);
}

/* ---- QOperator ------------------------------------------------------------ */

/* QLinearConv (x, xs, xz, w, ws, wz, ys, yz[, B]) and the microsoft
 * domain's QGemm (A, as, az, B, bs, bz[, C[, ys, yz]]): weights per
 * output channel (axis 0, or 1 for an untransposed Gemm weight). */
static gboolean
expand_weighted (Rewrite * r, const Onnx__NodeProto * n, gboolean gemm)
{
  const char *y = n->output[0];
  const char *bias = input (n, gemm ? 6 : 8);
  const char *ys = input (n, gemm ? 7 : 6), *yz = input (n, gemm ? 8 : 7);
  gboolean trans_b = gemm && ocl_attr_int ((Onnx__NodeProto *) n, "transB", 0);
  const char *x = own_str (r, y, "#x"), *w = own_str (r, y, "#w");
  const char *f = ys ? own_str (r, y, "#f") : y, *b = NULL;
  const char *in[3];
  Onnx__NodeProto *op;
  static const char *const none[] = { NULL };

  if (!input (n, 0) || !input (n, 1) || !input (n, 3) || !input (n, 4)
      || (!gemm && !ys))
    return FALSE;
  dequantize (r, n, input (n, 0), input (n, 1), input (n, 2), -1, x);
  dequantize (r, n, input (n, 3), input (n, 4), input (n, 5),
      gemm && !trans_b ? 1 : 0, w);
  if (bias) {
    const char *bs = own_str (r, y, "#bs"), *m[2] = { input (n, 1),
      input (n, 4)
    };
    b = own_str (r, y, "#b");
    emit (r, n, "Mul", m, 2, bs);
    dequantize (r, n, bias, bs, NULL, 0, b);
  }
  in[0] = x;
  in[1] = w;
  in[2] = b;
  op = emit (r, n, gemm ? "Gemm" : "Conv", in, b ? 3 : 2, f);
  copy_attrs (r, op, n, none);
  if (ys)
    quantize (r, n, f, ys, yz, y);
  return TRUE;
}

/* QLinearMatMul (a, as, az, b, bs, bz, ys, yz): b per column. */
static gboolean
expand_matmul (Rewrite * r, const Onnx__NodeProto * n)
{
  const char *y = n->output[0];
  const char *a = own_str (r, y, "#a"), *b = own_str (r, y, "#b");
  const char *f = own_str (r, y, "#f"), *in[2] = { a, b };

  if (!input (n, 0) || !input (n, 3) || !input (n, 6))
    return FALSE;
  dequantize (r, n, input (n, 0), input (n, 1), input (n, 2), -1, a);
  dequantize (r, n, input (n, 3), input (n, 4), input (n, 5), 1, b);
  emit (r, n, "MatMul", in, 2, f);
  quantize (r, n, f, input (n, 6), input (n, 7), y);
  return TRUE;
}

/* The microsoft domain's element-wise and pooling operators: @n_q
 * quantized operands (t, scale, zero point each), then the output's
 * scale and zero point; @op the float operator, with @n's attributes but
 * channels_last (which must be 0: NCHW). */
static gboolean
expand_simple (Rewrite * r, const Onnx__NodeProto * n, const char *op, int n_q)
{
  static const char *const except[] = { "channels_last", NULL };
  const char *y = n->output[0], *f = own_str (r, y, "#f");
  const char *in[2];
  Onnx__NodeProto *node;

  if (n->n_input < (size_t) (3 * n_q + 1)
      || ocl_attr_int ((Onnx__NodeProto *) n, "channels_last", 0) != 0)
    return FALSE;
  for (int k = 0; k < n_q; k++) {
    if (!input (n, 3 * k))
      return FALSE;
    in[k] = own (r, g_strdup_printf ("%s#%d", y, k));
    dequantize (r, n, input (n, 3 * k), input (n, 3 * k + 1),
        input (n, 3 * k + 2), -1, in[k]);
  }
  node = emit (r, n, op, in, n_q, f);
  copy_attrs (r, node, n, except);
  quantize (r, n, f, input (n, 3 * n_q), input (n, 3 * n_q + 1), y);
  return TRUE;
}

static gboolean
expand_qoperator (Rewrite * r, const Onnx__NodeProto * n)
{
  static const struct
  {
    const char *qop, *op;
    int n_q;
  } simple[] = {
    {"QLinearAdd", "Add", 2},
    {"QLinearMul", "Mul", 2},
    {"QLinearGlobalAveragePool", "GlobalAveragePool", 1},
    {"QLinearAveragePool", "AveragePool", 1},
    {"QLinearSigmoid", "Sigmoid", 1},
  };

  if (n->n_output < 1 || n->output[0] == NULL || n->output[0][0] == '\0')
    return FALSE;
  if (is_op (n, "QLinearConv", FALSE))
    return expand_weighted (r, n, FALSE);
  if (is_op (n, "QGemm", TRUE))
    return expand_weighted (r, n, TRUE);
  if (is_op (n, "QLinearMatMul", FALSE))
    return expand_matmul (r, n);
  for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
    if (is_op (n, simple[i].qop, TRUE))
      return expand_simple (r, n, simple[i].op, simple[i].n_q);
  return FALSE;
}

/* ---- dynamic quantization ------------------------------------------------- */

static Onnx__NodeProto *
sole_consumer (Rewrite * r, const char *t)
{
  GPtrArray *c = t ? g_hash_table_lookup (r->consumers, t) : NULL;

  return c && c->len == 1 ? g_ptr_array_index (c, 0) : NULL;
}

/* The weight scale of @s, the output of Mul (@xs, w_scale) (either
 * order) with w_scale an initializer; NULL when it is not that. */
static const char *
scale_product (Rewrite * r, const char *s, const char *xs)
{
  Onnx__NodeProto *m = s ? g_hash_table_lookup (r->producers, s) : NULL;

  if (m == NULL || !is_op (m, "Mul", FALSE) || m->n_input != 2)
    return NULL;
  for (int k = 0; k < 2; k++)
    if (g_strcmp0 (input (m, k), xs) == 0
        && g_hash_table_contains (r->inits, input (m, 1 - k) ?
            input (m, 1 - k) : ""))
      return input (m, 1 - k);
  return NULL;
}

/* ConvInteger or MatMulInteger @c (xq, wq[, xz[, wz]]) of DynamicQuantize-
 * Linear @d's output, cast to float and multiplied by xs * w_scale:
 * Conv or MatMul (x dequantized, wq dequantized with w_scale) into the
 * multiplication's output. */
static gboolean
expand_integer (Rewrite * r, const Onnx__NodeProto * d, Onnx__NodeProto * c,
    const char *xf)
{
  gboolean conv = is_op (c, "ConvInteger", FALSE);
  Onnx__NodeProto *cast, *mul, *prod;
  const char *s = NULL, *ws = NULL, *w, *in[2];
  static const char *const none[] = { NULL };
  Onnx__NodeProto *op;

  if (!(conv || is_op (c, "MatMulInteger", FALSE)) || c->n_output < 1
      || g_strcmp0 (input (c, 0), d->output[0]) != 0 || !input (c, 1)
      || g_strcmp0 (input (c, 2), input (d, 0) ? d->output[2] : NULL) != 0)
    return FALSE;
  cast = sole_consumer (r, c->output[0]);
  if (cast == NULL || !is_op (cast, "Cast", FALSE) || cast->n_output < 1
      || ocl_attr_int (cast, "to", 0) != OCL_T (FLOAT))
    return FALSE;
  mul = sole_consumer (r, cast->output[0]);
  if (mul == NULL || !is_op (mul, "Mul", FALSE) || mul->n_input != 2
      || mul->n_output < 1)
    return FALSE;
  for (int k = 0; k < 2 && ws == NULL; k++)
    if (g_strcmp0 (input (mul, k), cast->output[0]) == 0) {
      s = input (mul, 1 - k);
      ws = scale_product (r, s, d->output[1]);
    }
  if (ws == NULL)
    return FALSE;
  w = own_str (r, mul->output[0], "#w");
  dequantize (r, c, input (c, 1), ws, input (c, 3), conv ? 0 : 1, w);
  in[0] = xf;
  in[1] = w;
  op = emit (r, c, conv ? "Conv" : "MatMul", in, 2, mul->output[0]);
  copy_attrs (r, op, c, none);
  g_hash_table_add (r->skip, c);
  g_hash_table_add (r->skip, cast);
  g_hash_table_add (r->skip, mul);
  /* The scale product, once nothing else reads it. */
  prod = g_hash_table_lookup (r->producers, s);
  {
    GPtrArray *readers = g_hash_table_lookup (r->consumers, s);
    gboolean all = TRUE;
    for (guint i = 0; readers && i < readers->len; i++)
      all &= g_hash_table_contains (r->skip, g_ptr_array_index (readers, i));
    if (all)
      g_hash_table_add (r->skip, prod);
  }
  return TRUE;
}

/* DynamicQuantizeLinear @d (x) -> (xq, xs, xz) whose every reader is an
 * integer operator of the pattern above: @d itself (its import makes xq
 * a quantized tensor of run-time range), one dequantization of xq, and
 * each pattern's float operator. */
static gboolean
expand_dynamic (Rewrite * r, Onnx__NodeProto * d)
{
  GPtrArray *readers;
  const char *xf;
  const char *in[1];

  if (!is_op (d, "DynamicQuantizeLinear", FALSE) || !input (d, 0)
      || d->n_output != 3)
    return FALSE;
  for (int k = 0; k < 3; k++)
    if (d->output[k] == NULL || d->output[k][0] == '\0')
      return FALSE;
  readers = g_hash_table_lookup (r->consumers, d->output[0]);
  if (readers == NULL)
    return FALSE;
  /* Every reader of xq and xz an integer operator, xs read by scale
   * products alone: checked before anything is emitted. */
  for (guint i = 0; i < readers->len; i++) {
    Onnx__NodeProto *c = g_ptr_array_index (readers, i);
    if (!is_op (c, "ConvInteger", FALSE) && !is_op (c, "MatMulInteger", FALSE))
      return FALSE;
  }
  g_ptr_array_add (r->out->nodes, d);
  xf = own_str (r, d->output[0], "#f");
  in[0] = d->output[0];
  emit (r, d, "DequantizeLinear", in, 1, xf);
  for (guint i = 0; i < readers->len; i++) {
    Onnx__NodeProto *c = g_ptr_array_index (readers, i);
    guint mark = r->out->nodes->len;
    /* Emitted here, before the reader's own position: the float operator
     * reads only x and constants, all defined by now. */
    if (!expand_integer (r, d, c, xf))
      g_ptr_array_set_size (r->out->nodes, mark);
  }
  return TRUE;
}

/* ---- the list ------------------------------------------------------------- */

static void
index_graph (Rewrite * r)
{
  const Onnx__GraphProto *gp = r->gp;

  for (size_t i = 0; i < gp->n_initializer; i++)
    if (gp->initializer[i]->name)
      g_hash_table_add (r->inits, gp->initializer[i]->name);
  for (size_t i = 0; i < gp->n_node; i++) {
    Onnx__NodeProto *n = gp->node[i];
    for (size_t k = 0; k < n->n_input; k++) {
      GPtrArray *c;
      if (n->input[k] == NULL || n->input[k][0] == '\0')
        continue;
      c = g_hash_table_lookup (r->consumers, n->input[k]);
      if (c == NULL) {
        c = g_ptr_array_new ();
        g_hash_table_insert (r->consumers, n->input[k], c);
      }
      /* A node reading a tensor twice is one reader. */
      if (c->len == 0 || g_ptr_array_index (c, c->len - 1) != n)
        g_ptr_array_add (c, n);
    }
    for (size_t k = 0; k < n->n_output; k++)
      if (n->output[k] && n->output[k][0])
        g_hash_table_insert (r->producers, n->output[k], n);
  }
}

void
ocl_onnx_expand_quantized (const Onnx__GraphProto * gp, OclNodeList * out)
{
  Rewrite r = { gp, g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
        (GDestroyNotify) g_ptr_array_unref), g_hash_table_new (g_str_hash,
        g_str_equal), g_hash_table_new (g_str_hash, g_str_equal),
    g_hash_table_new (NULL, NULL), out
  };
  gboolean any = FALSE;

  out->nodes = g_ptr_array_new ();
  out->owned = g_ptr_array_new_with_free_func (g_free);
  for (size_t i = 0; i < gp->n_node && !any; i++) {
    const char *t = gp->node[i]->op_type ? gp->node[i]->op_type : "";
    any = g_str_has_prefix (t, "QLinear") || strcmp (t, "QGemm") == 0
        || strcmp (t, "DynamicQuantizeLinear") == 0;
  }
  if (any)
    index_graph (&r);
  for (size_t i = 0; i < gp->n_node; i++) {
    Onnx__NodeProto *n = gp->node[i];
    guint mark = out->nodes->len;
    if (g_hash_table_contains (r.skip, n))
      continue;
    if (any && n->op_type && (expand_qoperator (&r, n)
            || expand_dynamic (&r, n)))
      continue;
    g_ptr_array_set_size (out->nodes, mark);
    g_ptr_array_add (out->nodes, n);
  }
  g_hash_table_unref (r.consumers);
  g_hash_table_unref (r.producers);
  g_hash_table_unref (r.inits);
  g_hash_table_unref (r.skip);
}

void
ocl_node_list_clear (OclNodeList * l)
{
  g_clear_pointer (&l->nodes, g_ptr_array_unref);
  g_clear_pointer (&l->owned, g_ptr_array_unref);
}
