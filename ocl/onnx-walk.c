/* ONNX import, the walk: a model's nodes in file order (ONNX requires
 * topological order) become the graph IR for one concrete input shape.
 *
 * Each node is looked up in the table of operators (onnx-registry.c),
 * which says at which opsets it is supported; a node whose inputs are all
 * constants and whose op folds (onnx-fold.c) is evaluated; a node on a
 * stack of branches goes to onnx-stack.c; everything else is a runtime
 * op (onnx-ops.c, onnx-layout.c).  The toolkit they all use (errors,
 * attributes, tensors, names, nodes) is onnx-import.c. */
#include <string.h>
#include "onnx-import.h"

/* Hands a node that computes on the image to its operator's import
 * function, with the image data as @x. */
static gboolean
import_op (OclImport * im, const OclOnnxOp * op, OclConst ** in,
    const int *vin, int n_in)
{
  int x = n_in > 0 ? vin[0] : -1;

  if (x < 0 && op->commutes)
    for (int k = 1; k < n_in; k++)
      if (vin[k] >= 0)
        x = vin[k];
  if (x < 0)
    return OCL_UNSUPPORTED (im, "its first input must be the image data, not "
        "a constant");
  for (int k = 1; k < n_in; k++)
    if (vin[k] >= 0 && !op->commutes)
      return OCL_UNSUPPORTED (im, "input %d must be a constant (an "
          "initializer)", k);
  for (int k = 0; k < n_in; k++)
    if (vin[k] >= 0 && OCL_VALUE (im->g, vin[k])->bh
        && strcmp (im->node->op_type, "Mul") != 0)
      return OCL_UNSUPPORTED (im, "input %d is an Expand's output, which "
          "only a Mul takes (as a channel gate)", k);
  return op->import (im, x, in, vin, n_in);
}

/* The output of a node that commutes with quantization, run on the float
 * tensor under quantized input @q: quantized as @q is. */
static gboolean
keep_quant (OclImport * im, const OclQuant * q)
{
  OclEntry *e = g_hash_table_lookup (im->names, im->node->output[0]);
  OclQuant *k;

  if (e == NULL || e->c || e->quant || e->stack || e->flat)
    return OCL_UNSUPPORTED (im, "its quantized input gives no quantized "
        "run-time output");
  k = g_new0 (OclQuant, 1);
  *k = *q;
  k->value = e->value;
  k->scale = g_memdup2 (q->scale, q->n * sizeof (float));
  k->zero = g_memdup2 (q->zero, q->n * sizeof (float));
  ocl_import_define_quant (im, im->node->output[0], k);
  return TRUE;
}

