/* Compiling the fused graph into a plan of kernel launches.
 *
 * For each live node, in order, its execution row (exec-registry.c)
 * appends its launches: kernel arguments are set once at compile time; a
 * run (run.c) writes the input, enqueues every step and waits once, on
 * the read of the output.  Which kernel and tile a convolution gets is
 * conv-choice.c's, from the context's tuning record (device.c); the
 * buffers are plan-buffers.c's, the launches' geometry plan-steps.c's. */
#include <stdio.h>
#include <string.h>
#include "ocl-private.h"
#include "kernels/ocl-abi.h"

static void
mem_release (gpointer m)
{
  clReleaseMemObject (m);
}

/* ---- net ------------------------------------------------------------------ */

static guint64
count_params (const OclGraph * g, guint64 * macs)
{
  guint64 p = 0;

  *macs = 0;
  for (guint i = 0; i < g->nodes->len; i++) {
    const OclNode *n = &g_array_index (g->nodes, OclNode, i);
    const OclValue *y = &g_array_index (g->values, OclValue, n->out);
    if (n->op == OCL_OP_CONV) {
      p += (guint64) n->oc * ocl_node_icg (n) * n->kh * n->kw +
          (n->bias ? n->oc : 0);
      *macs += (guint64) y->n * y->h * y->w * n->oc * ocl_node_icg (n) *
          n->kh * n->kw;
    } else if (n->op == OCL_OP_AFFINE)
      p += (n->scale ? n->oc : 0) + (n->shift ? n->oc : 0);
  }
  return p;
}

OclNet *
ocl_net_new (OclContext * ctx, const OclModel * model, const gint64 shape[4],
    GError ** error)
{
  OclGraph *g = ocl_model_build_graph (model, shape, error);
  OclNet *net = g ? ocl_net_new_from_graph (ctx, g, error) : NULL;

  if (net == NULL)
    ocl_error_make_one_line (error);
  return net;
}

/* What computes value @v last (through aliases). */
static OclOutputLast
last_op (const OclGraph * g, int v)
{
  const OclValue *out = OCL_VALUE (g, v);
  int p = out->alias >= 0 ? OCL_VALUE (g, out->alias)->producer : out->producer;
  const OclNode *n = p >= 0 ? OCL_NODE (g, p) : NULL;

  return n == NULL ? OCL_OUTPUT_LAST_OTHER :
      n->op == OCL_OP_SOFTMAX ? OCL_OUTPUT_LAST_SOFTMAX :
      n->op == OCL_OP_SIGMOID && !n->hard ? OCL_OUTPUT_LAST_SIGMOID :
      OCL_OUTPUT_LAST_OTHER;
}

/* Each graph output's shape and place in a batch entry's outputs.  A run
 * reads them through the staging buffer unless there is one output that
 * is already laid out as returned (N x C, or 1 x 1 spatially). */
static void
describe_outputs (OclNet * net)
{
  OclGraph *g = net->g;
  gsize at = 0;

  net->outs = g_new0 (OclOutputInfo, g->outputs->len);
  for (guint i = 0; i < g->outputs->len; i++) {
    const OclGraphOutput *go = OCL_GRAPH_OUTPUT (g, i);
    const OclValue *v = OCL_VALUE (g, go->value);
    OclOutputInfo *o = &net->outs[i];
    o->name = go->name;
    o->half = go->half;
    o->last = last_op (g, go->value);
    o->ndim = v->rank;
    o->dims[0] = v->n;
    o->dims[1] = v->c;
    o->dims[2] = v->h;
    o->dims[3] = v->w;
    /* Rank 3, N x C x L (held as N x C x 1 x L): reported as such, and
     * converted to NCHW as N x C x L x 1. */
    if (v->rank == 3) {
      o->dims[2] = v->w;
      o->dims[3] = 1;
    }
    o->size = (gsize) v->c * v->h * v->w;
    o->offset = at;
    at += o->size;
  }
  net->out_per_image = at;
  net->out_size = at * net->batch;
  if (g->outputs->len > 1 || (net->outs[0].ndim >= 3
          && net->outs[0].dims[2] * net->outs[0].dims[3] > 1))
    net->host_out = g_new (float, net->out_size);
}

