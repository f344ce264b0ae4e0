/* Constant tensors: what the ONNX importer folds shape sub-graphs with. */
#include <math.h>
#include <string.h>
#include "ocl-private.h"
#include "onnx.pb-c.h"

#define OCL_T(name) ONNX__TENSOR_PROTO__DATA_TYPE__##name

float
ocl_half_to_float (guint16 h)
{
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float v = e == 0 ? ldexpf (m, -24) : e == 31 ? (m ? NAN : INFINITY) :
      ldexpf (m | 0x400, e - 25);

  return h & 0x8000 ? -v : v;
}

guint16
ocl_float_to_half (float f)
{
  guint32 x, m, h, rem, halfway;
  guint16 sign;
  int e;

  memcpy (&x, &f, sizeof (x));
  sign = (x >> 16) & 0x8000;
  m = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff)       /* infinity, NaN (kept quiet) */
    return sign | 0x7c00 | (m ? 0x200 : 0);
  e = (int) ((x >> 23) & 0xff) - 127 + 15;
  if (e >= 31)
    return sign | 0x7c00;       /* too large: infinity */
  if (e <= 0) {
    /* A subnormal half (or zero): h = 1.m * 2^(e - 15) / 2^-24. */
    int shift = 14 - e;
    if (shift > 24)
      return sign;
    m |= 0x800000;
    h = m >> shift;
    rem = m & ((1u << shift) - 1);
    halfway = 1u << (shift - 1);
  } else {
    h = (guint32) e << 10 | m >> 13;
    rem = m & 0x1fff;
    halfway = 0x1000;
  }
  /* Round to nearest, ties to even; a carry into the exponent is right. */
  if (rem > halfway || (rem == halfway && (h & 1)))
    h++;
  return sign | h;
}

int
ocl_elem_size (int dt)
{
  switch (dt) {
    case OCL_T (UINT8):
    case OCL_T (INT8):
    case OCL_T (BOOL):
      return 1;
    case OCL_T (UINT16):
    case OCL_T (INT16):
    case OCL_T (FLOAT16):
      return 2;
    case OCL_T (FLOAT):
    case OCL_T (INT32):
    case OCL_T (UINT32):
      return 4;
    case OCL_T (INT64):
    case OCL_T (DOUBLE):
    case OCL_T (UINT64):
      return 8;
    default:
      return 0;
  }
}

double
ocl_raw_elem (const guint8 * p, int dt)
{
  switch (dt) {
    case OCL_T (FLOAT16):{
      guint16 v;
      memcpy (&v, p, 2);
      return ocl_half_to_float (v);
    }
    case OCL_T (FLOAT):{
      float f;
      memcpy (&f, p, 4);
      return f;
    }
    case OCL_T (DOUBLE):{
      double d;
      memcpy (&d, p, 8);
      return d;
    }
    case OCL_T (UINT8):
    case OCL_T (BOOL):
      return *p;
    case OCL_T (INT8):
      return (gint8) * p;
    case OCL_T (UINT16):{
      guint16 v;
      memcpy (&v, p, 2);
      return v;
    }
    case OCL_T (INT16):{
      gint16 v;
      memcpy (&v, p, 2);
      return v;
    }
    case OCL_T (INT32):{
      gint32 v;
      memcpy (&v, p, 4);
      return v;
    }
    case OCL_T (UINT32):{
      guint32 v;
      memcpy (&v, p, 4);
      return v;
    }
    case OCL_T (UINT64):{
      guint64 v;
      memcpy (&v, p, 8);
      return (double) v;
    }
    default:
      return 0;
  }
}

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

/* A constant of that shape with no data yet; NULL when ocl_const_count ()
 * refuses the shape. */
static OclConst *
const_alloc (OclDType dtype, int rank, const gint64 * dims)
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
  return c;
}

OclConst *
ocl_const_new (OclDType dtype, int rank, const gint64 * dims)
{
  OclConst *c = const_alloc (dtype, rank, dims);

  if (c && dtype == OCL_DT_FLOAT)
    c->f = g_new0 (float, MAX (c->n, 1));
  else if (c)
    c->i = g_new0 (gint64, MAX (c->n, 1));
  return c;
}

OclConst *
ocl_const_new_view (OclDType dtype, int rank, const gint64 * dims,
    const guint8 * raw, int elem_type)
{
  OclConst *c = const_alloc (dtype, rank, dims);

  if (c) {
    c->raw = raw;
    c->elem_type = elem_type;
  }
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
  OclConst *d;

  if (c->raw)                   /* read-only: share it */
    return ocl_const_new_view (c->dtype, c->rank, c->dims, c->raw,
        c->elem_type);
  d = ocl_const_new (c->dtype, c->rank, c->dims);
  d->elem_type = c->elem_type;
  if (c->dtype == OCL_DT_FLOAT)
    memcpy (d->f, c->f, c->n * sizeof (float));
  else
    memcpy (d->i, c->i, c->n * sizeof (gint64));
  return d;
}

/* @c's floats, aligned: a copy of borrowed ones made on first use. */
const float *
ocl_const_floats (OclConst * c)
{
  if (c->f == NULL && c->raw != NULL && c->dtype == OCL_DT_FLOAT)
    c->f = g_memdup2 (c->raw, c->n * sizeof (float));
  return c->f;
}

double
ocl_const_get (const OclConst * c, gsize idx)
{
  if (c->f)
    return c->f[idx];
  if (c->raw && c->elem_type == OCL_T (FLOAT))
    return ocl_load_float (c->raw, idx);
  if (c->raw)
    return ocl_raw_elem (c->raw + idx * ocl_elem_size (c->elem_type),
        c->elem_type);
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
