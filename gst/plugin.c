/* The oclresnet plugin: registration only. */
#include <gst/gst.h>
#include "gstresnetclassify.h"
#include "gstclassificationoverlay.h"
#include "gstclassificationpublish.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (resnetclassify, plugin);

  ok &= GST_ELEMENT_REGISTER (classificationoverlay, plugin);
  ok &= GST_ELEMENT_REGISTER (classificationpublish, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, oclresnet,
    "ResNet image classification on OpenCL", plugin_init, PACKAGE_VERSION,
    "LGPL", "oclresnet", "oclresnet")
