"""File forms that converters write, made from a float32 ONNX file with onnx
and onnxruntime alone (no torch): the fixtures' fp16 copies, the tests' int8
copies and the quantization step they are checked against.  Imported by
gen_test_models.py (Debian's onnx) and by the onnxruntime tests (.venv)."""
import os

import numpy as np


def form_fp16(m, keep_io):
    """An fp16 copy, as onnxconverter_common's float16 converter writes it:
    every float initializer and Constant in float16; with keep_io float32
    I/O behind Casts, else float16 input and output."""
    import onnx
    from onnx import TensorProto, numpy_helper
    for t in m.graph.initializer:
        if t.data_type == TensorProto.FLOAT:
            t.CopyFrom(numpy_helper.from_array(
                numpy_helper.to_array(t).astype(np.float16), t.name))
    for n in m.graph.node:
        for a in n.attribute:
            if a.name == "value" and a.t.data_type == TensorProto.FLOAT:
                a.t.CopyFrom(numpy_helper.from_array(
                    numpy_helper.to_array(a.t).astype(np.float16), a.t.name))
    inp, out = m.graph.input[0], m.graph.output[0]
    if keep_io:
        x16, y16 = inp.name + "_fp16", out.name + "_fp16"
        for n in m.graph.node:
            n.input[:] = [x16 if i == inp.name else i for i in n.input]
            n.output[:] = [y16 if o == out.name else o for o in n.output]
        m.graph.node.insert(0, onnx.helper.make_node("Cast", [inp.name], [x16],
                                                     name="cast_in", to=TensorProto.FLOAT16))
        m.graph.node.append(onnx.helper.make_node("Cast", [y16], [out.name],
                                                  name="cast_out", to=TensorProto.FLOAT))
    else:
        inp.type.tensor_type.elem_type = TensorProto.FLOAT16
        out.type.tensor_type.elem_type = TensorProto.FLOAT16
    del m.graph.value_info[:]


# The int8 formats onnxruntime.quantization writes; only the QDQ ones run.
QUANT_KINDS = ("qdq", "qdq_per_channel", "qoperator", "qoperator_per_channel",
               "dynamic", "dynamic_uint8")


def quantize(src, dst, kind, calibration, tmpdir):
    """Writes to @dst the int8 copy of the float32 file @src that
    onnxruntime.quantization makes for @kind (one of QUANT_KINDS), static
    kinds calibrated on the input batches in @calibration (uint8
    activations, int8 weights: its defaults for CNNs)."""
    from onnxruntime import quantization as q

    class Reader(q.CalibrationDataReader):
        def __init__(self):
            self.data = iter([{"input": x} for x in calibration])

        def get_next(self):
            return next(self.data, None)

    pre = os.path.join(tmpdir, os.path.basename(dst) + ".pre.onnx")
    q.quant_pre_process(src, pre, skip_symbolic_shape=True)
    if kind.startswith("dynamic"):
        q.quantize_dynamic(pre, dst, weight_type=q.QuantType.QUInt8
                           if kind == "dynamic_uint8" else q.QuantType.QInt8)
    else:
        q.quantize_static(pre, dst, Reader(),
                          quant_format=q.QuantFormat.QOperator
                          if kind.startswith("qoperator") else q.QuantFormat.QDQ,
                          per_channel=kind.endswith("per_channel"),
                          activation_type=q.QuantType.QUInt8,
                          weight_type=q.QuantType.QInt8)
    os.remove(pre)


def ort_int8_exact():
    """Whether onnxruntime's int8 CPU kernels compute exactly here.  On x86
    without VNNI they multiply uint8 by int8 through saturating 16-bit pair
    sums (vpmaddubsw), the saturation OpenVINO's and onnxruntime's
    quantization guides warn of: on an AVX2 EPYC (Zen 3) its int8 runs of
    the test fixtures were 4-7 output steps from its own unoptimized run
    of the same QDQ file, which is exact."""
    import platform
    if platform.machine().lower() not in ("x86_64", "amd64", "i686", "i386"):
        return True
    try:
        with open("/proc/cpuinfo") as f:
            words = set(f.read().split())
    except OSError:
        return True
    return bool(words & {"avx512_vnni", "avx_vnni", "amx_int8"})


def output_step(path):
    """The quantization step of a QDQ or QOperator file's output: the scale
    of the last DequantizeLinear on the way to it (None if there is none:
    dynamic quantization's output is float)."""
    import onnx
    m = onnx.load(path)
    prod = {o: n for n in m.graph.node for o in n.output}
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    v = m.graph.output[0].name
    while v in prod:
        n = prod[v]
        if n.op_type == "DequantizeLinear" and n.input[1] in inits:
            return float(np.max(inits[n.input[1]]))
        v = n.input[0]
    return None
