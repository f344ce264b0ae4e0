/* resnetclassify's shared instances (model-instance-id), batching across
 * streams and model swaps while playing. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "harness-util.h"
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

static const gchar *model_path, *labels_path, *fixtures;

#define CAPS "video/x-raw,format=NV12,width=64,height=48,framerate=30/1"
#define FRAMES 6

static gchar *
fixture (const gchar * name)
{
  return g_strdup_printf ("%s/%s.onnx", fixtures, name);
}

static GstHarness *
harness_new (const gchar * extra)
{
  g_autofree gchar *desc = g_strdup_printf ("resnetclassify model=%s "
      "labels=%s post-messages=every %s", model_path, labels_path,
      extra ? extra : "");
  GstHarness *h = gst_harness_new_parse (desc);

  gst_harness_set_src_caps_str (h, CAPS);
  return h;
}

/* A frame of stream @stream, number @i: its own deterministic pattern. */
static GstBuffer *
make_frame (GstHarness * h, guint stream, guint i)
{
  GstVideoInfo info;
  GstCaps *caps = gst_caps_from_string (CAPS);
  GstBuffer *buf;
  GstMapInfo map;
  GRand *r = g_rand_new_with_seed (stream * 1000 + i);

  fail_unless (gst_video_info_from_caps (&info, caps));
  buf = gst_harness_create_buffer (h, info.size);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (gsize k = 0; k < map.size; k++)
    map.data[k] = (guint8) ((k * (stream + 3) / 61 + g_rand_int_range (r, 0,
                60)) & 0xff);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  gst_caps_unref (caps);
  g_rand_free (r);
  return buf;
}

typedef struct
{
  GstHarness *h;
  guint stream;
  guint n;
  gint top[FRAMES];
  gfloat conf[FRAMES][3];
  gchar *model[FRAMES];
  GstFlowReturn last_ret;
} Stream;

static void
stream_clear (Stream * s)
{
  for (guint i = 0; i < FRAMES; i++)
    g_free (s->model[i]);
}

/* Pushes the stream's frames and records each answer, in order. */
static gpointer
stream_run (gpointer data)
{
  Stream *s = data;

  for (guint i = 0; i < s->n; i++) {
    GstBuffer *out;
    GstClassificationMeta *m;
    s->last_ret = gst_harness_push (s->h, make_frame (s->h, s->stream, i));
    if (s->last_ret != GST_FLOW_OK)
      return NULL;
    out = gst_harness_pull (s->h);
    m = gst_buffer_get_classification_meta (out);
    fail_unless (m != NULL);
    for (guint k = 0; k < 3; k++)
      fail_unless (gst_classification_meta_get_result (m, k, k ? NULL :
              &s->top[i], NULL, &s->conf[i][k]));
    s->model[i] = g_strdup (gst_classification_meta_get_model (m));
    gst_buffer_unref (out);
  }
  return NULL;
}

static guint
max_batch_seen (GstBus * bus)
{
  GstMessage *m;
  guint best = 0;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (m);
    guint b;
    if (gst_structure_has_name (st, "resnetclassify")
        && gst_structure_get_uint (st, "batch", &b))
      best = MAX (best, b);
    gst_message_unref (m);
  }
  return best;
}

/* Four streams sharing one instance, batch 4, pushed from four threads:
 * frames really are batched together, and every stream gets exactly the
 * answers a private net gives for its own frames (same top-1, scores
 * within 1e-5 relative), in its own order. */
