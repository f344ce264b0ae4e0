/* Device discovery and selection, the shared OpenCL context, and the
 * context's tuning record: every device-dependent policy in one place. */
#include <stdio.h>
#include <string.h>
#include "ocl-private.h"

GQuark
ocl_error_quark (void)
{
  return g_quark_from_static_string ("ocl-error-quark");
}

const char *
ocl_cl_error_string (cl_int err)
{
  switch (err) {
#define E(x) case x: return #x
      E (CL_SUCCESS);
      E (CL_DEVICE_NOT_FOUND);
      E (CL_DEVICE_NOT_AVAILABLE);
      E (CL_COMPILER_NOT_AVAILABLE);
      E (CL_MEM_OBJECT_ALLOCATION_FAILURE);
      E (CL_OUT_OF_RESOURCES);
      E (CL_OUT_OF_HOST_MEMORY);
      E (CL_PROFILING_INFO_NOT_AVAILABLE);
      E (CL_BUILD_PROGRAM_FAILURE);
      E (CL_INVALID_VALUE);
      E (CL_INVALID_PLATFORM);
      E (CL_INVALID_DEVICE);
      E (CL_INVALID_CONTEXT);
      E (CL_INVALID_COMMAND_QUEUE);
      E (CL_INVALID_MEM_OBJECT);
      E (CL_INVALID_BINARY);
      E (CL_INVALID_BUILD_OPTIONS);
      E (CL_INVALID_PROGRAM);
      E (CL_INVALID_PROGRAM_EXECUTABLE);
      E (CL_INVALID_KERNEL_NAME);
      E (CL_INVALID_KERNEL);
      E (CL_INVALID_ARG_INDEX);
      E (CL_INVALID_ARG_VALUE);
      E (CL_INVALID_ARG_SIZE);
      E (CL_INVALID_KERNEL_ARGS);
      E (CL_INVALID_WORK_DIMENSION);
      E (CL_INVALID_WORK_GROUP_SIZE);
      E (CL_INVALID_WORK_ITEM_SIZE);
      E (CL_INVALID_GLOBAL_OFFSET);
      E (CL_INVALID_EVENT);
      E (CL_INVALID_BUFFER_SIZE);
      E (CL_INVALID_GLOBAL_WORK_SIZE);
      E (CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
#undef E
    case -1001:
      return "CL_PLATFORM_NOT_FOUND_KHR (no OpenCL driver installed)";
    default:
      return "unknown OpenCL error";
  }
}

void
ocl_error_make_one_line (GError ** error)
{
  char *clean;

  if (error == NULL || *error == NULL)
    return;
  clean = g_utf8_make_valid ((*error)->message, -1);
  for (char *p = clean; *p; p++)
    if ((guchar) * p < 0x20 || *p == 0x7f)
      *p = '?';
  g_free ((*error)->message);
  (*error)->message = clean;
}

gboolean
ocl_set_cl_error (GError ** error, cl_int err, const char *what)
{
  g_set_error (error, OCL_ERROR, OCL_ERROR_DEVICE, "%s failed: %s (%d)", what,
      ocl_cl_error_string (err), err);
  return FALSE;
}

static char *
device_string (cl_device_id dev, cl_device_info param)
{
  size_t size = 0;
  char *s;

  if (clGetDeviceInfo (dev, param, 0, NULL, &size) != CL_SUCCESS || size == 0)
    return g_strdup ("?");
  s = g_malloc0 (size + 1);
  if (clGetDeviceInfo (dev, param, size, s, NULL) != CL_SUCCESS)
    s[0] = '\0';
  return g_strstrip (s);
}

static char *
platform_string (cl_platform_id p, cl_platform_info param)
{
  size_t size = 0;
  char *s;

  if (clGetPlatformInfo (p, param, 0, NULL, &size) != CL_SUCCESS || size == 0)
    return g_strdup ("?");
  s = g_malloc0 (size + 1);
  if (clGetPlatformInfo (p, param, size, s, NULL) != CL_SUCCESS)
    s[0] = '\0';
  return g_strstrip (s);
}

typedef struct
{
  cl_platform_id platform;
  cl_device_id device;
  cl_device_type type;
  guint pi, di;
} DeviceEntry;

/* Lists every device of every platform, in platform then device order. */
static GArray *
enumerate_devices (GError ** error)
{
  cl_uint n_platforms = 0;
  cl_platform_id *platforms;
  GArray *out;
  cl_int err;

  err = clGetPlatformIDs (0, NULL, &n_platforms);
  if (err != CL_SUCCESS || n_platforms == 0) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_NO_DEVICE,
        "no OpenCL platform found (%s): install an OpenCL driver such as "
        "pocl-opencl-icd, and check /etc/OpenCL/vendors",
        err == CL_SUCCESS ? "0 platforms" : ocl_cl_error_string (err));
    return NULL;
  }
  platforms = g_new0 (cl_platform_id, n_platforms);
  clGetPlatformIDs (n_platforms, platforms, NULL);
  out = g_array_new (FALSE, TRUE, sizeof (DeviceEntry));
  for (guint p = 0; p < n_platforms; p++) {
    cl_uint n_devices = 0;
    cl_device_id *devices;

    if (clGetDeviceIDs (platforms[p], CL_DEVICE_TYPE_ALL, 0, NULL,
            &n_devices) != CL_SUCCESS || n_devices == 0)
      continue;
    devices = g_new0 (cl_device_id, n_devices);
    clGetDeviceIDs (platforms[p], CL_DEVICE_TYPE_ALL, n_devices, devices, NULL);
    for (guint d = 0; d < n_devices; d++) {
      DeviceEntry e = { platforms[p], devices[d], 0, p, d };
      clGetDeviceInfo (devices[d], CL_DEVICE_TYPE, sizeof (e.type), &e.type,
          NULL);
      g_array_append_val (out, e);
    }
    g_free (devices);
  }
  g_free (platforms);
  if (out->len == 0) {
    g_array_unref (out);
    g_set_error (error, OCL_ERROR, OCL_ERROR_NO_DEVICE,
        "OpenCL platforms found, but no device on any of them");
    return NULL;
  }
  return out;
}

