/* Runtime operators that move data: reshapes, squeezes, transposes,
 * flatten, pads, slices, concatenation, expand, identities and casts of
 * the image data.  Each becomes a view (an alias of its input's buffer)
 * where the bytes do not move, else a copy node.  Their rows are in
 * onnx-registry.c; the toolkit is onnx-import.c. */
#include <string.h>
#include "onnx-import.h"

gboolean
ocl_op_pad (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  g_autofree char *mode = ocl_attr_string (im->node, "mode", "constant");
  gint64 pads[8];
  float value = 0.0f;
  int k;
  OclNode *n;
  int i;

  if (strcmp (mode, "constant") != 0)
    return OCL_UNSUPPORTED (im, "mode '%s' is not supported (only "
        "constant)", mode);
  if (im->model->opset >= 11) {
    if (n_in < 2 || in[1] == NULL)
      return OCL_UNSUPPORTED (im, "its pads must be constant");
    k = ocl_const_ints (in[1], pads, 8);
    if (n_in >= 3 && in[2] && in[2]->n)
      value = ocl_const_get (in[2], 0);
    if (n_in >= 4 && in[3])
      return OCL_UNSUPPORTED (im, "the axes input is not supported");
  } else {
    k = ocl_attr_ints (im->node, "pads", pads, 8);
    value = ocl_attr_float (im->node, "value", 0.0f);
  }
  if (k != 8 || ocl_import_value (im, x)->rank != 4)
    return OCL_UNSUPPORTED (im, "padding of a 4-D tensor with 8 pads is "
        "supported");
  for (int j = 0; j < 8; j++)
    if (pads[j] < 0 || pads[j] > OCL_MAX_WINDOW)
      return OCL_UNSUPPORTED (im, "pad %" G_GINT64_FORMAT " is not "
          "supported (0 to %d; cropping is not)", pads[j], OCL_MAX_WINDOW);
  if (pads[0] || pads[4])
    return OCL_UNSUPPORTED (im, "padding the batch dimension is not "
        "supported");
  if (!pads[1] && !pads[2] && !pads[3] && !pads[5] && !pads[6] && !pads[7]) {
    /* torch emits zero Pads before some pools: nothing to do. */
    ocl_import_define_value (im, im->node->output[0], x);
    return TRUE;
  }
  i = ocl_import_new_node (im, OCL_OP_PAD, x);
  n = OCL_NODE (im->g, i);
  for (int j = 0; j < 8; j++)
    n->pads[j] = pads[j];
  n->pad_value = value;
  return ocl_import_finish_node (im, i);
}

gboolean
ocl_op_slice (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 st[8], en[8], ax[8], sp[8];
  gint64 dims[4] = { v->n, v->c, v->h, v->w };
  int n, ne, na = -1, ns = -1, i;
  OclNode *node;

  if (im->model->opset >= 10) {
    if (n_in < 3 || in[1] == NULL || in[2] == NULL)
      return OCL_UNSUPPORTED (im, "its starts and ends must be constant");
    n = ocl_const_ints (in[1], st, 8);
    ne = ocl_const_ints (in[2], en, 8);
    if (n_in >= 4 && in[3])
      na = ocl_const_ints (in[3], ax, 8);
    if (n_in >= 5 && in[4])
      ns = ocl_const_ints (in[4], sp, 8);
  } else {
    n = ocl_attr_ints (im->node, "starts", st, 8);
    ne = ocl_attr_ints (im->node, "ends", en, 8);
    na = ocl_attr_ints (im->node, "axes", ax, 8);
  }
  if (v->rank != 4 || n < 0 || n != ne || n > 4 || (na >= 0 && na != n)
      || (ns >= 0 && ns != n))
    return OCL_UNSUPPORTED (im, "inconsistent starts/ends/axes/steps");
  i = ocl_import_new_node (im, OCL_OP_SLICE, x);
  node = OCL_NODE (im->g, i);
  for (int d = 0; d < 4; d++) {
    node->starts[d] = 0;
    node->steps[d] = 1;
    node->sizes[d] = dims[d];
  }
  for (int k = 0; k < n; k++) {
    int d = ocl_norm_axis (na >= 0 ? ax[k] : k, 4);
    gint64 step = ns >= 0 ? sp[k] : 1, start, size;
    if (d < 0)
      return OCL_UNSUPPORTED (im, "axis out of range");
    if (step <= 0)
      return OCL_UNSUPPORTED (im, "step %" G_GINT64_FORMAT " is not "
          "supported (positive steps only)", step);
    /* A step past the end takes one element, as the dimension does. */
    ocl_slice_range (dims[d], st[k], en[k], MIN (step, MAX (dims[d], 1)),
        &start, &step, &size);
    node->starts[d] = start;
    node->steps[d] = step;
    node->sizes[d] = size;
  }
  if (node->starts[0] != 0 || node->steps[0] != 1 || node->sizes[0] != v->n)
    return OCL_UNSUPPORTED (im, "slicing the batch dimension is not "
        "supported");
  return ocl_import_finish_node (im, i);
}

