/* classify-video: the demo.  Decodes a video, classifies every frame with
 * resnetclassify (its answer smoothed over the last 15 frames, so that the
 * label holds still), draws the results with classificationoverlay, encodes
 * the annotated video, prints a per-second summary of the top labels while
 * it runs and saves one annotated frame as PNG.
 *
 * usage: classify-video VIDEO MODEL OUT.mp4 SNAPSHOT.png [LABEL,...]
 *
 * The snapshot is the frame classified most confidently as one of the
 * LABELs (any label when none are given).  It is chosen on the frames
 * themselves, by their GstClassificationMeta, so the picture and the label
 * drawn on it always belong together. */
#include <stdio.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/classification/classification-meta.h>

typedef struct
{
  GHashTable *counts;           /* label -> frames this second */
  double conf_sum;
  guint frames, total;
  gint64 second;
  gboolean snapped;
  gchar **prefer;
  const char *snap_path;
  GMutex lock;                  /* guards best, best_conf (streaming thread) */
  GstSample *best;              /* a copy of the best frame so far */
  gfloat best_conf;
  gint last_top, last_raw;      /* class ids of the previous frame */
  guint changes, raw_changes;   /* top-label changes: smoothed, per frame */
} Summary;

static void
print_second (Summary * s)
{
  GHashTableIter it;
  gpointer k, v;
  const char *best = NULL;
  guint best_n = 0;

  if (s->frames == 0)
    return;
  g_hash_table_iter_init (&it, s->counts);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (GPOINTER_TO_UINT (v) > best_n) {
      best_n = GPOINTER_TO_UINT (v);
      best = k;
    }
  printf ("  %3" G_GINT64_FORMAT " s  %-11s %2u/%u frames, mean confidence "
      "%.2f\n", s->second, best, best_n, s->frames, s->conf_sum / s->frames);
  fflush (stdout);
  g_hash_table_remove_all (s->counts);
  s->frames = 0;
  s->conf_sum = 0;
}

/* Buffer probe after the overlay: keeps a copy of the drawn frame whose top
 * result is the most confident preferred label so far. */
static GstPadProbeReturn
on_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Summary *s = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClassificationMeta *meta = gst_buffer_get_classification_meta (buf);
  GQuark label = 0;
  gfloat conf = 0.0f;

  if (meta && gst_classification_meta_is_fresh (meta)
      && gst_classification_meta_get_result (meta, 0, NULL, &label, &conf)
      && (s->prefer == NULL || g_strv_contains ((const gchar * const *)
              s->prefer, g_quark_to_string (label)))) {
    g_mutex_lock (&s->lock);
    if (conf > s->best_conf) {
      /* A deep copy: the frame itself goes on to the encoder, and holding
       * it would starve the decoder's buffer pool. */
      GstBuffer *copy = gst_buffer_copy_deep (buf);
      GstCaps *caps = gst_pad_get_current_caps (pad);
      if (s->best)
        gst_sample_unref (s->best);
      s->best = gst_sample_new (copy, caps, NULL, NULL);
      gst_buffer_unref (copy);
      if (caps)
        gst_caps_unref (caps);
      s->best_conf = conf;
    }
    g_mutex_unlock (&s->lock);
  }
  return GST_PAD_PROBE_OK;
}

static void
save_snapshot (Summary * s)
{
  GstCaps *caps = gst_caps_new_empty_simple ("image/png");
  GError *error = NULL;
  GstSample *png;

  if (s->best == NULL)
    goto out;
  png = gst_video_convert_sample (s->best, caps, 5 * GST_SECOND, &error);
  if (png) {
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer (png);
    gst_buffer_map (b, &map, GST_MAP_READ);
    s->snapped = g_file_set_contents (s->snap_path, (const char *) map.data,
        map.size, &error);
    gst_buffer_unmap (b, &map);
    gst_sample_unref (png);
  }
  if (error) {
    fprintf (stderr, "classify-video: snapshot: %s\n", error->message);
    g_error_free (error);
  }
out:
  gst_caps_unref (caps);
}

