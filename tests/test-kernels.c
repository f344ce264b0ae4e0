/* Every kernel against the C reference (ocl/ref) on odd shapes: channel
 * counts that are not multiples of the vector width, odd widths, stride 2,
 * padding, partial tiles.  Each case builds a small graph, runs the
 * reference on the unfused graph and the device on the compiled (fused)
 * one, and bounds the error normalised by max(1, max|ref|).  Fixed seeds. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "ref/ref.h"

#define TOL 1e-5

static OclContext *ctx;
/* When set, check_fused() asserts that some layer's name contains it: the
 * path a test forces must be the one that ran. */
static const char *expect_layer;

typedef struct
{
  OclGraph *g;
  GRand *rand;
} Builder;

static float *
random_array (Builder * b, gsize n, double lo, double hi)
{
  float *a = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    a[i] = g_rand_double_range (b->rand, lo, hi);
  return a;
}

static void
builder_init (Builder * b, guint32 seed, int n, int c, int h, int w)
{
  b->g = ocl_graph_new ();
  b->rand = g_rand_new_with_seed (seed);
  b->g->input = ocl_graph_add_value (b->g, "x", 4, n, c, h, w);
}

static int
finish (Builder * b, int i)
{
  char name[32];
  g_snprintf (name, sizeof (name), "v%d", i);
  g_assert_true (ocl_graph_infer_node (b->g, i, name, NULL));
  return OCL_NODE (b->g, i)->out;
}

static int
node1 (Builder * b, OclOpType op, int x)
{
  int i = ocl_graph_add_node (b->g, op, "node", "Test");
  OCL_NODE (b->g, i)->in[0] = x;
  OCL_NODE (b->g, i)->n_in = 1;
  return i;
}

static int
conv (Builder * b, int x, int oc, int k, int s, int p, gboolean bias)
{
  int ic = OCL_VALUE (b->g, x)->c;
  int i = node1 (b, OCL_OP_CONV, x);
  OclNode *n = OCL_NODE (b->g, i);
  double bound = 1.0 / sqrt ((double) ic * k * k);

  n->onnx_op = "Conv";
  n->ic = ic;
  n->oc = oc;
  n->kh = n->kw = k;
  n->sh = n->sw = s;
  n->pt = n->pl = n->pb = n->pr = p;
  n->weight = random_array (b, (gsize) oc * ic * k * k, -bound, bound);
  n->bias = bias ? random_array (b, oc, -0.5, 0.5) : NULL;
  return finish (b, i);
}

/* A convolution of @groups groups: weight [oc][ic / groups][k][k]. */
static int
gconv (Builder * b, int x, int oc, int k, int s, int p, int groups)
{
  int ic = OCL_VALUE (b->g, x)->c;
  int i = node1 (b, OCL_OP_CONV, x);
  OclNode *n = OCL_NODE (b->g, i);
  double bound = 1.0 / sqrt ((double) ic / groups * k * k);

  n->onnx_op = "Conv";
  n->ic = ic;
  n->oc = oc;
  n->group = groups;
  n->kh = n->kw = k;
  n->sh = n->sw = s;
  n->pt = n->pl = n->pb = n->pr = p;
  n->weight = random_array (b, (gsize) oc * (ic / groups) * k * k, -bound,
      bound);
  n->bias = random_array (b, oc, -0.5, 0.5);
  return finish (b, i);
}

static int
affine (Builder * b, int x)
{
  int c = OCL_VALUE (b->g, x)->c;
  int i = node1 (b, OCL_OP_AFFINE, x);
  OclNode *n = OCL_NODE (b->g, i);
  n->oc = c;
  n->scale = random_array (b, c, 0.5, 1.5);
  n->shift = random_array (b, c, -0.5, 0.5);
  return finish (b, i);
}

static int
simple (Builder * b, OclOpType op, int x)
{
  return finish (b, node1 (b, op, x));
}

static int
add (Builder * b, int x, int y)
{
  int i = node1 (b, OCL_OP_ADD, x);
  OCL_NODE (b->g, i)->in[1] = y;
  OCL_NODE (b->g, i)->n_in = 2;
  return finish (b, i);
}

static int
mul (Builder * b, int x, int y)
{
  int i = node1 (b, OCL_OP_MUL, x);
  OCL_NODE (b->g, i)->in[1] = y;
  OCL_NODE (b->g, i)->n_in = 2;
  return finish (b, i);
}

static int
sigmoid (Builder * b, int x, gboolean hard)
{
  int i = node1 (b, OCL_OP_SIGMOID, x);
  OclNode *n = OCL_NODE (b->g, i);
  n->hard = hard;
  n->alpha = 1.0f / 6.0f;
  n->beta = 0.5f;
  return finish (b, i);
}

static int
pool (Builder * b, OclOpType op, int x, int k, int s, int p, gboolean ceil,
    gboolean include_pad)
{
  int i = node1 (b, op, x);
  OclNode *n = OCL_NODE (b->g, i);
  n->kh = n->kw = k;
  n->sh = n->sw = s;
  n->pt = n->pl = n->pb = n->pr = p;
  n->ceil_mode = ceil;
  n->count_include_pad = include_pad;
  return finish (b, i);
}

static int
pad (Builder * b, int x, int c0, int c1, int h0, int h1, int w0, int w1,
    float value)
{
  int i = node1 (b, OCL_OP_PAD, x);
  OclNode *n = OCL_NODE (b->g, i);
  int p[8] = { 0, c0, h0, w0, 0, c1, h1, w1 };
  memcpy (n->pads, p, sizeof (p));
  n->pad_value = value;
  return finish (b, i);
}

static int
slice (Builder * b, int x, int axis, int start, int step)
{
  OclValue *v = OCL_VALUE (b->g, x);
  int dims[4] = { v->n, v->c, v->h, v->w };
  int i = node1 (b, OCL_OP_SLICE, x);
  OclNode *n = OCL_NODE (b->g, i);
  for (int d = 0; d < 4; d++) {
    n->starts[d] = 0;
    n->steps[d] = 1;
    n->sizes[d] = dims[d];
  }
  n->starts[axis] = start;
  n->steps[axis] = step;
  n->sizes[axis] = (dims[axis] - start + step - 1) / step;
  return finish (b, i);
}

static int
gemm (Builder * b, int x, int oc)
{
  int ic = OCL_VALUE (b->g, x)->c;
  int i = node1 (b, OCL_OP_CONV, x);
  OclNode *n = OCL_NODE (b->g, i);
  n->onnx_op = "Gemm";
  n->ic = ic;
  n->oc = oc;
  n->kh = n->kw = 1;
  n->weight = random_array (b, (gsize) oc * ic, -0.2, 0.2);
  n->bias = random_array (b, oc, -0.5, 0.5);
  return finish (b, i);
}

/* Runs the reference and the device on the graph ending in @out, on @x
 * (the input's size), when not NULL, else on random values in [-1, 1]:
 * their outputs in @ref and @got, @n_out floats each.  Returns: the net. */
static OclNet *
run_both (Builder * b, int out, float *x, float **ref, float **got,
    gsize * n_out)
{
  OclValue *in = OCL_VALUE (b->g, b->g->input);
  g_autofree float *own = x ? NULL : random_array (b, (gsize) in->n * in->c *
      in->h * in->w, -1.0, 1.0);
  GError *error = NULL;
  OclNet *net;

  ocl_graph_add_output (b->g, out, "y", FALSE);
  *ref = ocl_ref_run_graph (b->g, x ? x : own);
  net = ocl_net_new_from_graph (ctx, b->g, &error);
  g_assert_no_error (error);
  *n_out = ocl_net_get_output_size (net);
  *got = g_new (float, *n_out);
  g_assert_true (ocl_net_run (net, x ? x : own, *got, &error));
  g_assert_no_error (error);
  return net;
}

/* Runs reference and device on the graph ending in @out; checks the error
 * and, when @launches > 0, that fusion left that many kernel launches
 * (the input conversion included). */
