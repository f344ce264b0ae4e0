/* Fuzz target (b): .npy bytes -> ocl_npy_parse (what ocl_npy_load and
 * `oclresnet run --input` read).  An answer must hold exactly the floats
 * its shape says. */
#include <stdio.h>
#include "fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GError *error = NULL;
  gint64 shape[8];
  gsize count = 1;
  int ndim = -1;
  float *f = ocl_npy_parse ((const char *) data, size, "fuzz.npy", &ndim,
      shape, &error);
  float sum = 0.0f;

  if (f == NULL) {
    ocl_fuzz_expect_error (error);
    return 0;
  }
  if (ndim < 0 || ndim > 8)
    abort ();
  for (int i = 0; i < ndim; i++)
    count *= (gsize) shape[i];
  /* Every float the shape promises is readable (ASan checks). */
  for (gsize i = 0; i < count; i++)
    sum += f[i];
  if (sum == 1.2345f)           /* keeps the reads */
    fprintf (stderr, " ");
  g_free (f);
  return 0;
}
