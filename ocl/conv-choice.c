/* Which kernel a convolution runs, and with which tile: a pure function
 * of the layer and the device's tuning record (no device, no OpenCL), so
 * that tests/test-choice.c checks it on the host.  exec-conv.c binds the
 * chosen candidate's buffers and launches.
 *
 * The rules below were measured on the CPUs named beside them
 * (BENCHMARKS.md); they give the order in which the candidates are
 * listed.  The first is the plan's pick; the others are what the layer
 * can also run, in the order to fall back on (a tiled kernel that does
 * not fit the device) or to measure. */
#include "ocl-private.h"

/* Pixels (direct) or 2x2 tiles (Winograd) per work-item out of @cols: the
 * tile (<= @max) that does a row's work in the fewest steps, a work-item's
 * costing its pixels and two more (its weight loads), the wider on a tie;
 * but no wider than leaves @min_items work-items when each column group
 * gives @per_group of them.  (Counting only the wasted pixels took one
 * pixel on 13 columns, and on 7 when 6 is the widest.) */
static int
choose_px (int cols, int max, gsize per_group, gsize min_items)
{
  int best = 1;
  gint64 best_cost = G_MAXINT64;

  for (int px = MIN (max, cols); px >= 1; px--) {
    gint64 cost = (gint64) ((cols + px - 1) / px) * (px + 2);
    if (cost < best_cost) {
      best_cost = cost;
      best = px;
    }
  }
  while (best > 1 && (gsize) (cols + best - 1) / best * per_group < min_items)
    best = (best + 1) / 2;
  return best;
}

/* The widest register tile of @nb 16-channel blocks (pixels or Winograd
 * tiles, at most 8) whose accumulators, @nb weight vectors and a broadcast
 * fit the device's vector registers with one vector to spare: 8 with
 * AVX-512 or where unknown; on AVX2 6 of one block, 2 of two. */
static int
max_tile (const OclTuning * t, int nb)
{
  if (t->reg_floats == 0)
    return 8;
  return CLAMP (((int) t->reg_floats - (int) t->lanes) / (16 * nb) - 1, 1, 8);
}

/* The lane kernel's: @gs x @nb accumulators and an input vector a pixel,
 * and a weight vector; at most 16 / @gs. */
static int
max_lane_tile (const OclTuning * t, int gs, int nb)
{
  int px = 16 / gs;

  if (t->reg_floats)
    px = MIN (px, ((int) t->reg_floats - 16) / (16 * (gs * nb + 1)));
  return MAX (px, 1);
}

/* Whether a Winograd kernel applies: 3x3 stride-1 convolutions whose
 * input channels fill 16-lane vectors. */
static gboolean
winograd_applies (const OclNode * n)
{
  return n->op == OCL_OP_CONV && n->kh == 3 && n->kw == 3 && n->sh == 1
      && n->sw == 1 && n->ic % 16 == 0 && n->group <= 1;
}

int
ocl_conv_winograd (const OclNode * n, const OclValue * y, const OclTuning * t)
{
  if (!winograd_applies (n))
    return 0;
  if (t->winograd == 4)
    return 4;
  if (t->winograd > 0)
    return 2;
  if (t->winograd == 0 || !t->cpu)
    return 0;
  {
    /* F(4x4) where its 4x4 tiles waste little and the layer is large
     * enough to pay for a second launch; F(2x2) elsewhere: on 7x7 maps
     * (whose 2x2 tiles of 4x4 weigh 36/16 as much in weights, read from
     * memory for 4 tiles) and on CIFAR's small layers, where launches are
     * the cost.  Measured per layer on ResNet-18 (BENCHMARKS.md). */
    double macs = (double) y->h * y->w * n->oc * n->ic * 9.0;
    return y->h >= 14 && y->w >= 14 && macs >= 16e6 ? 4 : 2;
  }
}

