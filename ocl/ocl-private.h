/* Internal interfaces of the executor: context, programs, the graph IR the
 * ONNX importer produces and the compiler consumes, and the plan. */
#pragma once

#include <string.h>
#include <CL/cl.h>
#include "oclresnet.h"

G_BEGIN_DECLS

/* ---- context.c ---------------------------------------------------------- */

struct _OclContext {
  gint refcount;
  cl_platform_id platform;
  cl_device_id device;
  cl_context context;
  cl_device_type type;
  cl_uint compute_units;
  char *name;                   /* device name (platform name) */
  char *cache_tag;              /* device, driver and platform versions: binary cache key */
  GMutex lock;                  /* guards programs */
  GHashTable *programs;         /* "file|options" -> cl_program */
};

const char *ocl_cl_error_string (cl_int err);
/* Sets @error from a failed OpenCL call and returns FALSE. */
gboolean ocl_set_cl_error (GError ** error, cl_int err, const char *what);

/* ---- program.c ---------------------------------------------------------- */

/* Returns: (transfer none) the program built from embedded kernel source
 * @file ("conv" or "misc") with @options, from the context's table, the disk
 * cache or a fresh build, in that order.  Thread-safe. */
cl_program ocl_context_get_program (OclContext * ctx, const char *file,
    const char *options, GError ** error);

/* ---- tensor.c: constant tensors of the importer ------------------------- */

typedef enum { OCL_DT_FLOAT, OCL_DT_INT64 } OclDType;

#define OCL_MAX_RANK 8

typedef struct {
  OclDType dtype;
  int rank;
  gint64 dims[OCL_MAX_RANK];
  gsize n;                      /* number of elements */
  /* Float data is f, or raw: the model's own little-endian bytes (any
   * alignment, read-only, valid while the model is) until
   * ocl_const_floats() makes an aligned copy in f.  Integer data is i. */
  float *f;
  const guint8 *raw;
  gint64 *i;
} OclConst;

OclConst *ocl_const_new (OclDType dtype, int rank, const gint64 * dims);
void ocl_const_free (OclConst * c);
OclConst *ocl_const_copy (const OclConst * c);
void ocl_const_borrow (OclConst * c, const guint8 * raw);
const float *ocl_const_floats (OclConst * c);
double ocl_const_get (const OclConst * c, gsize idx);
gint64 ocl_const_get_int (const OclConst * c, gsize idx);
void ocl_const_set (OclConst * c, gsize idx, double v);

/* ---- the graph IR -------------------------------------------------------- */

typedef enum {
  OCL_OP_CONV,                  /* also Gemm/MatMul as a 1x1 (or HxW) convolution */
  OCL_OP_AFFINE,                /* batch norm, or a per-channel Add/Mul of a constant */
  OCL_OP_RELU,
  OCL_OP_MAXPOOL,
  OCL_OP_AVGPOOL,
  OCL_OP_GLOBALAVGPOOL,
  OCL_OP_ADD,
  OCL_OP_FLATTEN,               /* [N,C,H,W] -> [N,C*H*W] with H*W > 1 */
  OCL_OP_PAD,
  OCL_OP_SLICE,
  OCL_OP_SOFTMAX,
} OclOpType;

/* A runtime tensor.  Its logical shape is NCHW; rank-2 values [N,K] are
 * stored as [N,K,1,1].  On the device every value is channels-last (NHWC). */
typedef struct {
  char *name;
  int rank;                     /* 2 or 4 */
  int n, c, h, w;
  int producer;                 /* node index, -1 for the graph input or an alias */
  int alias;                    /* value whose storage this one shares, or -1 */
} OclValue;

