/* Internal interfaces of the executor: context, programs, the graph IR the
 * ONNX importer produces and the compiler consumes, and the plan. */
#pragma once

#include <string.h>
#include <CL/cl.h>
#include "oclresnet.h"
#include "kernels/ocl-sig.h"

G_BEGIN_DECLS

/* ---- device.c ----------------------------------------------------------- */

/* Every decision that depends on the kind of device, and every OCLRESNET_*
 * override, made once when the context is created: the planner reads
 * this record and nothing else.  (Tests change its fields between nets to
 * force each path; users set the environment variables.) */
typedef struct {
  gboolean cpu;                 /* register-tiled kernels, one-item work-groups */
  gboolean unified_memory;      /* the device reads host memory in place */
  cl_uint compute_units;
  /* The floats a CPU device's vector registers hold, and its native float
   * vector (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT): that many lanes times the
   * host's registers, 32 with AVX-512 or on AArch64, 16 with AVX2 or SSE;
   * 0 where unknown (GPUs).
   * Register tiles stay inside them: on AVX2 the AVX-512 tiles (32
   * float16 accumulators) spilled, and ResNet-50's 1x1 layers ran at 40
   * GFLOP/s against 90 with a tile that fits (BENCHMARKS.md). */
  guint reg_floats;
  guint lanes;
  /* Winograd for 3x3 stride-1 layers (OCLRESNET_WINOGRAD): -1 where it
   * pays (CPU devices, the variant chosen per layer), 0 never, 1 or 2
   * F(2x2, 3x3) wherever it applies, 4 F(4x4, 3x3) wherever it applies. */
  int winograd;
  /* The local-memory tiled kernel's work-group side: 0 for the register-
   * tiled kernels, else 8 or 16 (OCLRESNET_CONV_TILED=0/1/8/16).  A layer
   * whose tiled kernel does not fit the device (work-items, local memory)
   * falls back to 8, then to the register-tiled kernels, unless the side
   * was forced (OCLRESNET_CONV_TILED=8/16, or a test): then it fails,
   * naming the layer. */
  int tiled_side;
  gboolean tiled_forced;
  /* OCLRESNET_CONV_TILE=PXxNB[xBPI]: a forced register tile; 0 = choose. */
  int force_px, force_nb, force_bpi;
  /* Dense unpadded 1x1 layers as whole maps (conv1x1_nhwc):
   * OCLRESNET_CONV_STREAM=0 never, N > 0 always, N input channels a
   * chunk; unset (-1): chosen by shape where stream_pays. */
  int conv_stream;
  /* The whole-map 1x1 kernel pays on this device: CPU devices but AMD's.
   * Measured on an Intel Xeon (AVX-512, 2 MiB L2 a core), ResNeXt-50's
   * 7x7-stage 1x1 layers 6.3-6.7 -> 4.6-4.8 ms; on an AMD EPYC (Zen 4,
   * 1 MiB L2 a core, 32 MiB L3) the 14x14 and 7x7 layers lost 0.9 ms in
   * all, ResNet-50 0.5 ms: conv2d_nhwc's repeated weight reads come
   * from its L3 at compute speed there. */
  gboolean stream_pays;
  /* The largest device buffer a net may allocate: the device's
   * CL_DEVICE_MAX_MEM_ALLOC_SIZE, or OCLRESNET_MAX_ALLOC_MB if smaller. */
  guint64 max_alloc;
  /* What a launch may ask for: CL_DEVICE_MAX_WORK_GROUP_SIZE,
   * CL_DEVICE_MAX_WORK_ITEM_SIZES and CL_DEVICE_LOCAL_MEM_SIZE.  The plan
   * checks every explicit work-group against them and against the
   * kernel's own CL_KERNEL_WORK_GROUP_SIZE and CL_KERNEL_LOCAL_MEM_SIZE. */
  size_t max_work_group;
  size_t max_work_item[3];
  guint64 local_mem;
  /* Measured kernel choice (OCLRESNET_TUNE): 1 (the default) times each
   * candidate of a convolution that has several on the device, once, in
   * the planned network (ocl_conv_measure_pending), and
   * keeps the fastest in the tuning cache (conv-tune.c); 0 takes the
   * rules' pick (conv-choice.c); 2 measures again and rewrites the cache
   * (`oclresnet tune`).  Nothing is measured when a variable above forces
   * a kernel.  Measuring stops for the rest of a net once it has
   * taken tune_budget_ms (OCLRESNET_TUNE_BUDGET_MS). */
  int tune;
  int tune_budget_ms;
  /* Device memory the candidates of the layers still to be timed may hold
   * (every candidate's weights live until the network has timed them): a
   * quarter of CL_DEVICE_GLOBAL_MEM_SIZE.  Layers planned past it take the
   * rules' pick and are measured on a later load. */
  guint64 tune_mem;
} OclTuning;

