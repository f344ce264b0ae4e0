/* Fuzz target (c): preprocessing with random pixel formats, sizes, strides,
 * plane sizes and regions (inside, outside, empty, negative), on the
 * device, against the C reference.  The oracle is three-fold: a frame is
 * refused exactly when ocl_image_check() or the region geometry says it
 * is unusable; an accepted one matches the reference; and neither reads a
 * byte outside the planes (each plane is its own allocation of exactly
 * the size it claims, so ASan sees the reference's reads). */
#include <math.h>
#include <stdio.h>
#include "fuzz.h"
#include "kernels/ocl-abi.h"

#define BATCH 4

static OclContext *ctx;
static GHashTable *nets;        /* H * 1000 + W -> OclNet */

typedef struct
{
  const guint8 *p;
  size_t n;
} Bytes;

/* The next value in [0, range) from the input (0 once it is used up). */
static int
take (Bytes * b, int range)
{
  guint v = 0;

  for (int i = 0; i < 2 && b->n > 0; i++, b->p++, b->n--)
    v = v << 8 | *b->p;
  return (int) (v % (guint) range);
}

static OclNet *
identity_net (int h, int w)
{
  gpointer key = GINT_TO_POINTER (h * 1000 + w);
  OclNet *net = g_hash_table_lookup (nets, key);
  GError *error = NULL;

  if (net == NULL) {
    OclGraph *g = ocl_graph_new ();
    g->input = ocl_graph_add_value (g, "x", 4, BATCH, 3, h, w);
    ocl_graph_add_output (g, g->input, "x", FALSE);
    net = ocl_net_new_from_graph (ctx, g, &error);
    if (net == NULL) {
      fprintf (stderr, "fuzz-preprocess: %s\n", error->message);
      abort ();
    }
    g_hash_table_insert (nets, key, net);
  }
  return net;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  GError *error = NULL;

  ocl_fuzz_setup_env ();
  ctx = ocl_context_new ("cpu", &error);
  if (ctx == NULL) {
    fprintf (stderr, "fuzz-preprocess: %s\n", error->message);
    exit (1);
  }
  nets = g_hash_table_new (NULL, NULL);
  return 0;
}

/* Bytes per row and rows of plane @p (the definition ocl_image_check
 * applies, restated). */
static void
extent (OclPixelFormat f, int p, int w, int h, int *row, int *rows)
{
  static const int bpp[] = { 3, 3, 4, 4, 4, 4, 1, 1, 1 };

  *row = p ? (w + 1) / 2 * (f == OCL_PIXEL_NV12 ? 2 : 1) : w * bpp[f];
  *rows = p ? (h + 1) / 2 : h;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  static const int sides[] = { 1, 7, 16, 24, 33 };
  Bytes b = { data, size };
  OclImage img = { 0 };
  OclPreprocess pp = { OCL_RESIZE_STRETCH, {0.485f, 0.456f, 0.406f},
  {0.229f, 0.224f, 0.225f}, FALSE
  };
  OclRect rects[BATCH];
  guint8 *planes[3] = { NULL, NULL, NULL };
  int n_rects, H, W, geo[OCL_ABI_GEO_N];
  gboolean valid, ok;
  GError *error = NULL;
  float *out, *ref;
  OclNet *net;

  img.format = (OclPixelFormat) take (&b, 10);  /* 9: not a format */
  img.width = take (&b, 90) - 2;
  img.height = take (&b, 90) - 2;
  img.matrix = (OclYuvMatrix) take (&b, 3);
  img.full_range = take (&b, 2);
  for (int p = 0; p < 3; p++) {
    int row, rows;
    gint64 need;
    if (img.format > OCL_PIXEL_GRAY8 || p >= ocl_image_plane_count (img.format)
        || img.width <= 0 || img.height <= 0)
      break;
    extent (img.format, p, img.width, img.height, &row, &rows);
    /* Mostly right, sometimes a stride or a size too small. */
    img.stride[p] = row + take (&b, 9) - (take (&b, 12) == 0 ? 1 : 0);
    need = (gint64) img.stride[p] * (rows - 1) + row;
    need += take (&b, 17) - (take (&b, 12) == 0 ? 1 + take (&b, 8) : 0);
    if (need <= 0)
      continue;
    img.size[p] = need;
    planes[p] = g_malloc (need);
    for (gint64 i = 0; i < need; i++)
      planes[p][i] = size ? data[(i * 31 + p) % size] ^ (guint8) i : 0;
    img.data[p] = planes[p];
  }
  pp.resize = (OclResizeMode) take (&b, 3);
  pp.bgr = take (&b, 2);
  H = sides[take (&b, G_N_ELEMENTS (sides))];
  W = sides[take (&b, G_N_ELEMENTS (sides))];
  n_rects = take (&b, BATCH + 1);       /* 0: the whole frame */
  for (int i = 0; i < n_rects; i++) {
    rects[i].x = take (&b, 200) - 60;
    rects[i].y = take (&b, 200) - 60;
    rects[i].width = take (&b, 200) - 20;
    rects[i].height = take (&b, 200) - 20;
  }

  net = identity_net (H, W);
  valid = ocl_image_check (&img, NULL);
  for (int i = 0; valid && i < MAX (n_rects, 1); i++)
    valid = ocl_image_geometry (&img, n_rects ? &rects[i] : NULL, pp.resize,
        H, W, geo);
  out = g_new (float, (gsize) BATCH * 3 * H * W);
  ok = ocl_net_run_image (net, &img, n_rects ? rects : NULL, n_rects, &pp,
      out, &error);
  if (ok != valid) {
    fprintf (stderr, "fuzz-preprocess: run_image said %s to a frame that "
        "is %s (%s)\n", ok ? "yes" : "no", valid ? "valid" : "not valid",
        error ? error->message : "");
    abort ();
  }
  if (!ok)
    ocl_fuzz_expect_error (error);
  ref = g_new (float, (gsize) 3 * H * W);
  for (int i = 0; ok && i < MAX (n_rects, 1); i++) {
    ocl_preprocess_reference (&img, n_rects ? &rects[i] : NULL, &pp, H, W, ref);
    for (gsize k = 0; k < (gsize) 3 * H * W; k++)
      if (!(fabsf (ref[k] - out[(gsize) i * 3 * H * W + k]) <= 2e-4f)) {
        fprintf (stderr, "fuzz-preprocess: entry %d element %" G_GSIZE_FORMAT
            ": kernel %g, reference %g\n", i, k,
            out[(gsize) i * 3 * H * W + k], ref[k]);
        abort ();
      }
  }
  g_free (ref);
  g_free (out);
  for (int p = 0; p < 3; p++)
    g_free (planes[p]);
  return 0;
}
