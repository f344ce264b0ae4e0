/* classificationpublish's JSON writer (gst/publish-json.c) on the host:
 * what each field says, one line whatever the labels hold, and every
 * line valid against schemas/classificationpublish.schema.json (checked
 * by tests/python/validate-json.py, run from here). */
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <gst/video/video.h>
#include "publish-json.h"

static GPtrArray *lines;

static GstClassificationMeta *
add_meta (GstBuffer * b, gint roi_id, const gchar * label, gboolean fresh)
{
  GstClassificationMeta *m = gst_buffer_add_classification_meta (b, "net",
      roi_id);

  if (label)
    gst_classification_meta_add_result (m, 3, g_quark_from_string (label),
        0.75f);
  m->fresh = fresh;
  m->inference_time = 2500;
  m->smoothed_over = 2;
  return m;
}

static JsonObject *
write_and_parse (const PublishFrame * f, GstBuffer * b, JsonParser * parser)
{
  g_autoptr (GPtrArray) metas = g_ptr_array_new ();
  gpointer state = NULL;
  GstClassificationMeta *m;
  gsize len;
  gchar *text;

  while ((m = gst_buffer_iterate_classification_meta (b, &state)))
    g_ptr_array_add (metas, m);
  text = publish_json_frame (f, b, metas, &len);
  g_assert_cmpuint (strlen (text), ==, len);
  g_assert_null (strchr (text, '\n'));
  g_assert_true (json_parser_load_from_data (parser, text, len, NULL));
  g_ptr_array_add (lines, text);
  return json_node_get_object (json_parser_get_root (parser));
}

/* The frame's fields, a whole-frame result and a region's with its box. */
static void
test_fields (void)
{
  PublishFrame f = { "gate-3", 40 * GST_MSECOND, 20 * GST_MSECOND, 7, 64, 48 };
  g_autoptr (JsonParser) parser = json_parser_new ();
  GstBuffer *b = gst_buffer_new ();
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (b, "car", 1, 2, 30, 40);
  JsonObject *o, *r;
  JsonArray *results;

  roi->id = 5;
  add_meta (b, -1, "cat", TRUE);
  add_meta (b, 5, "truck", FALSE);
  o = write_and_parse (&f, b, parser);
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "gate-3");
  g_assert_cmpint (json_object_get_int_member (o, "timestamp"), ==,
      40 * GST_MSECOND);
  g_assert_cmpint (json_object_get_int_member (o, "frame"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 64);
  results = json_object_get_array_member (o, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  r = json_array_get_object_element (results, 0);
  g_assert_cmpint (json_object_get_int_member (r, "roi_id"), ==, -1);
  g_assert_false (json_object_has_member (r, "roi"));
  g_assert_true (json_object_get_boolean_member (r, "fresh"));
  g_assert_cmpfloat (json_object_get_double_member (r, "inference_time_ms"),
      ==, 2.5);
  r = json_array_get_object_element (results, 1);
  g_assert_cmpint (json_object_get_int_member (r, "roi_id"), ==, 5);
  g_assert_false (json_object_get_boolean_member (r, "fresh"));
  r = json_object_get_object_member (r, "roi");
  g_assert_cmpint (json_object_get_int_member (r, "x"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (r, "h"), ==, 40);
  g_assert_cmpstr (json_object_get_string_member (r, "type"), ==, "car");
  gst_buffer_unref (b);
}

/* No timestamps, no caps, no classes, labels with quotes, new lines and
 * non-ASCII text, the largest ids and frame numbers: still one valid
 * line. */
static void
test_edges (void)
{
  PublishFrame f = { "cam \"1\"\n", GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
    G_MAXUINT64, 0, 0
  };
  g_autoptr (JsonParser) parser = json_parser_new ();
  GstBuffer *b = gst_buffer_new ();
  JsonObject *o, *r;
  JsonArray *classes;

  add_meta (b, -1, NULL, TRUE);
  add_meta (b, G_MAXINT, "l\"a\nb\\é", TRUE);
  o = write_and_parse (&f, b, parser);
  g_assert_true (json_object_get_null_member (o, "timestamp"));
  g_assert_true (json_object_get_null_member (o, "running_time"));
  g_assert_cmpint (json_object_get_int_member (o, "frame"), ==, G_MAXINT64);
  r = json_array_get_object_element (json_object_get_array_member (o,
          "results"), 1);
  classes = json_object_get_array_member (r, "classes");
  g_assert_cmpstr (json_object_get_string_member
      (json_array_get_object_element (classes, 0), "label"), ==, "l\"a\nb\\é");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member
          (json_array_get_object_element (json_object_get_array_member (o,
                      "results"), 0), "classes")), ==, 0);
  gst_buffer_unref (b);
}

/* Every line written above, through the schema. */
static void
test_schema (void)
{
  const gchar *python = g_getenv ("OCLRESNET_PYTHON");
  const gchar *validator = g_getenv ("OCLRESNET_VALIDATOR");
  const gchar *schema = g_getenv ("OCLRESNET_SCHEMA");
  g_autofree gchar *path = NULL, *out = NULL, *err = NULL;
  g_autoptr (GString) all = g_string_new (NULL);
  gint fd, status;

  if (!python || !validator || !schema) {
    g_test_skip ("OCLRESNET_PYTHON, _VALIDATOR or _SCHEMA not set");
    return;
  }
  fd = g_file_open_tmp ("publish-json-XXXXXX.jsonl", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_cmpuint (lines->len, >=, 2);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (all, "%s\n", (gchar *) lines->pdata[i]);
  g_assert_true (g_file_set_contents (path, all->str, all->len, NULL));
  {
    const gchar *argv[] = { python, validator, schema, path, NULL };
    g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL,
            G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL));
  }
  g_unlink (path);
  g_assert_true (g_spawn_check_wait_status (status, NULL) || (g_printerr
          ("%s%s", out, err), FALSE));
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  lines = g_ptr_array_new_with_free_func (g_free);
  g_test_add_func ("/publish-json/fields", test_fields);
  g_test_add_func ("/publish-json/edges", test_edges);
  g_test_add_func ("/publish-json/schema", test_schema);
  ret = g_test_run ();
  g_ptr_array_unref (lines);
  return ret;
}
