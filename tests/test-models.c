/* End to end against PyTorch: every fixture that models/gen_test_models.py
 * wrote (random weights, random BN statistics) must agree with PyTorch's
 * output to max|diff| <= 1e-4 * max(1, max|ref|) with the same top-1 per
 * image, also on the GPU convolution kernel forced on.  Also: bad models
 * fail with one clear error and no leak, two threads may run separate nets
 * on one shared context, and nets built from one model neither change it
 * nor need it once built.
 *
 * usage: test-models [--tap] FIXTURE_DIR */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "onnx-import.h"

static const char *fixture_dir;
static OclContext *ctx;

static char *
fixture (const char *name, const char *suffix)
{
  g_autofree char *file = g_strconcat (name, suffix, NULL);
  return g_build_filename (fixture_dir, file, NULL);
}

/* Runs @net on fixture @name's input; returns the normalised error against
 * PyTorch's output, checks top-1 of every N x classes output.  A model of
 * several outputs has them side by side per image in the reference, as a
 * run returns them. */
static double
check_net (OclNet * net, const char *name)
{
  g_autofree char *in_path = fixture (name, ".input.npy");
  g_autofree char *out_path = fixture (name, ".output.npy");
  GError *error = NULL;
  gint64 in_shape[8], ref_shape[8];
  int in_nd, ref_nd, batch = ocl_net_get_batch (net);
  guint n_out = ocl_net_get_n_outputs (net);
  float *in, *ref, *got;
  double max_ref = 0.0, max_diff = 0.0;
  gsize n, per;

  in = ocl_npy_load (in_path, &in_nd, in_shape, &error);
  g_assert_no_error (error);
  ref = ocl_npy_load (out_path, &ref_nd, ref_shape, &error);
  g_assert_no_error (error);
  n = ocl_net_get_output_size (net);
  per = n / batch;
  if (n_out == 1) {
    OclOutputInfo o;
    ocl_net_get_output (net, 0, &o);
    g_assert_cmpint (o.ndim, ==, ref_nd);
    for (int d = 0; d < o.ndim; d++)
      g_assert_cmpint (o.dims[d], ==, ref_shape[d]);
  } else {
    g_assert_cmpint (ref_nd, ==, 2);
    g_assert_cmpint (ref_shape[0], ==, batch);
    g_assert_cmpint (ref_shape[1], ==, per);
  }
  got = g_new (float, n);
  g_assert_true (ocl_net_run (net, in, got, &error));
  g_assert_no_error (error);

  for (gsize i = 0; i < n; i++) {
    max_ref = MAX (max_ref, fabs (ref[i]));
    max_diff = MAX (max_diff, fabs ((double) ref[i] - got[i]));
  }
  for (guint i = 0; i < n_out; i++) {
    OclOutputInfo o;
    ocl_net_get_output (net, i, &o);
    if (o.ndim != 2)
      continue;
    for (int b = 0; b < batch; b++) {
      const float *r = ref + b * per + o.offset, *g = got + b * per + o.offset;
      gsize ar = 0, ag = 0;
      for (gsize j = 1; j < o.size; j++) {
        if (r[j] > r[ar])
          ar = j;
        if (g[j] > g[ag])
          ag = j;
      }
      g_assert_cmpuint (ar, ==, ag);
    }
  }
  g_test_message ("%s: max|ref| %.4g, max|diff| %.3g", name, max_ref, max_diff);
  g_assert_cmpfloat (max_ref, >, 0.0);
  g_free (in);
  g_free (ref);
  g_free (got);
  return max_diff / MAX (1.0, max_ref);
}

/* Compiles fixture @name for its input's shape. */
static OclNet *
fixture_net (OclContext * c, OclModel * model, const char *name)
{
  g_autofree char *in_path = fixture (name, ".input.npy");
  GError *error = NULL;
  gint64 in_shape[8];
  int in_nd;
  float *in = ocl_npy_load (in_path, &in_nd, in_shape, &error);
  OclNet *net;

  g_assert_no_error (error);
  g_assert_cmpint (in_nd, ==, 4);
  /* An N x H x W x C input: the API's shapes are NCHW. */
  if (ocl_model_input_is_nhwc (model)) {
    gint64 nhwc[4] = { in_shape[0], in_shape[1], in_shape[2], in_shape[3] };
    in_shape[1] = nhwc[3];
    in_shape[2] = nhwc[1];
    in_shape[3] = nhwc[2];
  }
  net = ocl_net_new (c, model, in_shape, &error);
  g_assert_no_error (error);
  g_free (in);
  return net;
}

/* Runs fixture @name; returns the normalised error, checks top-1. */
static double
run_fixture (OclContext * c, const char *name)
{
  g_autofree char *onnx = fixture (name, ".onnx");
  GError *error = NULL;
  OclModel *model = ocl_model_load (onnx, &error);
  OclNet *net;
  double err;

  g_assert_no_error (error);
  net = fixture_net (c, model, name);
  err = check_net (net, name);
  ocl_net_free (net);
  ocl_model_free (model);
  return err;
}

/* fp16_* fixtures hold float16 weights (and maybe float16 I/O) run in
 * float32: within 1e-2 of PyTorch's float32 answer, same top-1. */
static void
test_fixture (gconstpointer data)
{
  g_assert_cmpfloat (run_fixture (ctx, data), <=,
      g_str_has_prefix (data, "fp16_") ? 1e-2 : 1e-4);
}

/* A context measuring kernels (OCLRESNET_TUNE=1) into the tuning file
 * @path. */
static OclContext *
tuning_context (const char *path)
{
  GError *error = NULL;
  OclContext *c;

  g_setenv ("OCLRESNET_TUNE_CACHE", path, TRUE);
  c = ocl_context_new (NULL, &error);
  g_assert_no_error (error);
  c->tuning.tune = 1;
  /* AVX-512's register file, for which the fixture's layers with a choice
   * are counted: where the registers are narrower, layers also list their
   * other block count (tests/test-choice.c). */
  c->tuning.reg_floats = 512;
  c->tuning.lanes = 16;
  return c;
}

/* The picks of a net of @name made in @c, as "layer=pick;...", its
 * launches and its device memory, and whether the picks all came from the
 * cache. */
