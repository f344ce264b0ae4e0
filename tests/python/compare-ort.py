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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "models"))
import onnx_forms  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

tool, fixdir = sys.argv[1], sys.argv[2]
OPTS = ort.SessionOptions()
OPTS.log_severity_level = 3
# Graph optimizations off: a QDQ file runs as written, in float, without
# onnxruntime's int8 kernels.
AS_WRITTEN = ort.SessionOptions()
AS_WRITTEN.log_severity_level = 3
AS_WRITTEN.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL


def ort_run_all(path, x, opts=OPTS):
    """onnxruntime's outputs for @x on the file at @path: (name, value)s."""
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    outs = sess.run(None, {sess.get_inputs()[0].name: x})
    return [(o.name, v) for o, v in zip(sess.get_outputs(), outs)]


def ort_run(path, x, opts=OPTS):
    """onnxruntime's (first) output for @x on the file at @path."""
    return ort_run_all(path, x, opts)[0][1]


def file_name(output):
    """What `oclresnet run --output DIR` calls an output's file."""
    s = "".join(c if c.isalnum() and c.isascii() or c in "_.-" else "_" for c in output)
    return ("_" + s if s.strip(".") == "" else s) + ".npy"


def ours_run(path, xin, out):
    """`oclresnet run` of @path on .npy @xin: (the process, its output or None)."""
    r = subprocess.run([tool, "run", path, "--input", xin, "--output", out],
                       capture_output=True, text=True)
    return r, np.load(out) if r.returncode == 0 else None


with open(os.path.join(fixdir, "fixtures.stamp")) as f:
    names = [n for n in f.read().split() if n]
