"""onnxruntime's outputs of MODEL on IN.npy, for tests run by a Python that
has no onnxruntime (the system's, with GStreamer's bindings): writes
OUT_DIR/names.json (the output names, in order) and OUT_DIR/<i>.npy.

usage: ort-outputs.py MODEL IN.npy OUT_DIR   (run with .venv/bin/python)"""
import json
import os
import sys

import numpy as np
import onnxruntime as ort

model, xin, out = sys.argv[1:4]
opts = ort.SessionOptions()
opts.log_severity_level = 3
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
values = sess.run(None, {sess.get_inputs()[0].name: np.load(xin)})
for i, v in enumerate(values):
    np.save(os.path.join(out, "%d.npy" % i), v)
with open(os.path.join(out, "names.json"), "w") as f:
    json.dump([o.name for o in sess.get_outputs()], f)