static char *
tuned_picks (OclContext * c, const char *name, gboolean * all_cached,
    guint * n_tuned)
{
  g_autofree char *onnx = fixture (name, ".onnx");
  GError *error = NULL;
  OclModel *model = ocl_model_load (onnx, &error);
  GString *s = g_string_new (NULL);
  OclNet *net;

  g_assert_no_error (error);
  net = fixture_net (c, model, name);
  *n_tuned = ocl_net_get_n_tuned (net);
  *all_cached = *n_tuned > 0;
  for (guint i = 0; i < *n_tuned; i++) {
    OclTunedLayer t;
    ocl_net_get_tuned (net, i, &t);
    g_assert_cmpuint (t.n_candidates, >, 1);
    g_assert_cmpuint (t.pick, <, t.n_candidates);
    *all_cached &= t.cached;
    /* Every candidate timed in the same rounds (the rules' first was also
     * timed in the runs of the candidates its layer lacks), and the pick
     * the one that beats the rules' first by most, round by round, or the
     * rules' first where none beats it by the margin. */
    if (!t.cached) {
      const OclTuneRecord *r = &g_array_index (net->tuned, OclTuneRecord, i);
      g_assert_cmpuint (r->runs[0], ==, OCL_TUNE_ROUNDS);
      g_assert_cmpfloat (r->vs_first[0], ==, 1.0);
      g_assert_true (t.pick == 0 || r->vs_first[t.pick] < OCL_TUNE_MARGIN);
      for (guint k = 0; k < t.n_candidates; k++) {
        g_assert_cmpuint (r->runs[k], ==, r->runs[0]);
        g_assert_cmpfloat (t.ms[k], >, 0.0);
        g_assert_true (k == 0 || r->vs_first[k] >= (t.pick == 0 ?
                OCL_TUNE_MARGIN : r->vs_first[t.pick]));
      }
    }
    g_string_append_printf (s, "%s=%s;", t.layer, t.candidates[t.pick]);
  }
  /* What runs: the picks' launches, and no buffer of a candidate that
   * lost (a measured load and a load of its picks from the cache alike). */
  for (guint i = 0; i < ocl_net_get_n_layers (net); i++) {
    OclLayerInfo l;
    g_autofree char *desc = NULL;
    char *note;
    ocl_net_get_layer (net, i, &l);
    desc = g_strdup (l.name);
    if ((note = strstr (desc, "; measured]")) || (note = strstr (desc,
                "; cached]")))
      strcpy (note, "]");
    g_string_append_printf (s, "\n%s", desc);
  }
  {
    guint64 weight_bytes, device_bytes = ocl_net_get_device_bytes (net,
        &weight_bytes);
    g_string_append_printf (s, "\n%" G_GUINT64_FORMAT " bytes, %"
        G_GUINT64_FORMAT " of weights", device_bytes, weight_bytes);
  }
  g_assert_cmpfloat (check_net (net, name), <=, 1e-4);
  ocl_net_free (net);
  ocl_model_free (model);
  return g_string_free (s, FALSE);
}

/* Measured kernel choice: the first load times each 3x3 layer's
 * candidates and keeps the fastest in the tuning file; a second context
 * reads the picks back (nothing timed) and runs them; a corrupt file is
 * ignored with a warning and rewritten; an entry naming a kernel the layer
 * cannot run is measured again; off, the plan is the rules'; the file's
 * name depends on the device; with no memory to spare for candidates, one
 * layer a load is measured.  Outputs equal PyTorch's every time. */
static void
test_tune (void)
{
  const char *name = "preact_resnet";
  /* Layers with a choice: 5 of Winograd or the direct kernel's blocks,
   * and 4 more of raster tiles (its 18x14 and 9x7 maps). */
  const guint choices = 9;
  g_autofree char *dir = g_dir_make_tmp ("tune-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tune.txt", NULL);
  g_autofree char *first = NULL, *again = NULL, *text = NULL;
  gboolean cached;
  guint n;
  OclContext *c = tuning_context (path);

  first = tuned_picks (c, name, &cached, &n);
  g_assert_cmpuint (n, ==, choices);
  g_assert_false (cached);
  ocl_context_unref (c);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "oclresnet tuning 2\n"));

  c = tuning_context (path);
  again = tuned_picks (c, name, &cached, &n);
  g_assert_true (cached);
  g_assert_cmpstr (again, ==, first);
  ocl_context_unref (c);

  g_assert_true (g_file_set_contents (path, "not a tuning file\n", -1, NULL));
  c = tuning_context (path);
  g_test_expect_message ("oclresnet", G_LOG_LEVEL_WARNING,
      "*ignoring the tuning cache*first line*");
  g_free (again);
  again = tuned_picks (c, name, &cached, &n);
  g_test_assert_expected_messages ();
  g_assert_false (cached);
  ocl_context_unref (c);
  g_free (text);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "oclresnet tuning 2\n"));

  /* Stale: every entry names a kernel no layer lists. */
  {
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    GString *stale = g_string_new (NULL);
    for (guint i = 0; lines[i]; i++) {
      char *tab = strchr (lines[i], '\t');
      if (tab)
        *tab = '\0';
      g_string_append_printf (stale, "%s%s\n", lines[i], tab ?
          "\tPX=9 NB=9" : "");
    }
    g_assert_true (g_file_set_contents (path, stale->str, -1, NULL));
    g_string_free (stale, TRUE);
  }
  c = tuning_context (path);
  g_free (again);
  again = tuned_picks (c, name, &cached, &n);
  g_assert_cmpuint (n, ==, choices);
  g_assert_false (cached);
  ocl_context_unref (c);

  /* Stale by its candidates: each entry as a build that listed one
   * candidate fewer would have written it (the pick kept, and still
   * listed): measured again, not trusted. */
  g_free (text);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  {
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    GString *fewer = g_string_new (NULL);
    guint cut = 0;
    for (guint i = 0; lines[i]; i++) {
      char *tab = strchr (lines[i], '\t'), *last;
      if (tab && (*tab = '\0', last = g_strrstr (lines[i], "; "))) {
        *last = '\0';
        cut++;
      }
      g_string_append_printf (fewer, "%s%s%s\n", lines[i], tab ? "\t" : "",
          tab ? tab + 1 : "");
    }
    g_assert_cmpuint (cut, ==, choices);
    g_assert_true (g_file_set_contents (path, fewer->str, -1, NULL));
    g_string_free (fewer, TRUE);
  }
  c = tuning_context (path);
  g_free (again);
  again = tuned_picks (c, name, &cached, &n);
  g_assert_cmpuint (n, ==, choices);
  g_assert_false (cached);

  /* The file is per device and driver. */
  {
    g_autofree char *mine = NULL, *other = NULL;
    char *tag = c->cache_tag;
    g_unsetenv ("OCLRESNET_TUNE_CACHE");
    mine = ocl_tune_cache_path (c);
    c->cache_tag = (char *) "another driver";
    other = ocl_tune_cache_path (c);
    c->cache_tag = tag;
    g_assert_cmpstr (mine, !=, other);
  }
  /* Off: nothing measured, the rules' plan. */
  c->tuning.tune = 0;
  g_free (again);
  again = tuned_picks (c, name, &cached, &n);
  g_assert_cmpuint (n, ==, 0);
  ocl_context_unref (c);

  /* No device memory for candidates past the first layer's: the others
   * take the rules' pick, unrecorded, and each later load measures one
   * more, reading the ones before from the cache. */
  {
    g_autofree char *small = g_build_filename (dir, "tune-small.txt", NULL);
    for (guint load = 1; load <= choices + 1; load++) {
      c = tuning_context (small);
      c->tuning.tune_mem = 1;
      g_free (again);
      again = tuned_picks (c, name, &cached, &n);
      g_assert_cmpuint (n, ==, MIN (load, choices));
      g_assert_true (cached == (load > choices));
      ocl_context_unref (c);
    }
    g_unlink (small);
  }
  g_unlink (path);
  g_rmdir (dir);
}