static void
on_result (Summary * s, const GstStructure * st)
{
  guint64 t = 0;
  gdouble conf = 0;
  const char *label = gst_structure_get_string (st, "label");

  gint top = -1, raw = -1;

  gst_structure_get_uint64 (st, "stream-time", &t);
  gst_structure_get_double (st, "confidence", &conf);
  gst_structure_get_int (st, "class-id", &top);
  gst_structure_get_int (st, "raw-class-id", &raw);
  if (s->total > 0) {
    s->changes += top != s->last_top;
    s->raw_changes += raw != s->last_raw;
  }
  s->last_top = top;
  s->last_raw = raw;
  if ((gint64) (t / GST_SECOND) != s->second) {
    print_second (s);
    s->second = t / GST_SECOND;
  }
  g_hash_table_insert (s->counts, g_strdup (label ? label : "?"),
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (s->counts,
                  label ? label : "?")) + 1));
  s->conf_sum += conf;
  s->frames++;
  s->total++;
}

int
main (int argc, char **argv)
{
  Summary s = { 0 };
  GstElement *pipe;
  GstBus *bus;
  GError *error = NULL;
  gchar *desc;
  int rc = 0;

  gst_init (&argc, &argv);
  if (argc != 5 && argc != 6) {
    fprintf (stderr, "usage: classify-video VIDEO MODEL OUT.mp4 "
        "SNAPSHOT.png [LABEL,...]\n");
    return 2;
  }
  desc = g_strdup_printf ("filesrc location=\"%s\" ! qtdemux ! h264parse ! "
      "avdec_h264 ! resnetclassify model=\"%s\" post-messages=every top-k=3 "
      "smoothing-window=15 ! "
      "classificationoverlay name=overlay ! queue ! videoconvert ! "
      "x264enc speed-preset=veryfast ! mp4mux ! filesink location=\"%s\"",
      argv[1], argv[2], argv[3]);
  pipe = gst_parse_launch (desc, &error);
  g_free (desc);
  if (pipe == NULL) {
    fprintf (stderr, "classify-video: %s\n", error->message);
    return 1;
  }
  s.counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s.second = -1;
  s.snap_path = argv[4];
  g_mutex_init (&s.lock);
  {
    GstElement *overlay = gst_bin_get_by_name (GST_BIN (pipe), "overlay");
    GstPad *src = gst_element_get_static_pad (overlay, "src");
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_frame, &s, NULL);
    gst_object_unref (src);
    gst_object_unref (overlay);
  }
  s.prefer = argc == 6 ? g_strsplit (argv[5], ",", -1) : NULL;
  printf ("classifying %s with %s (top label per second of video):\n",
      argv[1], argv[2]);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipe);
  for (;;) {
    GstMessage *m = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT) {
      if (gst_message_has_name (m, "resnetclassify"))
        on_result (&s, gst_message_get_structure (m));
      gst_message_unref (m);
      continue;
    }
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
      gchar *dbg = NULL;
      gst_message_parse_error (m, &error, &dbg);
      fprintf (stderr, "classify-video: %s\n", error->message);
      g_clear_error (&error);
      g_free (dbg);
      rc = 1;
    }
    gst_message_unref (m);
    break;
  }
  print_second (&s);
  gst_element_set_state (pipe, GST_STATE_NULL);
  if (rc == 0)
    save_snapshot (&s);
  if (rc == 0)
    printf ("\n%u frames classified; the top label changed %u times (%u "
        "times frame by frame, without smoothing).\nannotated video: %s\n"
        "snapshot:        %s\n", s.total, s.changes, s.raw_changes, argv[3],
        s.snapped ? argv[4] : "(none saved)");
  gst_object_unref (bus);
  gst_object_unref (pipe);
  if (s.best)
    gst_sample_unref (s.best);
  g_mutex_clear (&s.lock);
  g_hash_table_unref (s.counts);
  g_strfreev (s.prefer);
  return rc;
}