static void
check_fused (Builder * b, int out, guint launches)
{
  float *ref, *got;
  double max_ref = 0.0, max_diff = 0.0;
  gsize n_out;
  OclNet *net = run_both (b, out, NULL, &ref, &got, &n_out);

  for (gsize i = 0; i < n_out; i++) {
    max_ref = MAX (max_ref, fabs (ref[i]));
    max_diff = MAX (max_diff, fabs ((double) ref[i] - got[i]));
  }
  g_test_message ("max|ref| %.4g, max|diff| %.3g", max_ref, max_diff);
  g_assert_cmpfloat (max_diff / MAX (1.0, max_ref), <=, TOL);
  /* A test that cannot fail is a defect: the output must not be trivial. */
  g_assert_cmpfloat (max_ref, >, 0.0);
  if (launches)
    g_assert_cmpuint (ocl_net_get_n_layers (net), ==, launches);
  if (expect_layer) {
    gboolean found = FALSE;
    for (guint i = 0; i < ocl_net_get_n_layers (net); i++) {
      OclLayerInfo info;
      ocl_net_get_layer (net, i, &info);
      found |= strstr (info.name, expect_layer) != NULL;
    }
    g_assert_true (found);
  }
  ocl_net_free (net);
  g_rand_free (b->rand);
  g_free (ref);
  g_free (got);
}

/* Convolutions: odd channels (partial 16- and 32-lane blocks), odd sizes,
 * strides, paddings, kernel sizes; every register tile. */
static void
check (Builder * b, int out)
{
  check_fused (b, out, 0);
}

typedef struct
{
  int n, ic, h, w, oc, k, s, p;
} ConvCase;

/* Every case (seeds @seed, @seed + 1, ...; bias on even cases) under every
 * forced tile; NULL: the planner's own choice. */
static void
check_conv_cases (const ConvCase * cases, guint n_cases,
    const char *const *tiles, guint n_tiles, guint32 seed)
{
  OclTuning *tuning = &ctx->tuning;

  for (guint t = 0; t < n_tiles; t++) {
    tuning->force_px = tuning->force_nb = tuning->force_bpi = 0;
    if (tiles[t])
      g_assert_cmpint (sscanf (tiles[t], "%dx%dx%d", &tuning->force_px,
              &tuning->force_nb, &tuning->force_bpi), >=, 2);
    for (guint c = 0; c < n_cases; c++) {
      const ConvCase *k = &cases[c];
      Builder b;
      builder_init (&b, seed + c, k->n, k->ic, k->h, k->w);
      g_test_message ("tile %s case %u", tiles[t] ? tiles[t] : "auto", c);
      check (&b, conv (&b, b.g->input, k->oc, k->k, k->s, k->p, c % 2 == 0));
    }
  }
  tuning->force_px = tuning->force_nb = tuning->force_bpi = 0;
}

static const ConvCase shape_cases[] = {
  {2, 3, 19, 23, 5, 7, 2, 3},
  {1, 13, 11, 17, 37, 3, 1, 1},
  {1, 24, 9, 15, 20, 1, 2, 0},
  {2, 7, 10, 9, 33, 3, 2, 1},
  {1, 16, 8, 8, 16, 3, 1, 1},
  {1, 5, 6, 31, 64, 3, 1, 0},
  {1, 3, 1, 1, 9, 1, 1, 0},
  {2, 9, 7, 6, 83, 3, 1, 1},
};

static void
test_conv_shapes (void)
{
  /* PXxNB[xBPI]: several output-channel blocks per work-item, with a
   * partial last group (83 channels: 6 blocks of 16, 3 of 32). */
  static const char *const tiles[] = { NULL, "1x1", "3x1", "5x2", "7x2",
    "8x1", "8x2", "4x1x4", "2x2x2", "8x2x8"
  };

  int saved = ctx->tuning.tiled_side;

  /* The register-tiled kernels, whatever the device would choose. */
  ctx->tuning.tiled_side = 0;
  ctx->tuning.winograd = 0;
  expect_layer = "PX=";
  check_conv_cases (shape_cases, G_N_ELEMENTS (shape_cases), tiles,
      G_N_ELEMENTS (tiles), 100);
  expect_layer = NULL;
  ctx->tuning.winograd = -1;
  ctx->tuning.tiled_side = saved;
}

/* Winograd F(2x2, 3x3) (@variant 1) or F(4x4, 3x3) (4), forced on: 16..48
 * input channels, output channels that leave partial 16- and 32-lane
 * blocks, odd and tiny sizes whose last tiles are cut, padding 0..2
 * (asymmetric through a fused Pad), batch 2, several tiles per work-item,
 * and the fused epilogue with identity and option-A shortcuts.  The same
 * bound as the direct kernel's holds (measured max|diff| <= 5e-7 for
 * F(2x2), <= 6.1e-6 for F(4x4)).  F(4x4) takes two launches per
 * convolution: the input transform, then the rest. */
static void
check_winograd (int variant, const char *layer, const char *const *tiles,
    guint n_tiles, guint32 seed)
{
  static const ConvCase cases[] = {
    {1, 16, 7, 7, 16, 3, 1, 1},
    {2, 32, 9, 13, 37, 3, 1, 1},
    {1, 48, 5, 11, 64, 3, 1, 0},
    {1, 16, 1, 1, 20, 3, 1, 1},
    {1, 32, 12, 3, 33, 3, 1, 2},
    {2, 16, 15, 6, 16, 3, 1, 1},
    {1, 64, 17, 18, 48, 3, 1, 1},
  };
  const guint extra = variant == 4 ? 1 : 0;
  int saved = ctx->tuning.tiled_side;

  ctx->tuning.tiled_side = 0;
  ctx->tuning.winograd = variant;
  expect_layer = layer;
  check_conv_cases (cases, G_N_ELEMENTS (cases), tiles, n_tiles, seed);

  {
    /* Asymmetric padding from a fused Pad node. */
    Builder b;
    int y;
    builder_init (&b, seed + 10, 1, 32, 9, 10);
    y = pad (&b, b.g->input, 0, 0, 2, 0, 0, 1, 0.0f);
    check_fused (&b, conv (&b, y, 24, 3, 1, 0, TRUE), 2 + extra);
  }
  {
    /* conv -> BN -> + identity -> ReLU in the epilogue. */
    Builder b;
    int y;
    builder_init (&b, seed + 11, 2, 32, 11, 9);
    y = conv (&b, b.g->input, 32, 3, 1, 1, FALSE);
    y = affine (&b, y);
    y = add (&b, y, b.g->input);
    check_fused (&b, simple (&b, OCL_OP_RELU, y), 2 + extra);
  }
  {
    /* Option-A shortcut: strided, channel-offset view of the block input. */
    Builder b;
    int x, y, s;
    builder_init (&b, seed + 12, 2, 16, 14, 13);
    x = conv (&b, b.g->input, 16, 3, 1, 1, TRUE);
    y = conv (&b, x, 32, 3, 2, 1, TRUE);
    y = conv (&b, y, 32, 3, 1, 1, TRUE);
    s = slice (&b, x, 2, 0, 2);
    s = slice (&b, s, 3, 0, 2);
    s = pad (&b, s, 8, 8, 0, 0, 0, 0, 0.0f);
    y = add (&b, y, s);
    check_fused (&b, simple (&b, OCL_OP_RELU, y), 4 + 2 * extra);
  }
  expect_layer = NULL;
  ctx->tuning.winograd = -1;
  ctx->tuning.tiled_side = saved;
}

static void
test_conv_winograd (void)
{
  static const char *const tiles[] = { NULL, "1x1", "2x2", "3x1", "5x2",
    "8x2"
  };

  check_winograd (1, "winograd WT", tiles, G_N_ELEMENTS (tiles), 200);
}

static void
test_conv_winograd4 (void)
{
  static const char *const tiles[] = { NULL, "1x1", "2x2", "3x1", "4x2" };

  check_winograd (4, "winograd4 WT", tiles, G_N_ELEMENTS (tiles), 300);
}

/* The planner's own choice on CPU devices: F(4x4) for the large layers,
 * F(2x2) for small maps and small layers, in one net. */
static void
test_conv_winograd_choice (void)
{
  Builder b;
  int y;

  if (!ctx->tuning.cpu)
    return;
  builder_init (&b, 400, 1, 64, 28, 28);
  y = conv (&b, b.g->input, 64, 3, 1, 1, TRUE); /* 29 M MACs: F(4x4) */
  y = conv (&b, y, 64, 3, 2, 1, TRUE);  /* stride 2: direct */
  y = conv (&b, y, 64, 3, 1, 1, TRUE);  /* 14x14 but 7 M MACs: F(2x2) */
  expect_layer = "winograd4 WT";
  check_fused (&b, y, 5);
  expect_layer = NULL;
  builder_init (&b, 401, 1, 64, 28, 28);
  y = conv (&b, b.g->input, 64, 3, 2, 1, TRUE);
  y = conv (&b, y, 64, 3, 1, 1, TRUE);
  expect_layer = "winograd WT";
  check_fused (&b, y, 3);
  expect_layer = NULL;
}