failed = 0
total = len(names)
with tempfile.TemporaryDirectory() as tmp:
    for name in names:
        model = os.path.join(fixdir, name + ".onnx")
        xin = os.path.join(fixdir, name + ".input.npy")
        refs = ort_run_all(model, np.load(xin))
        # Several outputs: --output names a directory, a file for each.
        out = os.path.join(tmp, name + (".npy" if len(refs) == 1 else ""))
        r, got = ours_run(model, xin, out) if len(refs) == 1 else \
            (subprocess.run([tool, "run", model, "--input", xin, "--output", out],
                            capture_output=True, text=True), None)
        if r.returncode != 0:
            print("not ok - %s: oclresnet failed: %s" % (name, r.stderr.strip()))
            failed += 1
            continue
        for output, ref in refs:
            if len(refs) > 1:
                got = np.load(os.path.join(out, file_name(output)))
            err = float(np.abs(got - ref).max()) / max(1.0, float(np.abs(ref).max()))
            # The tool writes what the file's output is: float16 or float32.
            same = got.dtype == ref.dtype and got.shape == ref.shape and (
                ref.ndim != 2 or (got.argmax(1) == ref.argmax(1)).all())
            # fp16 files: onnxruntime computes in float16, we in float32.
            ok = got.shape == ref.shape and same and \
                err <= (1e-2 if name.startswith("fp16_") else 1e-4)
            failed += not ok
            label = name if len(refs) == 1 else "%s output '%s'" % (name, output)
            print("%s - %s: max|ours - ort| / max(1, max|ort|) = %.3g%s"
                  % ("ok" if ok else "not ok", label, err, "" if same else ", top-1 differs"))
        total += len(refs) - 1
    # int8 copies, as onnxruntime.quantization writes them, calibrated on
    # the fixture's own input: QDQ and QOperator (per tensor and per
    # channel) and dynamic (int8 and uint8 weights).  The same top-1 as
    # onnxruntime's int8 run, and within two quantization steps of its
    # output; dynamic quantization's output is float, within 1 % of its
    # largest value (the activations are quantized to 8 bits on the way).
    try:
        import onnx  # noqa: F401
        from onnxruntime import quantization  # noqa: F401
        have_quant = True
    except ImportError as e:
        print("# int8 copies skipped: %s" % e)
        have_quant = False
    int8 = ["cifar_resnet8_optB_odd", "resnet18_b2_odd", "resnext_tiny", "se_resnet"]
    # Where onnxruntime's int8 kernels saturate (x86 without VNNI), the
    # reference is its run of the QDQ file as written: for a QOperator file
    # the QDQ twin of the same calibration (the same scales), for signed
    # dynamic quantization, which has none, the top-1 alone.
    exact = onnx_forms.ort_int8_exact()
    if not exact:
        print("# onnxruntime's int8 kernels saturate on this CPU (no VNNI): "
              "references are its QDQ files run as written")
    for name in int8 if have_quant else []:
        src = os.path.join(fixdir, name + ".onnx")
        xin = os.path.join(fixdir, name + ".input.npy")
        x = np.load(xin)
        for kind in onnx_forms.QUANT_KINDS:
            label = "int8 %s %s" % (kind, name)
            dst = os.path.join(tmp, "%s_%s.onnx" % (name, kind))
            onnx_forms.quantize(src, dst, kind, [x], tmp)
            r, got = ours_run(dst, xin, os.path.join(tmp, "%s_%s.npy" % (name, kind)))
            total += 1
            if got is None:
                print("not ok - %s: oclresnet failed: %s" % (label, r.stderr.strip()))
                failed += 1
                continue
            twin = dst.replace("_qoperator", "_qdq")
            top1_only = not exact and kind == "dynamic"
            ref = ort_run(dst, x) if exact or kind.startswith("dynamic") else \
                ort_run(twin, x, AS_WRITTEN)
            step = onnx_forms.output_step(dst)
            err = float(np.abs(got - ref).max())
            same = (got.argmax(1) == ref.argmax(1)).all()
            if kind.startswith("dynamic"):
                step = 0.005 * max(1.0, float(np.abs(ref).max()))
            ok = step is not None and (top1_only or err <= 2 * step) and same
            if top1_only:
                label += " (top-1 only: no exact reference on this CPU)"
            failed += not ok
            print("%s - %s: max|ours - ort| = %.3g, %s %.3g%s"
                  % ("ok" if ok else "not ok", label, err,
                     "tolerance / 2" if kind.startswith("dynamic") else "output step",
                     step or 0.0, "" if same else ", top-1 differs"))
    # onnx.version_converter outputs at every opset from 7 to 22 (as a
    # user converts a file): each one onnxruntime runs, ours must run and
    # agree.  A conversion the converter itself cannot do is skipped.
    try:
        import onnx
        from onnx import version_converter
    except ImportError:
        version_converter = None
    for name in ("cifar_resnet14_optB", "resnet18_b2_odd") if version_converter else []:
        src = onnx.load(os.path.join(fixdir, name + ".onnx"))
        xin = os.path.join(fixdir, name + ".input.npy")
        x = np.load(xin)
        for opset in range(7, 23):
            label = "%s converted to opset %d" % (name, opset)
            dst = os.path.join(tmp, "%s_opset%d.onnx" % (name, opset))
            try:
                onnx.save(version_converter.convert_version(src, opset), dst)
                ref = ort_run(dst, x)
            except Exception as e:
                print("# %s: skipped (%s)" % (label, str(e).splitlines()[0][:120]))
                continue
            r, got = ours_run(dst, xin, os.path.join(tmp, "%s_opset%d.npy" % (name, opset)))
            total += 1
            if got is None:
                print("not ok - %s: oclresnet failed: %s" % (label, r.stderr.strip()))
                failed += 1
                continue
            err = float(np.abs(got - ref).max()) / max(1.0, float(np.abs(ref).max()))
            ok = got.shape == ref.shape and err <= 1e-4 and (got.argmax(1) == ref.argmax(1)).all()
            failed += not ok
            print("%s - %s: %.3g" % ("ok" if ok else "not ok", label, err))
    # Valid files whose answers once differed from onnxruntime's
    # (hostile_answers.py): NaN and infinity where onnxruntime has them,
    # the softmax of a size-1 axis, an Expand kept through a constant Mul,
    # Div by a subnormal constant, integers out of their type's range.
    try:
        import onnx
        import hostile_answers
        cases = hostile_answers.CASES
    except ImportError as e:
        print("# answers to hostile files skipped: %s" % e)
        cases = []
    for i, (label, model, x, refusal) in enumerate(cases):
        path = os.path.join(tmp, "hostile%d.onnx" % i)
        xin = os.path.join(tmp, "hostile%d.input.npy" % i)
        onnx.save(model, path)
        np.save(xin, x)
        total += 1
        r, got = ours_run(path, xin, os.path.join(tmp, "hostile%d.npy" % i))
        if refusal is not None:
            ok = r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 \
                and refusal in r.stderr
            what = r.stderr.strip() or "status %d" % r.returncode
        elif got is None:
            ok, what = False, "oclresnet failed: " + r.stderr.strip()
        else:
            ok, what = hostile_answers.same_answer(got, ort_run(path, x))
        failed += not ok
        print("%s - %s: %s" % ("ok" if ok else "not ok", label, what))
print("%d passed, %d failed" % (total - failed, failed))
sys.exit(1 if failed else 0)
