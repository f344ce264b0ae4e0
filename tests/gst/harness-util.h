/* What the resnetclassify gst-check files share. */
#pragma once

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
