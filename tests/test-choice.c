/* The execution side's data on the host, without a device: the registry
 * has a complete row for every IR operator, and the convolution kernel
 * candidates (ocl/conv-choice.c) are the rules measured on the CPUs in
 * BENCHMARKS.md, listed in the order to try. */
#include "ocl-private.h"

/* A CPU device of @cores as device.c records one, nothing forced. */
static OclTuning
cpu_tuning (guint cores)
{
  OclTuning t = { 0 };

  t.cpu = TRUE;
  t.compute_units = cores;
  t.winograd = -1;
  t.conv_stream = -1;
  return t;
}

static guint
candidates (int k, int s, int ic, int oc, int group, int hw, int batch,
    const OclTuning * t, OclConvChoice * out)
{
  OclNode n = { 0 };
  OclValue y = { 0 };

  n.op = OCL_OP_CONV;
  n.kh = n.kw = k;
  n.sh = n.sw = s;
  n.pt = n.pl = n.pb = n.pr = k / 2;
  n.ic = ic;
  n.oc = oc;
  n.group = group;
  y.n = batch;
  y.c = oc;
  y.h = y.w = hw;
  return ocl_conv_candidates (&n, &y, t, out);
}

static void
test_registry (void)
{
  for (int op = 0; op < OCL_OP_COUNT; op++) {
    const OclExecOp *row = ocl_exec_op (op);
    g_assert_nonnull (row);
    g_assert_cmpint (row->op, ==, op);
    g_assert_nonnull (row->name);
    g_assert_nonnull (row->infer);
    g_assert_nonnull (row->plan);
  }
  /* What the fuser may put into a node's epilogue. */
  g_assert_cmpuint (ocl_exec_op (OCL_OP_CONV)->epilogue, ==,
      OCL_EPI_RELU | OCL_EPI_RESIDUAL | OCL_EPI_QUANT);
  g_assert_cmpuint (ocl_exec_op (OCL_OP_MAXPOOL)->epilogue, ==, 0);
}

/* ResNet-18 at batch 1 on two cores: F(4x4) on the large 3x3 layers,
 * F(2x2) on 7x7 maps, the direct kernel on strided ones, each with the
 * layer's other kernels after it, the direct kernel's raster tiles last
 * where a tile would wrap. */
static void
test_resnet18_cpu (void)
{
  OclTuning t = cpu_tuning (2);
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES];
  guint n;

  /* (Rows of 56 are 7 tiles of 8: raster tiles would be the same.) */
  n = candidates (3, 1, 64, 64, 1, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_WINOGRAD4);
  g_assert_cmpint (c[0].px, ==, 4);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_WINOGRAD2);
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_false (c[2].raster);

  n = candidates (3, 1, 512, 512, 1, 7, 1, &t, c);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_WINOGRAD2);
  g_assert_cmpint (c[0].nb, ==, 2);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_WINOGRAD4);
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_false (c[2].raster);
  g_assert_cmpuint (n, ==, 3);

  /* Strided: the direct kernel; its blocks a work-item hold over 256 KiB
   * of weights, so one block a work-item is measured too. */
  n = candidates (3, 2, 64, 128, 1, 28, 1, &t, c);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[0].nb, ==, 2);
  g_assert_cmpint (c[0].px, >=, 1);
  g_assert_cmpint (c[0].bpi, >=, 4);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].px, ==, c[0].px);
  g_assert_cmpint (c[1].nb, ==, c[0].nb);
  g_assert_cmpint (c[1].bpi, ==, 1);
  g_assert_false (c[1].raster);
  g_assert_true (c[2].raster);
  /* Fewer input channels: within 256 KiB, only the raster tiles more. */
  n = candidates (3, 2, 16, 128, 1, 28, 1, &t, c);
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (c[1].raster);

  /* The stem: 3 input channels, no Winograd; the direct kernel, and the
   * same 2 pixels narrower to measure. */
  n = candidates (7, 2, 3, 64, 1, 112, 1, &t, c);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].px, ==, c[0].px - 2);
  g_assert_cmpint (c[1].nb, ==, c[0].nb);
}

