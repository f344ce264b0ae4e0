#!/bin/sh
# The demo: runs ../shared/data/video/car-detection.mp4 through
#   decode ! resnetclassify (CIFAR-10 ResNet-56) ! classificationoverlay
#   ! x264 ! mp4
# printing the top label of every second of video, and saves the annotated
# video and a PNG snapshot under build/demo/.  Run scripts/setup.sh first
# (the README's demo command does).
set -eu
cd "$(dirname "$0")/.."
DATA=${OCLRESNET_DATA:-../shared/data}
VIDEO=$DATA/video/car-detection.mp4
MODEL=build/models/resnet56-cifar10.onnx
OUT=build/demo

if [ ! -f "$VIDEO" ] || [ ! -f "$MODEL" ]; then
  echo "demo: needs $VIDEO and $MODEL (converted by scripts/setup.sh from" >&2
  echo "      $DATA/cifar10-resnet; see README, 'Models')" >&2
  exit 1
fi
mkdir -p "$OUT"
GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}" \
  build/examples/classify-video "$VIDEO" "$MODEL" \
  "$OUT/car-detection-annotated.mp4" "$OUT/snapshot.png" automobile,truck
