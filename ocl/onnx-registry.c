/* The ONNX operators the importer knows, one row each: the opsets whose
 * semantics the row implements, the folding of constant inputs
 * (onnx-fold.c) and the run-time operator (onnx-ops.c, onnx-layout.c,
 * onnx-stack.c).  The walker (onnx-walk.c) looks every node up here and
 * hands its row to the importers (OclImport.op); the "supported operators"
 * message and the README's list come from this table. */
#include <string.h>
#include "onnx-import.h"

static const OclOnnxOp ops[] = {
  /* op, first, last, fold, fold_inputs, import, commutes, arith,
   * keeps_quant */
  {"Add", 7, 22, ocl_fold_binary, 2, ocl_op_arith, TRUE, 'A'},
  {"AveragePool", 7, 22, NULL, 0, ocl_op_avgpool, FALSE},
  {"BatchNormalization", 7, 22, NULL, 0, ocl_op_batchnorm, FALSE},
  {"Cast", 7, 22, ocl_fold_cast, 1, ocl_op_cast, FALSE},
  /* Concat of run-time tensors: of selective-kernel stacks only (every
   * input may be one, hence "commutes"). */
  {"Concat", 7, 22, ocl_fold_concat, 1, ocl_op_concat, TRUE},
  {"Constant", 7, 22, ocl_fold_constant, 0, NULL, FALSE},
  {"ConstantOfShape", 9, 22, ocl_fold_constant_of_shape, 1, NULL, FALSE},
  {"Conv", 7, 22, NULL, 0, ocl_op_conv, FALSE},
  {"DequantizeLinear", 10, 22, ocl_fold_dequantize, 2, ocl_op_dequantize,
      FALSE},
  {"Div", 7, 22, ocl_fold_binary, 2, ocl_op_arith, FALSE, 'D'},
  {"Dropout", 7, 22, ocl_fold_identity, 1, ocl_op_dropout, FALSE},
  {"DynamicQuantizeLinear", 11, 22, NULL, 0, ocl_op_dynamic_quantize, FALSE},
  {"Expand", 8, 22, NULL, 0, ocl_op_expand, FALSE},
  {"Flatten", 7, 22, NULL, 0, ocl_op_flatten, FALSE, 0, TRUE},
  {"Gather", 7, 22, ocl_fold_gather, 2, ocl_op_gather, FALSE},
  {"Gemm", 7, 22, NULL, 0, ocl_op_gemm, FALSE},
  {"GlobalAveragePool", 7, 22, NULL, 0, ocl_op_global_avgpool, FALSE},
  {"HardSigmoid", 7, 22, NULL, 0, ocl_op_sigmoid, FALSE},
  {"Identity", 7, 22, ocl_fold_identity, 1, ocl_op_identity, FALSE, 0, TRUE},
  {"MatMul", 7, 22, NULL, 0, ocl_op_gemm, FALSE},
  {"MaxPool", 7, 22, NULL, 0, ocl_op_maxpool, FALSE, 0, TRUE},
  {"Mul", 7, 22, ocl_fold_binary, 2, ocl_op_arith, TRUE, 'M'},
  {"Pad", 7, 22, NULL, 0, ocl_op_pad, FALSE},
  {"PRelu", 7, 22, NULL, 0, ocl_op_prelu, FALSE},
  {"QuantizeLinear", 10, 22, NULL, 0, ocl_op_quantize, FALSE},
  {"ReduceMean", 7, 22, NULL, 0, ocl_op_reduce_mean, FALSE},
  {"ReduceSum", 7, 22, NULL, 0, ocl_op_reduce_sum, FALSE},
  {"Relu", 7, 22, NULL, 0, ocl_op_relu, FALSE},
  {"Reshape", 7, 22, ocl_fold_reshape, 2, ocl_op_reshape, FALSE, 0, TRUE},
  {"Shape", 7, 22, ocl_fold_shape, 1, ocl_op_shape, FALSE},
  {"Sigmoid", 7, 22, NULL, 0, ocl_op_sigmoid, FALSE},
  {"Slice", 7, 22, ocl_fold_slice, 1, ocl_op_slice, FALSE},
  {"Softmax", 7, 22, NULL, 0, ocl_op_softmax, FALSE},
  {"Split", 7, 22, NULL, 0, ocl_op_split, FALSE},
  {"Squeeze", 7, 22, ocl_fold_squeeze, 1, ocl_op_squeeze, FALSE, 0, TRUE},
  {"Sub", 7, 22, ocl_fold_binary, 2, ocl_op_arith, FALSE, 'S'},
  /* Any number of inputs (opset 6's form converts to 7 unchanged). */
  {"Sum", 7, 22, ocl_fold_sum, 1, ocl_op_sum, TRUE, 'A'},
  {"Transpose", 7, 22, ocl_fold_transpose, 1, ocl_op_transpose, FALSE, 0, TRUE},
  {"Unsqueeze", 7, 22, ocl_fold_unsqueeze, 1, ocl_op_unsqueeze, FALSE, 0, TRUE},
};

const OclOnnxOp *
ocl_onnx_find_op (const char *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strcmp (ops[i].op, op) == 0)
      return &ops[i];
  return NULL;
}

const OclOnnxOp *
ocl_onnx_get_op (guint i)
{
  return i < G_N_ELEMENTS (ops) ? &ops[i] : NULL;
}

char *
ocl_onnx_describe_importers (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (ops[i].import)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", ops[i].op);
  return g_string_free (s, FALSE);
}