/* conv -> BN -> (+ identity) -> ReLU: fused epilogue. */
static void
test_conv_bn_residual_relu (void)
{
  Builder b;
  int x, y;

  builder_init (&b, 7, 2, 21, 13, 11);
  x = conv (&b, b.g->input, 21, 3, 1, 1, FALSE);
  y = affine (&b, x);
  y = add (&b, y, b.g->input);
  y = simple (&b, OCL_OP_RELU, y);
  check_fused (&b, y, 2);
}

/* Option A: Add(conv, Pad(Slice(Slice(x)))) with odd channel padding. */
static void
test_conv_option_a (void)
{
  Builder b;
  int x, y, s;

  builder_init (&b, 8, 2, 10, 15, 13);
  x = conv (&b, b.g->input, 10, 3, 1, 1, TRUE);
  y = conv (&b, x, 24, 3, 2, 1, TRUE);
  s = slice (&b, x, 2, 0, 2);
  s = slice (&b, s, 3, 0, 2);
  s = pad (&b, s, 5, 9, 0, 0, 0, 0, 0.0f);
  y = add (&b, y, s);
  y = simple (&b, OCL_OP_RELU, y);
  check_fused (&b, y, 3);

  /* 16-channel blocks (4x1) against a stride-2 view 16 channels in: the
   * first before it, the second wholly inside (the epilogue's stepped
   * pointers), the third across its end, the fourth past it; and the
   * planner's own tile. */
  for (int t = 0; t < 2; t++) {
    const OclTuning saved = ctx->tuning;

    if (t == 0) {
      ctx->tuning.force_px = 4;
      ctx->tuning.force_nb = 1;
    }
    builder_init (&b, 18 + t, 2, 20, 12, 10);
    y = conv (&b, b.g->input, 64, 3, 2, 1, FALSE);
    s = slice (&b, b.g->input, 2, 0, 2);
    s = slice (&b, s, 3, 0, 2);
    s = pad (&b, s, 16, 28, 0, 0, 0, 0, 0.0f);
    y = add (&b, y, s);
    check_fused (&b, simple (&b, OCL_OP_RELU, y), 2);
    ctx->tuning = saved;
  }
}

/* Projection shortcut: Add(conv2, conv1x1/2) with ReLU. */
static void
test_conv_projection (void)
{
  Builder b;
  int x, y, sc;

  builder_init (&b, 9, 1, 12, 14, 14);
  y = conv (&b, b.g->input, 40, 3, 2, 1, FALSE);
  y = conv (&b, y, 40, 3, 1, 1, FALSE);
  sc = conv (&b, b.g->input, 40, 1, 2, 0, FALSE);
  sc = affine (&b, sc);
  x = add (&b, sc, y);
  x = simple (&b, OCL_OP_RELU, x);
  check_fused (&b, x, 4);
}

/* The GPU kernel with local-memory tiles, forced on, with 8x8 and 16x16
 * work-groups: the shapes above (K from 3 to 245, partial K steps, pixel
 * tiles and 32- and 64-channel blocks, several of each, batch 2), every
 * fused epilogue and an asymmetric fused Pad. */
static void
test_conv_tiled (void)
{
  static const int sides[] = { 8, 16 };
  int saved = ctx->tuning.tiled_side;
  static const char *const auto_tile[] = { NULL };

  expect_layer = "tiled";
  for (guint i = 0; i < G_N_ELEMENTS (sides); i++) {
    ctx->tuning.tiled_side = sides[i];
    g_test_message ("work-group %dx%d", sides[i], sides[i]);
    check_conv_cases (shape_cases, G_N_ELEMENTS (shape_cases), auto_tile, 1,
        300);
    test_conv_bn_residual_relu ();
    test_conv_option_a ();
    test_conv_projection ();
    {
      Builder b;
      int y;
      builder_init (&b, 310, 2, 20, 9, 10);
      y = pad (&b, b.g->input, 0, 0, 2, 0, 0, 1, 0.0f);
      check_fused (&b, conv (&b, y, 70, 3, 1, 0, TRUE), 2);
    }
  }
  expect_layer = NULL;
  ctx->tuning.tiled_side = saved;
}

/* What a GPU runs, at every batch size from 1 to 8: a 3x3 convolution,
 * a strided one with a projection shortcut, global pooling and the FC
 * layer (a 1x1 convolution over N pixels, fewer than a work-group's rows:
 * OpenCL 1.2 wants the global size a multiple of the local one). */
static void
test_conv_tiled_batches (void)
{
  static const int sides[] = { 8, 16 };
  int saved = ctx->tuning.tiled_side;

  expect_layer = "tiled";
  for (guint i = 0; i < G_N_ELEMENTS (sides); i++) {
    ctx->tuning.tiled_side = sides[i];
    for (int n = 1; n <= 8; n++) {
      Builder b;
      int x, y, sc;
      g_test_message ("work-group %dx%d, batch %d", sides[i], sides[i], n);
      builder_init (&b, 500 + n, n, 5, 9, 7);
      x = conv (&b, b.g->input, 19, 3, 1, 1, TRUE);
      x = simple (&b, OCL_OP_RELU, x);
      y = conv (&b, x, 37, 3, 2, 1, FALSE);
      sc = conv (&b, x, 37, 1, 2, 0, FALSE);
      y = add (&b, y, sc);
      y = simple (&b, OCL_OP_RELU, y);
      y = simple (&b, OCL_OP_GLOBALAVGPOOL, y);
      y = simple (&b, OCL_OP_FLATTEN, y);
      check (&b, gemm (&b, y, 10));
    }
  }
  expect_layer = NULL;
  ctx->tuning.tiled_side = saved;
}

/* A device that cannot run the tiled kernel's work-groups: 16x16 falls
 * back to 8x8, then to the register-tiled kernels; forced, it is one
 * error naming the layer. */
static void
test_conv_tiled_fallback (void)
{
  OclTuning saved = ctx->tuning;
  static const struct
  {
    size_t max_wg;
    gboolean forced;
    const char *layer;
  } cases[] = {
    {64, FALSE, "tiled 32x32"},
    {32, FALSE, "PX="},
    {1, FALSE, "PX="},
    {64, TRUE, NULL},
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    Builder b;
    GError *error = NULL;
    OclNet *net;
    int y;

    ctx->tuning.tiled_side = 16;
    ctx->tuning.tiled_forced = cases[i].forced;
    ctx->tuning.max_work_group = cases[i].max_wg;
    builder_init (&b, 600 + i, 3, 6, 5, 7);
    y = conv (&b, b.g->input, 11, 3, 1, 1, TRUE);
    if (cases[i].layer) {
      expect_layer = cases[i].layer;
      check (&b, y);
      expect_layer = NULL;
      continue;
    }
    ocl_graph_add_output (b.g, y, "y", FALSE);
    net = ocl_net_new_from_graph (ctx, b.g, &error);
    g_assert_null (net);
    g_assert_error (error, OCL_ERROR, OCL_ERROR_DEVICE);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "layer 'node'"));
    g_assert_nonnull (strstr (error->message, "OCLRESNET_CONV_TILED"));
    g_clear_error (&error);
    g_rand_free (b.rand);
  }
  ctx->tuning = saved;
}

/* Grouped convolution (ResNeXt, depthwise): groups of 1 to 64 outputs,
 * blocks of 16 or 32 channels holding several groups or part of one,
 * groups that straddle two blocks, inputs and outputs per group that
 * differ, depthwise, stride 2, batch 2; the block-diagonal path, the
 * lane kernel (groups of 1 to 8 dividing 8) and the direct kernel's
 * halves (groups of 8 where the registers hold one pixel of the lane
 * kernel: AVX2's, whatever the device), every register tile, the tiled
 * kernel at both sides, and the fused epilogue. */
