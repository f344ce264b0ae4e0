/* classificationoverlay's text for a meta. */
#include "overlay-text.h"

/* Classification heads of @meta, and the first embedding (or -1). */
static guint
count_heads (const GstClassificationMeta * meta, gint * embedding)
{
  guint n = 0;

  *embedding = -1;
  for (guint h = 0; h < gst_classification_meta_get_n_heads (meta); h++) {
    if (gst_classification_meta_get_head_kind (meta, h) !=
        GST_CLASSIFICATION_HEAD_EMBEDDING)
      n++;
    else if (*embedding < 0)
      *embedding = h;
  }
  return n;
}

gchar *
gst_classification_overlay_text (const GstClassificationMeta * meta, guint max)
{
  GString *s = g_string_new (NULL);
  gint embedding;
  guint n_cls = count_heads (meta, &embedding);

  if (n_cls > 1) {
    for (guint h = 0; h < gst_classification_meta_get_n_heads (meta); h++) {
      GQuark label;
      gfloat conf;
      if (gst_classification_meta_get_head_kind (meta, h) ==
          GST_CLASSIFICATION_HEAD_EMBEDDING)
        continue;
      g_string_append_printf (s, "%s%s: ", s->len ? "\n" : "",
          gst_classification_meta_get_head_name (meta, h));
      if (gst_classification_meta_get_head_result (meta, h, 0, NULL, &label,
              &conf))
        g_string_append_printf (s, "%s %.1f%%", g_quark_to_string (label),
            100.0 * conf);
      else
        g_string_append (s, "(no class)");
    }
  } else if (n_cls == 0 && embedding >= 0) {
    guint n;
    gst_classification_meta_get_head_vector (meta, embedding, &n);
    g_string_append_printf (s, "%s: embedding of %u",
        gst_classification_meta_get_head_name (meta, embedding), n);
  } else {
    guint n = MIN (gst_classification_meta_get_n_results (meta), max);
    for (guint i = 0; i < n; i++) {
      GQuark label;
      gfloat conf;
      gst_classification_meta_get_result (meta, i, NULL, &label, &conf);
      g_string_append_printf (s, "%s%s %.1f%%", i ? "\n" : "",
          g_quark_to_string (label), 100.0 * conf);
    }
    if (n == 0)
      g_string_append (s, "(no class)");
  }
  if (!gst_classification_meta_is_fresh (meta))
    g_string_append (s, gst_classification_meta_is_qos_skipped (meta) ?
        "\n(skipped: late)" : "\n(last result)");
  return g_string_free (s, FALSE);
}
