/* A loaded model, compiled for one batch size: the net, its labels, and
 * the preprocessing defaults its metadata_props carry.  Immutable and
 * reference counted, so that a model swap never frees what a result still
 * needs.  No element code in here. */
#pragma once

#include <gst/gst.h>
#include "oclresnet.h"
#include "gstresnetanswer.h"

G_BEGIN_DECLS

/* One output of the model, as the model describes it. */
typedef struct {
  gchar *name;
  guint offset, n;              /* its values among an image's */
  gboolean spatial;             /* more than one value per channel */
  OclOutputLast last;
  GstClassificationHeadKind kind;       /* metadata "heads", else by @last */
  GQuark *labels;               /* n: labels.NAME, else the class numbers */
} GstResnetOutput;

typedef struct {
  gint refcount;
  OclNet *net;
  gchar *model_path;
  gchar *model_name;            /* metadata "name", else the file's stem */
  GstResnetOutput *outputs;
  guint n_outputs;
  guint n_values;               /* floats of every output, per image */
  gint64 input_h, input_w;
  gint batch;
  /* preprocessing defaults from the model's metadata_props */
  gboolean has_mean, has_std;
  gdouble mean[3], std[3];
  gchar *channel_order;         /* nullable */
  gchar *resize_mode;           /* nullable */
} GstResnetModel;

/* Loads @path and compiles it for @batch images on @ctx.  Each output is
 * a head: its kind from the model's metadata "heads" ("OUTPUT:KIND,...",
 * KIND softmax, multilabel or embedding), else multilabel where the graph
 * ends in Sigmoid and softmax otherwise.  Its labels (one per line): for
 * the first output the file @labels, else metadata "labels.OUTPUT", else
 * (first output) metadata "labels", else the class numbers.  Errors are
 * OCL_ERROR (the file or the device) or GST_RESNET_MODEL_ERROR, naming
 * the output, key or file at fault.  Returns: (transfer full)
 * (nullable). */
GstResnetModel *gst_resnet_model_load (OclContext * ctx, const gchar * path,
    const gchar * labels, gint batch, GError ** error);
GstResnetModel *gst_resnet_model_ref (GstResnetModel * m);
/* @m may be NULL. */
void gst_resnet_model_unref (GstResnetModel * m);

/* The heads of @m as an element runs them: @spec ("OUTPUT:KIND,...", the
 * element's 'heads'; NULL or "": none) overrides the kinds the model
 * gives.  Returns: (transfer full) one per output, in @m's order, or NULL
 * with @error (GST_RESNET_MODEL_HEADS) naming an unknown output or kind,
 * or a classification head on an output that is not N x classes. */
GstResnetHead *gst_resnet_model_heads (const GstResnetModel * m,
    const gchar * spec, GError ** error);

/* class-thresholds against the labels of @m's outputs: "label:t" entries
 * separated by commas or new lines, given inline or as the name of a file
 * of them; a label sets the class of that label in every output.
 * Returns: (transfer full) (nullable) a threshold per value of @m (NaN
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
  GST_RESNET_MODEL_HEADS,       /* a head specification does not fit */
} GstResnetModelError;

G_END_DECLS