/* Flatten/Reshape/Squeeze of a runtime value: an alias when only the rank
 * changes, a FLATTEN node when a spatial map is flattened to N x (C*H*W). */
/* Whether N x C x H x W tensors @a and @b hold the same bytes in the
 * device's channels-last layout: the same sizes above 1 in the same order
 * of H, W, C. */
static gboolean
same_bytes (const gint64 * a, const gint64 * b)
{
  static const int order[3] = { 2, 3, 1 };
  gint64 sa[3], sb[3];
  int na = 0, nb = 0;

  if (a[0] != b[0])
    return FALSE;
  for (int k = 0; k < 3; k++) {
    if (a[order[k]] > 1)
      sa[na++] = a[order[k]];
    if (b[order[k]] > 1)
      sb[nb++] = b[order[k]];
  }
  return na == nb && memcmp (sa, sb, na * sizeof (gint64)) == 0;
}

/* Flatten/Reshape/Squeeze/Unsqueeze/Transpose of a runtime value to @rank
 * dimensions @dims: the value itself when nothing changes, an alias of
 * its storage when only the labels do (N x C x 1 x 1 to N x C, N x C to
 * ECA's N x 1 x C and back), a FLATTEN node when a spatial map is
 * flattened to N x (C*H*W).  Rank 3 [N, C, L] is held as N x C x 1 x L,
 * as a 1-D convolution reads it. */
gboolean
ocl_import_reshape_to (OclImport * im, int x, int rank, const gint64 * dims)
{
  OclValue *v = ocl_import_value (im, x);
  const gint64 from[4] = { v->n, v->c, v->h, v->w };
  gint64 to[4] = { dims[0], rank > 1 ? dims[1] : 1, 1, 1 };
  gsize chw = (gsize) v->c * v->h * v->w;

  if (rank == 3)
    to[3] = dims[2];
  else if (rank == 4) {
    to[2] = dims[2];
    to[3] = dims[3];
  }
  if (rank == 5 && !v->bh)
    return ocl_stack_reshape (im, x, dims);
  if (rank == 1 && !v->bh) {
    /* Flattened: what reads it (a Gather) says what shape it ends in. */
    OclEntry *e = g_new0 (OclEntry, 1);
    e->value = x;
    e->flat = TRUE;
    g_hash_table_replace (im->names, g_strdup (im->node->output[0]), e);
    return TRUE;
  }
  if (rank < 2 || rank > 4)
    return OCL_UNSUPPORTED (im, "a run-time tensor of rank %d is not "
        "supported (2 to 4)", rank);
  if (rank == v->rank && memcmp (from, to, sizeof (to)) == 0) {
    ocl_import_define_value (im, im->node->output[0], x);
    return TRUE;
  }
  if (same_bytes (from, to)) {
    /* Same bytes: an alias of x's storage. */
    ocl_import_define_value (im, im->node->output[0],
        ocl_import_alias_value (im, x, rank, to[0], to[1], to[2], to[3]));
    return TRUE;
  }
  if (rank == 2 && dims[0] == v->n && (gsize) dims[1] == chw && v->rank == 4)
    return ocl_import_finish_node (im, ocl_import_new_node (im, OCL_OP_FLATTEN,
            x));
  return OCL_UNSUPPORTED (im,
      "reshaping %dx%dx%dx%d to this shape is not "
      "supported (only flattening to N x K, and changes of labels that move "
      "no data)", v->n, v->c, v->h, v->w);
}

/* Gather along axis 0 of a run-time tensor flattened to rank 1: torch
 * 2.x's as_strided of a tensor that is channels-last in memory (an N x H x
 * W x C input permuted to NCHW) before its Flatten.  Run where the
 * indices take one image's values in order (0, 1, ..., C H W - 1): a
 * reshape to the indices' shape, whose leading 1 is the batch. */
