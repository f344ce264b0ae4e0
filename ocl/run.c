/* Running a compiled net: the input upload (a tensor, or a frame that is
 * converted, resized and normalised on the device), the enqueue of every
 * step, and the one wait of a run. */
#include <string.h>
#include "ocl-private.h"
#include "kernels/ocl-abi.h"

void
ocl_net_get_output_shape (const OclNet * net, int *ndim, gint64 dims[4])
{
  *ndim = net->outs[0].ndim;
  memcpy (dims, net->outs[0].dims, sizeof (net->outs[0].dims));
}

guint
ocl_net_get_n_outputs (const OclNet * net)
{
  return net->g->outputs->len;
}

void
ocl_net_get_output (const OclNet * net, guint i, OclOutputInfo * info)
{
  g_return_if_fail (i < net->g->outputs->len);
  *info = net->outs[i];
}

gboolean
ocl_net_output_is_probability (const OclNet * net)
{
  return net->outs[0].last == OCL_OUTPUT_LAST_SOFTMAX;
}

gsize
ocl_net_get_input_size (const OclNet * net)
{
  return net->in_size;
}

gsize
ocl_net_get_output_size (const OclNet * net)
{
  return net->out_size;
}

void
ocl_net_set_profiling (OclNet * net, gboolean enable)
{
  net->profiling = enable;
}

/* Reads the outputs of the first @n batch entries into @output: straight
 * when the one output is laid out as returned, else each output's block
 * into the staging buffer and from there entry by entry (NHWC -> NCHW). */
static gboolean
read_outputs (OclNet * net, int n, float *output, GError ** error)
{
  OclGraph *g = net->g;
  float *dst = net->host_out ? net->host_out : output;
  gsize at = 0;

  for (guint i = 0; i < g->outputs->len; i++) {
    const OclOutputInfo *o = &net->outs[i];
    cl_int err = clEnqueueReadBuffer (net->queue,
        net->value_mem[OCL_GRAPH_OUTPUT (g, i)->value], CL_TRUE, 0,
        o->size * n * sizeof (float), dst + at, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
      g_autofree char *what = g_strdup_printf ("reading output '%s'", o->name);
      return ocl_set_cl_error (error, err, what);
    }
    at += o->size * n;
  }
  if (net->host_out == NULL)
    return TRUE;
  at = 0;
  for (guint i = 0; i < g->outputs->len; i++) {
    const OclOutputInfo *o = &net->outs[i];
    /* The device's layout is N x H x W x C (rank 3: N x L x C). */
    gint64 C = o->dims[1], H = o->ndim == 4 ? o->dims[2] : 1,
        W = o->ndim == 4 ? o->dims[3] : o->ndim == 3 ? o->dims[2] : 1;
    for (gint64 b = 0; b < n; b++) {
      const float *src = dst + at + b * o->size;
      float *to = output + b * net->out_per_image + o->offset;
      for (gint64 y = 0; y < H; y++)
        for (gint64 x = 0; x < W; x++)
          for (gint64 c = 0; c < C; c++)
            to[(c * H + y) * W + x] = src[(y * W + x) * C + c];
    }
    at += o->size * n;
  }
  return TRUE;
}

/* Enqueues steps [first, end) for @n images, then the blocking read of
 * the outputs, and collects profiling; the one wait of a run. */
static gboolean
enqueue_plan (OclNet * net, guint first, int n, float *output, GError ** error)
{
  guint n_steps = net->steps->len;
  cl_event *ev = net->profiling ? g_new0 (cl_event, n_steps) : NULL;
  cl_int err;
  gboolean ok = FALSE;

  for (guint i = first; i < n_steps; i++) {
    OclStep *s = &g_array_index (net->steps, OclStep, i);
    err = ocl_step_enqueue (net, s, n, ev ? &ev[i] : NULL);
    if (err != CL_SUCCESS) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "launching %s failed: "
          "%s", s->desc, ocl_cl_error_string (err));
      goto out;
    }
  }
  if (!read_outputs (net, n, output, error))
    goto out;
  if (ev) {
    for (guint i = first; i < n_steps; i++) {
      cl_ulong t0 = 0, t1 = 0;
      clGetEventProfilingInfo (ev[i], CL_PROFILING_COMMAND_START,
          sizeof (t0), &t0, NULL);
      clGetEventProfilingInfo (ev[i], CL_PROFILING_COMMAND_END, sizeof (t1),
          &t1, NULL);
      g_array_index (net->steps, OclStep, i).ms = (t1 - t0) * 1e-6;
    }
  }
  ok = TRUE;

out:
  if (!ok)
    clFinish (net->queue);
  if (ev) {
    for (guint i = 0; i < n_steps; i++)
      if (ev[i])
        clReleaseEvent (ev[i]);
    g_free (ev);
  }
  return ok;
}

