#!/bin/sh
# The public APIs as an application meets them: install into a staging
# directory, then
#  - build examples/print-top1.c with nothing but the installed header and
#    `pkg-config oclresnet-1.0`, and run it on the installed plugin;
#  - build examples/classify-npy.c (the README's executor example) with
#    `pkg-config oclresnet-executor-1.0`, run it on a fixture, and compare
#    its top class with PyTorch's; check that the library exports exactly
#    the functions of oclresnet.h;
#  - run examples/read-meta.py through the installed typelib.
# usage: test-install.sh BUILD_DIR SOURCE_DIR MODEL LABELS FIXTURE_PREFIX PYTHON
set -eu
BUILD=$1
SRC=$2
MODEL=$3
LABELS=$4
FIXTURE=$5
PYTHON=$6
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

meson install -C "$BUILD" --destdir "$STAGE" --quiet >/dev/null
PC=$(find "$STAGE" -name oclresnet-1.0.pc | head -n 1)
LIBDIR=$(dirname "$(find "$STAGE" -name 'liboclresnet-1.0.so' | head -n 1)")
PLUGIN=$(dirname "$(find "$STAGE" -name 'libgstoclresnet.so' | head -n 1)")
# The installed plugin carries no path of the build tree.
if strings "$PLUGIN/libgstoclresnet.so" | grep -qF "$(cd "$BUILD" && pwd)"; then
  echo "the installed plugin refers to the build tree:"
  strings "$PLUGIN/libgstoclresnet.so" | grep -F "$(cd "$BUILD" && pwd)"
  exit 1
fi
# The staged .pc file, its prefix pointed at the staging directory.
mkdir -p "$STAGE/pc"
PREFIX=$(sed -n 's/^prefix=//p' "$PC")
sed "s|^prefix=.*|prefix=$STAGE$PREFIX|" "$PC" >"$STAGE/pc/oclresnet-1.0.pc"
export PKG_CONFIG_PATH="$STAGE/pc"
# shellcheck disable=SC2046
cc -Wall -Werror -o "$STAGE/print-top1" "$SRC/examples/print-top1.c" \
  $(pkg-config --cflags --libs oclresnet-1.0)
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" GST_PLUGIN_PATH="$PLUGIN" \
  GST_REGISTRY="$STAGE/registry.bin" "$STAGE/print-top1" "videotestsrc num-buffers=3 ! video/x-raw,width=64,height=48 ! resnetclassify model=$MODEL labels=$LABELS ! appsink name=sink sync=false" \
  >"$STAGE/out.txt"
cat "$STAGE/out.txt"
test "$(grep -c '(class [0-9])' "$STAGE/out.txt")" -eq 3

# The executor, without GStreamer.
PC=$(find "$STAGE" -name oclresnet-executor-1.0.pc | head -n 1)
sed "s|^prefix=.*|prefix=$STAGE$PREFIX|" "$PC" >"$STAGE/pc/oclresnet-executor-1.0.pc"
# shellcheck disable=SC2046
cc -Wall -Werror -o "$STAGE/classify-npy" "$SRC/examples/classify-npy.c" \
  $(pkg-config --cflags --libs oclresnet-executor-1.0)
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$STAGE/classify-npy" "$FIXTURE.onnx" \
  "$FIXTURE.input.npy" >"$STAGE/npy.txt"
cat "$STAGE/npy.txt"
EXPECTED=$("$PYTHON" -c 'import numpy, sys; o = numpy.load(sys.argv[1]); print(" ".join(str(int(k)) for k in o.reshape(o.shape[0], -1).argmax(1)))' "$FIXTURE.output.npy")
GOT=$(sed -n 's/^image [0-9]*: class \([0-9]*\).*/\1/p' "$STAGE/npy.txt" | tr '\n' ' ' | sed 's/ $//')
test "$GOT" = "$EXPECTED" || { echo "classify-npy: classes '$GOT', PyTorch '$EXPECTED'"; exit 1; }
EXPORTED=$(nm -D --defined-only "$LIBDIR/liboclresnet-executor-1.0.so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort)
DECLARED=$(grep -o '^[A-Za-z].*[ *]ocl_[a-z0-9_]* (' "$SRC/ocl/oclresnet.h" | grep -o 'ocl_[a-z0-9_]*' | sort -u)
test "$EXPORTED" = "$DECLARED" || {
  echo "exported functions:" $EXPORTED
  echo "declared in oclresnet.h:" $DECLARED
  exit 1
}

# Python, through the installed typelib (when introspection was built).
TYPELIB=$(find "$STAGE" -name GstClassification-1.0.typelib | head -n 1)
if [ -n "$TYPELIB" ]; then
  GI_TYPELIB_PATH="$(dirname "$TYPELIB")${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}" LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    GST_PLUGIN_PATH="$PLUGIN" GST_REGISTRY="$STAGE/registry.bin" \
    "$PYTHON" "$SRC/examples/read-meta.py" --model "$MODEL" --labels "$LABELS" \
    --frames 2 >"$STAGE/py.txt"
  cat "$STAGE/py.txt"
  test "$(grep -c '^frame [01] roi -1 fresh' "$STAGE/py.txt")" -eq 2
  echo "4 passed, 0 failed"
else
  echo "3 passed, 0 failed (no typelib: introspection not built)"
fi