/* The register file bounds the tile: AVX-512's (32 x 16 floats) keeps
 * the tiles above; AVX2's (16 x 8) takes one block of at most 6 pixels by
 * the rules, and lists each Winograd candidate with the other block count
 * (2 tiles of 2 blocks) to measure. */
static void
test_register_file (void)
{
  OclTuning t = cpu_tuning (2), wide;
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES], w[OCL_CONV_MAX_CANDIDATES];
  guint n;

  wide = t;
  wide.reg_floats = 512;
  wide.lanes = 16;
  n = candidates (1, 1, 256, 64, 1, 56, 1, &wide, w);
  g_assert_cmpuint (n, ==, candidates (1, 1, 256, 64, 1, 56, 1, &t, c));
  g_assert_true (memcmp (c, w, n * sizeof (c[0])) == 0);
  g_assert_cmpint (w[0].nb, ==, 2);
  g_assert_cmpint (w[0].px, ==, 8);

  t.reg_floats = 128;
  t.lanes = 8;
  n = candidates (1, 1, 256, 64, 1, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  g_assert_true (c[1].raster);
  g_assert_cmpint (c[0].nb, ==, 1);
  g_assert_cmpint (c[0].px, <=, 6);
  g_assert_cmpint (c[0].px, >=, 4);

  /* 3x3: F(4x4), F(2x2) and direct (row and raster tiles) with one
   * block; the Winograd kernels with two as well. */
  n = candidates (3, 1, 64, 64, 1, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 6);
  for (guint i = 0; i < n; i++) {
    g_assert_cmpint (c[i].nb, ==, i < 4 ? 1 : 2);
    g_assert_cmpint (c[i].px * c[i].nb, <=, 6);
  }
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_WINOGRAD4);
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_true (c[3].raster);
  g_assert_cmpint (c[4].kind, ==, OCL_CONV_WINOGRAD4);
  g_assert_cmpint (c[5].kind, ==, OCL_CONV_WINOGRAD2);

  /* Grouped by 4 (the lane kernel): 4 accumulators and an input a pixel
   * fit one pixel; one block only, nothing more to list. */
  n = candidates (3, 1, 128, 128, 32, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_LANES);
  g_assert_cmpint (c[0].px, ==, 1);

  /* A row of 7 with 6 pixels at most: 4 and 3, not 7 tiles of one. */
  candidates (3, 2, 64, 64, 1, 7, 1, &t, c);
  g_assert_cmpint (c[0].px, ==, 4);
  /* A row of 13 with 8: 7 and 6 (the widest waste-free tile was 1). */
  candidates (3, 2, 64, 64, 1, 13, 1, &wide, c);
  g_assert_cmpint (c[0].px, ==, 7);
}

/* Where the whole-map 1x1 kernel pays (the Intel Xeon's rule), deep 1x1
 * layers take it, with the direct kernel listed after; ResNeXt's small
 * groups take the lane kernel. */
