/* Constant folding: the shape sub-graphs exporters emit (and any other
 * arithmetic on initializers), evaluated at load time.  One function per
 * operator; each checks its attributes and operands against the shapes it
 * indexes before it reads or allocates anything. */
#include <math.h>
#include <string.h>
#include "onnx-import.h"


static void
unravel (gsize idx, int rank, const gint64 * dims, gint64 * out)
{
  for (int d = rank - 1; d >= 0; d--) {
    out[d] = dims[d] ? (gint64) (idx % dims[d]) : 0;
    idx = dims[d] ? idx / dims[d] : 0;
  }
}

static gsize
ravel (int rank, const gint64 * dims, const gint64 * idx)
{
  gsize off = 0;
  for (int d = 0; d < rank; d++)
    off = off * dims[d] + idx[d];
  return off;
}

OclConst *
ocl_fold_constant (OclImport * im, OclConst ** in, int n_in)
{
  Onnx__NodeProto *node = im->node;
  Onnx__AttributeProto *a;
  OclConst *c;
  gint64 n;

  if ((a = ocl_attr_find (node, "value")) && a->t)
    return ocl_import_tensor (im, a->t, "value");
  if ((a = ocl_attr_find (node, "value_float")) && a->has_f) {
    if ((c = ocl_import_const_new (im, OCL_DT_FLOAT, 0, NULL)))
      c->f[0] = a->f;
    return c;
  }
  if ((a = ocl_attr_find (node, "value_int")) && a->has_i) {
    if ((c = ocl_import_const_new (im, OCL_DT_INT64, 0, NULL)))
      c->i[0] = a->i;
    return c;
  }
  if ((a = ocl_attr_find (node, "value_ints"))) {
    n = a->n_ints;
    /* An empty list has no array (protobuf-c leaves it NULL). */
    if ((c = ocl_import_const_new (im, OCL_DT_INT64, 1, &n)) && n > 0)
      memcpy (c->i, a->ints, n * sizeof (gint64));
    return c;
  }
  if ((a = ocl_attr_find (node, "value_floats"))) {
    n = a->n_floats;
    if ((c = ocl_import_const_new (im, OCL_DT_FLOAT, 1, &n)) && n > 0)
      memcpy (c->f, a->floats, n * sizeof (float));
    return c;
  }
  OCL_UNSUPPORTED (im, "a Constant without a supported value attribute");
  return NULL;
}

OclConst *
ocl_fold_identity (OclImport * im, OclConst ** in, int n_in)
{
  return ocl_import_const_copy (im, in[0]);
}

/* Sum of constants: one is itself, more are added left to right. */
OclConst *
ocl_fold_sum (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *acc;

  if (n_in == 1)
    return ocl_fold_identity (im, in, n_in);
  acc = ocl_fold_binary (im, in, 2);
  for (int k = 2; k < n_in && acc; k++) {
    OclConst *pair[2] = { acc, in[k] };
    OclConst *next = ocl_fold_binary (im, pair, 2);
    ocl_const_free (acc);
    acc = next;
  }
  return acc;
}

OclConst *
ocl_fold_cast (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *o;
  gint64 to = ocl_attr_int (im->node, "to", OCL_T (FLOAT));

  o = ocl_import_const_new (im, to == OCL_T (FLOAT) || to == OCL_T (DOUBLE)
      || to == OCL_T (FLOAT16) ? OCL_DT_FLOAT : OCL_DT_INT64, x->rank, x->dims);
  if (o == NULL)
    return NULL;
  for (gsize i = 0; i < x->n; i++) {
    double v = ocl_const_get (x, i);
    if (to == OCL_T (BOOL))
      ocl_const_set (o, i, v != 0);
    else if (o->i && x->i)
      o->i[i] = x->i[i];
    else
      ocl_const_set (o, i, o->i ? trunc (v) : v);
  }
  return o;
}

/* DequantizeLinear of a constant (a QDQ file's weights): float weights
 * (x - zero) * scale, per tensor or per output channel (axis 0 for a
 * convolution's weight, whatever axis the node names). */