static int
pick_by_type (GArray * devs, cl_device_type type)
{
  for (guint i = 0; i < devs->len; i++)
    if (g_array_index (devs, DeviceEntry, i).type & type)
      return i;
  return -1;
}

/* Returns the index in @devs that @spec selects, or -1 with @error set. */
static int
pick_device (GArray * devs, const char *spec, GError ** error)
{
  guint p, d;
  char tail;

  if (g_ascii_strcasecmp (spec, "auto") == 0) {
    int i = pick_by_type (devs, CL_DEVICE_TYPE_GPU);
    if (i < 0)
      i = pick_by_type (devs, CL_DEVICE_TYPE_ACCELERATOR);
    if (i < 0)
      i = pick_by_type (devs, CL_DEVICE_TYPE_CPU);
    return i < 0 ? 0 : i;
  }
  if (g_ascii_strcasecmp (spec, "gpu") == 0 ||
      g_ascii_strcasecmp (spec, "cpu") == 0 ||
      g_ascii_strcasecmp (spec, "accelerator") == 0) {
    cl_device_type t = spec[0] == 'g' || spec[0] == 'G' ? CL_DEVICE_TYPE_GPU :
        spec[0] == 'c' || spec[0] == 'C' ? CL_DEVICE_TYPE_CPU :
        CL_DEVICE_TYPE_ACCELERATOR;
    int i = pick_by_type (devs, t);
    if (i < 0)
      g_set_error (error, OCL_ERROR, OCL_ERROR_NO_DEVICE,
          "no OpenCL device of type '%s' (see 'oclresnet devices')", spec);
    return i;
  }
  if (sscanf (spec, "%u:%u%c", &p, &d, &tail) == 2) {
    for (guint i = 0; i < devs->len; i++) {
      DeviceEntry *e = &g_array_index (devs, DeviceEntry, i);
      if (e->pi == p && e->di == d)
        return i;
    }
    g_set_error (error, OCL_ERROR, OCL_ERROR_NO_DEVICE,
        "no OpenCL device %u:%u (see 'oclresnet devices')", p, d);
    return -1;
  }
  for (guint i = 0; i < devs->len; i++) {
    DeviceEntry *e = &g_array_index (devs, DeviceEntry, i);
    g_autofree char *name = device_string (e->device, CL_DEVICE_NAME);
    g_autofree char *lname = g_ascii_strdown (name, -1);
    g_autofree char *lspec = g_ascii_strdown (spec, -1);
    if (strstr (lname, lspec))
      return i;
  }
  g_set_error (error, OCL_ERROR, OCL_ERROR_NO_DEVICE,
      "no OpenCL device matches '%s' (expected auto, gpu, cpu, accelerator, "
      "P:D or part of a device name; see 'oclresnet devices')", spec);
  return -1;
}

static const char *
resolve_spec (const char *spec)
{
  if (spec == NULL || spec[0] == '\0')
    spec = g_getenv ("OCLRESNET_DEVICE");
  if (spec == NULL || spec[0] == '\0')
    spec = "auto";
  return spec;
}

