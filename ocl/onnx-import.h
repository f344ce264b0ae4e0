/* The ONNX importer's internals, shared by its five rooms:
 *  - onnx-model.c: the mapped file, the wire-level borrowing of large
 *    raw_data, the checks every graph-level name and count must pass;
 *  - onnx-import.c: the walk over the nodes, attributes, initializers;
 *  - onnx-registry.c: the table of operators, one row each: opsets,
 *    folding and run-time functions;
 *  - onnx-fold.c: constant folding, one small function per operator;
 *  - onnx-ops.c: runtime operators, one small function per operator.
 *
 * Every number that comes from the file is checked before it is used as a
 * count, an index or a size: ranks against OCL_MAX_RANK, dimensions
 * against their limits (ocl-private.h), products with checked arithmetic.
 * A violation is one GError naming the node, its operator and the fault. */
#pragma once

#include "ocl-private.h"
#include "onnx.pb-c.h"

G_BEGIN_DECLS

/* The default-domain opsets a file may declare: from the oldest the ONNX
 * Model Zoo's ResNets use to the newest the onnx package knows.  Each
 * operator's row narrows this (onnx-registry.c). */
#define OCL_ONNX_MIN_OPSET 7
#define OCL_ONNX_MAX_OPSET 22

/* Large raw_data of initializer i, left in the mapped file (NULL: none). */
typedef struct {
  const guint8 *data;
  gsize len;
} OclRawRef;

struct _OclModel {
  char *path;
  char *dir;
  Onnx__ModelProto *proto;
  GMappedFile *file;            /* while raws point into it */
  /* External data: location as written -> its file, mapped once (several
   * locations may share one mapping); NULL when there is none. */
  GHashTable *externals;
  char *real_dir;               /* dir resolved (realpath), once needed */
  GArray *raws;                 /* OclRawRef per initializer, or NULL */
  gint64 opset;
  const char *input_name;
  gint64 input_shape[4];
  gboolean input_half;          /* float16 graph input (outputs:
                                 * ocl_model_output_is_half ()) */
  /* The input is N x H x W x C behind a Transpose to NCHW (TF and Keras
   * conversions): input_shape is NCHW, the Transpose the identity, and a
   * tensor run is uploaded as it is (channels-last already). */
  gboolean input_nhwc;
};

/* Whether graph output @i (< the graph's n_output) is a float16 tensor. */
gboolean ocl_model_output_is_half (const OclModel * m, guint i);
gboolean ocl_onnx_is_onnx_domain (const char *domain);
/* The "location" of an external tensor's data, or NULL. */
const char *ocl_model_external_location (const Onnx__TensorProto * t);

/* An ONNX element type: protobuf-c's TensorProto.DataType, OCL_T (FLOAT). */
#define OCL_T(name) ONNX__TENSOR_PROTO__DATA_TYPE__##name

/* ---- import state -------------------------------------------------------- */

/* The output of a QuantizeLinear of run-time value @value: not computed
 * alone, only through the DequantizeLinear that reads it (QDQ format).
 * Per channel (@n = C) or per tensor (@n = 1): q = clamp (rint (x /
 * scale) + zero, qmin, qmax). */
typedef struct {
  int value;
  int n;
  float *scale, *zero;
  float qmin, qmax;
  /* DynamicQuantizeLinear's output: uint8 with the scale and zero point
   * of the tensor's range at run time (n is 0, no arrays). */
  gboolean dynamic;
} OclQuant;

typedef struct {
  /* An initializer not imported yet: it is on first use, so one the graph
   * never reads costs nothing (c is NULL until then). */
  Onnx__TensorProto *init;
  OclConst *c;                  /* constant, or NULL */
  int value;                    /* runtime value index when c == NULL */
  OclQuant *quant;              /* or a quantized value */
  GArray *stack;                /* or the members (int) of a 5-D stack,
                                 * value being the first (onnx-stack.c) */
  /* or value flattened to rank 1 (a Reshape to [-1], as torch 2.x writes
   * an as_strided: only a Gather of it reads it, ocl_op_gather ()) */
  gboolean flat;
} OclEntry;

