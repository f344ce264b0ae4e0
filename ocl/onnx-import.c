/* ONNX import: protobuf-c reading, constant folding of the shape sub-graphs
 * exporters emit, and translation of the remaining nodes into the graph IR
 * for one concrete input shape.
 *
 * Nodes are visited in file order (ONNX requires topological order).  A node
 * whose inputs are all constants and whose op is foldable is evaluated here;
 * Shape of a runtime tensor is a constant because every shape is known once
 * the input shape is; everything else must be a runtime op we support. */
#include <math.h>
#include <string.h>
#include "ocl-private.h"
#include "onnx.pb-c.h"

#define MIN_OPSET 9
#define MAX_OPSET 17

/* Large raw_data of initializer i, left in the mapped file (NULL: none). */
typedef struct {
  const guint8 *data;
  gsize len;
} RawRef;

struct _OclModel {
  char *path;
  char *dir;
  Onnx__ModelProto *proto;
  GMappedFile *file;            /* while raws point into it */
  GArray *raws;                 /* RawRef per initializer, or NULL */
  gint64 opset;
  const char *input_name;
  gint64 input_shape[4];
};

/* ---- model file --------------------------------------------------------- */

static gboolean
is_onnx_domain (const char *d)
{
  return d == NULL || d[0] == '\0' || strcmp (d, "ai.onnx") == 0;
}

static gboolean
is_initializer (Onnx__GraphProto * g, const char *name)
{
  for (size_t i = 0; i < g->n_initializer; i++)
    if (g_strcmp0 (g->initializer[i]->name, name) == 0)
      return TRUE;
  return FALSE;
}

/* ---- weights left in the file ---------------------------------------------
 *
 * protobuf-c copies every bytes field out of the buffer it parses: for
 * ResNet-50 that is 98 MB of fresh memory, about 50 ms of start-up.  So it
 * parses a copy of the file without the initializers' large raw_data
 * fields, which then point into the mapped file.  Anything unexpected in
 * the wire format (as well as a corrupt file) falls back to a plain parse
 * of the whole file. */

#define RAW_IN_PLACE_MIN 4096   /* bytes: smaller raw_data is parsed as usual */

typedef struct {
  const guint8 *p, *end;
} Cursor;

typedef struct {
  guint64 number;
  int type;
  const guint8 *start, *data, *end;     /* the field, its payload, its end */
} Field;

static gboolean
read_varint (Cursor * c, guint64 * v)
{
  *v = 0;
  for (int shift = 0; shift < 64 && c->p < c->end; shift += 7) {
    guint8 b = *c->p++;
    *v |= (guint64) (b & 0x7f) << shift;
    if (b < 0x80)
      return TRUE;
  }
  return FALSE;
}

static void
write_varint (GByteArray * out, guint64 v)
{
  guint8 b[10];
  guint n = 0;

  do {
    b[n++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
    v >>= 7;
  } while (v);
  g_byte_array_append (out, b, n);
}

static gboolean
next_field (Cursor * c, Field * f)
{
  guint64 key, v;

  f->start = c->p;
  if (!read_varint (c, &key))
    return FALSE;
  f->number = key >> 3;
  f->type = key & 7;
  f->data = c->p;
  switch (f->type) {
    case 0:                    /* varint */
      if (!read_varint (c, &v))
        return FALSE;
      break;
    case 1:                    /* 64-bit */
    case 5:                    /* 32-bit */
      v = f->type == 1 ? 8 : 4;
      if ((guint64) (c->end - c->p) < v)
        return FALSE;
      c->p += v;
      break;
    case 2:                    /* length-delimited */
      if (!read_varint (c, &v) || (guint64) (c->end - c->p) < v)
        return FALSE;
      f->data = c->p;
      c->p += v;
      break;
    default:                   /* groups: not used by ONNX */
      return FALSE;
  }
  f->end = c->p;
  return TRUE;
}

static void
append_message (GByteArray * out, guint64 number, const GByteArray * msg)
{
  write_varint (out, number << 3 | 2);
  write_varint (out, msg->len);
  g_byte_array_append (out, msg->data, msg->len);
}

/* TensorProto: all fields but a large raw_data (9), reported in @ref. */
static gboolean
strip_tensor (const guint8 * p, const guint8 * end, GByteArray * out,
    RawRef * ref)
{
  Cursor c = { p, end };
  int raws = 0;
  Field f;

  ref->data = NULL;
  ref->len = 0;
  while (c.p < c.end) {
    if (!next_field (&c, &f))
      return FALSE;
    if (f.number == 9 && f.type == 2 && ++raws > 1)
      return FALSE;             /* last one wins: leave that to protobuf-c */
    if (f.number == 9 && f.type == 2 && f.end - f.data >= RAW_IN_PLACE_MIN) {
      ref->data = f.data;
      ref->len = f.end - f.data;
    } else {
      g_byte_array_append (out, f.start, f.end - f.start);
    }
  }
  return TRUE;
}

/* GraphProto: initializers (5) stripped, one RawRef each, in order. */
static gboolean
strip_graph (const guint8 * p, const guint8 * end, GByteArray * out,
    GArray * raws)
{
  Cursor c = { p, end };
  Field f;

  while (c.p < c.end) {
    if (!next_field (&c, &f))
      return FALSE;
    if (f.number == 5 && f.type == 2) {
      g_autoptr (GByteArray) t = g_byte_array_new ();
      RawRef r;
      if (!strip_tensor (f.data, f.end, t, &r))
        return FALSE;
      append_message (out, 5, t);
      g_array_append_val (raws, r);
    } else {
      g_byte_array_append (out, f.start, f.end - f.start);
    }
  }
  return TRUE;
}

/* ModelProto: its one graph (7) stripped. */
static gboolean
strip_model (const guint8 * p, gsize len, GByteArray * out, GArray * raws)
{
  Cursor c = { p, p + len };
  gboolean graph = FALSE;
  Field f;

  while (c.p < c.end) {
    if (!next_field (&c, &f))
      return FALSE;
    if (f.number == 7 && f.type == 2) {
      g_autoptr (GByteArray) g = g_byte_array_new ();
      if (graph || !strip_graph (f.data, f.end, g, raws))
        return FALSE;           /* a second graph would be merged */
      append_message (out, 7, g);
      graph = TRUE;
    } else {
      g_byte_array_append (out, f.start, f.end - f.start);
    }
  }
  return TRUE;
}

/* Parses @data, leaving large initializer data in @file when it can. */
static void
model_parse (OclModel * m, GMappedFile * file, const guint8 * data, gsize len)
{
  g_autoptr (GByteArray) small = g_byte_array_new ();
  GArray *raws = g_array_new (FALSE, FALSE, sizeof (RawRef));
  Onnx__GraphProto *g;

  if (strip_model (data, len, small, raws)
      && (m->proto = onnx__model_proto__unpack (NULL, small->len,
              small->data)) != NULL) {
    g = m->proto->graph;
    if (g ? g->n_initializer == raws->len : raws->len == 0) {
      for (guint i = 0; i < raws->len; i++) {
        RawRef *r = &g_array_index (raws, RawRef, i);
        if (r->data) {
          g->initializer[i]->has_raw_data = TRUE;
          g->initializer[i]->raw_data.data = (uint8_t *) r->data;
          g->initializer[i]->raw_data.len = r->len;
        }
      }
      m->raws = raws;
      m->file = g_mapped_file_ref (file);
      return;
    }
    onnx__model_proto__free_unpacked (m->proto, NULL);
  }
  g_array_unref (raws);
  m->proto = onnx__model_proto__unpack (NULL, len, data);
}

OclModel *
ocl_model_load (const char *path, GError ** error)
{
  g_autoptr (GMappedFile) file = NULL;
  GError *err = NULL;
  OclModel *m;
  Onnx__GraphProto *g;
  Onnx__ValueInfoProto *in = NULL;
  gsize len;

  file = g_mapped_file_new (path, FALSE, &err);
  if (file == NULL) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot read model '%s': %s",
        path, err->message);
    g_error_free (err);
    return NULL;
  }
  len = g_mapped_file_get_length (file);
  m = g_new0 (OclModel, 1);
  m->path = g_strdup (path);
  m->dir = g_path_get_dirname (path);
  if (len > 0)
    model_parse (m, file, (const guint8 *) g_mapped_file_get_contents (file),
        len);
  if (m->proto == NULL || m->proto->graph == NULL
      || m->proto->graph->n_node == 0) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE,
        "'%s' is not an ONNX model (%s)", path, len == 0 ? "the file is empty"
        : m->proto == NULL ? "protobuf parsing failed: truncated or corrupt"
        : "it has no graph nodes");
    goto fail;
  }
  g = m->proto->graph;

  m->opset = -1;
  for (size_t i = 0; i < m->proto->n_opset_import; i++)
    if (is_onnx_domain (m->proto->opset_import[i]->domain))
      m->opset = m->proto->opset_import[i]->version;
  if (m->opset < MIN_OPSET || m->opset > MAX_OPSET) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
        "'%s' uses ONNX opset %" G_GINT64_FORMAT "; opsets %d to %d are "
        "supported (re-export with torch.onnx.export(..., opset_version=%d))",
        path, m->opset, MIN_OPSET, MAX_OPSET, 13);
    goto fail;
  }

  for (size_t i = 0; i < g->n_input; i++) {
    if (is_initializer (g, g->input[i]->name))
      continue;
    if (in != NULL) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
          "'%s' has more than one input ('%s', '%s'); one image tensor is "
          "supported", path, in->name, g->input[i]->name);
      goto fail;
    }
    in = g->input[i];
  }
  if (in == NULL || g->n_output != 1) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
        "'%s' has %s; exactly one input and one output are supported", path,
        in == NULL ? "no input" : "several outputs");
    goto fail;
  }
  m->input_name = in->name;
  {
    Onnx__TypeProto *t = in->type;
    Onnx__TensorShapeProto *shape;

    if (t == NULL || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
        || t->tensor_type->elem_type != 1) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
          "'%s': input '%s' is not a float32 tensor", path, in->name);
      goto fail;
    }
    shape = t->tensor_type->shape;
    if (shape == NULL || shape->n_dim != 4) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
          "'%s': input '%s' has rank %d; an N x C x H x W image batch is "
          "expected", path, in->name, shape ? (int) shape->n_dim : -1);
      goto fail;
    }
    for (int i = 0; i < 4; i++) {
      Onnx__TensorShapeProto__Dimension *d = shape->dim[i];
      m->input_shape[i] =
          d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
          && d->dim_value > 0 ? d->dim_value : -1;
    }
  }
  return m;