/* Input channels a chunk for conv1x1_nhwc (0: the other kernels).  Where
 * the tuning record says it pays (CPU devices but AMD's): 1x1 layers of
 * 14x14 maps or smaller with 256 input channels or more and enough output
 * blocks to go round the cores.  Measured on an Intel Xeon, ResNeXt-50's
 * 1x1 layers (sums, two alternating pairs): 7x7 maps 6.3-6.7
 * -> 4.6-4.8 ms, 14x14 10.1-11.1 -> 9.9-10.3 ms, but 28x28 6.0 -> 6.8-7.0
 * ms.  256 channels a chunk measured best (the 14x14 layers with 64: 12.2
 * ms, 128: 10.3, 512: 9.8). */
static gboolean
stream_applies (const OclNode * n)
{
  return n->kh == 1 && n->kw == 1 && !n->pt && !n->pl && !n->pb && !n->pr
      && n->group <= 1;
}

static int
stream_chunk (const OclNode * n, const OclValue * y, const OclTuning * t,
    int nblk)
{
  if (!stream_applies (n) || t->conv_stream == 0)
    return 0;
  if (t->conv_stream > 0)
    return t->conv_stream;
  return t->stream_pays && !t->force_px && (gsize) y->h * y->w <= 196
      && n->ic >= 256 && nblk >= 4 * (int) t->compute_units ? 256 : 0;
}

/* Whether a work-item of @n may take two 16-channel output blocks: dense
 * layers of 32 channels or more; grouped ones whose groups a pair of
 * blocks does not straddle. */
static gboolean
two_blocks_apply (const OclNode * n)
{
  const int ocg = n->oc / MAX (n->group, 1);

  return ocl_conv_lane_groups (n) <= 1 && n->oc >= 32
      && (ocg % 16 != 0 || ocg % 32 == 0);
}

/* Which kernel register_tiled () takes where Winograd is off: the rules'
 * (the lane kernel for small groups, the whole-map 1x1 kernel where it
 * pays, else the direct one), or the direct kernel, its tiles along a row
 * or in raster order over the map. */
typedef enum
{
  TILE_RULES,
  TILE_ROWS,
  TILE_RASTER,
} TileForm;

/* The register-tiled kernels' pick: Winograd F(4x4) or F(2x2) (@wino, 0:
 * off), else the kernel @form names; with its tile, of @want_nb output
 * blocks a work-item (0: the rules' count). */