static void
test_stream_and_lanes (void)
{
  OclTuning t = cpu_tuning (2);
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES];
  guint n;

  t.stream_pays = TRUE;
  n = candidates (1, 1, 1024, 2048, 1, 7, 1, &t, c);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_STREAM);
  g_assert_cmpint (c[0].kch, ==, 256);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].bpi, >, 1);
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[2].bpi, ==, 1);
  /* 28x28 maps: not worth it (measured). */
  candidates (1, 1, 256, 512, 1, 28, 1, &t, c);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  /* AMD's rule: never by the rules, but measured. */
  t.stream_pays = FALSE;
  n = candidates (1, 1, 1024, 2048, 1, 7, 1, &t, c);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_STREAM);
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[2].bpi, ==, 1);

  candidates (3, 1, 128, 128, 32, 56, 1, &t, c);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_LANES);
  g_assert_cmpint (c[0].gs, ==, 4);
  g_assert_cmpint (c[0].px, <=, 4);
  /* Groups of 8: the direct kernel's halves (each half of a block reads
   * its own group) are measured too, in rows and (28 columns in tiles of
   * 6) in raster order. */
  n = candidates (3, 1, 256, 256, 32, 28, 1, &t, c);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_LANES);
  g_assert_cmpint (c[0].gs, ==, 8);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].gs, ==, 8);
  g_assert_cmpint (c[1].nb, ==, 1);
  g_assert_false (c[1].raster);
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[2].gs, ==, 8);
  g_assert_true (c[2].raster);
  /* AVX2's registers hold one pixel of the lane kernel: the halves are
   * the rules' pick, and the lane kernel is not timed. */
  {
    OclTuning avx2 = t;
    avx2.reg_floats = 128;
    avx2.lanes = 8;
    n = candidates (3, 1, 256, 256, 32, 28, 1, &avx2, c);
    g_assert_cmpuint (n, ==, 2);
    g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
    g_assert_cmpint (c[0].gs, ==, 8);
    g_assert_cmpint (c[0].px, ==, 6);
    g_assert_cmpint (c[0].nb, ==, 1);
    g_assert_false (c[0].raster);
    g_assert_true (c[1].raster);
    /* Groups of 4 keep the lane kernel, and no direct kernel. */
    n = candidates (3, 1, 128, 128, 32, 56, 1, &avx2, c);
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpint (c[0].kind, ==, OCL_CONV_LANES);
  }
  /* Off the CPU, no raster tile. */
  t.cpu = FALSE;
  n = candidates (3, 1, 256, 256, 32, 28, 1, &t, c);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[1].gs, ==, 8);
}

/* Whether a candidate of the layer (batch 1) takes raster tiles. */
static gboolean
any_raster (int k, int s, int ic, int oc, int group, int hw,
    const OclTuning * t)
{
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES];
  guint n = candidates (k, s, ic, oc, group, hw, 1, t, c);

  for (guint i = 0; i < n; i++)
    if (c[i].raster)
      return TRUE;
  return FALSE;
}

/* Raster tiles: on CPU devices, for the direct kernel of layers of 16
 * input channels or more, a tile that wastes little of the whole map (a
 * 7x7 map in 10 tiles of 5 on AVX2, where its rows take 4 and 3 pixels);
 * not for stems, lane layers of groups of 4, GPUs or a forced tile. */
static void
test_raster (void)
{
  OclTuning t = cpu_tuning (2);
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES];
  guint n;

  t.reg_floats = 128;
  t.lanes = 8;
  n = candidates (3, 2, 256, 512, 1, 7, 1, &t, c);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  g_assert_false (c[0].raster);
  g_assert_cmpint (c[0].px, ==, 4);
  g_assert_cmpint (c[n - 1].kind, ==, OCL_CONV_DIRECT);
  g_assert_true (c[n - 1].raster);
  g_assert_cmpint (c[n - 1].px, ==, 5);
  g_assert_cmpint (c[n - 1].nb, ==, 1);
  /* A 14x14 map: 33 tiles of 6 (rows: 3 of 5). */
  n = candidates (1, 1, 1024, 256, 1, 14, 1, &t, c);
  g_assert_true (c[n - 1].raster);
  g_assert_cmpint (c[n - 1].px, ==, 6);
  g_assert_cmpint (c[0].px, ==, 5);

  /* No tile would wrap (a 5x5 map in rows of 5; one row): none. */
  g_assert_false (any_raster (3, 2, 48, 16, 1, 5, &t));
  g_assert_false (any_raster (1, 1, 1088, 1024, 1, 1, &t));
  /* A stem, a lane layer of groups of 4. */
  g_assert_false (any_raster (7, 2, 3, 64, 1, 112, &t));
  g_assert_false (any_raster (3, 1, 128, 128, 32, 56, &t));
  /* Nor with the tiled kernel listed first (OCLRESNET_CONV_TILED=1 on a
   * CPU device). */
  t.tiled_side = 16;
  g_assert_false (any_raster (3, 1, 128, 128, 32, 56, &t));
  t.tiled_side = 0;
  t.force_px = 3;
  t.force_nb = 1;
  g_assert_false (any_raster (3, 2, 256, 512, 1, 7, &t));
  t = cpu_tuning (2);
  t.cpu = FALSE;
  g_assert_false (any_raster (3, 2, 256, 512, 1, 7, &t));
}

