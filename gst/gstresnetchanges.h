/* Which answers changed: the last top class of each region id (-1: the
 * whole frame), for resnetclassify's post-messages=on-change and
 * classificationpublish's publish=on-change alike.  Bounded: ids not seen
 * for a while are forgotten, and at most a fixed number are kept, so a
 * tracker that makes up new ids all the time costs no more memory.  Plain
 * GLib; used from one streaming thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GstResnetChanges GstResnetChanges;

/* Ids unseen for more than @forget_after frames are forgotten; past
 * @max_ids the least recently seen goes first. */
GstResnetChanges *gst_resnet_changes_new (guint forget_after, guint max_ids);
/* @c may be NULL. */
void gst_resnet_changes_free (GstResnetChanges * c);
void gst_resnet_changes_reset (GstResnetChanges * c);

/* Records @value (a class; -1: none) for @id seen on @frame.  Returns TRUE
 * when @id is new or its last value differs. */
gboolean gst_resnet_changes_update (GstResnetChanges * c, gint id,
    gint value, guint64 frame);
/* Ends frame @frame: forgets what was not seen for too long. */
void gst_resnet_changes_end_frame (GstResnetChanges * c, guint64 frame);
/* Ids remembered (for tests). */
guint gst_resnet_changes_size (GstResnetChanges * c);

G_END_DECLS
