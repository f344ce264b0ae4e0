"""Every fixture, run by oclresnet and by onnxruntime on the same file and
input: max|ours - ort| <= 1e-4 * max(1, max|ort|) and the same top-1 for
every image.  PyTorch's output is the reference elsewhere; this checks the
files themselves (the rewritten exporter and converter forms above all) are
what onnxruntime, the anchor, reads them as.

usage: compare-ort.py OCLRESNET FIXTURE_DIR
Exits 77 (skipped) without onnxruntime (scripts/setup.sh puts it in .venv).
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnxruntime as ort
except ImportError as e:
    print("skipped:", e)
    sys.exit(77)

tool, fixdir = sys.argv[1], sys.argv[2]
with open(os.path.join(fixdir, "fixtures.stamp")) as f:
    names = [n for n in f.read().split() if n]
failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for name in names:
        model = os.path.join(fixdir, name + ".onnx")
        x = np.load(os.path.join(fixdir, name + ".input.npy"))
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        ref = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        out = os.path.join(tmp, name + ".npy")
        r = subprocess.run([tool, "run", model, "--input",
                            os.path.join(fixdir, name + ".input.npy"), "--output", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("not ok - %s: oclresnet failed: %s" % (name, r.stderr.strip()))
            failed += 1
            continue
        got = np.load(out)
        err = float(np.abs(got - ref).max()) / max(1.0, float(np.abs(ref).max()))
        # The tool writes what the file's output is: float16 or float32.
        same = got.dtype == ref.dtype and got.shape == ref.shape and (ref.ndim != 2
                                           or (got.argmax(1) == ref.argmax(1)).all())
        # fp16 files: onnxruntime computes in float16, we in float32.
        ok = got.shape == ref.shape and err <= (1e-2 if name.startswith("fp16_") else 1e-4) \
            and same
        failed += not ok
        print("%s - %s: max|ours - ort| / max(1, max|ort|) = %.3g%s"
              % ("ok" if ok else "not ok", name, err, "" if same else ", top-1 differs"))
print("%d passed, %d failed" % (len(names) - failed, failed))
sys.exit(1 if failed else 0)
