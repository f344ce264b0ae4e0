/* The tests' oracles: plain C references of every node of the graph IR and
 * of the preprocessing.  Not part of the shipped executor. */
#pragma once

#include "ocl-private.h"

G_BEGIN_DECLS

/* Runs @g on @input (NCHW) and returns the first output's data (g_free). */
float *ocl_ref_run_graph (const OclGraph * g, const float *input);

/* The preprocessing of ocl_net_run_image() in plain C, writing one NCHW
 * float tensor of @height x @width into @out. */
void ocl_preprocess_reference (const OclImage * image, const OclRect * rect,
    const OclPreprocess * pp, int height, int width, float *out);

G_END_DECLS
