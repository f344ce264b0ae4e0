/* classificationoverlay
 *
 * Text and boxes are rendered with Pango/Cairo into small premultiplied
 * ARGB surfaces and blended with GstVideoOverlayComposition, which writes
 * any of the raw formats resnetclassify takes, so no videoconvert is
 * needed in between.  Where a frame has no GstClassificationMeta, it
 * draws GStreamer's analytics metas instead (GStreamer >= 1.24): object
 * detections with their classification, and classifications of the whole
 * frame.  Frames with neither pass untouched (not even mapped).
 *
 *   ... ! resnetclassify ! classificationoverlay ! autovideosink
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <pango/pangocairo.h>
#include <gst/video/video.h>
#include "gstclassificationoverlay.h"
#include "overlay-text.h"
#include <gst/classification/classification-meta.h>
#ifdef HAVE_GST_ANALYTICS
#include <gst/analytics/analytics.h>
#endif

GST_DEBUG_CATEGORY_STATIC (gst_classification_overlay_debug);
#define GST_CAT_DEFAULT gst_classification_overlay_debug

enum
{
  PROP_0,
  PROP_FONT_DESC,
  PROP_MAX_RESULTS,
};

#define DEFAULT_FONT "Sans Bold 12"
#define DEFAULT_MAX_RESULTS 5

struct _GstClassificationOverlay
{
  GstVideoFilter parent;

  gchar *font_desc;             /* under the object lock */
  guint max_results;
};

#define VIDEO_FORMATS "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, " \
    "ABGR, I420, NV12, GRAY8 }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

#define gst_classification_overlay_parent_class parent_class
G_DEFINE_TYPE (GstClassificationOverlay, gst_classification_overlay,
    GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (classificationoverlay,
    "classificationoverlay", GST_RANK_NONE, GST_TYPE_CLASSIFICATION_OVERLAY,
    GST_DEBUG_CATEGORY_INIT (gst_classification_overlay_debug,
        "classificationoverlay", 0, "Classification overlay"));

/* Renders @text (and, with @box_w > 0, a box outline of that size below
 * it) into a new overlay rectangle at (@x, @y), clipped to the frame. */
static GstVideoOverlayRectangle *
render (const gchar * font, const gchar * text, gint x, gint y, gint box_w,
    gint box_h, gint frame_w, gint frame_h)
{
  cairo_surface_t *probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
      1, 1);
  cairo_t *cr = cairo_create (probe);
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *fd = pango_font_description_from_string (font);
  PangoRectangle ink, logical;
  gint pad = 4, tw, th, w, h;
  GstVideoOverlayRectangle *rect = NULL;

  pango_layout_set_font_description (layout, fd);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_extents (layout, &ink, &logical);
  tw = logical.width + 2 * pad;
  th = logical.height + 2 * pad;
  w = MAX (tw, box_w);
  h = box_w > 0 ? MAX (th, box_h) : th;
  x = CLAMP (x, 0, MAX (frame_w - 1, 0));
  y = CLAMP (y, 0, MAX (frame_h - 1, 0));
  w = MIN (w, frame_w - x);
  h = MIN (h, frame_h - y);
  if (w > 0 && h > 0) {
    cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w,
        h);
    cairo_t *c = cairo_create (s);
    GstBuffer *buf;
    gsize size = (gsize) cairo_image_surface_get_stride (s) * h;

    if (box_w > 0) {
      cairo_set_source_rgba (c, 1.0, 0.85, 0.1, 1.0);
      cairo_set_line_width (c, 2.0);
      cairo_rectangle (c, 1, 1, MIN (box_w, w) - 2, MIN (box_h, h) - 2);
      cairo_stroke (c);
    }
    cairo_set_source_rgba (c, 0.0, 0.0, 0.0, 0.6);
    cairo_rectangle (c, 0, 0, MIN (tw, w), MIN (th, h));
    cairo_fill (c);
    cairo_set_source_rgba (c, 1.0, 1.0, 1.0, 1.0);
    cairo_move_to (c, pad, pad);
    pango_cairo_update_layout (c, layout);
    pango_cairo_show_layout (c, layout);
    cairo_surface_flush (s);

    buf = gst_buffer_new_memdup (cairo_image_surface_get_data (s), size);
    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_OVERLAY_COMPOSITION_FORMAT_RGB, w, h, 1,
        (gsize[GST_VIDEO_MAX_PLANES]) {
        0}
        , (gint[GST_VIDEO_MAX_PLANES]) {
        cairo_image_surface_get_stride (s)}
    );
    rect = gst_video_overlay_rectangle_new_raw (buf, x, y, w, h,
        GST_VIDEO_OVERLAY_FORMAT_FLAG_PREMULTIPLIED_ALPHA);
    gst_buffer_unref (buf);
    cairo_destroy (c);
    cairo_surface_destroy (s);
  }
  pango_font_description_free (fd);
  g_object_unref (layout);
  cairo_destroy (cr);
  cairo_surface_destroy (probe);
  return rect;
}