struct _OclContext {
  gint refcount;
  cl_platform_id platform;
  cl_device_id device;
  cl_context context;
  cl_device_type type;
  OclTuning tuning;
  char *name;                   /* device name (platform name) */
  char *cache_tag;              /* device, driver and platform versions: binary cache key */
  GMutex lock;                  /* guards programs and the tuning cache */
  GHashTable *programs;         /* "file|options" -> cl_program */
  GHashTable *tuned;            /* layer signature -> pick (conv-tune.c) */
  char *tune_path;
  gboolean tune_dirty;          /* tuned has entries the file lacks */
};

const char *ocl_cl_error_string (cl_int err);
/* Names and strings from a file end up in messages: this makes @error's
 * message one line of valid UTF-8 (control characters become '?'), as the
 * public functions promise. */
void ocl_error_make_one_line (GError ** error);
/* Sets @error from a failed OpenCL call and returns FALSE. */
gboolean ocl_set_cl_error (GError ** error, cl_int err, const char *what);

/* ---- file.c: files a model names ----------------------------------------- */

/* Maps the regular file @path read-only without ever waiting on it: a
 * FIFO, a device, a socket or a directory is refused at once, with an
 * error naming @what ("model", "external data") and @path. */
GMappedFile *ocl_file_map (const char *path, const char *what, GError ** error);
/* Resolves @location (relative, already checked for ".." and absolute
 * paths) against folder @dir, whose resolved form is @real_dir, following
 * symbolic links: the resolved path, or NULL with @error naming both when
 * it is missing or lies outside @real_dir.  The caller opens what it
 * returns (no link left in it). */
char *ocl_file_resolve_inside (const char *dir, const char *real_dir,
    const char *location, const char *what, GError ** error);

/* ---- program.c ---------------------------------------------------------- */

/* Returns: (transfer none) the program built from embedded kernel source
 * @file ("conv" or "misc") with @options, from the context's table, the disk
 * cache or a fresh build, in that order.  Thread-safe. */
cl_program ocl_context_get_program (OclContext * ctx, const char *file,
    const char *options, GError ** error);
/* The same, built now and not cached (the caller releases it): tests add
 * options such as -cl-kernel-arg-info. */
cl_program ocl_context_build_program (OclContext * ctx, const char *file,
    const char *options, GError ** error);

/* ---- tensor.c: constant tensors of the importer ------------------------- */

/* IEEE half precision: the value of bits @h, and the bits nearest @f
 * (ties to even; beyond the range, infinity). */
float ocl_half_to_float (guint16 h);
guint16 ocl_float_to_half (float f);

typedef enum { OCL_DT_FLOAT, OCL_DT_INT64 } OclDType;

/* Limits on what a model file may ask for (README, "Limits").  A file
 * beyond them fails to load with an error naming the node. */
#define OCL_MAX_RANK 8          /* of any tensor */
#define OCL_MAX_WINDOW 65536    /* kernel size, stride, padding, image side */
#define OCL_MAX_DILATION 64     /* a convolution's, spread into its kernel */
#define OCL_MAX_CONST_ELEMENTS ((gsize) 1 << 28)        /* one constant */
#define OCL_MAX_FOLD_BYTES ((gsize) 256 << 20)  /* all constants folded */
#define OCL_MAX_VALUE_ELEMENTS ((gsize) 1 << 28)        /* one run-time tensor */

typedef struct {
  OclDType dtype;
  int rank;
  gint64 dims[OCL_MAX_RANK];
  gsize n;                      /* number of elements */
  /* The data is f (floats) or i (integers), or raw: the model's own
   * little-endian bytes of ONNX type elem_type (float32, or an integer
   * type of at most 4 bytes; any alignment, read-only, valid while the
   * model is), read through ocl_const_get (); ocl_const_floats() makes an
   * aligned copy of raw floats in f. */
  float *f;
  const guint8 *raw;
  gint64 *i;
  /* The ONNX element type it was read as (a quantized tensor's zero point
   * says int8 or uint8), 0 when computed. */
  int elem_type;
} OclConst;

/* The element count of a tensor of @rank dimensions @dims: FALSE when the
 * rank exceeds OCL_MAX_RANK, a dimension is negative or the product
 * exceeds OCL_MAX_CONST_ELEMENTS (checked, so it cannot wrap). */
gboolean ocl_const_count (int rank, const gint64 * dims, gsize * n);
/* Returns: (transfer full) (nullable) a zeroed constant; NULL, allocating
 * nothing, when ocl_const_count() refuses the shape. */
OclConst *ocl_const_new (OclDType dtype, int rank, const gint64 * dims);
void ocl_const_free (OclConst * c);
OclConst *ocl_const_copy (const OclConst * c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OclConst, ocl_const_free);
/* A read-only view of @raw, elements of ONNX type @elem_type: nothing is
 * copied or widened.  NULL when ocl_const_count() refuses the shape. */
