/* oclresnet: an OpenCL executor for ResNet-family ONNX models.
 *
 * Plain C11 on GLib and the OpenCL 1.2 API; no GStreamer.  Functions that can
 * fail take a GError ** (domain OCL_ERROR) and return FALSE/NULL; they never
 * print, assert or exit.
 *
 * Objects and threads:
 *  - OclContext: one OpenCL device, its context and a cache of built programs.
 *    Reference counted; may be shared by several nets and threads.
 *  - OclModel: a parsed ONNX file.  Immutable once loaded; may be shared.
 *  - OclNet: a model compiled for one input shape on one context, with its own
 *    command queue and buffers.  Use one OclNet from one thread at a time.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OCL_ERROR (ocl_error_quark ())
GQuark ocl_error_quark (void);

typedef enum {
  OCL_ERROR_NO_DEVICE,          /* no OpenCL platform/device matches */
  OCL_ERROR_DEVICE,             /* an OpenCL call failed */
  OCL_ERROR_BUILD,              /* a kernel failed to build (message holds the log) */
  OCL_ERROR_IO,                 /* a file could not be read or written */
  OCL_ERROR_PARSE,              /* a file is not what it claims to be */
  OCL_ERROR_UNSUPPORTED,        /* a valid model uses something we do not run */
  OCL_ERROR_SHAPE,              /* the input shape does not fit the model */
  OCL_ERROR_INVALID_ARGUMENT,
} OclError;

typedef struct _OclContext OclContext;
typedef struct _OclModel OclModel;
typedef struct _OclNet OclNet;

/* Device selection.  @spec is "auto" (first GPU, else accelerator, else CPU),
 * "gpu", "cpu", "accelerator", "P:D" (platform and device index) or a
 * case-insensitive substring of the device name.  NULL or "" means the
 * environment variable OCLRESNET_DEVICE, else "auto".
 * Returns: (transfer full) a new context; free with ocl_context_unref(). */
OclContext *ocl_context_new (const char *spec, GError ** error);
OclContext *ocl_context_ref (OclContext * ctx);
void ocl_context_unref (OclContext * ctx);
/* Returns: (transfer none) e.g. "pthread-skylake-avx512 (Portable Computing Language)". */
const char *ocl_context_get_device_name (OclContext * ctx);

/* Returns: (transfer full) a human-readable list of every platform and device,
 * the one "auto" picks marked with '*'; NULL with @error set when there is none. */
char *ocl_devices_describe (GError ** error);

/* Reads the regular file @path whole, nul-terminated, as g_file_get_contents()
 * does, but never waits on it: a FIFO, a device, a socket or a directory is
 * refused at once with an error (OCL_ERROR_IO) naming @what ("labels file")
 * and @path.  For the files that come with a model. */
gboolean ocl_file_get_contents (const char *path, const char *what,
    char **contents, gsize * length, GError ** error);

/* Large weights are not copied: the file stays mapped while the model lives
 * and must not be truncated or rewritten in place meanwhile (replacing it
 * by a rename is fine).
 * Returns: (transfer full) the parsed model, or NULL. Free with ocl_model_free(). */
OclModel *ocl_model_load (const char *path, GError ** error);
void ocl_model_free (OclModel * model);
/* The declared input shape (NCHW); dimensions the file leaves symbolic are -1. */
void ocl_model_get_input_shape (const OclModel * model, gint64 shape[4]);
/* Returns: (transfer none) (nullable) the value of a metadata_props entry. */
const char *ocl_model_get_metadata (const OclModel * model, const char *key);
/* Returns: (transfer none) the file name the model was loaded from. */
const char *ocl_model_get_path (const OclModel * model);
/* Whether the file's input is N x H x W x C, behind a Transpose to NCHW
 * (TF and Keras conversions).  Shapes given to and returned by this API
 * stay NCHW (ocl_model_get_input_shape() too); ocl_net_run() then takes
 * the tensor as the file declares it, N x H x W x C. */
gboolean ocl_model_input_is_nhwc (const OclModel * model);
/* Whether the graph's input and first output are float16 tensors (fp16
 * files; OclOutputInfo says it of each output).  The net runs in float32
 * either way and takes and returns float32. */
void ocl_model_get_half_io (const OclModel * model, gboolean * input,
    gboolean * output);

