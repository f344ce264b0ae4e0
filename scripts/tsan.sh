#!/bin/sh
# ThreadSanitizer over sharing, batching, model swaps and restarts, caps
# changes and publishing: the element suites in a build with
# -Db_sanitize=thread, against a GLib built with TSan too (without it,
# GLib's own locks are invisible to TSan, and every buffer handed between
# threads reads as a race).  Any report with a frame in gst/ or ocl/ fails
# the run; reports wholly inside other libraries (GStreamer core, which is
# not instrumented, and libdirect at exit) are counted and listed, not
# failed.
#
#   scripts/tsan.sh [SUITE...]     (default: sharing resnetclassify publish)
#
# Once: GLib 2.74 from Debian's source package into build-tsan/glib (apt
# fetches the source through a private sources list; about a minute to
# build); then the project into build-tsan/.  The run then takes about 20 s
# here (2026-12-02: 0 reports with a frame in gst/ or ocl/; 21 inside
# GStreamer core and libdirect).  Needs the fixtures of build/
# (scripts/test.sh makes them).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/build-tsan
GLIB=$OUT/glib
mkdir -p "$OUT"

if [ ! -f "$GLIB/prefix/.done" ]; then
  mkdir -p "$GLIB/parts" "$GLIB/lists/partial"
  cat >"$GLIB/parts/src.sources" <<EOT
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
  APT="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$GLIB/parts
    -o Dir::State::Lists=$GLIB/lists"
  # shellcheck disable=SC2086
  (cd "$GLIB" && apt-get $APT update -q >/dev/null &&
    apt-get $APT source --download-only -q glib2.0 >/dev/null)
  (cd "$GLIB" && rm -rf src && mkdir src &&
    tar -C src --strip-components=1 -xf glib2.0_*.orig.tar.xz)
  meson setup "$GLIB/build" "$GLIB/src" --prefix="$GLIB/prefix" \
    -Db_sanitize=thread -Dbuildtype=debugoptimized -Dtests=false -Dman=false \
    -Dgtk_doc=false -Dinstalled_tests=false -Dnls=disabled \
    -Dlibmount=disabled -Dselinux=disabled >/dev/null
  ninja -C "$GLIB/build" install >/dev/null
  touch "$GLIB/prefix/.done"
fi
if [ ! -f "$OUT/build/build.ninja" ]; then
  meson setup "$OUT/build" -Db_sanitize=thread -Dbuildtype=debugoptimized \
    -Dintrospection=disabled -Dquick_fixtures=true >/dev/null
fi
ninja -C "$OUT/build" gst/libgstoclresnet.so tests/test-sharing \
  tests/test-resnetclassify tests/test-publish >/dev/null

FIX=$ROOT/build/tests/fixtures
[ -f "$FIX/fixtures.stamp" ] || {
  echo "tsan.sh: no fixtures in $FIX: run scripts/test.sh first" >&2
  exit 1
}
export LD_LIBRARY_PATH="$(dirname "$(find "$GLIB/prefix" -name 'libglib-2.0.so.0' | head -n 1)")"
export GST_PLUGIN_PATH="$OUT/build/gst" GST_REGISTRY="$OUT/registry.bin"
export GST_REGISTRY_FORK=no
export OCLRESNET_TEST_MODEL="$FIX/cifar_resnet20_optA.onnx"
export OCLRESNET_TEST_LABELS="$ROOT/models/cifar10-labels.txt"
export OCLRESNET_FIXTURES="$FIX" OCLRESNET_FUZZ_MODELS="$ROOT/tests/fuzz/regressions/model"
export OCLRESNET_PUBLISH_OUT="$OUT/publish-out" OCLRESNET_DEVICE=auto
export OCLRESNET_PYTHON=/usr/bin/python3
export OCLRESNET_VALIDATOR="$ROOT/tests/python/validate-json.py"
export OCLRESNET_SCHEMA="$ROOT/schemas/classificationpublish.schema.json"
export CK_FORK=no G_SLICE=always-malloc CK_DEFAULT_TIMEOUT=1200
export TSAN_OPTIONS="halt_on_error=0 exitcode=0 report_signal_unsafe=0 second_deadlock_stack=1"
[ -f /etc/OpenCL/vendors/pocl.icd ] && export OCL_ICD_VENDORS=/etc/OpenCL/vendors/pocl.icd

status=0
for suite in ${*:-sharing resnetclassify publish}; do
  log=$OUT/tsan-$suite.log
  "$OUT/build/tests/test-$suite" >"$log" 2>&1 || {
    echo "$suite: the tests failed under TSan; the end of $log:"
    tail -n 30 "$log"
    status=1
  }
  # One report per block between ==================; ours if any frame is
  # in the project's sources.
  # (Meson compiles with paths relative to the build folder: ../../gst/...)
  awk -v root="$ROOT" '
    /^WARNING: ThreadSanitizer/ { n++; ours = 0; head = $0 }
    /^ +#[0-9]+ / && ($0 ~ / (\.\.\/)+(gst|ocl)\// || index($0, " " root "/gst/") ||
        index($0, " " root "/ocl/")) { ours = 1 }
    /^SUMMARY: ThreadSanitizer/ { if (ours) { mine++; print "  ours: " head; print "  " $0 } }
    END { printf "%s: %d reports, %d with a frame in gst/ or ocl/\n", suite, n, mine; exit mine > 0 }
  ' suite="$suite" "$log" || status=1
done
exit $status
