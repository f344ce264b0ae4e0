#!/bin/sh
# The oclresnet tool as a user meets it: run agrees with PyTorch on a
# fixture, numpy's .npy format versions 1.0/2.0/3.0 are read, and every bad
# input gives exit status != 0 with one line on stderr naming the problem
# (no crash: a signal would show as status > 128).
#
# Every model and .npy file in tests/fuzz/regressions/ goes through info and
# run: the hand-made malformed models must fail with status 1 and one line;
# inputs the fuzzer found (crash-*) must end in status 0 or 1, one line if 1.
#
# usage: test-cli.sh OCLRESNET FIXTURE_DIR PYTHON REGRESSION_DIR
set -u
TOOL=$1
FIX=$2
PY=$3
REG=$4
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

# expect_fail NAME PATTERN CMD...: non-zero (not a signal), one stderr line
# matching PATTERN.
expect_fail() {
  name=$1 pattern=$2
  shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  lines=$(wc -l <"$TMP/err")
  if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ "$lines" -eq 1 ] \
      && grep -q -- "$pattern" "$TMP/err"; then
    ok "$name: $(cat "$TMP/err")"
  else
    bad "$name: status $rc, $lines stderr lines: $(cat "$TMP/err")"
  fi
}

M=$FIX/cifar_resnet20_optA
"$TOOL" run "$M.onnx" --input "$M.input.npy" --output "$TMP/out.npy" \
    && "$PY" - "$TMP/out.npy" "$M.output.npy" <<'PYEOF' && ok "run agrees with PyTorch" || bad "run agrees with PyTorch"
import sys
import numpy as np
got, ref = np.load(sys.argv[1]), np.load(sys.argv[2])
assert got.dtype == np.float32 and got.shape == ref.shape, (got.dtype, got.shape)
assert np.abs(got - ref).max() <= 1e-4 * max(1.0, np.abs(ref).max())
assert (got.argmax(1) == ref.argmax(1)).all()
PYEOF

# Several outputs: info lists each; run writes DIR/<name>.npy, the name's
# other characters ('/', ':') as '_', each equal to PyTorch's.
H=$FIX/embedding_and_classes
"$TOOL" info "$H.onnx" >"$TMP/info.txt" \
    && grep -q "^output: *1x5 'probs', after Softmax" "$TMP/info.txt" \
    && grep -q "^output: *1x512 'feature/emb:0'$" "$TMP/info.txt" \
    && ok "info lists every output" || bad "info lists every output: $(grep output "$TMP/info.txt")"
"$TOOL" run "$H.onnx" --input "$H.input.npy" --output "$TMP/heads" \
    && "$PY" - "$TMP/heads" "$H.output.npy" <<'PYEOF' && ok "run writes one .npy an output" || bad "run writes one .npy an output"
import os
import sys
import numpy as np
assert sorted(os.listdir(sys.argv[1])) == ["feature_emb_0.npy", "probs.npy"], os.listdir(sys.argv[1])
probs = np.load(os.path.join(sys.argv[1], "probs.npy"))
emb = np.load(os.path.join(sys.argv[1], "feature_emb_0.npy"))
ref = np.load(sys.argv[2])
assert probs.shape == (2, 5) and emb.shape == (2, 512), (probs.shape, emb.shape)
assert np.abs(np.concatenate([probs, emb], 1) - ref).max() <= 1e-4 * max(1.0, np.abs(ref).max())
PYEOF
expect_fail "several outputs into a file" "cannot make directory" "$TOOL" run "$H.onnx" --input "$H.input.npy" --output "$TMP/info.txt"

# .npy format versions and layouts numpy writes.
"$PY" - "$M.input.npy" "$TMP" <<'PYEOF'
import sys
import numpy as np
from numpy.lib import format as npf
x = np.load(sys.argv[1])
for v in [(1, 0), (2, 0), (3, 0)]:
    with open("%s/in_v%d.npy" % (sys.argv[2], v[0]), "wb") as f:
        npf.write_array(f, x, version=v)
np.save(sys.argv[2] + "/in_f64.npy", x.astype(np.float64))
np.save(sys.argv[2] + "/in_be.npy", x.astype(">f4"))
np.save(sys.argv[2] + "/in_fortran.npy", np.asfortranarray(x[:, :, :, :]).T.copy().T)
np.save(sys.argv[2] + "/in_3d.npy", x[0])
PYEOF
for v in 1 2 3; do
  if "$TOOL" run "$M.onnx" --input "$TMP/in_v$v.npy" --output "$TMP/o$v.npy" \
      && cmp -s "$TMP/o$v.npy" "$TMP/out.npy"; then
    ok "npy format version $v.0"
  else
    bad "npy format version $v.0"
  fi
done