OclConst *ocl_const_new_view (OclDType dtype, int rank, const gint64 * dims,
    const guint8 * raw, int elem_type);
/* Bytes of one element of ONNX type @dt (0: not a type constants take),
 * and the value of the element at @p. */
int ocl_elem_size (int dt);
double ocl_raw_elem (const guint8 * p, int dt);
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
  OCL_OP_SIGMOID,               /* 1 / (1 + e^-x), or hard: clamp (alpha x + beta, 0, 1) */
  OCL_OP_MUL,                   /* x * y, y of x's shape or N x C x 1 x 1 (a channel gate) */
  OCL_OP_FAKEQUANT,             /* QuantizeLinear -> DequantizeLinear, in float */
  OCL_OP_PRELU,                 /* x < 0 ? x * scale[c] : x */
  OCL_OP_DYNQUANT,              /* DynamicQuantizeLinear -> DequantizeLinear:
                                 * uint8 over the run's tensor range */
} OclOpType;
/* Operators: the execution registry has a row for each. */
#define OCL_OP_COUNT (OCL_OP_DYNQUANT + 1)

/* A runtime tensor.  Its logical shape is NCHW; rank-2 values [N,K] are
 * stored as [N,K,1,1].  On the device every value is channels-last (NHWC). */
typedef struct {
  char *name;
  int rank;                     /* 2 or 4 */
  int n, c, h, w;
  int producer;                 /* node index, -1 for the graph input or an alias */
  int alias;                    /* value whose storage this one shares, or -1 */
  /* Expand's output: an N x C x 1 x 1 value standing for its broadcast to
   * N x C x bh x bw, which only a Mul takes (as a channel gate); 0: a
   * value like any other. */
  int bh, bw;
} OclValue;

typedef struct {
  OclOpType op;
  char *name;                   /* ONNX node name, or "<OpType>_<index>" */
  const char *onnx_op;          /* ONNX op type it came from */
  int in[2];
  int n_in;
  int out;
  gboolean dead;                /* absorbed into another node by fusion */

  /* windows: convolution and pooling; kh and kw span the dilated window,
   * whose taps max pooling takes dh and dw apart (0 or 1: every pixel;
   * a convolution's dilation is spread into its weight instead) */
  int kh, kw, sh, sw, pt, pl, pb, pr;
  int dh, dw;
  gboolean ceil_mode, count_include_pad;

  /* convolution: weight [oc][ic][kh][kw], bias [oc] (nullable).  The
   * weight is either owned (weight) or borrowed from the model (weight_raw:
   * little-endian floats at any alignment, read-only, valid while the
   * model is); read it through ocl_node_weight_bytes(),
   * ocl_node_own_weight() makes it writable, and the net drops it once it
   * is packed into a device buffer. */
  int oc, ic;
  int group;                    /* grouped convolution: ic and oc split in @group (0 or 1: dense) */
  float *weight;
  const guint8 *weight_raw;
  float *bias;

  /* affine: y = x * scale[c] + shift[c]; with divide, x / scale[c] +
   * shift[c] (a Div by a constant whose reciprocal a float cannot hold,
   * as 1 / 1e-40: such a node is not folded into a convolution) */
  float *scale;
  float *shift;
  gboolean divide;

  /* pad: begins then ends for N,C,H,W; slice: start and step for N,C,H,W */
  int pads[8];
  float pad_value;

  /* sigmoid: hard sigmoid when set, with alpha and beta; fakequant: qmin
   * and qmax in alpha and beta, and in scale 4 x oc floats: the quantize
   * scale and zero point, the dequantize scale and zero point, per
   * channel: y = (clamp (rint (x / s) + z, qmin, qmax) - z') * s' */
  gboolean hard;
  float alpha, beta;
  int starts[4], steps[4], sizes[4];

  /* softmax of an N x C tensor: 0 or 1, over each row's C channels; S > 1,
   * over channels c, c + S, c + 2S, ... for each c < S (a selective-kernel
   * block's C / S paths of S channels side by side: a softmax across the
   * paths, channel by channel) */
  int softmax_step;

  /* epilogue, set by the fuser: ReLU and a residual add of a (strided,
   * channel-offset) view of value `residual`: r[n,y,x,c] =
   * res[n, y*res_stride, x*res_stride, c - res_coff] (0 outside). */
  gboolean relu;
  int residual;                 /* value index or -1 */
  int res_stride, res_coff;
  /* convolution epilogue, set by the fuser: quantize-dequantize passes
   * before the residual add (0) and after the ReLU (1), each 4 x oc floats
   * laid out as a fakequant node's scale, with qmin and qmax in qrange;
   * NULL: none. */
  float *quant[2];
  float qrange[2][2];
} OclNode;

/* A graph output: the value it reads and what the file calls it. */
typedef struct {
  int value;
  char *name;
  gboolean half;                /* a float16 tensor in the file */
} OclGraphOutput;

