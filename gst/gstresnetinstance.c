/* Shared network instances and batching across streams.
 *
 * A process-wide registry maps model-instance-id to an instance, under one
 * mutex; an instance holds one OpenCL context, the model in use (compiled
 * for the instance's batch) and the queue of requests.  Every sharer's
 * streaming thread queues its request and waits on the instance's
 * condition; a batch runs when it is full or when batch-timeout has passed
 * since its oldest request, on the thread of whichever waiter finds it due
 * first.  One batch runs at a time (an OclNet serves one thread at a time);
 * requests that arrive meanwhile make the next one.  Results go back to
 * the request itself, so no frame can get another's answer.
 *
 * A model swap compiles the new model on a thread of its own and replaces
 * the instance's model pointer between two runs; each run holds a
 * reference to the model it uses, so the old one is freed only when no
 * run and no result needs it (NNStreamer's use-after-free, PR #4972). */
#include <string.h>
#include "gstresnetinstance.h"

GST_DEBUG_CATEGORY_STATIC (gst_resnet_instance_debug);
#define GST_CAT_DEFAULT gst_resnet_instance_debug

GQuark
gst_resnet_instance_error_quark (void)
{
  return g_quark_from_static_string ("gst-resnet-instance-error-quark");
}

enum
{
  REQ_PENDING,
  REQ_RUNNING,
  REQ_DONE,
  REQ_FAILED,
  REQ_CANCELLED,
};

struct _GstResnetInstance
{
  gint refcount;                /* sharers: changed under registry_lock */
  gchar *id;                    /* NULL: private */
  gchar *first_element;         /* for conflict messages */
  /* The identity a sharer must agree with: what the instance was created
   * with (a swap does not change the door), and the model and labels it
   * runs now (so the element that swapped may restart with its new
   * setting).  Under lock. */
  gchar *model_path, *labels_path, *device;
  gchar *running_model, *running_labels;
  guint batch_size, batch_timeout_ms, min_batch;

  OclContext *ctx;
  GMutex lock;
  GCond cond;
  GstResnetModel *model;        /* under lock */
  GQueue pending;               /* GstResnetRequest *, oldest first */
  gboolean running;             /* a batch is in flight */

  GThread *loader;              /* a swap in progress, joined by the next */
};

/* The registry: the one piece of process-wide state, by nature.  Lock
 * order: registry_lock, then an instance's lock. */
static GMutex registry_lock;
static GHashTable *registry;    /* id -> GstResnetInstance */

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_resnet_instance_debug, "resnetinstance", 0,
        "resnetclassify: shared instances and batching");
    g_once_init_leave (&done, 1);
  }
}

/* ---- instances ----------------------------------------------------------- */

static void
instance_free (GstResnetInstance * inst)
{
  /* A swap in progress ends first; unless this is its own thread (its
   * callback stopped the last sharer), which touches nothing of the
   * instance after the callback. */
  if (inst->loader && inst->loader != g_thread_self ())
    g_thread_join (inst->loader);
  else if (inst->loader)
    g_thread_unref (inst->loader);
  gst_resnet_model_unref (inst->model);
  ocl_context_unref (inst->ctx);
  g_mutex_clear (&inst->lock);
  g_cond_clear (&inst->cond);
  g_free (inst->id);
  g_free (inst->first_element);
  g_free (inst->model_path);
  g_free (inst->labels_path);
  g_free (inst->running_model);
  g_free (inst->running_labels);
  g_free (inst->device);
  g_free (inst);
}

static GstResnetInstance *
instance_new (const gchar * id, const GstResnetInstanceConfig * c,
    const gchar * element, GError ** error)
{
  GstResnetInstance *inst = g_new0 (GstResnetInstance, 1);

  inst->refcount = 1;
  inst->id = g_strdup (id);
  inst->first_element = g_strdup (element);
  inst->model_path = g_strdup (c->model);
  inst->labels_path = g_strdup (c->labels);
  inst->running_model = g_strdup (c->model);
  inst->running_labels = g_strdup (c->labels);
  inst->device = g_strdup (c->device);
  inst->batch_size = MAX (c->batch_size, 1);
  inst->batch_timeout_ms = c->batch_timeout_ms;
  inst->min_batch = c->min_batch;
  g_mutex_init (&inst->lock);
  g_cond_init (&inst->cond);
  g_queue_init (&inst->pending);
  inst->ctx = ocl_context_new (c->device, error);
  if (inst->ctx == NULL)
    goto fail;
  inst->model = gst_resnet_model_load (inst->ctx, c->model, c->labels,
      MAX (inst->batch_size, inst->min_batch), error);
  if (inst->model == NULL)
    goto fail;
  return inst;

fail:
  instance_free (inst);
  return NULL;
}