static void
test_conv_grouped (void)
{
  static const struct
  {
    int n, ic, h, w, oc, k, s, p, groups;
    guint reg_floats;           /* 0: the device's */
  } cases[] = {
    {2, 64, 9, 7, 64, 3, 1, 1, 32},     /* ResNeXt layer 1: 2 per group */
    {1, 128, 6, 5, 128, 3, 2, 1, 32},   /* 4 per group, stride 2 */
    {1, 96, 5, 9, 96, 3, 1, 1, 4},      /* 24 per group: blocks straddle */
    {2, 12, 7, 8, 40, 3, 1, 1, 4},      /* 3 inputs, 10 outputs per group */
    {1, 21, 8, 6, 21, 3, 1, 1, 21},     /* depthwise */
    {1, 64, 4, 4, 128, 1, 1, 0, 2},     /* 1x1, 64 per group */
    /* The lane kernel: 1, 2, 4, 8, 16 per group. */
    {1, 32, 5, 7, 32, 3, 1, 1, 32},     /* depthwise */
    {2, 64, 6, 6, 64, 3, 2, 1, 8, 512}, /* AVX-512's registers: lanes */
    /* Groups of 8 in AVX2's registers: halves, stride 1 and 2. */
    {2, 64, 7, 9, 64, 3, 1, 1, 8, 128},
    {1, 128, 9, 7, 128, 3, 2, 1, 16, 128},
    {1, 48, 5, 5, 48, 3, 1, 1, 3},
    {1, 80, 3, 9, 80, 3, 1, 1, 40},
    /* Groups of 16 (ResNeXt's 14x14 stage), of 48: one block each. */
    {1, 64, 6, 7, 64, 3, 1, 1, 4},
    {2, 96, 5, 5, 96, 3, 2, 1, 2},
  };
  static const char *const tiles[] = { NULL, "1x1", "3x2", "8x1", "4x2x2" };
  static const int sides[] = { 0, 8, 16 };
  const int saved = ctx->tuning.tiled_side;
  const guint saved_regs = ctx->tuning.reg_floats;
  const guint saved_lanes = ctx->tuning.lanes;

  for (guint s = 0; s < G_N_ELEMENTS (sides); s++)
    for (guint t = 0; t < (sides[s] ? 1 : G_N_ELEMENTS (tiles)); t++)
      for (guint c = 0; c < G_N_ELEMENTS (cases); c++) {
        Builder b;
        int y;
        const int gs = cases[c].ic / cases[c].groups;
        const gboolean lanes = cases[c].ic == cases[c].oc
            && cases[c].ic % 16 == 0 && 8 % gs == 0;
        ctx->tuning.tiled_side = sides[s];
        ctx->tuning.reg_floats = cases[c].reg_floats ? cases[c].reg_floats :
            saved_regs;
        ctx->tuning.lanes = cases[c].reg_floats ? cases[c].reg_floats / 32 :
            saved_lanes;
        ctx->tuning.force_px = ctx->tuning.force_nb = 0;
        ctx->tuning.force_bpi = 0;
        if (tiles[t])
          g_assert_cmpint (sscanf (tiles[t], "%dx%dx%d", &ctx->tuning.force_px,
                  &ctx->tuning.force_nb, &ctx->tuning.force_bpi), >=, 2);
        g_test_message ("tiled %d, tile %s, case %u", sides[s],
            tiles[t] ? tiles[t] : "auto", c);
        builder_init (&b, 700 + c, cases[c].n, cases[c].ic, cases[c].h,
            cases[c].w);
        y = gconv (&b, b.g->input, cases[c].oc, cases[c].k, cases[c].s,
            cases[c].p, cases[c].groups);
        /* Groups of 1 to 8 dividing 8, whole blocks: the lane kernel, but
         * for groups of 8 in AVX2's registers; groups of 16 and 48,
         * planned: conv2d_nhwc a block at a time. */
        expect_layer = sides[s] ? "tiled" : lanes && gs == 8
            && cases[c].reg_floats == 128 ? "halves PX=" : lanes ?
            "lanes PX=" : !tiles[t] && cases[c].oc / cases[c].groups
            % 16 == 0 && cases[c].oc / cases[c].groups % 32 != 0 ? "NB=1"
            : "PX=";
        check (&b, y);
      }
  ctx->tuning.reg_floats = saved_regs;
  ctx->tuning.lanes = saved_lanes;
  {
    /* ResNeXt's block: 1x1, grouped 3x3 + BN + ReLU, 1x1 + identity. */
    Builder b;
    int x, y;
    ctx->tuning.tiled_side = 0;
    ctx->tuning.force_px = ctx->tuning.force_nb = ctx->tuning.force_bpi = 0;
    builder_init (&b, 720, 2, 64, 11, 9);
    x = conv (&b, b.g->input, 128, 1, 1, 0, FALSE);
    x = simple (&b, OCL_OP_RELU, x);
    y = gconv (&b, x, 128, 3, 1, 1, 32);
    y = affine (&b, y);
    y = simple (&b, OCL_OP_RELU, y);
    y = conv (&b, y, 64, 1, 1, 0, FALSE);
    y = add (&b, y, b.g->input);
    expect_layer = " g32 ";
    check_fused (&b, simple (&b, OCL_OP_RELU, y), 4);
  }
  expect_layer = NULL;
  ctx->tuning.force_px = ctx->tuning.force_nb = ctx->tuning.force_bpi = 0;
  ctx->tuning.tiled_side = saved;
}

/* conv1x1_nhwc, the whole map a work-item, forced on with chunks of 5, 16
 * and 256 input channels: chunks that end mid-way (37, 300 channels), one
 * chunk (16), maps whose last tile is cut (5x7, 3x3 at stride 2), 1x1
 * maps, partial 16- and 32-lane blocks (83, 20 channels), batch 2, several
 * blocks per work-item; then the planner's own choice on a ResNet 7x7
 * stage layer, and the epilogue with a projection shortcut and ReLU. */
static void
test_conv_stream (void)
{
  static const ConvCase cases[] = {
    {2, 37, 5, 7, 83, 1, 1, 0},
    {1, 300, 3, 3, 20, 1, 1, 0},
    {1, 16, 9, 6, 48, 1, 2, 0},
    {2, 64, 1, 1, 33, 1, 1, 0},
    {1, 257, 4, 4, 64, 1, 1, 0},
  };
  static const char *const tiles[] = { NULL, "1x1", "3x2", "8x1x3", "7x2x2" };
  static const int chunks[] = { 5, 16, 256 };
  const int saved = ctx->tuning.tiled_side;

  ctx->tuning.tiled_side = 0;
  expect_layer = "stream PX=";
  for (guint k = 0; k < G_N_ELEMENTS (chunks); k++) {
    ctx->tuning.conv_stream = chunks[k];
    g_test_message ("chunks of %d channels", chunks[k]);
    check_conv_cases (cases, G_N_ELEMENTS (cases), tiles,
        G_N_ELEMENTS (tiles), 740 + 10 * k);
  }
  /* Chosen where the tuning record says it pays: 1x1, 7x7 map, 512 input
   * channels, four 32-channel blocks a core; elsewhere conv2d_nhwc. */
  ctx->tuning.conv_stream = -1;
  {
    const gboolean pays = ctx->tuning.stream_pays;
    const ConvCase chosen = { 1, 512, 7, 7,
      32 * 4 * (int) ctx->tuning.compute_units, 1, 1, 0
    };
    ctx->tuning.stream_pays = TRUE;
    check_conv_cases (&chosen, 1, tiles, 1, 760);
    ctx->tuning.stream_pays = FALSE;
    expect_layer = "[PX=";
    check_conv_cases (&chosen, 1, tiles, 1, 761);
    expect_layer = "stream PX=";
    ctx->tuning.stream_pays = pays;
  }
  {
    /* Projection: Add (1x1/1 stream, 1x1/2 stream + BN) and ReLU. */
    Builder b;
    int x, sc;

    ctx->tuning.conv_stream = 16;
    builder_init (&b, 770, 2, 40, 6, 5);
    x = conv (&b, b.g->input, 40, 3, 2, 1, FALSE);
    x = conv (&b, x, 72, 1, 1, 0, TRUE);
    sc = conv (&b, b.g->input, 72, 1, 2, 0, FALSE);
    sc = affine (&b, sc);
    x = add (&b, x, sc);
    check_fused (&b, simple (&b, OCL_OP_RELU, x), 4);
  }
  expect_layer = NULL;
  ctx->tuning.conv_stream = -1;
  ctx->tuning.tiled_side = saved;
}

/* Standalone BN + ReLU (pre-activation), standalone Add of non-conv
 * values: 19 channels (one per work-item), 32 (16 per work-item). */
static void
test_affine_add (void)
{
  /* v = 2: the first affine divides (a Div by a subnormal constant). */
  for (int v = 0; v < 3; v++) {
    Builder b;
    int a, c, y;

    builder_init (&b, 10 + v, 2, v ? 32 : 19, 7, 5);
    a = affine (&b, b.g->input);
    OCL_NODE (b.g, OCL_VALUE (b.g, a)->producer)->divide = v == 2;
    a = simple (&b, OCL_OP_RELU, a);
    c = affine (&b, b.g->input);
    y = add (&b, a, c);
    check (&b, y);
  }
}

/* NaN and infinity in, as onnxruntime passes them on: every kernel's ReLU
 * and max keep a NaN (fmax would make it 0, a finite answer from a NaN
 * weight or input); the output's NaN and infinity pattern equals the
 * reference's, the rest agrees as usual. */
