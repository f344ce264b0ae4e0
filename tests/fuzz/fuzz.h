/* What the fuzz targets share. */
#pragma once

#include <stdlib.h>
#include "ref/ref.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);

/* Device buffers capped at 64 MiB (OCLRESNET_MAX_ALLOC_MB), so that a
 * model may not make one input take seconds; the kernel cache on. */
static inline void
ocl_fuzz_setup_env (void)
{
  g_setenv ("OCLRESNET_MAX_ALLOC_MB", "64", FALSE);
}

/* A failure must come with a message: one line, not empty. */
static inline void
ocl_fuzz_expect_error (GError * error)
{
  if (error == NULL || error->message == NULL || error->message[0] == '\0'
      || strchr (error->message, '\n') != NULL) {
    fprintf (stderr, "failure without a one-line message: '%s'\n",
        error && error->message ? error->message : "(none)");
    abort ();
  }
  g_error_free (error);
}