gboolean
ocl_op_gather (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  const gsize chw = (gsize) v->c * v->h * v->w;
  const OclConst *idx = n_in > 1 ? in[1] : NULL;
  gint64 dims[OCL_MAX_RANK];

  if (!im->flat_in)
    return OCL_UNSUPPORTED (im, "Gather of the image data is supported only "
        "on a tensor flattened to rank 1 (torch 2.x's as_strided)");
  if (ocl_attr_int (im->node, "axis", 0) != 0 || idx == NULL
      || idx->dtype != OCL_DT_INT64 || idx->n != chw || idx->rank < 2
      || idx->rank > 4)
    return OCL_UNSUPPORTED (im, "a Gather of a flattened tensor is supported "
        "along axis 0 with constant indices of rank 2 to 4 taking one "
        "image's %" G_GSIZE_FORMAT " values", chw);
  for (gsize k = 0; k < idx->n; k++)
    if (ocl_const_get_int (idx, k) != (gint64) k)
      return OCL_UNSUPPORTED (im, "a Gather of a flattened tensor is "
          "supported where it takes the values in order (index %"
          G_GSIZE_FORMAT " is %" G_GINT64_FORMAT ")", k,
          ocl_const_get_int (idx, k));
  for (int d = 0; d < idx->rank; d++)
    dims[d] = idx->dims[d];
  if (dims[0] != 1)
    return OCL_UNSUPPORTED (im, "a Gather of a flattened tensor is "
        "supported with indices whose leading dimension (the batch) is 1");
  dims[0] = v->n;
  return ocl_import_reshape_to (im, x, idx->rank, dims);
}

gboolean
ocl_op_identity (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  ocl_import_define_value (im, im->node->output[0], x);
  return TRUE;
}

/* Shape of a run-time value: a constant, since every shape is known once
 * the input's is. */
gboolean
ocl_op_shape (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = OCL_VALUE (im->g, x);
  gint64 all[4] = { v->n, v->c, v->h, v->w }, r = v->rank;
  gint64 start = ocl_attr_int (im->node, "start", 0);
  gint64 end = ocl_attr_int (im->node, "end", r);
  OclConst *o;

  start = CLAMP (start < 0 ? MAX (start, -r) + r : start, 0, r);
  end = CLAMP (end < 0 ? MAX (end, -r) + r : end, start, r);
  r = end - start;
  if (!(o = ocl_import_const_new (im, OCL_DT_INT64, 1, &r)))
    return FALSE;
  memcpy (o->i, all + start, r * sizeof (gint64));
  ocl_import_define_const (im, im->node->output[0], o);
  return TRUE;
}

/* Transpose of the image data: the N x H x W x C input's Transpose to
 * NCHW is the identity (the device's layout is channels-last already, see
 * OclModel.input_nhwc); any other only where it moves no data (every axis
 * it reorders but one has size 1), as a relabelling. */
gboolean
ocl_op_transpose (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 perm[4], dims[4] = { v->n, v->c, v->h, v->w }, out[4];
  int k = ocl_attr_ints (im->node, "perm", perm, 4), last = -1;

  if (im->model->input_nhwc && x == im->g->input && k == 4 && perm[0] == 0
      && perm[1] == 3 && perm[2] == 1 && perm[3] == 2) {
    ocl_import_define_value (im, im->node->output[0], x);
    return TRUE;
  }
  if (v->rank != 4 || k != 4)
    return OCL_UNSUPPORTED (im, "a transpose of the image data other than "
        "the input's N x H x W x C to NCHW is not supported");
  for (int d = 0; d < 4; d++) {
    if (perm[d] < 0 || perm[d] > 3)
      return OCL_MALFORMED (im, "perm entry %" G_GINT64_FORMAT " is out of "
          "range", perm[d]);
    out[d] = dims[perm[d]];
    /* Data moves unless the axes of size > 1 keep their order. */
    if (dims[perm[d]] > 1) {
      if (perm[d] < last)
        return OCL_UNSUPPORTED (im, "a transpose of the image data that "
            "moves data is not supported (only the N x H x W x C input's "
            "to NCHW)");
      last = perm[d];
    }
  }
  return ocl_import_reshape_to (im, x, 4, out);
}

/* Cast of the image data between float32 and float16: the identity, the
 * net running in float32 (fp16 files). */