OclConst *
ocl_fold_dequantize (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *s = in[1], *z = n_in > 2 ? in[2] : NULL, *o;
  gint64 axis = ocl_attr_int (im->node, "axis", 1);
  gsize inner = 1, per;
  int a;

  if (x->dtype != OCL_DT_INT64 || s->dtype != OCL_DT_FLOAT
      || (z && z->n != s->n)) {
    OCL_UNSUPPORTED (im, "an integer input, float scales and as many zero "
        "points are supported");
    return NULL;
  }
  if (ocl_attr_int (im->node, "block_size", 0) != 0) {
    OCL_UNSUPPORTED (im, "blocked quantization is not supported");
    return NULL;
  }
  a = s->n == 1 ? 0 : ocl_norm_axis (axis, x->rank);
  if (s->n != 1 && (a < 0 || s->rank != 1 || x->dims[a] != (gint64) s->n)) {
    OCL_UNSUPPORTED (im, "%" G_GSIZE_FORMAT " scales do not match axis %"
        G_GINT64_FORMAT " of the input", s->n, axis);
    return NULL;
  }
  for (int d = a + 1; s->n != 1 && d < x->rank; d++)
    inner *= x->dims[d];
  if (!(o = ocl_import_const_new (im, OCL_DT_FLOAT, x->rank, x->dims)))
    return NULL;
  per = s->n == 1 ? x->n : inner;
  for (gsize k = 0; k < x->n; k++) {
    gsize ch = s->n == 1 ? 0 : k / per % s->n;
    o->f[k] = (float) ((ocl_const_get_int (x, k) -
            (z ? ocl_const_get_int (z, ch) : 0)) * ocl_const_get (s, ch));
  }
  return o;
}

OclConst *
ocl_fold_shape (OclImport * im, OclConst ** in, int n_in)
{
  gint64 r = in[0]->rank;
  OclConst *o = ocl_import_const_new (im, OCL_DT_INT64, 1, &r);

  if (o)
    memcpy (o->i, in[0]->dims, r * sizeof (gint64));
  return o;
}

OclConst *
ocl_fold_constant_of_shape (OclImport * im, OclConst ** in, int n_in)
{
  Onnx__AttributeProto *a = ocl_attr_find (im->node, "value");
  gint64 dims[OCL_MAX_RANK];
  OclConst *v = NULL, *o;
  double fill;
  int k = ocl_const_ints (in[0], dims, OCL_MAX_RANK);

  if (in[0]->rank != 1 || k > OCL_MAX_RANK) {
    OCL_UNSUPPORTED (im, "its shape input must be a 1-D list of at most %d "
        "dimensions", OCL_MAX_RANK);
    return NULL;
  }
  if (a && a->t && !(v = ocl_import_tensor (im, a->t, "value")))
    return NULL;
  fill = v && v->n ? ocl_const_get (v, 0) : 0.0;
  o = ocl_import_const_new (im, v ? v->dtype : OCL_DT_FLOAT, k, dims);
  ocl_const_free (v);
  if (o == NULL)
    return NULL;
  for (gsize i = 0; i < o->n; i++)
    ocl_const_set (o, i, fill);
  return o;
}

OclConst *
ocl_fold_gather (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *ind, *o;
  gint64 dims[OCL_MAX_RANK], oi[OCL_MAX_RANK], xi[OCL_MAX_RANK];
  int axis, rank, r = 0;

  ind = in[1];
  axis = ocl_norm_axis (ocl_attr_int (im->node, "axis", 0), x->rank);
  rank = x->rank - 1 + ind->rank;
  if (axis < 0 || rank > OCL_MAX_RANK) {
    OCL_UNSUPPORTED (im, "bad Gather axis");
    return NULL;
  }
  for (int d = 0; d < axis; d++)
    dims[r++] = x->dims[d];
  for (int d = 0; d < ind->rank; d++)
    dims[r++] = ind->dims[d];
  for (int d = axis + 1; d < x->rank; d++)
    dims[r++] = x->dims[d];
  if (!(o = ocl_import_const_new (im, x->dtype, rank, dims)))
    return NULL;
  for (gsize i = 0; i < o->n; i++) {
    gint64 j;
    unravel (i, rank, dims, oi);
    j = ocl_const_get_int (ind, ravel (ind->rank, ind->dims, oi + axis));
    if (j < 0 && j >= -x->dims[axis])
      j += x->dims[axis];
    if (j < 0 || j >= x->dims[axis]) {
      ocl_const_free (o);
      OCL_UNSUPPORTED (im, "Gather index %" G_GINT64_FORMAT " out of range", j);
      return NULL;
    }
    for (int d = 0; d < axis; d++)
      xi[d] = oi[d];
    xi[axis] = j;
    for (int d = axis + 1; d < x->rank; d++)
      xi[d] = oi[d - 1 + ind->rank];
    ocl_const_set (o, i, ocl_const_get (x, ravel (x->rank, x->dims, xi)));
  }
  return o;
}