/* Compiles @model for input @shape (NCHW; batch and spatial size may differ
 * from the declared ones when the graph allows it).  The net does not
 * refer to @model afterwards: the model may be freed first.
 * Returns: (transfer full) the net, or NULL. Free with ocl_net_free(). */
OclNet *ocl_net_new (OclContext * ctx, const OclModel * model,
    const gint64 shape[4], GError ** error);
void ocl_net_free (OclNet * net);

/* What computes a graph output last, which says what its values are. */
typedef enum {
  OCL_OUTPUT_LAST_OTHER,        /* scores, features: anything */
  OCL_OUTPUT_LAST_SOFTMAX,      /* probabilities over its classes */
  OCL_OUTPUT_LAST_SIGMOID,      /* independent probabilities */
} OclOutputLast;

/* One of a net's outputs (a model may have several: heads).  The outputs
 * of one batch entry are contiguous in what a run returns, in the file's
 * order: output i of entry b starts at b × ocl_net_get_output_size() /
 * batch + @offset, as an NCHW tensor of @size floats. */
typedef struct {
  const char *name;             /* (transfer none) the graph output's name */
  int ndim;                     /* 2 (N × C), 3 (N × C × L) or 4 */
  gint64 dims[4];               /* NCHW (rank 3: N × C × L × 1); dims[0] the batch */
  gsize size;                   /* floats per batch entry */
  gsize offset;                 /* floats from the start of an entry's outputs */
  gboolean half;                /* the file declares it float16 */
  OclOutputLast last;
} OclOutputInfo;

/* Graph outputs (at most OCL_MAX_OUTPUTS; more is refused at load). */
#define OCL_MAX_OUTPUTS 64
guint ocl_net_get_n_outputs (const OclNet * net);
/* @i < ocl_net_get_n_outputs (). */
void ocl_net_get_output (const OclNet * net, guint i, OclOutputInfo * info);
/* The first output's shape: @ndim is 2 (N × classes), 3 or 4. */
void ocl_net_get_output_shape (const OclNet * net, int *ndim, gint64 dims[4]);
gsize ocl_net_get_input_size (const OclNet * net);      /* in floats */
/* Floats of every output of every batch entry. */
gsize ocl_net_get_output_size (const OclNet * net);

/* Runs one inference.  @input: (array) N×C×H×W float32, C order;
 * @output: (out caller-allocates) ocl_net_get_output_size() floats, each
 * batch entry's outputs together (see OclOutputInfo). */
gboolean ocl_net_run (OclNet * net, const float *input, float *output,
    GError ** error);

/* Per-layer timing with OpenCL event profiling (off by default; it costs a
 * little).  Enable before ocl_net_run(). */
void ocl_net_set_profiling (OclNet * net, gboolean enable);

typedef struct {
  const char *name;             /* (transfer none) fused layer, e.g. "conv3x3/s1+res+relu" */
  const char *node;             /* (transfer none) the ONNX node it starts from */
  double flops;                 /* 2 × multiply-adds */
  double ms;                    /* of the last profiled run; 0 when not profiled */
} OclLayerInfo;

guint ocl_net_get_n_layers (const OclNet * net);
void ocl_net_get_layer (const OclNet * net, guint i, OclLayerInfo * info);

/* A layer whose kernel this load chose by measuring (OCLRESNET_TUNE, on by
 * default): every kernel the layer can run on the device, its time, and
 * the pick; or the pick alone, found in the tuning cache. */
typedef struct {
  const char *node;             /* (transfer none) the ONNX node */
  const char *layer;            /* (transfer none) what was measured */
  guint n_candidates;
  const char *const *candidates;        /* (transfer none) the kernels */
  const double *ms;             /* each one's median time over the rounds
                                 * (< 0: does not fit the device); all 0
                                 * when cached */
  guint pick;
  gboolean cached;              /* the pick came from the tuning cache */
} OclTunedLayer;

guint ocl_net_get_n_tuned (const OclNet * net);
void ocl_net_get_tuned (const OclNet * net, guint i, OclTunedLayer * out);
guint64 ocl_net_get_n_params (const OclNet * net);
guint64 ocl_net_get_macs (const OclNet * net);
/* Bytes of device memory the net allocated (weights + activations). */
guint64 ocl_net_get_device_bytes (const OclNet * net, guint64 * weight_bytes);

/* ---- images: colour conversion, resize and normalisation on the device ---- */

