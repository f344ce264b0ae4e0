/* What classificationoverlay writes for one GstClassificationMeta: plain
 * text, no drawing, so that tests/test-answer.c checks it on the host. */
#pragma once

#include <gst/classification/classification-meta.h>

G_BEGIN_DECLS

/* "label 87.5%\nlabel 3.1%..." for the first @max results; with several
 * classification heads, one line per head with its top class
 * ("color: red 87.5%"); an embedding alone is named with its length.  A
 * result carried over says so on a last line.
 * Returns: (transfer full). */
gchar *gst_classification_overlay_text (const GstClassificationMeta * meta,
    guint max);

G_END_DECLS
