/* The net's device memory: buffers it owns, weights staged and uploaded,
 * and the values' buffers.  Every value lives on the device channels-last;
 * buffers are allocated once: values whose lifetimes do not overlap share
 * a buffer (greedy, best fit, sized to the largest tenant). */
#include "ocl-private.h"

static int
root_of (const OclGraph * g, int v)
{
  int a = g_array_index (g->values, OclValue, v).alias;
  return a >= 0 ? a : v;
}

/* A buffer the net owns; @flags are added to CL_MEM_READ_WRITE. */
static cl_mem
create_buffer_flags (OclNet * net, cl_mem_flags flags, gsize bytes,
    const void *data, GError ** error)
{
  cl_int err;
  cl_mem m;

  if (bytes > net->ctx->tuning.max_alloc) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "a buffer of %"
        G_GSIZE_FORMAT " bytes is larger than the device allows (%"
        G_GUINT64_FORMAT ")", bytes, net->ctx->tuning.max_alloc);
    return NULL;
  }
  m = clCreateBuffer (net->ctx->context, CL_MEM_READ_WRITE | flags |
      (data ? CL_MEM_COPY_HOST_PTR : 0), MAX (bytes, 16), (void *) data, &err);
  if (m == NULL) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "allocating %"
        G_GSIZE_FORMAT " bytes of device memory failed: %s", bytes,
        ocl_cl_error_string (err));
    return NULL;
  }
  g_ptr_array_add (net->mems, m);
  net->device_bytes += MAX (bytes, 16);
  return m;
}

cl_mem
ocl_net_buffer (OclNet * net, gsize bytes, const void *data, GError ** error)
{
  return create_buffer_flags (net, 0, bytes, data, error);
}

/* A new buffer of @bytes and host memory to fill it through: on
 * devices that share host memory the buffer itself, mapped (weights are
 * packed in place, without a second copy of them); elsewhere a staging
 * copy.  ocl_net_buffer_upload() hands the contents to the device. */
float *
ocl_net_buffer_stage (OclNet * net, gsize bytes, cl_mem * mem, GError ** error)
{
  cl_int err;
  void *p;

  *mem = create_buffer_flags (net, net->unified_memory ?
      CL_MEM_ALLOC_HOST_PTR : 0, bytes, NULL, error);
  if (*mem == NULL)
    return NULL;
  if (!net->unified_memory)
    return g_malloc (MAX (bytes, 16));
  p = clEnqueueMapBuffer (net->queue, *mem, CL_TRUE, CL_MAP_WRITE, 0,
      MAX (bytes, 16), 0, NULL, NULL, &err);
  if (p == NULL)
    ocl_set_cl_error (error, err, "clEnqueueMapBuffer");
  return p;
}

gboolean
ocl_net_buffer_upload (OclNet * net, cl_mem mem, float *host, gsize bytes,
    GError ** error)
{
  cl_int err = net->unified_memory ?
      clEnqueueUnmapMemObject (net->queue, mem, host, 0, NULL, NULL) :
      clEnqueueWriteBuffer (net->queue, mem, CL_TRUE, 0, bytes, host, 0, NULL,
      NULL);

  if (!net->unified_memory)
    g_free (host);
  return err == CL_SUCCESS
      || ocl_set_cl_error (error, err, "uploading weights");
}


typedef struct
{
  gsize size;
  int free_after;               /* step after which the tenant is dead */
} Slot;

/* Assigns every value a buffer, reusing buffers of dead values. */
gboolean
ocl_net_allocate_values (OclNet * net, GError ** error)
{
  OclGraph *g = net->g;
  guint nv = g->values->len, nn = g->nodes->len;
  int *last = g_new (int, nv);
  int *slot_of = g_new (int, nv);
  GArray *slots = g_array_new (FALSE, TRUE, sizeof (Slot));
  gboolean ok = TRUE;

  for (guint v = 0; v < nv; v++) {
    last[v] = -1;
    slot_of[v] = -1;
  }
  /* Step s = node s; the input is written before step 0 (step -1). */
  for (guint i = 0; i < nn; i++) {
    OclNode *n = OCL_NODE (g, i);
    for (int k = 0; k < n->n_in; k++)
      last[root_of (g, n->in[k])] = i;
    if (n->residual >= 0)
      last[root_of (g, n->residual)] = i;
  }
  for (guint i = 0; i < g->outputs->len; i++)
    last[root_of (g, OCL_GRAPH_OUTPUT (g, i)->value)] = G_MAXINT;

  for (int s = -1; s < (int) nn; s++) {
    int v = s < 0 ? g->input : OCL_NODE (g, s)->out;
    OclValue *val = OCL_VALUE (g, v);
    gsize bytes = (gsize) val->n * val->c * val->h * val->w * sizeof (float);
    int fit = -1, big = -1, best;

    /* Best fit among free buffers, else grow the largest free one. */
    for (guint k = 0; k < slots->len; k++) {
      Slot *sl = &g_array_index (slots, Slot, k);
      if (sl->free_after >= s)
        continue;               /* its tenant is still read at or after s */
      if (sl->size >= bytes && (fit < 0
              || sl->size < g_array_index (slots, Slot, fit).size))
        fit = k;
      if (big < 0 || sl->size > g_array_index (slots, Slot, big).size)
        big = k;
    }
    best = fit >= 0 ? fit : big;
    if (best < 0) {
      Slot sl = { 0, 0 };
      g_array_append_val (slots, sl);
      best = slots->len - 1;
    }
    {
      Slot *sl = &g_array_index (slots, Slot, best);
      sl->size = MAX (sl->size, bytes);
      sl->free_after = last[v] < 0 ? s : last[v];
    }
    slot_of[v] = best;
  }

  {
    cl_mem *mems = g_new0 (cl_mem, slots->len);
    for (guint k = 0; k < slots->len && ok; k++) {
      mems[k] = ocl_net_buffer (net, g_array_index (slots, Slot, k).size, NULL,
          error);
      ok = mems[k] != NULL;
    }
    net->value_mem = g_new0 (cl_mem, nv);
    for (guint v = 0; v < nv && ok; v++) {
      int r = root_of (g, v);
      if (slot_of[r] >= 0)
        net->value_mem[v] = mems[slot_of[r]];
    }
    g_free (mems);
  }
  g_array_unref (slots);
  g_free (last);
  g_free (slot_of);
  return ok;
}

void
ocl_net_buffers_remove (OclNet * net, guint first, guint last)
{
  last = MIN (last, net->mems->len);
  for (guint i = first; i < last; i++) {
    size_t size = 0;
    if (clGetMemObjectInfo (g_ptr_array_index (net->mems, i), CL_MEM_SIZE,
            sizeof (size), &size, NULL) == CL_SUCCESS)
      net->device_bytes -= MIN (size, net->device_bytes);
  }
  if (first < last)
    g_ptr_array_remove_range (net->mems, first, last - first);
}
