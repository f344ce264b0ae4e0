/* Reading and writing NumPy .npy files: float32, little-endian, C order,
 * format versions 1.0, 2.0 and 3.0. */
#include <string.h>
#include "ocl-private.h"

static gboolean
npy_error (GError ** error, const char *path, const char *what)
{
  g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "'%s' is not a usable .npy "
      "file: %s", path, what);
  ocl_error_make_one_line (error);
  return FALSE;
}

/* Finds the value text after 'key': in a header dict. */
static const char *
header_value (const char *h, const char *key)
{
  g_autofree char *pat = g_strdup_printf ("'%s'", key);
  const char *p = strstr (h, pat);

  if (p == NULL)
    return NULL;
  p = strchr (p + strlen (pat), ':');
  if (p == NULL)
    return NULL;
  p++;
  while (*p == ' ')
    p++;
  return p;
}

float *
ocl_npy_load (const char *path, int *ndim, gint64 shape[8], GError ** error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  GError *err = NULL;

  if (!g_file_get_contents (path, &data, &len, &err)) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot read '%s': %s", path,
        err->message);
    g_error_free (err);
    return NULL;
  }
  return ocl_npy_parse (data, len, path, ndim, shape, error);
}

float *
ocl_npy_parse (const char *data, gsize len, const char *path, int *ndim,
    gint64 shape[8], GError ** error)
{
  g_autofree char *header = NULL;
  gsize hlen, off, count = 1, es = sizeof (float);
  const char *v;
  int major;

  if (len < 10 || memcmp (data, "\x93NUMPY", 6) != 0) {
    npy_error (error, path, "no NUMPY magic");
    return NULL;
  }
  major = (guint8) data[6];
  if (major == 1) {
    hlen = (guint8) data[8] | ((guint8) data[9] << 8);
    off = 10;
  } else if (major == 2 || major == 3) {
    if (len < 12) {
      npy_error (error, path, "truncated header");
      return NULL;
    }
    hlen = (guint8) data[8] | ((guint8) data[9] << 8) |
        ((gsize) (guint8) data[10] << 16) | ((gsize) (guint8) data[11] << 24);
    off = 12;
  } else {
    npy_error (error, path, "unknown format version (1.0 to 3.0 are read)");
    return NULL;
  }
  if (hlen > len - off) {
    npy_error (error, path, "truncated header");
    return NULL;
  }
  header = g_strndup (data + off, hlen);
  off += hlen;

  v = header_value (header, "descr");
  if (v && (g_str_has_prefix (v, "'<f2'") || g_str_has_prefix (v, "'float16'")))
    es = 2;
  else if (v == NULL || !(g_str_has_prefix (v, "'<f4'")
          || g_str_has_prefix (v, "'float32'"))) {
    const char *end = v && *v == '\'' ? strchr (v + 1, '\'') : NULL;
    g_autofree char *msg = g_strdup_printf ("dtype %.*s is not supported; "
        "save little-endian float32 or float16 (numpy: a.astype('<f4'))",
        end ? (int) (end - v + 1) : 6, v ? v : "(none)");
    npy_error (error, path, msg);
    return NULL;
  }
  v = header_value (header, "fortran_order");
  if (v == NULL || !g_str_has_prefix (v, "False")) {
    npy_error (error, path, "Fortran order is not supported (use "
        "numpy.ascontiguousarray)");
    return NULL;
  }
  v = header_value (header, "shape");
  if (v == NULL || *v != '(') {
    npy_error (error, path, "no shape in the header");
    return NULL;
  }
  v++;
  *ndim = 0;
  while (*v && *v != ')') {
    char *end;
    gint64 d;
    while (*v == ' ' || *v == ',')
      v++;
    if (*v == ')')
      break;
    d = g_ascii_strtoll (v, &end, 10);
    if (end == v || d < 0 || *ndim >= 8
        || !g_size_checked_mul (&count, count, (gsize) d)
        || count > G_MAXSIZE / sizeof (float)) {
      npy_error (error, path, "bad shape in the header (negative, more "
          "than 8 dimensions, or too large)");
      return NULL;
    }
    shape[(*ndim)++] = d;
    v = end;
  }
  /* The data must be exactly there: nothing is allocated by the header's
   * word alone. */
  if (len - off != count * es) {
    g_autofree char *msg = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes of "
        "data, the shape needs %" G_GSIZE_FORMAT, len - off, count * es);
    npy_error (error, path, msg);
    return NULL;
  }
  {
    /* float16 widens to float32. */
    float *out = g_new (float, MAX (count, 1));
    if (es == 2)
      for (gsize i = 0; i < count; i++) {
        guint16 h;
        memcpy (&h, data + off + 2 * i, 2);
        out[i] = ocl_half_to_float (h);
    } else
      memcpy (out, data + off, count * sizeof (float));
    return out;
  }
}

gboolean
ocl_npy_save (const char *path, const float *data, int ndim,
    const gint64 * shape, GError ** error)
{
  return ocl_npy_save_as (path, data, ndim, shape, FALSE, error);
}

gboolean
ocl_npy_save_as (const char *path, const float *data, int ndim,
    const gint64 * shape, gboolean half, GError ** error)
{
  GString *h = g_string_new (half ? "{'descr': '<f2', 'fortran_order': "
      "False, 'shape': (" : "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (");
  GString *file;
  gsize count = 1;
  GError *err = NULL;
  gboolean ok;

  for (int i = 0; i < ndim; i++) {
    g_string_append_printf (h, "%" G_GINT64_FORMAT "%s", shape[i],
        ndim == 1 || i < ndim - 1 ? ", " : "");
    count *= (gsize) shape[i];
  }
  g_string_append (h, "), }");
  /* Pad with spaces so that magic + length + header is a multiple of 64. */
  while ((10 + h->len + 1) % 64)
    g_string_append_c (h, ' ');
  g_string_append_c (h, '\n');

  file = g_string_new_len ("\x93NUMPY\x01\x00", 8);
  g_string_append_c (file, (char) (h->len & 0xff));
  g_string_append_c (file, (char) (h->len >> 8));
  g_string_append_len (file, h->str, h->len);
  if (half)
    for (gsize i = 0; i < count; i++) {
      guint16 b = ocl_float_to_half (data[i]);
      g_string_append_len (file, (const char *) &b, 2);
  } else
    g_string_append_len (file, (const char *) data, count * sizeof (float));
  ok = g_file_set_contents (path, file->str, file->len, &err);
  if (!ok) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot write '%s': %s", path,
        err->message);
    g_error_free (err);
  }
  g_string_free (h, TRUE);
  g_string_free (file, TRUE);
  return ok;
}