/* Nets borrow the model's weights only while they are built: batch norm
 * folded into a borrowed weight must not change the model (the second net
 * would scale twice), and a net must run after its model is freed. */
static void
test_model_reuse (void)
{
  const char *name = "cifar_resnet8_unfused_bn";        /* BN nodes to fold */
  g_autofree char *onnx = fixture (name, ".onnx");
  GError *error = NULL;
  OclModel *model = ocl_model_load (onnx, &error);
  OclNet *a, *b;

  g_assert_no_error (error);
  a = fixture_net (ctx, model, name);
  b = fixture_net (ctx, model, name);
  ocl_model_free (model);
  g_assert_cmpfloat (check_net (a, name), <=, 1e-4);
  g_assert_cmpfloat (check_net (b, name), <=, 1e-4);
  ocl_net_free (a);
  ocl_net_free (b);
}

/* The GPU convolution kernel, forced on (PoCL would not choose it): whole
 * networks against PyTorch, batch 2 and odd sizes. */
static void
test_tiled (void)
{
  int saved = ctx->tuning.tiled_side;

  ctx->tuning.tiled_side = 16;
  g_assert_cmpfloat (run_fixture (ctx, "cifar_resnet8_optB_odd"), <=, 1e-4);
  g_assert_cmpfloat (run_fixture (ctx, "resnet18_b2_odd"), <=, 1e-4);
  ctx->tuning.tiled_side = saved;
}

/* The output of @model compiled with the tiled kernel at @side (0: the
 * register-tiled kernels) for @shape, run on tensor @x or, when @entries
 * is set, on the first @n_entries image entries; @n_out gets the number
 * of output floats of the images run. */
static float *
side_output (OclModel * model, int side, const gint64 shape[4],
    const float *x, const OclImageEntry * entries, int n_entries, gsize * n_out)
{
  int saved = ctx->tuning.tiled_side;
  GError *error = NULL;
  OclNet *net;
  gboolean tiled = FALSE;
  float *out;

  ctx->tuning.tiled_side = side;
  net = ocl_net_new (ctx, model, shape, &error);
  ctx->tuning.tiled_side = saved;
  g_assert_no_error (error);
  for (guint i = 0; i < ocl_net_get_n_layers (net); i++) {
    OclLayerInfo info;
    ocl_net_get_layer (net, i, &info);
    tiled |= strstr (info.name, "[tiled") != NULL;
  }
  g_assert_true (tiled == (side != 0));
  out = g_new (float, ocl_net_get_output_size (net));
  if (entries) {
    int images = 0;
    g_assert_true (ocl_net_run_images (net, entries, n_entries, out, &error));
    for (int k = 0; k < n_entries; k++)
      images += entries[k].rects ? entries[k].n_rects : 1;
    *n_out = ocl_net_get_output_size (net) / shape[0] * images;
  } else {
    g_assert_true (ocl_net_run (net, x, out, &error));
    *n_out = ocl_net_get_output_size (net);
  }
  g_assert_no_error (error);
  ocl_net_free (net);
  return out;
}

/* @got against @ref, @n floats in rows of @k classes: the model tests'
 * bound and the same top-1 in every row. */
static void
check_same (const float *ref, const float *got, gsize n, gsize k)
{
  double max_ref = 0.0, max_diff = 0.0;

  for (gsize i = 0; i < n; i++) {
    max_ref = MAX (max_ref, fabs (ref[i]));
    max_diff = MAX (max_diff, fabs ((double) ref[i] - got[i]));
  }
  for (gsize r = 0; r < n / k; r++) {
    gsize ar = 0, ag = 0;
    for (gsize j = 1; j < k; j++) {
      ar = ref[r * k + j] > ref[r * k + ar] ? j : ar;
      ag = got[r * k + j] > got[r * k + ag] ? j : ag;
    }
    g_assert_cmpuint (ar, ==, ag);
  }
  g_assert_cmpfloat (max_ref, >, 0.0);
  g_assert_cmpfloat (max_diff / MAX (1.0, max_ref), <=, 1e-4);
}

/* What GPUs run, at every batch size: the tiled kernel at 8x8 and 16x16
 * against the register-tiled kernels for whole batches of 1 to 8 images,
 * for runs of fewer images than the compiled batch (as shared instances
 * batch frames), and for a frame's regions (region mode). */
