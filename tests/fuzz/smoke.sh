#!/bin/sh
# CI's short fuzzing: each libFuzzer target for SECONDS (default 60) from
# the seed corpus and the regression files.  The long runs are
# `tests/fuzz/run.sh TARGET 1800` (README, "Fuzzing").
set -eu
cd "$(dirname "$0")/../.."
SECS=${1:-60}
BUILD=${FUZZ_BUILD:-build-fuzz}
status=0
mkdir -p "$BUILD"
for t in model npy preprocess; do
  log=$BUILD/smoke-$t.log
  if tests/fuzz/run.sh "$t" "$SECS" >"$log" 2>&1; then
    echo "fuzz-$t: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") inputs in $SECS s, nothing found"
  else
    echo "fuzz-$t: the fuzzer found something; the end of $log:"
    tail -n 60 "$log"
    status=1
  fi
done
exit $status