char *
ocl_devices_describe (GError ** error)
{
  GArray *devs = enumerate_devices (error);
  GString *s;
  int chosen;

  if (devs == NULL)
    return NULL;
  chosen = pick_device (devs, "auto", NULL);
  s = g_string_new (NULL);
  for (guint i = 0; i < devs->len; i++) {
    DeviceEntry *e = &g_array_index (devs, DeviceEntry, i);
    g_autofree char *pname = platform_string (e->platform, CL_PLATFORM_NAME);
    g_autofree char *name = device_string (e->device, CL_DEVICE_NAME);
    g_autofree char *ver = device_string (e->device, CL_DEVICE_VERSION);
    g_autofree char *drv = device_string (e->device, CL_DRIVER_VERSION);
    cl_uint cus = 0;
    cl_ulong mem = 0;

    clGetDeviceInfo (e->device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof (cus),
        &cus, NULL);
    clGetDeviceInfo (e->device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof (mem), &mem,
        NULL);
    g_string_append_printf (s,
        "%c %u:%u  %-4s %s\n      platform: %s; %s; driver %s; %u compute units; %"
        G_GUINT64_FORMAT " MiB\n", (int) i == chosen ? '*' : ' ', e->pi, e->di,
        e->type & CL_DEVICE_TYPE_GPU ? "gpu" : e->type & CL_DEVICE_TYPE_CPU ?
        "cpu" : "acc", name, pname, ver, drv, cus, (guint64) (mem >> 20));
  }
  g_string_append (s, "(* = the device 'auto' picks)\n");
  g_array_unref (devs);
  return g_string_free (s, FALSE);
}

static int
env_int (const char *name, int def)
{
  const char *v = g_getenv (name);
  gint64 x;

  if (v == NULL || v[0] == '\0'
      || !g_ascii_string_to_signed (v, 10, 0, G_MAXINT, &x, NULL))
    return def;
  return (int) x;
}

static void
tuning_init (OclTuning * t, cl_device_id dev, cl_device_type type)
{
  const char *tile = g_getenv ("OCLRESNET_CONV_TILE");
  size_t max_wg = 0;
  cl_bool unified = CL_FALSE;
  cl_ulong max_alloc = 0;
  int side, mb;

  t->cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
  {
    char vendor[64] = "";
    if (clGetDeviceInfo (dev, CL_DEVICE_VENDOR, sizeof (vendor) - 1, vendor,
            NULL) != CL_SUCCESS)
      vendor[0] = '\0';
    t->stream_pays = t->cpu && strstr (vendor, "AMD") == NULL;
  }
  if (clGetDeviceInfo (dev, CL_DEVICE_MAX_COMPUTE_UNITS,
          sizeof (t->compute_units), &t->compute_units, NULL) != CL_SUCCESS)
    t->compute_units = 1;
  clGetDeviceInfo (dev, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof (unified),
      &unified, NULL);
  /* A CPU device is this host's CPU: 32 vector registers with AVX-512
   * (of whatever width the device's compiler uses) or on AArch64, 16 with
   * AVX2 or SSE. */
  if (t->cpu && clGetDeviceInfo (dev, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT,
          sizeof (t->lanes), &t->lanes, NULL) == CL_SUCCESS && t->lanes >= 4
      && t->lanes <= 16) {
#if defined (__x86_64__) || defined (__i386__)
    const guint regs = __builtin_cpu_supports ("avx512f") ? 32 : 16;
#else
    const guint regs = 32;
#endif
    t->reg_floats = t->lanes * regs;
  } else {
    t->lanes = t->reg_floats = 0;
  }
  t->unified_memory = unified;

  t->winograd = env_int ("OCLRESNET_WINOGRAD", -1);
  t->conv_stream = env_int ("OCLRESNET_CONV_STREAM", -1);
  if (t->winograd != 4 && t->winograd > 1)
    t->winograd = 1;

  /* GPUs run the tiled kernel: 16x16 work-groups, or 8x8 where a device
   * takes fewer than 256 work-items per group. */
  clGetDeviceInfo (dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof (max_wg),
      &max_wg, NULL);
  side = env_int ("OCLRESNET_CONV_TILED", t->cpu ? 0 : 1);
  t->tiled_forced = side == 8 || side == 16;
  if (side == 1)
    side = max_wg >= 256 ? 16 : max_wg >= 64 ? 8 : 0;
  t->tiled_side = side == 0 || side == 8 || side == 16 ? side : 0;
  t->max_work_group = max_wg ? max_wg : 1;
  for (int d = 0; d < 3; d++)
    t->max_work_item[d] = 1;
  {
    cl_uint dims = 0;
    size_t sizes[16];
    clGetDeviceInfo (dev, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, sizeof (dims),
        &dims, NULL);
    if (dims >= 3 && dims <= G_N_ELEMENTS (sizes)
        && clGetDeviceInfo (dev, CL_DEVICE_MAX_WORK_ITEM_SIZES,
            dims * sizeof (size_t), sizes, NULL) == CL_SUCCESS)
      for (int d = 0; d < 3; d++)
        t->max_work_item[d] = MAX (sizes[d], 1);
  }
  {
    cl_ulong local = 0;
    clGetDeviceInfo (dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof (local), &local,
        NULL);
    t->local_mem = local;
  }

  if (tile == NULL || sscanf (tile, "%dx%dx%d", &t->force_px, &t->force_nb,
          &t->force_bpi) < 2)
    t->force_px = t->force_nb = t->force_bpi = 0;

  clGetDeviceInfo (dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof (max_alloc),
      &max_alloc, NULL);
  t->max_alloc = max_alloc ? max_alloc : G_MAXUINT64;
  mb = env_int ("OCLRESNET_MAX_ALLOC_MB", 0);
  if (mb > 0)
    t->max_alloc = MIN (t->max_alloc, (guint64) mb << 20);
  t->tune = CLAMP (env_int ("OCLRESNET_TUNE", 1), 0, 2);
  t->tune_budget_ms = env_int ("OCLRESNET_TUNE_BUDGET_MS", 60000);
  {
    cl_ulong mem = 0;
    clGetDeviceInfo (dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof (mem), &mem, NULL);
    t->tune_mem = mem ? mem / 4 : G_MAXUINT64;
  }
}