static void
test_tiled_batches (void)
{
  static const struct
  {
    const char *name;
    int h, w;
  } models[] = {
    {"cifar_resnet20_optA", 32, 32},
    {"resnet18", 40, 48},
  };
  static const int sides[] = { 8, 16 };
  static const OclRect rects[] = {
    {0, 0, 20, 20}, {7, 3, 33, 17}, {30, 10, 9, 19}
  };
  const OclPreprocess pp = { OCL_RESIZE_STRETCH, {0.5f, 0.4f, 0.45f},
  {0.25f, 0.2f, 0.22f}, FALSE
  };
  GRand *rand = g_rand_new_with_seed (21);
  guint8 *pixels[8];
  OclImage images[8];
  OclImageEntry entries[8];

  for (int k = 0; k < 8; k++) {
    pixels[k] = g_new (guint8, 45 * 3 * 37);
    for (int i = 0; i < 45 * 3 * 37; i++)
      pixels[k][i] = g_rand_int_range (rand, 0, 256);
    memset (&images[k], 0, sizeof (images[k]));
    images[k].format = OCL_PIXEL_RGB;
    images[k].width = 45;
    images[k].height = 37;
    images[k].data[0] = pixels[k];
    images[k].stride[0] = 45 * 3;
    images[k].size[0] = 45 * 3 * 37;
    entries[k].image = &images[k];
    entries[k].rects = NULL;
    entries[k].n_rects = 0;
    entries[k].pp = &pp;
  }
  for (guint m = 0; m < G_N_ELEMENTS (models); m++) {
    g_autofree char *onnx = fixture (models[m].name, ".onnx");
    GError *error = NULL;
    OclModel *model = ocl_model_load (onnx, &error);
    g_assert_no_error (error);

    for (int n = 1; n <= 8; n++) {
      const gint64 shape[4] = { n, 3, models[m].h, models[m].w };
      gsize len = (gsize) n * 3 * models[m].h * models[m].w, n_ref, n_got;
      float *x = g_new (float, len), *ref;
      for (gsize i = 0; i < len; i++)
        x[i] = g_rand_double_range (rand, -2.0, 2.0);
      ref = side_output (model, 0, shape, x, NULL, 0, &n_ref);
      for (guint s = 0; s < G_N_ELEMENTS (sides); s++) {
        float *got = side_output (model, sides[s], shape, x, NULL, 0, &n_got);
        g_test_message ("%s batch %d, tiled %d", models[m].name, n, sides[s]);
        check_same (ref, got, n_ref, n_ref / n);
        g_free (got);
      }
      g_free (ref);
      g_free (x);
    }

    /* Runs of 1..8 frames, and of one frame's three regions plus two
     * frames, in nets compiled for 8 and 5. */
    for (int n = 1; n <= 9; n++) {
      const int batch = n <= 8 ? 8 : 5;
      const gint64 shape[4] = { batch, 3, models[m].h, models[m].w };
      OclImageEntry e[3];
      const OclImageEntry *run = entries;
      int n_entries = n;
      float *ref;
      gsize n_ref, n_got;

      if (n == 9) {
        e[0] = entries[0];
        e[1] = entries[1];
        e[1].rects = rects;
        e[1].n_rects = G_N_ELEMENTS (rects);
        e[2] = entries[2];
        run = e;
        n_entries = 3;
      }
      ref = side_output (model, 0, shape, NULL, run, n_entries, &n_ref);
      for (guint s = 0; s < G_N_ELEMENTS (sides); s++) {
        float *got = side_output (model, sides[s], shape, NULL, run,
            n_entries, &n_got);
        g_test_message ("%s %d entries in a batch of %d, tiled %d",
            models[m].name, n_entries, batch, sides[s]);
        g_assert_cmpuint (n_got, ==, n_ref);
        check_same (ref, got, n_ref, n_ref / (n <= 8 ? n : 5));
        g_free (got);
      }
      g_free (ref);
    }
    ocl_model_free (model);
  }
  for (int k = 0; k < 8; k++)
    g_free (pixels[k]);
  g_rand_free (rand);
}

/* Each Winograd variant forced on every layer it applies to, and none:
 * whole networks against PyTorch (odd sizes, batch 2). */
static void
test_winograd_variants (void)
{
  static const int variants[] = { 0, 1, 4 };
  static const char *const names[] = { "cifar_resnet8_optB_odd",
    "cifar_resnet20_optA_b2", "resnet18_b2_odd"
  };
  int saved = ctx->tuning.winograd;

  for (guint v = 0; v < G_N_ELEMENTS (variants); v++)
    for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
      ctx->tuning.winograd = variants[v];
      g_test_message ("OCLRESNET_WINOGRAD=%d %s", variants[v], names[i]);
      g_assert_cmpfloat (run_fixture (ctx, names[i]), <=, 1e-4);
    }
  ctx->tuning.winograd = saved;
}

/* One small network under every kernel variant the planner has, each
 * forced: direct, Winograd F(2x2) and F(4x4), tiled at 8x8 and 16x16.
 * Cheap enough for the simulator lane (tests/oclgrind.sh). */
static void
test_small_variants (void)
{
  static const struct
  {
    const char *name;
    int winograd, tiled;
  } variants[] = {
    {"direct", 0, 0}, {"winograd WT", 1, 0}, {"winograd4 WT", 4, 0},
    {"tiled 32x32", 0, 8}, {"tiled 64x64", 0, 16},
  };
  const char *name = "preact_resnet_small";
  const OclTuning saved = ctx->tuning;

  for (guint v = 0; v < G_N_ELEMENTS (variants); v++) {
    g_autofree char *onnx = fixture (name, ".onnx");
    GError *error = NULL;
    OclModel *model = ocl_model_load (onnx, &error);
    OclNet *net;
    gboolean found = FALSE;

    g_assert_no_error (error);
    ctx->tuning.winograd = variants[v].winograd;
    ctx->tuning.tiled_side = variants[v].tiled;
    ctx->tuning.tiled_forced = variants[v].tiled != 0;
    net = fixture_net (ctx, model, name);
    for (guint i = 0; i < ocl_net_get_n_layers (net); i++) {
      OclLayerInfo info;
      ocl_net_get_layer (net, i, &info);
      found |= variants[v].winograd || variants[v].tiled ?
          strstr (info.name, variants[v].name) != NULL :
          strstr (info.name, "PX=") != NULL;
    }
    g_assert_true (found);
    g_test_message ("%s", variants[v].name);
    g_assert_cmpfloat (check_net (net, name), <=, 1e-4);
    ocl_net_free (net);
    ocl_model_free (model);
  }
  ctx->tuning = saved;
}

/* ---- errors -------------------------------------------------------------- */

/* Loading @path (and compiling it for @shape, if given) fails with @code
 * and a message containing every string of @needles. */