static void
check_nan (Builder * b, int out)
{
  OclValue *in = OCL_VALUE (b->g, b->g->input);
  gsize n_in = (gsize) in->n * in->c * in->h * in->w, nan = 0;
  float *x = random_array (b, n_in, -1.0, 1.0);
  float *ref, *got;
  OclNet *net;
  gsize n_out;

  for (gsize i = 0; i < n_in; i++)
    x[i] = i % 499 == 5 ? NAN : i % 503 == 7 ? -INFINITY : x[i];
  net = run_both (b, out, x, &ref, &got, &n_out);
  for (gsize i = 0; i < n_out; i++) {
    g_assert_cmpint (isnan (got[i]), ==, isnan (ref[i]));
    nan += isnan (ref[i]) != 0;
    if (isnan (ref[i]))
      continue;
    if (isinf (ref[i]))
      g_assert_cmpfloat (got[i], ==, ref[i]);
    else
      g_assert_cmpfloat (fabs ((double) got[i] - ref[i]), <=,
          TOL * MAX (1.0, fabs (ref[i])));
  }
  /* Not trivial: some outputs are NaN, and not all. */
  g_assert_cmpuint (nan, >, 0);
  g_assert_cmpuint (nan, <, n_out);
  ocl_net_free (net);
  g_rand_free (b->rand);
  g_free (x);
  g_free (ref);
  g_free (got);
}

static void
test_nan (void)
{
  const int winograd = ctx->tuning.winograd;

  /* Direct kernels: Winograd's transforms mix a tile's inputs, so a NaN
   * makes its whole output tile NaN, and an infinity meets its negative
   * (inf - inf); the NaN still reaches the net's output, over a wider
   * area than in onnxruntime's direct convolution. */
  ctx->tuning.winograd = 0;
  for (int v = 0; v < 6; v++) {
    Builder b;
    int y;

    builder_init (&b, 70 + v, 2, v % 2 ? 32 : 19, 9, 11);
    switch (v / 2) {
      case 0:                  /* conv: the store's ReLU, and the epilogue's */
        y = conv (&b, b.g->input, v % 2 ? 32 : 19, 3, 1, 1, TRUE);
        y = simple (&b, OCL_OP_RELU, add (&b, y, b.g->input));
        if (v % 2 == 0)
          y = simple (&b, OCL_OP_RELU, conv (&b, y, 17, 1, 1, 0, TRUE));
        break;
      case 1:                  /* max pooling, 1 and 4 channels an item */
        y = pool (&b, OCL_OP_MAXPOOL, b.g->input, 2, 2, 0, FALSE, FALSE);
        break;
      default:                 /* affine + ReLU; add + ReLU */
        y = simple (&b, OCL_OP_RELU, affine (&b, b.g->input));
        y = simple (&b, OCL_OP_RELU, add (&b, y, b.g->input));
        break;
    }
    g_test_message ("case %d", v);
    check_nan (&b, y);
  }
  ctx->tuning.winograd = winograd;
}

/* Every kernel a measurement may pick agrees with the reference: each
 * candidate of each layer is made the tuning cache's pick (the plan then
 * runs it, as a measured load would) and checked, and the layer's
 * description says it ran from the cache.  The candidates of the device's
 * register file and of AVX2's (one-block tiles, Winograd with two blocks
 * too), whatever the device: a tile too big for a register file spills
 * but computes the same. */
static void
test_conv_every_candidate (void)
{
  /* batch, channels in, size, channels out, kernel, stride, stream pays,
   * candidates at least, residual (1: the input, 2: option A, the input
   * strided and its channels padded by 4 each side; with a ReLU after),
   * groups (0: dense) */
  static const int cases[][10] = {
    {1, 32, 14, 32, 3, 1, 0, 4, 0, 0},  /* F(4x4), F(2x2), direct, raster */
    {2, 64, 7, 48, 3, 1, 0, 3, 0, 0},   /* 7x7: F(2x2) first */
    {1, 256, 7, 528, 1, 1, 1, 2, 0, 0}, /* stream, direct */
    {1, 256, 7, 528, 1, 1, 0, 2, 0, 0}, /* direct, stream measured */
    {1, 1088, 1, 1024, 1, 1, 0, 3, 0, 0},       /* and one block a work-item */
    {2, 3, 23, 16, 7, 2, 0, 2, 0, 0},   /* a stem: two register tiles */
    {2, 48, 9, 16, 3, 2, 0, 1, 0, 0},   /* strided, 5x5: direct only */
    /* raster tiles wrapping onto the next row, through the residual's
     * one-pointer path and (option A) its pixel by pixel one; 9x9 maps,
     * whose rows no tile of 8 or of 6 pixels divides (a 7x7 map's rows of
     * 7 leave no raster tile with 8) */
    {2, 32, 9, 32, 3, 1, 0, 4, 1, 0},
    {2, 16, 17, 24, 3, 2, 0, 2, 2, 0},
    /* 16-channel groups: the direct kernel's blocks read their group's
     * channels, in rows and in raster tiles */
    {2, 64, 9, 64, 3, 1, 0, 2, 0, 4},
    /* groups of 8: the direct kernel's halves in rows and raster tiles
     * (and the lane kernel first where the registers hold two of its
     * pixels), with and without the residual, stride 2 */
    {2, 64, 9, 64, 3, 1, 0, 2, 0, 8},
    {1, 64, 9, 64, 3, 1, 0, 2, 1, 8},
    {1, 128, 13, 128, 3, 2, 0, 2, 0, 16},
  };
  const OclTuning saved = ctx->tuning;

  ctx->tuning.tiled_side = 0;
  ctx->tuning.tune = 1;
  for (guint k = 0; k < 2 * G_N_ELEMENTS (cases); k++) {
    const int *cs = cases[k % G_N_ELEMENTS (cases)];
    OclConvChoice cand[OCL_CONV_MAX_CANDIDATES];
    guint count;

    ctx->tuning.reg_floats = k < G_N_ELEMENTS (cases) ? saved.reg_floats : 128;
    ctx->tuning.lanes = k < G_N_ELEMENTS (cases) ? saved.lanes : 8;
    ctx->tuning.stream_pays = cs[6];
    for (guint i = 0;; i++) {
      Builder b;
      int y;
      char desc[OCL_CONV_MAX_CANDIDATES][64], want[80];
      char *descs[OCL_CONV_MAX_CANDIDATES];
      g_autofree char *layer = NULL;
      OclNode *n;

      builder_init (&b, 900 + 10 * k + i, cs[0], cs[1], cs[2], cs[2]);
      y = cs[9] ? gconv (&b, b.g->input, cs[3], cs[4], cs[5], cs[4] / 2,
          cs[9]) : conv (&b, b.g->input, cs[3], cs[4], cs[5], cs[4] / 2, TRUE);
      n = OCL_NODE (b.g, OCL_VALUE (b.g, y)->producer);
      count = ocl_conv_candidates (n, OCL_VALUE (b.g, y), &ctx->tuning, cand);
      if (i == count) {
        ocl_graph_free (b.g);
        g_rand_free (b.rand);
        break;
      }
      for (guint j = 0; j < count; j++) {
        ocl_conv_choice_describe (&cand[j], desc[j], sizeof (desc[j]));
        descs[j] = desc[j];
      }
      if (cs[8]) {
        /* The layer as the fuser leaves it: the residual and the ReLU in
         * its epilogue, and in its signature. */
        OclNode fused = *n;
        int r = b.g->input;

        fused.residual = r;
        fused.relu = TRUE;
        layer = ocl_conv_signature (b.g, &fused);
        if (cs[8] == 2) {
          r = slice (&b, slice (&b, r, 2, 0, cs[5]), 3, 0, cs[5]);
          r = pad (&b, r, 4, cs[3] - cs[1] - 4, 0, 0, 0, 0, 0.0f);
        }
        y = simple (&b, OCL_OP_RELU, add (&b, y, r));
      } else {
        layer = ocl_conv_signature (b.g, n);
      }
      ocl_tune_store (ctx, layer, descs, count, desc[i]);
      g_snprintf (want, sizeof (want), "[%s; %s]", desc[i], count > 1 ?
          "cached" : "");
      expect_layer = count > 1 ? want : NULL;
      g_test_message ("%s: %s", layer, desc[i]);
      check (&b, y);
    }
    g_assert_cmpuint (count, >=, cs[7]);
  }
  expect_layer = NULL;
  ctx->tuning = saved;
}

/* PReLU after a convolution and on the input (odd channel counts, a
 * negative slope too), NaN and -inf kept as onnxruntime keeps them. */
