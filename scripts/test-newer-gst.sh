#!/bin/sh
# Builds and tests the project against a GStreamer >= 1.24 installed under
# PREFIX (core, plugins-base and plugins-bad's analytics library: from the
# user's distribution, or a prefix they built), in build-gst-VERSION/ beside
# the system's build/.  The element suites, the analytics suite and Python
# run there; elements that the prefix lacks (qtdemux, x264enc, jpegdec...)
# come from the system's plugins.  The project does not build GStreamer.
#
#   scripts/test-newer-gst.sh PREFIX            set up, build, run the suites
#   scripts/test-newer-gst.sh PREFIX TEST...    those meson tests
#
# scripts/test.sh calls it with $OCLRESNET_GST_PREFIX when that is set.
set -eu
cd "$(dirname "$0")/.."
prefix=$(cd "${1:?usage: $0 PREFIX [TEST...]}" && pwd)
shift
arch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
libs="$prefix/lib:$prefix/lib/$arch:$prefix/lib64"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/$arch/pkgconfig:$prefix/lib64/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GI_TYPELIB_PATH="$prefix/lib/girepository-1.0:$prefix/lib/$arch/girepository-1.0${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}"
export GST_PLUGIN_SYSTEM_PATH="$prefix/lib/gstreamer-1.0:$prefix/lib/$arch/gstreamer-1.0:/usr/lib/$arch/gstreamer-1.0"
export PATH="$prefix/bin:$PATH"

version=$(pkg-config --modversion gstreamer-1.0)
if ! pkg-config --atleast-version=1.24 gstreamer-analytics-1.0; then
  echo "test-newer-gst: $prefix has GStreamer $version without" \
    "gstreamer-analytics-1.0 >= 1.24" >&2
  exit 1
fi
dir=build-gst-$version
if [ -f "$dir/build.ninja" ]; then
  meson setup --reconfigure "$dir" -Danalytics=enabled -Dquick_fixtures=true
else
  meson setup "$dir" -Danalytics=enabled -Dquick_fixtures=true
fi
ninja -C "$dir"
echo "test-newer-gst: GStreamer $version from $prefix"
if [ $# -gt 0 ]; then
  exec meson test -C "$dir" --print-errorlogs --num-processes 1 "$@"
fi
exec meson test -C "$dir" --print-errorlogs --num-processes 1 \
  --suite unit --suite gst
