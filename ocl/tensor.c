/* Constant tensors: what the ONNX importer folds shape sub-graphs with. */
#include <math.h>
#include <string.h>
#include "ocl-private.h"

gboolean
ocl_const_count (int rank, const gint64 * dims, gsize * n)
{
  gsize count = 1;

  if (rank < 0 || rank > OCL_MAX_RANK)
    return FALSE;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || (guint64) dims[i] > OCL_MAX_CONST_ELEMENTS
        || !g_size_checked_mul (&count, count, (gsize) dims[i])
        || count > OCL_MAX_CONST_ELEMENTS)
      return FALSE;
  }
  *n = count;
  return TRUE;
}

OclConst *
ocl_const_new (OclDType dtype, int rank, const gint64 * dims)
{
  OclConst *c;
  gsize n;

  if (!ocl_const_count (rank, dims, &n))
    return NULL;
  c = g_new0 (OclConst, 1);
  c->dtype = dtype;
  c->rank = rank;
  c->n = n;
  for (int i = 0; i < rank; i++)
    c->dims[i] = dims[i];
  if (dtype == OCL_DT_FLOAT)
    c->f = g_new0 (float, MAX (n, 1));
  else
    c->i = g_new0 (gint64, MAX (n, 1));
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

/* Never fails: @c's shape was accepted once already. */
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

/* Points float constant @c (new, not empty) at @raw (c->n little-endian
 * floats, any alignment) instead of a copy: the model's own initializer
 * bytes, which outlive the import.  @c becomes read-only. */
void
ocl_const_borrow (OclConst * c, const guint8 * raw)
{
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

/* Floats convert saturating, NaN to 0: a file's float must not reach an
 * integer conversion whose result C leaves undefined. */
static gint64
double_to_int (double v)
{
  if (isnan (v))
    return 0;
  if (v >= 9.2e18)
    return G_MAXINT64;
  if (v <= -9.2e18)
    return G_MININT64;
  return (gint64) v;
}

gint64
ocl_const_get_int (const OclConst * c, gsize idx)
{
  return c->i ? c->i[idx] : double_to_int (ocl_const_get (c, idx));
}

/* Integers saturate: exporters write INT64_MAX for "to the end", which a
 * round trip through double would otherwise overflow.  @c is not borrowed. */
void
ocl_const_set (OclConst * c, gsize idx, double v)
{
  if (c->f)
    c->f[idx] = (float) v;
  else
    c->i[idx] = double_to_int (v);
}