/* @c against the instance's identity: the first property that differs,
 * or NULL.  The model and labels may be those it was created with or
 * those it runs now (after a swap). */
static const gchar *
config_differs (GstResnetInstance * inst, const GstResnetInstanceConfig * c,
    gchar ** ours, gchar ** theirs)
{
  gboolean created_model = g_strcmp0 (inst->model_path, c->model) == 0;
  gboolean running_model = g_strcmp0 (inst->running_model, c->model) == 0;

  if (!created_model && !running_model) {
    *ours = g_strdup (c->model);
    *theirs = g_strdup (inst->model_path);
    return "model";
  }
  if (!(created_model && g_strcmp0 (inst->labels_path, c->labels) == 0)
      && !(running_model && g_strcmp0 (inst->running_labels, c->labels) == 0)) {
    const gchar *l = created_model ? inst->labels_path : inst->running_labels;
    *ours = g_strdup (c->labels ? c->labels : "(the model's)");
    *theirs = g_strdup (l ? l : "(the model's)");
    return "labels";
  }
  if (g_strcmp0 (inst->device, c->device) != 0) {
    *ours = g_strdup (c->device ? c->device : "(default)");
    *theirs = g_strdup (inst->device ? inst->device : "(default)");
    return "device";
  }
  if (inst->batch_size != MAX (c->batch_size, 1)) {
    *ours = g_strdup_printf ("%u", c->batch_size);
    *theirs = g_strdup_printf ("%u", inst->batch_size);
    return "batch-size";
  }
  if (inst->batch_timeout_ms != c->batch_timeout_ms) {
    *ours = g_strdup_printf ("%u", c->batch_timeout_ms);
    *theirs = g_strdup_printf ("%u", inst->batch_timeout_ms);
    return "batch-timeout";
  }
  return NULL;
}

GstResnetInstance *
gst_resnet_instance_acquire (const gchar * id,
    const GstResnetInstanceConfig * config, const gchar * element,
    GError ** error)
{
  GstResnetInstance *inst;
  g_autofree gchar *ours = NULL, *theirs = NULL;
  const gchar *prop;

  debug_init ();
  if (id == NULL || *id == '\0')
    return instance_new (NULL, config, element, error);

  /* Loading under the registry lock keeps a second sharer from loading the
   * same model twice; other ids wait for it too, once, at start-up. */
  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  inst = g_hash_table_lookup (registry, id);
  if (inst) {
    /* A swap rewrites the model and labels paths under inst->lock. */
    g_mutex_lock (&inst->lock);
    prop = config_differs (inst, config, &ours, &theirs);
    g_mutex_unlock (&inst->lock);
    if (prop) {
      g_set_error (error, GST_RESNET_INSTANCE_ERROR,
          GST_RESNET_INSTANCE_CONFLICT, "%s's '%s' ('%s') differs from that "
          "of model-instance-id '%s' ('%s', as %s created it)", element, prop,
          ours, id, theirs, inst->first_element);
      inst = NULL;
    } else {
      g_atomic_int_inc (&inst->refcount);
      GST_DEBUG ("%s joins instance '%s' (%d sharers)", element, id,
          inst->refcount);
    }
  } else {
    inst = instance_new (id, config, element, error);
    if (inst) {
      g_hash_table_insert (registry, inst->id, inst);
      GST_DEBUG ("%s creates instance '%s'", element, id);
    }
  }
  g_mutex_unlock (&registry_lock);
  return inst;
}

