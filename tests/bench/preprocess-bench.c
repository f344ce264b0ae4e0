/* Times the device preprocessing alone: a frame of WxH in FORMAT to the
 * network input size, through a net that returns its input.
 *
 * usage: preprocess-bench [FORMAT [W H [OUT_H OUT_W [ITERATIONS]]]]
 *   FORMAT: rgb, bgrx, i420, nv12 or gray8 (default nv12 1280 720 224 224 50)
 * Prints the median and minimum in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ocl-private.h"

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  const char *fmt = argc > 1 ? argv[1] : "nv12";
  int w = argc > 3 ? atoi (argv[2]) : 1280, h = argc > 3 ? atoi (argv[3]) : 720;
  int oh = argc > 5 ? atoi (argv[4]) : 224, ow =
      argc > 5 ? atoi (argv[5]) : 224;
  int iters = argc > 6 ? atoi (argv[6]) : 50;
  OclPreprocess pp = { OCL_RESIZE_STRETCH, {0.485f, 0.456f, 0.406f},
  {0.229f, 0.224f, 0.225f}, FALSE
  };
  OclImage img = { 0 };
  GError *error = NULL;
  OclContext *ctx = ocl_context_new (NULL, &error);
  OclGraph *g = ocl_graph_new ();
  OclNet *net;
  float *out = g_new (float, (gsize) 3 * oh * ow);
  double *t = g_new (double, iters);
  guint8 *planes[3];

  if (ctx == NULL) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  g->input = ocl_graph_add_value (g, "x", 4, 1, 3, oh, ow);
  ocl_graph_add_output (g, g->input, "x", FALSE);
  net = ocl_net_new_from_graph (ctx, g, &error);
  if (net == NULL) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  img.width = w;
  img.height = h;
  if (strcmp (fmt, "rgb") == 0)
    img.format = OCL_PIXEL_RGB;
  else if (strcmp (fmt, "bgrx") == 0)
    img.format = OCL_PIXEL_BGRX;
  else if (strcmp (fmt, "i420") == 0)
    img.format = OCL_PIXEL_I420;
  else if (strcmp (fmt, "gray8") == 0)
    img.format = OCL_PIXEL_GRAY8;
  else
    img.format = OCL_PIXEL_NV12;
  for (int p = 0; p < ocl_image_plane_count (img.format); p++) {
    static const int bpp[] = { 3, 3, 4, 4, 4, 4, 1, 1, 1 };
    int row = p ? (w + 1) / 2 * (img.format == OCL_PIXEL_NV12 ? 2 : 1) :
        w * bpp[img.format];
    int rows = p ? (h + 1) / 2 : h;
    img.stride[p] = (row + 63) / 64 * 64;
    img.size[p] = (gsize) img.stride[p] * rows;
    planes[p] = g_malloc (img.size[p] + 64);
    for (gsize i = 0; i < img.size[p]; i++)
      planes[p][i] = (guint8) (i * 31 + p);
    img.data[p] = planes[p];
  }
  for (int i = 0; i < iters + 3; i++) {
    gint64 t0 = g_get_monotonic_time ();
    if (!ocl_net_run_image (net, &img, NULL, 0, &pp, out, &error)) {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
    if (i >= 3)
      t[i - 3] = (g_get_monotonic_time () - t0) / 1000.0;
  }
  qsort (t, iters, sizeof (double), cmp);
  printf ("%s %dx%d -> %dx%d: median %.3f ms, min %.3f ms\n", fmt, w, h, ow,
      oh, t[iters / 2], t[0]);
  return 0;
}