gboolean
ocl_net_run (OclNet * net, const float *input, float *output, GError ** error)
{
  /* An N x H x W x C input is the device's layout already: no step 0. */
  const gboolean nhwc = net->g->input_nhwc;
  const gboolean host = net->host_in != NULL;
  cl_int err;

  if (host) {
    const OclValue *in = OCL_VALUE (net->g, net->g->input);
    const gsize hw = (gsize) in->h * in->w;
    float *t = net->host_in;
    for (int b = 0; b < in->n; b++)
      for (int c = 0; c < in->c; c++)
        for (gsize i = 0; i < hw; i++)
          t[((gsize) b * hw + i) * in->c + c] =
              input[((gsize) b * in->c + c) * hw + i];
    input = t;
  }
  err = clEnqueueWriteBuffer (net->queue, nhwc || host ?
      net->value_mem[net->g->input] : net->input_nchw, CL_FALSE, 0,
      net->in_size * sizeof (float), input, 0, NULL, NULL);
  if (err != CL_SUCCESS)
    return ocl_set_cl_error (error, err, "writing the input");
  return enqueue_plan (net, nhwc || host ? 1 : 0, net->batch, output, error);
}

/* Device buffers for the planes of the frame in batch slot @slot: the host
 * memory itself where the device shares it (created per run, no copy,
 * returned in @tmp for the caller to release once the run is over), else
 * one write into a buffer the slot keeps between runs. */
static gboolean
frame_planes (OclNet * net, int slot, const OclImage * img, cl_mem mem[3],
    cl_mem tmp[3], GError ** error)
{
  int np = ocl_image_plane_count (img->format);
  cl_int err;

  for (int p = 0; p < np; p++) {
    gsize size = img->size[p];
    cl_mem *stage = &net->planes[slot * 3 + p];
    gsize *stage_size = &net->plane_size[slot * 3 + p];
    if (net->unified_memory) {
      tmp[p] = clCreateBuffer (net->ctx->context, CL_MEM_READ_ONLY |
          CL_MEM_USE_HOST_PTR, size, (void *) img->data[p], &err);
      if (tmp[p] == NULL)
        return ocl_set_cl_error (error, err, "wrapping the frame");
      mem[p] = tmp[p];
      continue;
    }
    if (*stage_size < size) {
      if (*stage)
        clReleaseMemObject (*stage);
      *stage = clCreateBuffer (net->ctx->context, CL_MEM_READ_ONLY, size, NULL,
          &err);
      *stage_size = *stage ? size : 0;
      if (*stage == NULL)
        return ocl_set_cl_error (error, err, "allocating the frame buffer");
    }
    err = clEnqueueWriteBuffer (net->queue, *stage, CL_FALSE, 0, size,
        img->data[p], 0, NULL, NULL);
    if (err != CL_SUCCESS)
      return ocl_set_cl_error (error, err, "uploading the frame");
    mem[p] = *stage;
  }
  for (int p = np; p < 3; p++)
    mem[p] = mem[0];
  return TRUE;
}

/* Checks @e and writes its regions' geometry at batch entry @first. */
static gboolean
entry_geometry (OclNet * net, const OclImageEntry * e, int first,
    GError ** error)
{
  const OclValue *in = OCL_VALUE (net->g, net->g->input);
  int n = e->rects ? e->n_rects : 1;

  if (e->image == NULL || e->pp == NULL || n < 1) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "an entry without an image, preprocessing or regions");
    return FALSE;
  }
  if (!ocl_image_check (e->image, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    if (!ocl_image_geometry (e->image, e->rects ? &e->rects[i] : NULL,
            e->pp->resize, in->h, in->w,
            net->geo_host + OCL_ABI_GEO_N * (first + i))) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
          "region %d (%d,%d %dx%d) is empty inside the %dx%d image", i,
          e->rects[i].x, e->rects[i].y, e->rects[i].width,
          e->rects[i].height, e->image->width, e->image->height);
      return FALSE;
    }
  return TRUE;
}

/* Enqueues the preprocessing of @e into batch entries [first, first + n). */
static gboolean
enqueue_preprocess (OclNet * net, const OclImageEntry * e, int first,
    const cl_mem mem[3], GError ** error)
{
  const OclValue *in = OCL_VALUE (net->g, net->g->input);
  const OclImage *img = e->image;
  const OclPreprocess *pp = e->pp;
  cl_float4 mean, istd, yuv;
  float kr, kb;
  size_t gws[3];
  OclArgs a = { 0 };
  cl_int err;

  ocl_yuv_coefficients (img->matrix, &kr, &kb);
  for (int c = 0; c < 4; c++) {
    mean.s[c] = c < 3 ? pp->mean[c] : 0.0f;
    istd.s[c] = c < 3 && pp->std[c] != 0.0f ? 1.0f / pp->std[c] : 1.0f;
  }
  yuv.s[0] = kr;
  yuv.s[1] = kb;
  yuv.s[2] = img->full_range ? 1.0f : 0.0f;
  yuv.s[3] = 0.0f;

  /* Arguments are captured at each enqueue: one kernel serves every entry. */
  a.k = net->preprocess;
  {
    OclSig_preprocess_image s = {.p0 = mem[0],.p1 = mem[1],.p2 = mem[2],
      .geo = net->geo,.out = net->value_mem[net->g->input],.first = first,
      .format = img->format,.s0 = img->stride[0],.s1 = img->stride[1],
      .s2 = img->stride[2],.H = in->h,.W = in->w,.mean = mean,.istd = istd,
      .bgr = pp->bgr ? 1 : 0,.yuv = yuv
    };
    ocl_sig_preprocess_image (&a, &s);
  }
  if (a.err != CL_SUCCESS)
    return ocl_set_cl_error (error, a.err, "clSetKernelArg (preprocess)");
  gws[0] = in->w;
  gws[1] = in->h;
  gws[2] = e->rects ? e->n_rects : 1;
  err = clEnqueueNDRangeKernel (net->queue, net->preprocess, 3, NULL, gws,
      NULL, 0, NULL, NULL);
  if (err != CL_SUCCESS)
    return ocl_set_cl_error (error, err, "launching the preprocessing");
  return TRUE;
}

