/* classificationpublish with method=file (gst-check): which frames send a
 * message, what the JSON says, buffers untouched, errors and state
 * cycling.  Metas are made by hand so each answer is known; one test runs
 * resnetclassify on regions in front of it.  Every file written is then
 * checked against the JSON Schema by tests/python/validate-json.py.
 * The MQTT method is tested against a real broker in
 * tests/python/test-publish-mqtt.py. */
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>
#include "harness-util.h"

/* Every test writes its own file here; the last test validates them all
 * (each test runs in a process of its own). */
static const gchar *out_dir;

static const gchar *CAPS = "video/x-raw,format=GRAY8,width=32,height=24,"
    "framerate=30/1";

static gchar *
out_path (const gchar * name)
{
  return g_build_filename (out_dir, name, NULL);
}

static GstHarness *
publisher (const gchar * file, const gchar * extra)
{
  g_autofree gchar *desc = g_strdup_printf ("classificationpublish name=cam "
      "file-path=%s %s", file, extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

static GstBuffer *
frame (GstClockTime pts)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 32 * 24, NULL);

  gst_buffer_memset (b, 0, 0x80, 32 * 24);
  GST_BUFFER_PTS (b) = pts;
  return b;
}

/* A meta on @b with classes @ids (confidences 0.5, 0.3, ...). */
static GstClassificationMeta *
add_meta (GstBuffer * b, gint roi_id, gboolean fresh, const gint * ids, guint n)
{
  GstClassificationMeta *m = gst_buffer_add_classification_meta (b, "net",
      roi_id);
  static const gchar *names[] = { "cat", "dog", "bird", "truck" };

  for (guint i = 0; i < n; i++)
    gst_classification_meta_add_result (m, ids[i],
        g_quark_from_string (names[ids[i] % 4]), 0.5f - 0.2f * i);
  m->fresh = fresh;
  m->inference_time = 1500;
  return m;
}

/* Pushes @b and checks that the very same buffer comes out. */
static void
push (GstHarness * h, GstBuffer * b)
{
  GstBuffer *out;

  gst_buffer_ref (b);
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out == b, "the buffer was copied");
  gst_buffer_unref (out);
  gst_buffer_unref (b);
}

/* The lines of @path, each parsed. */
static GPtrArray *
read_messages (const gchar * path)
{
  g_autofree gchar *text = NULL;
  GPtrArray *msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_node_unref);
  gchar **lines;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    JsonParser *p;
    GError *error = NULL;

    if (*lines[i] == '\0')
      continue;
    p = json_parser_new ();
    fail_unless (json_parser_load_from_data (p, lines[i], -1, &error),
        "line %u: %s", i, error ? error->message : "");
    g_ptr_array_add (msgs, json_node_ref (json_parser_get_root (p)));
    g_object_unref (p);
  }
  g_strfreev (lines);
  return msgs;
}

static JsonObject *
msg (GPtrArray * msgs, guint i)
{
  return json_node_get_object (g_ptr_array_index (msgs, i));
}

static JsonObject *
result (GPtrArray * msgs, guint i, guint r)
{
  JsonArray *a = json_object_get_array_member (msg (msgs, i), "results");

  return json_array_get_object_element (a, r);
}

static guint
n_results (GPtrArray * msgs, guint i)
{
  return json_array_get_length (json_object_get_array_member (msg (msgs, i),
          "results"));
}

static gint64
top_id (JsonObject * r)
{
  JsonArray *c = json_object_get_array_member (r, "classes");

  return json_object_get_int_member (json_array_get_object_element (c, 0),
      "class_id");
}