/* A GPU's tiled kernel first, then the smaller side, then the register
 * kernels; forced, that side alone.  Winograd off: the direct kernel, and
 * its raster tiles where a row tile would waste (28 columns). */
static void
test_tiled_and_overrides (void)
{
  OclTuning t = cpu_tuning (2);
  OclConvChoice c[OCL_CONV_MAX_CANDIDATES];
  guint n;

  t.cpu = FALSE;
  t.tiled_side = 16;
  n = candidates (3, 1, 64, 64, 1, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_TILED);
  g_assert_cmpint (c[0].side, ==, 16);
  g_assert_cmpint (c[1].kind, ==, OCL_CONV_TILED);
  g_assert_cmpint (c[1].side, ==, 8);
  /* not a CPU: no Winograd by the rules, but the layer can run it */
  g_assert_cmpint (c[2].kind, ==, OCL_CONV_DIRECT);
  g_assert_cmpint (c[3].kind, ==, OCL_CONV_WINOGRAD4);
  t.tiled_forced = TRUE;
  n = candidates (3, 1, 64, 64, 1, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 1);

  t = cpu_tuning (2);
  t.winograd = 0;
  n = candidates (3, 1, 64, 64, 1, 56, 1, &t, c);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  n = candidates (3, 1, 64, 64, 1, 28, 1, &t, c);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpint (c[0].kind, ==, OCL_CONV_DIRECT);
  g_assert_false (c[0].raster);
  g_assert_true (c[1].raster);
  /* A forced tile is honoured. */
  t.force_px = 3;
  t.force_nb = 1;
  t.force_bpi = 2;
  candidates (3, 1, 64, 64, 1, 56, 1, &t, c);
  g_assert_cmpint (c[0].px, ==, 3);
  g_assert_cmpint (c[0].nb, ==, 1);
  g_assert_cmpint (c[0].bpi, ==, 2);
}

/* A record of @n candidates, each timed in every round: @ms[candidate]
 * [round]. */
static OclTuneRecord
timed (guint n, const double ms[][OCL_TUNE_ROUNDS])
{
  OclTuneRecord r = { 0 };

  r.n = n;
  for (guint i = 0; i < n; i++) {
    r.ms[i] = G_MAXDOUBLE;
    r.runs[i] = OCL_TUNE_ROUNDS;
    for (guint k = 0; k < OCL_TUNE_ROUNDS; k++)
      r.round_ms[i][k] = ms[i][k];
  }
  return r;
}

/* The measured pick (ocl_tune_pick): candidates are compared with the
 * rules' first round by round, not by their fastest rounds. */
