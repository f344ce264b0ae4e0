/* oclresnet: command-line driver of the executor.
 *
 *   oclresnet devices
 *   oclresnet info MODEL [--shape NxCxHxW] [--device D]
 *   oclresnet run MODEL --input IN.npy --output OUT.npy [--device D]
 *     (a model of several outputs: --output DIR, one DIR/<output>.npy each)
 *   oclresnet bench MODEL [--shape NxCxHxW] [--iterations N] [--warmup N]
 *                   [--profile] [--json] [--device D]
 *
 * Exit status 0 on success; otherwise one line on stderr and status 1
 * (2 for a usage error). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "oclresnet.h"

static char *opt_device;
static char *opt_input;
static char *opt_output;
static char *opt_shape;
static int opt_iterations = 20;
static int opt_warmup = 3;
static gboolean opt_profile;
static gboolean opt_json;

static const GOptionEntry entries[] = {
  {"device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
      "OpenCL device: auto, gpu, cpu, P:D or part of a name (default: "
        "$OCLRESNET_DEVICE or auto)", "D"},
  {"input", 'i', 0, G_OPTION_ARG_FILENAME, &opt_input,
      "run: input tensor, float32 NCHW .npy", "IN.npy"},
  {"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
      "run: where to write the output tensor (.npy); with several outputs "
        "a directory for one <output name>.npy each", "OUT.npy|DIR"},
  {"shape", 's', 0, G_OPTION_ARG_STRING, &opt_shape,
      "info, bench: input shape (default: the model's)", "NxCxHxW"},
  {"iterations", 'n', 0, G_OPTION_ARG_INT, &opt_iterations,
      "bench: timed runs (default 20)", "N"},
  {"warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup,
      "bench: untimed runs first (default 3)", "N"},
  {"profile", 'p', 0, G_OPTION_ARG_NONE, &opt_profile,
      "bench: time every layer with OpenCL event profiling", NULL},
  {"json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
      "bench: print one JSON object instead of text", NULL},
  {NULL}
};

/* Prints @error on one line and returns the failure status. */
static int
fail (GError * error)
{
  char *msg = g_strdup (error->message);
  for (char *p = msg; *p; p++)
    if (*p == '\n')
      *p = ' ';
  fprintf (stderr, "oclresnet: %s\n", msg);
  g_free (msg);
  g_error_free (error);
  return 1;
}

static gboolean
parse_shape (const char *s, gint64 shape[4], GError ** error)
{
  char **parts = g_strsplit (s, "x", -1);
  gboolean ok = g_strv_length (parts) == 4;

  for (int i = 0; ok && i < 4; i++) {
    char *end;
    shape[i] = g_ascii_strtoll (parts[i], &end, 10);
    ok = *end == '\0' && shape[i] > 0;
  }
  g_strfreev (parts);
  if (!ok)
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "bad --shape '%s': expected NxCxHxW, e.g. 1x3x224x224", s);
  return ok;
}

/* The shape to compile for: --shape, else the model's (batch 1 when the
 * batch is symbolic). */
static gboolean
pick_shape (OclModel * model, gint64 shape[4], GError ** error)
{
  if (opt_shape)
    return parse_shape (opt_shape, shape, error);
  ocl_model_get_input_shape (model, shape);
  if (shape[0] < 0)
    shape[0] = 1;
  if (shape[1] < 0 || shape[2] < 0 || shape[3] < 0) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_SHAPE, "the model's input size "
        "is symbolic; pass --shape NxCxHxW");
    return FALSE;
  }
  return TRUE;
}

static int
cmd_devices (void)
{
  GError *error = NULL;
  char *s = ocl_devices_describe (&error);

  if (s == NULL)
    return fail (error);
  fputs (s, stdout);
  g_free (s);
  return 0;
}

/* Milliseconds open_net() spent reading the model, opening the device and
 * compiling the net (packing weights, building or loading kernels). */
static double parse_ms, device_ms, compile_ms;

static double
ms_since (gint64 * t)
{
  gint64 now = g_get_monotonic_time ();
  double ms = (now - *t) / 1000.0;
  *t = now;
  return ms;
}

/* Loads @path and compiles it for @shape_in (NULL: --shape or the
 * model's); with @as_declared, @shape_in is in the file's own layout
 * (N x H x W x C for an NHWC input, as a tensor to run is). */
