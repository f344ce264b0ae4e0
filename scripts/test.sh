#!/bin/sh
# Runs every test: kernel reference tests, end-to-end against PyTorch (the
# fixtures are generated on first use), the command-line tool, the leak
# checks, the fuzz regressions, then a one-minute libFuzzer run of each
# fuzz target (OCLRESNET_FUZZ_SECONDS, 0 to skip).  Run scripts/setup.sh
# first (the README's test command does).
#
#   scripts/test.sh              everything (what CI runs)
#   scripts/test.sh --quick      the edit-test loop: the host, kernel and
#                                element tests (suites unit and gst), no
#                                valgrind, simulator, accuracy or fuzzing
#   scripts/test.sh TEST...      those meson tests
#
# With OCLRESNET_GST_PREFIX set to a GStreamer >= 1.24 installation, the
# full run also builds and tests against it (scripts/test-newer-gst.sh).
set -eu
cd "$(dirname "$0")/.."
if [ "${1:-}" = --quick ]; then
  shift
  exec meson test -C build --print-errorlogs --suite unit --suite gst "$@"
fi
meson test -C build --print-errorlogs --num-processes 1 "$@"
if [ $# -eq 0 ] && [ "${OCLRESNET_FUZZ_SECONDS:-60}" != 0 ]; then
  tests/fuzz/smoke.sh "${OCLRESNET_FUZZ_SECONDS:-60}"
fi
# The GstAnalytics side needs GStreamer >= 1.24, which Debian 12 lacks.
if [ $# -eq 0 ]; then
  if [ -n "${OCLRESNET_GST_PREFIX:-}" ]; then
    scripts/test-newer-gst.sh "$OCLRESNET_GST_PREFIX"
  else
    echo "GStreamer >= 1.24 build: skipped (set OCLRESNET_GST_PREFIX to an installation prefix to run it)"
  fi
fi