static gboolean
import_node (OclImport * im)
{
  Onnx__NodeProto *node = im->node;
  int n_in = (int) MIN (node->n_input, (size_t) G_MAXINT);
  g_autofree OclConst **in = g_new0 (OclConst *, n_in + 1);
  g_autofree int *vin = g_new (int, n_in + 1);
  g_autofree GArray **stacks = g_new0 (GArray *, n_in + 1);
  gboolean all_const = TRUE, any_stack = FALSE, keeps_quant = FALSE;
  const OclOnnxOp *op;

  for (size_t f = 0; f < im->model->proto->n_functions; f++) {
    Onnx__FunctionProto *fn = im->model->proto->functions[f];
    if (g_strcmp0 (fn->name, node->op_type) == 0
        && g_strcmp0 (fn->domain ? fn->domain : "", node->domain ?
            node->domain : "") == 0)
      return OCL_UNSUPPORTED (im, "it calls the model-local function '%s' "
          "(domain '%s'), which is not supported; inline it first "
          "(onnx.inliner.inline_local_functions)", node->op_type,
          node->domain ? node->domain : "");
  }
  if (!ocl_onnx_is_onnx_domain (node->domain))
    return OCL_UNSUPPORTED (im, "operator domain '%s' is not supported",
        node->domain);
  op = ocl_onnx_find_op (node->op_type);
  /* Quantized operators left over by onnx-quantized.c: not in a form
   * onnxruntime.quantization writes.  Named before their inputs are
   * looked at. */
  if (op == NULL && g_str_has_prefix (node->op_type, "QLinear"))
    return OCL_UNSUPPORTED (im, "operator '%s' of the QOperator format is "
        "supported in the forms onnxruntime.quantization.quantize_static "
        "writes (QLinearConv, QLinearMatMul, QLinearAdd, QLinearMul, "
        "QLinearGlobalAveragePool, QLinearAveragePool, QLinearSigmoid, "
        "QGemm), and this one is not of them", node->op_type);
  if (op == NULL && g_str_has_suffix (node->op_type, "Integer"))
    return OCL_UNSUPPORTED (im, "operator '%s' is supported as dynamic "
        "quantization writes it (DynamicQuantizeLinear, then %s, Cast to "
        "float and a Mul by the scales' product), and this one is not",
        node->op_type, node->op_type);

  if (node->n_output < 1 || node->output[0] == NULL
      || node->output[0][0] == '\0')
    return OCL_MALFORMED (im, "it has no named output");
  for (int k = 0; k < n_in; k++) {
    OclEntry *e;
    vin[k] = -1;
    if (node->input[k] == NULL || node->input[k][0] == '\0')
      continue;                 /* an optional input left out */
    e = g_hash_table_lookup (im->names, node->input[k]);
    if (e == NULL)
      return OCL_MALFORMED (im, "input '%s' is not produced by any earlier "
          "node or initializer", node->input[k]);
    if (e->init && !ocl_import_entry_resolve (im, e))
      return FALSE;
    if (k == 0)
      keeps_quant = e->quant && op && op->keeps_quant;
    if (e->quant && (k != 0 || !(keeps_quant
                || strcmp (node->op_type, "DequantizeLinear") == 0)))
      return OCL_UNSUPPORTED (im, "input '%s' is the quantized output of a "
          "QuantizeLinear; only a DequantizeLinear may read it (the QDQ "
          "format)", node->input[k]);
    if (e->flat && (k != 0 || strcmp (node->op_type, "Gather")))
      return OCL_UNSUPPORTED (im, "input '%s' is a run-time tensor of rank "
          "1 (a Reshape to [-1]); only a Gather of it is supported (torch "
          "2.x's as_strided)", node->input[k]);
    im->flat_in |= e->flat;
    if (e->quant)
      im->quant_in = e->quant;
    in[k] = e->c;
    vin[k] = e->c ? -1 : e->value;
    stacks[k] = e->stack;
    any_stack |= e->stack != NULL;
    if (!e->c)
      all_const = FALSE;
  }
  vin[n_in] = -1;

  if (op == NULL) {
    g_autofree char *ops = ocl_onnx_describe_importers ();
    return OCL_UNSUPPORTED (im, "operator '%s' is not supported (supported: "
        "%s, and constant shape arithmetic)", node->op_type, ops);
  }
  im->op = op;
  if (im->model->opset < op->first || im->model->opset > op->last)
    return OCL_UNSUPPORTED (im, "operator '%s' at opset %" G_GINT64_FORMAT
        " is not supported (opsets %d to %d; onnx.version_converter."
        "convert_version (model, %d) converts a file)", node->op_type,
        im->model->opset, op->first, op->last, op->last);
  if (any_stack)
    return ocl_stack_import (im, stacks, in, vin, n_in);
  if (all_const && op->fold && (n_in == 0 || in[0] != NULL)) {
    OclConst *c;
    for (int k = 0; k < op->fold_inputs; k++)
      if (k >= n_in || in[k] == NULL)
        return OCL_MALFORMED (im, "input %d is missing", k);
    c = op->fold (im, in, n_in);
    if (c == NULL)
      return FALSE;
    ocl_import_define_const (im, node->output[0], c);
    return TRUE;
  }
  if (op->import == NULL)
    return OCL_UNSUPPORTED (im, "operator '%s' is supported on constants "
        "only, not on the image data", node->op_type);
  if (all_const)
    return OCL_UNSUPPORTED (im, "operator '%s' on constant inputs only is "
        "not supported", node->op_type);
  if (!import_op (im, op, in, vin, n_in))
    return FALSE;
  return !keeps_quant || keep_quant (im, im->quant_in);
}