fail:
  ocl_model_free (m);
  return NULL;
}

void
ocl_model_free (OclModel * m)
{
  if (m == NULL)
    return;
  if (m->proto && m->raws) {
    /* Not protobuf-c's to free. */
    for (guint i = 0; i < m->raws->len; i++)
      if (g_array_index (m->raws, RawRef, i).data) {
        m->proto->graph->initializer[i]->raw_data.data = NULL;
        m->proto->graph->initializer[i]->raw_data.len = 0;
      }
  }
  if (m->proto)
    onnx__model_proto__free_unpacked (m->proto, NULL);
  if (m->raws)
    g_array_unref (m->raws);
  if (m->file)
    g_mapped_file_unref (m->file);
  g_free (m->path);
  g_free (m->dir);
  g_free (m);
}

void
ocl_model_get_input_shape (const OclModel * m, gint64 shape[4])
{
  memcpy (shape, m->input_shape, sizeof (m->input_shape));
}

const char *
ocl_model_get_metadata (const OclModel * m, const char *key)
{
  for (size_t i = 0; i < m->proto->n_metadata_props; i++)
    if (g_strcmp0 (m->proto->metadata_props[i]->key, key) == 0)
      return m->proto->metadata_props[i]->value;
  return NULL;
}

const char *
ocl_model_get_path (const OclModel * m)
{
  return m->path;
}

/* ---- import state and error helpers ------------------------------------- */

typedef struct {
  OclConst *c;                  /* constant, or NULL */
  int value;                    /* runtime value index when c == NULL */
} Entry;

typedef struct {
  const OclModel *model;
  OclGraph *g;
  GHashTable *names;            /* name -> Entry* */
  Onnx__NodeProto *node;        /* the node being imported */
  char *node_name;
  GError **error;
} Import;

static void
entry_free (Entry * e)
{
  ocl_const_free (e->c);
  g_free (e);
}

static gboolean G_GNUC_PRINTF (3, 4)
node_error (Import * im, OclError code, const char *fmt, ...)
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

#define UNSUPPORTED(...) node_error (im, OCL_ERROR_UNSUPPORTED, __VA_ARGS__)

static void
define_const (Import * im, const char *name, OclConst * c)
{
  Entry *e = g_new0 (Entry, 1);
  e->c = c;
  g_hash_table_replace (im->names, g_strdup (name), e);
}

static void
define_value (Import * im, const char *name, int v)
{
  Entry *e = g_new0 (Entry, 1);
  e->value = v;
  g_hash_table_replace (im->names, g_strdup (name), e);
}

/* ---- attributes --------------------------------------------------------- */

static Onnx__AttributeProto *
attr_find (Onnx__NodeProto * n, const char *name)
{
  for (size_t i = 0; i < n->n_attribute; i++)
    if (g_strcmp0 (n->attribute[i]->name, name) == 0)
      return n->attribute[i];
  return NULL;
}

static gint64
attr_int (Onnx__NodeProto * n, const char *name, gint64 def)
{
  Onnx__AttributeProto *a = attr_find (n, name);
  return a && a->has_i ? a->i : def;
}

static float
attr_float (Onnx__NodeProto * n, const char *name, float def)
{
  Onnx__AttributeProto *a = attr_find (n, name);
  return a && a->has_f ? a->f : def;
}

/* Copies the ints of attribute @name into @out (at most @max); returns the
 * count, or -1 if absent. */
static int
attr_ints (Onnx__NodeProto * n, const char *name, gint64 * out, int max)
{
  Onnx__AttributeProto *a = attr_find (n, name);
  int k;

  if (a == NULL)
    return -1;
  k = MIN ((int) a->n_ints, max);
  for (int i = 0; i < k; i++)
    out[i] = a->ints[i];
  return (int) a->n_ints;
}

static char *
attr_string (Onnx__NodeProto * n, const char *name, const char *def)
{
  Onnx__AttributeProto *a = attr_find (n, name);
  if (a == NULL || !a->has_s)
    return g_strdup (def);
  return g_strndup ((const char *) a->s.data, a->s.len);
}

/* ---- tensors ------------------------------------------------------------ */

enum {
  T_FLOAT = 1, T_UINT8 = 2, T_INT8 = 3, T_UINT16 = 4, T_INT16 = 5,
  T_INT32 = 6, T_INT64 = 7, T_BOOL = 9, T_FLOAT16 = 10, T_DOUBLE = 11,
  T_UINT32 = 12, T_UINT64 = 13,
};

static int
elem_size (int dt)
{
  switch (dt) {
    case T_UINT8:
    case T_INT8:
    case T_BOOL:
      return 1;
    case T_UINT16:
    case T_INT16:
      return 2;
    case T_FLOAT:
    case T_INT32:
    case T_UINT32:
      return 4;
    case T_INT64:
    case T_DOUBLE:
    case T_UINT64:
      return 8;
    default:
      return 0;
  }
}

