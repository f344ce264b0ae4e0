/* GstResnetModel: loading, labels, metadata defaults, per-class
 * thresholds. */
#include <math.h>
#include <string.h>
#include "gstresnetmodel.h"

GQuark
gst_resnet_model_error_quark (void)
{
  return g_quark_from_static_string ("gst-resnet-model-error-quark");
}

GstResnetModel *
gst_resnet_model_ref (GstResnetModel * m)
{
  g_atomic_int_inc (&m->refcount);
  return m;
}

void
gst_resnet_model_unref (GstResnetModel * m)
{
  if (m == NULL || !g_atomic_int_dec_and_test (&m->refcount))
    return;
  ocl_net_free (m->net);
  g_free (m->model_path);
  g_free (m->model_name);
  for (guint i = 0; i < m->n_outputs; i++) {
    g_free (m->outputs[i].name);
    g_free (m->outputs[i].labels);
  }
  g_free (m->outputs);
  g_free (m->channel_order);
  g_free (m->resize_mode);
  g_free (m);
}

/* Reads "a,b,c" from metadata key @key into @out. */
static gboolean
metadata_triple (const OclModel * model, const char *key, gdouble out[3])
{
  const char *v = ocl_model_get_metadata (model, key);
  g_auto (GStrv) parts = NULL;

  if (v == NULL)
    return FALSE;
  parts = g_strsplit_set (v, ",; ", -1);
  if (g_strv_length (parts) != 3)
    return FALSE;
  for (int i = 0; i < 3; i++) {
    char *end;
    out[i] = g_ascii_strtod (parts[i], &end);
    if (end == parts[i])
      return FALSE;
  }
  return TRUE;
}

/* The text of @path, a regular file (a FIFO or device is refused without
 * waiting on it), or FALSE with @error (@code) saying why not. */
static gboolean
read_text (const gchar * path, const gchar * what, GstResnetModelError code,
    gchar ** text, GError ** error)
{
  GError *err = NULL;

  if (ocl_file_get_contents (path, what, text, NULL, &err))
    return TRUE;
  g_set_error_literal (error, GST_RESNET_MODEL_ERROR, code, err->message);
  g_error_free (err);
  return FALSE;
}

/* Output @o's labels: from @path (one per line) for the first output,
 * else the metadata "labels.NAME", else (first output) "labels", else the
 * class numbers.  Labels that do not match the output's length are an
 * error naming where they came from. */
static gboolean
load_labels (GstResnetOutput * o, gboolean first, const OclModel * model,
    const gchar * path, GError ** error)
{
  g_autofree gchar *text = NULL, *key = g_strconcat ("labels.", o->name, NULL);
  g_autofree gchar *where = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (first && path && *path) {
    if (!read_text (path, "labels file", GST_RESNET_MODEL_LABELS, &text, error))
      return FALSE;
    where = g_strdup (path);
  } else if (ocl_model_get_metadata (model, key)) {
    text = g_strdup (ocl_model_get_metadata (model, key));
    where = g_strdup_printf ("the model's '%s' metadata", key);
  } else if (first && ocl_model_get_metadata (model, "labels")) {
    text = g_strdup (ocl_model_get_metadata (model, "labels"));
    where = g_strdup ("the model's labels metadata");
  }
  if (text) {
    g_strchomp (text);
    lines = g_strsplit (text, "\n", -1);
    n = g_strv_length (lines);
    if (n != o->n) {
      g_set_error (error, GST_RESNET_MODEL_ERROR, GST_RESNET_MODEL_LABELS,
          "%s has %u labels but output '%s' has %u classes", where, n,
          o->name, o->n);
      return FALSE;
    }
  }
  o->labels = g_new0 (GQuark, o->n);
  for (guint i = 0; i < o->n; i++) {
    if (lines) {
      g_strstrip (lines[i]);
      o->labels[i] = g_quark_from_string (lines[i]);
    } else {
      g_autofree gchar *s = g_strdup_printf ("%u", i);
      o->labels[i] = g_quark_from_string (s);
    }
  }
  return TRUE;
}

/* Applies "OUTPUT:KIND,..." (@what names where it came from) to @kinds,
 * one per output of @m. */
static gboolean
parse_heads (const GstResnetModel * m, const gchar * spec, const gchar * what,
    GstClassificationHeadKind * kinds, GError ** error)
{
  g_auto (GStrv) items = g_strsplit (spec, ",", -1);

  for (guint i = 0; items[i]; i++) {
    gchar *item = g_strstrip (items[i]), *colon = strrchr (item, ':');
    GstClassificationHeadKind kind;
    guint o;
    if (*item == '\0')
      continue;
    if (colon == NULL || !gst_classification_head_kind_from_name (g_strstrip
            (colon + 1), &kind)) {
      g_set_error (error, GST_RESNET_MODEL_ERROR, GST_RESNET_MODEL_HEADS,
          "%s: '%s' is not OUTPUT:KIND with KIND softmax, multilabel or "
          "embedding", what, item);
      return FALSE;
    }
    *colon = '\0';
    g_strstrip (item);
    for (o = 0; o < m->n_outputs && strcmp (m->outputs[o].name, item); o++);
    if (o == m->n_outputs) {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint k = 0; k < m->n_outputs; k++)
        g_string_append_printf (names, "%s'%s'", k ? ", " : "",
            m->outputs[k].name);
      g_set_error (error, GST_RESNET_MODEL_ERROR, GST_RESNET_MODEL_HEADS,
          "%s names output '%s'; model %s has %s", what, item, m->model_name,
          names->str);
      return FALSE;
    }
    kinds[o] = kind;
  }
  return TRUE;
}