gboolean
ocl_net_run_images (OclNet * net, const OclImageEntry * entries,
    int n_entries, float *output, GError ** error)
{
  OclValue *in = OCL_VALUE (net->g, net->g->input);
  cl_mem *tmp = NULL;
  int total = 0;
  cl_int err;
  gboolean ok = FALSE;

  if (in->c != 3) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "the model takes %d input channels, not 3 (an image)", in->c);
    return FALSE;
  }
  if (n_entries < 1 || n_entries > net->batch) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "%d images given; the net takes 1 to %d", n_entries, net->batch);
    return FALSE;
  }
  for (int k = 0; k < n_entries; k++) {
    int n = entries[k].rects ? entries[k].n_rects : 1;
    if (n < 1 || n > net->batch - total) {
      g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
          "%d regions given in all; the net takes 1 to %d", total + MAX (n,
              0), net->batch);
      return FALSE;
    }
    if (!entry_geometry (net, &entries[k], total, error))
      return FALSE;
    total += n;
  }

  tmp = g_new0 (cl_mem, 3 * n_entries);
  err = clEnqueueWriteBuffer (net->queue, net->geo, CL_FALSE, 0,
      sizeof (int) * OCL_ABI_GEO_N * total, net->geo_host, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    ocl_set_cl_error (error, err, "writing the regions");
    goto out;
  }
  total = 0;
  for (int k = 0; k < n_entries; k++) {
    cl_mem mem[3];
    if (!frame_planes (net, k, entries[k].image, mem, tmp + 3 * k, error)
        || !enqueue_preprocess (net, &entries[k], total, mem, error))
      goto out;
    total += entries[k].rects ? entries[k].n_rects : 1;
  }
  /* Step 0 converts an NCHW host tensor; the image path wrote NHWC. */
  ok = enqueue_plan (net, 1, total, output, error);

out:
  if (!ok)
    clFinish (net->queue);
  for (int i = 0; i < 3 * n_entries; i++)
    if (tmp[i])
      clReleaseMemObject (tmp[i]);
  g_free (tmp);
  return ok;
}

gboolean
ocl_net_run_image (OclNet * net, const OclImage * img, const OclRect * rects,
    int n_rects, const OclPreprocess * pp, float *output, GError ** error)
{
  OclImageEntry e = { img, rects, n_rects, pp };

  /* ocl_net_run_images checks the region count. */
  return ocl_net_run_images (net, &e, 1, output, error);
}

int
ocl_net_get_batch (const OclNet * net)
{
  return net->batch;
}

void
ocl_net_get_input_shape (const OclNet * net, gint64 shape[4])
{
  const OclValue *in = &g_array_index (net->g->values, OclValue,
      net->g->input);
  shape[0] = in->n;
  shape[1] = in->c;
  shape[2] = in->h;
  shape[3] = in->w;
}

guint
ocl_net_get_n_layers (const OclNet * net)
{
  return net->steps->len;
}

void
ocl_net_get_layer (const OclNet * net, guint i, OclLayerInfo * info)
{
  const OclStep *s = &g_array_index (net->steps, OclStep, i);

  info->name = s->desc;
  info->node = s->node;
  info->flops = s->flops;
  info->ms = s->ms;
}

guint
ocl_net_get_n_tuned (const OclNet * net)
{
  return net->tuned->len;
}

void
ocl_net_get_tuned (const OclNet * net, guint i, OclTunedLayer * out)
{
  const OclTuneRecord *r = &g_array_index (net->tuned, OclTuneRecord, i);

  out->node = r->node;
  out->layer = r->layer;
  out->n_candidates = r->n;
  out->candidates = (const char *const *) r->choice;
  out->ms = r->ms;
  out->pick = r->pick;
  out->cached = r->cached;
}

guint64
ocl_net_get_n_params (const OclNet * net)
{
  return net->n_params;
}

guint64
ocl_net_get_macs (const OclNet * net)
{
  return net->macs;
}

guint64
ocl_net_get_device_bytes (const OclNet * net, guint64 * weight_bytes)
{
  if (weight_bytes)
    *weight_bytes = net->weight_bytes;
  return net->device_bytes;
}
