/* Reading an ONNX file: the mapping, protobuf-c, the wire-level handling
 * that leaves large initializer data in the mapped file, and the checks on
 * the graph's own names and counts.  Nodes are checked as they are
 * imported (onnx-import.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "onnx-import.h"

/* ---- model file --------------------------------------------------------- */

gboolean
ocl_onnx_is_onnx_domain (const char *d)
{
  return d == NULL || d[0] == '\0' || strcmp (d, "ai.onnx") == 0;
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

typedef struct
{
  const guint8 *p, *end;
} Cursor;

typedef struct
{
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
    OclRawRef * ref)
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

/* GraphProto: initializers (5) stripped, one OclRawRef each, in order. */
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
      OclRawRef r;
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
  GArray *raws = g_array_new (FALSE, FALSE, sizeof (OclRawRef));
  Onnx__GraphProto *g;

  if (strip_model (data, len, small, raws)
      && (m->proto = onnx__model_proto__unpack (NULL, small->len,
              small->data)) != NULL) {
    g = m->proto->graph;
    if (g ? g->n_initializer == raws->len : raws->len == 0) {
      for (guint i = 0; i < raws->len; i++) {
        OclRawRef *r = &g_array_index (raws, OclRawRef, i);
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

static gboolean
has_name (const char *name)
{
  return name != NULL && name[0] != '\0';
}

/* Whether graph input @name is read by one node only, a Transpose to NCHW
 * (perm 0, 3, 1, 2): an N x H x W x C input. */
static gboolean
input_is_nhwc (const Onnx__GraphProto * g, const char *name)
{
  const Onnx__NodeProto *t = NULL;
  int readers = 0;

  for (size_t i = 0; i < g->n_node; i++)
    for (size_t k = 0; k < g->node[i]->n_input; k++)
      if (g_strcmp0 (g->node[i]->input[k], name) == 0) {
        readers++;
        t = g->node[i];
      }
  if (readers != 1 || t == NULL || strcmp (t->op_type, "Transpose") != 0)
    return FALSE;
  for (size_t a = 0; a < t->n_attribute; a++) {
    const Onnx__AttributeProto *p = t->attribute[a];
    if (g_strcmp0 (p->name, "perm") == 0)
      return p->n_ints == 4 && p->ints[0] == 0 && p->ints[1] == 3
          && p->ints[2] == 1 && p->ints[3] == 2;
  }
  return FALSE;
}

/* What the graph itself must satisfy before any node is looked at: every
 * name the format requires, one float image input of rank 4, one output. */
static gboolean
check_graph (OclModel * m, GError ** error)
{
  Onnx__GraphProto *g = m->proto->graph;
  Onnx__ValueInfoProto *in = NULL;
  Onnx__TensorShapeProto *shape;
  Onnx__TypeProto *t;
  /* A set, not a scan per graph input: the Model Zoo's old form lists every
   * initializer among the inputs. */
  g_autoptr (GHashTable) inits = g_hash_table_new (g_str_hash, g_str_equal);

  for (size_t i = 0; i < g->n_initializer; i++) {
    if (!has_name (g->initializer[i]->name)) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s': initializer %u "
          "has no name", m->path, (guint) i);
      return FALSE;
    }
    g_hash_table_add (inits, g->initializer[i]->name);
  }
  for (size_t i = 0; i < g->n_node; i++)
    if (!has_name (g->node[i]->op_type)) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s': node %u ('%s') "
          "has no operator type", m->path, (guint) i,
          g->node[i]->name ? g->node[i]->name : "");
      return FALSE;
    }
  for (size_t i = 0; i < g->n_input; i++) {
    if (!has_name (g->input[i]->name)) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s': graph input %u "
          "has no name", m->path, (guint) i);
      return FALSE;
    }
    if (g_hash_table_contains (inits, g->input[i]->name))
      continue;
    if (in != NULL) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
          "'%s' has more than one input ('%s', '%s'); one image tensor is "
          "supported", m->path, in->name, g->input[i]->name);
      return FALSE;
    }
    in = g->input[i];
  }
  if (in == NULL || g->n_output == 0 || g->n_output > OCL_MAX_OUTPUTS) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
        "'%s' has %s; one input and 1 to %d outputs are supported",
        m->path, in == NULL ? "no input" : g->n_output == 0 ? "no output" :
        "too many outputs", OCL_MAX_OUTPUTS);
    return FALSE;
  }
  for (size_t i = 0; i < g->n_output; i++) {
    if (!has_name (g->output[i]->name)) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s': graph output %u "
          "has no name", m->path, (guint) i);
      return FALSE;
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp (g->output[i]->name, g->output[j]->name) == 0) {
        g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s': graph output "
            "'%s' is listed twice", m->path, g->output[i]->name);
        return FALSE;
      }
  }
  m->input_name = in->name;
  t = in->type;
  if (t == NULL || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      || t->tensor_type == NULL || (t->tensor_type->elem_type != 1
          && t->tensor_type->elem_type != 10)) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
        "'%s': input '%s' is not a float32 or float16 tensor", m->path,
        in->name);
    return FALSE;
  }
  /* A float16 input and output are fed and read as float32: the net runs
   * in float32.  The tool writes float16 back for a float16 output. */
  m->input_half = t->tensor_type->elem_type == 10;
  shape = t->tensor_type->shape;
  if (shape == NULL || shape->n_dim != 4) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
        "'%s': input '%s' has rank %d; an N x C x H x W image batch is "
        "expected", m->path, in->name, shape ? (int) MIN (shape->n_dim,
            G_MAXINT) : -1);
    return FALSE;
  }
  for (int i = 0; i < 4; i++) {
    Onnx__TensorShapeProto__Dimension *d = shape->dim[i];
    gboolean value =
        d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    /* A size too large to run is the file's error, not a free choice left
     * to the caller: said here, before anyone picks a size of their own.
     * Zero and negative values are read as symbolic, as some converters
     * mean them. */
    if (value && d->dim_value > OCL_MAX_WINDOW) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED,
          "'%s': input '%s' declares dimension %d as %" G_GINT64_FORMAT
          "; at most %d can be run", m->path, in->name, i, d->dim_value,
          OCL_MAX_WINDOW);
      return FALSE;
    }
    m->input_shape[i] = value && d->dim_value > 0 ? d->dim_value : -1;
  }
  m->input_nhwc = input_is_nhwc (g, in->name);
  if (m->input_nhwc) {
    gint64 nhwc[4];
    memcpy (nhwc, m->input_shape, sizeof (nhwc));
    m->input_shape[1] = nhwc[3];
    m->input_shape[2] = nhwc[1];
    m->input_shape[3] = nhwc[2];
  }
  return TRUE;
}