void
gst_resnet_instance_release (GstResnetInstance * inst, gpointer owner)
{
  gboolean last;

  if (inst == NULL)
    return;
  gst_resnet_instance_cancel (inst, owner);
  if (inst->id == NULL) {
    instance_free (inst);
    return;
  }
  g_mutex_lock (&registry_lock);
  last = g_atomic_int_dec_and_test (&inst->refcount);
  if (last)
    g_hash_table_remove (registry, inst->id);
  g_mutex_unlock (&registry_lock);
  if (!last) {
    /* One sharer fewer: the others' batch may be complete now. */
    g_mutex_lock (&inst->lock);
    g_cond_broadcast (&inst->cond);
    g_mutex_unlock (&inst->lock);
  }
  if (last) {
    GST_DEBUG ("instance '%s' freed", inst->id);
    instance_free (inst);
  }
}

GstResnetModel *
gst_resnet_instance_get_model (GstResnetInstance * inst)
{
  GstResnetModel *m;

  g_mutex_lock (&inst->lock);
  m = gst_resnet_model_ref (inst->model);
  g_mutex_unlock (&inst->lock);
  return m;
}

const gchar *
gst_resnet_instance_get_device_name (GstResnetInstance * inst)
{
  return ocl_context_get_device_name (inst->ctx);
}

/* ---- batching ------------------------------------------------------------ */

static guint
request_images (const GstResnetRequest * r)
{
  return r->entry.rects ? (guint) r->entry.n_rects : 1;
}

void
gst_resnet_request_clear (GstResnetRequest * req)
{
  gst_resnet_model_unref (req->model);
  req->model = NULL;
  g_clear_pointer (&req->output, g_free);
  g_clear_error (&req->error);
}

/* Runs the oldest pending requests that fit one batch; called and returns
 * with inst->lock held, which it drops while the net runs. */
static void
run_batch_locked (GstResnetInstance * inst)
{
  GstResnetModel *model = gst_resnet_model_ref (inst->model);
  GPtrArray *batch = g_ptr_array_new ();
  OclImageEntry *entries;
  GError *error = NULL;
  float *out;
  guint images = 0, per = model->n_values, off = 0;
  gint64 start = g_get_monotonic_time (), end;
  gboolean ok;

  while (!g_queue_is_empty (&inst->pending)) {
    GstResnetRequest *r = g_queue_peek_head (&inst->pending);
    if (images + request_images (r) > (guint) model->batch)
      break;
    g_queue_pop_head (&inst->pending);
    r->status = REQ_RUNNING;
    images += request_images (r);
    g_ptr_array_add (batch, r);
  }
  inst->running = TRUE;
  g_mutex_unlock (&inst->lock);

  entries = g_new (OclImageEntry, batch->len);
  for (guint i = 0; i < batch->len; i++)
    entries[i] = ((GstResnetRequest *) batch->pdata[i])->entry;
  out = g_new (float, (gsize) images * per);
  ok = ocl_net_run_images (model->net, entries, batch->len, out, &error);
  end = g_get_monotonic_time ();
  GST_LOG ("instance '%s': %u requests, %u images in %.2f ms",
      inst->id ? inst->id : "(private)", batch->len, images,
      (end - start) / 1000.0);

  g_mutex_lock (&inst->lock);
  for (guint i = 0; i < batch->len; i++) {
    GstResnetRequest *r = batch->pdata[i];
    guint n = request_images (r);
    r->wait_us = start - r->enqueued;
    r->run_us = end - start;
    r->batch_images = images;
    if (ok) {
      r->model = gst_resnet_model_ref (model);
      r->output = g_memdup2 (out + (gsize) off * per,
          (gsize) n * per * sizeof (float));
      r->status = REQ_DONE;
    } else {
      r->error = g_error_copy (error);
      r->status = REQ_FAILED;
    }
    off += n;
  }
  inst->running = FALSE;
  g_cond_broadcast (&inst->cond);
  g_clear_error (&error);
  g_free (out);
  g_free (entries);
  g_ptr_array_unref (batch);
  gst_resnet_model_unref (model);
}

static guint
pending_images (GstResnetInstance * inst)
{
  guint n = 0;

  for (GList * l = inst->pending.head; l; l = l->next)
    n += request_images (l->data);
  return n;
}