GstResnetHead *
gst_resnet_model_heads (const GstResnetModel * m, const gchar * spec,
    GError ** error)
{
  g_autofree GstClassificationHeadKind *kinds =
      g_new (GstClassificationHeadKind, m->n_outputs);
  GstResnetHead *heads;

  for (guint o = 0; o < m->n_outputs; o++)
    kinds[o] = m->outputs[o].kind;
  if (spec && *spec && !parse_heads (m, spec, "heads", kinds, error))
    return NULL;
  heads = g_new0 (GstResnetHead, m->n_outputs);
  for (guint o = 0; o < m->n_outputs; o++) {
    const GstResnetOutput *out = &m->outputs[o];
    if (kinds[o] != GST_CLASSIFICATION_HEAD_EMBEDDING && out->spatial) {
      g_set_error (error, GST_RESNET_MODEL_ERROR, GST_RESNET_MODEL_OUTPUT,
          "output '%s' of model %s is not N x classes scores (it has more "
          "than one value per channel); a %s head needs them", out->name,
          m->model_name, gst_classification_head_kind_get_name (kinds[o]));
      g_free (heads);
      return NULL;
    }
    heads[o].name = g_quark_from_string (out->name);
    heads[o].kind = kinds[o];
    heads[o].offset = out->offset;
    heads[o].n = out->n;
    heads[o].labels = out->labels;
    heads[o].activated = (kinds[o] == GST_CLASSIFICATION_HEAD_SOFTMAX
        && out->last == OCL_OUTPUT_LAST_SOFTMAX)
        || (kinds[o] == GST_CLASSIFICATION_HEAD_MULTILABEL
        && out->last == OCL_OUTPUT_LAST_SIGMOID);
  }
  return heads;
}

/* The outputs of @m's net: places, kinds (metadata "heads", else by the
 * last op) and labels. */
static gboolean
load_outputs (GstResnetModel * m, const OclModel * model,
    const gchar * labels, GError ** error)
{
  const char *spec = ocl_model_get_metadata (model, "heads");
  g_autofree GstClassificationHeadKind *kinds = NULL;
  g_autofree GstResnetHead *heads = NULL;

  m->n_outputs = ocl_net_get_n_outputs (m->net);
  m->outputs = g_new0 (GstResnetOutput, m->n_outputs);
  for (guint o = 0; o < m->n_outputs; o++) {
    OclOutputInfo info;
    ocl_net_get_output (m->net, o, &info);
    m->outputs[o].name = g_strdup (info.name);
    m->outputs[o].offset = info.offset;
    m->outputs[o].n = info.size;
    m->outputs[o].spatial = info.size != (gsize) info.dims[1];
    m->outputs[o].last = info.last;
    m->outputs[o].kind = info.last == OCL_OUTPUT_LAST_SIGMOID ?
        GST_CLASSIFICATION_HEAD_MULTILABEL : GST_CLASSIFICATION_HEAD_SOFTMAX;
  }
  m->n_values = ocl_net_get_output_size (m->net) / m->batch;
  kinds = g_new (GstClassificationHeadKind, m->n_outputs);
  if (spec) {
    for (guint o = 0; o < m->n_outputs; o++)
      kinds[o] = m->outputs[o].kind;
    if (!parse_heads (m, spec, "the model's heads metadata", kinds, error))
      return FALSE;
    for (guint o = 0; o < m->n_outputs; o++)
      m->outputs[o].kind = kinds[o];
  }
  for (guint o = 0; o < m->n_outputs; o++)
    if (!load_labels (&m->outputs[o], o == 0, model, labels, error))
      return FALSE;
  /* What the model says of itself must run. */
  heads = gst_resnet_model_heads (m, NULL, error);
  return heads != NULL;
}

/* The model's input height and width: declared in the file, else from
 * metadata "input_size" (HxW), else 224x224. */
static void
model_input_size (const OclModel * model, gint64 * h, gint64 * w)
{
  gint64 shape[4];
  const char *v = ocl_model_get_metadata (model, "input_size");

  ocl_model_get_input_shape (model, shape);
  *h = shape[2];
  *w = shape[3];
  if ((*h <= 0 || *w <= 0) && v) {
    g_auto (GStrv) p = g_strsplit (v, "x", 2);
    if (g_strv_length (p) == 2) {
      *h = g_ascii_strtoll (p[0], NULL, 10);
      *w = g_ascii_strtoll (p[1], NULL, 10);
    }
  }
  if (*h <= 0 || *w <= 0)
    *h = *w = 224;
}