/* Unsqueeze and Squeeze: the axes from input 1 (opset 13) or the
 * attribute, each at most once and in range. */
static OclConst *
fold_squeeze_common (OclImport * im, OclConst ** in, int n_in, gboolean unsq)
{
  OclConst *x = in[0], *o;
  gboolean mark[OCL_MAX_RANK] = { 0 };
  gint64 ints[OCL_MAX_RANK], dims[OCL_MAX_RANK];
  int n_axes = n_in > 1 ? ocl_const_ints (in[1], ints, OCL_MAX_RANK) :
      ocl_attr_ints (im->node, "axes", ints, OCL_MAX_RANK);
  int rank, r = 0, src = 0;

  if (unsq && n_axes <= 0) {
    OCL_MALFORMED (im, "it names no axes; Unsqueeze needs at least one (%s)",
        im->model->opset >= 13 ? "its second input" : "attribute 'axes'");
    return NULL;
  }
  if (n_axes > OCL_MAX_RANK) {
    OCL_UNSUPPORTED (im, "%d axes (at most %d)", n_axes, OCL_MAX_RANK);
    return NULL;
  }
  rank = unsq ? x->rank + n_axes : x->rank;
  if (rank > OCL_MAX_RANK) {
    OCL_UNSUPPORTED (im, "the result would have rank %d (at most %d)", rank,
        OCL_MAX_RANK);
    return NULL;
  }
  for (int i = 0; i < n_axes; i++) {
    int a = ocl_norm_axis (ints[i], rank);
    if (a < 0 || mark[a] || (!unsq && x->dims[a] != 1)) {
      OCL_UNSUPPORTED (im, "axis %" G_GINT64_FORMAT " is out of range, "
          "repeated or (Squeeze) not of size 1", ints[i]);
      return NULL;
    }
    mark[a] = TRUE;
  }
  for (int d = 0; d < rank; d++) {
    if (unsq)
      dims[r++] = mark[d] ? 1 : x->dims[src++];
    else if (!(n_axes > 0 ? mark[d] : x->dims[d] == 1))
      dims[r++] = x->dims[d];
  }
  if (!(o = ocl_import_const_copy (im, x)))
    return NULL;
  o->rank = r;
  memcpy (o->dims, dims, sizeof (dims));
  return o;
}

OclConst *
ocl_fold_unsqueeze (OclImport * im, OclConst ** in, int n_in)
{
  return fold_squeeze_common (im, in, n_in, TRUE);
}

OclConst *
ocl_fold_squeeze (OclImport * im, OclConst ** in, int n_in)
{
  return fold_squeeze_common (im, in, n_in, FALSE);
}

OclConst *
ocl_fold_concat (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *o;
  int axis = ocl_norm_axis (ocl_attr_int (im->node, "axis", 0), x->rank);
  gint64 dims[OCL_MAX_RANK], idx[OCL_MAX_RANK];
  gsize off = 0;

  if (axis < 0) {
    OCL_UNSUPPORTED (im, "axis %" G_GINT64_FORMAT " is out of range for "
        "rank %d", ocl_attr_int (im->node, "axis", 0), x->rank);
    return NULL;
  }
  memcpy (dims, x->dims, sizeof (dims));
  dims[axis] = 0;
  for (int i = 0; i < n_in; i++) {
    if (in[i] == NULL || in[i]->rank != x->rank) {
      OCL_UNSUPPORTED (im, "inputs of different ranks");
      return NULL;
    }
    for (int d = 0; d < x->rank; d++)
      if (d != axis && in[i]->dims[d] != x->dims[d]) {
        OCL_UNSUPPORTED (im, "inputs differ in dimension %d", d);
        return NULL;
      }
    /* Each dimension < 2^28: the sum cannot wrap before the check. */
    dims[axis] += in[i]->dims[axis];
    if ((guint64) dims[axis] > OCL_MAX_CONST_ELEMENTS) {
      OCL_UNSUPPORTED (im, "the result is too large");
      return NULL;
    }
  }
  if (!(o = ocl_import_const_new (im, x->dtype, x->rank, dims)))
    return NULL;
  for (int i = 0; i < n_in; i++) {
    for (gsize j = 0; j < in[i]->n; j++) {
      unravel (j, x->rank, in[i]->dims, idx);
      idx[axis] += off;
      ocl_const_set (o, ravel (x->rank, dims, idx), ocl_const_get (in[i], j));
    }
    off += in[i]->dims[axis];
  }
  return o;
}

