"""Valid files whose answers once differed from onnxruntime's (issue 31):
built here with onnx.helper, each run by oclresnet and onnxruntime in
compare-ort.py, which wants the same NaN and infinity pattern and the rest
within 1e-4 * max(1, max|finite ort|), or, where a case says so, one error
line naming what is refused.

CASES: (name, model, input, expected) with expected None (agree with
onnxruntime) or a string the one error line contains."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.RandomState(31)


def _model(nodes, inits, out_shape, opset=13, in_shape=(1, 3, 8, 8)):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_shape))
    g = helper.make_graph(nodes, "hostile", [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    return m


def _f(name, a):
    return numpy_helper.from_array(np.asarray(a, np.float32), name)


def _input(shape=(1, 3, 8, 8)):
    return RNG.standard_normal(shape).astype(np.float32)


def _head(x, w_name="w", oc=5, c=3):
    """x (1 x c x 8 x 8) -> an 8 x 8 convolution to 1 x oc x 1 x 1."""
    return [helper.make_node("Conv", [x, w_name], ["h"])], \
        [_f(w_name, RNG.standard_normal((oc, c, 8, 8)) * 0.1)]


def _softmax_size1(opset, axis):
    nodes, inits = _head("x")
    kw = {} if axis is None else {"axis": axis}
    nodes.append(helper.make_node("Softmax", ["h"], ["y"], **kw))
    return _model(nodes, inits, [1, 5, 1, 1], opset)


def _expand_gate(into_mul):
    """GAP -> Sigmoid -> Expand to the map -> Mul by a per-channel constant
    (-> Mul with the map)."""
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["g"]),
             helper.make_node("Sigmoid", ["g"], ["s"]),
             helper.make_node("Expand", ["s", "shape"], ["e"]),
             helper.make_node("Mul", ["e", "k"], ["ek" if into_mul else "y"])]
    if into_mul:
        nodes.append(helper.make_node("Mul", ["x", "ek"], ["y"]))
    inits = [numpy_helper.from_array(np.array([1, 3, 8, 8], np.int64), "shape"),
             _f("k", [[[2.0]], [[-0.5]], [[3.0]]])]
    return _model(nodes, inits, [1, 3, 8, 8])


def _trunk(weight_nodes, w, extra_inits=(), bn=None):
    """Conv 3x3 (w) [-> BatchNormalization bn] -> ReLU -> MaxPool 2x2 ->
    GlobalAveragePool -> Flatten -> Gemm to 4 classes."""
    nodes = list(weight_nodes) + [helper.make_node("Conv", ["x", w], ["c"], pads=[1, 1, 1, 1])]
    inits = list(extra_inits)
    r = "c"
    if bn is not None:
        scale, bias, mean, var, eps = bn
        nodes.append(helper.make_node("BatchNormalization", ["c", "bs", "bb", "bm", "bv"],
                                      ["b"], epsilon=eps))
        inits += [_f("bs", scale), _f("bb", bias), _f("bm", mean), _f("bv", var)]
        r = "b"
    nodes += [helper.make_node("Relu", [r], ["r"]),
              helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("GlobalAveragePool", ["p"], ["g"]),
              helper.make_node("Flatten", ["g"], ["f"]),
              helper.make_node("Gemm", ["f", "fc", "fb"], ["y"], transB=1)]
    inits += [_f("fc", RNG.standard_normal((4, 6))), _f("fb", RNG.standard_normal(4))]
    return nodes, inits


def _nan_weight():
    w = RNG.standard_normal((6, 3, 3, 3)).astype(np.float32)
    w[2, 1, 1, 1] = np.nan
    nodes, inits = _trunk([], "w")
    return _model(nodes, inits + [_f("w", w)], [1, 4])


def _plain_trunk():
    nodes, inits = _trunk([], "w")
    return _model(nodes, inits + [_f("w", RNG.standard_normal((6, 3, 3, 3)))], [1, 4])


def _nan_input():
    x = _input()
    x[0, 1, 3, 4] = np.nan
    return x


def _bn_zero_variance():
    var = np.ones(6, np.float32)
    var[3] = 0.0
    nodes, inits = _trunk([], "w", bn=(RNG.uniform(0.5, 1.5, 6), RNG.standard_normal(6),
                                      RNG.standard_normal(6), var, 0.0))
    return _model(nodes, inits + [_f("w", RNG.standard_normal((6, 3, 3, 3)))], [1, 4])


def _qdq_nan_scale():
    """A QDQ weight whose per-channel scale is NaN on one channel and
    infinite on another."""
    scale = RNG.uniform(0.01, 0.02, 6).astype(np.float32)
    scale[1], scale[4] = np.nan, np.inf
    q = numpy_helper.from_array(RNG.randint(-100, 100, (6, 3, 3, 3)).astype(np.int8), "wq")
    z = numpy_helper.from_array(np.zeros(6, np.int8), "wz")
    deq = helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0)
    nodes, inits = _trunk([deq], "w", [q, z, _f("ws", scale)])
    return _model(nodes, inits, [1, 4])


def _div_subnormal():
    """(x * 1e-39) / 1e-40: 1 / 1e-40 is no float, x / 1e-40 is."""
    nodes = [helper.make_node("Mul", ["x", "a"], ["s"]),
             helper.make_node("Div", ["s", "k"], ["y"])]
    return _model(nodes, [_f("a", 1e-39), _f("k", [[[1e-40]], [[2e-40]], [[-3e-39]]])],
                  [1, 3, 8, 8])


def _int32_tensor(name, dtype, dims, values):
    """A tensor of @dtype whose values sit in int32_data as written."""
    t = TensorProto()
    t.name, t.data_type = name, dtype
    t.dims.extend(dims)
    t.int32_data.extend(int(v) for v in values)
    return t


def _int32_data_wraps():
    """int8 and uint8 weights and zero points written in int32_data with
    values out of their type's range: read as a cast to the type does
    (300 -> 44, 1000 -> -24, -1 -> 255)."""
    vals = RNG.randint(-100, 100, 6 * 3 * 3 * 3)
    vals[:4] = [300, -200, 1000, 127]
    wq = _int32_tensor("wq", TensorProto.INT8, [6, 3, 3, 3], vals)
    wz = _int32_tensor("wz", TensorProto.INT8, [6], [1000, 0, -129, 3, 0, 0])
    uq = _int32_tensor("uq", TensorProto.UINT8, [6, 6, 1, 1], [-1, 256, 300] + [17] * 33)
    uz = _int32_tensor("uz", TensorProto.UINT8, [6], [-1, 128, 0, 0, 0, 0])
    s = _f("ws", RNG.uniform(0.01, 0.02, 6))
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0),
             helper.make_node("DequantizeLinear", ["uq", "ws", "uz"], ["u"], axis=0),
             helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["c", "u"], ["y"])]
    return _model(nodes, [wq, wz, uq, uz, s], [1, 6, 8, 8])


def _split(opset, **kw):
    """A Split of the image data's 3 channels into two or four outputs."""
    n = 4 if "num_outputs" in kw and kw["num_outputs"] == 4 else 2
    ins = ["x"] + (["sizes"] if opset >= 13 and "split" in kw else [])
    inits = []
    if opset >= 13 and "split" in kw:
        inits.append(numpy_helper.from_array(np.array(kw.pop("split"), np.int64), "sizes"))
    outs = ["y"] + ["o%d" % k for k in range(1, n)]
    return _model([helper.make_node("Split", ins, outs, axis=1, **kw)], inits,
                  [1, 3, 8, 8], opset)


