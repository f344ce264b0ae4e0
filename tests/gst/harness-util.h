/* What the gst-check files share. */
#pragma once

#include <stdlib.h>
#include <gst/check/gstharness.h>

/* The resnetclassify inside the harness's bin (transfer none: the harness
 * keeps it alive). */
static inline GstElement *
rc_of (GstHarness * h)
{
  GstElement *e = gst_harness_find_element (h, "resnetclassify");
  gst_object_unref (e);
  return e;
}

/* How long to wait for something that compiles kernels on the way: @def
 * seconds, or OCLRESNET_TEST_WAIT_SECONDS where that is longer (under
 * valgrind PoCL's compiler runs instrumented, about a minute a kernel).  A
 * wait that runs out fails its check, and with CK_FORK=no a failed check
 * leaves its pipelines playing under the next ones. */
static inline GstClockTime
patience (gint def)
{
  const gchar *env = g_getenv ("OCLRESNET_TEST_WAIT_SECONDS");
  gint s = env ? atoi (env) : 0;

  return (GstClockTime) MAX (s, def) * GST_SECOND;
}