static void
shared_equals_private (const gchar * model)
{
  Stream shared[4], priv[4];
  GThread *th[4];
  GstBus *bus = gst_bus_new ();
  g_autofree gchar *own = model ? g_strdup_printf ("model=%s labels=\"\"",
      model) : g_strdup ("");

  for (guint k = 0; k < 4; k++) {
    g_autofree gchar *extra = g_strdup_printf ("%s model-instance-id=four "
        "batch-size=4 batch-timeout=2000", own);
    memset (&shared[k], 0, sizeof (Stream));
    memset (&priv[k], 0, sizeof (Stream));
    shared[k].h = harness_new (extra);
    gst_element_set_bus (rc_of (shared[k].h), bus);
    shared[k].stream = priv[k].stream = k;
    shared[k].n = priv[k].n = FRAMES;
  }
  for (guint k = 0; k < 4; k++)
    th[k] = g_thread_new ("stream", stream_run, &shared[k]);
  for (guint k = 0; k < 4; k++)
    g_thread_join (th[k]);
  fail_unless (max_batch_seen (bus) >= 2, "no frames were batched");

  for (guint k = 0; k < 4; k++) {
    priv[k].h = harness_new (own);
    stream_run (&priv[k]);
    for (guint i = 0; i < FRAMES; i++) {
      fail_unless_equals_int (shared[k].last_ret, GST_FLOW_OK);
      fail_unless_equals_int (shared[k].top[i], priv[k].top[i]);
      for (guint c = 0; c < 3; c++)
        fail_unless (fabsf (shared[k].conf[i][c] - priv[k].conf[i][c]) <=
            1e-5f * MAX (1.0f, fabsf (priv[k].conf[i][c])),
            "stream %u frame %u: %g against %g", k, i, shared[k].conf[i][c],
            priv[k].conf[i][c]);
    }
    gst_element_set_bus (rc_of (shared[k].h), NULL);
    gst_harness_teardown (shared[k].h);
    gst_harness_teardown (priv[k].h);
    stream_clear (&shared[k]);
    stream_clear (&priv[k]);
  }
  gst_object_unref (bus);
}

GST_START_TEST (test_shared_equals_private)
{
  shared_equals_private (NULL);
}

GST_END_TEST;

/* A file exported for one image (torch 2.x's default export: input fixed
 * at batch 1, a view to [1, 512]) in a shared instance of batch 4, and
 * its regions in one batch: each answer the one its image gets alone. */
