#!/bin/sh
# AddressSanitizer and UndefinedBehaviorSanitizer over the element suites
# and a long run of the hostile-input harness (random region metas, caps
# renegotiated every three frames): the attack that checked the plugin for
# memory errors under hostile region metas.  Any sanitizer report fails the
# run.  Leaks are left to the valgrind suites (PoCL's and GStreamer's own
# allocations would drown ours here).
#
#   scripts/asan.sh [FRAMES]    (hostile-input frames, default 3000)
#
# Builds build-asan/ once (a minute); the run takes about 30 s here with
# 3000 hostile frames (2026-12-02: all clean).
# Needs the fixtures of build/ (scripts/test.sh makes them).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build-asan
FRAMES=${1:-3000}
if [ ! -f "$OUT/build.ninja" ]; then
  meson setup "$OUT" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized -Dintrospection=disabled \
    -Dquick_fixtures=true >/dev/null
fi
ninja -C "$OUT" gst/libgstoclresnet.so tests/test-hostile-input \
  tests/test-resnetclassify tests/test-resnetclassify-stable \
  tests/test-sharing tests/test-publish >/dev/null

FIX=$ROOT/build/tests/fixtures
[ -f "$FIX/fixtures.stamp" ] || {
  echo "asan.sh: no fixtures in $FIX: run scripts/test.sh first" >&2
  exit 1
}
export GST_PLUGIN_PATH="$OUT/gst" GST_REGISTRY="$OUT/registry.bin"
export GST_REGISTRY_FORK=no CK_FORK=no G_SLICE=always-malloc
export CK_DEFAULT_TIMEOUT=1800 OCLRESNET_DEVICE=auto
export OCLRESNET_TEST_MODEL="$FIX/cifar_resnet20_optA.onnx"
export OCLRESNET_TEST_LABELS="$ROOT/models/cifar10-labels.txt"
export OCLRESNET_FIXTURES="$FIX" OCLRESNET_FUZZ_MODELS="$ROOT/tests/fuzz/regressions/model"
export OCLRESNET_PUBLISH_OUT="$OUT/publish-out" OCLRESNET_PYTHON=/usr/bin/python3
export OCLRESNET_VALIDATOR="$ROOT/tests/python/validate-json.py"
export OCLRESNET_SCHEMA="$ROOT/schemas/classificationpublish.schema.json"
export OCLRESNET_HOSTILE_FRAMES="$FRAMES"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
[ -f /etc/OpenCL/vendors/pocl.icd ] && export OCL_ICD_VENDORS=/etc/OpenCL/vendors/pocl.icd

status=0
for t in hostile-input resnetclassify resnetclassify-stable sharing publish; do
  log=$OUT/asan-$t.log
  start=$(date +%s)
  if "$OUT/tests/test-$t" >"$log" 2>&1 && ! grep -q "runtime error:\|ERROR: AddressSanitizer" "$log"; then
    echo "$t: clean ($(($(date +%s) - start)) s)"
  else
    echo "$t: failed or reported; the end of $log:"
    tail -n 40 "$log"
    status=1
  fi
done
exit $status
