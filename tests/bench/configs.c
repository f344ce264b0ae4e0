/* Several kernel choices for one model, timed in one process.
 *
 * usage: bench-configs [-b BATCH] MODEL ROUNDS ITERATIONS CACHE...
 *
 * Loads MODEL (at BATCH where its batch is free, else 1) once per tuning
 * cache CACHE (the kernel each
 * layer runs: tests/bench/picks.py writes one per candidate), then runs
 * the nets in rounds, ITERATIONS runs of each net a round, the nets in a
 * rotating order, with per-layer profiling.  On the project's machines
 * the speed moves by tens of % between processes and within one in
 * phases of seconds (BENCHMARKS.md); nets that take turns in one process
 * share the phases, so that a round's times compare where separate
 * processes' do not.  Prints each net's steps once, then a line a run:
 *
 *   step I INDEX DESCRIPTION
 *   run I ROUND MS STEP_MS...
 *
 * MS being the run's wall time and STEP_MS each step's profiled time, in
 * the order of the net's steps; the statistics are the caller's.  A layer
 * that a cache lacks is measured at its load, as on a first load
 * (picks.py's caches list every layer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "oclresnet.h"

static void
die (const char *what, GError * error)
{
  fprintf (stderr, "bench-configs: %s: %s\n", what,
      error ? error->message : "failed");
  exit (1);
}

int
main (int argc, char **argv)
{
  OclModel *model;
  OclNet **nets;
  gint64 shape[4];
  gsize in_floats, out_floats;
  float *in, *out;
  int rounds, iterations, n_nets, batch = 1;
  GError *error = NULL;

  if (argc > 2 && strcmp (argv[1], "-b") == 0) {
    batch = atoi (argv[2]);
    argc -= 2;
    argv += 2;
  }
  if (argc < 5 || batch < 1 || (rounds = atoi (argv[2])) < 1
      || (iterations = atoi (argv[3])) < 1) {
    fprintf (stderr, "usage: bench-configs [-b BATCH] MODEL ROUNDS "
        "ITERATIONS CACHE...\n");
    return 2;
  }
  n_nets = argc - 4;
  if (!(model = ocl_model_load (argv[1], &error)))
    die (argv[1], error);
  ocl_model_get_input_shape (model, shape);
  if (shape[0] <= 0)
    shape[0] = batch;
  for (int d = 1; d < 4; d++)
    if (shape[d] <= 0)
      die ("the model's input has a free size; give a model with a fixed one",
          NULL);
  nets = g_new0 (OclNet *, n_nets);
  for (int k = 0; k < n_nets; k++) {
    OclContext *ctx;
    /* A context reads its tuning cache at its first net. */
    g_setenv ("OCLRESNET_TUNE_CACHE", argv[4 + k], TRUE);
    if (!(ctx = ocl_context_new (NULL, &error)))
      die ("the device", error);
    if (!(nets[k] = ocl_net_new (ctx, model, shape, &error)))
      die (argv[4 + k], error);
    ocl_context_unref (ctx);
    ocl_net_set_profiling (nets[k], TRUE);
  }
  in_floats = ocl_net_get_input_size (nets[0]);
  in = g_new (float, in_floats);
  for (gsize i = 0; i < in_floats; i++)
    in[i] = (float) (i % 251) / 251.0f;
  out_floats = ocl_net_get_output_size (nets[0]);
  out = g_new (float, out_floats);

  for (int k = 0; k < n_nets; k++)
    for (guint l = 0; l < ocl_net_get_n_layers (nets[k]); l++) {
      OclLayerInfo info;
      ocl_net_get_layer (nets[k], l, &info);
      printf ("step %d %u %s\n", k, l, info.name);
    }
  for (int r = 0; r < rounds; r++)
    for (int j = 0; j < n_nets; j++) {
      const int k = (r + j) % n_nets;

      /* One run first: the net's caches warm, after the others'. */
      if (!ocl_net_run (nets[k], in, out, &error))
        die ("a run", error);
      for (int i = 0; i < iterations; i++) {
        const gint64 t0 = g_get_monotonic_time ();
        if (!ocl_net_run (nets[k], in, out, &error))
          die ("a run", error);
        printf ("run %d %d %.4f", k, r, (g_get_monotonic_time () - t0) /
            1000.0);
        for (guint l = 0; l < ocl_net_get_n_layers (nets[k]); l++) {
          OclLayerInfo info;
          ocl_net_get_layer (nets[k], l, &info);
          printf (" %.4f", info.ms);
        }
        putchar ('\n');
      }
    }
  fflush (stdout);

  for (int k = 0; k < n_nets; k++)
    ocl_net_free (nets[k]);
  g_free (nets);
  ocl_model_free (model);
  g_free (in);
  g_free (out);
  return 0;
}
