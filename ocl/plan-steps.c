/* Launch geometry: the steps of a plan.
 *
 * Kernel convention: the last NDRange dimension of every step is the batch
 * times a per-image extent, so a run over the first n <= N images of the
 * compiled batch scales that dimension only.  Launch geometry is decided
 * in one place: ocl_step_end() records the extents, ocl_step_local() a
 * work-group (checked against the device and the kernel) and
 * ocl_step_range() the global size of a run, rounded up to the
 * work-group. */
#include "ocl-private.h"

gboolean
ocl_step_begin (OclNet * net, OclArgs * a, const char *file,
    const char *options, const char *kernel, GError ** error)
{
  cl_program prog = ocl_context_get_program (net->ctx, file, options, error);
  cl_int err;

  if (prog == NULL)
    return FALSE;
  a->net = net;
  a->arg = 0;
  a->err = CL_SUCCESS;
  a->k = clCreateKernel (prog, kernel, &err);
  if (a->k == NULL)
    return ocl_set_cl_error (error, err, kernel);
  return TRUE;
}

gboolean
ocl_step_end (OclNet * net, OclArgs * a, const OclNode * node, char *desc,
    double flops, cl_uint dim, size_t g0, size_t g1, size_t g2, GError ** error)
{
  OclStep s = { 0 };

  if (a->err != CL_SUCCESS) {
    clReleaseKernel (a->k);
    g_free (desc);
    return ocl_set_cl_error (error, a->err, "clSetKernelArg");
  }
  s.kernel = a->k;
  s.dim = dim;
  s.gws[0] = g0;
  s.gws[1] = g1;
  s.gws[2] = g2;
  g_assert (s.gws[dim - 1] % net->batch == 0);
  s.per_image = s.gws[dim - 1] / net->batch;
  s.units_per_item = 1;
  s.desc = desc;
  s.node = g_strdup (node ? node->name : "(input)");
  s.flops = flops;
  g_array_append_val (net->steps, s);
  return TRUE;
}

static size_t
round_up (size_t x, size_t m)
{
  return m > 1 ? (x + m - 1) / m * m : x;
}

void
ocl_step_range (const OclStep * s, int n, size_t gws[3])
{
  const cl_uint last = s->dim - 1;
  const size_t units = s->per_image * (size_t) n;

  for (cl_uint d = 0; d < 3; d++)
    gws[d] = s->gws[d];
  gws[last] = round_up ((units + s->units_per_item - 1) / s->units_per_item,
      s->lws[last]);
}

char *
ocl_kernel_misfit (OclNet * net, cl_kernel kernel, const size_t lws[3])
{
  const OclTuning *t = &net->ctx->tuning;
  size_t wg = 0, items = lws[0] * lws[1] * lws[2];
  cl_ulong local = 0;

  for (int d = 0; d < 3; d++)
    if (lws[d] > t->max_work_item[d])
      return g_strdup_printf ("a work-group of %u along dimension %d, the "
          "device takes at most %u", (guint) lws[d], d,
          (guint) t->max_work_item[d]);
  if (clGetKernelWorkGroupInfo (kernel, net->ctx->device,
          CL_KERNEL_WORK_GROUP_SIZE, sizeof (wg), &wg, NULL) != CL_SUCCESS)
    wg = t->max_work_group;
  if (items > MIN (wg, t->max_work_group))
    return g_strdup_printf ("%u work-items per group, the device runs at "
        "most %u of this kernel", (guint) items,
        (guint) MIN (wg, t->max_work_group));
  if (clGetKernelWorkGroupInfo (kernel, net->ctx->device,
          CL_KERNEL_LOCAL_MEM_SIZE, sizeof (local), &local, NULL) ==
      CL_SUCCESS && t->local_mem && local > t->local_mem)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes of local memory, "
        "the device has %" G_GUINT64_FORMAT, (guint64) local, t->local_mem);
  return NULL;
}

gboolean
ocl_step_local (OclNet * net, size_t l0, size_t l1, size_t l2,
    size_t units_per_item, GError ** error)
{
  OclStep *s = &g_array_index (net->steps, OclStep, net->steps->len - 1);
  g_autofree char *why = NULL;

  s->lws[0] = l0;
  s->lws[1] = l1;
  s->lws[2] = l2;
  s->units_per_item = units_per_item;
  if ((why = ocl_kernel_misfit (net, s->kernel, s->lws))) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "layer '%s' (%s) needs "
        "%s", s->node, s->desc, why);
    return FALSE;
  }
  for (cl_uint d = 0; d + 1 < s->dim; d++)
    s->gws[d] = round_up (s->gws[d], s->lws[d]);
  ocl_step_range (s, net->batch, s->gws);
  return TRUE;
}

gboolean
ocl_step_rows_on_cpu (OclNet * net, GError ** error)
{
  const OclStep *s = &g_array_index (net->steps, OclStep,
      net->steps->len - 1);
  size_t lws[3] = { s->gws[0], 1, 1 };
  g_autofree char *why = NULL;

  if (!net->ctx->tuning.cpu || s->dim < 2)
    return TRUE;
  if (s->dim == 3 && s->gws[0] * s->gws[1] <= 256)
    lws[1] = s->gws[1];
  /* Too large for the device: the driver's choice. */
  if ((why = ocl_kernel_misfit (net, s->kernel, lws)))
    return TRUE;
  return ocl_step_local (net, lws[0], lws[1], lws[2], 1, error);
}

cl_int
ocl_step_enqueue (OclNet * net, const OclStep * s, int n, cl_event * event)
{
  size_t gws[3];

  ocl_step_range (s, n, gws);
  return clEnqueueNDRangeKernel (net->queue, s->kernel, s->dim, NULL, gws,
      s->lws[0] ? s->lws : NULL, 0, NULL, event);
}

void
ocl_steps_remove (OclNet * net, guint first, guint last)
{
  last = MIN (last, net->steps->len);
  if (first >= last)
    return;
  /* Newest first: PoCL keeps a program's kernels in a list it searches
   * from the newest on release, so the other order costs a walk a kernel
   * (32,000 launches: 3 s). */
  for (guint i = last; i-- > first;) {
    OclStep *s = &g_array_index (net->steps, OclStep, i);
    clReleaseKernel (s->kernel);
    g_free (s->desc);
    g_free (s->node);
  }
  g_array_remove_range (net->steps, first, last - first);
}

void
ocl_steps_truncate (OclNet * net, guint len)
{
  ocl_steps_remove (net, len, net->steps->len);
}