def _unsqueeze_without_axes():
    return _model([helper.make_node("GlobalAveragePool", ["x"], ["g"]),
                   helper.make_node("Flatten", ["g"], ["f"]),
                   helper.make_node("Unsqueeze", ["f"], ["y"])], [], [1, 3, 1], 12)


CASES = [
    ("softmax over a size-1 last axis (opset 13 default)", _softmax_size1(13, None), _input(), None),
    ("softmax over axis 3 of N x C x 1 x 1 (opset 11)", _softmax_size1(11, 3), _input(), None),
    ("softmax over axis 1 of N x C x 1 x 1 (opset 11)", _softmax_size1(11, 1), _input(), None),
    ("Expand's gate through a constant Mul into a Mul", _expand_gate(True), _input(), None),
    ("Expand's gate through a constant Mul as the output", _expand_gate(False), _input(),
     "an Expand's output"),
    ("a NaN weight", _nan_weight(), _input(), None),
    ("a NaN input pixel", _plain_trunk(), _nan_input(), None),
    ("BatchNormalization with variance 0 and epsilon 0", _bn_zero_variance(), _input(), None),
    ("QDQ weight scales NaN and infinite", _qdq_nan_scale(), _input(), None),
    ("Div by a subnormal constant", _div_subnormal(), _input(), None),
    ("int8/uint8 int32_data out of range", _int32_data_wraps(), _input(), None),
    # Refused, with a message that says what is wrong.
    ("Split with an empty part", _split(13, split=[3, 0]), _input(),
     "output 1 would have 0 channels; empty parts are not supported"),
    ("Split of 3 channels into 4 (num_outputs)", _split(18, num_outputs=4), _input(),
     "3 channels do not split into 4 parts"),
    ("Unsqueeze without axes (opset 12)", _unsqueeze_without_axes(), _input(),
     "it names no axes"),
]


def same_answer(got, ref):
    """(ok, what): the NaN and infinity patterns equal, the finite values
    within 1e-4 * max(1, max|finite ref|)."""
    if got.shape != ref.shape:
        return False, "shape %s, onnxruntime %s" % (got.shape, ref.shape)
    if not (np.isnan(got) == np.isnan(ref)).all():
        return False, "NaN at %d places, onnxruntime at %d" % (np.isnan(got).sum(),
                                                                  np.isnan(ref).sum())
    inf = np.isinf(ref)
    if not (np.isinf(got) == inf).all() or not (got[inf] == ref[inf]).all():
        return False, "infinities differ"
    fin = np.isfinite(ref)
    scale = max(1.0, float(np.abs(ref[fin]).max())) if fin.any() else 1.0
    err = float(np.abs(got[fin] - ref[fin]).max()) / scale if fin.any() else 0.0
    return err <= 1e-4, "%d NaN, %d inf, finite error %.3g" % (np.isnan(ref).sum(),
                                                               inf.sum(), err)
