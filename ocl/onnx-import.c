/* ONNX import, the toolkit every importer uses: the node's error,
 * names and their entries (constants, values, quantized tensors, stacks),
 * attributes, tensors and initializers, quantization parameters, and the
 * graph nodes a node becomes.  The walk over a model's nodes is
 * onnx-walk.c; it calls into the importers, which call into this file,
 * never the other way. */
#include <math.h>
#include <string.h>
#include "onnx-import.h"

/* ---- state and errors ---------------------------------------------------- */

void
ocl_import_entry_free (OclEntry * e)
{
  ocl_const_free (e->c);
  if (e->stack)
    g_array_unref (e->stack);
  if (e->quant) {
    g_free (e->quant->scale);
    g_free (e->quant->zero);
    g_free (e->quant);
  }
  g_free (e);
}

gboolean
ocl_import_error (OclImport * im, OclError code, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (im->error, OCL_ERROR, code, "node '%s' (%s): %s",
      im->node_name, im->node->op_type, msg);
  return FALSE;
}

void
ocl_import_define_const (OclImport * im, const char *name, OclConst * c)
{
  OclEntry *e = g_new0 (OclEntry, 1);
  e->c = c;
  g_hash_table_replace (im->names, g_strdup (name), e);
}

void
ocl_import_define_value (OclImport * im, const char *name, int v)
{
  OclEntry *e = g_new0 (OclEntry, 1);
  e->value = v;
  g_hash_table_replace (im->names, g_strdup (name), e);
}

void
ocl_import_define_quant (OclImport * im, const char *name, OclQuant * q)
{
  OclEntry *e = g_new0 (OclEntry, 1);
  e->value = q->value;
  e->quant = q;
  g_hash_table_replace (im->names, g_strdup (name), e);
}

/* Charges @bytes of computed constants against OCL_MAX_FOLD_BYTES. */
static gboolean
charge_folded (OclImport * im, gsize bytes)
{
  if (bytes > OCL_MAX_FOLD_BYTES - im->folded_bytes)
    return OCL_UNSUPPORTED (im, "constants computed at load time would "
        "exceed %" G_GSIZE_FORMAT " MiB", OCL_MAX_FOLD_BYTES >> 20);
  im->folded_bytes += bytes;
  return TRUE;
}

OclConst *
ocl_import_const_new (OclImport * im, OclDType dtype, int rank,
    const gint64 * dims)
{
  gsize n;

  if (!ocl_const_count (rank, dims, &n)) {
    OCL_UNSUPPORTED (im, "its result (rank %d) would have a negative "
        "dimension, a rank above %d or more than %" G_GSIZE_FORMAT
        " elements", rank, OCL_MAX_RANK, OCL_MAX_CONST_ELEMENTS);
    return NULL;
  }
  if (!charge_folded (im, n * (dtype == OCL_DT_FLOAT ? sizeof (float) :
              sizeof (gint64))))
    return NULL;
  return ocl_const_new (dtype, rank, dims);
}

/* A borrowed constant's copy borrows too: it costs nothing. */
OclConst *
ocl_import_const_copy (OclImport * im, const OclConst * c)
{
  if (!c->raw && !charge_folded (im, c->n * (c->dtype == OCL_DT_FLOAT ?
              sizeof (float) : sizeof (gint64))))
    return NULL;
  return ocl_const_copy (c);
}

/* ---- attributes and small helpers ----------------------------------------- */

Onnx__AttributeProto *
ocl_attr_find (Onnx__NodeProto * n, const char *name)
{
  for (size_t i = 0; i < n->n_attribute; i++)
    if (g_strcmp0 (n->attribute[i]->name, name) == 0)
      return n->attribute[i];
  return NULL;
}

gint64
ocl_attr_int (Onnx__NodeProto * n, const char *name, gint64 def)
{
  Onnx__AttributeProto *a = ocl_attr_find (n, name);
  return a && a->has_i ? a->i : def;
}

float
ocl_attr_float (Onnx__NodeProto * n, const char *name, float def)
{
  Onnx__AttributeProto *a = ocl_attr_find (n, name);
  return a && a->has_f ? a->f : def;
}

int
ocl_attr_ints (Onnx__NodeProto * n, const char *name, gint64 * out, int max)
{
  Onnx__AttributeProto *a = ocl_attr_find (n, name);
  int k;

  if (a == NULL)
    return -1;
  k = (int) MIN (a->n_ints, (size_t) max);
  for (int i = 0; i < k; i++)
    out[i] = a->ints[i];
  return (int) MIN (a->n_ints, (size_t) G_MAXINT);
}