gboolean
ocl_op_cast (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  gint64 to = ocl_attr_int (im->node, "to", 0);

  if (to != 1 && to != 10)
    return OCL_UNSUPPORTED (im, "a cast of the image data to element type %"
        G_GINT64_FORMAT " is not supported (float32 and float16 only)", to);
  return ocl_op_identity (im, x, in, vin, n_in);
}

/* Dropout is the identity in inference; a constant training_mode of true
 * (opset 12 on) asks for training. */
gboolean
ocl_op_dropout (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  if (n_in >= 3 && vin[2] >= 0)
    return OCL_UNSUPPORTED (im, "its training_mode must be constant");
  if (n_in >= 3 && in[2] && in[2]->n && ocl_const_get (in[2], 0) != 0.0)
    return OCL_UNSUPPORTED (im, "training_mode=true is not supported");
  return ocl_op_identity (im, x, in, vin, n_in);
}

gboolean
ocl_op_flatten (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 axis = ocl_attr_int (im->node, "axis", 1);
  gint64 dims[2] = { v->n, (gint64) v->c * v->h * v->w };

  if (ocl_norm_axis (axis, v->rank) != 1)
    return OCL_UNSUPPORTED (im, "axis=%" G_GINT64_FORMAT " is not supported "
        "(1 only)", axis);
  return ocl_import_reshape_to (im, x, 2, dims);
}

gboolean
ocl_op_reshape (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 vd[4], dims[OCL_MAX_RANK];
  int rank = ocl_import_logical_dims (v, vd);

  const gboolean batch1 = im->model->input_shape[0] == 1 && v->n > 1;
  g_autoptr (OclConst) target = NULL;

  if (n_in < 2 || in[1] == NULL)
    return OCL_UNSUPPORTED (im, "its target shape must be constant");
  /* A file exported for one image (its input fixed at batch 1) names that
   * batch in its targets: torch.flatten is a view to [1, 512].  Run on a
   * batch of N, that leading 1 is the batch. */
  if (batch1 && in[1]->rank == 1 && in[1]->n >= 2
      && ocl_const_get_int (in[1], 0) == 1) {
    target = ocl_const_new (OCL_DT_INT64, 1, in[1]->dims);
    for (gsize k = 0; k < in[1]->n; k++)
      target->i[k] = k ? ocl_const_get_int (in[1], k) : v->n;
  }
  if (!ocl_import_resolve_reshape (im, target ? target : in[1], rank, vd,
          (gsize) v->n * v->c * v->h * v->w, dims)) {
    if (batch1 && im->error && *im->error) {
      char *m = g_strdup_printf ("%s; the model was exported for one image "
          "(its input is fixed at batch 1): export it with a dynamic batch "
          "(torch.onnx.export (..., dynamic_axes={'input': {0: 'batch'}}), "
          "or dynamic_shapes) to run %d at once", (*im->error)->message,
          v->n);
      g_free ((*im->error)->message);
      (*im->error)->message = m;
    }
    return FALSE;
  }
  return ocl_import_reshape_to (im, x, in[1]->n, dims);
}

/* Squeeze and Unsqueeze of run-time values: the axes an attribute before
 * opset 13, an input from 13; each in range and named once. */
