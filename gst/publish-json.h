/* classificationpublish's message: one frame's classification metas as one
 * line of JSON (schemas/classificationpublish.schema.json).  No element
 * code; tests/test-publish-json.c checks it on the host against the
 * schema. */
#pragma once

#include <gst/gst.h>
#include <gst/classification/classification-meta.h>

G_BEGIN_DECLS

/* What the message says of the frame itself. */
typedef struct {
  const gchar *source;
  GstClockTime pts;             /* NONE: null */
  GstClockTime running_time;    /* NONE: null */
  guint64 frame;
  gint width, height;           /* 0: unknown */
} PublishFrame;

/* @metas (GstClassificationMeta *) of @buf as one JSON object, without a
 * newline.  Returns: (transfer full) the text, its length in @len. */
gchar *publish_json_frame (const PublishFrame * f, GstBuffer * buf,
    GPtrArray * metas, gsize * len);

G_END_DECLS