char *
ocl_attr_string (Onnx__NodeProto * n, const char *name, const char *def)
{
  Onnx__AttributeProto *a = ocl_attr_find (n, name);
  if (a == NULL || !a->has_s)
    return g_strdup (def);
  return g_strndup ((const char *) a->s.data, a->s.len);
}

int
ocl_const_ints (const OclConst * c, gint64 * out, int max)
{
  int n;
  if (c == NULL)
    return -1;
  n = (int) MIN (c->n, (gsize) max);
  for (int i = 0; i < n; i++)
    out[i] = ocl_const_get_int (c, i);
  return (int) MIN (c->n, (gsize) G_MAXINT);
}

int
ocl_norm_axis (gint64 axis, int rank)
{
  if (axis < -(gint64) rank || axis >= rank)
    return -1;
  return (int) (axis < 0 ? axis + rank : axis);
}

void
ocl_slice_range (gint64 dim, gint64 s, gint64 e, gint64 step, gint64 * start,
    gint64 * step_out, gint64 * size)
{
  /* |step| > dim gives one element at most: clamping it changes nothing
   * and keeps the arithmetic below far from overflow. */
  step = CLAMP (step, -((gint64) 1 << 32), (gint64) 1 << 32);
  if (s < 0)
    s += dim;
  if (e < 0)
    e += dim;
  if (step > 0) {
    s = CLAMP (s, 0, dim);
    e = CLAMP (e, 0, dim);
    *size = e > s ? (e - s + step - 1) / step : 0;
  } else {
    s = CLAMP (s, 0, dim - 1);
    e = CLAMP (e, -1, dim - 1);
    *size = s > e ? (s - e - step - 1) / -step : 0;
  }
  *start = s;
  *step_out = step;
}

gboolean
ocl_import_resolve_reshape (OclImport * im, const OclConst * shape,
    int in_rank, const gint64 * in_dims, gsize total, gint64 * out)
{
  gsize known = 1;
  int infer = -1;
  gboolean allowzero = ocl_attr_int (im->node, "allowzero", 0);

  if (shape->rank != 1 || shape->n > OCL_MAX_RANK)
    return OCL_UNSUPPORTED (im, "the target shape must be a 1-D tensor of "
        "rank <= %d", OCL_MAX_RANK);
  for (gsize d = 0; d < shape->n; d++) {
    gint64 v = ocl_const_get_int (shape, d);
    if (v == 0 && !allowzero) {
      if ((int) d >= in_rank)
        return OCL_UNSUPPORTED (im, "shape entry 0 at position %d has no "
            "input dimension to copy", (int) d);
      v = in_dims[d];
    }
    if (v == -1) {
      if (infer >= 0)
        return OCL_UNSUPPORTED (im, "more than one -1 in the target shape");
      infer = d;
      v = 1;
    } else if (v < 0 || (guint64) v > OCL_MAX_CONST_ELEMENTS)
      return OCL_UNSUPPORTED (im, "bad target dimension %" G_GINT64_FORMAT, v);
    out[d] = v;
    if (known != G_MAXSIZE && (!g_size_checked_mul (&known, known, (gsize) v)
            || known > OCL_MAX_CONST_ELEMENTS))
      known = G_MAXSIZE;        /* too many: cannot equal total */
  }
  if (infer >= 0) {
    if (known == 0 || known == G_MAXSIZE || total % known)
      return ocl_import_error (im, OCL_ERROR_SHAPE, "cannot reshape %"
          G_GSIZE_FORMAT " elements with a -1 dimension", total);
    out[infer] = total / known;
    known = total;
  }
  if (known != total)
    return ocl_import_error (im, OCL_ERROR_SHAPE, "cannot reshape %"
        G_GSIZE_FORMAT " elements into this shape", total);
  return TRUE;
}

/* ---- quantization ------------------------------------------------------- */