GST_START_TEST (test_full_frame_json)
{
  g_autofree gchar *path = out_path ("full.jsonl");
  GstHarness *h = publisher (path, "publish=all");
  GPtrArray *msgs;
  GstBuffer *b;
  JsonObject *o, *r, *c;
  JsonArray *classes;
  const gint ids[] = { 3, 1, 2 };

  push (h, frame (0));          /* no meta: no message */
  b = frame (40 * GST_MSECOND);
  add_meta (b, -1, TRUE, ids, 3);
  push (h, b);
  b = frame (GST_CLOCK_TIME_NONE);
  add_meta (b, -1, FALSE, ids, 1);
  push (h, b);
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 2);
  o = msg (msgs, 0);
  fail_unless_equals_string (json_object_get_string_member (o, "source"),
      "cam");
  fail_unless_equals_int64 (json_object_get_int_member (o, "timestamp"),
      40 * GST_MSECOND);
  fail_unless_equals_int64 (json_object_get_int_member (o, "running_time"),
      40 * GST_MSECOND);
  fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), 1);
  fail_unless_equals_int64 (json_object_get_int_member (o, "width"), 32);
  fail_unless_equals_int64 (json_object_get_int_member (o, "height"), 24);
  fail_unless_equals_int (n_results (msgs, 0), 1);
  r = result (msgs, 0, 0);
  fail_unless_equals_int64 (json_object_get_int_member (r, "roi_id"), -1);
  fail_if (json_object_has_member (r, "roi"));
  fail_unless_equals_string (json_object_get_string_member (r, "model"), "net");
  fail_unless (json_object_get_boolean_member (r, "fresh"));
  fail_unless (json_object_get_double_member (r, "inference_time_ms") == 1.5);
  classes = json_object_get_array_member (r, "classes");
  fail_unless_equals_int (json_array_get_length (classes), 3);
  c = json_array_get_object_element (classes, 0);
  fail_unless_equals_string (json_object_get_string_member (c, "label"),
      "truck");
  fail_unless_equals_int64 (json_object_get_int_member (c, "class_id"), 3);
  fail_unless_equals_float (json_object_get_double_member (c, "confidence"),
      0.5);
  c = json_array_get_object_element (classes, 2);
  fail_unless_equals_int64 (json_object_get_int_member (c, "class_id"), 2);

  /* No PTS: null times; carried over: fresh false. */
  o = msg (msgs, 1);
  fail_unless (json_object_get_null_member (o, "timestamp"));
  fail_unless (json_object_get_null_member (o, "running_time"));
  fail_unless_equals_int64 (json_object_get_int_member (o, "frame"), 2);
  fail_if (json_object_get_boolean_member (result (msgs, 1, 0), "fresh"));
  g_ptr_array_unref (msgs);
}

GST_END_TEST;

/* fresh (the default) leaves out carried-over results and frames with only
 * those; all keeps them. */
GST_START_TEST (test_publish_fresh)
{
  g_autofree gchar *path = out_path ("fresh.jsonl");
  GstHarness *h = publisher (path, NULL);
  GPtrArray *msgs;
  GstBuffer *b;
  const gint a[] = { 0 }, d[] = { 1 };

  b = frame (0);
  add_meta (b, -1, TRUE, a, 1);
  push (h, b);
  b = frame (1);
  add_meta (b, -1, FALSE, a, 1);
  push (h, b);
  b = frame (2);
  add_meta (b, -1, FALSE, a, 1);
  add_meta (b, 7, TRUE, d, 1);
  push (h, b);
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 2);
  fail_unless_equals_int64 (json_object_get_int_member (msg (msgs, 0),
          "frame"), 0);
  fail_unless_equals_int64 (json_object_get_int_member (msg (msgs, 1),
          "frame"), 2);
  fail_unless_equals_int (n_results (msgs, 1), 1);
  fail_unless_equals_int64 (json_object_get_int_member (result (msgs, 1, 0),
          "roi_id"), 7);
  g_ptr_array_unref (msgs);
}

GST_END_TEST;

/* on-change: a message when some region's top class changes or a region
 * appears, with every result of that frame; a flush forgets. */
