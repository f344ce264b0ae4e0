#!/bin/sh
# Installs every Debian package that building, testing and the demo need,
# then configures and builds into ./build.  Idempotent; run as root (or with
# sudo available).  Set OCLRESNET_SKIP_APT=1 to skip the package step.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential pkg-config meson ninja-build
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  libcairo2-dev libpango1.0-dev
  python3-torch python3-torchvision python3-onnx python3-numpy
  valgrind clang libclang-rt-dev indent gstreamer1.0-opencv
  libjson-glib-dev libmosquitto-dev mosquitto mosquitto-clients openssl
  gobject-introspection libgirepository1.0-dev gir1.2-gstreamer-1.0
  python3-gi python3-gst-1.0 python3-jsonschema oclgrind python3-venv"

if [ "${OCLRESNET_SKIP_APT:-0}" != 1 ]; then
  SUDO=
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if ! dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -qv 'install ok installed' \
      && [ "$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | wc -l)" -eq "$(echo $PACKAGES | wc -w)" ]; then
    echo "setup: all Debian packages already installed"
  else
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $PACKAGES
  fi
fi

# onnxruntime, the answer the tests compare files against, and its
# quantizer (with a newer onnx) are not in Debian: a virtual environment of
# their own, with Pillow to decode the test images for it
# (OCLRESNET_SKIP_PIP=1 skips it; the tests that need it are then left
# out).
if [ "${OCLRESNET_SKIP_PIP:-0}" != 1 ] \
    && ! .venv/bin/python -c 'import onnxruntime, onnx, PIL' 2>/dev/null; then
  if ! { /usr/bin/python3 -m venv .venv \
      && .venv/bin/pip install -q --disable-pip-version-check onnxruntime onnx \
          numpy pillow; }; then
    echo "setup: onnxruntime could not be installed; the onnxruntime test is left out" >&2
    rm -rf .venv
  fi
fi

# Intel's OpenCL CPU runtime (PyPI), a second OpenCL implementation on the
# same cores, whose compiler vectorises across work-items as GPU compilers
# do: the kernel and model tests run on it too (suite 'intel').  Its ICD
# file names the library by path; its lib/ also holds an ICD loader of its
# own, so the tests see its libraries through a folder of links without it.
intel=.venv/intel-opencl
if [ "${OCLRESNET_SKIP_PIP:-0}" != 1 ] && [ -x .venv/bin/pip ] \
    && [ ! -f "$intel/vendors/intel.icd" ]; then
  if .venv/bin/pip install -q --disable-pip-version-check intel-opencl-rt \
      intel-cmplr-lib-rt tbb && [ -f .venv/lib/libintelocl.so ]; then
    mkdir -p "$intel/vendors" "$intel/lib"
    for f in "$PWD"/.venv/lib/*; do
      case "$(basename "$f")" in
        libOpenCL*) ;;
        *) [ -f "$f" ] && ln -sf "$f" "$intel/lib/" ;;
      esac
    done
    echo "$PWD/.venv/lib/libintelocl.so" >"$intel/vendors/intel.icd"
  else
    echo "setup: Intel's OpenCL runtime could not be installed; its tests are left out" >&2
  fi
fi

if [ -f build/build.ninja ]; then
  meson setup --reconfigure build
else
  meson setup build
fi
ninja -C build