typedef struct _OclOnnxOp OclOnnxOp;

typedef struct {
  const OclModel *model;
  OclGraph *g;
  GHashTable *names;            /* name -> OclEntry* */
  Onnx__NodeProto *node;        /* the node being imported */
  const OclOnnxOp *op;          /* its row in onnx-registry.c */
  const OclQuant *quant_in;     /* its input 0, when a quantized value */
  gboolean flat_in;             /* its input 0 is a flattened value */
  char *node_name;
  gsize folded_bytes;           /* constants computed so far, all nodes */
  GError **error;
} OclImport;

/* Folding: returns the output constant, or NULL with im->error set. */
typedef OclConst *(*OclFoldFunc) (OclImport * im, OclConst ** in, int n_in);
/* One operator's import: @x is the run-time operand (a value index),
 * @in[k] input k's constant (NULL when it is a run-time value or absent),
 * @vin[k] its run-time value (-1 when not one); both hold @n_in entries.
 * Returns FALSE with im->error set. */
typedef gboolean (*OclImportFunc) (OclImport * im, int x, OclConst ** in,
    const int *vin, int n_in);

/* One ONNX operator: its row of the table in onnx-registry.c, the only
 * list of the operators the importer knows. */
struct _OclOnnxOp {
  const char *op;
  /* The opsets of the default domain whose semantics the row's functions
   * implement (as onnxruntime registers a kernel for a range of
   * versions); where a form changed inside the range (attribute-style Pad
   * before 11, axes inputs from 13 and 18) the functions read
   * im->model->opset. */
  int first, last;
  /* Constant folding when every input is a constant, or NULL; it needs
   * inputs [0, fold_inputs) present. */
  OclFoldFunc fold;
  int fold_inputs;
  /* The run-time operator, or NULL for constants only.  With @commutes
   * the run-time operand may come second (Add (k, x)) and two run-time
   * operands are allowed; otherwise input 0 is the only one. */
  OclImportFunc import;
  gboolean commutes;
  /* The element-wise arithmetic the operator does: 'A' (Add, Sum), 'S'
   * (Sub), 'M' (Mul), 'D' (Div); 0 for any other operator. */
  char arith;
  /* The operator only moves or compares values (MaxPool, Reshape...), so
   * it commutes with quantization: it reads a quantized tensor (QOperator
   * files pass them to it) as its float tensor, and its output keeps the
   * input's quantization. */
  gboolean keeps_quant;
};

/* Returns: (transfer none) the row of @op, or NULL. */
const OclOnnxOp *ocl_onnx_find_op (const char *op);
/* Returns: (transfer none) row @i of the table, NULL past its end. */
const OclOnnxOp *ocl_onnx_get_op (guint i);
/* "AveragePool, BatchNormalization, ...": the operators with a run-time
 * form, for messages. */
char *ocl_onnx_describe_importers (void);

