"""The ONNX project's own backend test data, shipped in the onnx wheel
(onnx/backend/test/data): every case whose one input is a float
N x C x H x W tensor, run by `oclresnet run` against the output the ONNX
project stored.  Each either agrees (max|ours - stored| <= 1e-4 *
max(1, max|stored|), the same NaN pattern) or is refused with one error
line naming what is refused, as REFUSED below says for that case.  A case
that differs, crashes, hangs, is refused unexpectedly or no longer refused
fails the test (so the list stays true).  Files older than opset 7 are
converted with onnx.version_converter first, as the tool's message
advises.

usage: conformance.py OCLRESNET
Exits 77 (skipped) without onnx and numpy (scripts/setup.sh puts them in
.venv)."""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper, version_converter
except ImportError as e:
    print("skipped:", e)
    sys.exit(77)

# Case -> a word of the one error line: what we do not run, and why.
REFUSED = {
    # Operators not in the table (onnx-registry.c).
    "test_ConvTranspose2d": "'ConvTranspose' is not supported",
    "test_ConvTranspose2d_no_bias": "'ConvTranspose' is not supported",
    "test_operator_convtranspose": "'ConvTranspose' is not supported",
    "test_Tanh": "'Tanh' is not supported",
    "test_log_softmax_dim3": "'LogSoftmax' is not supported",
    "test_operator_repeat": "'Tile' is not supported",
    "test_operator_selu": "'Selu' is not supported",
    "test_operator_symbolic_override": "'InstanceNormalization' is not supported",
    "light_bvlc_alexnet": "'LRN' is not supported",
    "light_inception_v1": "'LRN' is not supported",
    # Forms of supported operators that are not run on the image data.
    # An opset-6 slope of 3 values for 3 channels: from opset 7 PRelu
    # broadcasts numpy's way, and [3] would be the last axis (of 5): the
    # converted file is not valid (onnxruntime has no opset-6 PRelu).
    "test_PReLU_2d_multiparam": "a slope of shape other than",
    "test_ReflectionPad2d": "mode 'reflect' is not supported",
    "test_operator_pad": "mode 'reflect' is not supported",
    "test_ReplicationPad2d": "mode 'edge' is not supported",
    "test_PixelShuffle": "a run-time tensor of rank 6 is not supported",
    "test_softmax_functional_dim3": "softmax over axis 3 of a 4-D tensor",
    "test_operator_reduced_mean": "a mean over other axes than H and W",
    "test_operator_reduced_mean_keepdim": "a mean over other axes than H and W",
    "test_operator_reduced_sum": "ReduceSum of the image data is supported only",
    "test_operator_reduced_sum_keepdim": "ReduceSum of the image data is supported only",
    "light_densenet121": "Concat of the image data is supported only",
    "light_inception_v2": "Concat of the image data is supported only",
    "light_squeezenet": "Concat of the image data is supported only",
    "light_shufflenet": "reshaping 1x112x56x56 to 5 dimensions",
    # Their weights come from ConstantOfShape nodes: more than the load's
    # budget for computed constants (README, "Limits").
    "light_vgg19": "constants computed at load time would exceed 256 MiB",
    "light_zfnet512": "constants computed at load time would exceed 256 MiB",
}


def cases(root):
    """(name, model path, input array, expected array) of every case with
    one float N x C x H x W input and one output."""
    for kind in ("pytorch-converted", "pytorch-operator", "simple"):
        d = os.path.join(root, kind)
        for name in sorted(os.listdir(d)):
            model = os.path.join(d, name, "model.onnx")
            data = os.path.join(d, name, "test_data_set_0")
            if not os.path.exists(model) or not os.path.exists(data):
                continue
            ins = sorted(f for f in os.listdir(data) if f.startswith("input_"))
            outs = sorted(f for f in os.listdir(data) if f.startswith("output_"))
            if len(ins) != 1 or len(outs) != 1:
                continue
            x = load(os.path.join(data, ins[0]))
            if x.dtype != np.float32 or x.ndim != 4:
                continue
            yield name, model, x, load(os.path.join(data, outs[0]))
    light = os.path.join(root, "light")
    for f in sorted(os.listdir(light)):
        if not f.endswith(".onnx"):
            continue
        name = f[:-5]
        ref = os.path.join(light, name + "_output_0.pb")
        m = onnx.load(os.path.join(light, f), load_external_data=False)
        inits = {i.name for i in m.graph.initializer}
        inputs = [i for i in m.graph.input if i.name not in inits]
        if len(inputs) != 1 or not os.path.exists(ref):
            continue
        shape = [d.dim_value or 1 for d in inputs[0].type.tensor_type.shape.dim]
        if len(shape) != 4:
            continue
        n = int(np.prod(shape))     # the backend runner's deterministic input
        x = (np.arange(n).reshape(shape) / n).astype(np.float32)
        yield name, os.path.join(light, f), x, load(ref)


def load(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def main():
    tool = sys.argv[1]
    root = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    counts = {"agree": 0, "refused": 0}
    failed = 0
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for name, model, x, ref in cases(root):
            seen.add(name)
            m = onnx.load(model)
            if m.opset_import[0].version < 7:
                try:
                    m = version_converter.convert_version(m, 7)
                except Exception as e:
                    print("# %s: the converter cannot take it to opset 7 (%s)"
                          % (name, str(e).splitlines()[0][:80]))
                    continue
            path = os.path.join(tmp, name + ".onnx")
            onnx.save(m, path)
            xin, out = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
            np.save(xin, x)
            try:
                r = subprocess.run([tool, "run", path, "--input", xin, "--output", out],
                                   capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                print("not ok - %s: hangs" % name)
                failed += 1
                continue
            err = r.stderr.strip()
            want = REFUSED.get(name)
            if r.returncode == 1 and len(err.splitlines()) == 1:
                ok = want is not None and want in err
                counts["refused"] += ok
                print("%s - %s refused: %s%s" % ("ok" if ok else "not ok", name, err,
                                                "" if ok else " (expected %s)" % (
                                                    "to agree" if want is None else
                                                    "'%s'" % want)))
                failed += not ok
                continue
            if r.returncode != 0:
                print("not ok - %s: status %d: %s" % (name, r.returncode, err[:200]))
                failed += 1
                continue
            got = np.load(out).reshape(ref.shape) if np.load(out).size == ref.size \
                else np.load(out)
            same_nan = got.shape == ref.shape and (np.isnan(got) == np.isnan(ref)).all()
            fin = np.isfinite(ref) & np.isfinite(got) if same_nan else None
            e = float(np.abs(got[fin] - ref[fin]).max()) / max(1.0, float(
                np.abs(ref[fin]).max())) if same_nan and fin.any() else 0.0
            ok = same_nan and e <= 1e-4 and want is None
            counts["agree"] += ok
            failed += not ok
            print("%s - %s agrees: %.3g%s" % ("ok" if ok else "not ok", name, e,
                                              "" if want is None else
                                              " (listed as refused: '%s')" % want))
    for name in sorted(set(REFUSED) - seen):
        print("not ok - %s is listed but not found" % name)
        failed += 1
    print("# %d agree, %d refused as listed" % (counts["agree"], counts["refused"]))
    print("%d passed, %d failed" % (counts["agree"] + counts["refused"], failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
