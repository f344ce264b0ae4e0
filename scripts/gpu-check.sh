#!/bin/sh
# The prepared check for a machine with a GPU (BENCHMARKS.md, "GPUs"):
# first the tests that exercise what GPUs run, on the GPU's own OpenCL
# platform, then the benchmarks there with the tiled kernel at 16 and 8.
# Expects a build in ./build (scripts/setup.sh, or one carried over) and
# the fixtures in build/tests/fixtures.  Prints one line per step and
# writes everything to $OUT (default build/gpu-check/).
#
# usage: scripts/gpu-check.sh [DEVICE]   (DEVICE: as OCLRESNET_DEVICE, default gpu)
set -u
cd "$(dirname "$0")/.."
DEV=${1:-gpu}
OUT=${OUT:-build/gpu-check}
FIX=build/tests/fixtures
TOOL=build/ocl/oclresnet
mkdir -p "$OUT"
export OCLRESNET_DEVICE="$DEV"
status=0

step() {
  name=$1
  shift
  start=$(date +%s)
  if "$@" >"$OUT/$name.log" 2>&1; then
    echo "ok   $name ($(($(date +%s) - start)) s)"
  else
    echo "FAIL $name ($(($(date +%s) - start)) s): $(tail -n 3 "$OUT/$name.log" | tr '\n' ' ')"
    status=1
  fi
}

step devices "$TOOL" devices
# Every kernel and model test on the GPU, the default tile and each forced.
for side in 1 16 8; do
  step "kernels-tiled$side" env OCLRESNET_CONV_TILED=$side build/tests/test-kernels
  step "models-tiled$side" env OCLRESNET_CONV_TILED=$side build/tests/test-models "$FIX"
done
# The benchmarks: batch 1 and 4, per-layer profile, each tiled side.
for side in 16 8; do
  for m in resnet18 resnet50; do
    for b in 1 4; do
      step "bench-$m-b$b-tiled$side" env OCLRESNET_CONV_TILED=$side \
        "$TOOL" bench "$FIX/$m.onnx" --shape "${b}x3x224x224" --iterations 50 --profile
    done
  done
  step "bench-cifar20-tiled$side" env OCLRESNET_CONV_TILED=$side \
    "$TOOL" bench "$FIX/cifar_resnet20_optA.onnx" --iterations 200
done
grep -h "median" "$OUT"/bench-*.log 2>/dev/null
exit $status