static void
test_tune_pick (void)
{
  /* Round 3 ran in a slow phase of the machine, round 4 in a fast one:
   * candidate 1 is 10 % faster than the first in every round. */
  const double phases[2][OCL_TUNE_ROUNDS] = {
    {1.00, 1.02, 1.50, 0.70, 1.01},
    {0.90, 0.92, 1.35, 0.63, 0.91},
  };
  /* Candidate 1 is 5 % slower than the first in four rounds, but its
   * fastest round (a fast phase the first missed) is the fastest of all. */
  const double lucky[2][OCL_TUNE_ROUNDS] = {
    {1.00, 1.00, 1.00, 1.00, 1.00},
    {1.05, 1.05, 0.70, 1.05, 1.05},
  };
  /* Candidates 1 and 2 beat the first by 2 % and 8 %: the larger wins;
   * 2 % alone is inside the margin. */
  const double close[3][OCL_TUNE_ROUNDS] = {
    {1.00, 1.00, 1.00, 1.00, 1.00},
    {0.98, 0.98, 0.98, 0.98, 0.98},
    {0.92, 0.92, 0.92, 0.92, 0.92},
  };
  OclTuneRecord r;

  r = timed (2, phases);
  ocl_tune_pick (&r);
  g_assert_cmpuint (r.pick, ==, 1);
  g_assert_cmpfloat_with_epsilon (r.vs_first[1], 0.9, 1e-9);
  /* The listed times are each candidate's median round. */
  g_assert_cmpfloat (r.ms[0], ==, 1.01);
  g_assert_cmpfloat (r.ms[1], ==, 0.91);

  r = timed (2, lucky);
  ocl_tune_pick (&r);
  g_assert_cmpuint (r.pick, ==, 0);

  r = timed (3, close);
  ocl_tune_pick (&r);
  g_assert_cmpuint (r.pick, ==, 2);
  r = timed (2, close);
  ocl_tune_pick (&r);
  g_assert_cmpuint (r.pick, ==, 0);

  /* A first that does not fit the device: the next one is the reference. */
  r = timed (3, close);
  r.ms[0] = -1.0;
  r.runs[0] = 0;
  ocl_tune_pick (&r);
  g_assert_cmpuint (r.pick, ==, 2);
  g_assert_cmpfloat_with_epsilon (r.vs_first[2], 0.92 / 0.98, 1e-9);
  g_assert_cmpfloat (r.ms[0], <, 0.0);
}

/* Which configuration of a measurement round runs which candidate: every
 * candidate that fits is timed once a round, the others never; the
 * configuration that times a candidate moves between rounds, and in one
 * round the layers' first candidates are not all timed in the same run
 * (beside the same neighbours). */
static void
test_tune_configs (void)
{
  OclTuneRecord r = { 0 };
  const guint n_configs = 4, layers = 8, rounds = OCL_TUNE_ROUNDS + 1;

  r.n = 3;
  for (guint fits = 0; fits < 2; fits++) {
    /* The second time, candidate 1 does not fit the device. */
    r.ms[1] = fits ? -1.0 : 0.0;
    for (guint j = 0; j < layers; j++) {
      guint configs_of_first = 0;
      for (guint round = 0; round < rounds; round++) {
        guint times[OCL_CONV_MAX_CANDIDATES] = { 0 };
        for (guint k = 0; k < n_configs; k++) {
          gboolean timed;
          const guint c = ocl_tune_config_candidate (&r, j, round, k,
              n_configs, &timed);
          g_assert_cmpuint (c, <, r.n);
          g_assert_true (r.ms[c] >= 0);
          if (!timed)
            g_assert_cmpuint (c, ==, ocl_tune_first_fit (&r));
          times[c] += timed;
          if (timed && c == 0)
            configs_of_first |= 1u << k;
        }
        for (guint c = 0; c < r.n; c++)
          g_assert_cmpuint (times[c], ==, r.ms[c] >= 0 ? 1 : 0);
      }
      g_assert_cmpuint (g_bit_nth_lsf (configs_of_first, -1), !=,
          g_bit_nth_msf (configs_of_first, -1));
    }
  }
  for (guint round = 0; round < rounds; round++) {
    guint configs = 0;
    for (guint j = 0; j < layers; j++)
      for (guint k = 0; k < n_configs; k++) {
        gboolean timed;
        if (ocl_tune_config_candidate (&r, j, round, k, n_configs,
                &timed) == 0 && timed)
          configs |= 1u << k;
      }
    g_assert_cmpuint (g_bit_nth_lsf (configs, -1), !=, g_bit_nth_msf (configs,
            -1));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/choice/registry", test_registry);
  g_test_add_func ("/choice/resnet18-cpu", test_resnet18_cpu);
  g_test_add_func ("/choice/register-file", test_register_file);
  g_test_add_func ("/choice/stream-and-lanes", test_stream_and_lanes);
  g_test_add_func ("/choice/raster", test_raster);
  g_test_add_func ("/choice/tiled-and-overrides", test_tiled_and_overrides);
  g_test_add_func ("/choice/tune-pick", test_tune_pick);
  g_test_add_func ("/choice/tune-configs", test_tune_configs);
  return g_test_run ();
}
