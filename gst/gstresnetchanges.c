/* GstResnetChanges: a hash table of (last value, last frame seen) per id. */
#include "gstresnetchanges.h"

typedef struct
{
  gint value;
  guint64 seen;
} Last;

struct _GstResnetChanges
{
  GHashTable *ids;              /* GINT_TO_POINTER (id) -> Last */
  guint forget_after, max_ids;
  guint64 swept;                /* frame of the last sweep */
};

GstResnetChanges *
gst_resnet_changes_new (guint forget_after, guint max_ids)
{
  GstResnetChanges *c = g_new0 (GstResnetChanges, 1);

  c->ids = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  c->forget_after = MAX (forget_after, 1);
  c->max_ids = MAX (max_ids, 1);
  return c;
}

void
gst_resnet_changes_free (GstResnetChanges * c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->ids);
  g_free (c);
}

void
gst_resnet_changes_reset (GstResnetChanges * c)
{
  g_hash_table_remove_all (c->ids);
  c->swept = 0;
}

/* Makes room for one more id: the least recently seen goes.  A linear
 * scan, only when the table is full. */
static void
evict_oldest (GstResnetChanges * c)
{
  GHashTableIter it;
  gpointer key, oldest_key = NULL;
  Last *l, *oldest = NULL;

  g_hash_table_iter_init (&it, c->ids);
  while (g_hash_table_iter_next (&it, &key, (gpointer *) & l))
    if (oldest == NULL || l->seen < oldest->seen) {
      oldest = l;
      oldest_key = key;
    }
  if (oldest)
    g_hash_table_remove (c->ids, oldest_key);
}

gboolean
gst_resnet_changes_update (GstResnetChanges * c, gint id, gint value,
    guint64 frame)
{
  gpointer key = GINT_TO_POINTER (id);
  Last *l = g_hash_table_lookup (c->ids, key);
  gboolean changed;

  if (l == NULL) {
    if (g_hash_table_size (c->ids) >= c->max_ids)
      evict_oldest (c);
    l = g_new (Last, 1);
    g_hash_table_insert (c->ids, key, l);
    changed = TRUE;
  } else {
    changed = l->value != value;
  }
  l->value = value;
  l->seen = frame;
  return changed;
}

void
gst_resnet_changes_end_frame (GstResnetChanges * c, guint64 frame)
{
  GHashTableIter it;
  Last *l;

  /* A sweep every forget_after frames keeps the cost per frame flat. */
  if (frame < c->swept + c->forget_after)
    return;
  c->swept = frame;
  g_hash_table_iter_init (&it, c->ids);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) & l))
    if (l->seen + c->forget_after < frame)
      g_hash_table_iter_remove (&it);
}

guint
gst_resnet_changes_size (GstResnetChanges * c)
{
  return g_hash_table_size (c->ids);
}