typedef struct {
  OclOpType op;
  char *name;                   /* ONNX node name, or "<OpType>_<index>" */
  const char *onnx_op;          /* ONNX op type it came from */
  int in[2];
  int n_in;
  int out;
  gboolean dead;                /* absorbed into another node by fusion */

  /* windows: convolution and pooling */
  int kh, kw, sh, sw, pt, pl, pb, pr;
  gboolean ceil_mode, count_include_pad;

  /* convolution: weight [oc][ic][kh][kw], bias [oc] (nullable).  The
   * weight is either owned (weight) or borrowed from the model (weight_raw:
   * little-endian floats at any alignment, read-only, valid while the
   * model is); read it through ocl_node_weight_bytes(),
   * ocl_node_own_weight() makes it writable, and the net drops it once it
   * is packed into a device buffer. */
  int oc, ic;
  float *weight;
  const guint8 *weight_raw;
  float *bias;

  /* affine: y = x * scale[c] + shift[c] */
  float *scale;
  float *shift;

  /* pad: begins then ends for N,C,H,W; slice: start and step for N,C,H,W */
  int pads[8];
  float pad_value;
  int starts[4], steps[4], sizes[4];

  /* epilogue, set by the fuser: ReLU and a residual add of a (strided,
   * channel-offset) view of value `residual`: r[n,y,x,c] =
   * res[n, y*res_stride, x*res_stride, c - res_coff] (0 outside). */
  gboolean relu;
  int residual;                 /* value index or -1 */
  int res_stride, res_coff;
} OclNode;

typedef struct {
  GArray *values;               /* OclValue */
  GArray *nodes;                /* OclNode, in execution order */
  int input, output;
} OclGraph;

OclGraph *ocl_graph_new (void);
void ocl_graph_free (OclGraph * g);
float *ocl_node_own_weight (OclNode * n);
void ocl_node_drop_weight (OclNode * n);

static inline const guint8 *
ocl_node_weight_bytes (const OclNode * n)
{
  return n->weight ? (const guint8 *) n->weight : n->weight_raw;
}

/* Float @i of little-endian float bytes @p at any alignment. */
static inline float
ocl_load_float (const guint8 * p, gsize i)
{
  float v;
  memcpy (&v, p + i * sizeof (float), sizeof (float));
  return v;
}
int ocl_graph_add_value (OclGraph * g, const char *name, int rank, int n,
    int c, int h, int w);
/* Returns the index of a new node (zeroed, residual = -1). */
int ocl_graph_add_node (OclGraph * g, OclOpType op, const char *name,
    const char *onnx_op);
#define OCL_NODE(g, i) (&g_array_index ((g)->nodes, OclNode, (i)))
#define OCL_VALUE(g, i) (&g_array_index ((g)->values, OclValue, (i)))
/* Infers the output shape of node @i from its inputs and adds its output
 * value; FALSE with @error naming the node when the shape does not work. */
gboolean ocl_graph_infer_node (OclGraph * g, int i, const char *out_name,
    GError ** error);
/* Fuses BN, bias, ReLU, residual adds, pads and flatten+FC into convolutions. */
void ocl_graph_fuse (OclGraph * g);
/* Drops dead nodes: execution order is kept. */
void ocl_graph_compact (OclGraph * g);
/* Counts uses of every value by live nodes (residual reads included). */
int *ocl_graph_count_uses (const OclGraph * g);

/* ---- onnx-import.c ------------------------------------------------------- */

/* Builds the runtime graph of @model for an input of @shape (NCHW). */
OclGraph *ocl_model_build_graph (const OclModel * model, const gint64 shape[4],
    GError ** error);

/* ---- net.c ---------------------------------------------------------------- */

/* Compiles @g (taking ownership of it, even on failure). */
OclNet *ocl_net_new_from_graph (OclContext * ctx, OclGraph * g,
    GError ** error);

/* ---- image.c ------------------------------------------------------------ */

/* Source and destination rectangles for one region (see preprocess.cl);
 * FALSE when the region is empty after clipping to the image. */
gboolean ocl_image_geometry (const OclImage * img, const OclRect * rect,
    OclResizeMode mode, int height, int width, int geo[8]);
void ocl_yuv_coefficients (OclYuvMatrix m, float *kr, float *kb);

/* ---- ref/ref.c: plain C reference of every node (NCHW, float) ------------ */

/* Runs @g on @input (NCHW) and returns the output value's data (g_free). */
float *ocl_ref_run_graph (const OclGraph * g, const float *input);

G_END_DECLS
