/* Constant tensors: what the ONNX importer folds shape sub-graphs with. */
#include <string.h>
#include "ocl-private.h"

OclConst *
ocl_const_new (OclDType dtype, int rank, const gint64 * dims)
{
  OclConst *c = g_new0 (OclConst, 1);

  c->dtype = dtype;
  c->rank = rank;
  c->n = 1;
  for (int i = 0; i < rank; i++) {
    c->dims[i] = dims[i];
    c->n *= (gsize) dims[i];
  }
  if (dtype == OCL_DT_FLOAT)
    c->f = g_new0 (float, MAX (c->n, 1));
  else
    c->i = g_new0 (gint64, MAX (c->n, 1));
  return c;
}

void
ocl_const_free (OclConst * c)
{
  if (c == NULL)
    return;
  g_free (c->f);
  g_free (c->i);
  g_free (c);
}

OclConst *
ocl_const_copy (const OclConst * c)
{
  OclConst *d = ocl_const_new (c->dtype, c->rank, c->dims);

  if (c->raw)
    ocl_const_borrow (d, c->raw);       /* read-only: share it */
  else if (c->dtype == OCL_DT_FLOAT)
    memcpy (d->f, c->f, c->n * sizeof (float));
  else
    memcpy (d->i, c->i, c->n * sizeof (gint64));
  return d;
}

/* Points float constant @c at @raw (c->n little-endian floats, any
 * alignment) instead of a copy: the model's own initializer bytes, which
 * outlive the import.  @c becomes read-only. */
void
ocl_const_borrow (OclConst * c, const guint8 * raw)
{
  g_assert (c->dtype == OCL_DT_FLOAT && c->raw == NULL && c->n > 0);
  g_clear_pointer (&c->f, g_free);
  c->raw = raw;
}

/* @c's floats, aligned: a copy of borrowed ones made on first use. */
const float *
ocl_const_floats (OclConst * c)
{
  if (c->f == NULL && c->raw != NULL)
    c->f = g_memdup2 (c->raw, c->n * sizeof (float));
  return c->f;
}

double
ocl_const_get (const OclConst * c, gsize idx)
{
  if (c->f)
    return c->f[idx];
  if (c->raw)
    return ocl_load_float (c->raw, idx);
  return (double) c->i[idx];
}

gint64
ocl_const_get_int (const OclConst * c, gsize idx)
{
  return c->i ? c->i[idx] : (gint64) ocl_const_get (c, idx);
}

/* Integers saturate: exporters write INT64_MAX for "to the end", which a
 * round trip through double would otherwise overflow. */
void
ocl_const_set (OclConst * c, gsize idx, double v)
{
  g_assert (c->raw == NULL);
  if (c->f)
    c->f[idx] = (float) v;
  else if (v >= 9.2e18)
    c->i[idx] = G_MAXINT64;
  else if (v <= -9.2e18)
    c->i[idx] = G_MININT64;
  else
    c->i[idx] = (gint64) v;
}