static void
expect_error (const char *path, const gint64 * shape, OclError code,
    const char *const *needles)
{
  GError *error = NULL;
  OclModel *model = ocl_model_load (path, &error);
  OclNet *net = NULL;

  if (model) {
    gint64 s[4];
    ocl_model_get_input_shape (model, s);
    if (shape)
      memcpy (s, shape, sizeof (s));
    for (int d = 0; d < 4; d++)
      if (s[d] < 0)
        s[d] = 1;
    net = ocl_net_new (ctx, model, s, &error);
  }
  g_assert_null (net);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, OCL_ERROR, (int) code);
  for (; *needles; needles++)
    g_assert_nonnull (strstr (error->message, *needles));
  g_assert_null (strchr (error->message, '\n'));
  g_error_free (error);
  ocl_model_free (model);
}

static void
test_missing_file (void)
{
  const char *n[] = { "/nonexistent/model.onnx", "cannot read", NULL };
  expect_error ("/nonexistent/model.onnx", NULL, OCL_ERROR_IO, n);
}

/* Writes @len bytes of @data to a temporary file; returns its path. */
static char *
temp_file (const char *data, gsize len)
{
  GError *error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("oclresnet-XXXXXX.onnx", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, data, len, &error));
  return path;
}

static void
test_truncated_file (void)
{
  g_autofree char *good = fixture ("cifar_resnet20_optA", ".onnx");
  g_autofree char *data = NULL;
  gsize len;
  const char *n[] = { "not an ONNX model", NULL };

  g_assert_true (g_file_get_contents (good, &data, &len, NULL));
  /* Cut at several places: inside the header, mid-weights, near the end. */
  for (gsize cut = 1; cut < len; cut = cut * 3 + 101) {
    g_autofree char *path = temp_file (data, cut);
    GError *error = NULL;
    OclModel *m = ocl_model_load (path, &error);
    OclNet *net = NULL;
    if (m) {
      gint64 s[4] = { 1, 3, 32, 32 };
      net = ocl_net_new (ctx, m, s, &error);
    }
    g_assert_null (net);
    g_assert_nonnull (error);
    g_test_message ("cut at %" G_GSIZE_FORMAT ": %s", cut, error->message);
    g_clear_error (&error);
    ocl_model_free (m);
    g_unlink (path);
  }
  {
    g_autofree char *path = temp_file (data, len / 2);
    expect_error (path, NULL, OCL_ERROR_PARSE, n);
    g_unlink (path);
  }
}

static void
test_random_bytes (void)
{
  GRand *r = g_rand_new_with_seed (5);
  char buf[4096];
  const char *n[] = { "not an ONNX model", NULL };

  for (gsize i = 0; i < sizeof (buf); i++)
    buf[i] = g_rand_int (r);
  g_rand_free (r);
  {
    g_autofree char *path = temp_file (buf, sizeof (buf));
    expect_error (path, NULL, OCL_ERROR_PARSE, n);
    g_unlink (path);
  }
  {
    g_autofree char *path = temp_file ("", 0);
    expect_error (path, NULL, OCL_ERROR_PARSE, n);
    g_unlink (path);
  }
}

static void
test_unsupported_op (void)
{
  g_autofree char *path = fixture ("bad_erf", ".onnx");
  const char *n[] = { "Erf", "not supported", "node '", NULL };
  expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
}

static void
test_grouped_conv (void)
{
  g_autofree char *path = fixture ("bad_group_split", ".onnx");
  const char *n[] = { "node 'conv_g'", "group=2 does not split", NULL };
  expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
}

/* The file declares an opset no ONNX release has, or one older than any
 * ResNet file uses: refused at the door with advice that works for any
 * file. */
static void
test_opset_out_of_range (void)
{
  static const char *const files[] = { "bad_opset6", "bad_opset23" };
  static const char *const opsets[] = { "opset 6;", "opset 23;" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = fixture (files[i], ".onnx");
    const char *n[] = { opsets[i], "opsets 7 to 22",
      "onnx.version_converter.convert_version", NULL
    };
    expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
  }
}

/* An operator asked for at an opset outside its row's range: one error
 * naming the node, the operator, the opset and the range. */
static void
test_op_opset_range (void)
{
  g_autofree char *path = fixture ("bad_constantofshape_opset8", ".onnx");
  const char *n[] = { "node 'zeros'", "'ConstantOfShape' at opset 8",
    "opsets 9 to 22", NULL
  };
  expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
}

/* ReduceMean is global pooling over H and W; other axes and repeated
 * ones are refused by name. */
static void
test_reduce_mean_axes (void)
{
  g_autofree char *channels = fixture ("bad_reducemean_channels", ".onnx");
  g_autofree char *repeated = fixture ("bad_reducemean_repeated", ".onnx");
  const char *c[] = { "node 'mean_c'", "other axes than H and W", NULL };
  const char *r[] = { "node 'mean_rep'", "axis -1 is repeated", NULL };

  expect_error (channels, NULL, OCL_ERROR_UNSUPPORTED, c);
  expect_error (repeated, NULL, OCL_ERROR_PARSE, r);
}

/* An Expand's broadcast gate goes into a Mul only: anything else would see
 * the unexpanded N x C x 1 x 1. */
static void
test_expand_only_into_mul (void)
{
  g_autofree char *path = fixture ("bad_expand_into_relu", ".onnx");
  const char *n[] = { "node 'relu_e'", "Expand's output", "only a Mul",
    NULL
  };
  expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
}

/* Squeeze's axes are checked: in range, each once, of size 1. */
static void
test_squeeze_axes (void)
{
  g_autofree char *range = fixture ("bad_squeeze_range", ".onnx");
  g_autofree char *repeat = fixture ("bad_squeeze_repeat", ".onnx");
  const char *r[] = { "node 'squeeze'", "axis 4 is out of range", NULL };
  const char *p[] = { "node 'squeeze'", "axis 2 is out of range or repeated",
    NULL
  };

  expect_error (range, NULL, OCL_ERROR_PARSE, r);
  expect_error (repeat, NULL, OCL_ERROR_PARSE, p);
}

/* A model-local function (IR 8 on) is refused by name, with the way to
 * inline it. */
static void
test_local_function (void)
{
  g_autofree char *path = fixture ("bad_local_function", ".onnx");
  const char *n[] = { "node 'block'", "model-local function 'MyBlock'",
    "inline_local_functions", NULL
  };
  expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
}

/* A Softmax across stacked maps (not a selective-kernel attention's
 * channels reshaped into paths) is refused by name. */
static void
test_softmax_of_paths (void)
{
  g_autofree char *path = fixture ("bad_softmax_of_paths", ".onnx");
  const char *n[] = { "(Softmax)", "not one tensor's channels reshaped",
    NULL
  };
  expect_error (path, NULL, OCL_ERROR_UNSUPPORTED, n);
}