typedef enum {
  OCL_PIXEL_RGB,                /* packed 24-bit R, G, B */
  OCL_PIXEL_BGR,
  OCL_PIXEL_RGBX,               /* 32-bit R, G, B, x (RGBx and RGBA) */
  OCL_PIXEL_BGRX,               /* BGRx, BGRA */
  OCL_PIXEL_XRGB,               /* xRGB, ARGB */
  OCL_PIXEL_XBGR,               /* xBGR, ABGR */
  OCL_PIXEL_I420,               /* planar Y, U, V; chroma halved both ways */
  OCL_PIXEL_NV12,               /* planar Y, interleaved UV; chroma halved */
  OCL_PIXEL_GRAY8,
} OclPixelFormat;

typedef enum {
  OCL_YUV_BT601,
  OCL_YUV_BT709,
  OCL_YUV_BT2020,
} OclYuvMatrix;

/* One frame in host memory.  @data and @stride per plane (1 to 3 planes);
 * @size: bytes readable from each plane's @data. */
typedef struct {
  OclPixelFormat format;
  int width, height;
  const guint8 *data[3];
  int stride[3];
  gsize size[3];
  OclYuvMatrix matrix;          /* YUV formats only */
  gboolean full_range;          /* YUV formats: 0-255 instead of 16-235/240 */
} OclImage;

typedef struct {
  int x, y, width, height;
} OclRect;

typedef enum {
  OCL_RESIZE_STRETCH,           /* scale the region to the input size */
  OCL_RESIZE_CENTER_CROP,       /* crop the region's centre to the input's aspect, scale */
  OCL_RESIZE_LETTERBOX,         /* scale to fit, keep aspect; borders are the mean colour */
} OclResizeMode;

/* Tensor channel c (after ordering) = (pixel / 255 - mean[c]) / std[c]. */
typedef struct {
  OclResizeMode resize;
  float mean[3];
  float std[3];
  gboolean bgr;                 /* channel 0 is blue */
} OclPreprocess;

/* Maximum images (regions) one run takes: the batch the net was compiled for. */
int ocl_net_get_batch (const OclNet * net);
/* The input shape the net was compiled for (NCHW). */
void ocl_net_get_input_shape (const OclNet * net, gint64 shape[4]);
/* TRUE when the first output's last op is a Softmax (probabilities). */
gboolean ocl_net_output_is_probability (const OclNet * net);

/* Classifies @n_rects regions of @image (NULL: the whole image once), each
 * converted, resized and normalised on the device into one batch entry.
 * Area averaging where a region shrinks (no aliasing), bilinear where it
 * grows.  Regions are clipped to the image; @n_rects <= ocl_net_get_batch().
 * @output: (out caller-allocates) @n_rects × ocl_net_get_output_size () /
 * batch floats: each region's outputs together. */
gboolean ocl_net_run_image (OclNet * net, const OclImage * image,
    const OclRect * rects, int n_rects, const OclPreprocess * pp,
    float *output, GError ** error);

/* One image's share of a batch: @n_rects regions of @image (@rects NULL:
 * the whole image once), each preprocessed with @pp. */
typedef struct {
  const OclImage *image;
  const OclRect *rects;
  int n_rects;
  const OclPreprocess *pp;
} OclImageEntry;

/* ocl_net_run_image() for several images in one run (frames of several
 * streams, each with its own preprocessing): their regions fill
 * consecutive batch entries, in order, at most ocl_net_get_batch() in all.
 * @output: (out caller-allocates) one output per region, in that order.
 * The images' memory must stay valid until the call returns. */
gboolean ocl_net_run_images (OclNet * net, const OclImageEntry * entries,
    int n_entries, float *output, GError ** error);

/* .npy files (format 1.0-3.0, little-endian float32 or float16, C order;
 * float16 is widened to float32).
 * Returns: (transfer full) the data (g_free); @shape gets up to 8 dims. */
float *ocl_npy_load (const char *path, int *ndim, gint64 shape[8],
    GError ** error);
gboolean ocl_npy_save (const char *path, const float *data, int ndim,
    const gint64 * shape, GError ** error);
/* As ocl_npy_save(), in float16 (round to nearest even) when @half. */
gboolean ocl_npy_save_as (const char *path, const float *data, int ndim,
    const gint64 * shape, gboolean half, GError ** error);

G_END_DECLS