static double
raw_elem (const guint8 * p, int dt)
{
  switch (dt) {
    case T_FLOAT:{
      float f;
      memcpy (&f, p, 4);
      return f;
    }
    case T_DOUBLE:{
      double d;
      memcpy (&d, p, 8);
      return d;
    }
    case T_UINT8:
    case T_BOOL:
      return *p;
    case T_INT8:
      return (gint8) * p;
    case T_UINT16:{
      guint16 v;
      memcpy (&v, p, 2);
      return v;
    }
    case T_INT16:{
      gint16 v;
      memcpy (&v, p, 2);
      return v;
    }
    case T_INT32:{
      gint32 v;
      memcpy (&v, p, 4);
      return v;
    }
    case T_UINT32:{
      guint32 v;
      memcpy (&v, p, 4);
      return v;
    }
    case T_INT64:{
      gint64 v;
      memcpy (&v, p, 8);
      return (double) v;
    }
    case T_UINT64:{
      guint64 v;
      memcpy (&v, p, 8);
      return (double) v;
    }
    default:
      return 0;
  }
}

/* Fills @c from little-endian bytes of element type @dt (x86 and ARM
 * OpenCL hosts are little-endian, as the ONNX raw format is). */
static void
const_fill_raw (OclConst * c, const guint8 * data, int dt)
{
  int es = elem_size (dt);

  if (dt == T_FLOAT && c->f) {
    memcpy (c->f, data, c->n * 4);
    return;
  }
  if (dt == T_INT64 && c->i) {
    memcpy (c->i, data, c->n * 8);
    return;
  }
  for (gsize k = 0; k < c->n; k++)
    ocl_const_set (c, k, raw_elem (data + k * es, dt));
}

static OclConst *
tensor_to_const (Import * im, Onnx__TensorProto * t, const char *what)
{
  gint64 dims[OCL_MAX_RANK];
  int dt = t->data_type;
  int es = elem_size (dt);
  OclConst *c;
  const char *name = t->name && t->name[0] ? t->name : what;

  if (t->n_dims > OCL_MAX_RANK) {
    UNSUPPORTED ("tensor '%s' has rank %d", name, (int) t->n_dims);
    return NULL;
  }
  if (es == 0) {
    UNSUPPORTED ("tensor '%s' has element type %d; float32, float64 and "
        "integer tensors are supported", name, dt);
    return NULL;
  }
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 0 || t->dims[i] > G_MAXINT32) {
      node_error (im, OCL_ERROR_PARSE, "tensor '%s' has a bad dimension %"
          G_GINT64_FORMAT, name, t->dims[i]);
      return NULL;
    }
    dims[i] = t->dims[i];
  }
  c = ocl_const_new (dt == T_FLOAT || dt == T_DOUBLE ? OCL_DT_FLOAT :
      OCL_DT_INT64, t->n_dims, dims);

  if (t->has_data_location
      && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    const char *loc = NULL;
    gint64 offset = 0, length = -1;
    g_autofree char *path = NULL;
    g_autoptr (GMappedFile) f = NULL;
    GError *err = NULL;
    gsize flen;

    for (size_t i = 0; i < t->n_external_data; i++) {
      const char *k = t->external_data[i]->key, *v = t->external_data[i]->value;
      if (g_strcmp0 (k, "location") == 0)
        loc = v;
      else if (g_strcmp0 (k, "offset") == 0)
        offset = g_ascii_strtoll (v, NULL, 10);
      else if (g_strcmp0 (k, "length") == 0)
        length = g_ascii_strtoll (v, NULL, 10);
    }
    if (loc == NULL) {
      node_error (im, OCL_ERROR_PARSE, "tensor '%s' is external but names "
          "no location", name);
      goto fail;
    }
    path = g_build_filename (im->model->dir, loc, NULL);
    f = g_mapped_file_new (path, FALSE, &err);
    if (f == NULL) {
      node_error (im, OCL_ERROR_IO, "external data of tensor '%s' is "
          "missing: %s", name, err->message);
      g_error_free (err);
      goto fail;
    }
    flen = g_mapped_file_get_length (f);
    if (length < 0)
      length = (gint64) flen - offset;
    if (offset < 0 || length != (gint64) (c->n * es)
        || (guint64) (offset + length) > flen) {
      node_error (im, OCL_ERROR_PARSE, "external data of tensor '%s' in "
          "'%s' does not fit (offset %" G_GINT64_FORMAT ", %" G_GSIZE_FORMAT
          " bytes needed, file has %" G_GSIZE_FORMAT ")", name, path, offset,
          c->n * es, flen);
      goto fail;
    }
    const_fill_raw (c, (const guint8 *) g_mapped_file_get_contents (f) +
        offset, dt);
    return c;
  }
  if (t->has_raw_data) {
    if (t->raw_data.len != c->n * es) {
      node_error (im, OCL_ERROR_PARSE, "tensor '%s' holds %" G_GSIZE_FORMAT
          " bytes, its shape needs %" G_GSIZE_FORMAT, name, t->raw_data.len,
          c->n * es);
      goto fail;
    }
    /* The model outlives its import: float data is used in place. */
    if (dt == T_FLOAT && c->n > 0)
      ocl_const_borrow (c, t->raw_data.data);
    else
      const_fill_raw (c, t->raw_data.data, dt);
    return c;
  }
  {
    size_t have = dt == T_FLOAT ? t->n_float_data : dt == T_DOUBLE ?
        t->n_double_data : dt == T_INT64 ? t->n_int64_data :
        dt == T_UINT64 || dt == T_UINT32 ? t->n_uint64_data : t->n_int32_data;
    if (have != c->n) {
      node_error (im, OCL_ERROR_PARSE, "tensor '%s' holds %" G_GSIZE_FORMAT
          " values, its shape needs %" G_GSIZE_FORMAT, name, (gsize) have,
          c->n);
      goto fail;
    }
    for (gsize k = 0; k < c->n; k++) {
      double v = dt == T_FLOAT ? t->float_data[k] : dt == T_DOUBLE ?
          t->double_data[k] : dt == T_INT64 ? (double) t->int64_data[k] :
          dt == T_UINT64 || dt == T_UINT32 ? (double) t->uint64_data[k] :
          t->int32_data[k];
      if (dt == T_INT64 && c->i)
        c->i[k] = t->int64_data[k];
      else
        ocl_const_set (c, k, v);
    }
  }
  return c;

fail:
  ocl_const_free (c);
  return NULL;
}

/* ---- constant folding --------------------------------------------------- */

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

static int
norm_axis (gint64 axis, int rank)
{
  return (int) (axis < 0 ? axis + rank : axis);
}

static OclConst *
fold_binary (Import * im, const char *op, OclConst * a, OclConst * b)
{
  gint64 dims[OCL_MAX_RANK], ia[OCL_MAX_RANK], ib[OCL_MAX_RANK],
      io[OCL_MAX_RANK], da[OCL_MAX_RANK], db[OCL_MAX_RANK];
  int rank = MAX (a->rank, b->rank);
  OclConst *o;

  for (int d = 0; d < rank; d++) {
    int ka = d - (rank - a->rank), kb = d - (rank - b->rank);
    da[d] = ka >= 0 ? a->dims[ka] : 1;
    db[d] = kb >= 0 ? b->dims[kb] : 1;
    if (da[d] != db[d] && da[d] != 1 && db[d] != 1) {
      UNSUPPORTED ("constant operands do not broadcast");
      return NULL;
    }
    dims[d] = da[d] == 1 ? db[d] : da[d];
  }
  o = ocl_const_new (a->dtype, rank, dims);
  for (gsize k = 0; k < o->n; k++) {
    double x, y, r;
    unravel (k, rank, dims, io);
    for (int d = 0; d < rank; d++) {
      ia[d] = da[d] == 1 ? 0 : io[d];
      ib[d] = db[d] == 1 ? 0 : io[d];
    }
    x = ocl_const_get (a, ravel (rank, da, ia));
    y = ocl_const_get (b, ravel (rank, db, ib));
    if (strcmp (op, "Add") == 0)
      r = x + y;
    else if (strcmp (op, "Sub") == 0)
      r = x - y;
    else if (strcmp (op, "Mul") == 0)
      r = x * y;
    else if (o->i)
      r = y != 0 ? (double) ((gint64) x / (gint64) y) : 0;
    else
      r = x / y;
    ocl_const_set (o, k, r);
  }
  return o;
}

