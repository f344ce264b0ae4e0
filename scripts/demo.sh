#!/bin/sh
# The demo: exports a CIFAR-style ResNet-20 (random weights; the trained
# checkpoints arrive with the element issue), classifies a random image with
# oclresnet, compares with PyTorch, and benchmarks it.
set -eu
cd "$(dirname "$0")/.."
OUT=build/demo
mkdir -p "$OUT"
/usr/bin/python3 - "$OUT" <<'PYEOF'
import os, sys
sys.path.insert(0, "models")
import numpy as np, torch
from gen_test_models import CifarResNet, export
export(sys.argv[1], "resnet20", lambda: CifarResNet(3, "A"), (1, 3, 32, 32), 13, 2024)
PYEOF
echo
echo "== oclresnet devices"
build/ocl/oclresnet devices
echo "== oclresnet info"
build/ocl/oclresnet info "$OUT/resnet20.onnx" | head -12
echo "== oclresnet run"
build/ocl/oclresnet run "$OUT/resnet20.onnx" --input "$OUT/resnet20.input.npy" --output "$OUT/ours.npy"
/usr/bin/python3 - "$OUT" <<'PYEOF'
import sys
import numpy as np
d = sys.argv[1]
ours, ref = np.load(d + "/ours.npy"), np.load(d + "/resnet20.output.npy")
print("logits (oclresnet):", np.round(ours[0], 4))
print("logits (PyTorch):  ", np.round(ref[0], 4))
print("top-1 class %d (PyTorch %d), max |diff| %.2e" % (ours.argmax(), ref.argmax(), abs(ours - ref).max()))
PYEOF
echo "== oclresnet bench"
build/ocl/oclresnet bench "$OUT/resnet20.onnx" --iterations 50