GST_START_TEST (test_publish_on_change)
{
  g_autofree gchar *path = out_path ("change.jsonl");
  GstHarness *h = publisher (path, "publish=on-change");
  GPtrArray *msgs;
  const gint tops[] = { 1, 1, 2, 2, 2, 2, 2 };
  GstSegment seg;

  for (guint i = 0; i < G_N_ELEMENTS (tops); i++) {
    GstBuffer *b = frame (i * GST_MSECOND);
    const gint other[] = { 3 };

    add_meta (b, -1, TRUE, &tops[i], 1);
    if (i >= 4)                 /* region 5 appears at frame 4 */
      add_meta (b, 5, TRUE, other, 1);
    push (h, b);
  }
  /* After a flush the same answer is news again. */
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  {
    GstBuffer *b = frame (GST_SECOND);

    add_meta (b, -1, TRUE, &tops[6], 1);
    push (h, b);
  }
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 4);
  fail_unless_equals_int64 (json_object_get_int_member (msg (msgs, 0),
          "frame"), 0);
  fail_unless_equals_int64 (json_object_get_int_member (msg (msgs, 1),
          "frame"), 2);
  fail_unless_equals_int64 (top_id (result (msgs, 1, 0)), 2);
  fail_unless_equals_int64 (json_object_get_int_member (msg (msgs, 2),
          "frame"), 4);
  fail_unless_equals_int (n_results (msgs, 2), 2);
  fail_unless_equals_int64 (json_object_get_int_member (msg (msgs, 3),
          "frame"), 7);
  g_ptr_array_unref (msgs);
}

GST_END_TEST;

/* Region results carry their box; a region whose ROI meta is gone has
 * none; source and topic come from the properties. */
GST_START_TEST (test_regions_by_hand)
{
  g_autofree gchar *path = out_path ("regions-hand.jsonl");
  GstHarness *h = publisher (path, "source=gate-3");
  GPtrArray *msgs;
  GstBuffer *b = frame (0);
  GstVideoRegionOfInterestMeta *roi;
  const gint ids[] = { 2 };
  JsonObject *box;

  roi = gst_buffer_add_video_region_of_interest_meta (b, "car", 4, 5, 16, 9);
  roi->id = 21;
  add_meta (b, 21, TRUE, ids, 1);
  add_meta (b, 22, TRUE, ids, 1);
  push (h, b);
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 1);
  fail_unless_equals_string (json_object_get_string_member (msg (msgs, 0),
          "source"), "gate-3");
  box = json_object_get_object_member (result (msgs, 0, 0), "roi");
  fail_unless (box != NULL);
  fail_unless_equals_int64 (json_object_get_int_member (box, "x"), 4);
  fail_unless_equals_int64 (json_object_get_int_member (box, "y"), 5);
  fail_unless_equals_int64 (json_object_get_int_member (box, "w"), 16);
  fail_unless_equals_int64 (json_object_get_int_member (box, "h"), 9);
  fail_unless_equals_string (json_object_get_string_member (box, "type"),
      "car");
  fail_if (json_object_has_member (result (msgs, 0, 1), "roi"));
  g_ptr_array_unref (msgs);
}

GST_END_TEST;

/* The real thing: resnetclassify on regions, then the publisher.  Every
 * region's classes equal those of its meta. */