static void
test_shape_does_not_fit (void)
{
  g_autofree char *path = fixture ("cifar_resnet20_optA", ".onnx");
  /* Wrong channel count. */
  {
    gint64 s[4] = { 1, 4, 32, 32 };
    const char *n[] = { "4 channels", "takes 3", NULL };
    expect_error (path, s, OCL_ERROR_SHAPE, n);
  }
  /* Too small for the fixed 8x8 average pool the export baked in. */
  {
    gint64 s[4] = { 1, 3, 16, 16 };
    const char *n[] = { "AveragePool", "smaller than the 8x8 window", NULL };
    expect_error (path, s, OCL_ERROR_SHAPE, n);
  }
  /* Larger: the pool leaves 2x2, which the FC cannot take. */
  {
    gint64 s[4] = { 1, 3, 64, 64 };
    const char *n[] = { "Gemm", NULL };
    expect_error (path, s, OCL_ERROR_SHAPE, n);
  }
}



/* A file exported for one image (torch 2.x's default export: the input
 * fixed at batch 1, torch.flatten as a view to [1, 512]) runs at batch 3,
 * each image's answer the one it gets alone. */
static void
test_batch1_file_in_batches (void)
{
  /* torch.flatten's view to [1, 512]; an N x H x W x C input's as_strided
   * (a Reshape to [-1] and a Gather of [1, C, 1, 1] indices). */
  const struct
  {
    const char *name;
    int c, h, w, classes;
  } files[] = {
    {"resnet18_dynamo_batch1", 3, 64, 64, 1000},
    {"nhwc_cifar_as_strided", 3, 40, 40, 7},
  };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++) {
    g_autofree char *path = fixture (files[f].name, ".onnx");
    const gint64 three[4] = { 3, files[f].c, files[f].h, files[f].w };
    const gint64 one[4] = { 1, files[f].c, files[f].h, files[f].w };
    const gsize img = (gsize) files[f].c * files[f].h * files[f].w;
    const int k = files[f].classes;
    GError *error = NULL;
    OclModel *model = ocl_model_load (path, &error);
    OclNet *net3, *net1;
    float *in, *out3, *out1;
    GRand *r = g_rand_new_with_seed (36);
    gint64 declared[4];

    g_assert_no_error (error);
    ocl_model_get_input_shape (model, declared);
    g_assert_cmpint (declared[0], ==, 1);
    net3 = ocl_net_new (ctx, model, three, &error);
    g_assert_no_error (error);
    net1 = ocl_net_new (ctx, model, one, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (ocl_net_get_output_size (net3), ==, 3 * k);
    in = g_new (float, 3 * img);
    out3 = g_new (float, 3 * k);
    out1 = g_new (float, k);
    for (gsize i = 0; i < 3 * img; i++)
      in[i] = g_rand_double_range (r, -2.0, 2.0);
    g_assert_true (ocl_net_run (net3, in, out3, &error));
    for (int b = 0; b < 3; b++) {
      g_assert_true (ocl_net_run (net1, in + b * img, out1, &error));
      g_assert_no_error (error);
      for (int j = 0; j < k; j++)
        g_assert_cmpfloat (fabs (out1[j] - out3[b * k + j]), <=,
            1e-5 * MAX (1.0, fabs (out1[j])));
    }
    g_free (in);
    g_free (out3);
    g_free (out1);
    g_rand_free (r);
    ocl_net_free (net3);
    ocl_net_free (net1);
    ocl_model_free (model);
  }
}

/* ---- files laid out as an attacker would ----------------------------------
 *
 * A model names files beside it: the tests put a FIFO, a directory or a
 * symbolic link there (tar keeps them all).  Each is one error within a
 * second: a load that blocked would be ended by the alarm, failing the
 * test, rather than hanging the suite. */

/* Removes @path and everything under it, following no link. */
static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
    GDir *d = g_dir_open (path, 0, NULL);
    const char *e;
    while (d && (e = g_dir_read_name (d))) {
      g_autofree char *p = g_build_filename (path, e, NULL);
      remove_tree (p);
    }
    if (d)
      g_dir_close (d);
  }
  g_remove (path);
}

/* A new folder; @model, when given, is fixture @model copied in as m.onnx. */
static char *
hostile_dir (const char *model)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("oclresnet-hostile-XXXXXX", &error);

  g_assert_no_error (error);
  if (model) {
    g_autofree char *src = fixture (model, ".onnx");
    g_autofree char *dst = g_build_filename (dir, "m.onnx", NULL);
    g_autofree char *data = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (src, &data, &len, NULL));
    g_assert_true (g_file_set_contents (dst, data, len, NULL));
  }
  return dir;
}

/* Fixture hostile_w.bin (the weight's bytes) copied to @dir/@name. */
static void
put_weight (const char *dir, const char *name)
{
  g_autofree char *src = fixture ("hostile_w", ".bin");
  g_autofree char *dst = g_build_filename (dir, name, NULL);
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (src, &data, &len, NULL));
  g_assert_true (g_file_set_contents (dst, data, len, NULL));
}

/* expect_error () on @dir/m.onnx under an alarm. */
static void
expect_error_soon (const char *dir, OclError code, const char *const *needles)
{
  g_autofree char *path = g_build_filename (dir, "m.onnx", NULL);

  alarm (10);
  expect_error (path, NULL, code, needles);
  alarm (0);
}

static void
test_fifo_model (void)
{
  g_autofree char *dir = hostile_dir (NULL);
  g_autofree char *path = g_build_filename (dir, "m.onnx", NULL);
  const char *n[] = { "cannot read model", path, "a FIFO, not a regular file",
    NULL
  };

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  expect_error_soon (dir, OCL_ERROR_IO, n);
  remove_tree (dir);
}

/* External data that is a FIFO, or a directory. */
static void
test_special_external (void)
{
  for (int v = 0; v < 2; v++) {
    g_autofree char *dir = hostile_dir ("hostile_ext_flat");
    g_autofree char *w = g_build_filename (dir, "w.bin", NULL);
    const char *n[] = { "tensor 'w'", w, v ? "a directory, not a regular "
          "file" : "a FIFO, not a regular file", NULL
    };
    g_assert_cmpint (v ? g_mkdir (w, 0700) : mkfifo (w, 0600), ==, 0);
    expect_error_soon (dir, OCL_ERROR_IO, n);
    remove_tree (dir);
  }
}