static OclConst *
fold_slice (Import * im, OclConst * x, const gint64 * starts,
    const gint64 * ends, const gint64 * axes, const gint64 * steps, int n)
{
  gint64 st[OCL_MAX_RANK], sp[OCL_MAX_RANK], dims[OCL_MAX_RANK];
  gint64 idx[OCL_MAX_RANK];
  OclConst *o;

  for (int d = 0; d < x->rank; d++) {
    st[d] = 0;
    sp[d] = 1;
    dims[d] = x->dims[d];
  }
  for (int k = 0; k < n; k++) {
    int d = norm_axis (axes ? axes[k] : k, x->rank);
    gint64 dim = x->dims[d], s = starts[k], e = ends[k];
    gint64 step = steps ? steps[k] : 1;
    if (d < 0 || d >= x->rank || step == 0) {
      UNSUPPORTED ("bad Slice axis or step");
      return NULL;
    }
    if (s < 0)
      s += dim;
    if (e < 0)
      e += dim;
    if (step > 0) {
      s = CLAMP (s, 0, dim);
      e = CLAMP (e, 0, dim);
      dims[d] = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = CLAMP (s, 0, dim - 1);
      e = CLAMP (e, -1, dim - 1);
      dims[d] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    st[d] = s;
    sp[d] = step;
  }
  o = ocl_const_new (x->dtype, x->rank, dims);
  for (gsize k = 0; k < o->n; k++) {
    unravel (k, o->rank, dims, idx);
    for (int d = 0; d < x->rank; d++)
      idx[d] = st[d] + idx[d] * sp[d];
    ocl_const_set (o, k, ocl_const_get (x, ravel (x->rank, x->dims, idx)));
  }
  return o;
}

/* Resolves an ONNX Reshape target against @in_dims (0 copies, -1 infers). */
static gboolean
resolve_reshape (Import * im, const OclConst * shape, int in_rank,
    const gint64 * in_dims, gsize total, gint64 * out)
{
  gsize known = 1;
  int infer = -1;
  gboolean allowzero = attr_int (im->node, "allowzero", 0);

  if (shape->rank != 1 || shape->n > OCL_MAX_RANK)
    return UNSUPPORTED ("the target shape must be a 1-D tensor of rank <= %d",
        OCL_MAX_RANK);
  for (gsize d = 0; d < shape->n; d++) {
    gint64 v = ocl_const_get_int (shape, d);
    if (v == 0 && !allowzero) {
      if ((int) d >= in_rank)
        return UNSUPPORTED ("shape entry 0 at position %d has no input "
            "dimension to copy", (int) d);
      v = in_dims[d];
    }
    if (v == -1) {
      if (infer >= 0)
        return UNSUPPORTED ("more than one -1 in the target shape");
      infer = d;
      v = 1;
    } else if (v < 0)
      return UNSUPPORTED ("bad target dimension %" G_GINT64_FORMAT, v);
    out[d] = v;
    known *= (gsize) v;
  }
  if (infer >= 0) {
    if (known == 0 || total % known)
      return node_error (im, OCL_ERROR_SHAPE, "cannot reshape %"
          G_GSIZE_FORMAT " elements with a -1 dimension", total);
    out[infer] = total / known;
    known = total;
  }
  if (known != total)
    return node_error (im, OCL_ERROR_SHAPE, "cannot reshape %" G_GSIZE_FORMAT
        " elements into %" G_GSIZE_FORMAT, total, known);
  return TRUE;
}

/* Reads the int list of a constant input, or NULL if absent. */
static int
const_ints (OclConst * c, gint64 * out, int max)
{
  int n;
  if (c == NULL)
    return -1;
  n = MIN ((int) c->n, max);
  for (int i = 0; i < n; i++)
    out[i] = ocl_const_get_int (c, i);
  return (int) c->n;
}

/* Evaluates a node whose inputs are all constants.  Returns its output
 * constant, or NULL with im->error set; *folded is FALSE when the op is not
 * one we fold (the caller then treats it as a runtime op). */
static OclConst *
fold_node (Import * im, OclConst ** in, int n_in, gboolean * folded)
{
  const char *op = im->node->op_type;
  Onnx__NodeProto *node = im->node;
  OclConst *x = n_in > 0 ? in[0] : NULL;
  gint64 ints[OCL_MAX_RANK * 2], dims[OCL_MAX_RANK];
  int k;

  *folded = TRUE;
  if (strcmp (op, "Constant") == 0) {
    Onnx__AttributeProto *a;
    if ((a = attr_find (node, "value")) && a->t)
      return tensor_to_const (im, a->t, "value");
    if ((a = attr_find (node, "value_float")) && a->has_f) {
      OclConst *c = ocl_const_new (OCL_DT_FLOAT, 0, NULL);
      c->f[0] = a->f;
      return c;
    }
    if ((a = attr_find (node, "value_int")) && a->has_i) {
      OclConst *c = ocl_const_new (OCL_DT_INT64, 0, NULL);
      c->i[0] = a->i;
      return c;
    }
    if ((a = attr_find (node, "value_ints"))) {
      gint64 n = a->n_ints;
      OclConst *c = ocl_const_new (OCL_DT_INT64, 1, &n);
      memcpy (c->i, a->ints, n * sizeof (gint64));
      return c;
    }
    if ((a = attr_find (node, "value_floats"))) {
      gint64 n = a->n_floats;
      OclConst *c = ocl_const_new (OCL_DT_FLOAT, 1, &n);
      memcpy (c->f, a->floats, n * sizeof (float));
      return c;
    }
    UNSUPPORTED ("a Constant without a supported value attribute");
    return NULL;
  }
  if (x == NULL) {
    *folded = FALSE;
    return NULL;
  }
  if (strcmp (op, "Identity") == 0 || strcmp (op, "Dropout") == 0)
    return ocl_const_copy (x);
  if (strcmp (op, "Cast") == 0) {
    gint64 to = attr_int (node, "to", T_FLOAT);
    OclConst *o = ocl_const_new (to == T_FLOAT || to == T_DOUBLE
        || to == T_FLOAT16 ? OCL_DT_FLOAT : OCL_DT_INT64, x->rank, x->dims);
    for (gsize i = 0; i < x->n; i++) {
      double v = ocl_const_get (x, i);
      ocl_const_set (o, i, to == T_BOOL ? (v != 0) : o->i ? trunc (v) : v);
    }
    return o;
  }
  if (strcmp (op, "Shape") == 0) {
    gint64 r = x->rank;
    OclConst *o = ocl_const_new (OCL_DT_INT64, 1, &r);
    memcpy (o->i, x->dims, r * sizeof (gint64));
    return o;
  }
  if (strcmp (op, "ConstantOfShape") == 0) {
    Onnx__AttributeProto *a = attr_find (node, "value");
    OclConst *v = NULL, *o;
    k = const_ints (x, dims, OCL_MAX_RANK);
    if (k > OCL_MAX_RANK) {
      UNSUPPORTED ("rank %d is too large", k);
      return NULL;
    }
    if (a && a->t && !(v = tensor_to_const (im, a->t, "value")))
      return NULL;
    o = ocl_const_new (v ? v->dtype : OCL_DT_FLOAT, k, dims);
    for (gsize i = 0; i < o->n; i++)
      ocl_const_set (o, i, v && v->n ? ocl_const_get (v, 0) : 0.0);
    ocl_const_free (v);
    return o;
  }
  if (strcmp (op, "Gather") == 0 && n_in == 2) {
    OclConst *ind = in[1], *o;
    int axis = norm_axis (attr_int (node, "axis", 0), x->rank);
    int rank = x->rank - 1 + ind->rank, r = 0;
    gint64 oi[OCL_MAX_RANK], xi[OCL_MAX_RANK];
    if (axis < 0 || axis >= x->rank || rank > OCL_MAX_RANK) {
      UNSUPPORTED ("bad Gather axis");
      return NULL;
    }
    for (int d = 0; d < axis; d++)
      dims[r++] = x->dims[d];
    for (int d = 0; d < ind->rank; d++)
      dims[r++] = ind->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
      dims[r++] = x->dims[d];
    o = ocl_const_new (x->dtype, rank, dims);
    for (gsize i = 0; i < o->n; i++) {
      gsize ii;
      gint64 j;
      unravel (i, rank, dims, oi);
      ii = ravel (ind->rank, ind->dims, oi + axis);
      j = ocl_const_get_int (ind, ii);
      if (j < 0)
        j += x->dims[axis];
      if (j < 0 || j >= x->dims[axis]) {
        ocl_const_free (o);
        UNSUPPORTED ("Gather index %" G_GINT64_FORMAT " out of range", j);
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
  if (strcmp (op, "Unsqueeze") == 0 || strcmp (op, "Squeeze") == 0) {
    gboolean unsq = op[0] == 'U';
    gboolean mark[OCL_MAX_RANK] = { 0 };
    int n_axes = n_in > 1 ? const_ints (in[1], ints, OCL_MAX_RANK) :
        attr_ints (node, "axes", ints, OCL_MAX_RANK);
    int rank = unsq ? x->rank + MAX (n_axes, 0) : x->rank, r = 0, src = 0;
    OclConst *o;
    if (rank > OCL_MAX_RANK || (unsq && n_axes <= 0)) {
      UNSUPPORTED ("bad axes");
      return NULL;
    }
    for (int i = 0; i < n_axes; i++) {
      int a = norm_axis (ints[i], rank);
      if (a < 0 || a >= rank) {
        UNSUPPORTED ("axis out of range");
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
    o = ocl_const_copy (x);
    o->rank = r;
    memcpy (o->dims, dims, sizeof (dims));
    return o;
  }
  if (strcmp (op, "Concat") == 0) {
    int axis = norm_axis (attr_int (node, "axis", 0), x->rank);
    gint64 idx[OCL_MAX_RANK];
    OclConst *o;
    gsize off = 0;
    memcpy (dims, x->dims, sizeof (dims));
    dims[axis] = 0;
    for (int i = 0; i < n_in; i++) {
      if (in[i] == NULL || in[i]->rank != x->rank) {
        UNSUPPORTED ("inputs of different ranks");
        return NULL;
      }
      dims[axis] += in[i]->dims[axis];
    }
    o = ocl_const_new (x->dtype, x->rank, dims);
    for (int i = 0; i < n_in; i++) {
      for (gsize j = 0; j < in[i]->n; j++) {
        unravel (j, x->rank, in[i]->dims, idx);
        idx[axis] += off;
        ocl_const_set (o, ravel (x->rank, dims, idx), ocl_const_get (in[i],
                j));
      }
      off += in[i]->dims[axis];
    }
    return o;
  }
  if (strcmp (op, "Transpose") == 0) {
    gint64 perm[OCL_MAX_RANK], idx[OCL_MAX_RANK], src[OCL_MAX_RANK];
    OclConst *o;
    if (attr_ints (node, "perm", perm, OCL_MAX_RANK) != x->rank)
      for (int d = 0; d < x->rank; d++)
        perm[d] = x->rank - 1 - d;
    for (int d = 0; d < x->rank; d++)
      dims[d] = x->dims[perm[d]];
    o = ocl_const_new (x->dtype, x->rank, dims);
    for (gsize i = 0; i < o->n; i++) {
      unravel (i, x->rank, dims, idx);
      for (int d = 0; d < x->rank; d++)
        src[perm[d]] = idx[d];
      ocl_const_set (o, i, ocl_const_get (x, ravel (x->rank, x->dims, src)));
    }
    return o;
  }
  if (strcmp (op, "Reshape") == 0 && n_in == 2) {
    OclConst *o;
    if (!resolve_reshape (im, in[1], x->rank, x->dims, x->n, dims))
      return NULL;
    o = ocl_const_copy (x);
    o->rank = in[1]->n;
    memcpy (o->dims, dims, sizeof (dims));
    return o;
  }
  if (strcmp (op, "Slice") == 0) {
    gint64 st[OCL_MAX_RANK], en[OCL_MAX_RANK], ax[OCL_MAX_RANK],
        sp[OCL_MAX_RANK];
    int n = n_in >= 3 ? const_ints (in[1], st, OCL_MAX_RANK) :
        attr_ints (node, "starts", st, OCL_MAX_RANK);
    int ne = n_in >= 3 ? const_ints (in[2], en, OCL_MAX_RANK) :
        attr_ints (node, "ends", en, OCL_MAX_RANK);
    int na = n_in >= 4 ? const_ints (in[3], ax, OCL_MAX_RANK) :
        n_in >= 3 ? -1 : attr_ints (node, "axes", ax, OCL_MAX_RANK);
    int ns = n_in >= 5 ? const_ints (in[4], sp, OCL_MAX_RANK) : -1;
    if (n < 0 || n != ne || n > x->rank || (na >= 0 && na != n)
        || (ns >= 0 && ns != n)) {
      UNSUPPORTED ("inconsistent starts/ends/axes/steps");
      return NULL;
    }
    return fold_slice (im, x, st, en, na >= 0 ? ax : NULL, ns >= 0 ? sp :
        NULL, n);
  }
  if (n_in == 2 && (strcmp (op, "Add") == 0 || strcmp (op, "Sub") == 0
          || strcmp (op, "Mul") == 0 || strcmp (op, "Div") == 0))
    return fold_binary (im, op, in[0], in[1]);

  *folded = FALSE;
  return NULL;
}

/* ---- runtime ops --------------------------------------------------------- */

static OclValue *
val (Import * im, int v)
{
  return OCL_VALUE (im->g, v);
}

static int
new_node (Import * im, OclOpType op, int x)
{
  int i = ocl_graph_add_node (im->g, op, im->node_name, im->node->op_type);
  OclNode *n = OCL_NODE (im->g, i);
  n->in[0] = x;
  n->n_in = 1;
  return i;
}

static gboolean
finish_node (Import * im, int i)
{
  if (!ocl_graph_infer_node (im->g, i, im->node->output[0], im->error))
    return FALSE;
  define_value (im, im->node->output[0], OCL_NODE (im->g, i)->out);
  return TRUE;
}

/* Reads kernel_shape/strides/pads/dilations/auto_pad of Conv and pools. */
static gboolean
read_window (Import * im, OclNode * n, const OclValue * x, int kh, int kw)
{
  Onnx__NodeProto *node = im->node;
  gint64 v[8];
  g_autofree char *auto_pad = attr_string (node, "auto_pad", "NOTSET");
  int k;

  k = attr_ints (node, "kernel_shape", v, 8);
  if (k >= 0 && k != 2)
    return UNSUPPORTED ("%d-D windows are not supported; 2-D only", k);
  n->kh = k == 2 ? v[0] : kh;
  n->kw = k == 2 ? v[1] : kw;
  if (n->kh <= 0 || n->kw <= 0)
    return UNSUPPORTED ("kernel_shape is missing");
  k = attr_ints (node, "dilations", v, 8);
  if (k > 0 && (v[0] != 1 || (k > 1 && v[1] != 1)))
    return UNSUPPORTED ("dilation %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
        " is not supported (only 1)", v[0], k > 1 ? v[1] : v[0]);
  k = attr_ints (node, "strides", v, 8);
  n->sh = k >= 1 ? v[0] : 1;
  n->sw = k >= 2 ? v[1] : n->sh;
  if (n->sh <= 0 || n->sw <= 0)
    return UNSUPPORTED ("bad strides");
  k = attr_ints (node, "pads", v, 8);
  if (k == 4) {
    n->pt = v[0];
    n->pl = v[1];
    n->pb = v[2];
    n->pr = v[3];
  } else if (k >= 0 && k != 0)
    return UNSUPPORTED ("pads must have 4 entries");
  if (n->pt < 0 || n->pl < 0 || n->pb < 0 || n->pr < 0)
    return UNSUPPORTED ("negative pads");
  if (g_str_has_prefix (auto_pad, "SAME")) {
    int oh = (x->h + n->sh - 1) / n->sh, ow = (x->w + n->sw - 1) / n->sw;
    int ph = MAX (0, (oh - 1) * n->sh + n->kh - x->h);
    int pw = MAX (0, (ow - 1) * n->sw + n->kw - x->w);
    gboolean upper = strcmp (auto_pad, "SAME_UPPER") == 0;
    n->pt = upper ? ph / 2 : ph - ph / 2;
    n->pb = ph - n->pt;
    n->pl = upper ? pw / 2 : pw - pw / 2;
    n->pr = pw - n->pl;
  } else if (strcmp (auto_pad, "VALID") == 0)
    n->pt = n->pl = n->pb = n->pr = 0;
  else if (strcmp (auto_pad, "NOTSET") != 0)
    return UNSUPPORTED ("auto_pad '%s' is not supported", auto_pad);
  return TRUE;
}

static gboolean
need_const (Import * im, OclConst * c, const char *what)
{
  if (c == NULL)
    return UNSUPPORTED ("its %s must be a constant (an initializer); "
        "tensors computed at run time are not supported there", what);
  if (c->dtype != OCL_DT_FLOAT)
    return UNSUPPORTED ("its %s must be a float tensor", what);
  return TRUE;
}

/* A weight the model owns is borrowed, not copied: ResNet-50's is 98 MB. */
static void
set_weight (OclNode * n, const OclConst * w)
{
  n->weight_raw = w->raw;
  n->weight = w->raw ? NULL : g_memdup2 (w->f, w->n * sizeof (float));
}

static gboolean
import_conv (Import * im, int x, OclConst * w, OclConst * b)
{
  gint64 group = attr_int (im->node, "group", 1);
  OclNode *n;
  int i;

  if (!need_const (im, w, "weight"))
    return FALSE;
  if (group != 1)
    return UNSUPPORTED ("group=%" G_GINT64_FORMAT " (grouped or depthwise "
        "convolution) is not supported", group);
  if (w->rank != 4)
    return UNSUPPORTED ("the weight has rank %d; 2-D convolution with a "
        "4-D weight is supported", w->rank);
  if (b && (b->dtype != OCL_DT_FLOAT || b->n != (gsize) w->dims[0]))
    return UNSUPPORTED ("the bias does not have %d entries",
        (int) w->dims[0]);
  i = new_node (im, OCL_OP_CONV, x);
  n = OCL_NODE (im->g, i);
  if (!read_window (im, n, val (im, x), w->dims[2], w->dims[3]))
    return FALSE;
  if (n->kh != w->dims[2] || n->kw != w->dims[3])
    return UNSUPPORTED ("kernel_shape disagrees with the weight");
  n->oc = w->dims[0];
  n->ic = w->dims[1];
  set_weight (n, w);
  n->bias = b ? g_memdup2 (ocl_const_floats (b), b->n * sizeof (float)) :
      NULL;
  return finish_node (im, i);
}

/* Extracts per-channel values of a constant that broadcasts against a value
 * with @c channels in NCHW (or N x K): a scalar, [C], [1,C], [C,1,1] or
 * [1,C,1,1].  Returns a new array of @c floats, or NULL. */
static float *
per_channel (OclConst * k, int rank, int c)
{
  const float *f;
  int chan_dim;
  float *out;

  if (k->dtype != OCL_DT_FLOAT)
    return NULL;
  f = ocl_const_floats (k);
  if (k->n == 1) {
    out = g_new (float, c);
    for (int i = 0; i < c; i++)
      out[i] = f[0];
    return out;
  }
  if (k->n != (gsize) c)
    return NULL;
  /* The channel axis is 1 in NCHW (and N x K); from the right it is
   * rank-2 (rank 4: third from last; rank 2: last). */
  chan_dim = k->rank - (rank - 1);
  if (chan_dim < 0 || k->dims[chan_dim] != c)
    return NULL;
  return g_memdup2 (f, c * sizeof (float));
}

static gboolean
import_affine_const (Import * im, int x, OclConst * k)
{
  const char *op = im->node->op_type;
  OclValue *v = val (im, x);
  float *p = per_channel (k, v->rank, v->c);
  OclNode *n;
  int i;

  if (p == NULL)
    return UNSUPPORTED ("a constant operand of shape other than per-channel "
        "is not supported");
  i = new_node (im, OCL_OP_AFFINE, x);
  n = OCL_NODE (im->g, i);
  n->oc = v->c;
  if (op[0] == 'A')
    n->shift = p;
  else if (op[0] == 'S') {
    for (int c = 0; c < v->c; c++)
      p[c] = -p[c];
    n->shift = p;
  } else if (op[0] == 'M')
    n->scale = p;
  else {
    for (int c = 0; c < v->c; c++)
      p[c] = 1.0f / p[c];
    n->scale = p;
  }
  return finish_node (im, i);
}

static gboolean
import_batchnorm (Import * im, int x, OclConst ** in, int n_in)
{
  float eps = attr_float (im->node, "epsilon", 1e-5f);
  int c = val (im, x)->c;
  OclNode *n;
  int i;

  if (attr_int (im->node, "training_mode", 0))
    return UNSUPPORTED ("training_mode=1 is not supported");
  if (n_in < 5)
    return UNSUPPORTED ("it needs 5 inputs");
  for (int k = 1; k < 5; k++) {
    if (!need_const (im, in[k], "scale, bias, mean and variance"))
      return FALSE;
    if (in[k]->n != (gsize) c)
      return node_error (im, OCL_ERROR_SHAPE, "parameters have %d entries, "
          "the input has %d channels", (int) in[k]->n, c);
  }
  i = new_node (im, OCL_OP_AFFINE, x);
  n = OCL_NODE (im->g, i);
  n->oc = c;
  n->scale = g_new (float, c);
  n->shift = g_new (float, c);
  for (int k = 0; k < c; k++) {
    double s = ocl_const_get (in[1], k) / sqrt (ocl_const_get (in[4], k) +
        eps);
    n->scale[k] = s;
    n->shift[k] = ocl_const_get (in[2], k) - ocl_const_get (in[3], k) * s;
  }
  return finish_node (im, i);
}

static gboolean
import_pool (Import * im, int x, OclOpType op)
{
  OclNode *n;
  int i;

  if (im->node->n_output > 1 && im->node->output[1][0])
    return UNSUPPORTED ("the indices output is not supported");
  if (attr_int (im->node, "storage_order", 0) != 0)
    return UNSUPPORTED ("storage_order=1 is not supported");
  i = new_node (im, op, x);
  n = OCL_NODE (im->g, i);
  if (!read_window (im, n, val (im, x), -1, -1))
    return FALSE;
  n->ceil_mode = attr_int (im->node, "ceil_mode", 0);
  n->count_include_pad = attr_int (im->node, "count_include_pad", 0);
  return finish_node (im, i);
}

static gboolean
import_gemm (Import * im, int x, OclConst * b, OclConst * c, gboolean matmul)
{
  gboolean trans_b = matmul ? FALSE : attr_int (im->node, "transB", 0);
  float alpha = matmul ? 1.0f : attr_float (im->node, "alpha", 1.0f);
  float beta = matmul ? 1.0f : attr_float (im->node, "beta", 1.0f);
  OclValue *v = val (im, x);
  int K, M, i;
  OclNode *n;

  if (v->rank != 2)
    return UNSUPPORTED ("its input must be 2-D (N x K), it is %d-D", v->rank);
  if (!matmul && attr_int (im->node, "transA", 0))
    return UNSUPPORTED ("transA=1 is not supported");
  if (!need_const (im, b, "weight"))
    return FALSE;
  if (b->rank != 2)
    return UNSUPPORTED ("its weight must be 2-D");
  K = trans_b ? b->dims[1] : b->dims[0];
  M = trans_b ? b->dims[0] : b->dims[1];
  i = new_node (im, OCL_OP_CONV, x);
  n = OCL_NODE (im->g, i);
  n->kh = n->kw = 1;
  n->ic = K;
  n->oc = M;
  if (trans_b && alpha == 1.0f) {
    set_weight (n, b);
  } else {
    const float *f = ocl_const_floats (b);
    n->weight = g_new (float, (gsize) M * K);
    for (int m = 0; m < M; m++)
      for (int k = 0; k < K; k++)
        n->weight[(gsize) m * K + k] = alpha *
            (trans_b ? f[(gsize) m * K + k] : f[(gsize) k * M + m]);
  }
  if (c) {
    if (!need_const (im, c, "bias"))
      return FALSE;
    n->bias = per_channel (c, 2, M);
    if (n->bias == NULL)
      return UNSUPPORTED ("its bias does not broadcast to %d outputs", M);
    for (int m = 0; m < M; m++)
      n->bias[m] *= beta;
  }
  return finish_node (im, i);
}

static gboolean
import_pad (Import * im, int x, OclConst ** in, int n_in)
{
  g_autofree char *mode = attr_string (im->node, "mode", "constant");
  gint64 pads[8];
  float value = 0.0f;
  int k;
  OclNode *n;
  int i;

  if (strcmp (mode, "constant") != 0)
    return UNSUPPORTED ("mode '%s' is not supported (only constant)", mode);
  if (im->model->opset >= 11) {
    if (n_in < 2 || in[1] == NULL)
      return UNSUPPORTED ("its pads must be constant");
    k = const_ints (in[1], pads, 8);
    if (n_in >= 3 && in[2] && in[2]->n)
      value = ocl_const_get (in[2], 0);
    if (n_in >= 4 && in[3])
      return UNSUPPORTED ("the axes input is not supported");
  } else {
    k = attr_ints (im->node, "pads", pads, 8);
    value = attr_float (im->node, "value", 0.0f);
  }
  if (k != 8 || val (im, x)->rank != 4)
    return UNSUPPORTED ("padding of a 4-D tensor with 8 pads is supported");
  for (int j = 0; j < 8; j++)
    if (pads[j] < 0)
      return UNSUPPORTED ("negative pads (cropping) are not supported");
  if (pads[0] || pads[4])
    return UNSUPPORTED ("padding the batch dimension is not supported");
  if (!pads[1] && !pads[2] && !pads[3] && !pads[5] && !pads[6] && !pads[7]) {
    /* torch emits zero Pads before some pools: nothing to do. */
    define_value (im, im->node->output[0], x);
    return TRUE;
  }
  i = new_node (im, OCL_OP_PAD, x);
  n = OCL_NODE (im->g, i);
  for (int j = 0; j < 8; j++)
    n->pads[j] = pads[j];
  n->pad_value = value;
  return finish_node (im, i);
}

static gboolean
import_slice (Import * im, int x, OclConst ** in, int n_in)
{
  OclValue *v = val (im, x);
  gint64 st[8], en[8], ax[8], sp[8];
  int dims[4] = { v->n, v->c, v->h, v->w };
  int n, ne, na = -1, ns = -1, i;
  OclNode *node;

  if (im->model->opset >= 10) {
    for (int k = 1; k < n_in; k++)
      if (in[k] == NULL && k < 3)
        return UNSUPPORTED ("its starts and ends must be constant");
    n = const_ints (in[1], st, 8);
    ne = const_ints (in[2], en, 8);
    if (n_in >= 4 && in[3])
      na = const_ints (in[3], ax, 8);
    if (n_in >= 5 && in[4])
      ns = const_ints (in[4], sp, 8);
  } else {
    n = attr_ints (im->node, "starts", st, 8);
    ne = attr_ints (im->node, "ends", en, 8);
    na = attr_ints (im->node, "axes", ax, 8);
  }
  if (v->rank != 4 || n < 0 || n != ne || n > 4 || (na >= 0 && na != n)
      || (ns >= 0 && ns != n))
    return UNSUPPORTED ("inconsistent starts/ends/axes/steps");
  i = new_node (im, OCL_OP_SLICE, x);
  node = OCL_NODE (im->g, i);
  for (int d = 0; d < 4; d++) {
    node->starts[d] = 0;
    node->steps[d] = 1;
    node->sizes[d] = dims[d];
  }
  for (int k = 0; k < n; k++) {
    int d = norm_axis (na >= 0 ? ax[k] : k, 4);
    gint64 dim = dims[d], s = st[k], e = en[k], step = ns >= 0 ? sp[k] : 1;
    if (d < 0 || d > 3)
      return UNSUPPORTED ("axis out of range");
    if (step <= 0)
      return UNSUPPORTED ("step %" G_GINT64_FORMAT " is not supported "
          "(positive steps only)", step);
    if (s < 0)
      s += dim;
    if (e < 0)
      e += dim;
    s = CLAMP (s, 0, dim);
    e = CLAMP (e, 0, dim);
    node->starts[d] = s;
    node->steps[d] = step;
    node->sizes[d] = e > s ? (e - s + step - 1) / step : 0;
  }
  if (node->starts[0] != 0 || node->steps[0] != 1 || node->sizes[0] != v->n)
    return UNSUPPORTED ("slicing the batch dimension is not supported");
  return finish_node (im, i);
}

/* Flatten/Reshape/Squeeze of a runtime value: an alias when only the rank
 * changes, a FLATTEN node when a spatial map is flattened to N x (C*H*W). */
static gboolean
import_reshape_to (Import * im, int x, int rank, const gint64 * dims)
{
  OclValue *v = val (im, x);
  gsize chw = (gsize) v->c * v->h * v->w;

  if (rank == 2 && dims[0] == v->n && (gsize) dims[1] == chw) {
    if (v->h * v->w == 1) {
      /* Same bytes, rank 2: an alias of x's storage. */
      int root = v->alias >= 0 ? v->alias : x;
      int a = ocl_graph_add_value (im->g, im->node->output[0], 2, v->n, v->c,
          1, 1);
      OCL_VALUE (im->g, a)->alias = root;
      define_value (im, im->node->output[0], a);
      return TRUE;
    }
    return finish_node (im, new_node (im, OCL_OP_FLATTEN, x));
  }
  if (rank == v->rank && dims[0] == v->n && dims[1] == v->c
      && (rank == 2 || (dims[2] == v->h && dims[3] == v->w))) {
    define_value (im, im->node->output[0], x);
    return TRUE;
  }
  return UNSUPPORTED ("reshaping %dx%dx%dx%d to this shape is not supported "
      "(only flattening to N x K)", v->n, v->c, v->h, v->w);
}

static gboolean
import_runtime (Import * im, OclConst ** in, int *vin, int n_in)
{
  const char *op = im->node->op_type;
  int x = vin[0];
  OclValue *v;

  if (x < 0) {
    for (int k = 1; k < n_in; k++)
      if (vin[k] >= 0)
        x = vin[k];
    if (x < 0 || strcmp (op, "Add") != 0)
      return UNSUPPORTED ("its first input must be the image data, not a "
          "constant");
    /* Add(const, x): commutative. */
    return import_affine_const (im, x, in[0]);
  }
  for (int k = 1; k < n_in; k++)
    if (vin[k] >= 0 && strcmp (op, "Add") != 0)
      return UNSUPPORTED ("input %d must be a constant (an initializer)", k);
  v = val (im, x);

  if (strcmp (op, "Conv") == 0)
    return import_conv (im, x, n_in > 1 ? in[1] : NULL, n_in > 2 ? in[2] :
        NULL);
  if (strcmp (op, "BatchNormalization") == 0)
    return import_batchnorm (im, x, in, n_in);
  if (strcmp (op, "Relu") == 0)
    return finish_node (im, new_node (im, OCL_OP_RELU, x));
  if (strcmp (op, "MaxPool") == 0)
    return import_pool (im, x, OCL_OP_MAXPOOL);
  if (strcmp (op, "AveragePool") == 0)
    return import_pool (im, x, OCL_OP_AVGPOOL);
  if (strcmp (op, "GlobalAveragePool") == 0)
    return finish_node (im, new_node (im, OCL_OP_GLOBALAVGPOOL, x));
  if (strcmp (op, "Add") == 0 || strcmp (op, "Sub") == 0
      || strcmp (op, "Mul") == 0 || strcmp (op, "Div") == 0) {
    int i;
    if (n_in != 2)
      return UNSUPPORTED ("it needs 2 inputs");
    if (vin[1] < 0)
      return import_affine_const (im, x, in[1]);
    if (op[0] != 'A')
      return UNSUPPORTED ("%s of two run-time tensors is not supported", op);
    i = new_node (im, OCL_OP_ADD, x);
    OCL_NODE (im->g, i)->in[1] = vin[1];
    OCL_NODE (im->g, i)->n_in = 2;
    return finish_node (im, i);
  }
  if (strcmp (op, "Identity") == 0 || strcmp (op, "Dropout") == 0) {
    define_value (im, im->node->output[0], x);
    return TRUE;
  }
  if (strcmp (op, "Flatten") == 0) {
    gint64 axis = attr_int (im->node, "axis", 1);
    gint64 dims[2] = { v->n, (gint64) v->c * v->h * v->w };
    if (norm_axis (axis, v->rank) != 1)
      return UNSUPPORTED ("axis=%" G_GINT64_FORMAT " is not supported (1 "
          "only)", axis);
    return import_reshape_to (im, x, 2, dims);
  }
  if (strcmp (op, "Reshape") == 0) {
    gint64 vd[4] = { v->n, v->c, v->h, v->w }, dims[OCL_MAX_RANK];
    if (n_in < 2 || in[1] == NULL)
      return UNSUPPORTED ("its target shape must be constant");
    if (!resolve_reshape (im, in[1], v->rank, vd,
            (gsize) v->n * v->c * v->h * v->w, dims))
      return FALSE;
    return import_reshape_to (im, x, in[1]->n, dims);
  }
  if (strcmp (op, "Squeeze") == 0 && v->rank == 4 && v->h == 1 && v->w == 1) {
    gint64 dims[2] = { v->n, v->c };
    return import_reshape_to (im, x, 2, dims);
  }
  if (strcmp (op, "Gemm") == 0 || strcmp (op, "MatMul") == 0)
    return import_gemm (im, x, n_in > 1 ? in[1] : NULL, n_in > 2 ? in[2] :
        NULL, op[0] == 'M');
  if (strcmp (op, "Pad") == 0)
    return import_pad (im, x, in, n_in);
  if (strcmp (op, "Slice") == 0)
    return import_slice (im, x, in, n_in);
  if (strcmp (op, "Softmax") == 0) {
    gint64 axis = attr_int (im->node, "axis", im->model->opset >= 13 ? -1 : 1);
    int a = norm_axis (axis, v->rank);
    if (!(a == 1 || (v->h * v->w == 1 && a == v->rank - 1)))
      return UNSUPPORTED ("softmax over axis %" G_GINT64_FORMAT " of a %d-D "
          "tensor is not supported", axis, v->rank);
    return finish_node (im, new_node (im, OCL_OP_SOFTMAX, x));
  }
  return UNSUPPORTED ("operator '%s' is not supported (supported: Conv, "
      "BatchNormalization, Relu, MaxPool, AveragePool, GlobalAveragePool, "
      "Add, Flatten, Reshape, Gemm, MatMul, Identity, Dropout, Pad, Slice, "
      "Softmax, and constant shape arithmetic)", op);
}

static gboolean
import_node (Import * im)
{
  Onnx__NodeProto *node = im->node;
  int n_in = node->n_input;
  OclConst **in = g_newa (OclConst *, n_in + 1);
  int *vin = g_newa (int, n_in + 1);
  gboolean all_const = TRUE, folded;
  OclConst *c;

  if (!is_onnx_domain (node->domain))
    return UNSUPPORTED ("operator domain '%s' is not supported",
        node->domain);
  if (node->n_output < 1)
    return UNSUPPORTED ("it has no output");
  for (int k = 0; k < n_in; k++) {
    Entry *e;
    in[k] = NULL;
    vin[k] = -1;
    if (node->input[k][0] == '\0')
      continue;
    e = g_hash_table_lookup (im->names, node->input[k]);
    if (e == NULL)
      return node_error (im, OCL_ERROR_PARSE, "input '%s' is not produced by "
          "any earlier node or initializer", node->input[k]);
    in[k] = e->c;
    vin[k] = e->c ? -1 : e->value;
    if (!e->c)
      all_const = FALSE;
  }

  if (strcmp (node->op_type, "Shape") == 0 && n_in == 1 && vin[0] >= 0) {
    OclValue *v = val (im, vin[0]);
    gint64 all[4] = { v->n, v->c, v->h, v->w }, r = v->rank;
    gint64 start = attr_int (node, "start", 0), end = attr_int (node, "end",
        r);
    OclConst *o;
    start = CLAMP (start < 0 ? start + r : start, 0, r);
    end = CLAMP (end < 0 ? end + r : end, start, r);
    r = end - start;
    o = ocl_const_new (OCL_DT_INT64, 1, &r);
    memcpy (o->i, all + start, r * sizeof (gint64));
    define_const (im, node->output[0], o);
    return TRUE;
  }
  if (all_const) {
    c = fold_node (im, in, n_in, &folded);
    if (folded) {
      if (c == NULL)
        return FALSE;
      define_const (im, node->output[0], c);
      return TRUE;
    }
    if (n_in == 0 || in[0] != NULL)
      return UNSUPPORTED ("operator '%s' on constant inputs is not supported",
          node->op_type);
  }
  return import_runtime (im, in, vin, n_in);
}

OclGraph *
ocl_model_build_graph (const OclModel * model, const gint64 shape[4],
    GError ** error)
{
  Onnx__GraphProto *gp = model->proto->graph;
  Import im = { 0 };
  Entry *out;
  int x;

  for (int d = 0; d < 4; d++)
    if (shape[d] <= 0 || shape[d] > 65536) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_SHAPE, "bad input shape %"
          G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%"
          G_GINT64_FORMAT, shape[0], shape[1], shape[2], shape[3]);
      return NULL;
    }
  if (model->input_shape[1] > 0 && shape[1] != model->input_shape[1]) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_SHAPE, "input of %"
        G_GINT64_FORMAT " channels given; model '%s' takes %" G_GINT64_FORMAT,
        shape[1], model->path, model->input_shape[1]);
    return NULL;
  }
  im.model = model;
  im.error = error;
  im.g = ocl_graph_new ();
  im.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) entry_free);

  x = ocl_graph_add_value (im.g, model->input_name, 4, shape[0], shape[1],
      shape[2], shape[3]);
  im.g->input = x;
  define_value (&im, model->input_name, x);

  for (size_t i = 0; i < gp->n_initializer; i++) {
    OclConst *c;
    Onnx__NodeProto fake = ONNX__NODE_PROTO__INIT;
    fake.op_type = (char *) "initializer";
    im.node = &fake;
    g_free (im.node_name);
    im.node_name = g_strdup (gp->initializer[i]->name);
    c = tensor_to_const (&im, gp->initializer[i], "initializer");
    if (c == NULL)
      goto fail;
    define_const (&im, gp->initializer[i]->name, c);
  }
  im.node = NULL;

  for (size_t i = 0; i < gp->n_node; i++) {
    im.node = gp->node[i];
    g_free (im.node_name);
    im.node_name = im.node->name && im.node->name[0] ?
        g_strdup (im.node->name) : g_strdup_printf ("%s_%u",
        im.node->op_type, (guint) i);
    if (!import_node (&im))
      goto fail;
  }

  out = g_hash_table_lookup (im.names, gp->output[0]->name);
  if (out == NULL || out->c) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED, "model output '%s' "
        "is %s", gp->output[0]->name, out ? "a constant" :
        "not produced by any node");
    goto fail;
  }
  im.g->output = out->value;
  g_free (im.node_name);
  g_hash_table_unref (im.names);
  return im.g;

fail:
  g_free (im.node_name);
  g_hash_table_unref (im.names);
  ocl_graph_free (im.g);
  return NULL;
}