GST_START_TEST (test_regions_through_resnetclassify)
{
  g_autofree gchar *path = out_path ("regions.jsonl");
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s inference-region=roi-list top-k=3 ! classificationpublish "
      "file-path=%s", g_getenv ("OCLRESNET_TEST_MODEL"),
      g_getenv ("OCLRESNET_TEST_LABELS"), path);
  GstHarness *h = gst_harness_new_parse (desc);
  GPtrArray *msgs;
  GstBuffer *in, *out;
  gint64 want[2];

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  for (guint f = 0; f < 3; f++) {
    GstVideoRegionOfInterestMeta *r;

    in = gst_harness_create_buffer (h, 64 * 48 * 3);
    gst_buffer_memset (in, 0, 40 + 50 * f, 64 * 48 * 3);
    GST_BUFFER_PTS (in) = f * GST_SECOND / 30;
    r = gst_buffer_add_video_region_of_interest_meta (in, "car", 2, 3, 20, 18);
    r->id = 1;
    r = gst_buffer_add_video_region_of_interest_meta (in, "person", 30, 10,
        30, 36);
    r->id = 2;
    out = gst_harness_push_and_pull (h, in);
    for (gint k = 0; k < 2; k++) {
      GstClassificationMeta *m =
          gst_buffer_get_classification_meta_for_roi (out, k + 1);
      gint id;
      fail_unless (m != NULL);
      gst_classification_meta_get_result (m, 0, &id, NULL, NULL);
      want[k] = id;
    }
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 3);
  fail_unless_equals_int (n_results (msgs, 2), 2);
  for (guint k = 0; k < 2; k++) {
    JsonObject *r = result (msgs, 2, k);
    fail_unless_equals_int64 (json_object_get_int_member (r, "roi_id"), k + 1);
    fail_unless (json_object_has_member (r, "roi"));
    fail_unless_equals_int (json_array_get_length
        (json_object_get_array_member (r, "classes")), 3);
    fail_unless_equals_int64 (top_id (r), want[k]);
  }
  g_ptr_array_unref (msgs);
}

GST_END_TEST;

/* Heads through resnetclassify, whole frame and regions: every result's
 * "heads" says what its meta's heads say (names, kinds, classes,
 * vectors), and "classes" is the first classification head's.  The
 * files validate against the schema (test_schema). */
static void
check_heads_json (const gchar * fixture, const gchar * extra, gboolean region)
{
  g_autofree gchar *dir = g_path_get_dirname (g_getenv
      ("OCLRESNET_TEST_MODEL"));
  g_autofree gchar *file = g_strdup_printf ("heads-%s-%s.jsonl", fixture,
      region ? "region" : "frame");
  g_autofree gchar *path = out_path (file);
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s/%s.onnx "
      "%s %s ! classificationpublish file-path=%s", dir, fixture, extra,
      region ? "inference-region=roi-list" : "", path);
  GstHarness *h = gst_harness_new_parse (desc);
  GstClassificationMeta *metas[2];
  GstBuffer *outs[2];
  GPtrArray *msgs;

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=RGB,width=48,height=64,framerate=30/1");
  for (guint f = 0; f < 2; f++) {
    GstBuffer *in = gst_harness_create_buffer (h, 48 * 64 * 3);
    gst_buffer_memset (in, 0, 30 + 90 * f, 48 * 64 * 3);
    GST_BUFFER_PTS (in) = f * GST_SECOND / 30;
    if (region)
      gst_buffer_add_video_region_of_interest_meta (in, "car", 4, 6, 30,
          40)->id = 3;
    outs[f] = gst_harness_push_and_pull (h, in);
    metas[f] = region ? gst_buffer_get_classification_meta_for_roi (outs[f],
        3) : gst_buffer_get_classification_meta (outs[f]);
    fail_unless (metas[f] != NULL);
  }
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 2);
  for (guint f = 0; f < 2; f++) {
    JsonObject *r = result (msgs, f, 0);
    JsonArray *heads = json_object_get_array_member (r, "heads");
    GstClassificationMeta *m = metas[f];
    gint first = -1;
    fail_unless_equals_int (json_object_get_boolean_member (r, "region"),
        region);
    fail_unless_equals_int (json_array_get_length (heads),
        gst_classification_meta_get_n_heads (m));
    for (guint k = 0; k < json_array_get_length (heads); k++) {
      JsonObject *hd = json_array_get_object_element (heads, k);
      GstClassificationHeadKind kind =
          gst_classification_meta_get_head_kind (m, k);
      fail_unless_equals_string (json_object_get_string_member (hd, "name"),
          gst_classification_meta_get_head_name (m, k));
      fail_unless_equals_string (json_object_get_string_member (hd, "kind"),
          gst_classification_head_kind_get_name (kind));
      if (kind == GST_CLASSIFICATION_HEAD_EMBEDDING) {
        JsonArray *v = json_object_get_array_member (hd, "vector");
        guint n;
        const gfloat *want = gst_classification_meta_get_head_vector (m, k, &n);
        fail_unless_equals_int (json_array_get_length (v), n);
        fail_if (json_object_has_member (hd, "classes"));
        for (guint i = 0; i < n; i++)
          fail_unless (json_array_get_double_element (v, i) == want[i]);
      } else {
        JsonArray *c = json_object_get_array_member (hd, "classes");
        fail_unless_equals_int (json_array_get_length (c),
            gst_classification_meta_get_head_n_results (m, k));
        for (guint i = 0; i < json_array_get_length (c); i++) {
          gint id;
          gst_classification_meta_get_head_result (m, k, i, &id, NULL, NULL);
          fail_unless_equals_int64 (json_object_get_int_member
              (json_array_get_object_element (c, i), "class_id"), id);
        }
        if (first < 0)
          first = k;
      }
    }
    fail_unless (first >= 0);
    if (gst_classification_meta_get_head_n_results (m, first) > 0) {
      gint id;
      gst_classification_meta_get_head_result (m, first, 0, &id, NULL, NULL);
      fail_unless_equals_int64 (top_id (r), id);
    }
    gst_buffer_unref (outs[f]);
  }
  g_ptr_array_unref (msgs);
}