gboolean
ocl_import_quant_params (OclImport * im, OclConst ** in, int n_in, int rank,
    int c, int *n, float **scale, float **zero, float *qmin, float *qmax)
{
  OclConst *s = n_in > 1 ? in[1] : NULL, *z = n_in > 2 ? in[2] : NULL;
  gint64 axis = ocl_attr_int (im->node, "axis", 1);
  int type = z ? z->elem_type : OCL_T (UINT8);

  if (s == NULL || s->dtype != OCL_DT_FLOAT)
    return OCL_UNSUPPORTED (im, "its scale must be a float constant");
  if (ocl_attr_int (im->node, "block_size", 0) != 0)
    return OCL_UNSUPPORTED (im, "blocked quantization is not supported");
  if (z && z->n != s->n)
    return OCL_MALFORMED (im, "%" G_GSIZE_FORMAT " scales and %" G_GSIZE_FORMAT
        " zero points", s->n, z->n);
  if (s->n != 1 && (s->rank != 1 || ocl_norm_axis (axis, rank) < 0
          || (ocl_norm_axis (axis, rank) != 1 && rank > 1)
          || s->n != (gsize) c))
    return OCL_UNSUPPORTED (im, "%" G_GSIZE_FORMAT " scales: per tensor or "
        "per channel (axis 1, %d of them) is supported", s->n, c);
  switch (type) {
    case OCL_T (INT8):
      *qmin = -128.0f, *qmax = 127.0f;
      break;
    case OCL_T (UINT8):
      *qmin = 0.0f, *qmax = 255.0f;
      break;
    case OCL_T (INT16):
      *qmin = -32768.0f, *qmax = 32767.0f;
      break;
    case OCL_T (UINT16):
      *qmin = 0.0f, *qmax = 65535.0f;
      break;
    default:
      return OCL_UNSUPPORTED (im, "quantization to element type %d is not "
          "supported (int8, uint8, int16, uint16)", type);
  }
  *n = (int) s->n;
  *scale = g_new (float, *n);
  *zero = g_new (float, *n);
  for (int k = 0; k < *n; k++) {
    (*scale)[k] = ocl_const_get (s, k);
    (*zero)[k] = z ? ocl_const_get (z, k) : 0.0f;
    if (!isfinite ((*scale)[k]) || (*scale)[k] <= 0.0f
        || (*zero)[k] < *qmin || (*zero)[k] > *qmax) {
      g_clear_pointer (scale, g_free);
      g_clear_pointer (zero, g_free);
      return OCL_MALFORMED (im, "scale %g or zero point %g out of range",
          ocl_const_get (s, k), z ? ocl_const_get (z, k) : 0.0);
    }
  }
  return TRUE;
}

/* ---- tensors ------------------------------------------------------------ */

/* Fills @c from little-endian bytes of element type @dt (x86 and ARM
 * OpenCL hosts are little-endian, as the ONNX raw format is): the types
 * ocl_import_tensor () converts rather than views. */
static void
const_fill_raw (OclConst * c, const guint8 * data, int dt)
{
  int es = ocl_elem_size (dt);

  if (dt == OCL_T (INT64) && c->i) {
    memcpy (c->i, data, c->n * 8);
    return;
  }
  for (gsize k = 0; k < c->n; k++)
    ocl_const_set (c, k, ocl_raw_elem (data + k * es, dt));
}

static gboolean
parse_offset (const char *v, gint64 * out)
{
  guint64 u;

  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT64, &u, NULL))
    return FALSE;
  *out = (gint64) u;
  return TRUE;
}

/* The external data of @t, checked to hold exactly @bytes: a view into
 * the file the model mapped when it loaded (ocl_model_load() checked the
 * location and opened the file). */
static gboolean
tensor_external (OclImport * im, Onnx__TensorProto * t, const char *name,
    gsize bytes, const guint8 ** data)
{
  const char *loc = ocl_model_external_location (t);
  gint64 offset = 0, length = -1;
  GMappedFile *file;
  gsize flen;

  for (size_t i = 0; i < t->n_external_data; i++) {
    const char *k = t->external_data[i]->key, *v = t->external_data[i]->value;
    if (g_strcmp0 (k, "offset") == 0 && !parse_offset (v, &offset))
      return OCL_MALFORMED (im, "external data of tensor '%s' has a bad "
          "offset", name);
    else if (g_strcmp0 (k, "length") == 0 && !parse_offset (v, &length))
      return OCL_MALFORMED (im, "external data of tensor '%s' has a bad "
          "length", name);
  }
  /* Mapped when the model loaded: every external tensor of the file is. */
  file = loc ? g_hash_table_lookup (im->model->externals, loc) : NULL;
  if (file == NULL)
    return OCL_MALFORMED (im, "external data of tensor '%s' was not "
        "mapped", name);
  flen = g_mapped_file_get_length (file);
  if ((guint64) offset > flen)
    length = -2;
  else if (length < 0)
    length = (gint64) (flen - offset);
  if (length != (gint64) bytes || (guint64) length > flen - offset)
    return OCL_MALFORMED (im, "external data of tensor '%s' in '%s' does not "
        "fit (offset %" G_GINT64_FORMAT ", %" G_GSIZE_FORMAT " bytes needed, "
        "file has %" G_GSIZE_FORMAT ")", name, loc, offset, bytes, flen);
  *data = bytes ? (const guint8 *) g_mapped_file_get_contents (file) + offset
      : NULL;
  return TRUE;
}

