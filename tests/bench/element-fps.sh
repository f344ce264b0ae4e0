#!/bin/sh
# Frame rate of resnetclassify on a 1920x1080 NV12 stream beside the rate
# `oclresnet bench` predicts for the same model (inference alone).  The
# frame is generated once and repeated by imagefreeze, so the source costs
# nothing; start-up (model load, kernel build) is cancelled out by timing a
# short and a long run.  usage: element-fps.sh MODEL.onnx [FRAMES]
set -eu
cd "$(dirname "$0")/../.."
MODEL=$1
N=${2:-100}
export GST_PLUGIN_PATH="$PWD/build/gst"
INPUT=$(build/ocl/oclresnet info "$MODEL" | sed -n 's/^input: *[?0-9]*x3x\([0-9]*\)x\([0-9]*\).*/1x3x\1x\2/p')
BENCH=$(build/ocl/oclresnet bench "$MODEL" --shape "$INPUT" --iterations 30 --json |
  sed 's/.*"median_ms": \([0-9.]*\).*/\1/')
run() {
  gst-launch-1.0 -q videotestsrc num-buffers=1 pattern=ball ! \
    video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1 ! \
    imagefreeze num-buffers="$1" ! resnetclassify model="$MODEL" ! \
    fakesink sync=false
}
T0=$(date +%s.%N)
run 10
T1=$(date +%s.%N)
run $((N + 10))
T2=$(date +%s.%N)
awk -v n="$N" -v t0="$T0" -v t1="$T1" -v t2="$T2" -v b="$BENCH" -v m="$MODEL" 'BEGIN {
  fps = n / ((t2 - t1) - (t1 - t0)); pred = 1000 / b;
  printf "%s: bench median %.2f ms -> %.1f fps predicted; 1080p NV12 through the element %.1f fps (%.0f %% of predicted, %.2f ms per frame)\n", m, b, pred, fps, 100 * fps / pred, 1000 / fps }'
