/* The per-id change tracker (gst/gstresnetchanges.c) behind both elements'
 * on-change: news per id, and bounded memory under churning ids. */
#include "gstresnetchanges.h"

/* A new id is news, the same value is not, another value is. */
static void
test_news (void)
{
  GstResnetChanges *c = gst_resnet_changes_new (10, 100);

  g_assert_true (gst_resnet_changes_update (c, -1, 3, 0));
  g_assert_false (gst_resnet_changes_update (c, -1, 3, 1));
  g_assert_true (gst_resnet_changes_update (c, 7, 3, 1));
  g_assert_false (gst_resnet_changes_update (c, 7, 3, 2));
  g_assert_true (gst_resnet_changes_update (c, 7, -1, 3));
  g_assert_true (gst_resnet_changes_update (c, 7, 3, 4));
  g_assert_false (gst_resnet_changes_update (c, -1, 3, 4));
  gst_resnet_changes_reset (c);
  g_assert_true (gst_resnet_changes_update (c, -1, 3, 5));
  gst_resnet_changes_free (c);
  gst_resnet_changes_free (NULL);
}

/* Ids unseen for longer than forget_after go; never more than max_ids
 * are kept, the least recently seen leaving first. */
static void
test_bounded (void)
{
  GstResnetChanges *c = gst_resnet_changes_new (8, 50);
  guint most = 0;

  for (guint64 f = 0; f < 1000; f++) {
    for (gint k = 0; k < 4; k++)
      gst_resnet_changes_update (c, (gint) (f * 4 + k), 1, f);
    gst_resnet_changes_update (c, -1, 1, f);
    gst_resnet_changes_end_frame (c, f);
    most = MAX (most, gst_resnet_changes_size (c));
  }
  g_assert_cmpuint (most, <=, 50);
  /* the frame, seen every frame, was never forgotten */
  g_assert_false (gst_resnet_changes_update (c, -1, 1, 1000));
  gst_resnet_changes_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/changes/news", test_news);
  g_test_add_func ("/changes/bounded", test_bounded);
  return g_test_run ();
}