static void
test_prelu (void)
{
  for (int v = 0; v < 3; v++) {
    Builder b;
    int i, y;

    builder_init (&b, 80 + v, 2, v ? 19 : 32, 7, 9);
    y = v == 1 ? b.g->input : conv (&b, b.g->input, 21, 3, 1, 1, TRUE);
    i = node1 (&b, OCL_OP_PRELU, y);
    OCL_NODE (b.g, i)->oc = OCL_VALUE (b.g, y)->c;
    OCL_NODE (b.g, i)->scale = random_array (&b, OCL_VALUE (b.g, y)->c, -0.5,
        0.9);
    y = finish (&b, i);
    if (v == 2)
      check_nan (&b, y);
    else
      check (&b, y);
  }
}

/* Dynamic quantization over the whole batch (odd sizes: 3 x 5 x 7 and
 * 19 channels), a range all above 0 (the range widened to 0), one all
 * below, and all zeros (scale 1). */
static void
test_dynquant (void)
{
  for (int v = 0; v < 4; v++) {
    Builder b;
    OclValue *in;
    g_autofree float *x = NULL;
    gsize n;
    int i;

    builder_init (&b, 90 + v, v == 3 ? 1 : 2, v ? 19 : 3, v ? 5 : 7, 7);
    in = OCL_VALUE (b.g, b.g->input);
    n = (gsize) in->n * in->c * in->h * in->w;
    x = random_array (&b, n, v == 1 ? 0.25 : v == 2 ? -3.0 : -1.5,
        v == 2 ? -0.5 : 2.0);
    for (gsize k = 0; v == 3 && k < n; k++)
      x[k] = 0.0f;
    i = node1 (&b, OCL_OP_DYNQUANT, b.g->input);
    {
      float *ref, *got;
      gsize n_out, levels = 0;
      OclNet *net = run_both (&b, finish (&b, i), x, &ref, &got, &n_out);
      GHashTable *seen = g_hash_table_new (g_int_hash, g_int_equal);
      for (gsize k = 0; k < n_out; k++) {
        g_assert_cmpfloat (fabs ((double) got[k] - ref[k]), <=,
            TOL * MAX (1.0, fabs (ref[k])));
        g_assert_cmpfloat (fabs ((double) got[k] - x[k]), <=, 0.02);
        if (!g_hash_table_contains (seen, &got[k]))
          g_hash_table_add (seen, &got[k]);
      }
      levels = g_hash_table_size (seen);
      /* Not trivial: quantized to many levels, or all zero. */
      g_assert_true (v == 3 ? levels == 1 && got[0] == 0.0f : levels > 50);
      g_hash_table_unref (seen);
      ocl_net_free (net);
      g_rand_free (b.rand);
      g_free (ref);
      g_free (got);
    }
  }
}

/* 17 channels: one per work-item; 24: four per work-item. */
static void
test_maxpool (void)
{
  /* 17, 24 and 32 channels: one, 4 and 16 a work-item. */
  for (int v = 0; v < 6; v++) {
    int ceil = v % 2;
    Builder b;
    builder_init (&b, 11 + v, 2, v < 2 ? 17 : v < 4 ? 24 : 32, 13, 12);
    check (&b, pool (&b, OCL_OP_MAXPOOL, b.g->input, 3, 2, 1, ceil, FALSE));
  }
  /* Dilated: 3 x 3 taps 2 and 3 apart (a 5 x 7 window), padding that
   * puts the first taps before the map. */
  for (int v = 0; v < 4; v++) {
    Builder b;
    int y, i;
    builder_init (&b, 15 + v, 2, v < 2 ? 17 : 24, 13, 16);
    i = node1 (&b, OCL_OP_MAXPOOL, b.g->input);
    OCL_NODE (b.g, i)->dh = 2;
    OCL_NODE (b.g, i)->dw = 3;
    OCL_NODE (b.g, i)->kh = 5;
    OCL_NODE (b.g, i)->kw = 7;
    OCL_NODE (b.g, i)->sh = OCL_NODE (b.g, i)->sw = 1 + v % 2;
    OCL_NODE (b.g, i)->pt = OCL_NODE (b.g, i)->pb = 2;
    OCL_NODE (b.g, i)->pl = OCL_NODE (b.g, i)->pr = 3;
    OCL_NODE (b.g, i)->ceil_mode = v % 2;
    y = finish (&b, i);
    check (&b, y);
  }
}

static void
test_avgpool (void)
{
  for (int v = 0; v < 4; v++) {
    Builder b;
    builder_init (&b, 20 + v, 1, 19, 11, 14);
    check (&b, pool (&b, OCL_OP_AVGPOOL, b.g->input, v < 2 ? 3 : 4,
            2, v % 2, v >= 2, v % 2));
  }
  /* ResNet-D's shortcut, AvgPool (2, 2) on odd sizes, and a padded 3x3/2:
   * ceil_mode and count_include_pad each way. */
  for (int v = 0; v < 8; v++) {
    Builder b;
    const int k = v < 4 ? 2 : 3;
    builder_init (&b, 24 + v, 2, 13, 11, 13);
    check (&b, pool (&b, OCL_OP_AVGPOOL, b.g->input, k, 2, k == 3, v & 1,
            (v >> 1) & 1));
  }
}

static void
test_global_avgpool_fc (void)
{
  /* 29 channels: one per work-item; 32 and 48: sixteen; over an odd and
   * an even number of pixels. */
  static const int channels[] = { 29, 32, 48 };

  for (guint i = 0; i < G_N_ELEMENTS (channels); i++) {
    Builder b;
    int y;
    builder_init (&b, 30 + i, 2, channels[i], 7, i == 2 ? 4 : 9);
    y = simple (&b, OCL_OP_GLOBALAVGPOOL, b.g->input);
    y = simple (&b, OCL_OP_FLATTEN, y);
    y = gemm (&b, y, 37);
    check (&b, y);
  }
}

/* Flatten of a spatial map into an FC: fused into an HxW convolution. */
static void
test_flatten_fc (void)
{
  Builder b;
  int y;

  builder_init (&b, 31, 2, 6, 3, 5);
  y = simple (&b, OCL_OP_FLATTEN, b.g->input);
  y = gemm (&b, y, 19);
  check_fused (&b, y, 2);
}

/* Flatten as an output: the NHWC -> NCHW flatten kernel. */
static void
test_flatten (void)
{
  Builder b;

  builder_init (&b, 32, 2, 5, 3, 7);
  check (&b, simple (&b, OCL_OP_FLATTEN, affine (&b, b.g->input)));
}

static void
test_pad_slice (void)
{
  Builder b;
  int y;

  builder_init (&b, 40, 2, 6, 9, 8);
  y = pad (&b, b.g->input, 1, 2, 2, 0, 1, 3, 0.25f);
  y = slice (&b, y, 3, 1, 3);
  y = slice (&b, y, 1, 2, 2);
  check (&b, y);
}

static void
test_softmax (void)
{
  Builder b;
  int y;

  builder_init (&b, 50, 3, 21, 1, 1);
  y = simple (&b, OCL_OP_FLATTEN, b.g->input);
  y = gemm (&b, y, 1001);
  check (&b, simple (&b, OCL_OP_SOFTMAX, y));
  /* Across 3 paths of 13 channels side by side (a selective-kernel
   * attention), then 4 of 5, batch 2. */
  for (int t = 0; t < 2; t++) {
    const int paths = t ? 4 : 3, c = t ? 5 : 13;
    int i;

    builder_init (&b, 51 + t, 2, 7, 1, 1);
    y = conv (&b, b.g->input, paths * c, 1, 1, 0, TRUE);
    i = node1 (&b, OCL_OP_SOFTMAX, y);
    OCL_NODE (b.g, i)->softmax_step = c;
    expect_layer = "softmax";
    check (&b, finish (&b, i));
    expect_layer = NULL;
  }
}

/* Nodes whose output nothing reads are not run: a convolution read by
 * nothing, and a slice read only by it; the output's own chain runs (the
 * input conversion, one convolution). */
static void
test_prune_unused (void)
{
  Builder b;
  int x, unused;

  builder_init (&b, 53, 1, 5, 6, 7);
  x = conv (&b, b.g->input, 9, 3, 1, 1, TRUE);
  unused = slice (&b, b.g->input, 1, 1, 1);
  unused = conv (&b, unused, 4, 1, 1, 0, TRUE);
  (void) unused;
  check_fused (&b, x, 2);
}

/* The squeeze-excitation gate: global mean -> 1x1 convs -> sigmoid (or
 * hard sigmoid) -> x * gate, per image and channel, with the block's
 * residual add and ReLU fused into the Mul (identity and option-A
 * shortcuts); also a Mul of two tensors of one shape.  Odd channel
 * counts, batch 3. */
