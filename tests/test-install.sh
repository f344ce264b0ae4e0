#!/bin/sh
# The public meta API as an application meets it: install into a staging
# directory, build examples/print-top1.c with nothing but the installed
# header and `pkg-config oclresnet-1.0`, and run it on the installed plugin.
# usage: test-install.sh BUILD_DIR SOURCE_DIR MODEL LABELS
set -eu
BUILD=$1
SRC=$2
MODEL=$3
LABELS=$4
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

meson install -C "$BUILD" --destdir "$STAGE" --quiet >/dev/null
PC=$(find "$STAGE" -name oclresnet-1.0.pc | head -n 1)
LIBDIR=$(dirname "$(find "$STAGE" -name 'liboclresnet-1.0.so' | head -n 1)")
PLUGIN=$(dirname "$(find "$STAGE" -name 'libgstoclresnet.so' | head -n 1)")
# The staged .pc file, its prefix pointed at the staging directory.
mkdir -p "$STAGE/pc"
PREFIX=$(sed -n 's/^prefix=//p' "$PC")
sed "s|^prefix=.*|prefix=$STAGE$PREFIX|" "$PC" >"$STAGE/pc/oclresnet-1.0.pc"
export PKG_CONFIG_PATH="$STAGE/pc"
# shellcheck disable=SC2046
cc -Wall -Werror -o "$STAGE/print-top1" "$SRC/examples/print-top1.c" \
  $(pkg-config --cflags --libs oclresnet-1.0)
LD_LIBRARY_PATH="$LIBDIR" GST_PLUGIN_PATH="$PLUGIN" \
  GST_REGISTRY="$STAGE/registry.bin" "$STAGE/print-top1" "videotestsrc num-buffers=3 ! video/x-raw,width=64,height=48 ! resnetclassify model=$MODEL labels=$LABELS ! appsink name=sink sync=false" \
  >"$STAGE/out.txt"
cat "$STAGE/out.txt"
test "$(grep -c '(class [0-9])' "$STAGE/out.txt")" -eq 3
echo "1 passed, 0 failed"
