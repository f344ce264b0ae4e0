/* Files a model names: the model itself, its external data, the labels
 * and thresholds a plugin reads beside it.  Each is untrusted: it may be a
 * FIFO that blocks an open() or read() forever, a device that never ends,
 * a directory, or a symbolic link out of the model's folder. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "ocl-private.h"

static const char *
file_kind (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a FIFO";
  if (S_ISCHR (mode) || S_ISBLK (mode))
    return "a device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a regular file";
}

/* Opens @path for reading without waiting on it (O_NONBLOCK: opening a
 * FIFO with no writer returns at once) and refuses anything but a regular
 * file.  @what names the file in the message ("model", "labels file").
 * Returns: the descriptor, or -1 with @error set. */
static int
open_regular (const char *path, const char *what, GError ** error)
{
  struct stat st;
  int fd;

  fd = g_open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0 || fstat (fd, &st) != 0) {
    int e = errno;
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot read %s '%s': %s",
        what, path, g_strerror (e));
    if (fd >= 0)
      close (fd);
    return -1;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot read %s '%s': it "
        "is %s, not a regular file", what, path, file_kind (st.st_mode));
    close (fd);
    return -1;
  }
  return fd;
}

GMappedFile *
ocl_file_map (const char *path, const char *what, GError ** error)
{
  GMappedFile *file;
  GError *err = NULL;
  int fd = open_regular (path, what, error);

  if (fd < 0)
    return NULL;
  file = g_mapped_file_new_from_fd (fd, FALSE, &err);
  close (fd);
  if (file == NULL) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot read %s '%s': %s",
        what, path, err->message);
    g_error_free (err);
  }
  return file;
}

gboolean
ocl_file_get_contents (const char *path, const char *what, char **contents,
    gsize * length, GError ** error)
{
  g_autoptr (GMappedFile) file = ocl_file_map (path, what, error);
  gsize len;

  if (file == NULL)
    return FALSE;
  len = g_mapped_file_get_length (file);
  *contents = g_malloc (len + 1);
  if (len > 0)
    memcpy (*contents, g_mapped_file_get_contents (file), len);
  (*contents)[len] = '\0';
  if (length)
    *length = len;
  return TRUE;
}

char *
ocl_file_resolve_inside (const char *dir, const char *real_dir,
    const char *location, const char *what, GError ** error)
{
  g_autofree char *path = g_build_filename (dir, location, NULL);
  char *real = realpath (path, NULL);
  gsize n = strlen (real_dir);

  if (real == NULL) {
    int e = errno;
    g_set_error (error, OCL_ERROR, OCL_ERROR_IO, "cannot read %s '%s': %s",
        what, path, g_strerror (e));
    return NULL;
  }
  /* Inside: the folder itself followed by a separator ("/" alone is every
   * file's folder). */
  if (strncmp (real, real_dir, n) != 0
      || (real[n] != '/' && !(n == 1 && real_dir[0] == '/'))) {
    g_set_error (error, OCL_ERROR, OCL_ERROR_PARSE, "%s '%s' resolves to "
        "'%s', outside the model's folder '%s' (through a symbolic link)",
        what, location, real, real_dir);
    free (real);
    return NULL;
  }
  {
    char *r = g_strdup (real);
    free (real);
    return r;
  }
}
