/* The JSON writer of classificationpublish. */
#include <math.h>
#include <json-glib/json-glib.h>
#include <gst/video/video.h>
#include "publish-json.h"

static void
add_time (JsonBuilder * b, const gchar * name, GstClockTime t)
{
  json_builder_set_member_name (b, name);
  if (GST_CLOCK_TIME_IS_VALID (t))
    json_builder_add_int_value (b, (gint64) MIN (t, (guint64) G_MAXINT64));
  else
    json_builder_add_null_value (b);
}

/* A number, or null where JSON has none (NaN, infinities). */
static void
add_number (JsonBuilder * b, gdouble v)
{
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_class (JsonBuilder * b, gint id, GQuark label, gfloat conf)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label ? g_quark_to_string (label) : "");
  json_builder_set_member_name (b, "class_id");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "confidence");
  add_number (b, conf);
  json_builder_end_object (b);
}

/* {"name", "kind", "classes": [...]}, or "vector": [...] for an
 * embedding. */
static void
add_head (JsonBuilder * b, GstClassificationMeta * m, guint h)
{
  GstClassificationHeadKind kind = gst_classification_meta_get_head_kind (m, h);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, gst_classification_meta_get_head_name (m,
          h));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, gst_classification_head_kind_get_name
      (kind));
  if (kind == GST_CLASSIFICATION_HEAD_EMBEDDING) {
    guint n;
    const gfloat *v = gst_classification_meta_get_head_vector (m, h, &n);
    json_builder_set_member_name (b, "vector");
    json_builder_begin_array (b);
    for (guint i = 0; i < n; i++)
      add_number (b, v[i]);
    json_builder_end_array (b);
  } else {
    json_builder_set_member_name (b, "classes");
    json_builder_begin_array (b);
    for (guint i = 0; i < gst_classification_meta_get_head_n_results (m, h);
        i++) {
      gint id;
      GQuark label;
      gfloat conf;
      gst_classification_meta_get_head_result (m, h, i, &id, &label, &conf);
      add_class (b, id, label, conf);
    }
    json_builder_end_array (b);
  }
  json_builder_end_object (b);
}

static void
add_result (JsonBuilder * b, GstBuffer * buf, GstClassificationMeta * m)
{
  gboolean region = !gst_classification_meta_is_whole_frame (m);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "region");
  json_builder_add_boolean_value (b, region);
  json_builder_set_member_name (b, "roi_id");
  json_builder_add_int_value (b, region ? m->roi_id : -1);
  if (region) {
    GstVideoRegionOfInterestMeta *roi =
        gst_classification_meta_get_region (m, buf);
    if (roi) {
      json_builder_set_member_name (b, "roi");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "x");
      json_builder_add_int_value (b, roi->x);
      json_builder_set_member_name (b, "y");
      json_builder_add_int_value (b, roi->y);
      json_builder_set_member_name (b, "w");
      json_builder_add_int_value (b, roi->w);
      json_builder_set_member_name (b, "h");
      json_builder_add_int_value (b, roi->h);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, roi->roi_type ?
          g_quark_to_string (roi->roi_type) : "");
      json_builder_end_object (b);
    }
  }
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, gst_classification_meta_get_model (m));
  json_builder_set_member_name (b, "fresh");
  json_builder_add_boolean_value (b, m->fresh);
  json_builder_set_member_name (b, "inference_time_ms");
  json_builder_add_double_value (b, m->inference_time / 1000.0);
  json_builder_set_member_name (b, "smoothed_over");
  json_builder_add_int_value (b, MAX (m->smoothed_over, 1));
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; i < gst_classification_meta_get_n_results (m); i++) {
    gint id;
    GQuark label;
    gfloat conf;

    gst_classification_meta_get_result (m, i, &id, &label, &conf);
    add_class (b, id, label, conf);
  }
  json_builder_end_array (b);
  if (gst_classification_meta_get_n_heads (m) > 0) {
    json_builder_set_member_name (b, "heads");
    json_builder_begin_array (b);
    for (guint h = 0; h < gst_classification_meta_get_n_heads (m); h++)
      add_head (b, m, h);
    json_builder_end_array (b);
  }
  json_builder_end_object (b);
}

/* One line of JSON (no newline inside: the generator is not pretty). */
gchar *
publish_json_frame (const PublishFrame * f, GstBuffer * buf, GPtrArray * metas,
    gsize * len)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen;
  JsonNode *root;
  gchar *text;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, f->source);
  add_time (b, "timestamp", f->pts);
  add_time (b, "running_time", f->running_time);
  json_builder_set_member_name (b, "frame");
  json_builder_add_int_value (b, (gint64) MIN (f->frame, G_MAXINT64));
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, MAX (f->width, 0));
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, MAX (f->height, 0));
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; i < metas->len; i++)
    add_result (b, buf, g_ptr_array_index (metas, i));
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, len);
  g_object_unref (gen);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}