OclGraph *
ocl_model_build_graph (const OclModel * model, const gint64 shape[4],
    GError ** error)
{
  Onnx__GraphProto *gp = model->proto->graph;
  OclImport im = { 0 };
  OclNodeList nodes = { 0 };
  OclEntry *out;
  gsize elements = 1;
  int x;

  for (int d = 0; d < 4; d++)
    if (shape[d] <= 0 || shape[d] > OCL_MAX_WINDOW
        || !g_size_checked_mul (&elements, elements, shape[d])
        || elements > OCL_MAX_VALUE_ELEMENTS) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_SHAPE, "bad input shape %"
          G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT " (each dimension 1 to %d, at most %" G_GSIZE_FORMAT
          " elements)", shape[0], shape[1], shape[2], shape[3],
          OCL_MAX_WINDOW, OCL_MAX_VALUE_ELEMENTS);
      return NULL;
    }
  if (model->input_shape[1] > 0 && shape[1] != model->input_shape[1]) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_SHAPE, "input of %"
        G_GINT64_FORMAT " channels given; model '%s' takes %" G_GINT64_FORMAT,
        shape[1], model->path, model->input_shape[1]);
    return NULL;
  }
  im.model = model;
  im.error = error;
  im.g = ocl_graph_new ();
  im.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) ocl_import_entry_free);

  x = ocl_graph_add_value (im.g, model->input_name, 4, shape[0], shape[1],
      shape[2], shape[3]);
  im.g->input = x;
  im.g->input_nhwc = model->input_nhwc;
  ocl_import_define_value (&im, model->input_name, x);

  for (size_t i = 0; i < gp->n_initializer; i++) {
    OclEntry *e = g_new0 (OclEntry, 1);
    e->init = gp->initializer[i];
    g_hash_table_replace (im.names, g_strdup (e->init->name), e);
  }

  ocl_onnx_expand_quantized (gp, &nodes);
  for (guint i = 0; i < nodes.nodes->len; i++) {
    im.node = g_ptr_array_index (nodes.nodes, i);
    im.quant_in = NULL;
    im.flat_in = FALSE;
    g_free (im.node_name);
    im.node_name = im.node->name && im.node->name[0] ?
        g_strdup (im.node->name) : g_strdup_printf ("%s_%u",
        im.node->op_type, i);
    if (!import_node (&im))
      goto fail;
  }

  for (size_t i = 0; i < gp->n_output; i++) {
    const char *name = gp->output[i]->name;
    const char *bad;
    out = g_hash_table_lookup (im.names, name);
    bad = out == NULL ? "not produced by any node" :
        out->c || out->init ? "a constant" :
        out->quant ? "a quantized tensor (only float outputs are supported)" :
        out->stack ? "a 5-D tensor" : out->flat ? "of rank 1" :
        OCL_VALUE (im.g, out->value)->bh ?
        "an Expand's output (only a Mul takes one)" : NULL;
    if (bad) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED, "model output "
          "'%s' is %s", name, bad);
      goto fail;
    }
    ocl_graph_add_output (im.g, out->value, name,
        ocl_model_output_is_half (model, i));
  }
  g_free (im.node_name);
  g_hash_table_unref (im.names);
  ocl_node_list_clear (&nodes);
  return im.g;

fail:
  g_free (im.node_name);
  g_hash_table_unref (im.names);
  ocl_node_list_clear (&nodes);
  ocl_graph_free (im.g);
  return NULL;
}