/* A location that resolves outside the model's folder: through a linked
 * folder (sub -> ../outside) or a linked file (w.bin -> ../outside/w.bin).
 * The message names the location, where it leads and the folder. */
static void
test_symlink_escape (void)
{
  for (int v = 0; v < 2; v++) {
    g_autofree char *top = hostile_dir (NULL);
    g_autofree char *model = g_build_filename (top, "model", NULL);
    g_autofree char *outside = g_build_filename (top, "outside", NULL);
    g_autofree char *m = g_build_filename (model, "m.onnx", NULL);
    g_autofree char *src = fixture (v ? "hostile_ext_flat" : "hostile_ext_sub",
        ".onnx");
    g_autofree char *data = NULL;
    g_autofree char *real_top = realpath (top, NULL);
    g_autofree char *leads = g_build_filename (real_top, "outside", "w.bin",
        NULL);
    g_autofree char *folder = g_build_filename (real_top, "model", NULL);
    const char *n[] = { v ? "'w.bin'" : "'sub/w.bin'", leads,
      "outside the model's folder", folder, NULL
    };
    gsize len;

    g_assert_cmpint (g_mkdir (model, 0700), ==, 0);
    g_assert_cmpint (g_mkdir (outside, 0700), ==, 0);
    g_assert_true (g_file_get_contents (src, &data, &len, NULL));
    g_assert_true (g_file_set_contents (m, data, len, NULL));
    put_weight (outside, "w.bin");
    {
      g_autofree char *link = g_build_filename (model, v ? "w.bin" : "sub",
          NULL);
      g_assert_cmpint (symlink (v ? "../outside/w.bin" : "../outside", link),
          ==, 0);
    }
    expect_error_soon (model, OCL_ERROR_PARSE, n);
    remove_tree (top);
  }
}

/* The output of fixture hostile_inline (the same convolution, its weight
 * inline) on a seeded input, and @path's. */
static void
check_same_as_inline (const char *path)
{
  g_autofree char *inline_path = fixture ("hostile_inline", ".onnx");
  const char *paths[] = { inline_path, path };
  float in[3 * 8 * 8], out[2][4 * 8 * 8];
  const gint64 shape[4] = { 1, 3, 8, 8 };
  GRand *r = g_rand_new_with_seed (31);

  for (guint i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = g_rand_double_range (r, -1.0, 1.0);
  g_rand_free (r);
  for (int k = 0; k < 2; k++) {
    GError *error = NULL;
    OclModel *model = ocl_model_load (paths[k], &error);
    OclNet *net;
    g_assert_no_error (error);
    net = ocl_net_new (ctx, model, shape, &error);
    g_assert_no_error (error);
    g_assert_true (ocl_net_run (net, in, out[k], &error));
    g_assert_no_error (error);
    ocl_net_free (net);
    ocl_model_free (model);
  }
  g_assert_cmpmem (out[0], sizeof (out[0]), out[1], sizeof (out[1]));
}

/* Links that stay inside the folder are fine. */
static void
test_symlink_inside (void)
{
  g_autofree char *dir = hostile_dir ("hostile_ext_sub");
  g_autofree char *real = g_build_filename (dir, "real", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *m = g_build_filename (dir, "m.onnx", NULL);

  g_assert_cmpint (g_mkdir (real, 0700), ==, 0);
  put_weight (real, "w.bin");
  g_assert_cmpint (symlink ("real", sub), ==, 0);
  check_same_as_inline (m);
  remove_tree (dir);
}

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL,
          NULL));
  p = strstr (status, "VmRSS:");
  g_assert_nonnull (p);
  return (gsize) g_ascii_strtoull (p + 6, NULL, 10);
}

/* 2,000 tensors the graph never reads naming one 1 MiB file, beside the
 * weight it does read from the same file: one mapping, nothing copied
 * (each tensor once took its own copy: 2.1 GB). */
static void
test_many_external_tensors (void)
{
  g_autofree char *dir = hostile_dir ("hostile_many_tensors");
  g_autofree char *big = g_build_filename (dir, "big.bin", NULL);
  g_autofree char *m = g_build_filename (dir, "m.onnx", NULL);
  g_autofree char *w = fixture ("hostile_w", ".bin");
  g_autofree char *data = g_malloc0 (1 << 20);
  g_autofree char *wdata = NULL;
  gsize before, wlen;

  g_assert_true (g_file_get_contents (w, &wdata, &wlen, NULL));
  memcpy (data, wdata, wlen);
  g_assert_true (g_file_set_contents (big, data, 1 << 20, NULL));
  check_same_as_inline (m);     /* once, to load the device code */
  before = rss_kib ();
  check_same_as_inline (m);
  g_test_message ("RSS %" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT " KiB",
      before, rss_kib ());
  g_assert_cmpuint (rss_kib (), <, before + 100 * 1024);
  remove_tree (dir);
}

/* ---- float16 ------------------------------------------------------------- */

/* Every half widens exactly and narrows back to itself; a float halfway
 * between two halves goes to the even one; past the largest half,
 * infinity; below half the smallest subnormal, zero. */
static void
test_float16 (void)
{
  for (guint h = 0; h < 0x10000; h++) {
    float f = ocl_half_to_float (h);
    if (isnan (f)) {
      g_assert_cmpuint ((h >> 10) & 0x1f, ==, 0x1f);
      g_assert_true (isnan (ocl_half_to_float (ocl_float_to_half (f))));
      continue;
    }
    g_assert_cmpuint (ocl_float_to_half (f), ==, h);
    /* Halfway to the next half of larger magnitude (finite ones). */
    if ((h & 0x7fff) < 0x7bff) {
      float next = ocl_half_to_float (h + 1);
      float mid = (f + next) / 2.0f;
      guint16 even = (h & 1) ? h + 1 : h;
      if ((h & 0x7fff) != 0 || !(h & 0x8000))
        g_assert_cmpuint (ocl_float_to_half (mid), ==, even);
    }
  }
  g_assert_cmpfloat (ocl_half_to_float (0x3c00), ==, 1.0f);
  g_assert_cmpfloat (ocl_half_to_float (0x0001), ==, ldexpf (1.0f, -24));
  g_assert_cmpuint (ocl_float_to_half (65520.0f), ==, 0x7c00);
  g_assert_cmpuint (ocl_float_to_half (65519.0f), ==, 0x7bff);
  g_assert_cmpuint (ocl_float_to_half (ldexpf (1.0f, -26)), ==, 0);
  g_assert_cmpuint (ocl_float_to_half (-ldexpf (1.5f, -25)), ==, 0x8001);
}