typedef struct {
  GArray *values;               /* OclValue */
  GArray *nodes;                /* OclNode, in execution order */
  int input;
  GArray *outputs;              /* OclGraphOutput, in the file's order */
  gboolean input_nhwc;          /* ocl_net_run() takes N x H x W x C */
} OclGraph;

#define OCL_GRAPH_OUTPUT(g, i) (&g_array_index ((g)->outputs, OclGraphOutput, (i)))

OclGraph *ocl_graph_new (void);
void ocl_graph_free (OclGraph * g);
float *ocl_node_own_weight (OclNode * n);
void ocl_node_drop_weight (OclNode * n);

/* Input channels each output channel of a convolution reads: its weight is
 * [oc][icg][kh][kw]. */
static inline int
ocl_node_icg (const OclNode * n)
{
  return n->group > 1 ? n->ic / n->group : n->ic;
}

/* A grouped convolution runs as a dense one per block of @ocb output
 * channels, over the KC consecutive input channels the block's groups
 * read (block-diagonal weights, zero between groups): KC is the most any
 * block needs, and block @blk starts at input channel
 * ocl_conv_block_ic0().  Dense convolutions: KC = IC, from 0. */
static inline int
ocl_conv_block_inputs (const OclNode * n, int ocb)
{
  const int g = MAX (n->group, 1), ocg = n->oc / g, icg = n->ic / g;
  int kc = 0;

  if (g == 1)
    return n->ic;
  for (int oc0 = 0; oc0 < n->oc; oc0 += ocb) {
    int g0 = oc0 / ocg, g1 = (MIN (oc0 + ocb, n->oc) - 1) / ocg;
    kc = MAX (kc, (g1 - g0 + 1) * icg);
  }
  return MIN (kc, n->ic);
}

/* Grouped convolutions that conv2d_grouped_nhwc runs (GS inputs and
 * outputs per group, GS dividing 8, whole 16-channel blocks): GS, else 0.
 * Groups of 16 are one block each: conv2d_nhwc's broadcasts do their
 * exact work with one accumulator a pixel instead of 16 (ResNeXt-50's
 * 14x14 layers 0.23 -> 0.17 ms); groups of 8 are two halves of a block
 * there (-DHALVES), where the lane kernel's registers hold one pixel
 * (conv-choice.c). */
static inline int
ocl_conv_lane_groups (const OclNode * n)
{
  const int g = MAX (n->group, 1), gs = n->oc / g;

  return g > 1 && n->ic == n->oc && gs <= 8 && 8 % gs == 0
      && n->ic % 16 == 0 ? gs : 0;
}

static inline int
ocl_conv_block_ic0 (const OclNode * n, int ocb, int kc, int blk)
{
  const int g = MAX (n->group, 1);

  return g == 1 ? 0 : MIN (blk * ocb / (n->oc / g) * (n->ic / g), n->ic - kc);
}

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
/* Makes value @v graph output @name (float16 in the file when @half). */
void ocl_graph_add_output (OclGraph * g, int v, const char *name,
    gboolean half);
int ocl_graph_add_node (OclGraph * g, OclOpType op, const char *name,
    const char *onnx_op);
#define OCL_NODE(g, i) (&g_array_index ((g)->nodes, OclNode, (i)))
#define OCL_VALUE(g, i) (&g_array_index ((g)->values, OclValue, (i)))
/* Infers the output shape of node @i from its inputs and adds its output
 * value; FALSE with @error naming the node when the shape does not work. */
gboolean ocl_graph_infer_node (OclGraph * g, int i, const char *out_name,
    GError ** error);
/* Output extent of a window of @k taps, stride @s, over @in with pads
 * @pad0 and @pad1 (@ceil_mode: ONNX's ceil_mode); 0 when it does not fit. */
static inline int
ocl_window_out (int in, int pad0, int pad1, int k, int s, gboolean ceil_mode)
{
  int span = in + pad0 + pad1 - k;
  int o;

  if (span < 0)
    return 0;
  o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  /* The last window must start inside the input or its leading pad. */
  if (ceil_mode && (o - 1) * s >= in + pad0)
    o--;
  return o;
}

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

/* ---- plan.c --------------------------------------------------------------- */

/* Compiles @g (taking ownership of it, even on failure). */
OclNet *ocl_net_new_from_graph (OclContext * ctx, OclGraph * g,
    GError ** error);

/* ---- the execution registry (exec-registry.c) ---------------------------- */

/* What a kernel's epilogue applies to an operator's result, for the
 * fuser: ReLU, a residual add, quantize-dequantize passes. */
typedef enum {
  OCL_EPI_RELU = 1,
  OCL_EPI_RESIDUAL = 2,
  OCL_EPI_QUANT = 4,
} OclEpilogueParts;

/* One row per IR operator: everything the graph and the plan know of it.
 * Adding an operator adds a row (and its import row, kernel and reference
 * test); nothing else switches on OclOpType. */