/* ---- external data --------------------------------------------------------
 *
 * Each file that initializers name is opened and mapped once, when the
 * model loads, whatever the number of tensors that view into it: 2,000
 * tensors naming one file cost one mapping.  A location must stay inside
 * the model's folder (as the ONNX checker and onnxruntime demand): no
 * absolute path, no "..", and no symbolic link that resolves outside. */

/* The "location" of external tensor @t, or NULL. */
const char *
ocl_model_external_location (const Onnx__TensorProto * t)
{
  for (size_t i = 0; i < t->n_external_data; i++)
    if (g_strcmp0 (t->external_data[i]->key, "location") == 0)
      return t->external_data[i]->value;
  return NULL;
}

static gboolean
location_ok (const char *loc)
{
  g_auto (GStrv) parts = NULL;

  if (loc[0] == '\0' || g_path_is_absolute (loc))
    return FALSE;
  parts = g_strsplit_set (loc, "/\\", -1);
  for (int i = 0; parts[i]; i++)
    if (strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

/* Maps the file external tensor @t names, unless mapped already; @by_real
 * shares one mapping between locations that resolve to one file. */
static gboolean
map_tensor (OclModel * m, const Onnx__TensorProto * t, GHashTable * by_real,
    GError ** error)
{
  const char *loc = ocl_model_external_location (t);
  g_autofree char *real = NULL;
  GMappedFile *file;
  GError *err = NULL;

  if (!t->has_data_location
      || t->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return TRUE;
  if (loc == NULL || !location_ok (loc)) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s': tensor '%s' is "
        "external but names %s", m->path, t->name ? t->name : "",
        loc ? "a location outside the model's folder" : "no location");
    return FALSE;
  }
  if (g_hash_table_contains (m->externals, loc))
    return TRUE;
  if (m->real_dir == NULL && (m->real_dir = realpath (m->dir, NULL)) == NULL) {
    int e = errno;
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "'%s': cannot resolve its "
        "folder: %s", m->path, g_strerror (e));
    return FALSE;
  }
  real = ocl_file_resolve_inside (m->dir, m->real_dir, loc, "external data",
      &err);
  file = real ? g_hash_table_lookup (by_real, real) : NULL;
  if (real && file == NULL
      && (file = ocl_file_map (real, "external data", &err)) != NULL)
    g_hash_table_insert (by_real, g_strdup (real), file);
  if (file == NULL) {
    g_set_error (error, OCL_ERROR, err->code, "'%s': tensor '%s': %s",
        m->path, t->name ? t->name : "", err->message);
    g_error_free (err);
    return FALSE;
  }
  g_hash_table_insert (m->externals, g_strdup (loc), g_mapped_file_ref (file));
  return TRUE;
}

