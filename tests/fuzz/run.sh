#!/bin/sh
# Runs one libFuzzer target for a while, in its own clang build
# (build-fuzz/, ASan + UBSan on the executor too).
#
# usage: tests/fuzz/run.sh TARGET SECONDS [libFuzzer option...]
#   TARGET: model, npy or preprocess
# New corpus entries go to build-fuzz/fuzz-work/TARGET/corpus, crashes to
# build-fuzz/fuzz-work/TARGET/crashes/ (copy each into
# tests/fuzz/regressions/TARGET/ once it is fixed: the test suite replays
# them).  Exit status non-zero when the fuzzer found something.
set -eu
cd "$(dirname "$0")/../.."
TARGET=$1
SECONDS_=$2
shift 2
BUILD=${FUZZ_BUILD:-build-fuzz}
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang meson setup "$BUILD" -Dfuzzing=enabled -Dbuildtype=debugoptimized \
    -Dquick_fixtures=true >/dev/null
fi
ninja -C "$BUILD" "tests/fuzz/fuzz-$TARGET-libfuzzer" tests/fuzz/corpus >/dev/null
WORK=$BUILD/fuzz-work/$TARGET
mkdir -p "$WORK/corpus" "$WORK/crashes"
DICT=
[ -f "tests/fuzz/$TARGET.dict" ] && DICT="-dict=tests/fuzz/$TARGET.dict"
# PoCL keeps its compiled kernels for the process's life: not leaks of ours.
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# PoCL only: other ICDs (Mesa's Rusticl and Clover) leak and read
# uninitialised memory inside clGetPlatformIDs, which would be reported as
# ours.  A machine without PoCL's .icd keeps the loader's own choice.
POCL_ICD=${OCLRESNET_POCL_ICD:-/etc/OpenCL/vendors/pocl.icd}
[ -f "$POCL_ICD" ] && export OCL_ICD_VENDORS="$POCL_ICD"
# shellcheck disable=SC2086
exec "$BUILD/tests/fuzz/fuzz-$TARGET-libfuzzer" -max_total_time="$SECONDS_" \
  -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 $DICT \
  -artifact_prefix="$WORK/crashes/" "$@" \
  "$WORK/corpus" "$BUILD/tests/fuzz/corpus/$TARGET" \
  "tests/fuzz/regressions/$TARGET"