static gboolean
squeeze (OclImport * im, int x, OclConst ** in, int n_in, gboolean unsq)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 d[4], axes[OCL_MAX_RANK], out[OCL_MAX_RANK];
  gboolean pick[OCL_MAX_RANK] = { FALSE };
  int rank = ocl_import_logical_dims (v, d), na, orank, k;

  /* (A run-time axes input is refused before this: not input 0.) */
  if (im->model->opset >= 13)
    na = n_in >= 2 && in[1] ? ocl_const_ints (in[1], axes, OCL_MAX_RANK) : -1;
  else
    na = ocl_attr_ints (im->node, "axes", axes, OCL_MAX_RANK);
  if (unsq && na < 1)
    return OCL_MALFORMED (im, "it names no axes; Unsqueeze needs at least "
        "one (%s)", im->model->opset >= 13 ? "its second input" :
        "attribute 'axes'");
  if (na > OCL_MAX_RANK)
    return OCL_MALFORMED (im, "%d axes (at most %d)", na, OCL_MAX_RANK);
  orank = unsq ? rank + na : rank;
  for (k = 0; k < MAX (na, 0); k++) {
    int a = ocl_norm_axis (axes[k], orank);
    if (a < 0 || pick[a])
      return OCL_MALFORMED (im, "axis %" G_GINT64_FORMAT " is out of range "
          "or repeated", axes[k]);
    pick[a] = TRUE;
  }
  if (unsq) {
    for (int o = 0, i = 0; o < orank; o++)
      out[o] = pick[o] ? 1 : d[i++];
  } else {
    orank = 0;
    for (int i = 0; i < rank; i++) {
      if ((na < 0 && d[i] == 1) || pick[i]) {
        if (d[i] != 1)
          return OCL_MALFORMED (im, "axis %d has size %" G_GINT64_FORMAT
              ", not 1", i, d[i]);
        continue;
      }
      out[orank++] = d[i];
    }
  }
  /* A path's map as one entry of a selective-kernel stack. */
  if (unsq && orank == 5 && na == 1 && pick[1] && v->rank == 4 && !v->bh)
    return ocl_stack_unsqueeze (im, x);
  if (orank < 2 || orank > 4 || out[0] != v->n)
    return OCL_UNSUPPORTED (im, "the result would have rank %d or lose the "
        "batch axis (N x K to N x C x H x W are supported)", orank);
  return ocl_import_reshape_to (im, x, orank, out);
}

gboolean
ocl_op_squeeze (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  return squeeze (im, x, in, n_in, FALSE);
}

gboolean
ocl_op_unsqueeze (OclImport * im, int x, OclConst ** in, const int *vin,
    int n_in)
{
  return squeeze (im, x, in, n_in, TRUE);
}

/* Expand of a run-time value: to its own shape (nothing to do), or of an
 * N x C x 1 x 1 channel gate to N x C x H x W, as timm's ECA and SE modules
 * write `gate.expand_as(x)` before `x * gate`.  The gate is not copied: the
 * output is a view that only a Mul takes, which broadcasts it anyway. */
gboolean
ocl_op_expand (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  OclValue *v = ocl_import_value (im, x);
  gint64 shape[OCL_MAX_RANK], d[4], out[4];
  int rank = ocl_import_logical_dims (v, d), ns, a;

  if (n_in < 2 || in[1] == NULL)
    return OCL_UNSUPPORTED (im, "its shape must be a constant");
  ns = ocl_const_ints (in[1], shape, OCL_MAX_RANK);
  if (ns < 1 || ns > OCL_MAX_RANK)
    return OCL_MALFORMED (im, "a shape of %d dimensions", ns);
  if (ns > rank)
    return OCL_UNSUPPORTED (im, "expanding a %d-D tensor to %d dimensions "
        "is not supported", rank, ns);
  /* Broadcast, aligned on the last dimension (ONNX, as numpy). */
  for (int k = 0; k < rank; k++) {
    gint64 s = k - (rank - ns) >= 0 ? shape[k - (rank - ns)] : 1;
    if (s < 0 || (s != 1 && d[k] != 1 && s != d[k]))
      return OCL_MALFORMED (im, "dimension %d of size %" G_GINT64_FORMAT
          " cannot be expanded to %" G_GINT64_FORMAT, k, d[k], s);
    out[k] = d[k] == 1 ? s : d[k];
  }
  if (memcmp (out, d, rank * sizeof (gint64)) == 0)
    return ocl_op_identity (im, x, in, vin, n_in);
  if (rank != 4 || v->bh || d[2] != 1 || d[3] != 1 || out[0] != d[0]
      || out[1] != d[1] || out[2] > OCL_MAX_WINDOW || out[3] > OCL_MAX_WINDOW)
    return OCL_UNSUPPORTED (im, "only an N x C x 1 x 1 gate expanded over "
        "H x W is supported");
  a = ocl_import_alias_value (im, x, 4, d[0], d[1], 1, 1);
  OCL_VALUE (im->g, a)->bh = out[2];
  OCL_VALUE (im->g, a)->bw = out[3];
  ocl_import_define_value (im, im->node->output[0], a);
  return TRUE;
}

/* Concat and ReduceSum of run-time tensors: of selective-kernel stacks
 * only (onnx-stack.c takes those before this). */
gboolean
ocl_op_concat (OclImport * im, int x, OclConst ** in, const int *vin, int n_in)
{
  return OCL_UNSUPPORTED (im, "Concat of the image data is supported only "
      "as the stack of a selective-kernel block (Unsqueezed paths, axis 1)");
}
