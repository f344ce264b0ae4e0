/* Runs a fuzz target on files, without libFuzzer: how the test suite
 * replays tests/fuzz/regressions/ and the seed corpus on every build.
 * usage: fuzz-TARGET FILE-OR-DIR...  Exit status 0 when every input ran;
 * a crash or a sanitizer report ends the process as it would under the
 * fuzzer. */
#include <stdio.h>
#include "fuzz.h"

static int
run_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL)) {
    fprintf (stderr, "cannot read %s\n", path);
    return 1;
  }
  LLVMFuzzerTestOneInput ((const guint8 *) data, len);
  return 0;
}

int
main (int argc, char **argv)
{
  int failed = 0, passed = 0;

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++) {
    GDir *dir = g_dir_open (argv[i], 0, NULL);
    const char *name;
    if (dir == NULL) {
      failed += run_file (argv[i]);
      passed++;
      continue;
    }
    while ((name = g_dir_read_name (dir))) {
      g_autofree char *path = g_build_filename (argv[i], name, NULL);
      if (name[0] == '.' || g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      failed += run_file (path);
      passed++;
    }
    g_dir_close (dir);
  }
  printf ("%d passed, %d failed\n", passed - failed, failed);
  return failed ? 1 : 0;
}