GstResnetModel *
gst_resnet_model_load (OclContext * ctx, const gchar * path,
    const gchar * labels, gint batch, GError ** error)
{
  GstResnetModel *m = g_new0 (GstResnetModel, 1);
  OclModel *model = ocl_model_load (path, error);
  gint64 shape[4];
  const char *v;

  m->refcount = 1;
  m->model_path = g_strdup (path);
  m->batch = batch;
  if (model == NULL)
    goto fail;
  model_input_size (model, &m->input_h, &m->input_w);
  shape[0] = batch;
  shape[1] = 3;
  shape[2] = m->input_h;
  shape[3] = m->input_w;
  m->net = ocl_net_new (ctx, model, shape, error);
  if (m->net == NULL)
    goto fail;
  v = ocl_model_get_metadata (model, "name");
  m->model_name = v ? g_strdup (v) : g_path_get_basename (path);
  if (!v && g_str_has_suffix (m->model_name, ".onnx"))
    m->model_name[strlen (m->model_name) - 5] = '\0';
  if (!load_outputs (m, model, labels, error))
    goto fail;
  m->has_mean = metadata_triple (model, "mean", m->mean);
  m->has_std = metadata_triple (model, "std", m->std);
  m->channel_order = g_strdup (ocl_model_get_metadata (model, "channel_order"));
  m->resize_mode = g_strdup (ocl_model_get_metadata (model, "resize_mode"));
  ocl_model_free (model);
  return m;

fail:
  ocl_model_free (model);
  gst_resnet_model_unref (m);
  return NULL;
}

gfloat *
gst_resnet_model_parse_thresholds (const GstResnetModel * m,
    const gchar * spec, GError ** error)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) items = NULL;
  g_autoptr (GString) unknown = g_string_new (NULL);
  gfloat *t;

  if (spec == NULL || *spec == '\0')
    return NULL;
  if (g_file_test (spec, G_FILE_TEST_IS_REGULAR)) {
    if (!read_text (spec, "class-thresholds file",
            GST_RESNET_MODEL_THRESHOLDS, &text, error))
      return NULL;
  } else {
    text = g_strdup (spec);
  }
  t = g_new (gfloat, m->n_values);
  for (guint c = 0; c < m->n_values; c++)
    t[c] = NAN;
  items = g_strsplit_set (text, ",\n", -1);
  for (guint i = 0; items[i]; i++) {
    gchar *item = g_strstrip (items[i]), *colon = strrchr (item, ':'), *end;
    GQuark q;
    gdouble v;
    gboolean found = FALSE;
    if (*item == '\0' || *item == '#')
      continue;
    if (colon == NULL) {
      g_set_error (error, GST_RESNET_MODEL_ERROR,
          GST_RESNET_MODEL_THRESHOLDS, "class-thresholds "
          "entry '%s' is not label:threshold", item);
      g_free (t);
      return NULL;
    }
    *colon = '\0';
    v = g_ascii_strtod (colon + 1, &end);
    if (end == colon + 1 || *end != '\0' || !(v >= 0.0 && v <= 1.0)) {
      g_set_error (error, GST_RESNET_MODEL_ERROR,
          GST_RESNET_MODEL_THRESHOLDS, "class-thresholds "
          "entry for '%s' needs a threshold from 0 to 1", g_strstrip (item));
      g_free (t);
      return NULL;
    }
    q = g_quark_try_string (g_strstrip (item));
    for (guint o = 0; q && o < m->n_outputs; o++)
      for (guint c = 0; c < m->outputs[o].n; c++)
        if (m->outputs[o].labels[c] == q) {
          t[m->outputs[o].offset + c] = v;
          found = TRUE;
        }
    if (!found)
      g_string_append_printf (unknown, "%s'%s'", unknown->len ? ", " : "",
          item);
  }
  if (unknown->len) {
    g_set_error (error, GST_RESNET_MODEL_ERROR,
        GST_RESNET_MODEL_THRESHOLDS, "class-thresholds "
        "names labels model %s does not have: %s", m->model_name, unknown->str);
    g_free (t);
    return NULL;
  }
  return t;
}

gchar **
gst_resnet_model_default_dirs (const gchar * data_dir,
    const gchar * plugin_file)
{
  gchar **dirs = g_new0 (gchar *, 3);

  dirs[0] = g_strdup (data_dir);
  if (plugin_file) {
    g_autofree gchar *plugin_dir = g_path_get_dirname (plugin_file);
    dirs[1] = g_build_filename (plugin_dir, "..", "models", NULL);
  }
  return dirs;
}

gchar *
gst_resnet_model_find_default (gchar ** dirs)
{
  for (guint i = 0; dirs[i]; i++) {
    gchar *p = g_build_filename (dirs[i], GST_RESNET_MODEL_DEFAULT_FILE, NULL);
    if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
      return p;
    g_free (p);
  }
  return NULL;
}