/* ---- the README ----------------------------------------------------------- */

/* The README's operator lists and opset ranges say what the table says
 * (ocl/onnx-registry.c). */
static void
test_readme_operators (void)
{
  const char *path = g_getenv ("OCLRESNET_README");
  g_autofree char *text = NULL;
  g_autoptr (GString) run = g_string_new ("Operators on the image data: ");
  g_autoptr (GString) fold = g_string_new ("Folded at load time when their "
      "inputs are constants (the shape sub-graphs exporters emit, and "
      "quantized weights): ");
  g_autoptr (GString) ranges = g_string_new (NULL);
  GError *error = NULL;
  const OclOnnxOp *op;
  char **words;

  if (path == NULL) {
    g_test_skip ("OCLRESNET_README is not set");
    return;
  }
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  /* One space between words, as the lists are written. */
  words = g_strsplit_set (text, " \n", -1);
  g_free (text);
  {
    g_autoptr (GString) t = g_string_new (NULL);
    for (char **w = words; *w; w++)
      if (**w)
        g_string_append_printf (t, "%s%s", t->len ? " " : "", *w);
    text = g_string_free (g_steal_pointer (&t), FALSE);
  }
  g_strfreev (words);

  for (guint i = 0; (op = ocl_onnx_get_op (i)); i++) {
    if (op->import)
      g_string_append_printf (run, "%s%s", run->str[run->len - 2] == ':' ?
          "" : ", ", op->op);
    if (op->fold)
      g_string_append_printf (fold, "%s%s", fold->str[fold->len - 2] == ':' ?
          "" : ", ", op->op);
    if (op->first != OCL_ONNX_MIN_OPSET || op->last != OCL_ONNX_MAX_OPSET)
      g_string_append_printf (ranges, "%s%s: %d to %d", ranges->len ? ", " :
          "", op->op, op->first, op->last);
  }
  g_string_append (run, " (");
  g_string_append (fold, ".");
  g_test_message ("%s\n%s\n%s", run->str, fold->str, ranges->str);
  g_assert_nonnull (strstr (text, run->str));
  g_assert_nonnull (strstr (text, fold->str));
  g_assert_nonnull (strstr (text, ranges->str));
  {
    g_autofree char *all = g_strdup_printf ("opsets %d to %d",
        OCL_ONNX_MIN_OPSET, OCL_ONNX_MAX_OPSET);
    g_assert_nonnull (strstr (text, all));
  }
}

/* ---- threads ------------------------------------------------------------- */

static gpointer
thread_run (gpointer data)
{
  double err = 0.0;
  for (int i = 0; i < 3; i++)
    err = MAX (err, run_fixture (ctx, data));
  return GINT_TO_POINTER (err <= 1e-4);
}

/* Two threads, separate nets, one shared context (and program cache). */
static void
test_threads (void)
{
  GThread *a = g_thread_new ("a", thread_run, (gpointer) "cifar_resnet20_optA");
  GThread *b = g_thread_new ("b", thread_run, (gpointer) "preact_resnet");
  g_assert_true (GPOINTER_TO_INT (g_thread_join (a)));
  g_assert_true (GPOINTER_TO_INT (g_thread_join (b)));
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *list = NULL;
  char **names;
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr ("usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  fixture_dir = argv[1];
  stamp = g_build_filename (fixture_dir, "fixtures.stamp", NULL);
  if (!g_file_get_contents (stamp, &list, NULL, &error)) {
    g_printerr ("no fixtures: %s (run models/gen_test_models.py)\n",
        error->message);
    return 1;
  }
  ctx = ocl_context_new (NULL, &error);
  g_assert_no_error (error);

  names = g_strsplit (g_strstrip (list), "\n", -1);
  for (char **n = names; *n; n++) {
    g_autofree char *test = g_strdup_printf ("/models/pytorch/%s", *n);
    g_test_add_data_func (test, *n, test_fixture);
  }
  g_test_add_func ("/models/model-reuse", test_model_reuse);
  g_test_add_func ("/models/tune", test_tune);
  g_test_add_func ("/models/batch1-file-in-batches",
      test_batch1_file_in_batches);
  g_test_add_func ("/models/tiled", test_tiled);
  g_test_add_func ("/models/tiled-batches", test_tiled_batches);
  g_test_add_func ("/models/small-variants", test_small_variants);
  g_test_add_func ("/models/winograd-variants", test_winograd_variants);
  g_test_add_func ("/models/error/missing-file", test_missing_file);
  g_test_add_func ("/models/error/fifo-model", test_fifo_model);
  g_test_add_func ("/models/error/special-external", test_special_external);
  g_test_add_func ("/models/error/symlink-escape", test_symlink_escape);
  g_test_add_func ("/models/hostile/symlink-inside", test_symlink_inside);
  g_test_add_func ("/models/hostile/many-external-tensors",
      test_many_external_tensors);
  g_test_add_func ("/models/error/truncated-file", test_truncated_file);
  g_test_add_func ("/models/error/random-bytes", test_random_bytes);
  g_test_add_func ("/models/error/unsupported-op", test_unsupported_op);
  g_test_add_func ("/models/error/grouped-conv", test_grouped_conv);
  g_test_add_func ("/models/error/softmax-of-paths", test_softmax_of_paths);
  g_test_add_func ("/models/error/opset-out-of-range", test_opset_out_of_range);
  g_test_add_func ("/models/error/op-opset-range", test_op_opset_range);
  g_test_add_func ("/models/error/reduce-mean-axes", test_reduce_mean_axes);
  g_test_add_func ("/models/error/local-function", test_local_function);
  g_test_add_func ("/models/error/squeeze-axes", test_squeeze_axes);
  g_test_add_func ("/models/error/expand-only-into-mul",
      test_expand_only_into_mul);
  g_test_add_func ("/models/error/shape-does-not-fit", test_shape_does_not_fit);
  g_test_add_func ("/models/threads", test_threads);
  g_test_add_func ("/models/readme-operators", test_readme_operators);
  g_test_add_func ("/models/float16", test_float16);
  rc = g_test_run ();
  g_strfreev (names);
  ocl_context_unref (ctx);
  return rc;
}
