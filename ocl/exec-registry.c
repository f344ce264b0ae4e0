/* The execution registry: one row per IR operator, as onnx-registry.c has
 * one per ONNX operator.  A row says what the operator's kernels' epilogue
 * applies (for the fuser, graph.c), how its output's shape follows from
 * its inputs (graph.c), and how it is launched (plan.c).  Adding an
 * operator: its import row, its row here with the two functions, its
 * kernel (ocl-sig.h, a .cl file) and its reference test (tests/ref). */
#include "ocl-private.h"

static const OclExecOp rows[] = {
  [OCL_OP_CONV] =
      {OCL_OP_CONV, "conv", OCL_EPI_RELU | OCL_EPI_RESIDUAL | OCL_EPI_QUANT,
      ocl_conv_infer, ocl_conv_plan},
  [OCL_OP_AFFINE] = {OCL_OP_AFFINE, "affine", OCL_EPI_RELU, ocl_affine_infer,
      ocl_affine_plan},
  [OCL_OP_RELU] = {OCL_OP_RELU, "relu", 0, ocl_relu_infer, ocl_relu_plan},
  [OCL_OP_MAXPOOL] =
      {OCL_OP_MAXPOOL, "maxpool", 0, ocl_pool_infer, ocl_pool_plan},
  [OCL_OP_AVGPOOL] =
      {OCL_OP_AVGPOOL, "avgpool", 0, ocl_pool_infer, ocl_pool_plan},
  [OCL_OP_GLOBALAVGPOOL] =
      {OCL_OP_GLOBALAVGPOOL, "global avgpool", 0, ocl_global_avgpool_infer,
      ocl_global_avgpool_plan},
  [OCL_OP_ADD] = {OCL_OP_ADD, "add", OCL_EPI_RELU, ocl_add_infer, ocl_add_plan},
  [OCL_OP_FLATTEN] =
      {OCL_OP_FLATTEN, "flatten", 0, ocl_flatten_infer, ocl_flatten_plan},
  [OCL_OP_PAD] = {OCL_OP_PAD, "pad", 0, ocl_pad_infer, ocl_pad_plan},
  [OCL_OP_SLICE] = {OCL_OP_SLICE, "slice", 0, ocl_slice_infer, ocl_slice_plan},
  [OCL_OP_SOFTMAX] =
      {OCL_OP_SOFTMAX, "softmax", 0, ocl_softmax_infer, ocl_softmax_plan},
  [OCL_OP_SIGMOID] =
      {OCL_OP_SIGMOID, "sigmoid", 0, ocl_sigmoid_infer, ocl_sigmoid_plan},
  [OCL_OP_MUL] =
      {OCL_OP_MUL, "mul", OCL_EPI_RELU | OCL_EPI_RESIDUAL, ocl_mul_infer,
      ocl_mul_plan},
  [OCL_OP_FAKEQUANT] =
      {OCL_OP_FAKEQUANT, "quantize-dequantize", 0, ocl_fakequant_infer,
      ocl_fakequant_plan},
  [OCL_OP_PRELU] = {OCL_OP_PRELU, "prelu", 0, ocl_prelu_infer, ocl_prelu_plan},
  [OCL_OP_DYNQUANT] =
      {OCL_OP_DYNQUANT, "dynamic quantize-dequantize", 0, ocl_relu_infer,
      ocl_dynquant_plan},
};

G_STATIC_ASSERT (G_N_ELEMENTS (rows) == OCL_OP_COUNT);


const OclExecOp *
ocl_exec_op (OclOpType op)
{
  g_return_val_if_fail ((guint) op < G_N_ELEMENTS (rows), NULL);
  return &rows[op];
}