typedef struct {
  OclOpType op;
  const char *name;
  guint epilogue;               /* OclEpilogueParts its kernels apply */
  /* The output's shape into @o, which holds the first input's: NULL, or
   * what is wrong (g_free). */
  char *(*infer) (const OclGraph * g, const OclNode * n, OclValue * o);
  /* Appends the node's launches to @net. */
    gboolean (*plan) (OclNet * net, OclNode * n, GError ** error);
} OclExecOp;

const OclExecOp *ocl_exec_op (OclOpType op);

/* The rows' functions: convolution's in exec-conv.c, the others' in
 * exec-ops.c. */
char *ocl_conv_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_conv_plan (OclNet * net, OclNode * n, GError ** error);
/* Times the candidates of the layers that measure theirs, in the planned
 * network, and keeps each one's fastest (exec-conv.c). */
gboolean ocl_conv_measure_pending (OclNet * net, GError ** error);
char *ocl_affine_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_affine_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_relu_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_relu_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_pool_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_pool_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_global_avgpool_infer (const OclGraph * g, const OclNode * n,
    OclValue * o);
gboolean ocl_global_avgpool_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_add_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_add_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_mul_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_mul_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_flatten_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_flatten_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_pad_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_pad_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_slice_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_slice_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_softmax_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_softmax_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_sigmoid_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_sigmoid_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_fakequant_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_fakequant_plan (OclNet * net, OclNode * n, GError ** error);
char *ocl_prelu_infer (const OclGraph * g, const OclNode * n, OclValue * o);
gboolean ocl_prelu_plan (OclNet * net, OclNode * n, GError ** error);
gboolean ocl_dynquant_plan (OclNet * net, OclNode * n, GError ** error);

/* ---- convolution kernel choice (conv-choice.c) --------------------------- */

typedef enum {
  OCL_CONV_DIRECT,              /* conv2d_nhwc */
  OCL_CONV_STREAM,              /* conv1x1_nhwc: whole 1x1 maps, KCH channels a chunk */
  OCL_CONV_LANES,               /* conv2d_grouped_nhwc: GS small groups in one vector */
  OCL_CONV_WINOGRAD2,           /* conv3x3_winograd_nhwc: F(2x2, 3x3) */
  OCL_CONV_WINOGRAD4,           /* winograd4_input_nhwc, conv3x3_winograd4_nhwc */
  OCL_CONV_TILED,               /* conv2d_tiled_nhwc: local memory, GPUs */
} OclConvKind;

/* A convolution kernel and its tile. */
typedef struct {
  OclConvKind kind;
  int px;                       /* pixels (direct, stream, lanes) or tiles
                                 * (Winograd) a work-item */
  int nb;                       /* 16-channel blocks a work-item */
  int bpi;                      /* output blocks a work-item (direct kernels) */
  int kch;                      /* stream: input channels a chunk */
  int gs;                       /* lanes: the group size; direct: 8 where
                                 * each half of a block reads its own
                                 * group of 8 (-DHALVES), else 0 */
  int side;                     /* tiled: the work-group's side */
  gboolean raster;              /* direct: PX pixels of the map in raster
                                 * order, a tile wrapping onto the next row
                                 * (else PX of one row) */
} OclConvChoice;

#define OCL_CONV_MAX_CANDIDATES 8

/* The direct kernel with each half of a block on its own group of 8
 * (-DHALVES). */
static inline gboolean
ocl_conv_halves (const OclConvChoice * c)
{
  return c->kind == OCL_CONV_DIRECT && c->gs == 8;
}

/* The input channels a 16-channel output block of the direct kernels
 * reads under choice @c (their KC): the group's own with the halves, else
 * ocl_conv_block_inputs (). */
static inline int
ocl_conv_choice_inputs (const OclNode * n, const OclConvChoice * c)
{
  return ocl_conv_halves (c) ? ocl_node_icg (n) :
      ocl_conv_block_inputs (n, 16 * c->nb);
}

/* The kernels convolution @n (output @y) can run on a device of tuning
 * @t, in the order to try: the first is the plan's pick.  Returns how many
 * (at least 1) are in @out. */
guint ocl_conv_candidates (const OclNode * n, const OclValue * y,
    const OclTuning * t, OclConvChoice * out);
/* 2 or 4: the Winograd variant the rules pick for @n; 0: none. */
int ocl_conv_winograd (const OclNode * n, const OclValue * y,
    const OclTuning * t);
/* "winograd4 WT=4 NB=2", "PX=4 NB=2 x8": in profiles and descriptions. */
void ocl_conv_choice_describe (const OclConvChoice * c, char *buf, gsize size);

/* ---- the tuning cache (conv-tune.c) --------------------------------------- */

/* The file of @ctx's device, driver and kernel source. */
char *ocl_tune_cache_path (OclContext * ctx);
/* The pick measured for layer signature @layer among the @n candidates
 * @choices (as ocl_conv_choice_describe () writes them; g_free), or
 * NULL. */
