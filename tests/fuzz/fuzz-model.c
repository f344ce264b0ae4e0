/* Fuzz target (a): model bytes -> ocl_model_load -> ocl_net_new at a small
 * shape -> ocl_net_run.  Whatever the bytes, the executor must return an
 * error or an answer: no crash, no sanitizer report, no leak, no
 * allocation sized by an unchecked number.
 *
 * Built with libFuzzer (meson -Dfuzzing=enabled, clang) or, for the test
 * suite, with standalone.c, which runs the files it is given. */
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include "fuzz.h"

static OclContext *ctx;
static char *model_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GError *error = NULL;
  g_autofree char *dir = NULL;

  ocl_fuzz_setup_env ();
  ctx = ocl_context_new ("cpu", &error);
  if (ctx == NULL) {
    fprintf (stderr, "fuzz-model: %s\n", error->message);
    exit (1);
  }
  /* The model is written to a folder of its own, so that the external
   * data a model names can only be looked for there. */
  dir = g_dir_make_tmp ("oclresnet-fuzz-XXXXXX", &error);
  if (dir == NULL) {
    fprintf (stderr, "fuzz-model: %s\n", error->message);
    exit (1);
  }
  model_path = g_build_filename (dir, "model.onnx", NULL);
  /* Beside it, what an attacker's archive would carry for external data
   * to name (model.dict has the names): a regular file of weights, a
   * FIFO, a folder, a link out of the folder and one that stays in. */
  {
    g_autofree char *w = g_build_filename (dir, "w.bin", NULL);
    g_autofree char *fifo = g_build_filename (dir, "fifo.bin", NULL);
    g_autofree char *sub = g_build_filename (dir, "sub", NULL);
    g_autofree char *up = g_build_filename (dir, "up", NULL);
    g_autofree char *in = g_build_filename (dir, "in.bin", NULL);
    g_autofree char *zeros = g_malloc0 (1 << 16);
    if (!g_file_set_contents (w, zeros, 1 << 16, NULL)
        || mkfifo (fifo, 0600) != 0 || g_mkdir (sub, 0700) != 0
        || symlink ("..", up) != 0 || symlink ("w.bin", in) != 0) {
      fprintf (stderr, "fuzz-model: cannot lay out %s\n", dir);
      exit (1);
    }
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  OclModel *model;
  OclNet *net;
  GError *error = NULL;
  gint64 declared[4], shape[4] = { 1, 3, 32, 32 };

  if (!g_file_set_contents (model_path, (const char *) data, size, NULL))
    return 0;
  model = ocl_model_load (model_path, &error);
  if (model == NULL) {
    ocl_fuzz_expect_error (error);
    return 0;
  }
  ocl_model_get_metadata (model, "labels");
  /* The declared channel count when it is small, so that more inputs get
   * as far as compiling and running. */
  ocl_model_get_input_shape (model, declared);
  if (declared[1] > 0 && declared[1] <= 16)
    shape[1] = declared[1];
  net = ocl_net_new (ctx, model, shape, &error);
  ocl_model_free (model);
  if (net == NULL) {
    ocl_fuzz_expect_error (error);
    return 0;
  }
  {
    gsize n_in = ocl_net_get_input_size (net);
    float *in = g_new (float, n_in);
    float *out = g_new (float, ocl_net_get_output_size (net));
    for (gsize i = 0; i < n_in; i++)
      in[i] = (float) ((i * 7919) % 255) / 255.0f - 0.5f;
    if (!ocl_net_run (net, in, out, &error))
      ocl_fuzz_expect_error (error);
    g_free (in);
    g_free (out);
  }
  ocl_net_free (net);
  return 0;
}