static int
se_gate (Builder * b, int x, gboolean hard)
{
  int s = simple (b, OCL_OP_GLOBALAVGPOOL, x);
  s = conv (b, s, 9, 1, 1, 0, TRUE);
  s = simple (b, OCL_OP_RELU, s);
  s = conv (b, s, OCL_VALUE (b->g, x)->c, 1, 1, 0, TRUE);
  return mul (b, x, sigmoid (b, s, hard));
}

static void
test_sigmoid_mul (void)
{
  for (int hard = 0; hard < 2; hard++) {
    Builder b;
    int x, y;
    builder_init (&b, 70 + hard, 3, 19, 7, 5);
    x = conv (&b, b.g->input, 37, 3, 1, 1, TRUE);
    y = add (&b, se_gate (&b, x, hard), x);
    expect_layer = "mul 37x7x5 by a channel gate +res +relu";
    /* input, conv, mean, 2 convs, sigmoid, the gate with add and ReLU */
    check_fused (&b, simple (&b, OCL_OP_RELU, y), 7);
  }
  for (int v = 0; v < 2; v++) {
    /* Option A: the residual is the block input's stride-2 view, zero
     * padded on each side: 6 channels by 2 into 10 (one channel a
     * work-item; the Add's operands swapped), 16 by 8 into 32 (16 a
     * work-item, every block straddling the residual's edge). */
    const int ic = v ? 16 : 6, pc = v ? 8 : 2, oc = ic + 2 * pc;
    g_autofree char *layer = g_strdup_printf ("mul %dx5x4 by a channel gate "
        "+res +relu", oc);
    Builder b;
    int x, y, r;
    builder_init (&b, 73 + v, 2, ic, 9, 7);
    x = conv (&b, b.g->input, oc, 3, 2, 1, TRUE);
    r = slice (&b, slice (&b, b.g->input, 2, 0, 2), 3, 0, 2);
    r = pad (&b, r, pc, pc, 0, 0, 0, 0, 0.0f);
    x = se_gate (&b, x, v);
    y = v ? add (&b, x, r) : add (&b, r, x);
    expect_layer = layer;
    check_fused (&b, simple (&b, OCL_OP_RELU, y), 7);
  }
  expect_layer = NULL;
  {
    /* Same shapes, and a sigmoid over a wide range (saturation). */
    Builder b;
    int x, y;
    builder_init (&b, 72, 2, 5, 9, 11);
    x = conv (&b, b.g->input, 13, 3, 2, 1, TRUE);
    y = affine (&b, x);
    y = sigmoid (&b, y, FALSE);
    check (&b, mul (&b, x, y));
  }
  {
    /* Same shapes, 16 channels per work-item, into a residual add. */
    Builder b;
    int x, y;
    builder_init (&b, 75, 2, 5, 9, 11);
    x = conv (&b, b.g->input, 48, 3, 2, 1, TRUE);
    y = sigmoid (&b, affine (&b, x), FALSE);
    y = mul (&b, y, x);
    y = add (&b, y, simple (&b, OCL_OP_RELU, x));
    check (&b, y);
  }
}

/* Quantize-dequantize (QDQ activations): per tensor and per channel, int8
 * and uint8 ranges with values beyond them (clamped), scales that put
 * values on rounding ties, after a convolution and before one. */
static void
test_fakequant (void)
{
  for (int per_channel = 0; per_channel < 2; per_channel++)
    for (int uint8 = 0; uint8 < 2; uint8++) {
      Builder b;
      int x, i, c = 19;
      OclNode *n;
      builder_init (&b, 80 + 2 * per_channel + uint8, 2, 7, 9, 5);
      x = conv (&b, b.g->input, c, 3, 1, 1, TRUE);
      i = node1 (&b, OCL_OP_FAKEQUANT, x);
      n = OCL_NODE (b.g, i);
      n->oc = c;
      n->alpha = uint8 ? 0.0f : -128.0f;
      n->beta = uint8 ? 255.0f : 127.0f;
      n->scale = g_new (float, 4 * c);
      for (int k = 0; k < c; k++) {
        /* Powers of two: x / s is exact, so ties are real ties. */
        float s = ldexpf (1.0f, -7 - (per_channel ? k % 3 : 0));
        float z =
            uint8 ? 128.0f - (per_channel ? k : 0) : per_channel ? k % 5 : 0;
        n->scale[k] = n->scale[2 * c + k] = s;
        n->scale[c + k] = n->scale[3 * c + k] = z;
      }
      x = finish (&b, i);
      check (&b, conv (&b, x, 11, 1, 1, 0, TRUE));
    }
}

/* A quantize-dequantize node on @x: per channel (scales 1, 2, 4 and zero
 * points 0..4) or per tensor, over [@qmin, @qmax]. */
static int
fakequant (Builder * b, int x, gboolean per_channel, float qmin, float qmax)
{
  const int c = OCL_VALUE (b->g, x)->c;
  int i = node1 (b, OCL_OP_FAKEQUANT, x);
  OclNode *n = OCL_NODE (b->g, i);

  n->oc = c;
  n->alpha = qmin;
  n->beta = qmax;
  n->scale = g_new (float, 4 * c);
  for (int k = 0; k < c; k++) {
    n->scale[k] = n->scale[2 * c + k] = per_channel ? 1 << (k % 3) : 2.0f;
    n->scale[c + k] = n->scale[3 * c + k] = per_channel ? k % 5 : 3.0f;
  }
  return finish (b, i);
}

/* Integer weights in [-2, 2] and biases k + 1/4: on integer inputs the
 * convolution's sums are exact in any order (F(4x4) excepted, within
 * 1e-4 of them), and x / s for s = 1, 2, 4 stays at least 1/16 from a
 * rounding tie, so device and reference quantize alike. */
static void
integer_weights (Builder * b, int conv_value)
{
  OclNode *n = OCL_NODE (b->g, OCL_VALUE (b->g, conv_value)->producer);
  gsize nw = (gsize) n->oc * ocl_node_icg (n) * n->kh * n->kw;

  for (gsize k = 0; k < nw; k++)
    n->weight[k] = g_rand_int_range (b->rand, -2, 3);
  for (int k = 0; k < n->oc; k++)
    n->bias[k] = g_rand_int_range (b->rand, -8, 8) + 0.25f;
}

/* The QDQ block as onnxruntime.quantization writes it: input QDQ ->
 * conv -> QDQ -> + shortcut -> ReLU -> QDQ, fused into one convolution
 * (input conversion, input QDQ, convolution: 3 launches) under every
 * convolution kernel: direct, lane (rotated weights) grouped, Winograd F(2x2) and
 * F(4x4), tiled at 8 and 16; per tensor and per channel, int8 and uint8,
 * values beyond the range (clamped) and ties after the add. */
static void
test_conv_quant_epilogue (void)
{
  static const struct
  {
    const char *layer;
    int winograd, tiled, groups, c;
  } paths[] = {
    {"PX=", 0, 0, 1, 37}, {"lanes", 0, 0, 8, 32}, {"winograd WT", 1, 0, 1, 32},
    {"winograd4", 4, 0, 1, 48}, {"tiled", 0, 8, 1, 37}, {"tiled", 0, 16, 1, 37},
  };
  const int saved_tiled = ctx->tuning.tiled_side;
  const int saved_wino = ctx->tuning.winograd;

  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    for (int per_channel = 0; per_channel < 2; per_channel++)
      for (int uint8 = 0; uint8 < 2; uint8++) {
        const float lo = uint8 ? 0.0f : -128.0f, hi = uint8 ? 255.0f : 127.0f;
        const int c = paths[p].c;
        Builder b;
        int x, y;

        g_test_message ("%s, per channel %d, uint8 %d", paths[p].layer,
            per_channel, uint8);
        ctx->tuning.tiled_side = paths[p].tiled;
        ctx->tuning.winograd = paths[p].winograd;
        expect_layer = paths[p].layer;
        builder_init (&b, 900 + 4 * p + 2 * per_channel + uint8, 2, c, 11, 9);
        /* Inputs -1, 0, 1 (unit scale, zero point 0). */
        {
          int i = node1 (&b, OCL_OP_FAKEQUANT, b.g->input);
          OclNode *n = OCL_NODE (b.g, i);
          n->oc = c;
          n->alpha = -128.0f;
          n->beta = 127.0f;
          n->scale = g_new0 (float, 4 * c);
          for (int k = 0; k < c; k++)
            n->scale[k] = n->scale[2 * c + k] = 1.0f;
          x = finish (&b, i);
        }
        y = paths[p].groups > 1 ? gconv (&b, x, c, 3, 1, 1, paths[p].groups) :
            conv (&b, x, c, 3, 1, 1, TRUE);
        integer_weights (&b, y);
        y = fakequant (&b, y, per_channel, lo, hi);
        y = add (&b, y, x);
        y = simple (&b, OCL_OP_RELU, y);
        y = fakequant (&b, y, !per_channel, lo, hi);
        /* F(4x4)'s input transform is a launch of its own. */
        check_fused (&b, y, paths[p].winograd == 4 ? 4 : 3);
      }
  expect_layer = NULL;
  ctx->tuning.tiled_side = saved_tiled;
  ctx->tuning.winograd = saved_wino;
}