static OclNet *
open_net (const char *path, const gint64 * shape_in, gboolean as_declared,
    OclModel ** model_out, OclContext ** ctx_out, GError ** error)
{
  gint64 t = g_get_monotonic_time ();
  OclModel *model = ocl_model_load (path, error);
  OclContext *ctx = NULL;
  OclNet *net = NULL;
  gint64 shape[4];

  parse_ms = ms_since (&t);
  if (model == NULL)
    return NULL;
  if (shape_in && as_declared && ocl_model_input_is_nhwc (model)) {
    shape[0] = shape_in[0];
    shape[1] = shape_in[3];
    shape[2] = shape_in[1];
    shape[3] = shape_in[2];
  } else if (shape_in)
    memcpy (shape, shape_in, sizeof (shape));
  else if (!pick_shape (model, shape, error))
    goto out;
  ctx = ocl_context_new (opt_device, error);
  device_ms = ms_since (&t);
  if (ctx == NULL)
    goto out;
  net = ocl_net_new (ctx, model, shape, error);
  compile_ms = ms_since (&t);
out:
  if (net == NULL) {
    ocl_context_unref (ctx);
    ocl_model_free (model);
    return NULL;
  }
  *model_out = model;
  *ctx_out = ctx;
  return net;
}

static int
cmd_info (const char *path)
{
  GError *error = NULL;
  OclModel *model;
  OclContext *ctx;
  OclNet *net = open_net (path, NULL, FALSE, &model, &ctx, &error);
  gint64 decl[4];
  guint64 wbytes, bytes;

  if (net == NULL)
    return fail (error);
  ocl_model_get_input_shape (model, decl);
  bytes = ocl_net_get_device_bytes (net, &wbytes);
  printf ("model:       %s\n", path);
  printf ("input:       ");
  for (int i = 0; i < 4; i++) {
    if (decl[i] < 0)
      printf ("?");
    else
      printf ("%" G_GINT64_FORMAT, decl[i]);
    printf (i < 3 ? "x" : "");
  }
  printf (" (declared; ? = symbolic)\n");
  for (guint o = 0; o < ocl_net_get_n_outputs (net); o++) {
    static const char *const last[] = {
      [OCL_OUTPUT_LAST_OTHER] = "",
      [OCL_OUTPUT_LAST_SOFTMAX] = ", after Softmax",
      [OCL_OUTPUT_LAST_SIGMOID] = ", after Sigmoid",
    };
    OclOutputInfo info;
    ocl_net_get_output (net, o, &info);
    printf ("output:      ");
    for (int i = 0; i < info.ndim; i++)
      printf ("%" G_GINT64_FORMAT "%s", info.dims[i], i < info.ndim - 1 ?
          "x" : "");
    printf (" '%s'%s%s\n", info.name, info.half ? ", float16" : "",
        last[info.last]);
  }
  printf ("device:      %s\n", ocl_context_get_device_name (ctx));
  printf ("parameters:  %" G_GUINT64_FORMAT "\n", ocl_net_get_n_params (net));
  printf ("mult-adds:   %" G_GUINT64_FORMAT " (%.3f G)\n",
      ocl_net_get_macs (net), ocl_net_get_macs (net) * 1e-9);
  printf ("device mem:  %.1f MiB (weights %.1f MiB)\n", bytes / 1048576.0,
      wbytes / 1048576.0);
  printf ("layers (%u kernel launches):\n", ocl_net_get_n_layers (net));
  for (guint i = 0; i < ocl_net_get_n_layers (net); i++) {
    OclLayerInfo li;
    ocl_net_get_layer (net, i, &li);
    printf ("  %3u  %-58s %s\n", i, li.name, li.node);
  }
  ocl_net_free (net);
  ocl_context_unref (ctx);
  ocl_model_free (model);
  return 0;
}

/* Measures every convolution's kernels on the device (again, whatever the
 * tuning cache holds), keeps the picks in the cache, and prints each
 * layer's candidates with their times. */