GST_START_TEST (test_heads_json)
{
  for (guint region = 0; region < 2; region++) {
    check_heads_json ("two_heads", "", region);
    check_heads_json ("multilabel", "", region);
    check_heads_json ("embedding_and_classes",
        "heads=feature/emb:0:embedding", region);
  }
}

GST_END_TEST;

/* Hostile region ids through resnetclassify: three regions share id 7,
 * others are -1, -5, INT_MIN and INT_MAX.  Each is published with the box
 * it was computed on, as a region (never as the whole frame), and the file
 * validates against the schema (test_schema). */
GST_START_TEST (test_hostile_region_ids)
{
  g_autofree gchar *path = out_path ("hostile-ids.jsonl");
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s inference-region=roi-list top-k=2 ! classificationpublish "
      "file-path=%s", g_getenv ("OCLRESNET_TEST_MODEL"),
      g_getenv ("OCLRESNET_TEST_LABELS"), path);
  const gint ids[] = { 7, 7, 7, -1, -5, G_MININT, G_MAXINT };
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *in, *out;
  GPtrArray *msgs;

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=RGB,width=64,height=48,framerate=30/1");
  for (guint f = 0; f < 2; f++) {
    in = gst_harness_create_buffer (h, 64 * 48 * 3);
    gst_buffer_memset (in, 0, 90 + 40 * f, 64 * 48 * 3);
    GST_BUFFER_PTS (in) = f * GST_SECOND / 30;
    for (guint k = 0; k < G_N_ELEMENTS (ids); k++) {
      GstVideoRegionOfInterestMeta *r =
          gst_buffer_add_video_region_of_interest_meta (in, "obj", 4 * k,
          2 * k, 16 + k, 12 + k);
      r->id = ids[k];
    }
    out = gst_harness_push_and_pull (h, in);
    fail_unless (gst_buffer_get_classification_meta (out) == NULL,
        "a region passed for the whole frame");
    gst_buffer_unref (out);
  }
  gst_harness_teardown (h);

  msgs = read_messages (path);
  fail_unless_equals_int (msgs->len, 2);
  for (guint f = 0; f < 2; f++) {
    fail_unless_equals_int (n_results (msgs, f), G_N_ELEMENTS (ids));
    for (guint k = 0; k < G_N_ELEMENTS (ids); k++) {
      JsonObject *r = result (msgs, f, k), *box;
      fail_unless (json_object_get_boolean_member (r, "region"));
      fail_unless_equals_int64 (json_object_get_int_member (r, "roi_id"),
          ids[k]);
      fail_unless (json_object_has_member (r, "roi"), "region %u: no box", k);
      box = json_object_get_object_member (r, "roi");
      fail_unless_equals_int64 (json_object_get_int_member (box, "x"), 4 * k);
      fail_unless_equals_int64 (json_object_get_int_member (box, "y"), 2 * k);
      fail_unless_equals_int64 (json_object_get_int_member (box, "w"), 16 + k);
    }
  }
  g_ptr_array_unref (msgs);
}

