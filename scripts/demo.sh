#!/bin/sh
# The demo, in two parts, with the model it uses (CIFAR-10 ResNet-56)
# introduced first:
#   1. CIFAR-10 test images as a slideshow, one class a second, through
#      resnetclassify: the accuracy of every second and overall.
#   2. ../shared/data/video/car-detection.mp4 through
#      decode ! resnetclassify ! classificationoverlay ! x264 ! mp4,
#      the top label of every second, how often it changed with and
#      without smoothing; the annotated video and a PNG snapshot go to
#      build/demo/.
# Run scripts/setup.sh first (the README's demo command does).
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
export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

cat <<EOT
The demo's model is a CIFAR-10 ResNet-56. It knows ten classes (airplane,
automobile, bird, cat, deer, dog, frog, horse, ship, truck) and learnt them
from 32x32 thumbnails, each of one object filling the picture. Part 1 shows
it such pictures; part 2 shows it a road seen from high above, which is
nothing it was taught: squeezed to 32x32, that texture looks most like fur
to it, so expect "cat" for much of the video. A model trained on your own
scenes is what gives answers there (README, "Models").

Part 1: CIFAR-10 test images, 10 a second, one class a second
EOT
if [ -d "$DATA/cifar10-test" ]; then
  build/examples/classify-slideshow "$MODEL" "$DATA/cifar10-test" 3
else
  echo "  (skipped: $DATA/cifar10-test is missing)"
fi
echo
echo "Part 2: the car video"
build/examples/classify-video "$VIDEO" "$MODEL" \
  "$OUT/car-detection-annotated.mp4" "$OUT/snapshot.png" automobile,truck