static OclConvChoice
register_tiled (const OclNode * n, const OclValue * y, const OclTuning * t,
    int wino, int want_nb, TileForm form)
{
  const gboolean raster = form == TILE_RASTER;
  /* Direct: PX pixels of a row (of the map where @raster); Winograd: PX
   * of the image's 2x2 (4x4) tiles. */
  int cols = wino == 4 ? (y->h + 3) / 4 * ((y->w + 3) / 4) :
      wino ? (y->h + 1) / 2 * ((y->w + 1) / 2) : raster ? y->h * y->w : y->w;
  /* Work-items a column group gives: one a row, but for the whole-map
   * tilings. */
  const gsize rows = wino || raster ? 1 : y->h;
  const int lane_gs = ocl_conv_lane_groups (n);
  /* Groups of 8: the lane kernel by the rules where its registers hold
   * two pixels (AVX-512), else the direct kernel with each half of a
   * 16-channel block reading its own group (-DHALVES, one block a tile):
   * exact work, and a 6-pixel tile where the lane kernel's 8 accumulators
   * a pixel leave AVX2 one pixel (ResNeXt-50's 28x28 layers in a network
   * on an AVX2 EPYC: 0.95 of the half-zero blocks' time in rows, 0.81 in
   * raster tiles on PoCL, 0.80 and 0.85 on Intel's runtime, where the lane
   * kernel took 1.06-1.37 of it; BENCHMARKS.md). */
  const int gs = form == TILE_RULES && !(lane_gs == 8
      && max_lane_tile (t, 8, 1) < 2) ? lane_gs : 0;
  const gboolean halves = !wino && !gs && lane_gs == 8;
  /* Grouped with GS dividing 8: the lane kernel, exact work, GS x NB x PX
   * accumulators: one block and at most 16 of them (ResNeXt-50's 56x56
   * layers at GS = 4: PX = 4).  Groups of 16 channels (48, ...): one
   * 16-channel block a work-item, so that no block straddles two groups
   * and multiplies zero weights.  Two blocks only where the registers
   * hold 4 pixels of them (AVX2 does not: 2 pixels of 2 blocks measured
   * no faster than 4 of one, BENCHMARKS.md). */
  int nb = two_blocks_apply (n) && max_tile (t, 2) >= 4 ? 2 : 1;
  int nblk, bpi = 1, kch;
  double macs = (double) y->n * y->h * y->w * n->oc * ocl_node_icg (n) *
      n->kh * n->kw;
  /* CPU devices: enough one-item work-groups to balance the cores, but
   * none smaller than ~256 K multiply-adds, below which PoCL's cost per
   * work-group shows (small CIFAR layers want few, big work-items). */
  gsize min_items = t->cpu ? MIN (32 * (gsize) t->compute_units,
      (gsize) (macs / 262144)) : 0;
  int px;
  OclConvChoice c = { OCL_CONV_DIRECT, 1, 1, 1, 0, 0, 0 };

  if (want_nb == 1 || (want_nb == 2 && two_blocks_apply (n)))
    nb = want_nb;
  nblk = (n->oc + 16 * nb - 1) / (16 * nb);
  px = choose_px (cols, gs > 1 ? max_lane_tile (t, gs, nb) : max_tile (t, nb),
      (gsize) y->n * nblk * rows, min_items);

  /* Test hook: a forced register tile (and blocks per work-item). */
  if (t->force_px) {
    px = t->force_px;
    nb = t->force_nb;
  }
  px = CLAMP (px, 1, 8);
  nb = CLAMP (nb, 1, 2);
  /* The lane kernel takes whole blocks only; halves one block a tile. */
  if ((gs && n->oc % (16 * nb)) || halves)
    nb = 1;
  nblk = (n->oc + 16 * nb - 1) / (16 * nb);
  /* Direct convolutions on CPU devices: several output-channel blocks per
   * work-item amortise PoCL's per-work-group cost (ResNet-50 sum of layers
   * 36.5 -> 35.3 ms, 8 blocks against 1), as long as min_items remain. */
  if (!wino && t->cpu) {
    gsize others = (gsize) y->n * rows * ((cols + px - 1) / px);
    bpi = 8;
    while (bpi > 1 && others * ((nblk + bpi - 1) / bpi) < min_items)
      bpi /= 2;
    bpi = MIN (bpi, nblk);
  }
  if (!wino && t->force_px && t->force_bpi > 0)
    bpi = MIN (t->force_bpi, nblk);
  c.nb = nb;
  /* F(4x4): four tiles per work-item where there are enough work-items to
   * go round the cores (measured on ResNet-18's 28x28 and 14x14 layers:
   * 0.66 -> 0.39 ms and 0.72 -> 0.57 ms against the min_items rule's one
   * or two tiles). */
  if (wino == 4) {
    int wt = MIN (4, max_tile (t, nb));
    /* The most tiles that waste under 1/8 of a work-item's and leave a
     * few work-items per core. */
    while (wt > 1 && ((double) cols / (((cols + wt - 1) / wt) * wt) < 0.875
            || (gsize) (cols + wt - 1) / wt * y->n * nblk <
            2 * (gsize) t->compute_units))
      wt--;
    c.kind = OCL_CONV_WINOGRAD4;
    c.px = t->force_px ? MIN (px, 4) : wt;
    return c;
  }
  if (wino) {
    c.kind = OCL_CONV_WINOGRAD2;
    c.px = px;
    return c;
  }
  if (gs) {
    c.kind = OCL_CONV_LANES;
    c.gs = gs;
  } else if (form == TILE_RULES && (kch = stream_chunk (n, y, t, nblk))) {
    c.kind = OCL_CONV_STREAM;
    c.kch = kch;
    px = t->force_px ? px : choose_px (y->h * y->w, max_tile (t, nb), 1, 0);
    bpi = t->force_px && t->force_bpi > 0 ? MIN (t->force_bpi, nblk) :
        CLAMP (nblk / (8 * (int) t->compute_units), 1, 4);
  } else {
    c.raster = raster;
    c.gs = halves ? 8 : 0;
  }
  c.px = px;
  c.bpi = bpi;
  return c;
}