GST_END_TEST;

typedef struct
{
  const gchar *path;
  gchar line[4096];
} FifoReader;

/* Opens the FIFO, reads one line, and goes away, as `head -n 1` does. */
static gpointer
read_one_line (gpointer data)
{
  FifoReader *r = data;
  FILE *f = fopen (r->path, "r");

  if (f) {
    if (!fgets (r->line, sizeof (r->line), f))
      r->line[0] = '\0';
    fclose (f);
  }
  return NULL;
}

/* A pipe whose reader went away: the write fails (no SIGPIPE kills the
 * process), the element warns once, counts the rest as dropped, and the
 * video goes on. */
GST_START_TEST (test_closed_pipe)
{
  g_autofree gchar *dir = g_dir_make_tmp ("fifo-XXXXXX", NULL);
  g_autofree gchar *fifo = g_build_filename (dir, "results", NULL);
  FifoReader reader = { fifo, "" };
  GstHarness *h;
  GstElement *e;
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  GThread *t;
  guint64 published, dropped;
  guint warnings = 0;
  const gint ids[] = { 1 };

  fail_unless (mkfifo (fifo, 0600) == 0);
  /* The publisher's open waits for a reader: start one first. */
  t = g_thread_new ("reader", read_one_line, &reader);
  h = publisher (fifo, NULL);
  e = gst_harness_find_element (h, "classificationpublish");
  gst_element_set_bus (e, bus);
  {
    GstBuffer *b = frame (0);
    add_meta (b, -1, TRUE, ids, 1);
    push (h, b);
  }
  g_thread_join (t);
  fail_unless (g_str_has_prefix (reader.line, "{\"source\""));
  for (guint i = 1; i < 6; i++) {
    GstBuffer *b = frame (i * GST_SECOND / 30);
    add_meta (b, -1, TRUE, ids, 1);
    push (h, b);
  }
  g_object_get (e, "published", &published, "dropped", &dropped, NULL);
  fail_unless_equals_int (published, 1);
  fail_unless_equals_int (dropped, 5);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    fail_unless (strstr (err->message, "dropped") != NULL, "%s", err->message);
    g_error_free (err);
    gst_message_unref (m);
    warnings++;
  }
  fail_unless_equals_int (warnings, 1);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
  g_unlink (fifo);
  g_rmdir (dir);
}

GST_END_TEST;

