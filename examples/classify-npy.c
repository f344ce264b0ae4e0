/* classify-npy: the executor without GStreamer.  Loads an ONNX ResNet,
 * runs it on a float32 N x C x H x W .npy tensor and prints each image's
 * top class and its score.
 *
 *   classify-npy MODEL.onnx INPUT.npy
 *
 * Build against the installed library:
 *   cc classify-npy.c $(pkg-config --cflags --libs oclresnet-executor-1.0)
 */
#include <stdio.h>
#include <oclresnet.h>

int
main (int argc, char **argv)
{
  GError *err = NULL;
  OclContext *ctx = NULL;
  OclModel *model = NULL;
  OclNet *net = NULL;
  float *in = NULL, *out = NULL;
  gint64 shape[8];
  int ndim = 0, rc = 1;

  if (argc != 3) {
    fprintf (stderr, "usage: classify-npy MODEL.onnx INPUT.npy\n");
    return 2;
  }
  if ((model = ocl_model_load (argv[1], &err))
      && (in = ocl_npy_load (argv[2], &ndim, shape, &err)) && ndim == 4
      && (ctx = ocl_context_new (NULL, &err))
      && (net = ocl_net_new (ctx, model, shape, &err))
      && (out = g_new (float, ocl_net_get_output_size (net)))
      && ocl_net_run (net, in, out, &err))
  {
    gsize per = ocl_net_get_output_size (net) / shape[0];
    for (gint64 n = 0; n < shape[0]; n++) {
      gsize best = 0;
      for (gsize k = 1; k < per; k++)
        best = out[n * per + k] > out[n * per + best] ? k : best;
      printf ("image %d: class %d (%g)\n", (int) n, (int) best,
          out[n * per + best]);
    }
    rc = 0;
  } else {
    fprintf (stderr, "classify-npy: %s\n", err ? err->message :
        "the input is not an N x C x H x W tensor");
  }
  g_clear_error (&err);
  g_free (out);
  g_free (in);
  ocl_net_free (net);
  ocl_context_unref (ctx);
  ocl_model_free (model);
  return rc;
}