static void
program_release (gpointer p)
{
  clReleaseProgram (p);
}

OclContext *
ocl_context_new (const char *spec, GError ** error)
{
  GArray *devs;
  DeviceEntry e;
  OclContext *ctx;
  cl_context_properties props[3];
  cl_int err;
  int i;

  spec = resolve_spec (spec);
  devs = enumerate_devices (error);
  if (devs == NULL)
    return NULL;
  i = pick_device (devs, spec, error);
  if (i < 0) {
    g_array_unref (devs);
    return NULL;
  }
  e = g_array_index (devs, DeviceEntry, i);
  g_array_unref (devs);

  props[0] = CL_CONTEXT_PLATFORM;
  props[1] = (cl_context_properties) e.platform;
  props[2] = 0;
  ctx = g_new0 (OclContext, 1);
  ctx->refcount = 1;
  ctx->platform = e.platform;
  ctx->device = e.device;
  ctx->type = e.type;
  tuning_init (&ctx->tuning, e.device, e.type);
  ctx->context = clCreateContext (props, 1, &e.device, NULL, NULL, &err);
  if (ctx->context == NULL) {
    ocl_set_cl_error (error, err, "clCreateContext");
    g_free (ctx);
    return NULL;
  }
  {
    g_autofree char *name = device_string (e.device, CL_DEVICE_NAME);
    g_autofree char *pname = platform_string (e.platform, CL_PLATFORM_NAME);
    g_autofree char *pver = platform_string (e.platform, CL_PLATFORM_VERSION);
    g_autofree char *dver = device_string (e.device, CL_DEVICE_VERSION);
    g_autofree char *drv = device_string (e.device, CL_DRIVER_VERSION);
    ctx->name = g_strdup_printf ("%s (%s)", name, pname);
    ctx->cache_tag = g_strdup_printf ("%s|%s|%s|%s|%s", name, pname, pver,
        dver, drv);
  }
  g_mutex_init (&ctx->lock);
  ctx->programs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      program_release);
  return ctx;
}

OclContext *
ocl_context_ref (OclContext * ctx)
{
  g_atomic_int_inc (&ctx->refcount);
  return ctx;
}

void
ocl_context_unref (OclContext * ctx)
{
  if (ctx == NULL || !g_atomic_int_dec_and_test (&ctx->refcount))
    return;
  g_hash_table_unref (ctx->programs);
  g_mutex_clear (&ctx->lock);
  clReleaseContext (ctx->context);
  g_free (ctx->name);
  g_free (ctx->cache_tag);
  g_clear_pointer (&ctx->tuned, g_hash_table_unref);
  g_free (ctx->tune_path);
  g_free (ctx);
}

const char *
ocl_context_get_device_name (OclContext * ctx)
{
  return ctx->name;
}
