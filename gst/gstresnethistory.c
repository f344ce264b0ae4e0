/* Per-region history of class probabilities.
 *
 * Each region id (the whole frame is -1) keeps a ring of its last inferences'
 * probabilities and the result of its last inference.  Smoothing is the
 * plain mean over the ring: with window N, a class must hold the lead over
 * about N/2 inferences to take it, which is what stops a label that
 * flickers between two close classes.  The mean is recomputed over the ring
 * each time (N x classes additions), which keeps no drifting running sum. */
#include <string.h>
#include "gstresnethistory.h"

typedef struct
{
  guint64 seen;                 /* last frame the region was present */
  guint64 classified;           /* frame of its last inference */
  guint n;                      /* classes */
  guint window;                 /* ring capacity */
  guint count, head;            /* entries in the ring, next slot */
  float *ring;                  /* window x n */
  float *last;                  /* n: the last (smoothed) result */
  GstResnetHistoryStamp stamp;  /* of the last result */
} Track;

struct _GstResnetHistory
{
  GHashTable *tracks;           /* GINT_TO_POINTER (id) -> Track */
};

static void
track_free (Track * t)
{
  g_free (t->ring);
  g_free (t->last);
  g_free (t);
}

GstResnetHistory *
gst_resnet_history_new (void)
{
  GstResnetHistory *h = g_new0 (GstResnetHistory, 1);

  h->tracks = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) track_free);
  return h;
}

void
gst_resnet_history_free (GstResnetHistory * h)
{
  if (h == NULL)
    return;
  g_hash_table_unref (h->tracks);
  g_free (h);
}

void
gst_resnet_history_reset (GstResnetHistory * h)
{
  g_hash_table_remove_all (h->tracks);
}

/* The track of @id, (re)made for @n classes and a ring of @window. */
static Track *
track_get (GstResnetHistory * h, gint id, guint n, guint window)
{
  Track *t = g_hash_table_lookup (h->tracks, GINT_TO_POINTER (id));

  if (t && (t->n != n || t->window != window)) {
    g_hash_table_remove (h->tracks, GINT_TO_POINTER (id));
    t = NULL;
  }
  if (t == NULL) {
    t = g_new0 (Track, 1);
    t->n = n;
    t->window = window;
    t->ring = g_new (float, (gsize) window * n);
    t->last = g_new0 (float, n);
    g_hash_table_insert (h->tracks, GINT_TO_POINTER (id), t);
  }
  return t;
}

guint
gst_resnet_history_smooth (GstResnetHistory * h, gint id, guint64 frame,
    guint64 pts, guint64 run_us, const float *probs, guint n,
    const guint8 * latest, guint window, float *out)
{
  Track *t = track_get (h, id, n, MAX (window, 1));

  memcpy (t->ring + (gsize) t->head * n, probs, n * sizeof (float));
  t->head = (t->head + 1) % t->window;
  t->count = MIN (t->count + 1, t->window);
  for (guint c = 0; c < n; c++) {
    double sum = 0.0;
    if (latest && latest[c]) {
      out[c] = probs[c];
      continue;
    }
    for (guint k = 0; k < t->count; k++)
      sum += t->ring[(gsize) k * n + c];
    out[c] = sum / t->count;
  }
  memcpy (t->last, out, n * sizeof (float));
  t->stamp.smoothed_over = t->count;
  t->stamp.source_pts = pts;
  t->stamp.inference_us = run_us;
  t->seen = t->classified = frame;
  return t->count;
}

const float *
gst_resnet_history_cached (GstResnetHistory * h, gint id, guint64 frame,
    guint interval, guint n, GstResnetHistoryStamp * stamp)
{
  Track *t = g_hash_table_lookup (h->tracks, GINT_TO_POINTER (id));

  if (t == NULL || t->n != n)
    return NULL;
  t->seen = frame;
  if (frame - t->classified >= interval)
    return NULL;
  *stamp = t->stamp;
  return t->last;
}

void
gst_resnet_history_forget (GstResnetHistory * h, guint64 frame, guint frames)
{
  GHashTableIter it;
  Track *t;

  g_hash_table_iter_init (&it, h->tracks);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) & t))
    if (frame - t->seen > frames)
      g_hash_table_iter_remove (&it);
}

guint
gst_resnet_history_size (GstResnetHistory * h)
{
  return g_hash_table_size (h->tracks);
}