/* Adds @rect (nullable) to *@comp. */
static void
compose (GstVideoOverlayComposition ** comp, GstVideoOverlayRectangle * rect)
{
  if (rect == NULL)
    return;
  if (*comp == NULL)
    *comp = gst_video_overlay_composition_new (rect);
  else
    gst_video_overlay_composition_add_rectangle (*comp, rect);
  gst_video_overlay_rectangle_unref (rect);
}

#ifdef HAVE_GST_ANALYTICS
/* GStreamer's analytics metas, drawn where no GstClassificationMeta is:
 * each object detection (ODMtd) as a box with the top class of the
 * classification (ClsMtd) it contains, else its type; each
 * classification related to no detection as the whole frame's answer. */

/* "label 87.5%\n..." for the first @max classes of @cls. */
static gchar *
cls_text (GstAnalyticsClsMtd * cls, guint max)
{
  GString *s = g_string_new (NULL);
  gsize n = MIN (gst_analytics_cls_mtd_get_length (cls), max);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s %.1f%%", i ? "\n" : "",
        g_quark_to_string (gst_analytics_cls_mtd_get_quark (cls, i)),
        100.0 * gst_analytics_cls_mtd_get_level (cls, i));
  if (n == 0)
    g_string_append (s, "(no class)");
  return g_string_free (s, FALSE);
}

/* The ClsMtd in @od, or the one that is part of it. */
static gboolean
cls_of_od (GstAnalyticsRelationMeta * rmeta, GstAnalyticsODMtd * od,
    GstAnalyticsClsMtd * cls)
{
  GstAnalyticsMtdType type = gst_analytics_cls_mtd_get_mtd_type ();
  gpointer state = NULL;

  if (gst_analytics_relation_meta_get_direct_related (rmeta, od->id,
          GST_ANALYTICS_REL_TYPE_CONTAIN, type, &state, cls))
    return TRUE;
  state = NULL;
  while (gst_analytics_relation_meta_iterate (rmeta, &state, type, cls))
    if (gst_analytics_relation_meta_get_relation (rmeta, cls->id, od->id)
        & GST_ANALYTICS_REL_TYPE_IS_PART_OF)
      return TRUE;
  return FALSE;
}

static void
draw_analytics (GstBuffer * buf, const gchar * font, guint max, gint fw,
    gint fh, GstVideoOverlayComposition ** comp)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  g_autoptr (GHashTable) drawn = g_hash_table_new (NULL, NULL);
  GstAnalyticsODMtd od;
  GstAnalyticsClsMtd cls;
  gpointer state = NULL;

  if (rmeta == NULL)
    return;
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_od_mtd_get_mtd_type (), &od)) {
    g_autofree gchar *text = NULL;
    gint x, y, w, h;
    gfloat conf;

    if (!gst_analytics_od_mtd_get_location (&od, &x, &y, &w, &h, &conf)
        || w <= 0 || h <= 0)
      continue;
    if (cls_of_od (rmeta, &od, &cls)) {
      g_hash_table_add (drawn, GUINT_TO_POINTER (cls.id));
      text = cls_text (&cls, 1);
    } else {
      text = g_strdup_printf ("%s %.1f%%",
          g_quark_to_string (gst_analytics_od_mtd_get_obj_type (&od)),
          100.0 * conf);
    }
    /* render() clips to the frame; a box starting left of or above it
     * starts at its edge. */
    compose (comp, render (font, text, MAX (x, 0), MAX (y, 0),
            w - (MAX (x, 0) - x), h - (MAX (y, 0) - y), fw, fh));
  }
  state = NULL;
  while (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_cls_mtd_get_mtd_type (), &cls)) {
    g_autofree gchar *text = NULL;

    if (g_hash_table_contains (drawn, GUINT_TO_POINTER (cls.id)))
      continue;
    text = cls_text (&cls, max);
    compose (comp, render (font, text, 8, 8, 0, 0, fw, fh));
  }
}