expect_fail "float64 input" "float32" "$TOOL" run "$M.onnx" --input "$TMP/in_f64.npy" --output "$TMP/x.npy"
expect_fail "big-endian input" "'>f4'" "$TOOL" run "$M.onnx" --input "$TMP/in_be.npy" --output "$TMP/x.npy"
expect_fail "fortran-order input" "Fortran" "$TOOL" run "$M.onnx" --input "$TMP/in_fortran.npy" --output "$TMP/x.npy"
expect_fail "3-D input" "N x C x H x W" "$TOOL" run "$M.onnx" --input "$TMP/in_3d.npy" --output "$TMP/x.npy"
printf 'junk' >"$TMP/junk.npy"
expect_fail "not an npy file" "NUMPY" "$TOOL" run "$M.onnx" --input "$TMP/junk.npy" --output "$TMP/x.npy"
expect_fail "missing input file" "cannot read" "$TOOL" run "$M.onnx" --input "$TMP/none.npy" --output "$TMP/x.npy"
expect_fail "missing model" "cannot read model" "$TOOL" run "$TMP/none.onnx" --input "$M.input.npy" --output "$TMP/x.npy"
head -c 1000 "$M.onnx" >"$TMP/trunc.onnx"
expect_fail "truncated model" "not an ONNX model" "$TOOL" run "$TMP/trunc.onnx" --input "$M.input.npy" --output "$TMP/x.npy"
expect_fail "unsupported op" "Erf" "$TOOL" info "$FIX/bad_erf.onnx"
expect_fail "uneven groups" "group=2 does not split" "$TOOL" info "$FIX/bad_group_split.onnx"
expect_fail "shape does not fit" "channels" "$TOOL" bench "$M.onnx" --shape 1x4x32x32
expect_fail "bad --shape" "NxCxHxW" "$TOOL" bench "$M.onnx" --shape 1x3x32
expect_fail "unwritable output" "cannot write" "$TOOL" run "$M.onnx" --input "$M.input.npy" --output /nonexistent/dir/x.npy
expect_fail "unknown device" "no OpenCL device matches" "$TOOL" info "$M.onnx" --device no-such-device
expect_fail "unknown command" "unknown command" "$TOOL" frobnicate
mkdir -p "$TMP/empty-vendors"
expect_fail "no OpenCL device" "no OpenCL platform" env OCL_ICD_VENDORS="$TMP/empty-vendors" "$TOOL" run "$M.onnx" --input "$M.input.npy" --output "$TMP/x.npy"
expect_fail "no OpenCL device (devices)" "no OpenCL platform" env OCL_ICD_VENDORS="$TMP/empty-vendors" "$TOOL" devices

# Our cache directory not writable: everything still works.  (PoCL keeps
# its own cache under XDG_CACHE_HOME too and finds no device without it, so
# it gets a writable one of its own here.)
mkdir -p "$TMP/pocl-cache"
if XDG_CACHE_HOME=/proc/no-cache POCL_CACHE_DIR="$TMP/pocl-cache" "$TOOL" run "$M.onnx" --input "$M.input.npy" --output "$TMP/c.npy" \
    && cmp -s "$TMP/c.npy" "$TMP/out.npy"; then
  ok "unwritable kernel cache"
else
  bad "unwritable kernel cache"
fi

# bench --json is one JSON object with the documented fields.
"$TOOL" bench "$M.onnx" --iterations 3 --warmup 1 --profile --json >"$TMP/b.json" \
    && "$PY" - "$TMP/b.json" <<'PYEOF' && ok "bench --json" || bad "bench --json"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("model", "shape", "device", "iterations", "min_ms", "median_ms", "layers"):
    assert k in d, k
assert d["shape"] == [1, 3, 32, 32] and d["iterations"] == 3
assert d["min_ms"] <= d["median_ms"] and len(d["layers"]) > 10
PYEOF

"$TOOL" devices | grep -q '^\*' && ok "devices marks the auto pick" || bad "devices marks the auto pick"

# expect_clean NAME CMD...: status 0, or 1 with one stderr line; no signal.
expect_clean() {
  name=$1
  shift
  "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  lines=$(wc -l <"$TMP/err")
  if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ]; }; then
    ok "$name: status $rc"
  else
    bad "$name: status $rc, $lines stderr lines: $(head -c 300 "$TMP/err")"
  fi
}

for f in "$REG"/model/*; do
  n=$(basename "$f")
  case $n in
    crash-*|leak-*|timeout-*|oom-*)
      expect_clean "fuzzed model $n (info)" "$TOOL" info "$f"
      expect_clean "fuzzed model $n (run)" "$TOOL" run "$f" --input "$M.input.npy" --output "$TMP/x.npy" ;;
    *)
      expect_fail "malformed model $n (info)" "" "$TOOL" info "$f"
      expect_fail "malformed model $n (run)" "" "$TOOL" run "$f" --input "$M.input.npy" --output "$TMP/x.npy" ;;
  esac
done
for f in "$REG"/npy/*; do
  expect_clean "fuzzed .npy $(basename "$f")" "$TOOL" run "$M.onnx" --input "$f" --output "$TMP/x.npy"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