char *ocl_tune_lookup (OclContext * ctx, const char *layer,
    char *const *choices, guint n);
void ocl_tune_store (OclContext * ctx, const char *layer, char *const *choices,
    guint n, const char *choice);
/* Writes the picks stored since the last save. */
void ocl_tune_save (OclContext * ctx);
/* What a convolution's time depends on: its window, groups, shapes,
 * batch and epilogue. */
char *ocl_conv_signature (const OclGraph * g, const OclNode * n);

/* A measured candidate replaces the rules' pick when it takes less than
 * this fraction of its time. */
#define OCL_TUNE_MARGIN 0.97

/* Rounds of the measurement that count (exec-conv.c runs one more first,
 * in which drivers build what a kernel's first launch needs). */
#define OCL_TUNE_ROUNDS 5

/* One measured layer, for `oclresnet tune` and the profile. */
typedef struct {
  char *node;
  char *layer;                  /* ocl_conv_signature () */
  guint n;                      /* candidates */
  char *choice[OCL_CONV_MAX_CANDIDATES];
  double ms[OCL_CONV_MAX_CANDIDATES];   /* median of the rounds; < 0: did
                                         * not fit the device */
  guint runs[OCL_CONV_MAX_CANDIDATES];  /* rounds timed */
  double round_ms[OCL_CONV_MAX_CANDIDATES][OCL_TUNE_ROUNDS];
  /* The median over the rounds of its time over the first's (the rules'
   * pick, or the first that fits) in the same round. */
  double vs_first[OCL_CONV_MAX_CANDIDATES];
  guint pick;
  gboolean cached;              /* from the cache: nothing was timed */
} OclTuneRecord;

void ocl_tune_record_clear (OclTuneRecord * r);
guint ocl_tune_first_fit (const OclTuneRecord * r);
/* The candidate of pending layer @j that configuration @k (of @n_configs,
 * the most candidates a pending layer has) of a measurement round runs,
 * and whether it is timed there; each round times each candidate that
 * fits once. */
guint ocl_tune_config_candidate (const OclTuneRecord * r, guint j,
    guint round, guint k, guint n_configs, gboolean * timed);
void ocl_tune_pick (OclTuneRecord * r);

/* A layer whose candidates are all planned, one after the other, until
 * the network has timed them: each candidate's steps, buffers and weight
 * bytes. */
typedef struct {
  guint record;                 /* in net->tuned */
  guint first_step[OCL_CONV_MAX_CANDIDATES], last_step[OCL_CONV_MAX_CANDIDATES];
  guint first_mem[OCL_CONV_MAX_CANDIDATES], last_mem[OCL_CONV_MAX_CANDIDATES];
  guint64 weight_bytes[OCL_CONV_MAX_CANDIDATES];
  gboolean winograd4[OCL_CONV_MAX_CANDIDATES];
} OclPendingLayer;

/* ---- npy.c ---------------------------------------------------------------- */

/* ocl_npy_load() on @len bytes in memory; @path names them in errors. */
float *ocl_npy_parse (const char *data, gsize len, const char *path,
    int *ndim, gint64 shape[8], GError ** error);

/* ---- the net: plan.c builds it, run.c runs it, pack.c lays out weights --- */

/* The most floats an NCHW input may have to be reordered on the host. */
#define OCL_HOST_REORDER_MAX 16384

/* One launch.  Its NDRange is legal OpenCL 1.2 for any run of 1 to the
 * compiled batch of images: ocl_step_range() gives it.  The last dimension
 * covers the batch, per_image units of work for each image and
 * units_per_item units to a work-item; every global size is a multiple of
 * the local size, and a kernel with a local size guards the work-items
 * past its range. */
typedef struct {
  cl_kernel kernel;
  cl_uint dim;
  size_t gws[3];                /* the compiled batch's, as launched */
  size_t lws[3];                /* all 0: let the driver choose */
  size_t per_image, units_per_item;
  char *desc;
  char *node;
  double flops;
  double ms;
} OclStep;

/* The global size of step @s for a run of the first @n images. */
void ocl_step_range (const OclStep * s, int n, size_t gws[3]);

/* A compiled net: its launches (steps), the buffers, and what a run of an
 * image needs. */