static int
cmd_tune (const char *path)
{
  GError *error = NULL;
  OclModel *model;
  OclContext *ctx;
  OclNet *net;
  guint n;

  g_setenv ("OCLRESNET_TUNE", "2", TRUE);
  net = open_net (path, NULL, FALSE, &model, &ctx, &error);
  if (net == NULL)
    return fail (error);
  n = ocl_net_get_n_tuned (net);
  printf ("model:   %s\ndevice:  %s\nmeasured %u layers in %.0f ms (load "
      "and compile included)\n", path, ocl_context_get_device_name (ctx), n,
      compile_ms);
  for (guint i = 0; i < n; i++) {
    OclTunedLayer t;
    ocl_net_get_tuned (net, i, &t);
    printf ("\n%s: %s\n", t.node, t.layer);
    for (guint c = 0; c < t.n_candidates; c++)
      if (t.ms[c] < 0)
        printf ("  %s %-28s  does not fit the device\n", c == t.pick ? "*" :
            " ", t.candidates[c]);
      else
        printf ("  %s %-28s %8.3f ms\n", c == t.pick ? "*" : " ",
            t.candidates[c], t.ms[c]);
  }
  ocl_net_free (net);
  ocl_context_unref (ctx);
  ocl_model_free (model);
  return 0;
}

/* The file name output @name gets in a directory: characters other than
 * [A-Za-z0-9_.-] become '_', and a name of dots alone is prefixed. */
static char *
output_file_name (const char *name)
{
  GString *s = g_string_new (NULL);

  for (const char *c = name; *c; c++)
    g_string_append_c (s, g_ascii_isalnum (*c) || strchr ("_.-", *c) ?
        *c : '_');
  if (strspn (s->str, ".") == s->len)
    g_string_prepend_c (s, '_');
  g_string_append (s, ".npy");
  return g_string_free (s, FALSE);
}

/* Writes what a run of @net returned: the one output to @path, or each of
 * several to @path/<name>.npy (the directory made if need be), in float16
 * where the file declares it so. */
static gboolean
save_outputs (OclNet * net, const float *out, const char *path, GError ** error)
{
  guint n = ocl_net_get_n_outputs (net);
  int batch = ocl_net_get_batch (net);
  gsize per = ocl_net_get_output_size (net) / batch;

  if (n > 1 && g_mkdir_with_parents (path, 0755) != 0) {
    int e = errno;
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot make directory "
        "'%s': %s", path, g_strerror (e));
    return FALSE;
  }
  for (guint o = 0; o < n; o++) {
    OclOutputInfo info;
    g_autofree float *data = NULL;
    g_autofree char *file = NULL, *name = NULL;
    ocl_net_get_output (net, o, &info);
    data = g_new (float, info.size * batch);
    for (int b = 0; b < batch; b++)
      memcpy (data + b * info.size, out + b * per + info.offset,
          info.size * sizeof (float));
    if (n > 1) {
      name = output_file_name (info.name);
      file = g_build_filename (path, name, NULL);
    }
    if (!ocl_npy_save_as (file ? file : path, data, info.ndim, info.dims,
            info.half, error))
      return FALSE;
  }
  return TRUE;
}