gboolean
gst_resnet_instance_run (GstResnetInstance * inst, GstResnetRequest * req,
    GError ** error)
{
  const gint64 timeout = (gint64) inst->batch_timeout_ms * 1000;
  gboolean ok;

  req->status = REQ_PENDING;
  req->enqueued = g_get_monotonic_time ();
  g_mutex_lock (&inst->lock);
  g_queue_push_tail (&inst->pending, req);
  while (req->status == REQ_PENDING || req->status == REQ_RUNNING) {
    GstResnetRequest *oldest = g_queue_peek_head (&inst->pending);
    gint64 due = oldest ? oldest->enqueued + timeout : G_MAXINT64;
    /* Due: the batch is full, or it has waited batch-timeout, or every
     * sharer has a request in it (each waits for its own, so nothing more
     * can come: with fewer streams than batch-size, waiting only adds
     * latency). */
    if (!inst->running && oldest && (g_get_monotonic_time () >= due
            || pending_images (inst) >= inst->batch_size
            || g_queue_get_length (&inst->pending) >=
            (guint) g_atomic_int_get (&inst->refcount))) {
      run_batch_locked (inst);
      continue;
    }
    if (inst->running || !oldest)
      g_cond_wait (&inst->cond, &inst->lock);
    else
      g_cond_wait_until (&inst->cond, &inst->lock, due);
  }
  ok = req->status == REQ_DONE;
  if (req->status == REQ_CANCELLED)
    g_set_error (error, GST_RESNET_INSTANCE_ERROR,
        GST_RESNET_INSTANCE_CANCELLED, "flushing");
  else if (!ok)
    g_propagate_error (error, g_steal_pointer (&req->error));
  g_mutex_unlock (&inst->lock);
  return ok;
}

void
gst_resnet_instance_cancel (GstResnetInstance * inst, gpointer owner)
{
  GList *l, *next;

  g_mutex_lock (&inst->lock);
  for (l = inst->pending.head; l; l = next) {
    GstResnetRequest *r = l->data;
    next = l->next;
    if (r->owner == owner) {
      r->status = REQ_CANCELLED;
      g_queue_delete_link (&inst->pending, l);
    }
  }
  g_cond_broadcast (&inst->cond);
  g_mutex_unlock (&inst->lock);
}

/* ---- model swap ---------------------------------------------------------- */

typedef struct
{
  GstResnetInstance *inst;
  gchar *model, *labels;
  GThread *previous;
  GstResnetSwapDone done;
  gpointer user_data;
  GDestroyNotify notify;
} Swap;

static gpointer
swap_thread (gpointer data)
{
  Swap *s = data;
  GstResnetInstance *inst = s->inst;
  GstResnetModel *m, *old = NULL;
  GError *error = NULL;

  /* One swap at a time, in the order they were asked for. */
  if (s->previous)
    g_thread_join (s->previous);
  m = gst_resnet_model_load (inst->ctx, s->model, s->labels,
      MAX (inst->batch_size, inst->min_batch), &error);
  if (m) {
    g_mutex_lock (&inst->lock);
    old = inst->model;
    inst->model = m;
    g_free (inst->running_model);
    inst->running_model = g_strdup (s->model);
    g_free (inst->running_labels);
    inst->running_labels = g_strdup (s->labels);
    g_mutex_unlock (&inst->lock);
    GST_INFO ("instance '%s': model %s swapped in", inst->id ? inst->id :
        "(private)", s->model);
    /* Runs in flight hold their own reference. */
    gst_resnet_model_unref (old);
  }
  s->done (s->user_data, s->model, error);
  g_clear_error (&error);
  if (s->notify)
    s->notify (s->user_data);
  g_free (s->model);
  g_free (s->labels);
  g_free (s);
  return NULL;
}

void
gst_resnet_instance_swap (GstResnetInstance * inst, const gchar * model,
    const gchar * labels, GstResnetSwapDone done, gpointer user_data,
    GDestroyNotify notify)
{
  Swap *s = g_new0 (Swap, 1);

  s->inst = inst;
  s->model = g_strdup (model);
  s->labels = g_strdup (labels);
  s->done = done;
  s->user_data = user_data;
  s->notify = notify;
  g_mutex_lock (&inst->lock);
  s->previous = inst->loader;
  inst->loader = g_thread_new ("resnet-swap", swap_thread, s);
  g_mutex_unlock (&inst->lock);
}