OclConst *
ocl_fold_transpose (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *o;
  gint64 perm[OCL_MAX_RANK], idx[OCL_MAX_RANK], src[OCL_MAX_RANK],
      dims[OCL_MAX_RANK];
  gboolean seen[OCL_MAX_RANK] = { 0 };
  int k = ocl_attr_ints (im->node, "perm", perm, OCL_MAX_RANK);

  if (k < 0) {
    for (int d = 0; d < x->rank; d++)
      perm[d] = x->rank - 1 - d;
  } else if (k != x->rank) {
    OCL_UNSUPPORTED (im, "perm has %d entries for rank %d", k, x->rank);
    return NULL;
  }
  for (int d = 0; d < x->rank; d++) {
    if (perm[d] < 0 || perm[d] >= x->rank || seen[perm[d]]) {
      OCL_UNSUPPORTED (im, "perm is not a permutation of 0..%d", x->rank - 1);
      return NULL;
    }
    seen[perm[d]] = TRUE;
    dims[d] = x->dims[perm[d]];
  }
  if (!(o = ocl_import_const_new (im, x->dtype, x->rank, dims)))
    return NULL;
  for (gsize i = 0; i < o->n; i++) {
    unravel (i, x->rank, dims, idx);
    for (int d = 0; d < x->rank; d++)
      src[perm[d]] = idx[d];
    ocl_const_set (o, i, ocl_const_get (x, ravel (x->rank, x->dims, src)));
  }
  return o;
}

OclConst *
ocl_fold_reshape (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *o;
  gint64 dims[OCL_MAX_RANK];

  if (!ocl_import_resolve_reshape (im, in[1], x->rank, x->dims, x->n, dims)
      || !(o = ocl_import_const_copy (im, x)))
    return NULL;
  o->rank = in[1]->n;
  memcpy (o->dims, dims, sizeof (dims));
  return o;
}

OclConst *
ocl_fold_slice (OclImport * im, OclConst ** in, int n_in)
{
  OclConst *x = in[0], *o;
  Onnx__NodeProto *node = im->node;
  gint64 st[OCL_MAX_RANK], en[OCL_MAX_RANK], ax[OCL_MAX_RANK],
      sp[OCL_MAX_RANK], start[OCL_MAX_RANK], step[OCL_MAX_RANK],
      dims[OCL_MAX_RANK], idx[OCL_MAX_RANK];
  int n = n_in >= 3 ? ocl_const_ints (in[1], st, OCL_MAX_RANK) :
      ocl_attr_ints (node, "starts", st, OCL_MAX_RANK);
  int ne = n_in >= 3 ? ocl_const_ints (in[2], en, OCL_MAX_RANK) :
      ocl_attr_ints (node, "ends", en, OCL_MAX_RANK);
  int na = n_in >= 4 ? ocl_const_ints (in[3], ax, OCL_MAX_RANK) :
      n_in >= 3 ? -1 : ocl_attr_ints (node, "axes", ax, OCL_MAX_RANK);
  int ns = n_in >= 5 ? ocl_const_ints (in[4], sp, OCL_MAX_RANK) : -1;

  if (n < 0 || n != ne || n > x->rank || (na >= 0 && na != n)
      || (ns >= 0 && ns != n)) {
    OCL_UNSUPPORTED (im, "inconsistent starts/ends/axes/steps");
    return NULL;
  }
  for (int d = 0; d < x->rank; d++) {
    start[d] = 0;
    step[d] = 1;
    dims[d] = x->dims[d];
  }
  for (int k = 0; k < n; k++) {
    int d = ocl_norm_axis (na >= 0 ? ax[k] : k, x->rank);
    if (d < 0 || (ns >= 0 && sp[k] == 0)) {
      OCL_UNSUPPORTED (im, "bad Slice axis or step");
      return NULL;
    }
    ocl_slice_range (x->dims[d], st[k], en[k], ns >= 0 ? sp[k] : 1,
        &start[d], &step[d], &dims[d]);
  }
  if (!(o = ocl_import_const_new (im, x->dtype, x->rank, dims)))
    return NULL;
  for (gsize k = 0; k < o->n; k++) {
    unravel (k, o->rank, dims, idx);
    for (int d = 0; d < x->rank; d++)
      idx[d] = start[d] + idx[d] * step[d];
    ocl_const_set (o, k, ocl_const_get (x, ravel (x->rank, x->dims, idx)));
  }
  return o;
}

