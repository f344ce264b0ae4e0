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
  if (!c->borrowed)
    g_free (c->f);
  g_free (c->i);
  g_free (c);
}

OclConst *
ocl_const_copy (const OclConst * c)
{
  OclConst *d = ocl_const_new (c->dtype, c->rank, c->dims);

  if (c->f)
    memcpy (d->f, c->f, c->n * sizeof (float));
  else
    memcpy (d->i, c->i, c->n * sizeof (gint64));
  return d;
}

/* Points float constant @c at @data (c->n floats) instead of a copy: the
 * model's own initializer bytes, which outlive the import.  @c becomes
 * read-only. */
void
ocl_const_borrow (OclConst * c, const float *data)
{
  g_assert (c->f != NULL && !c->borrowed);
  g_free (c->f);
  c->f = (float *) data;
  c->borrowed = TRUE;
}

double
ocl_const_get (const OclConst * c, gsize idx)
{
  return c->f ? (double) c->f[idx] : (double) c->i[idx];
}

gint64
ocl_const_get_int (const OclConst * c, gsize idx)
{
  return c->i ? c->i[idx] : (gint64) c->f[idx];
}

/* Integers saturate: exporters write INT64_MAX for "to the end", which a
 * round trip through double would otherwise overflow. */
void
ocl_const_set (OclConst * c, gsize idx, double v)
{
  g_assert (!c->borrowed);
  if (c->f)
    c->f[idx] = (float) v;
  else if (v >= 9.2e18)
    c->i[idx] = G_MAXINT64;
  else if (v <= -9.2e18)
    c->i[idx] = G_MININT64;
  else
    c->i[idx] = (gint64) v;
}