/* NULL -> PLAYING -> NULL twice: the file starts again, counters too. */
GST_START_TEST (test_state_cycling)
{
  g_autofree gchar *path = out_path ("cycle.jsonl");
  GstHarness *h = publisher (path, NULL);
  GstElement *e = gst_harness_find_element (h, "classificationpublish");
  guint64 published, dropped;
  const gint ids[] = { 1 };

  for (guint round = 0; round < 2; round++) {
    GPtrArray *msgs;

    for (guint i = 0; i < 3 + round; i++) {
      GstBuffer *b = frame (i);
      add_meta (b, -1, TRUE, ids, 1);
      push (h, b);
    }
    fail_unless_equals_int (gst_element_set_state (h->element,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    g_object_get (e, "published", &published, "dropped", &dropped, NULL);
    fail_unless_equals_int (published, 3 + round);
    fail_unless_equals_int (dropped, 0);
    msgs = read_messages (path);
    fail_unless_equals_int (msgs->len, 3 + round);
    g_ptr_array_unref (msgs);
    gst_harness_play (h);
  }
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Settings are read at start: changed while PLAYING, a warning and the
 * old value. */
GST_START_TEST (test_ready_only)
{
  g_autofree gchar *path = out_path ("ready-only.jsonl");
  GstHarness *h = publisher (path, "source=a");
  GstElement *e = gst_harness_find_element (h, "classificationpublish");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  gchar *source = NULL;

  gst_element_set_bus (e, bus);
  g_object_set (e, "source", "b", NULL);
  g_object_get (e, "source", &source, NULL);
  fail_unless_equals_string (source, "a");
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (m != NULL);
  gst_message_unref (m);
  g_free (source);
  gst_element_set_bus (e, NULL);
  gst_object_unref (bus);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
expect_start_error (const gchar * desc, const gchar * words)
{
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;
  GError *error = NULL;

  gst_element_set_state (pipe, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, patience (10), GST_MESSAGE_ERROR |
      GST_MESSAGE_EOS);
  fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR,
      "no error for %s", desc);
  gst_message_parse_error (m, &error, NULL);
  fail_unless (strstr (error->message, words) != NULL, "'%s' not in '%s'",
      words, error->message);
  g_error_free (error);
  gst_message_unref (m);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipe);
}

GST_START_TEST (test_errors)
{
  expect_start_error ("videotestsrc num-buffers=1 ! classificationpublish "
      "file-path=/nonexistent/dir/out.jsonl ! fakesink",
      "/nonexistent/dir/out.jsonl");
#ifdef HAVE_MQTT
  expect_start_error ("videotestsrc num-buffers=1 ! classificationpublish "
      "method=mqtt address=nohost ! fakesink", "not host:port");
  expect_start_error ("videotestsrc num-buffers=1 ! classificationpublish "
      "method=mqtt address=localhost:0 ! fakesink", "not host:port");
  expect_start_error ("videotestsrc num-buffers=1 ! classificationpublish "
      "method=mqtt topic=cams/# ! fakesink", "not one to publish on");
  expect_start_error ("videotestsrc num-buffers=1 ! classificationpublish "
      "method=mqtt ca-file=/nonexistent/ca.pem ! fakesink", "TLS settings");
  expect_start_error ("videotestsrc num-buffers=1 ! classificationpublish "
      "method=mqtt cert-file=/nonexistent/c.pem ! fakesink", "key-file");
#endif
}

GST_END_TEST;

#ifdef HAVE_MQTT
/* No broker: the frames flow, EOS does not wait, every message is
 * counted as dropped (the broker tests are in Python; this one runs under
 * valgrind too). */
GST_START_TEST (test_mqtt_unreachable)
{
  GstHarness *h = gst_harness_new_parse ("classificationpublish "
      "method=mqtt address=127.0.0.1:1 reconnect-max-delay=1");
  GstElement *e = gst_harness_find_element (h, "classificationpublish");
  guint64 published, dropped;
  const gint ids[] = { 1 };
  gint64 start;

  gst_harness_set_src_caps_str (h, CAPS);
  for (guint i = 0; i < 5; i++) {
    GstBuffer *b = frame (i);
    add_meta (b, -1, TRUE, ids, 1);
    push (h, b);
    g_usleep (20000);
  }
  start = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless (g_get_monotonic_time () - start < G_TIME_SPAN_SECOND,
      "EOS waited for a broker that was never there");
  fail_unless_equals_int (gst_element_set_state (h->element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (e, "published", &published, "dropped", &dropped, NULL);
  fail_unless_equals_int (published, 0);
  fail_unless_equals_int (dropped, 5);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gpointer
read_counts (gpointer data)
{
  GstElement *e = data;
  guint64 published, dropped;

  while (!GPOINTER_TO_INT (g_object_get_data (G_OBJECT (e), "stop"))) {
    g_object_get (e, "published", &published, "dropped", &dropped, NULL);
    g_usleep (100);
  }
  return NULL;
}

/* An application reads the counters from its own thread while the element
 * starts and stops (valgrind, in publish-leaks, sees any use of a freed
 * client). */
GST_START_TEST (test_counts_while_stopping)
{
  GstHarness *h = gst_harness_new_parse ("classificationpublish "
      "method=mqtt address=127.0.0.1:1");
  GstElement *e = gst_harness_find_element (h, "classificationpublish");
  GThread *reader;
  const gint ids[] = { 1 };

  gst_harness_set_src_caps_str (h, CAPS);
  reader = g_thread_new ("reader", read_counts, e);
  for (guint round = 0; round < 5; round++) {
    GstBuffer *b = frame (round);
    add_meta (b, -1, TRUE, ids, 1);
    push (h, b);
    fail_unless_equals_int (gst_element_set_state (h->element,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_harness_play (h);
  }
  g_object_set_data (G_OBJECT (e), "stop", GINT_TO_POINTER (1));
  g_thread_join (reader);
  gst_object_unref (e);
  gst_harness_teardown (h);
}

GST_END_TEST;
#endif

/* Every file the tests wrote validates against the schema. */
GST_START_TEST (test_schema)
{
  GPtrArray *argv = g_ptr_array_new ();
  GDir *dir;
  const gchar *name;
  gchar *out = NULL;
  gint status = -1;
  GError *error = NULL;

  g_ptr_array_add (argv, (gpointer) g_getenv ("OCLRESNET_PYTHON"));
  g_ptr_array_add (argv, (gpointer) g_getenv ("OCLRESNET_VALIDATOR"));
  g_ptr_array_add (argv, (gpointer) g_getenv ("OCLRESNET_SCHEMA"));
  dir = g_dir_open (out_dir, 0, NULL);
  fail_unless (dir != NULL);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".jsonl"))
      g_ptr_array_add (argv, g_build_filename (out_dir, name, NULL));
  g_dir_close (dir);
  g_ptr_array_add (argv, NULL);
  fail_unless (argv->len >= 3 + 7, "%u files to validate", argv->len - 3);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error),
      "%s", error ? error->message : "");
  g_print ("%s", out);
  fail_unless (g_spawn_check_wait_status (status, NULL), "invalid: %s", out);
  g_free (out);
  for (guint i = 3; i + 1 < argv->len; i++)
    g_free (g_ptr_array_index (argv, i));
  g_ptr_array_unref (argv);
}

GST_END_TEST;

static Suite *
publish_suite (void)
{
  Suite *s = suite_create ("classificationpublish");
  TCase *tc = tcase_create ("file");

  out_dir = g_getenv ("OCLRESNET_PUBLISH_OUT");
  g_mkdir_with_parents (out_dir, 0755);
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_full_frame_json);
  tcase_add_test (tc, test_publish_fresh);
  tcase_add_test (tc, test_publish_on_change);
  tcase_add_test (tc, test_regions_by_hand);
  tcase_add_test (tc, test_regions_through_resnetclassify);
  tcase_add_test (tc, test_heads_json);
  tcase_add_test (tc, test_hostile_region_ids);
  tcase_add_test (tc, test_closed_pipe);
  tcase_add_test (tc, test_state_cycling);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_ready_only);
#ifdef HAVE_MQTT
  tcase_add_test (tc, test_mqtt_unreachable);
  tcase_add_test (tc, test_counts_while_stopping);
#endif
  tcase_add_test (tc, test_schema);
  return s;
}

GST_CHECK_MAIN (publish);
