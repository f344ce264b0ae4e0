/* Building the embedded kernel sources, with an on-disk binary cache.
 *
 * Key: SHA-256 of the device/driver/platform versions, the file name, the
 * build options and the source text.  Binaries live in
 * $XDG_CACHE_HOME/oclresnet (GLib falls back to ~/.cache).  The cache is an
 * optimisation only: any failure to read or write it is ignored.  Set
 * OCLRESNET_NO_CACHE=1 to bypass it (to measure cold starts). */
#include <string.h>
#include <glib/gstdio.h>
#include "ocl-private.h"
#include "ocl-kernels.h"

#define BASE_OPTIONS "-cl-std=CL1.2 -cl-mad-enable"

static const char *
kernel_source (const char *file)
{
  if (strcmp (file, "conv") == 0)
    return ocl_kernel_source_conv;
  if (strcmp (file, "misc") == 0)
    return ocl_kernel_source_misc;
  if (strcmp (file, "preprocess") == 0)
    return ocl_kernel_source_preprocess;
  return NULL;
}

static char *
cache_path (OclContext * ctx, const char *file, const char *options,
    const char *source)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *name = NULL;

  g_checksum_update (sum, (const guchar *) ctx->cache_tag, -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) file, -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) options, -1);
  g_checksum_update (sum, (const guchar *) "\n", 1);
  g_checksum_update (sum, (const guchar *) source, -1);
  name = g_strdup_printf ("%s-%s.bin", file, g_checksum_get_string (sum));
  return g_build_filename (g_get_user_cache_dir (), "oclresnet", name, NULL);
}

static gboolean
cache_enabled (void)
{
  const char *v = g_getenv ("OCLRESNET_NO_CACHE");
  return v == NULL || v[0] == '\0' || strcmp (v, "0") == 0;
}

static cl_program
load_cached (OclContext * ctx, const char *path, const char *options)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  const unsigned char *bin;
  cl_int status, err;
  cl_program prog;

  if (!g_file_get_contents (path, &data, &len, NULL) || len == 0)
    return NULL;
  bin = (const unsigned char *) data;
  prog = clCreateProgramWithBinary (ctx->context, 1, &ctx->device, &len, &bin,
      &status, &err);
  if (prog == NULL)
    return NULL;
  if (status != CL_SUCCESS
      || clBuildProgram (prog, 1, &ctx->device, options, NULL,
          NULL) != CL_SUCCESS) {
    clReleaseProgram (prog);
    return NULL;
  }
  return prog;
}

static void
store_cached (OclContext * ctx, cl_program prog, const char *path)
{
  size_t size = 0;
  unsigned char *bin;
  g_autofree char *dir = g_path_get_dirname (path);

  if (clGetProgramInfo (prog, CL_PROGRAM_BINARY_SIZES, sizeof (size), &size,
          NULL) != CL_SUCCESS || size == 0)
    return;
  bin = g_malloc (size);
  if (clGetProgramInfo (prog, CL_PROGRAM_BINARIES, sizeof (bin), &bin,
          NULL) == CL_SUCCESS && g_mkdir_with_parents (dir, 0755) == 0)
    g_file_set_contents (path, (const char *) bin, size, NULL);
  g_free (bin);
}

static char *
build_log (OclContext * ctx, cl_program prog)
{
  size_t size = 0;
  char *log;

  if (clGetProgramBuildInfo (prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL,
          &size) != CL_SUCCESS || size == 0)
    return g_strdup ("(no build log)");
  log = g_malloc0 (size + 1);
  clGetProgramBuildInfo (prog, ctx->device, CL_PROGRAM_BUILD_LOG, size, log,
      NULL);
  return g_strstrip (log);
}

static cl_program
build_from_source (OclContext * ctx, const char *file, const char *source,
    const char *options, GError ** error)
{
  cl_int err;
  cl_program prog;

  prog = clCreateProgramWithSource (ctx->context, 1, &source, NULL, &err);
  if (prog == NULL) {
    ocl_set_cl_error (error, err, "clCreateProgramWithSource");
    return NULL;
  }
  err = clBuildProgram (prog, 1, &ctx->device, options, NULL, NULL);
  if (err != CL_SUCCESS) {
    g_autofree char *log = build_log (ctx, prog);
    g_set_error (error, OCL_ERROR, OCL_ERROR_BUILD,
        "building kernels '%s.cl' with options '%s' failed (%s):\n%s", file,
        options, ocl_cl_error_string (err), log);
    clReleaseProgram (prog);
    return NULL;
  }
  return prog;
}

cl_program
ocl_context_get_program (OclContext * ctx, const char *file,
    const char *options, GError ** error)
{
  g_autofree char *full = g_strdup_printf ("%s %s", BASE_OPTIONS, options);
  g_autofree char *key = g_strdup_printf ("%s|%s", file, full);
  const char *source = kernel_source (file);
  cl_program prog;

  if (source == NULL) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "no embedded kernel file '%s'", file);
    return NULL;
  }

  g_mutex_lock (&ctx->lock);
  prog = g_hash_table_lookup (ctx->programs, key);
  if (prog == NULL) {
    g_autofree char *path = cache_path (ctx, file, full, source);
    gboolean use_cache = cache_enabled ();

    if (use_cache)
      prog = load_cached (ctx, path, full);
    if (prog == NULL) {
      prog = build_from_source (ctx, file, source, full, error);
      if (prog != NULL && use_cache) {
        /* Run the binary later starts will load, not the source build:
         * drivers key what they generate at the first launch (PoCL: a
         * work-group function per kernel) by the program, so the second
         * start would redo it (ResNet-50 on PoCL: 2 s). */
        cl_program bin;
        store_cached (ctx, prog, path);
        if ((bin = load_cached (ctx, path, full)) != NULL) {
          clReleaseProgram (prog);
          prog = bin;
        }
      }
    }
    if (prog != NULL)
      g_hash_table_insert (ctx->programs, g_steal_pointer (&key), prog);
  }
  g_mutex_unlock (&ctx->lock);
  return prog;
}

cl_program
ocl_context_build_program (OclContext * ctx, const char *file,
    const char *options, GError ** error)
{
  g_autofree char *full = g_strdup_printf ("%s %s", BASE_OPTIONS, options);
  const char *source = kernel_source (file);

  if (source == NULL) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_INVALID_ARGUMENT,
        "no embedded kernel file '%s'", file);
    return NULL;
  }
  return build_from_source (ctx, file, source, full, error);
}