static int
cmd_run (const char *path)
{
  GError *error = NULL;
  OclModel *model = NULL;
  OclContext *ctx = NULL;
  OclNet *net = NULL;
  float *in = NULL, *out = NULL;
  gint64 shape[8];
  int ndim, rc = 1;

  if (opt_input == NULL || opt_output == NULL) {
    fprintf (stderr, "oclresnet: run needs --input IN.npy and --output "
        "OUT.npy\n");
    return 2;
  }
  in = ocl_npy_load (opt_input, &ndim, shape, &error);
  if (in == NULL)
    return fail (error);
  if (ndim != 4) {
    fprintf (stderr, "oclresnet: '%s' has %d dimensions; an N x C x H x W "
        "float32 tensor is expected\n", opt_input, ndim);
    g_free (in);
    return 1;
  }
  net = open_net (path, shape, TRUE, &model, &ctx, &error);
  if (net == NULL) {
    g_free (in);
    return fail (error);
  }
  out = g_new (float, ocl_net_get_output_size (net));
  if (!ocl_net_run (net, in, out, &error)
      || !save_outputs (net, out, opt_output, &error))
    rc = fail (error);
  else
    rc = 0;
  g_free (in);
  g_free (out);
  ocl_net_free (net);
  ocl_context_unref (ctx);
  ocl_model_free (model);
  return rc;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void
json_string (GString * s, const char *v)
{
  g_string_append_c (s, '"');
  for (; *v; v++) {
    if (*v == '"' || *v == '\\')
      g_string_append_printf (s, "\\%c", *v);
    else if ((guchar) * v < 0x20)
      g_string_append_printf (s, "\\u%04x", *v);
    else
      g_string_append_c (s, *v);
  }
  g_string_append_c (s, '"');
}

static int
cmd_bench (const char *path)
{
  GError *error = NULL;
  OclModel *model = NULL;
  OclContext *ctx = NULL;
  OclNet *net;
  gint64 shape[4];
  gint64 t0 = g_get_monotonic_time ();
  double load_ms, first_ms = 0.0, *times, min_ms, med_ms, *layer_ms = NULL;
  float *in, *out;
  guint n_layers;
  GRand *rand;
  int iters = MAX (opt_iterations, 1), profile_runs = 0;

  net = open_net (path, NULL, FALSE, &model, &ctx, &error);
  if (net == NULL)
    return fail (error);
  load_ms = (g_get_monotonic_time () - t0) / 1000.0;
  ocl_net_get_input_shape (net, shape);

  in = g_new (float, ocl_net_get_input_size (net));
  out = g_new (float, ocl_net_get_output_size (net));
  rand = g_rand_new_with_seed (42);
  for (gsize i = 0; i < ocl_net_get_input_size (net); i++)
    in[i] = g_rand_double_range (rand, -2.0, 2.0);
  g_rand_free (rand);

  times = g_new (double, iters);
  for (int i = -opt_warmup - 1; i < iters; i++) {
    gint64 t = g_get_monotonic_time ();
    if (!ocl_net_run (net, in, out, &error))
      goto failed;
    t = g_get_monotonic_time () - t;
    if (i == -opt_warmup - 1)
      first_ms = t / 1000.0;
    if (i >= 0)
      times[i] = t / 1000.0;
  }
  med_ms = median (times, iters);
  min_ms = times[0];

  n_layers = ocl_net_get_n_layers (net);
  if (opt_profile) {
    profile_runs = MIN (iters, 5);
    layer_ms = g_new0 (double, (gsize) n_layers * profile_runs);
    ocl_net_set_profiling (net, TRUE);
    for (int r = 0; r < profile_runs; r++) {
      if (!ocl_net_run (net, in, out, &error))
        goto failed;
      for (guint l = 0; l < n_layers; l++) {
        OclLayerInfo li;
        ocl_net_get_layer (net, l, &li);
        layer_ms[(gsize) l * profile_runs + r] = li.ms;
      }
    }
  }

  if (opt_json) {
    GString *s = g_string_new ("{\"model\": ");
    json_string (s, path);
    g_string_append_printf (s, ", \"shape\": [%" G_GINT64_FORMAT ", %"
        G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "], "
        "\"device\": ", shape[0], shape[1], shape[2], shape[3]);
    json_string (s, ocl_context_get_device_name (ctx));
    g_string_append_printf (s, ", \"iterations\": %d, \"min_ms\": %.4f, "
        "\"median_ms\": %.4f, \"load_ms\": %.2f, \"parse_ms\": %.2f, "
        "\"device_ms\": %.2f, \"compile_ms\": %.2f, \"first_run_ms\": %.3f, "
        "\"gflop\": %.4f", iters, min_ms, med_ms, load_ms, parse_ms,
        device_ms, compile_ms, first_ms, 2e-9 * ocl_net_get_macs (net));
    if (opt_profile) {
      g_string_append (s, ", \"layers\": [");
      for (guint l = 0; l < n_layers; l++) {
        OclLayerInfo li;
        double ms = median (layer_ms + (gsize) l * profile_runs,
            profile_runs);
        ocl_net_get_layer (net, l, &li);
        g_string_append (s, l ? ", {\"name\": " : "{\"name\": ");
        json_string (s, li.name);
        g_string_append (s, ", \"node\": ");
        json_string (s, li.node);
        g_string_append_printf (s, ", \"ms\": %.4f, \"gflops\": %.2f}", ms,
            ms > 0 ? li.flops / ms * 1e-6 : 0.0);
      }
      g_string_append (s, "]");
    }
    g_string_append (s, "}\n");
    fputs (s->str, stdout);
    g_string_free (s, TRUE);
  } else {
    printf ("model:   %s\nshape:   %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%"
        G_GINT64_FORMAT "x%" G_GINT64_FORMAT "\ndevice:  %s\n", path,
        shape[0], shape[1], shape[2], shape[3],
        ocl_context_get_device_name (ctx));
    printf ("load+compile %.1f ms (model %.1f, device %.1f, net %.1f), "
        "first run %.2f ms\n", load_ms, parse_ms, device_ms, compile_ms,
        first_ms);
    printf ("%d iterations: min %.3f ms, median %.3f ms (%.1f GFLOP/s at the "
        "median)\n", iters, min_ms, med_ms,
        2e-6 * ocl_net_get_macs (net) / med_ms);
    if (opt_profile) {
      double total = 0.0;
      printf ("\n  %3s  %9s  %8s  %s\n", "#", "ms", "GFLOP/s", "layer");
      for (guint l = 0; l < n_layers; l++) {
        OclLayerInfo li;
        double ms = median (layer_ms + (gsize) l * profile_runs,
            profile_runs);
        ocl_net_get_layer (net, l, &li);
        total += ms;
        printf ("  %3u  %9.4f  %8.1f  %s\n", l, ms,
            ms > 0 ? li.flops / ms * 1e-6 : 0.0, li.name);
      }
      printf ("  sum of layers: %.3f ms (median of %d profiled runs each)\n",
          total, profile_runs);
    }
  }
  g_free (layer_ms);
  g_free (times);
  g_free (in);
  g_free (out);
  ocl_net_free (net);
  ocl_context_unref (ctx);
  ocl_model_free (model);
  return 0;

failed:
  g_free (layer_ms);
  g_free (times);
  g_free (in);
  g_free (out);
  ocl_net_free (net);
  ocl_context_unref (ctx);
  ocl_model_free (model);
  return fail (error);
}

int
main (int argc, char **argv)
{
  GOptionContext *oc;
  GError *error = NULL;
  const char *cmd;
  int rc;

  oc = g_option_context_new ("COMMAND [MODEL]");
  g_option_context_set_summary (oc, "Commands:\n"
      "  devices   list OpenCL platforms and devices\n"
      "  info      show a model's input, fused layers, parameters, mult-adds\n"
      "  run       run a model on an .npy input and write the output .npy\n"
      "  bench     time inference (min and median; --profile per layer)\n"
      "  tune      measure each layer's kernels on the device, keep the\n"
      "            fastest in the tuning cache, print them");
  g_option_context_add_main_entries (oc, entries, NULL);
  if (!g_option_context_parse (oc, &argc, &argv, &error)) {
    fprintf (stderr, "oclresnet: %s (see --help)\n", error->message);
    g_error_free (error);
    g_option_context_free (oc);
    return 2;
  }
  g_option_context_free (oc);
  if (argc < 2) {
    fprintf (stderr, "oclresnet: no command given (devices, info, run, "
        "bench, tune; see --help)\n");
    return 2;
  }
  cmd = argv[1];
  if (strcmp (cmd, "devices") == 0)
    rc = cmd_devices ();
  else if (argc < 3 && (strcmp (cmd, "info") == 0 || strcmp (cmd, "run") == 0
          || strcmp (cmd, "bench") == 0 || strcmp (cmd, "tune") == 0)) {
    fprintf (stderr, "oclresnet: %s needs a MODEL.onnx argument\n", cmd);
    rc = 2;
  } else if (strcmp (cmd, "info") == 0)
    rc = cmd_info (argv[2]);
  else if (strcmp (cmd, "run") == 0)
    rc = cmd_run (argv[2]);
  else if (strcmp (cmd, "bench") == 0)
    rc = cmd_bench (argv[2]);
  else if (strcmp (cmd, "tune") == 0)
    rc = cmd_tune (argv[2]);
  else {
    fprintf (stderr, "oclresnet: unknown command '%s' (devices, info, run, "
        "bench, tune)\n", cmd);
    rc = 2;
  }
  g_free (opt_device);
  g_free (opt_input);
  g_free (opt_output);
  g_free (opt_shape);
  return rc;
}
