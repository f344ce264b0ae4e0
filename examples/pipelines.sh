#!/bin/sh
# Working gst-launch-1.0 lines for resnetclassify.  Run from the repository
# root after ./scripts/setup.sh; MODEL defaults to the test fixture, LABELS
# to the CIFAR-10 labels.  Usage: examples/pipelines.sh {test|file|camera}
set -eu
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$PWD/build/gst}"
MODEL=${MODEL:-build/tests/fixtures/cifar_resnet20_optA.onnx}
LABELS=${LABELS:-models/cifar10-labels.txt}
VIDEO=${VIDEO:-../shared/data/video/car-detection.mp4}

case "${1:-test}" in
  test)
    # A test pattern; one bus message per frame (-m prints them).
    gst-launch-1.0 -m videotestsrc num-buffers=10 ! \
      video/x-raw,width=640,height=480 ! \
      resnetclassify model="$MODEL" labels="$LABELS" post-messages=every ! \
      fakesink
    ;;
  file)
    # A video file, decoded; classification messages when the class changes.
    gst-launch-1.0 -m filesrc location="$VIDEO" ! qtdemux ! h264parse ! \
      avdec_h264 ! resnetclassify model="$MODEL" labels="$LABELS" \
      post-messages=on-change ! fakesink
    ;;
  camera)
    # A V4L2 camera, live; inference every 2nd frame, shown on screen.
    gst-launch-1.0 -m v4l2src ! videoconvert ! \
      resnetclassify model="$MODEL" labels="$LABELS" inference-interval=2 \
      post-messages=on-change ! videoconvert ! autovideosink
    ;;
  *)
    echo "usage: $0 {test|file|camera}" >&2
    exit 2
    ;;
esac