/* The number of values @t holds in its typed field for type @dt. */
static size_t
typed_count (const Onnx__TensorProto * t, int dt)
{
  switch (dt) {
    case OCL_T (FLOAT):
      return t->n_float_data;
    case OCL_T (DOUBLE):
      return t->n_double_data;
    case OCL_T (INT64):
      return t->n_int64_data;
    case OCL_T (UINT64):
    case OCL_T (UINT32):
      return t->n_uint64_data;
    default:
      return t->n_int32_data;
  }
}

static double
typed_value (const Onnx__TensorProto * t, int dt, gsize k)
{
  switch (dt) {
    case OCL_T (FLOAT):
      return t->float_data[k];
    case OCL_T (DOUBLE):
      return t->double_data[k];
    case OCL_T (UINT64):
    case OCL_T (UINT32):
      return (double) t->uint64_data[k];
    case OCL_T (FLOAT16):
      /* The bits of each half, one to an int32 (onnx.proto). */
      return ocl_half_to_float ((guint16) t->int32_data[k]);
      /* The narrow types sit in int32s too: a value out of the type's
       * range wraps, as a cast to the type does (and onnxruntime). */
    case OCL_T (INT8):
      return (gint8) t->int32_data[k];
    case OCL_T (UINT8):
      return (guint8) t->int32_data[k];
    case OCL_T (INT16):
      return (gint16) t->int32_data[k];
    case OCL_T (UINT16):
      return (guint16) t->int32_data[k];
    case OCL_T (BOOL):
      return t->int32_data[k] != 0;
    default:
      return t->int32_data[k];
  }
}

OclConst *
ocl_import_tensor (OclImport * im, Onnx__TensorProto * t, const char *what)
{
  const guint8 *data = NULL;
  gint64 dims[OCL_MAX_RANK];
  int dt = t->data_type, es = ocl_elem_size (dt);
  const char *name = t->name && t->name[0] ? t->name : what;
  gsize n, bytes;
  OclConst *c;

  if (t->n_dims > OCL_MAX_RANK) {
    OCL_UNSUPPORTED (im, "tensor '%s' has rank %" G_GSIZE_FORMAT " (at most "
        "%d)", name, (gsize) t->n_dims, OCL_MAX_RANK);
    return NULL;
  }
  if (es == 0) {
    OCL_UNSUPPORTED (im, "tensor '%s' has element type %d; float32, float16, "
        "float64 and integer tensors are supported", name, dt);
    return NULL;
  }
  for (size_t i = 0; i < t->n_dims; i++)
    dims[i] = t->dims[i];
  if (!ocl_const_count (t->n_dims, dims, &n)) {
    OCL_MALFORMED (im, "tensor '%s' has a negative dimension or more than %"
        G_GSIZE_FORMAT " elements", name, OCL_MAX_CONST_ELEMENTS);
    return NULL;
  }
  bytes = n * es;               /* < 2^31: cannot wrap */

  /* Where the data is, and that it is all there: before any allocation. */
  if (t->has_data_location
      && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    if (!tensor_external (im, t, name, bytes, &data))
      return NULL;
  } else if (t->has_raw_data) {
    if (t->raw_data.len != bytes) {
      OCL_MALFORMED (im, "tensor '%s' holds %" G_GSIZE_FORMAT " bytes, its "
          "shape needs %" G_GSIZE_FORMAT, name, (gsize) t->raw_data.len, bytes);
      return NULL;
    }
    data = t->raw_data.data;
  } else if (typed_count (t, dt) != n) {
    OCL_MALFORMED (im, "tensor '%s' holds %" G_GSIZE_FORMAT " values, its "
        "shape needs %" G_GSIZE_FORMAT, name, (gsize) typed_count (t, dt), n);
    return NULL;
  }

  /* Bytes in the model's file (raw_data, or external data it mapped) are
   * viewed, not copied: the model outlives its import.  Only float16,
   * float64 and 64-bit integers are converted: float16 widens to float32
   * here, as the net runs in float32. */
  if (data && n > 0 && (es <= 4 && dt != OCL_T (FLOAT16))) {
    c = ocl_const_new_view (dt == OCL_T (FLOAT) ? OCL_DT_FLOAT :
        OCL_DT_INT64, t->n_dims, dims, data, dt);
    return c;
  }
  c = ocl_const_new (dt == OCL_T (FLOAT) || dt == OCL_T (DOUBLE)
      || dt == OCL_T (FLOAT16) ? OCL_DT_FLOAT : OCL_DT_INT64, t->n_dims, dims);
  if (data)
    const_fill_raw (c, data, dt);
  else if (dt == OCL_T (INT64) && n > 0)
    memcpy (c->i, t->int64_data, n * sizeof (gint64));
  else
    for (gsize k = 0; k < n; k++)
      ocl_const_set (c, k, typed_value (t, dt, k));
  c->elem_type = dt;
  return c;
}