OclNet *
ocl_net_new_from_graph (OclContext * ctx, OclGraph * g, GError ** error)
{
  OclNet *net = g_new0 (OclNet, 1);
  OclValue *in = OCL_VALUE (g, g->input);
  guint64 macs;
  cl_int err;

  net->ctx = ocl_context_ref (ctx);
  net->g = g;
  net->batch = in->n;
  net->steps = g_array_new (FALSE, TRUE, sizeof (OclStep));
  net->tuned = g_array_new (FALSE, TRUE, sizeof (OclTuneRecord));
  g_array_set_clear_func (net->tuned, (GDestroyNotify) ocl_tune_record_clear);
  net->mems = g_ptr_array_new_with_free_func (mem_release);
  net->n_params = count_params (g, &macs);
  ocl_graph_fuse (g);
  count_params (g, &net->macs);

  net->queue = clCreateCommandQueue (ctx->context, ctx->device,
      CL_QUEUE_PROFILING_ENABLE, &err);
  if (net->queue == NULL) {
    ocl_set_cl_error (error, err, "clCreateCommandQueue");
    goto fail;
  }
  net->unified_memory = ctx->tuning.unified_memory;

  net->in_size = (gsize) in->n * in->c * in->h * in->w;
  /* A small NCHW input is reordered on the host as it is written, not by
   * a launch (ocl_net_run): CIFAR ResNet-56 on Intel's runtime 0.795 ->
   * 0.766 ms, PoCL no change.  Larger ones keep step 0's kernel. */
  if (!g->input_nhwc && net->in_size <= OCL_HOST_REORDER_MAX)
    net->host_in = g_new (float, MAX (net->in_size, 1));
  describe_outputs (net);

  if (!ocl_net_allocate_values (net, error))
    goto fail;
  net->input_nchw = ocl_net_buffer (net, net->in_size * sizeof (float), NULL,
      error);
  if (net->input_nchw == NULL)
    goto fail;
  {
    OclSig_nchw_to_nhwc s = {.in = net->input_nchw,
      .out = net->value_mem[g->input],.C = in->c,.H = in->h,.W = in->w
    };
    OclArgs a;
    if (!ocl_step_begin (net, &a, "misc", "", "nchw_to_nhwc", error))
      goto fail;
    ocl_sig_nchw_to_nhwc (&a, &s);
    if (!ocl_step_end (net, &a, NULL, g_strdup_printf ("input NCHW->NHWC "
                "%dx%dx%dx%d", in->n, in->c, in->h, in->w), 0, 2, in->w,
            (size_t) in->n * in->h, 1, error)
        || !ocl_step_rows_on_cpu (net, error))
      goto fail;
  }
  for (guint i = 0; i < g->nodes->len; i++) {
    OclNode *n = OCL_NODE (g, i);
    if (!ocl_exec_op (n->op)->plan (net, n, error))
      goto fail;
  }
  if (!ocl_conv_measure_pending (net, error))
    goto fail;

  /* Image input: the preprocessing kernel is built now, not on the first
   * frame. */
  if (in->c == 3) {
    cl_program prog = ocl_context_get_program (ctx, "preprocess", "", error);
    if (prog == NULL)
      goto fail;
    net->preprocess = clCreateKernel (prog, "preprocess_image", &err);
    if (net->preprocess == NULL) {
      ocl_set_cl_error (error, err, "preprocess_image");
      goto fail;
    }
    net->geo =
        ocl_net_buffer (net, sizeof (int) * OCL_ABI_GEO_N * net->batch, NULL,
        error);
    if (net->geo == NULL)
      goto fail;
    net->geo_host = g_new0 (int, OCL_ABI_GEO_N * net->batch);
    net->planes = g_new0 (cl_mem, 3 * net->batch);
    net->plane_size = g_new0 (gsize, 3 * net->batch);
  }
  /* What was measured, for the next load. */
  ocl_tune_save (ctx);
  /* Weights are in device buffers now; the graph keeps shapes only. */
  return net;

fail:
  ocl_net_free (net);
  return NULL;
}

void
ocl_net_free (OclNet * net)
{
  if (net == NULL)
    return;
  if (net->queue) {
    clFinish (net->queue);
    clReleaseCommandQueue (net->queue);
  }
  ocl_steps_truncate (net, 0);
  g_array_unref (net->steps);
  g_array_unref (net->tuned);
  if (net->pending)
    g_array_unref (net->pending);
  if (net->preprocess)
    clReleaseKernel (net->preprocess);
  for (int p = 0; net->planes && p < 3 * net->batch; p++)
    if (net->planes[p])
      clReleaseMemObject (net->planes[p]);
  g_free (net->planes);
  g_free (net->plane_size);
  g_free (net->geo_host);
  g_ptr_array_unref (net->mems);
  g_free (net->value_mem);
  g_free (net->host_out);
  g_free (net->host_in);
  g_free (net->outs);
  ocl_graph_free (net->g);
  ocl_context_unref (net->ctx);
  g_free (net);
}
