/* The preprocessing kernel (colour conversion, resize, normalisation)
 * against the C reference, for every pixel format and resize mode, on odd
 * sizes and row strides, shrinking, growing and mixed, full frames and
 * batched regions.  Fixed seed. */
#include <math.h>
#include <string.h>
#include "ref/ref.h"

static OclContext *ctx;

typedef struct
{
  OclImage img;
  guint8 *mem[3];
} TestImage;

static void
image_init (TestImage * t, OclPixelFormat f, int w, int h, GRand * r)
{
  static const int bpp[] = { 3, 3, 4, 4, 4, 4, 1, 1, 1 };
  int cw = (w + 1) / 2, ch = (h + 1) / 2;
  int np = f == OCL_PIXEL_I420 ? 3 : f == OCL_PIXEL_NV12 ? 2 : 1;

  memset (t, 0, sizeof (*t));
  t->img.format = f;
  t->img.width = w;
  t->img.height = h;
  t->img.matrix = (OclYuvMatrix) g_rand_int_range (r, 0, 3);
  t->img.full_range = g_rand_boolean (r);
  for (int p = 0; p < np; p++) {
    int row = p == 0 ? w * bpp[f] : f == OCL_PIXEL_NV12 ? cw * 2 : cw;
    int rows = p == 0 ? h : ch;
    t->img.stride[p] = row + 5; /* odd padding at the end of rows */
    t->img.size[p] = (gsize) t->img.stride[p] * rows;
    t->mem[p] = g_malloc (t->img.size[p]);
    for (gsize i = 0; i < t->img.size[p]; i++)
      t->mem[p][i] = g_rand_int (r);
    t->img.data[p] = t->mem[p];
  }
}

static void
image_clear (TestImage * t)
{
  for (int p = 0; p < 3; p++)
    g_free (t->mem[p]);
}

/* A net that returns its input: shows the preprocessed tensor. */
static OclNet *
identity_net (int batch, int h, int w)
{
  OclGraph *g = ocl_graph_new ();
  GError *error = NULL;
  OclNet *net;

  g->input = ocl_graph_add_value (g, "x", 4, batch, 3, h, w);
  ocl_graph_add_output (g, g->input, "x", FALSE);
  net = ocl_net_new_from_graph (ctx, g, &error);
  g_assert_no_error (error);
  return net;
}

static void
compare (OclNet * net, TestImage * t, const OclRect * rects, int n,
    const OclPreprocess * pp, int H, int W)
{
  gsize per = (gsize) 3 * H * W;
  float *got = g_new (float, per * n), *ref = g_new (float, per);
  GError *error = NULL;
  double max_diff = 0.0, max_ref = 0.0;

  g_assert_true (ocl_net_run_image (net, &t->img, rects, n, pp, got, &error));
  g_assert_no_error (error);
  for (int b = 0; b < n; b++) {
    ocl_preprocess_reference (&t->img, rects ? &rects[b] : NULL, pp, H, W, ref);
    for (gsize i = 0; i < per; i++) {
      max_diff = MAX (max_diff, fabs ((double) ref[i] - got[b * per + i]));
      max_ref = MAX (max_ref, fabs (ref[i]));
    }
  }
  g_test_message ("format %d %dx%d -> %dx%d mode %d: max|ref| %.3g "
      "max|diff| %.3g", t->img.format, t->img.width, t->img.height, W, H,
      pp->resize, max_ref, max_diff);
  g_assert_cmpfloat (max_ref, >, 0.5);
  g_assert_cmpfloat (max_diff, <=, 2e-4);
  g_free (got);
  g_free (ref);
}

static const OclPreprocess imagenet = {
  OCL_RESIZE_STRETCH, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f},
  FALSE
};

/* Every format, every mode: shrinking, growing, mixed, odd sizes. */
static void
test_formats_and_modes (void)
{
  static const int sizes[][2] = { {97, 61}, {13, 9}, {200, 21}, {32, 32} };
  GRand *r = g_rand_new_with_seed (1234);
  OclNet *net = identity_net (1, 32, 24);

  for (int f = OCL_PIXEL_RGB; f <= OCL_PIXEL_GRAY8; f++)
    for (int m = OCL_RESIZE_STRETCH; m <= OCL_RESIZE_LETTERBOX; m++)
      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++) {
        TestImage t;
        OclPreprocess pp = imagenet;
        pp.resize = m;
        pp.bgr = (f + m + s) % 2;
        image_init (&t, f, sizes[s][0], sizes[s][1], r);
        compare (net, &t, NULL, 1, &pp, 32, 24);
        image_clear (&t);
      }
  ocl_net_free (net);
  g_rand_free (r);
}

