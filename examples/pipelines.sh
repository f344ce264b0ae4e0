#!/bin/sh
# Working gst-launch-1.0 lines for resnetclassify.  Run from the repository
# root after ./scripts/setup.sh; MODEL defaults to the CIFAR-10 ResNet-20,
# LABELS to the CIFAR-10 labels.  Usage: examples/pipelines.sh {test|file|camera|multi|mqtt}
set -eu
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$PWD/build/gst}"
# The trained CIFAR-10 ResNet-20 when setup.sh converted it, else the test
# fixture (random weights).
DEFAULT_MODEL=build/models/resnet20-cifar10.onnx
[ -f "$DEFAULT_MODEL" ] || DEFAULT_MODEL=build/tests/fixtures/cifar_resnet20_optA.onnx
MODEL=${MODEL:-$DEFAULT_MODEL}
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
  multi)
    # Four cameras, one model: the two sample videos and two test patterns
    # share one loaded net (model-instance-id), their frames batched four at
    # a time, each with its overlay, in a 2x2 mosaic.  On screen, or into
    # OUT=mosaic.mp4 (FRAMES test-pattern frames, default 300) when set.
    BOTTLES=${BOTTLES:-../shared/data/video/bottle-detection.mp4}
    SHARE="model=$MODEL labels=$LABELS model-instance-id=cameras batch-size=4 batch-timeout=40"
    CELL="videoconvert ! videoscale ! video/x-raw,width=640,height=360"
    if [ -n "${OUT:-}" ]; then
      SINK="videoconvert ! x264enc speed-preset=ultrafast ! mp4mux ! filesink location=$OUT"
    else
      SINK="videoconvert ! autovideosink"
    fi
    # shellcheck disable=SC2086
    gst-launch-1.0 -e compositor name=mix \
        sink_1::xpos=640 sink_2::ypos=360 sink_3::xpos=640 sink_3::ypos=360 ! \
        video/x-raw,width=1280,height=720 ! $SINK \
      filesrc location="$VIDEO" ! qtdemux ! h264parse ! avdec_h264 ! $CELL ! \
        resnetclassify $SHARE ! classificationoverlay ! mix.sink_0 \
      filesrc location="$BOTTLES" ! qtdemux ! h264parse ! avdec_h264 ! $CELL ! \
        resnetclassify $SHARE ! classificationoverlay ! mix.sink_1 \
      videotestsrc num-buffers="${FRAMES:-300}" pattern=ball ! $CELL ! \
        resnetclassify $SHARE ! classificationoverlay ! mix.sink_2 \
      videotestsrc num-buffers="${FRAMES:-300}" pattern=smpte ! $CELL ! \
        resnetclassify $SHARE ! classificationoverlay ! mix.sink_3
    ;;
  mqtt)
    # Two cameras of a fleet publishing to one broker: a mosquitto on the
    # loopback interface (PORT, default 1883), a subscriber printing every
    # message, and the sample video and a test pattern, each under its own
    # source name (topics oclresnet/gate-1 and oclresnet/gate-2).
    PORT=${PORT:-1883}
    MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    CONF=$(mktemp)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' \
      "$PORT" >"$CONF"
    [ "$(id -u)" = 0 ] && echo "user root" >>"$CONF"
    "$MOSQUITTO" -c "$CONF" &
    BROKER=$!
    sleep 0.5
    mosquitto_sub -p "$PORT" -t 'oclresnet/#' -v &
    SUB=$!
    trap 'kill $SUB $BROKER 2>/dev/null; rm -f "$CONF"' EXIT
    sleep 0.3
    PUBLISH="classificationpublish method=mqtt address=127.0.0.1:$PORT qos=1"
    gst-launch-1.0 \
      filesrc location="$VIDEO" ! qtdemux ! h264parse ! avdec_h264 ! \
        resnetclassify model="$MODEL" labels="$LABELS" smoothing-window=15 ! \
        $PUBLISH source=gate-1 publish=on-change ! fakesink \
      videotestsrc num-buffers="${FRAMES:-60}" ! video/x-raw,width=320,height=240 ! \
        resnetclassify model="$MODEL" labels="$LABELS" ! \
        $PUBLISH source=gate-2 ! fakesink
    sleep 0.5
    ;;
  *)
    echo "usage: $0 {test|file|camera|multi|mqtt}" >&2
    exit 2
    ;;
esac