GST_START_TEST (test_batch1_model)
{
  g_autofree gchar *model = fixture ("resnet18_dynamo_batch1");
  g_autofree gchar *extra = g_strdup_printf ("model=%s labels=\"\" "
      "inference-region=roi-list top-k=3", model);
  const guint boxes[3][4] = { {0, 0, 40, 30}, {10, 8, 50, 40}, {30, 20, 34,
      28}
  };
  gfloat together[3], alone[3];
  GstHarness *h;
  GstBuffer *out;

  shared_equals_private (model);

  h = harness_new (extra);
  for (guint pass = 0; pass < 4; pass++) {
    GstBuffer *in = make_frame (h, 7, 0);
    gpointer state = NULL;
    GstClassificationMeta *m;
    for (guint b = 0; b < 3; b++)
      if (pass == 0 || pass == b + 1)
        gst_buffer_add_video_region_of_interest_meta (in, "car", boxes[b][0],
            boxes[b][1], boxes[b][2], boxes[b][3])->id = (gint) b;
    out = gst_harness_push_and_pull (h, in);
    while ((m = gst_buffer_iterate_classification_meta (out, &state))) {
      gint roi = gst_classification_meta_get_roi_id (m);
      fail_unless (roi >= 0 && roi < 3);
      fail_unless (gst_classification_meta_get_result (m, 0, NULL, NULL,
              pass ? &alone[roi] : &together[roi]));
    }
    gst_buffer_unref (out);
  }
  for (guint b = 0; b < 3; b++)
    fail_unless (fabsf (together[b] - alone[b]) <= 1e-5f, "region %u: %g "
        "against %g alone", b, together[b], alone[b]);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Sharers must agree on model, labels, device and batching: the second
 * one is refused with one error naming both elements and the property. */
GST_START_TEST (test_conflicting_sharers)
{
  g_autofree gchar *other = fixture ("preact_resnet");
  GstElement *p1 = gst_parse_launch ("videotestsrc is-live=true ! "
      "resnetclassify name=first model-instance-id=c ! fakesink", NULL);
  GstElement *p2 = gst_parse_launch ("videotestsrc num-buffers=2 ! "
      "resnetclassify name=second model-instance-id=c ! fakesink", NULL);
  GstElement *a = gst_bin_get_by_name (GST_BIN (p1), "first");
  GstElement *b = gst_bin_get_by_name (GST_BIN (p2), "second");
  GstBus *bus = gst_element_get_bus (p2);
  GstMessage *m;
  GError *err = NULL;

  g_object_set (a, "model", model_path, "labels", labels_path, NULL);
  g_object_set (b, "model", other, "labels", labels_path, NULL);
  fail_unless (gst_element_set_state (p1, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (p1, NULL, NULL, patience (30)) !=
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (p2, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, patience (30), GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (strstr (err->message, "first") && strstr (err->message,
          "second") && strstr (err->message, "'model'"), "%s", err->message);
  g_error_free (err);
  gst_message_unref (m);

  /* The same configuration is welcome. */
  gst_element_set_state (p2, GST_STATE_NULL);
  g_object_set (b, "model", model_path, NULL);
  gst_element_set_state (p2, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, patience (30), GST_MESSAGE_ERROR |
      GST_MESSAGE_EOS);
  fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);

  gst_element_set_state (p2, GST_STATE_NULL);
  gst_element_set_state (p1, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (a);
  gst_object_unref (b);
  gst_object_unref (p1);
  gst_object_unref (p2);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  GstFlowReturn ret;
  gint64 took_us;
} Push;

static gpointer
push_one (gpointer data)
{
  Push *p = data;
  gint64 t0 = g_get_monotonic_time ();

  p->ret = gst_harness_push (p->h, make_frame (p->h, 9, 0));
  p->took_us = g_get_monotonic_time () - t0;
  return NULL;
}

/* A flush on one stream takes only its own waiting frame out (at once, not
 * after batch-timeout); a stream that sends nothing does not hold the
 * other's frame past batch-timeout. */
GST_START_TEST (test_flush_and_timeout)
{
  GstHarness *a = harness_new ("model-instance-id=ft batch-size=2 "
      "batch-timeout=3000");
  GstHarness *b = harness_new ("model-instance-id=ft batch-size=2 "
      "batch-timeout=3000");
  Push pa = { a, GST_FLOW_OK, 0 };
  GThread *th;
  GstBuffer *out;
  gint64 t0;

  /* a's frame waits for a second one that will not come: flush it. */
  th = g_thread_new ("push", push_one, &pa);
  g_usleep (300 * 1000);
  fail_unless (gst_harness_push_event (a, gst_event_new_flush_start ()));
  g_thread_join (th);
  fail_unless_equals_int (pa.ret, GST_FLOW_FLUSHING);
  fail_unless (pa.took_us < 2500 * 1000, "flush took %" G_GINT64_FORMAT " us",
      pa.took_us);
  fail_unless (gst_harness_push_event (a, gst_event_new_flush_stop (TRUE)));

  /* b alone: its frame runs when batch-timeout has passed. */
  t0 = g_get_monotonic_time ();
  fail_unless_equals_int (gst_harness_push (b, make_frame (b, 1, 0)),
      GST_FLOW_OK);
  fail_unless (g_get_monotonic_time () - t0 >= 2900 * 1000);
  out = gst_harness_pull (b);
  fail_unless (gst_buffer_get_classification_meta (out) != NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (a);
  gst_harness_teardown (b);
}

GST_END_TEST;

static gpointer
keep_pushing (gpointer data)
{
  Stream *s = data;

  for (guint i = 0; i < 40; i++) {
    GstBuffer *out;
    s->last_ret = gst_harness_push (s->h, make_frame (s->h, 0, i));
    if (s->last_ret != GST_FLOW_OK)
      return NULL;
    out = gst_harness_pull (s->h);
    fail_unless (gst_buffer_get_classification_meta (out) != NULL);
    gst_buffer_unref (out);
    s->n++;
  }
  return NULL;
}

/* With fewer streams than batch-size, a batch runs as soon as every sharer
 * has a frame in it, not after batch-timeout. */
GST_START_TEST (test_no_wait_when_all_queued)
{
  GstHarness *h = harness_new ("model-instance-id=alone batch-size=4 "
      "batch-timeout=5000");
  gint64 t0 = g_get_monotonic_time ();

  for (guint i = 0; i < 3; i++)
    gst_buffer_unref (gst_harness_push_and_pull (h, make_frame (h, 2, i)));
  fail_unless (g_get_monotonic_time () - t0 < 4000 * 1000);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* One sharer cycling NULL -> PLAYING -> NULL while another plays does not
 * disturb it. */
GST_START_TEST (test_sharer_cycles)
{
  Stream a = { 0 };
  GThread *th;

  a.h = harness_new ("model-instance-id=cyc batch-size=2 batch-timeout=5");
  th = g_thread_new ("a", keep_pushing, &a);
  for (guint i = 0; i < 3; i++) {
    GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=3 ! "
        "video/x-raw,width=48,height=40 ! resnetclassify name=rc "
        "model-instance-id=cyc batch-size=2 batch-timeout=5 ! fakesink",
        NULL);
    GstElement *rc = gst_bin_get_by_name (GST_BIN (pipe), "rc");
    GstBus *bus = gst_element_get_bus (pipe);
    GstMessage *m;
    g_object_set (rc, "model", model_path, "labels", labels_path, NULL);
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    m = gst_bus_timed_pop_filtered (bus, patience (60), GST_MESSAGE_EOS |
        GST_MESSAGE_ERROR);
    fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
    gst_message_unref (m);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (rc);
    gst_object_unref (pipe);
  }
  g_thread_join (th);
  fail_unless_equals_int (a.last_ret, GST_FLOW_OK);
  fail_unless_equals_int (a.n, 40);
  gst_harness_teardown (a.h);
}

GST_END_TEST;

static gboolean warned;         /* a WARNING came before the last swap message */

/* Pops the next 'resnetclassify-model' message (waiting up to a minute),
 * noting a warning on the way. */
static const gchar *
wait_swap (GstBus * bus, GstMessage ** keep)
{
  gint64 end = g_get_monotonic_time () + patience (60) / GST_USECOND;

  warned = FALSE;
  while (g_get_monotonic_time () < end) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
    if (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      fail ("an error during a swap");
    if (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING)
      warned = TRUE;
    if (m && GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT
        && gst_structure_has_name (gst_message_get_structure (m),
            "resnetclassify-model")) {
      *keep = m;
      return gst_structure_get_string (gst_message_get_structure (m), "status");
    }
    if (m)
      gst_message_unref (m);
  }
  return NULL;
}

/* Whether a warning waiting on @bus mentions @needle (every waiting
 * warning is taken off the bus). */
static gboolean
warning_mentions (GstBus * bus, const gchar * needle)
{
  gboolean found = FALSE;
  GstMessage *m;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning (m, &err, NULL);
    found |= strstr (err->message, needle) != NULL;
    g_error_free (err);
    gst_message_unref (m);
  }
  return found;
}

static gchar *
push_pull_model (GstHarness * h, guint i, guint * n_results)
{
  GstBuffer *out = gst_harness_push_and_pull (h, make_frame (h, 3, i));
  GstClassificationMeta *m = gst_buffer_get_classification_meta (out);
  gchar *name;

  fail_unless (m != NULL);
  name = g_strdup (gst_classification_meta_get_model (m));
  if (n_results)
    *n_results = gst_classification_meta_get_n_results (m);
  gst_buffer_unref (out);
  return name;
}

/* Setting model while PLAYING: frames keep flowing; a broken model or one
 * whose classes do not match the labels is a warning and the old model
 * goes on; a model of another input size and class count (with labels to
 * match) is swapped in between two frames, and from then on every frame
 * carries its answers. */
GST_START_TEST (test_swap_while_playing)
{
  g_autofree gchar *dir = g_dir_make_tmp ("swap-XXXXXX", NULL);
  g_autofree gchar *junk = g_build_filename (dir, "junk.onnx", NULL);
  g_autofree gchar *seven = g_build_filename (dir, "seven.txt", NULL);
  g_autofree gchar *preact = fixture ("preact_resnet");
  g_autofree gchar *odd = fixture ("cifar_resnet8_optB_odd");
  GstHarness *h = harness_new ("top-k=10");
  GstBus *bus = gst_bus_new ();
  GstMessage *m = NULL;
  gchar *name;
  guint n;

  fail_unless (g_file_set_contents (junk, "not a model", -1, NULL));
  fail_unless (g_file_set_contents (seven, "a\nb\nc\nd\ne\nf\ng\n", -1, NULL));
  gst_element_set_bus (rc_of (h), bus);
  name = push_pull_model (h, 0, &n);
  fail_unless_equals_string (name, "cifar_resnet20_optA");
  fail_unless_equals_int (n, 10);
  g_free (name);

  /* Broken: a warning, the old model goes on. */
  g_object_set (rc_of (h), "model", junk, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "failed");
  fail_unless (warned);
  fail_unless (strlen (gst_structure_get_string (gst_message_get_structure
              (m), "error")) > 0);
  gst_message_unref (m);
  name = push_pull_model (h, 1, NULL);
  fail_unless_equals_string (name, "cifar_resnet20_optA");
  g_free (name);

  /* Another input size, same classes. */
  g_object_set (rc_of (h), "model", preact, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "loaded");
  gst_message_unref (m);
  name = push_pull_model (h, 2, &n);
  fail_unless_equals_string (name, "preact_resnet");
  fail_unless_equals_int (n, 10);
  g_free (name);

  /* 7 classes: the 10 labels do not fit; with 7 labels it swaps. */
  g_object_set (rc_of (h), "model", odd, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "failed");
  fail_unless (warned);
  gst_message_unref (m);
  g_object_set (rc_of (h), "labels", seven, "model", odd, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "loaded");
  gst_message_unref (m);
  for (guint i = 3; i < 6; i++) {
    name = push_pull_model (h, i, &n);
    fail_unless_equals_string (name, "cifar_resnet8_optB_odd");
    fail_unless_equals_int (n, 7);
    g_free (name);
  }
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_unlink (junk);
  g_unlink (seven);
  g_rmdir (dir);
}

GST_END_TEST;


/* Files that would block a reader: a FIFO as the model, as its external
 * data or as the labels file.  Starting fails with one element error
 * naming it and the pipeline goes back to NULL; a swap to one is a
 * warning and status 'failed' while frames go on, and the harness still
 * tears down.  (A blocking open once hung the start, and a swap left a
 * loader thread that NULL waited for forever: the alarm fails the test
 * instead of hanging the suite.) */
GST_START_TEST (test_fifo_files)
{
  g_autofree gchar *dir = g_dir_make_tmp ("fifo-XXXXXX", NULL);
  g_autofree gchar *fifo = g_build_filename (dir, "fifo.onnx", NULL);
  g_autofree gchar *ext = g_build_filename (dir, "m.onnx", NULL);
  g_autofree gchar *w = g_build_filename (dir, "w.bin", NULL);
  g_autofree gchar *src = fixture ("hostile_ext_flat");
  g_autofree gchar *data = NULL;
  const gchar *bad[][2] = { {fifo, NULL}, {ext, NULL}, {NULL, fifo} };
  gsize len;

  alarm (120);
  fail_unless (mkfifo (fifo, 0600) == 0 && mkfifo (w, 0600) == 0);
  fail_unless (g_file_get_contents (src, &data, &len, NULL));
  fail_unless (g_file_set_contents (ext, data, len, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree gchar *desc = g_strdup_printf ("videotestsrc num-buffers=2 ! "
        "resnetclassify name=rc model=%s labels=%s ! fakesink",
        bad[i][0] ? bad[i][0] : model_path, bad[i][1] ? bad[i][1] :
        labels_path);
    GstElement *p = gst_parse_launch (desc, NULL);
    GstBus *bus = gst_element_get_bus (p);
    GstMessage *m;
    GError *err = NULL;

    gst_element_set_state (p, GST_STATE_PLAYING);
    m = gst_bus_timed_pop_filtered (bus, patience (60), GST_MESSAGE_ERROR);
    fail_unless (m != NULL, "no error for case %u", i);
    gst_message_parse_error (m, &err, NULL);
    GST_INFO ("case %u: %s", i, err->message);
    fail_unless (strstr (err->message, "FIFO") != NULL, "%s", err->message);
    g_error_free (err);
    gst_message_unref (m);
    fail_unless_equals_int (gst_element_set_state (p, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (bus);
    gst_object_unref (p);
  }

  {
    GstHarness *h = harness_new (NULL);
    GstBus *bus = gst_bus_new ();
    GstMessage *m = NULL;
    gchar *name;

    gst_element_set_bus (rc_of (h), bus);
    g_free (push_pull_model (h, 0, NULL));
    for (guint i = 0; i < 2; i++) {
      g_object_set (rc_of (h), "model", bad[i][0], NULL);
      fail_unless_equals_string (wait_swap (bus, &m), "failed");
      fail_unless (warned);
      fail_unless (strstr (gst_structure_get_string
              (gst_message_get_structure (m), "error"), "FIFO") != NULL);
      gst_message_unref (m);
      name = push_pull_model (h, 1 + i, NULL);
      fail_unless_equals_string (name, "cifar_resnet20_optA");
      g_free (name);
    }
    gst_element_set_bus (rc_of (h), NULL);
    gst_object_unref (bus);
    gst_harness_teardown (h);
  }
  alarm (0);
  g_unlink (fifo);
  g_unlink (w);
  g_unlink (ext);
  g_rmdir (dir);
}

GST_END_TEST;

/* A swap to a model of two heads while playing: later frames carry both
 * heads, with the labels the model's metadata gives them; the element's
 * 'heads', which named the first model's output, does not fit it: a
 * warning, and the new model's own heads. */
GST_START_TEST (test_swap_to_heads)
{
  g_autofree gchar *heads = fixture ("two_heads");
  GstHarness *h = harness_new ("top-k=2 heads=output:softmax");
  GstBus *bus = gst_bus_new ();
  GstMessage *m = NULL;
  GstBuffer *out;
  GstClassificationMeta *meta;
  gchar *name;

  gst_element_set_bus (rc_of (h), bus);
  name = push_pull_model (h, 0, NULL);
  fail_unless_equals_string (name, "cifar_resnet20_optA");
  g_free (name);
  g_object_set (rc_of (h), "labels", NULL, "model", heads, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "loaded");
  gst_message_unref (m);
  out = gst_harness_push_and_pull (h, make_frame (h, 3, 1));
  meta = gst_buffer_get_classification_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_string (gst_classification_meta_get_model (meta),
      "two_heads");
  fail_unless_equals_int (gst_classification_meta_get_n_heads (meta), 2);
  fail_unless_equals_string (gst_classification_meta_get_head_name (meta, 1),
      "type");
  fail_unless_equals_int (gst_classification_meta_get_head_n_results (meta,
          1), 2);
  fail_unless (g_strv_contains ((const gchar *[]) { "car", "van", "truck",
            "bus", NULL
          }, gst_classification_meta_get_head_label (meta, 1,
              0)));
  gst_buffer_unref (out);
  fail_unless (warning_mentions (bus, "'heads' does not fit model "
          "two_heads"));
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A swap to a model whose labels lack one that class-thresholds names: a
 * warning, and 'threshold' for every class of the new model, not the old
 * model's per-class array ("cat" is class 3 of the old one). */
GST_START_TEST (test_swap_drops_unfit_thresholds)
{
  g_autofree gchar *dir = g_dir_make_tmp ("unfit-XXXXXX", NULL);
  g_autofree gchar *seven = g_build_filename (dir, "seven.txt", NULL);
  g_autofree gchar *odd = fixture ("cifar_resnet8_optB_odd");
  GstHarness *h = harness_new ("top-k=10 class-thresholds=cat:0.99");
  GstBus *bus = gst_bus_new ();
  GstMessage *m = NULL;
  guint n;
  gchar *name;

  fail_unless (g_file_set_contents (seven, "a\nb\nc\nd\ne\nf\ng\n", -1, NULL));
  gst_element_set_bus (rc_of (h), bus);
  name = push_pull_model (h, 0, &n);
  fail_unless_equals_int (n, 9);
  g_free (name);
  g_object_set (rc_of (h), "labels", seven, "model", odd, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "loaded");
  gst_message_unref (m);
  name = push_pull_model (h, 1, &n);
  fail_unless_equals_string (name, "cifar_resnet8_optB_odd");
  fail_unless_equals_int (n, 7);
  g_free (name);
  fail_unless (warning_mentions (bus, "class-thresholds do not fit"));
  gst_element_set_bus (rc_of (h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  g_unlink (seven);
  g_rmdir (dir);
}

GST_END_TEST;

/* Frames flow while a swap loads: none is lost, those after it carry the
 * new model, and the two sharers of the instance both switch. */
GST_START_TEST (test_swap_loses_no_frame)
{
  g_autofree gchar *preact = fixture ("preact_resnet");
  Stream a = { 0 }, b = { 0 };
  GThread *ta, *tb;
  GstBus *bus = gst_bus_new ();
  GstMessage *m = NULL;
  gchar *name;

  a.h = harness_new ("model-instance-id=sw batch-size=2 batch-timeout=5");
  b.h = harness_new ("model-instance-id=sw batch-size=2 batch-timeout=5");
  gst_element_set_bus (rc_of (a.h), bus);
  ta = g_thread_new ("a", keep_pushing, &a);
  tb = g_thread_new ("b", keep_pushing, &b);
  g_usleep (100 * 1000);
  g_object_set (rc_of (a.h), "model", preact, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "loaded");
  gst_message_unref (m);
  g_thread_join (ta);
  g_thread_join (tb);
  fail_unless_equals_int (a.n, 40);
  fail_unless_equals_int (b.n, 40);
  name = push_pull_model (b.h, 50, NULL);
  fail_unless_equals_string (name, "preact_resnet");
  g_free (name);
  gst_element_set_bus (rc_of (a.h), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (a.h);
  gst_harness_teardown (b.h);
}

GST_END_TEST;

typedef struct
{
  GstElement *rc;
  gchar *models[2];
  gint stop;
  gint swaps;
} Swapper;

/* Swaps the model of @data's element every 200 ms, back and forth. */
static gpointer
keep_swapping (gpointer data)
{
  Swapper *sw = data;

  while (!g_atomic_int_get (&sw->stop)) {
    g_object_set (sw->rc, "model", sw->models[(sw->swaps + 1) % 2], NULL);
    g_atomic_int_inc (&sw->swaps);
    g_usleep (200 * 1000);
  }
  return NULL;
}

static GstPadProbeReturn
count_metas (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  guint *counts = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  counts[0]++;
  counts[1] += gst_buffer_get_classification_meta (buf) != NULL;
  return GST_PAD_PROBE_OK;
}

/* A sharer restarted while another swaps the instance's model every
 * 200 ms is never refused: its own settings did not change, and the door
 * is what the instance was created with (or runs now), not whatever the
 * last swap brought in.  Every buffer of every run gets a meta. */
GST_START_TEST (test_restart_under_swaps)
{
  g_autofree gchar *preact = fixture ("preact_resnet");
  Swapper sw = { 0 };
  GstHarness *a = harness_new ("model-instance-id=door");
  GThread *th;

  sw.rc = rc_of (a);
  sw.models[0] = (gchar *) model_path;
  sw.models[1] = preact;
  th = g_thread_new ("swap", keep_swapping, &sw);
  /* At least 20 restarts, spread over at least 15 swaps. */
  for (guint i = 0; i < 20 || g_atomic_int_get (&sw.swaps) < 15; i++) {
    GstElement *pipe = gst_parse_launch ("videotestsrc num-buffers=4 ! "
        "video/x-raw,width=48,height=40 ! resnetclassify name=rc "
        "model-instance-id=door ! fakesink name=sink", NULL);
    GstElement *rc = gst_bin_get_by_name (GST_BIN (pipe), "rc");
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    GstBus *bus = gst_element_get_bus (pipe);
    guint counts[2] = { 0, 0 };
    GstMessage *m;
    GError *err = NULL;

    g_object_set (rc, "model", model_path, "labels", labels_path, NULL);
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_metas, counts,
        NULL);
    gst_element_set_state (pipe, GST_STATE_PLAYING);
    m = gst_bus_timed_pop_filtered (bus, patience (60), GST_MESSAGE_EOS |
        GST_MESSAGE_ERROR);
    fail_unless (m != NULL);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (m, &err, NULL);
      fail ("restart %u refused: %s", i, err->message);
    }
    gst_message_unref (m);
    fail_unless_equals_int (counts[0], 4);
    fail_unless_equals_int (counts[1], 4);
    gst_element_set_state (pipe, GST_STATE_NULL);
    gst_object_unref (pad);
    gst_object_unref (bus);
    gst_object_unref (sink);
    gst_object_unref (rc);
    gst_object_unref (pipe);
    g_usleep (50 * 1000);
  }
  g_atomic_int_set (&sw.stop, TRUE);
  g_thread_join (th);
  gst_harness_teardown (a);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  GstBuffer *out;
} RegionPush;

static gpointer
push_region_frame (gpointer data)
{
  RegionPush *rp = data;
  GstBuffer *in = make_frame (rp->h, 5, 0);
  GstVideoRegionOfInterestMeta *roi =
      gst_buffer_add_video_region_of_interest_meta (in, "obj", 4, 4, 40, 36);

  roi->id = 9;
  rp->out = gst_harness_push_and_pull (rp->h, in);
  return NULL;
}

/* A region's request waits for its batch while a swap brings a model with
 * 1,000 classes: the answer is built with the model it ran with, under
 * that model's class-thresholds ("cat" is class 3 of the first model and
 * class 999 of the second), never with the first model's. */
GST_START_TEST (test_region_swap_to_more_classes)
{
  g_autofree gchar *dir = g_dir_make_tmp ("grow-XXXXXX", NULL);
  g_autofree gchar *labels = g_build_filename (dir, "labels.txt", NULL);
  g_autofree gchar *big = fixture ("resnet18");
  g_autoptr (GString) text = g_string_new (NULL);
  const gchar *shared = "model-instance-id=grow batch-size=2 "
      "batch-timeout=10000";
  g_autofree gchar *da = g_strdup_printf ("%s inference-region=roi-list "
      "top-k=1000 class-thresholds=cat:0.99", shared);
  GstHarness *a = harness_new (da), *b = harness_new (shared);
  GstBus *bus = gst_bus_new ();
  GstMessage *m = NULL;
  RegionPush rp = { a, NULL };
  GstClassificationMeta *cm;
  GThread *t;
  gboolean saw3 = FALSE;

  for (guint c = 0; c < 999; c++)
    g_string_append_printf (text, "class%u\n", c);
  g_string_append (text, "cat\n");
  fail_unless (g_file_set_contents (labels, text->str, -1, NULL));
  gst_element_set_bus (rc_of (a), bus);
  t = g_thread_new ("region", push_region_frame, &rp);
  /* The region is queued (b has nothing queued, so it waits). */
  g_usleep (500 * 1000);
  g_object_set (rc_of (a), "labels", labels, "model", big, NULL);
  fail_unless_equals_string (wait_swap (bus, &m), "loaded");
  gst_message_unref (m);
  /* b's frame completes the batch, which runs with the new model. */
  g_free (push_pull_model (b, 0, NULL));
  g_thread_join (t);

  cm = gst_buffer_get_classification_meta_for_roi (rp.out, 9);
  fail_unless (cm != NULL);
  fail_unless_equals_string (gst_classification_meta_get_model (cm),
      "resnet18");
  fail_unless_equals_int (gst_classification_meta_get_n_results (cm), 999);
  for (guint i = 0; i < 999; i++) {
    gint id;
    fail_unless (gst_classification_meta_get_result (cm, i, &id, NULL, NULL));
    fail_unless (id >= 0 && id < 999, "class %d reported", id);
    saw3 |= id == 3;
  }
  fail_unless (saw3, "class 3 of the new model was held to the old model's "
      "threshold for 'cat'");
  gst_buffer_unref (rp.out);
  gst_element_set_bus (rc_of (a), NULL);
  gst_object_unref (bus);
  gst_harness_teardown (a);
  gst_harness_teardown (b);
  g_unlink (labels);
  g_rmdir (dir);
}

GST_END_TEST;

/* Two pipelines in one process sharing an instance both reach EOS (the
 * hang DL Streamer users met with one id in two pipelines). */
GST_START_TEST (test_two_pipelines)
{
  GstElement *p[2];
  GstBus *bus[2];

  for (guint i = 0; i < 2; i++) {
    g_autofree gchar *desc = g_strdup_printf ("videotestsrc num-buffers=%u ! "
        "video/x-raw,width=64,height=48 ! resnetclassify model=%s labels=%s "
        "model-instance-id=two batch-size=2 batch-timeout=20 ! fakesink",
        10 + 7 * i, model_path, labels_path);
    p[i] = gst_parse_launch (desc, NULL);
    bus[i] = gst_element_get_bus (p[i]);
    gst_element_set_state (p[i], GST_STATE_PLAYING);
  }
  for (guint i = 0; i < 2; i++) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus[i], patience (60),
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS,
        "pipeline %u did not finish", i);
    gst_message_unref (m);
  }
  for (guint i = 0; i < 2; i++) {
    gst_element_set_state (p[i], GST_STATE_NULL);
    gst_object_unref (bus[i]);
    gst_object_unref (p[i]);
  }
}

GST_END_TEST;

static Suite *
sharing_suite (void)
{
  Suite *s = suite_create ("resnetclassify-sharing");
  TCase *tc = tcase_create ("general");

  model_path = g_getenv ("OCLRESNET_TEST_MODEL");
  labels_path = g_getenv ("OCLRESNET_TEST_LABELS");
  fixtures = g_getenv ("OCLRESNET_FIXTURES");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_shared_equals_private);
  tcase_add_test (tc, test_conflicting_sharers);
  tcase_add_test (tc, test_flush_and_timeout);
  tcase_add_test (tc, test_no_wait_when_all_queued);
  tcase_add_test (tc, test_sharer_cycles);
  tcase_add_test (tc, test_batch1_model);
  tcase_add_test (tc, test_swap_while_playing);
  tcase_add_test (tc, test_fifo_files);
  tcase_add_test (tc, test_swap_drops_unfit_thresholds);
  tcase_add_test (tc, test_swap_to_heads);
  tcase_add_test (tc, test_swap_loses_no_frame);
  tcase_add_test (tc, test_two_pipelines);
  tcase_add_test (tc, test_region_swap_to_more_classes);
  tcase_add_test (tc, test_restart_under_swaps);
  return s;
}

GST_CHECK_MAIN (sharing);
