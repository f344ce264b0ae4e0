/* resnetclassify's answers for one region on one frame: carried over
 * from its history, or fresh from this frame's run (smoothed over its
 * history), and handed to every writer. */
#include "gstresnetclassify-private.h"
#include "gstresnetanalytics.h"

#define GST_CAT_DEFAULT gst_resnet_classify_debug

/* Stable region @r's last answer (its id keys the history), carried over
 * to this frame when it was computed less than @limit frames ago: FALSE
 * when there is none to carry. */
gboolean
gst_resnet_classify_carried_answer (GstResnetClassify * self,
    const GstResnetRegion * r, guint64 frame_no, guint limit, gboolean late,
    const FrameSettings * s, GstResnetAnswer * a)
{
  GstResnetModel *m = self->model;
  GstResnetHistoryStamp stamp;
  const float *values;

  values = gst_resnet_history_cached (self->history, r->id, frame_no, limit,
      m->n_values, &stamp);
  if (values == NULL)
    return FALSE;
  a->model = g_quark_from_string (m->model_name);
  a->roi_id = r->id;
  a->roi_index = r->index;
  a->fresh = FALSE;
  a->qos_skipped = late;
  a->smoothed_over = stamp.smoothed_over;
  a->source_pts = stamp.source_pts;
  a->inference_us = stamp.inference_us;
  gst_resnet_answer_select_heads (a, values, self->heads, m->n_outputs,
      &s->sel);
  return TRUE;
}

/* @r's answer from this frame's @values (the run's outputs for it, made
 * what each head reports in place), smoothed over its history: the
 * classification heads' probabilities averaged, embeddings the latest. */
void
gst_resnet_classify_fresh_answer (GstResnetClassify * self,
    const GstResnetRegion * r, guint64 frame_no, GstClockTime pts,
    const GstResnetRequest * req, float *values, const FrameSettings * s,
    GstResnetAnswer * a)
{
  GstResnetModel *m = req->model;
  g_autofree float *avg = NULL;
  const float *shown = values;
  gint primary = gst_resnet_heads_primary (self->heads, m->n_outputs);

  gst_resnet_heads_activate (self->heads, m->n_outputs, values,
      s->sel.normalize);
  if (primary >= 0)
    gst_resnet_answer_set_raw (a, values + self->heads[primary].offset,
        self->heads[primary].n);
  if (r->stable) {
    avg = g_new (float, m->n_values);
    a->smoothed_over = gst_resnet_history_smooth (self->history, r->id,
        frame_no, pts, req->run_us, values, m->n_values, self->latest,
        s->window, avg);
    shown = avg;
  }
  a->model = g_quark_from_string (m->model_name);
  a->roi_id = r->id;
  a->roi_index = r->index;
  a->source_pts = pts;
  a->inference_us = req->run_us;
  a->batch = req->batch_images;
  a->wait_us = req->wait_us;
  gst_resnet_answer_select_heads (a, shown, self->heads, m->n_outputs, &s->sel);
}

/* Hands @a to the writers: the meta, the region's 'classification'
 * parameter, the analytics ClsMtd (GStreamer >= 1.24), and the bus
 * message (every answer, or those whose top class changed for their
 * region; a region whose id is negative or repeated on the frame cannot
 * be followed, so each of its answers is posted). */
void
gst_resnet_classify_emit_answer (GstResnetClassify * self, GstBuffer * buf,
    GstResnetRegion * r, const GstResnetAnswer * a,
    const FrameSettings * s, guint64 frame_no)
{
  GstSegment *seg = &GST_BASE_TRANSFORM (self)->segment;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  gboolean changed = TRUE;
  gint top;

  gst_resnet_answer_add_meta (a, buf);
  if (r->roi)
    gst_resnet_answer_add_roi_param (a, r->roi);
  gst_resnet_analytics_add_answer (buf, r, a);
  if (s->messages == GST_RESNET_MESSAGES_NONE)
    return;
  gst_resnet_answer_top (a, &top, NULL, NULL);
  if (r->stable)
    changed = gst_resnet_changes_update (self->changes, r->id, top, frame_no);
  if (s->messages == GST_RESNET_MESSAGES_ON_CHANGE && !changed)
    return;
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_resnet_answer_to_structure (a, frame_no,
              gst_segment_to_running_time (seg, GST_FORMAT_TIME, pts),
              gst_segment_to_stream_time (seg, GST_FORMAT_TIME, pts))));
}
