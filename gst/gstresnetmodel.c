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
  g_free (m->labels);
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

/* Labels from @path (one per line) or the model's "labels" metadata (one
 * per line), else the class numbers. */
static gboolean
load_labels (GstResnetModel * m, const OclModel * model, const gchar * path,
    GError ** error)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  if (path && *path) {
    if (!read_text (path, "labels file", GST_RESNET_MODEL_LABELS, &text, error))
      return FALSE;
  } else if (ocl_model_get_metadata (model, "labels")) {
    text = g_strdup (ocl_model_get_metadata (model, "labels"));
  }
  if (text) {
    g_strchomp (text);
    lines = g_strsplit (text, "\n", -1);
    n = g_strv_length (lines);
    if (n != m->n_classes) {
      g_set_error (error, GST_RESNET_MODEL_ERROR, GST_RESNET_MODEL_LABELS,
          "%s has %u labels but the model has %u classes",
          path && *path ? path : "the model's labels metadata", n,
          m->n_classes);
      return FALSE;
    }
  }
  m->labels = g_new0 (GQuark, m->n_classes);
  for (guint i = 0; i < m->n_classes; i++) {
    if (lines) {
      g_strstrip (lines[i]);
      m->labels[i] = g_quark_from_string (lines[i]);
    } else {
      g_autofree gchar *s = g_strdup_printf ("%u", i);
      m->labels[i] = g_quark_from_string (s);
    }
  }
  return TRUE;
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
  gint64 shape[4], dims[4];
  const char *v;
  int nd;

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
  ocl_net_get_output_shape (m->net, &nd, dims);
  if (nd != 2) {
    g_set_error (error, GST_RESNET_MODEL_ERROR, GST_RESNET_MODEL_OUTPUT,
        "model '%s' does not output N x classes scores (its output has %d "
        "dimensions)", path, nd);
    goto fail;
  }
  m->n_classes = dims[1];
  m->probabilities = ocl_net_output_is_probability (m->net);
  if (!load_labels (m, model, labels, error))
    goto fail;
  v = ocl_model_get_metadata (model, "name");
  m->model_name = v ? g_strdup (v) : g_path_get_basename (path);
  if (!v && g_str_has_suffix (m->model_name, ".onnx"))
    m->model_name[strlen (m->model_name) - 5] = '\0';
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
  t = g_new (gfloat, m->n_classes);
  for (guint c = 0; c < m->n_classes; c++)
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
    for (guint c = 0; q && c < m->n_classes; c++)
      if (m->labels[c] == q) {
        t[c] = v;
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
