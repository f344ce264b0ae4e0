/* A loaded model, compiled for one batch size: the net, its labels, and
 * the preprocessing defaults its metadata_props carry.  Immutable and
 * reference counted, so that a model swap never frees what a result still
 * needs.  No element code in here. */
#pragma once

#include <gst/gst.h>
#include "oclresnet.h"

G_BEGIN_DECLS

typedef struct {
  gint refcount;
  OclNet *net;
  gchar *model_path;
  gchar *model_name;            /* metadata "name", else the file's stem */
  GQuark *labels;               /* per class */
  guint n_classes;
  gboolean probabilities;       /* the net ends in Softmax */
  gint64 input_h, input_w;
  gint batch;
  /* preprocessing defaults from the model's metadata_props */
  gboolean has_mean, has_std;
  gdouble mean[3], std[3];
  gchar *channel_order;         /* nullable */
  gchar *resize_mode;           /* nullable */
} GstResnetModel;

/* Loads @path and compiles it for @batch images on @ctx, with the labels
 * of @labels (one per line; NULL: the model's "labels" metadata, else the
 * class numbers).  Errors are OCL_ERROR (the file or the device) or
 * GST_RESNET_MODEL_ERROR.  Returns: (transfer full) (nullable). */
GstResnetModel *gst_resnet_model_load (OclContext * ctx, const gchar * path,
    const gchar * labels, gint batch, GError ** error);
GstResnetModel *gst_resnet_model_ref (GstResnetModel * m);
/* @m may be NULL. */
void gst_resnet_model_unref (GstResnetModel * m);

/* class-thresholds against @m's labels: "label:t" entries separated by
 * commas or new lines, given inline or as the name of a file of them.
 * Returns: (transfer full) (nullable) a threshold per class of @m (NaN
 * where the spec names none), NULL for an empty spec, or NULL with @error
 * (GST_RESNET_MODEL_THRESHOLDS) naming every label @m does not have, or
 * the file that cannot be read. */
gfloat *gst_resnet_model_parse_thresholds (const GstResnetModel * m,
    const gchar * spec, GError ** error);

/* The model an element runs when none is set. */
#define GST_RESNET_MODEL_DEFAULT_FILE "resnet20-cifar10.onnx"

/* Where the default model is looked for: @data_dir (where it is
 * installed), then models/ beside the folder of @plugin_file (the build
 * tree's layout: build/gst/ and build/models/).  Returns: (transfer full)
 * the folders, NULL-terminated (@plugin_file NULL: @data_dir alone). */
gchar **gst_resnet_model_default_dirs (const gchar * data_dir,
    const gchar * plugin_file);
/* The first of @dirs holding GST_RESNET_MODEL_DEFAULT_FILE.
 * Returns: (transfer full) (nullable) its path. */
gchar *gst_resnet_model_find_default (gchar ** dirs);

#define GST_RESNET_MODEL_ERROR (gst_resnet_model_error_quark ())
GQuark gst_resnet_model_error_quark (void);
typedef enum {
  GST_RESNET_MODEL_LABELS,      /* labels do not fit the classes */
  GST_RESNET_MODEL_OUTPUT,      /* the output is not N x classes */
  GST_RESNET_MODEL_THRESHOLDS,  /* class-thresholds do not fit the labels */
} GstResnetModelError;

G_END_DECLS