/* ---- entries and nodes ---------------------------------------------------- */

/* Imports initializer entry @e on its first use; errors name it as the
 * node "'NAME' (initializer)". */
gboolean
ocl_import_entry_resolve (OclImport * im, OclEntry * e)
{
  Onnx__NodeProto fake = ONNX__NODE_PROTO__INIT;
  Onnx__NodeProto *node = im->node;
  char *node_name = im->node_name;

  fake.op_type = (char *) "initializer";
  im->node = &fake;
  im->node_name = e->init->name;
  e->c = ocl_import_tensor (im, e->init, "initializer");
  im->node = node;
  im->node_name = node_name;
  if (e->c == NULL)
    return FALSE;
  e->init = NULL;
  return TRUE;
}

int
ocl_import_add_node (OclImport * im, OclOpType op, int a, int b)
{
  int i = ocl_graph_add_node (im->g, op, im->node_name, im->node->op_type);
  OclNode *n = OCL_NODE (im->g, i);

  n->in[0] = a;
  n->n_in = 1;
  if (b >= 0) {
    n->in[1] = b;
    n->n_in = 2;
  }
  return i;
}

int
ocl_import_infer_node (OclImport * im, int i, const char *suffix)
{
  g_autofree char *name = g_strdup_printf ("%s%s", im->node->output[0],
      suffix);

  if (!ocl_graph_infer_node (im->g, i, name, im->error))
    return -1;
  return OCL_NODE (im->g, i)->out;
}

OclValue *
ocl_import_value (OclImport * im, int v)
{
  return OCL_VALUE (im->g, v);
}

int
ocl_import_new_node (OclImport * im, OclOpType op, int x)
{
  return ocl_import_add_node (im, op, x, -1);
}

gboolean
ocl_import_finish_node (OclImport * im, int i)
{
  int out = ocl_import_infer_node (im, i, "");

  if (out < 0)
    return FALSE;
  ocl_import_define_value (im, im->node->output[0], out);
  return TRUE;
}

/* A value named after the node's output that shares @x's storage (its
 * root's, when @x is an alias itself), of the dimensions given.  Adding a
 * value may move the values, so nothing of @x is read after. */
int
ocl_import_alias_value (OclImport * im, int x, int rank, gint64 n, gint64 c,
    gint64 h, gint64 w)
{
  int root = ocl_import_value (im, x)->alias >= 0 ? ocl_import_value (im,
      x)->alias : x;
  int a = ocl_graph_add_value (im->g, im->node->output[0], rank, n, c, h, w);

  OCL_VALUE (im->g, a)->alias = root;
  return a;
}

gboolean
ocl_import_need_const (OclImport * im, OclConst * c, const char *what)
{
  if (c == NULL)
    return OCL_UNSUPPORTED (im, "its %s must be a constant (an "
        "initializer); tensors computed at run time are not supported there",
        what);
  if (c->dtype != OCL_DT_FLOAT)
    return OCL_UNSUPPORTED (im, "its %s must be a float tensor", what);
  return TRUE;
}

/* The ONNX dimensions of run-time value @v (rank 2: N, C; rank 3: N, C,
 * L, held as W). */
int
ocl_import_logical_dims (const OclValue * v, gint64 * d)
{
  d[0] = v->n;
  d[1] = v->c;
  d[2] = v->rank == 3 ? v->w : v->h;
  d[3] = v->w;
  return v->rank;
}
