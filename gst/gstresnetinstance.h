/* Shared network instances: one loaded model and one compiled net that
 * several resnetclassify elements (cameras) use together, with frames of
 * all of them gathered into batched runs.  No GStreamer element code in
 * here: the element asks, the instance runs. */
#pragma once

#include <gst/gst.h>
#include "gstresnetmodel.h"

G_BEGIN_DECLS

/* What a set of sharers must agree on.  Strings may be NULL. */
typedef struct {
  const gchar *model;           /* path; NULL: none (an error) */
  const gchar *labels;          /* path, or NULL: the model's metadata */
  const gchar *device;
  guint batch_size;             /* images per run, >= 1 */
  guint batch_timeout_ms;       /* longest wait for a batch to fill */
  guint min_batch;              /* the net's batch is at least this (regions) */
} GstResnetInstanceConfig;

typedef struct _GstResnetInstance GstResnetInstance;

/* One frame's (or one chunk of regions') request.  The caller fills owner
 * and entry, keeps the image mapped until gst_resnet_instance_run()
 * returns, then reads the results and calls
 * gst_resnet_request_clear(). */
typedef struct {
  gpointer owner;               /* the element: what a flush cancels */
  OclImageEntry entry;
  /* results, set by the run */
  GstResnetModel *model;        /* (transfer full) what it ran with */
  float *output;                /* regions x model->n_values */
  guint64 wait_us, run_us;      /* queued, then running */
  guint batch_images;           /* regions in the run it was part of */
  /* private */
  gint status;
  GError *error;
  gint64 enqueued;
} GstResnetRequest;

void gst_resnet_request_clear (GstResnetRequest * req);

/* The instance called @id (NULL: a private one, shared with nobody),
 * created and loaded with @config when it does not exist.  A sharer whose
 * @config differs is refused: @error names both elements and the
 * property.  Returns: (transfer full) (nullable). */
GstResnetInstance *gst_resnet_instance_acquire (const gchar * id,
    const GstResnetInstanceConfig * config, const gchar * element,
    GError ** error);
/* Drops @owner's pending requests and its reference (the last one frees
 * the instance).  @inst may be NULL. */
void gst_resnet_instance_release (GstResnetInstance * inst, gpointer owner);

/* Returns: (transfer full) the model now in use. */
GstResnetModel *gst_resnet_instance_get_model (GstResnetInstance * inst);
const gchar *gst_resnet_instance_get_device_name (GstResnetInstance * inst);

/* Queues @req and returns when it has run: at once when the batch is full,
 * else when batch-timeout has passed since the oldest request waiting (on
 * whichever sharer's thread is due; no thread of its own).  FALSE with
 * @error when the run failed, or with GST_RESNET_INSTANCE_CANCELLED when
 * gst_resnet_instance_cancel() took it out first. */
gboolean gst_resnet_instance_run (GstResnetInstance * inst,
    GstResnetRequest * req, GError ** error);
/* Takes @owner's requests that have not started out of the queue; their
 * callers return with CANCELLED.  A request already running completes. */
void gst_resnet_instance_cancel (GstResnetInstance * inst, gpointer owner);

typedef void (*GstResnetSwapDone) (gpointer user_data, const gchar * model,
    const GError * error);

/* Loads and compiles @model (with @labels, NULL: its metadata) on a thread
 * of its own while runs go on with the current model, then swaps it in
 * between two runs, for every sharer.  @done is called on that thread
 * once it is in (error NULL) or failed (the current model stays).  One
 * swap at a time: a newer request waits for the one in progress. */
void gst_resnet_instance_swap (GstResnetInstance * inst, const gchar * model,
    const gchar * labels, GstResnetSwapDone done, gpointer user_data,
    GDestroyNotify notify);

#define GST_RESNET_INSTANCE_ERROR (gst_resnet_instance_error_quark ())
GQuark gst_resnet_instance_error_quark (void);
typedef enum {
  GST_RESNET_INSTANCE_CANCELLED,
  GST_RESNET_INSTANCE_CONFLICT,
} GstResnetInstanceError;

G_END_DECLS