/* A 1080p NV12 frame to 32x32: a 60:1 area average. */
static void
test_large_shrink (void)
{
  GRand *r = g_rand_new_with_seed (99);
  OclNet *net = identity_net (1, 32, 32);
  TestImage t;

  image_init (&t, OCL_PIXEL_NV12, 1920, 1080, r);
  compare (net, &t, NULL, 1, &imagenet, 32, 32);
  image_clear (&t);
  ocl_net_free (net);
  g_rand_free (r);
}

/* Regions in one batch, some overhanging the frame (clipped). */
static void
test_regions (void)
{
  GRand *r = g_rand_new_with_seed (7);
  OclNet *net = identity_net (4, 20, 28);
  OclRect rects[4] = {
    {0, 0, 50, 40}, {33, 17, 9, 31}, {60, 50, 100, 100}, {-5, -3, 20, 12}
  };
  TestImage t;

  image_init (&t, OCL_PIXEL_I420, 81, 67, r);
  for (int m = OCL_RESIZE_STRETCH; m <= OCL_RESIZE_LETTERBOX; m++) {
    OclPreprocess pp = imagenet;
    pp.resize = m;
    compare (net, &t, rects, 4, &pp, 20, 28);
    compare (net, &t, rects + 1, 2, &pp, 20, 28);
  }
  image_clear (&t);
  ocl_net_free (net);
  g_rand_free (r);
}

/* Several frames in one batch (as streams sharing a net send them), each
 * with its own format, size, regions and preprocessing: every batch entry
 * equals the reference of its own frame. */
static void
test_several_images (void)
{
  GRand *r = g_rand_new_with_seed (11);
  OclNet *net = identity_net (5, 18, 22);
  OclRect rects[2] = { {3, 4, 30, 20}, {-4, 10, 25, 60} };
  OclPreprocess pps[3] = { imagenet, imagenet, imagenet };
  const gsize per = (gsize) 3 * 18 * 22;
  float *got = g_new (float, 5 * per), *ref = g_new (float, per);
  GError *error = NULL;
  TestImage t[3];
  OclImageEntry e[3];
  int entry = 0;

  image_init (&t[0], OCL_PIXEL_NV12, 64, 48, r);
  image_init (&t[1], OCL_PIXEL_BGRX, 37, 29, r);
  image_init (&t[2], OCL_PIXEL_GRAY8, 90, 21, r);
  pps[1].resize = OCL_RESIZE_LETTERBOX;
  pps[1].bgr = TRUE;
  pps[2].resize = OCL_RESIZE_CENTER_CROP;
  pps[2].mean[0] = 0.1f;
  e[0] = (OclImageEntry) {
  &t[0].img, NULL, 0, &pps[0]};
  e[1] = (OclImageEntry) {
  &t[1].img, rects, 2, &pps[1]};
  e[2] = (OclImageEntry) {
  &t[2].img, rects, 2, &pps[2]};
  g_assert_true (ocl_net_run_images (net, e, 3, got, &error));
  g_assert_no_error (error);
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < (e[k].rects ? e[k].n_rects : 1); i++, entry++) {
      double max_diff = 0.0;
      ocl_preprocess_reference (&t[k].img, e[k].rects ? &rects[i] : NULL,
          &pps[k], 18, 22, ref);
      for (gsize j = 0; j < per; j++)
        max_diff = MAX (max_diff, fabs ((double) ref[j] - got[entry * per +
                    j]));
      g_assert_cmpfloat (max_diff, <=, 2e-4);
    }
  g_assert_cmpint (entry, ==, 5);
  /* Six regions do not fit a batch of five. */
  e[0].rects = rects;
  e[0].n_rects = 2;
  g_assert_false (ocl_net_run_images (net, e, 3, got, &error));
  g_assert_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  for (int k = 0; k < 3; k++)
    image_clear (&t[k]);
  g_free (got);
  g_free (ref);
  ocl_net_free (net);
  g_rand_free (r);
}

/* A region wholly outside the frame is an error, not a crash. */
static void
test_empty_region (void)
{
  GRand *r = g_rand_new_with_seed (8);
  OclNet *net = identity_net (1, 8, 8);
  OclRect rect = { 500, 500, 10, 10 };
  GError *error = NULL;
  float out[3 * 8 * 8];
  TestImage t;

  image_init (&t, OCL_PIXEL_RGB, 16, 16, r);
  g_assert_false (ocl_net_run_image (net, &t.img, &rect, 1, &imagenet, out,
          &error));
  g_assert_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT);
  g_error_free (error);
  image_clear (&t);
  ocl_net_free (net);
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  ctx = ocl_context_new (NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/preprocess/formats-and-modes", test_formats_and_modes);
  g_test_add_func ("/preprocess/large-shrink", test_large_shrink);
  g_test_add_func ("/preprocess/regions", test_regions);
  g_test_add_func ("/preprocess/empty-region", test_empty_region);
  g_test_add_func ("/preprocess/several-images", test_several_images);
  rc = g_test_run ();
  ocl_context_unref (ctx);
  return rc;
}