/* onnx-fold.c */
OclConst *ocl_fold_binary (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_cast (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_concat (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_constant (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_constant_of_shape (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_dequantize (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_gather (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_identity (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_reshape (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_shape (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_slice (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_squeeze (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_sum (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_transpose (OclImport * im, OclConst ** in, int n_in);
OclConst *ocl_fold_unsqueeze (OclImport * im, OclConst ** in, int n_in);

/* The importers: onnx-ops.c, onnx-layout.c, onnx-stack.c. */
#define OCL_OP_DECL(name) gboolean ocl_op_##name (OclImport * im, int x, \
    OclConst ** in, const int *vin, int n_in)
OCL_OP_DECL (arith);
OCL_OP_DECL (avgpool);
OCL_OP_DECL (cast);
OCL_OP_DECL (batchnorm);
OCL_OP_DECL (conv);
OCL_OP_DECL (dequantize);
OCL_OP_DECL (dynamic_quantize);
OCL_OP_DECL (concat);
OCL_OP_DECL (dropout);
OCL_OP_DECL (expand);
OCL_OP_DECL (flatten);
OCL_OP_DECL (gather);
OCL_OP_DECL (gemm);
OCL_OP_DECL (global_avgpool);
OCL_OP_DECL (identity);
OCL_OP_DECL (maxpool);
OCL_OP_DECL (pad);
OCL_OP_DECL (prelu);
OCL_OP_DECL (quantize);
OCL_OP_DECL (reduce_mean);
OCL_OP_DECL (relu);
OCL_OP_DECL (reshape);
OCL_OP_DECL (shape);
OCL_OP_DECL (sigmoid);
OCL_OP_DECL (slice);
OCL_OP_DECL (reduce_sum);
OCL_OP_DECL (softmax);
OCL_OP_DECL (split);
OCL_OP_DECL (sum);
OCL_OP_DECL (squeeze);
OCL_OP_DECL (transpose);
OCL_OP_DECL (unsqueeze);

/* Value @v of the graph being built. */
OclValue *ocl_import_value (OclImport * im, int v);
/* A node of @op on value @x, named after the ONNX node. */
int ocl_import_new_node (OclImport * im, OclOpType op, int x);
/* Infers node @i's output and names it after the ONNX node's output. */
gboolean ocl_import_finish_node (OclImport * im, int i);
/* A value named after the node's output that shares @x's storage (its
 * root's, when @x is an alias itself), of the dimensions given.  Adding a
 * value may move the values, so nothing of @x is read after. */
int ocl_import_alias_value (OclImport * im, int x, int rank, gint64 n,
    gint64 c, gint64 h, gint64 w);
/* FALSE, naming @what, when constant operand @c is missing. */
gboolean ocl_import_need_const (OclImport * im, OclConst * c, const char *what);
/* The ONNX dimensions of run-time value @v into @d; returns its rank. */
int ocl_import_logical_dims (const OclValue * v, gint64 * d);
/* @x as a value of @rank and ONNX dimensions @dims: a view where the
 * bytes stay, else a copy (onnx-layout.c). */
gboolean ocl_import_reshape_to (OclImport * im, int x, int rank,
    const gint64 * dims);
/* Frees a name's entry (the names table's value destructor). */
void ocl_import_entry_free (OclEntry * e);
/* Imports initializer entry @e on its first use; errors name it as the
 * node "'NAME' (initializer)". */
gboolean ocl_import_entry_resolve (OclImport * im, OclEntry * e);
/* A node of @op on run-time value @a (and @b when >= 0) for the node being
 * imported; its parameters are the caller's to set before
 * ocl_import_infer_node() infers its output, named after the node's first
 * output and @suffix ("": that name itself).  Returns: the output value,
 * or -1 with im->error set. */
int ocl_import_add_node (OclImport * im, OclOpType op, int a, int b);
int ocl_import_infer_node (OclImport * im, int i, const char *suffix);

/* Stacks (onnx-stack.c): 5-D N x K x C x H x W tensors held as K maps. */
void ocl_import_define_stack (OclImport * im, const char *name,
    const int *members, int k);
gboolean ocl_stack_unsqueeze (OclImport * im, int x);
gboolean ocl_stack_reshape (OclImport * im, int x, const gint64 * dims);
/* A node with a stack among its inputs (@stacks[k] NULL where input k is
 * none). */
gboolean ocl_stack_import (OclImport * im, GArray ** stacks, OclConst ** in,
    const int *vin, int n_in);

/* *INDENT-OFF* */
gboolean ocl_import_error (OclImport * im, OclError code, const char *fmt,
    ...) G_GNUC_PRINTF (3, 4);
/* *INDENT-ON* */
#define OCL_UNSUPPORTED(im, ...) \
  ocl_import_error ((im), OCL_ERROR_UNSUPPORTED, __VA_ARGS__)
#define OCL_MALFORMED(im, ...) \
  ocl_import_error ((im), OCL_ERROR_PARSE, __VA_ARGS__)

void ocl_import_define_const (OclImport * im, const char *name, OclConst * c);
void ocl_import_define_value (OclImport * im, const char *name, int v);
/* Takes @q. */
void ocl_import_define_quant (OclImport * im, const char *name, OclQuant * q);

/* A new constant computed by the node being imported, charged against
 * OCL_MAX_FOLD_BYTES for the whole import; NULL with im->error set when
 * its shape is out of range or the budget is spent. */
OclConst *ocl_import_const_new (OclImport * im, OclDType dtype, int rank,
    const gint64 * dims);
OclConst *ocl_import_const_copy (OclImport * im, const OclConst * c);
/* Converts a TensorProto, checking its shape against its data before
 * anything is allocated. */
OclConst *ocl_import_tensor (OclImport * im, Onnx__TensorProto * t,
    const char *what);

/* ---- quantization (QDQ) ------------------------------------------------- */

/* The scale and zero point of the Quantize- or DequantizeLinear being
 * imported (inputs 1 and 2) for a tensor of @c channels along its axis 1,
 * per tensor (@n = 1) or per channel (@n = @c): new arrays in @scale and
 * @zero, and the range of the quantized type (int8, uint8 when the zero
 * point is absent, int16, uint16).  FALSE with im->error set. */
gboolean ocl_import_quant_params (OclImport * im, OclConst ** in, int n_in,
    int rank, int c, int *n, float **scale, float **zero, float *qmin,
    float *qmax);

/* ---- other forms of quantization (onnx-quantized.c) ---------------------- */

typedef struct {
  GPtrArray *nodes;             /* Onnx__NodeProto *, to import in order */
  GPtrArray *owned;             /* what the rewrite allocated */
} OclNodeList;

/* The nodes of @gp to import, in order: the graph's own, but the QOperator
 * format's nodes and dynamic quantization's patterns (as
 * onnxruntime.quantization writes them) spelled in the QDQ form.  Free
 * with ocl_node_list_clear () once the import is done. */
void ocl_onnx_expand_quantized (const Onnx__GraphProto * gp, OclNodeList * out);
void ocl_node_list_clear (OclNodeList * l);

/* ---- attributes ---------------------------------------------------------- */

Onnx__AttributeProto *ocl_attr_find (Onnx__NodeProto * n, const char *name);
gint64 ocl_attr_int (Onnx__NodeProto * n, const char *name, gint64 def);
float ocl_attr_float (Onnx__NodeProto * n, const char *name, float def);
/* Copies the ints of attribute @name into @out (at most @max); returns the
 * full count, or -1 if absent.  Callers compare the count to @max. */
int ocl_attr_ints (Onnx__NodeProto * n, const char *name, gint64 * out,
    int max);
char *ocl_attr_string (Onnx__NodeProto * n, const char *name, const char *def);
/* The int list of constant @c in @out (at most @max); the full count, or -1
 * when @c is NULL. */
int ocl_const_ints (const OclConst * c, gint64 * out, int max);
/* ONNX Slice on one axis of size @dim (clamping as the operator defines,
 * for positive and negative steps), overflow-free for any int64 input:
 * the first index, the step and the number of elements taken. */
void ocl_slice_range (gint64 dim, gint64 s, gint64 e, gint64 step,
    gint64 * start, gint64 * step_out, gint64 * size);
/* Resolves an ONNX Reshape target @shape against the input's dimensions
 * (0 copies, -1 infers) into @out (OCL_MAX_RANK entries). */
gboolean ocl_import_resolve_reshape (OclImport * im, const OclConst * shape,
    int in_rank, const gint64 * in_dims, gsize total, gint64 * out);
/* @axis made non-negative for @rank, or -1 when outside [-rank, rank). */
int ocl_norm_axis (gint64 axis, int rank);

G_END_DECLS
