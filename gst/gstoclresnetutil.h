/* What the plugin's elements share. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Properties flagged GST_PARAM_MUTABLE_READY are read by start(): set while
 * the element is (or is going) above READY, the new value would change
 * nothing, or change the next frame.  Returns TRUE, with an element
 * warning, when @pspec's new value must be ignored.  Takes the object
 * lock: call it without. */
static inline gboolean
gst_oclresnet_refuse_above_ready (GstElement * element, GParamSpec * pspec)
{
  gboolean refuse;

  if (!(pspec->flags & GST_PARAM_MUTABLE_READY))
    return FALSE;
  GST_OBJECT_LOCK (element);
  refuse = GST_STATE (element) > GST_STATE_READY
      || GST_STATE_NEXT (element) > GST_STATE_READY;
  GST_OBJECT_UNLOCK (element);
  if (refuse)
    GST_ELEMENT_WARNING (element, LIBRARY, SETTINGS,
        ("Property '%s' can only be changed in the NULL or READY state; the "
            "new value is ignored.", pspec->name), (NULL));
  return refuse;
}

G_END_DECLS