/* Integer arithmetic saturates and x / 0 is 0: a file must not reach C's
 * undefined overflow or a division trap. */
static gint64
int_op (char op, gint64 x, gint64 y)
{
  gint64 r;

  switch (op) {
    case 'A':
      if (__builtin_add_overflow (x, y, &r))
        r = x > 0 ? G_MAXINT64 : G_MININT64;
      return r;
    case 'S':
      if (__builtin_sub_overflow (x, y, &r))
        r = x >= 0 ? G_MAXINT64 : G_MININT64;
      return r;
    case 'M':
      if (__builtin_mul_overflow (x, y, &r))
        r = (x < 0) != (y < 0) ? G_MININT64 : G_MAXINT64;
      return r;
    default:
      if (y == 0)
        return 0;
      if (x == G_MININT64 && y == -1)
        return G_MAXINT64;
      return x / y;
  }
}

static double
float_op (char op, double x, double y)
{
  switch (op) {
    case 'A':
      return x + y;
    case 'S':
      return x - y;
    case 'M':
      return x * y;
    default:
      return x / y;
  }
}

/* Add, Sub, Mul, Div with numpy broadcasting (Sum of two is Add). */
OclConst *
ocl_fold_binary (OclImport * im, OclConst ** in, int n_in)
{
  gint64 dims[OCL_MAX_RANK], ia[OCL_MAX_RANK], ib[OCL_MAX_RANK],
      io[OCL_MAX_RANK], da[OCL_MAX_RANK], db[OCL_MAX_RANK];
  char op = im->op->arith;
  OclConst *a = in[0], *b, *o;
  int rank;

  if (n_in != 2) {
    OCL_UNSUPPORTED (im, "it needs 2 inputs");
    return NULL;
  }
  b = in[1];
  rank = MAX (a->rank, b->rank);
  for (int d = 0; d < rank; d++) {
    int ka = d - (rank - a->rank), kb = d - (rank - b->rank);
    da[d] = ka >= 0 ? a->dims[ka] : 1;
    db[d] = kb >= 0 ? b->dims[kb] : 1;
    if (da[d] != db[d] && da[d] != 1 && db[d] != 1) {
      OCL_UNSUPPORTED (im, "constant operands do not broadcast");
      return NULL;
    }
    dims[d] = da[d] == 1 ? db[d] : da[d];
  }
  if (!(o = ocl_import_const_new (im, a->dtype, rank, dims)))
    return NULL;
  for (gsize k = 0; k < o->n; k++) {
    gsize ka, kb;
    unravel (k, rank, dims, io);
    for (int d = 0; d < rank; d++) {
      ia[d] = da[d] == 1 ? 0 : io[d];
      ib[d] = db[d] == 1 ? 0 : io[d];
    }
    ka = ravel (rank, da, ia);
    kb = ravel (rank, db, ib);
    if (o->i && a->i && b->i)
      o->i[k] = int_op (op, a->i[ka], b->i[kb]);
    else
      ocl_const_set (o, k, float_op (op, ocl_const_get (a, ka),
              ocl_const_get (b, kb)));
  }
  return o;
}