/* A 4-D output is returned in NCHW. */
static void
test_nchw_output (void)
{
  Builder b;

  builder_init (&b, 60, 2, 3, 5, 7);
  check (&b, conv (&b, b.g->input, 6, 3, 1, 1, TRUE));
}

/* Every kernel's compiled parameters are its list in ocl-sig.h, which the
 * host's argument structs are made from: a kernel whose parameters were
 * written by hand, reordered or retyped, fails here. */
typedef struct
{
  const char *kind, *name;
} SigParam;

typedef struct
{
  const char *name, *file, *options;
  const SigParam *params;
  guint n;
} SigKernel;

#define SIG_PARAM(kind, n) { #kind, #n },
#define SIG_PARAMS(name, file, options) \
  static const SigParam params_##name[] = { OCL_SIG_##name (SIG_PARAM, SIG_PARAM) };
#define SIG_KERNEL(name, file, options) \
  { #name, file, options, params_##name, G_N_ELEMENTS (params_##name) },
/* *INDENT-OFF* */
OCL_KERNELS (SIG_PARAMS)
static const SigKernel sig_kernels[] = { OCL_KERNELS (SIG_KERNEL) };
/* *INDENT-ON* */

static char *
arg_info (cl_kernel k, cl_uint i, cl_kernel_arg_info what)
{
  size_t size = 0;
  char *v;

  g_assert_cmpint (clGetKernelArgInfo (k, i, what, 0, NULL, &size), ==,
      CL_SUCCESS);
  v = g_malloc0 (size + 1);
  g_assert_cmpint (clGetKernelArgInfo (k, i, what, size, v, NULL), ==,
      CL_SUCCESS);
  return v;
}

/* The OpenCL type a parameter of @kind compiles to. */
static const char *
sig_type (const char *kind)
{
  return strcmp (kind, "U8IN") == 0 ? "uchar*" :
      strcmp (kind, "I32IN") == 0 ? "int*" :
      strcmp (kind, "INT") == 0 ? "int" :
      strcmp (kind, "FLOAT") == 0 ? "float" :
      strcmp (kind, "FLOAT4") == 0 ? "float4" : "float*";
}

static void
test_signatures (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (sig_kernels); i++) {
    const SigKernel *sk = &sig_kernels[i];
    g_autofree char *opts = g_strdup_printf ("%s -cl-kernel-arg-info",
        sk->options);
    GError *error = NULL;
    cl_program prog = ocl_context_build_program (ctx, sk->file, opts, &error);
    cl_kernel k;
    cl_uint n = 0;
    cl_int err;

    g_assert_no_error (error);
    k = clCreateKernel (prog, sk->name, &err);
    g_assert_cmpint (err, ==, CL_SUCCESS);
    g_assert_cmpint (clGetKernelInfo (k, CL_KERNEL_NUM_ARGS, sizeof (n), &n,
            NULL), ==, CL_SUCCESS);
    if (n != sk->n)
      g_error ("%s: %u parameters compiled, %u in ocl-sig.h", sk->name, n,
          sk->n);
    for (cl_uint a = 0; a < n; a++) {
      const SigParam *p = &sk->params[a];
      const char *want = sig_type (p->kind);
      const gboolean buffer = want[strlen (want) - 1] == '*';
      const gboolean read_only = g_str_has_suffix (p->kind, "IN");
      g_autofree char *name = arg_info (k, a, CL_KERNEL_ARG_NAME);
      g_autofree char *type = arg_info (k, a, CL_KERNEL_ARG_TYPE_NAME);
      cl_kernel_arg_address_qualifier aq = 0;
      cl_kernel_arg_type_qualifier tq = 0;

      g_assert_cmpint (clGetKernelArgInfo (k, a,
              CL_KERNEL_ARG_ADDRESS_QUALIFIER, sizeof (aq), &aq, NULL), ==,
          CL_SUCCESS);
      g_assert_cmpint (clGetKernelArgInfo (k, a,
              CL_KERNEL_ARG_TYPE_QUALIFIER, sizeof (tq), &tq, NULL), ==,
          CL_SUCCESS);
      /* Compilers write "float*" or "float *". */
      for (char *r = type, *w = type;; r++)
        if (*r != ' ' && !(*w++ = *r))
          break;
      if (strcmp (name, p->name) != 0 || strcmp (type, want) != 0
          || buffer != (aq == CL_KERNEL_ARG_ADDRESS_GLOBAL)
          || read_only != ((tq & CL_KERNEL_ARG_TYPE_CONST) != 0))
        g_error ("%s: parameter %u is %s '%s' (global %d, const %d), "
            "ocl-sig.h says %s '%s'", sk->name, a, type, name,
            aq == CL_KERNEL_ARG_ADDRESS_GLOBAL,
            (tq & CL_KERNEL_ARG_TYPE_CONST) != 0, p->kind, p->name);
    }
    clReleaseKernel (k);
    clReleaseProgram (prog);
  }
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  g_autofree char *tune_dir = NULL, *tune_path = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* The picks /kernels/conv/every-candidate makes go to a file of its own. */
  tune_dir = g_dir_make_tmp ("kernels-tune-XXXXXX", NULL);
  tune_path = g_build_filename (tune_dir, "tune.txt", NULL);
  g_setenv ("OCLRESNET_TUNE_CACHE", tune_path, TRUE);
  ctx = ocl_context_new (NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/kernels/signatures", test_signatures);
  g_test_add_func ("/kernels/conv/shapes-and-tiles", test_conv_shapes);
  g_test_add_func ("/kernels/conv/winograd", test_conv_winograd);
  g_test_add_func ("/kernels/conv/winograd4", test_conv_winograd4);
  g_test_add_func ("/kernels/conv/winograd-choice", test_conv_winograd_choice);
  g_test_add_func ("/kernels/conv/tiled", test_conv_tiled);
  g_test_add_func ("/kernels/conv/tiled-batches", test_conv_tiled_batches);
  g_test_add_func ("/kernels/conv/grouped", test_conv_grouped);
  g_test_add_func ("/kernels/conv/stream", test_conv_stream);
  g_test_add_func ("/kernels/conv/every-candidate", test_conv_every_candidate);
  g_test_add_func ("/kernels/conv/tiled-fallback", test_conv_tiled_fallback);
  g_test_add_func ("/kernels/conv/bn-residual-relu",
      test_conv_bn_residual_relu);
  g_test_add_func ("/kernels/conv/option-a", test_conv_option_a);
  g_test_add_func ("/kernels/conv/projection", test_conv_projection);
  g_test_add_func ("/kernels/affine-add", test_affine_add);
  g_test_add_func ("/kernels/maxpool", test_maxpool);
  g_test_add_func ("/kernels/prelu", test_prelu);
  g_test_add_func ("/kernels/dynquant", test_dynquant);
  g_test_add_func ("/kernels/nan", test_nan);
  g_test_add_func ("/kernels/avgpool", test_avgpool);
  g_test_add_func ("/kernels/global-avgpool-fc", test_global_avgpool_fc);
  g_test_add_func ("/kernels/flatten-fc", test_flatten_fc);
  g_test_add_func ("/kernels/flatten", test_flatten);
  g_test_add_func ("/kernels/pad-slice", test_pad_slice);
  g_test_add_func ("/kernels/softmax", test_softmax);
  g_test_add_func ("/kernels/prune-unused", test_prune_unused);
  g_test_add_func ("/kernels/sigmoid-mul", test_sigmoid_mul);
  g_test_add_func ("/kernels/fakequant", test_fakequant);
  g_test_add_func ("/kernels/conv-quant-epilogue", test_conv_quant_epilogue);
  g_test_add_func ("/kernels/nchw-output", test_nchw_output);
  rc = g_test_run ();
  ocl_context_unref (ctx);
  g_unlink (tune_path);
  g_rmdir (tune_dir);
  return rc;
}