/* Every tensor that may keep its data in a file: the initializers and the
 * nodes' tensor attributes (a Constant's value; onnx's external-data
 * helpers move those too). */
static gboolean
map_externals (OclModel * m, GError ** error)
{
  Onnx__GraphProto *g = m->proto->graph;
  g_autoptr (GHashTable) by_real = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, (GDestroyNotify) g_mapped_file_unref);

  m->externals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_mapped_file_unref);
  for (size_t i = 0; i < g->n_initializer; i++)
    if (!map_tensor (m, g->initializer[i], by_real, error))
      return FALSE;
  for (size_t i = 0; i < g->n_node; i++)
    for (size_t a = 0; a < g->node[i]->n_attribute; a++) {
      const Onnx__AttributeProto *p = g->node[i]->attribute[a];
      if (p->t && !map_tensor (m, p->t, by_real, error))
        return FALSE;
      for (size_t k = 0; k < p->n_tensors; k++)
        if (!map_tensor (m, p->tensors[k], by_real, error))
          return FALSE;
    }
  return TRUE;
}

OclModel *
ocl_model_load (const char *path, GError ** error)
{
  g_autoptr (GMappedFile) file = NULL;
  OclModel *m;
  gsize len;

  file = ocl_file_map (path, "model", error);
  if (file == NULL)
    return NULL;
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

  m->opset = -1;
  for (size_t i = 0; i < m->proto->n_opset_import; i++)
    if (ocl_onnx_is_onnx_domain (m->proto->opset_import[i]->domain))
      m->opset = m->proto->opset_import[i]->version;
  /* Each operator says at which opsets it is supported (onnx-registry.c);
   * the file only has to declare one in the range any of them knows. */
  if (m->opset < 0) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED, "'%s' declares no "
        "opset of the default ONNX domain", path);
    goto fail;
  }
  if (m->opset < OCL_ONNX_MIN_OPSET || m->opset > OCL_ONNX_MAX_OPSET) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_UNSUPPORTED, "'%s' uses ONNX "
        "opset %" G_GINT64_FORMAT "; opsets %d to %d are supported "
        "(onnx.version_converter.convert_version (model, %d) converts a "
        "file)", path, m->opset, OCL_ONNX_MIN_OPSET, OCL_ONNX_MAX_OPSET,
        OCL_ONNX_MAX_OPSET);
    goto fail;
  }
  if (!check_graph (m, error) || !map_externals (m, error))
    goto fail;
  return m;

fail:
  ocl_error_make_one_line (error);
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
      if (g_array_index (m->raws, OclRawRef, i).data) {
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
  if (m->externals)
    g_hash_table_unref (m->externals);
  free (m->real_dir);
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

gboolean
ocl_model_output_is_half (const OclModel * m, guint i)
{
  const Onnx__TypeProto *o = m->proto->graph->output[i]->type;

  return o && o->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
      && o->tensor_type && o->tensor_type->elem_type == 10;
}

gboolean
ocl_model_input_is_nhwc (const OclModel * m)
{
  return m->input_nhwc;
}

void
ocl_model_get_half_io (const OclModel * m, gboolean * input, gboolean * output)
{
  if (input)
    *input = m->input_half;
  if (output)
    *output = ocl_model_output_is_half (m, 0);
}

const char *
ocl_model_get_path (const OclModel * m)
{
  return m->path;
}