/* Whether @buf carries anything draw_analytics() draws. */
static gboolean
has_analytics (GstBuffer * buf)
{
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta
      (buf);
  GstAnalyticsMtd m;
  gpointer state = NULL;

  return rmeta && (gst_analytics_relation_meta_iterate (rmeta, &state,
          gst_analytics_od_mtd_get_mtd_type (), &m)
      || (state = NULL, gst_analytics_relation_meta_iterate (rmeta, &state,
              gst_analytics_cls_mtd_get_mtd_type (), &m)));
}
#else
static void
draw_analytics (GstBuffer * buf, const gchar * font, guint max, gint fw,
    gint fh, GstVideoOverlayComposition ** comp)
{
}

static gboolean
has_analytics (GstBuffer * buf)
{
  return FALSE;
}
#endif

static GstFlowReturn
gst_classification_overlay_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstClassificationOverlay *self = GST_CLASSIFICATION_OVERLAY (filter);
  GstBuffer *buf = frame->buffer;
  GstVideoOverlayComposition *comp = NULL;
  GstClassificationMeta *meta;
  gpointer state = NULL;
  g_autofree gchar *font = NULL;
  gint fw = GST_VIDEO_FRAME_WIDTH (frame), fh = GST_VIDEO_FRAME_HEIGHT (frame);
  guint max, n_metas = 0;

  GST_OBJECT_LOCK (self);
  font = g_strdup (self->font_desc);
  max = self->max_results;
  GST_OBJECT_UNLOCK (self);

  while ((meta = gst_buffer_iterate_classification_meta (buf, &state))) {
    g_autofree gchar *text = NULL;
    GstVideoOverlayRectangle *rect;

    n_metas++;
    if (gst_classification_meta_is_whole_frame (meta)) {
      text = gst_classification_overlay_text (meta, max);
      rect = render (font, text, 8, 8, 0, 0, fw, fh);
    } else {
      GstVideoRegionOfInterestMeta *r =
          gst_classification_meta_get_region (meta, buf);
      if (r == NULL)
        continue;
      text = gst_classification_overlay_text (meta, 1);
      rect = render (font, text, r->x, r->y, r->w, r->h, fw, fh);
    }
    compose (&comp, rect);
  }
  if (n_metas == 0)
    draw_analytics (buf, font, max, fw, fh, &comp);
  if (comp) {
    gst_video_overlay_composition_blend (comp, frame);
    gst_video_overlay_composition_unref (comp);
  }
  return GST_FLOW_OK;
}

/* Frames without classification metadata are not mapped at all. */
static GstFlowReturn
gst_classification_overlay_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf)
{
  gpointer state = NULL;

  if (gst_buffer_iterate_classification_meta (buf, &state) == NULL
      && !has_analytics (buf))
    return GST_FLOW_OK;
  return GST_BASE_TRANSFORM_CLASS (parent_class)->transform_ip (trans, buf);
}

static void
gst_classification_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstClassificationOverlay *self = GST_CLASSIFICATION_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FONT_DESC:
      g_free (self->font_desc);
      self->font_desc = g_value_dup_string (value);
      if (self->font_desc == NULL)
        self->font_desc = g_strdup (DEFAULT_FONT);
      break;
    case PROP_MAX_RESULTS:
      self->max_results = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_classification_overlay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstClassificationOverlay *self = GST_CLASSIFICATION_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_FONT_DESC:
      g_value_set_string (value, self->font_desc);
      break;
    case PROP_MAX_RESULTS:
      g_value_set_uint (value, self->max_results);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_classification_overlay_finalize (GObject * object)
{
  g_free (GST_CLASSIFICATION_OVERLAY (object)->font_desc);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_classification_overlay_class_init (GstClassificationOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  gobject_class->set_property = gst_classification_overlay_set_property;
  gobject_class->get_property = gst_classification_overlay_get_property;
  gobject_class->finalize = gst_classification_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_FONT_DESC,
      g_param_spec_string ("font-desc", "Font description",
          "Pango font description of the labels, e.g. \"Sans Bold 12\"",
          DEFAULT_FONT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_RESULTS,
      g_param_spec_uint ("max-results", "Maximum results",
          "Most results listed for the whole frame (regions show their top "
          "class)", 1, 100, DEFAULT_MAX_RESULTS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Classification overlay", "Filter/Editor/Video",
      "Draws the labels and confidences of GstClassificationMeta (and each "
      "classified region's label beside its box) onto the video",
      "oclresnet developers");

  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_classification_overlay_transform_ip);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_classification_overlay_transform_frame_ip);
}

static void
gst_classification_overlay_init (GstClassificationOverlay * self)
{
  self->font_desc = g_strdup (DEFAULT_FONT);
  self->max_results = DEFAULT_MAX_RESULTS;
}