struct _OclNet {
  OclContext *ctx;
  int batch;
  cl_command_queue queue;
  OclGraph *g;
  GArray *steps;                /* OclStep */
  GPtrArray *mems;              /* every cl_mem we own */
  cl_mem input_nchw;
  cl_mem *value_mem;            /* per value index (aliases resolved) */
  gsize in_size, out_size;      /* floats; out_size: every output's */
  gsize out_per_image;          /* floats of all outputs for one image */
  OclOutputInfo *outs;          /* per graph output; offset in out_per_image */
  gboolean profiling;
  /* Measured kernel choice: while candidates are timed (weights stay on
   * the host between packings), the time spent, and what was picked. */
  gboolean measuring;
  const char *conv_note;        /* "measured", "cached": in the next layer's description */
  gint64 tune_us;
  GArray *tuned;                /* OclTuneRecord */
  GArray *pending;              /* OclPendingLayer, until measured */
  guint64 pending_bytes;        /* their candidates' device memory */
  guint64 n_params, macs, device_bytes, weight_bytes;
  float *host_in;               /* NULL, or a small input reordered to NHWC */
  float *host_out;              /* staging: a batch entry's outputs are
                                 * contiguous, and 4-D ones NCHW */

  /* ocl_net_run_image () */
  cl_kernel preprocess;
  cl_mem geo;                   /* 8 ints per batch entry */
  int *geo_host;
  cl_mem *planes;               /* [batch][3] staging, devices without shared memory */
  gsize *plane_size;
  gboolean unified_memory;

  cl_mem zero;                  /* zeros that padding pixels read (zero_buffer ()) */
  cl_mem v4;                    /* F(4x4) transformed input, any layer's */
  gboolean v4_runs;             /* a step that stays reads v4 */
};

/* Kernel arguments set in order with a sticky error (Arm Compute Library
 * style): the first failure is kept, the rest are skipped. */
typedef struct {
  OclNet *net;
  cl_kernel k;
  cl_uint arg;
  cl_int err;
} OclArgs;

static inline void
ocl_arg_mem (OclArgs * a, cl_mem m)
{
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (cl_mem), &m);
  a->arg++;
}

static inline void
ocl_arg_int (OclArgs * a, int v)
{
  cl_int x = v;
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (x), &x);
  a->arg++;
}

static inline void
ocl_arg_float (OclArgs * a, float v)
{
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (v), &v);
  a->arg++;
}

static inline void
ocl_arg_float4 (OclArgs * a, cl_float4 v)
{
  if (a->err == CL_SUCCESS)
    a->err = clSetKernelArg (a->k, a->arg, sizeof (v), &v);
  a->arg++;
}

/* ---- launches (plan-steps.c) and device memory (plan-buffers.c) -------- */

/* Starts a step running @kernel of kernel file @file built with
 * @options: @a is ready for its arguments. */
gboolean ocl_step_begin (OclNet * net, OclArgs * a, const char *file,
    const char *options, const char *kernel, GError ** error);
/* Appends the step begun in @a for @node (NULL: the input's), taking
 * @desc: @flops for the profile, an NDRange of @dim dimensions @g0 x @g1
 * x @g2, the last one the batch times a per-image extent. */
gboolean ocl_step_end (OclNet * net, OclArgs * a, const OclNode * node,
    char *desc, double flops, cl_uint dim, size_t g0, size_t g1, size_t g2,
    GError ** error);
/* Gives the step just added work-groups of @l0 x @l1 x @l2, a work-item
 * doing @units_per_item of the last dimension's units: the global size is
 * rounded up to the work-group (the kernel guards the rest).  FALSE, with
 * @error naming the layer, when the device cannot run them. */
gboolean ocl_step_local (OclNet * net, size_t l0, size_t l1, size_t l2,
    size_t units_per_item, GError ** error);
/* On CPU devices, gives the step just added work-groups of its whole
 * first dimension, and of its second too where that makes at most 256
 * work-items (a row of pixels of the pooling kernels).  PoCL's own choice
 * took ResNet-18's stem pool 1.0-1.7 ms in the network against 0.20-0.32
 * ms, its input layout 0.20-0.42 against 0.12-0.19, and SE-ResNet-50's
 * sixteen gates (eltwise_nhwc) 4.6-7.3 ms against 3.0-3.2 (BENCHMARKS.md).
 * Elsewhere, or where the device cannot run them, the driver chooses. */
gboolean ocl_step_rows_on_cpu (OclNet * net, GError ** error);
/* NULL when @kernel can run work-groups of @lws on the device, else why
 * not (for an error message; g_free). */
char *ocl_kernel_misfit (OclNet * net, cl_kernel kernel, const size_t lws[3]);

/* A device buffer the net owns, of @bytes, filled from @data (nullable). */
cl_mem ocl_net_buffer (OclNet * net, gsize bytes, const void *data,
    GError ** error);
/* A new buffer of @bytes and host memory to fill it through: on
 * devices that share host memory the buffer itself, mapped (weights are
 * packed in place, without a second copy of them); elsewhere a staging
 * copy.  ocl_net_buffer_upload() hands the contents to the device. */
float *ocl_net_buffer_stage (OclNet * net, gsize bytes, cl_mem * mem,
    GError ** error);
gboolean ocl_net_buffer_upload (OclNet * net, cl_mem mem, float *host,
    gsize bytes, GError ** error);