/* Whether the direct kernel is timed on a layer the rules give the lane
 * kernel (groups of @gs): at 8, its halves form does the same products
 * (register_tiled ()); smaller groups would run as 16-channel blocks of
 * block-diagonal weights, 16 / @gs times the products. */
static gboolean
direct_runs_lanes (int gs)
{
  return gs == 8;
}

static gboolean
same_choice (const OclConvChoice * a, const OclConvChoice * b)
{
  return a->kind == b->kind && a->px == b->px && a->nb == b->nb
      && a->bpi == b->bpi && a->kch == b->kch && a->gs == b->gs
      && a->side == b->side && a->raster == b->raster;
}

static void
add_candidate (OclConvChoice * out, guint * n, const OclConvChoice * c)
{
  for (guint i = 0; i < *n; i++)
    if (same_choice (&out[i], c))
      return;
  if (*n < OCL_CONV_MAX_CANDIDATES)
    out[(*n)++] = *c;
}

guint
ocl_conv_candidates (const OclNode * n, const OclValue * y,
    const OclTuning * t, OclConvChoice * out)
{
  guint count = 0;
  int wino = ocl_conv_winograd (n, y, t);
  OclConvChoice rules, c;
  gboolean direct;

  /* The tiled kernel at the tuning record's side, else at 8, else the
   * register-tiled kernels (unless the side was forced: then that one
   * alone, and a layer it does not fit fails). */
  for (int side = t->tiled_side; side >= 8; side /= 2) {
    OclConvChoice tiled = { OCL_CONV_TILED, 4, 1, 1, 0, 0, side };
    add_candidate (out, &count, &tiled);
    if (t->tiled_forced)
      return count;
  }
  rules = register_tiled (n, y, t, wino, 0, TILE_RULES);
  add_candidate (out, &count, &rules);
  /* What else the layer runs, for a fallback or a measurement: the other
   * Winograd variant where Winograd applies, and the direct kernel in
   * rows (the rules' pick itself where it is that) on every layer but the
   * lane kernel's, where direct_runs_lanes () says. */
  direct = rules.kind != OCL_CONV_LANES || direct_runs_lanes (rules.gs);
  if (winograd_applies (n) && t->winograd != 0) {
    c = register_tiled (n, y, t, wino == 4 ? 2 : 4, 0, TILE_RULES);
    add_candidate (out, &count, &c);
  }
  if (direct) {
    c = register_tiled (n, y, t, 0, 0, TILE_ROWS);
    add_candidate (out, &count, &c);
  }
  /* The whole-map 1x1 kernel is measured on every CPU device where its
   * shape applies; the rules take it only where stream_pays.  On an AVX2
   * EPYC (Zen 3) it ran ResNet-50's 7x7-map 1x1 layers 20 % faster than
   * the direct kernel and its 14x14 ones 8-16 % slower (BENCHMARKS.md). */
  if (t->cpu && !t->stream_pays && out[0].kind != OCL_CONV_STREAM) {
    OclTuning pays = *t;
    OclConvChoice st;
    pays.stream_pays = TRUE;
    st = register_tiled (n, y, &pays, 0, 0, TILE_RULES);
    if (st.kind == OCL_CONV_STREAM)
      add_candidate (out, &count, &st);
  }
  /* Blocks a work-item whose weights outgrow a core's L2 (more than 256
   * KiB together): the same tile with one block a work-item is measured
   * too, so that the work-items after it on that core find the block's
   * weights still there.  Forced on an AVX2 EPYC (Zen 3, 512 KiB of L2),
   * ResNet-50's 7x7 and 14x14 layers took 16-17 and 28-31 ms with one
   * block against 17.5-22.7 and 33-39 with 2, 4 or 8 (BENCHMARKS.md). */
  if (t->cpu && !t->force_px) {
    const guint listed = count;
    for (guint i = 0; i < listed; i++) {
      OclConvChoice one = out[i];
      const double block_bytes = 4.0 * n->kh * n->kw *
          ocl_conv_choice_inputs (n, &one) * 16 * one.nb;
      if (one.kind != OCL_CONV_DIRECT || one.bpi < 2
          || block_bytes * one.bpi <= 256.0 * 1024)
        continue;
      one.bpi = 1;
      add_candidate (out, &count, &one);
    }
  }
  /* The direct kernel's tiles in raster order over the map, on CPU
   * devices, for layers of 16 input channels or more (a stem's short
   * channel loops want a row tile's contiguous windows): on small maps a
   * row leaves a narrow tile or a wasted one.  On an AVX2 EPYC (Zen 3),
   * 3x3 512->512 on 7x7 in 10 tiles of 5 against 14 of 4 (8
   * accumulators): 0.83-0.87 of the time; 3x3/2 256->512 0.80-0.83; 1x1
   * 512->2048 on 7x7 0.74-0.76; 1x1 1024->256 on 14x14 0.92-0.94
   * (BENCHMARKS.md).  Not where no tile wraps (one row, or rows a whole
   * number of tiles): row tiles of that width do the same work. */
  if (t->cpu && !t->force_px && n->ic >= 16 && direct) {
    OclConvChoice r = register_tiled (n, y, t, 0, 0, TILE_RASTER);
    if (r.raster && y->h > 1 && y->w % r.px != 0)
      add_candidate (out, &count, &r);
  }
  /* A stem (fewer than 16 input channels: a short channel loop between
   * its taps) also measures a register tile 2 pixels narrower.  The rules'
   * widths were measured on PoCL; Intel's runtime runs ResNet-18's stem in
   * 0.57 ms at 6 pixels against 0.72 at 8 (PoCL: 0.62 against 0.64, the
   * rules' kept).  On deeper layers the narrower tile lost on both (0.26
   * -> 0.30 and 0.28 -> 0.44 ms on PoCL), so they do not pay for it. */
  if (rules.kind == OCL_CONV_DIRECT && rules.px >= 4 && n->ic < 16
      && !t->force_px) {
    c = rules;
    c.px -= 2;
    add_candidate (out, &count, &c);
  }
  /* Where the registers cut the two-block tile (AVX2: 2 pixels), the
   * Winograd candidates are measured with the other block count too: on
   * an AVX2 EPYC F(4x4) won with 2 tiles of 2 blocks on some 56x56 layers
   * and 4 tiles of one on others, while the direct kernel's 2 pixels of 2
   * blocks lost to 6 of one on every ResNet-50 layer but one (of 53), by
   * 10-25 % on most (BENCHMARKS.md), so it is not listed. */
  if (max_tile (t, 2) < 8 && two_blocks_apply (n) && !t->force_px) {
    const guint listed = count;

    for (guint i = 0; i < listed; i++) {
      const OclConvKind k = out[i].kind;
      if (k != OCL_CONV_WINOGRAD2 && k != OCL_CONV_WINOGRAD4)
        continue;
      c = register_tiled (n, y, t, k == OCL_CONV_WINOGRAD4 ? 4 : 2,
          3 - out[i].nb, TILE_RULES);
      add_candidate (out, &count, &c);
    }
  }
  return count;
}

void
ocl_conv_choice_describe (const OclConvChoice * c, char *buf, gsize size)
{
  switch (c->kind) {
    case OCL_CONV_TILED:
      g_snprintf (buf, size, "tiled %dx%d", 4 * c->side, 4 * c->side);
      break;
    case OCL_CONV_WINOGRAD4:
      g_snprintf (buf, size, "winograd4 WT=%d NB=%d", c->px, c->nb);
      break;
    case OCL_CONV_WINOGRAD2:
      g_snprintf (buf, size, "winograd WT=%d NB=%d", c->px, c->nb);
      break;
    default:{
      char bpi[16] = "";
      if (c->bpi > 1)
        g_snprintf (bpi, sizeof (bpi), " x%d", c->bpi);
      g_snprintf (buf, size, "%s%sPX=%d NB=%d%s", c->kind == OCL_CONV_LANES ?
          "lanes " : c->kind == OCL_CONV_STREAM ? "stream " : c->raster ?
          "raster " : "", ocl_conv_halves (c) ? "halves " : "", c->px, c->nb,
          bpi);
    }
  }
}