/* Assigns every value a buffer, reusing buffers of dead values. */
gboolean ocl_net_allocate_values (OclNet * net, GError ** error);
/* Releases buffers [@first, @last) (a measured candidate's that lost). */
void ocl_net_buffers_remove (OclNet * net, guint first, guint last);
/* Launches step @s for the first @n images of the batch, the one place a
 * step's global and local sizes become a launch. */
cl_int ocl_step_enqueue (OclNet * net, const OclStep * s, int n,
    cl_event * event);
/* Releases steps [@first, @last); the later ones move up. */
void ocl_steps_remove (OclNet * net, guint first, guint last);
/* Releases the steps after the first @len. */
void ocl_steps_truncate (OclNet * net, guint len);

/* Each kernel's arguments as a struct of named fields, OclSig_<kernel>,
 * and ocl_sig_<kernel> (OclArgs *, const OclSig_<kernel> *), which sets
 * them in order: both expanded from the kernel's list in ocl-sig.h, as the
 * kernel's own parameter list is. */
#define OCL_HF_IN cl_mem
#define OCL_HF_OUT cl_mem
#define OCL_HF_RIN cl_mem
#define OCL_HF_ROUT cl_mem
#define OCL_HF_U8IN cl_mem
#define OCL_HF_I32IN cl_mem
#define OCL_HF_INT int
#define OCL_HF_FLOAT float
#define OCL_HF_FLOAT4 cl_float4
#define OCL_HS_IN ocl_arg_mem
#define OCL_HS_OUT ocl_arg_mem
#define OCL_HS_RIN ocl_arg_mem
#define OCL_HS_ROUT ocl_arg_mem
#define OCL_HS_U8IN ocl_arg_mem
#define OCL_HS_I32IN ocl_arg_mem
#define OCL_HS_INT ocl_arg_int
#define OCL_HS_FLOAT ocl_arg_float
#define OCL_HS_FLOAT4 ocl_arg_float4
#define OCL_H_FIELD(kind, n) OCL_HF_##kind n;
#define OCL_H_SET(kind, n) OCL_HS_##kind (a, s->n);
#define OCL_SIG_DECLARE(name, file, options) \
  typedef struct { OCL_SIG_##name (OCL_H_FIELD, OCL_H_FIELD) } OclSig_##name; \
  static inline void \
  ocl_sig_##name (OclArgs * a, const OclSig_##name * s) \
  { \
    OCL_SIG_##name (OCL_H_SET, OCL_H_SET) \
  }
/* *INDENT-OFF* */
OCL_KERNELS (OCL_SIG_DECLARE)
/* *INDENT-ON* */

/* The window fields that convolution and pooling signatures share (the
 * same names in each): node @n's input and output sizes, kernel, stride
 * and leading pads. */
#define ocl_sig_set_window(s, net, n) \
  G_STMT_START { \
    const OclValue *x_ = OCL_VALUE ((net)->g, (n)->in[0]); \
    const OclValue *y_ = OCL_VALUE ((net)->g, (n)->out); \
    (s).IH = x_->h; \
    (s).IW = x_->w; \
    (s).OH = y_->h; \
    (s).OW = y_->w; \
    (s).KH = (n)->kh; \
    (s).KW = (n)->kw; \
    (s).SH = (n)->sh; \
    (s).SW = (n)->sw; \
    (s).PT = (n)->pt; \
    (s).PL = (n)->pl; \
  } G_STMT_END

/* Packs @n's weights for @nblk blocks of @ocb output channels into @dst
 * (@floats floats): Winograd's U = G g G^T as [blk][16][ic][ocb] when @wino
 * is 2, [blk][36][ic][ocb] when it is 4, else [blk][kh][kw][ic][ocb].
 * Spread over the host's cores. */
void ocl_pack_weights (const OclNode * n, int ocb, int nblk, int wino,
    gsize floats, float *dst);
/* @wino for conv2d_grouped_nhwc's layout, [blk][kh][kw][gs][ocb]. */
#define OCL_PACK_LANES 8
/* @wino for conv2d_nhwc's on groups of 8 (-DHALVES), [blk][kh][kw][8][ocb],
 * lane j's row c being W[oc j][c]: its group's own inputs. */
#define OCL_PACK_HALVES 9

/* ---- image.c ------------------------------------------------------------ */

/* Source and destination rectangles for one region (see preprocess.cl);
 * FALSE when the region is empty after clipping to the image. */
gboolean ocl_image_geometry (const OclImage * img, const OclRect * rect,
    OclResizeMode mode, int height, int width, int *geo);
void ocl_yuv_coefficients (OclYuvMatrix m, float *kr, float *kb);
int ocl_image_plane_count (OclPixelFormat f);
/* FALSE with @error when @img's format, size, strides or plane sizes do not
 * describe readable memory: nothing past a plane's size is ever read. */
gboolean ocl_image_check (const OclImage * img, GError ** error);

G_END_DECLS
