#!/usr/bin/python3
"""Writes the fuzzers' seed corpus: tiny valid inputs of every kind the
targets read.

usage: gen_corpus.py OUTDIR

OUTDIR/model/: small ONNX models, one or more per operator family the
importer knows (runtime ops, constant folding of shape sub-graphs, opset 9
attribute forms, the opset-7 Model Zoo form, torch 2.x's opset-18 form,
ReduceMean, a raw_data weight large enough to be left in the file);
OUTDIR/npy/: .npy files of versions 1.0 to 3.0; OUTDIR/preprocess/: byte
strings for the preprocessing target.  Seeded: the same bytes every time.
Needs python3-onnx and python3-numpy (Debian's /usr/bin/python3).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(7)


def w(*shape):
    return RNG.standard_normal(shape).astype(np.float32) * 0.2


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def model(nodes, inits, opset=13, out="y", c=3, hw=32, name="g"):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, hw, hw])
    y = helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 4])
    g = helper.make_graph(nodes, name, [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="gen_corpus")
    m.metadata_props.add(key="labels", value="a,b,c,d")
    return m


def resnet_block():
    n = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "s", "b", "m", "v"], ["b1"]),
        helper.make_node("Relu", ["b1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "bias"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["a"]),
        helper.make_node("Relu", ["a"], ["r2"]),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w1", w(16, 3, 3, 3)), init("s", w(16) + 1), init("b", w(16)),
         init("m", w(16)), init("v", np.abs(w(16)) + 0.5),
         init("w2", w(16, 16, 3, 3)), init("bias", w(16)),
         init("fc", w(4, 16)), init("fcb", w(4))]
    return model(n, i)


def pools():
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], strides=[2, 2], pads=[3, 3, 3, 3]),
        helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("AveragePool", ["p"], ["q"], kernel_shape=[2, 2], strides=[2, 2],
                         ceil_mode=1, count_include_pad=0),
        helper.make_node("Flatten", ["q"], ["f"]),
        helper.make_node("MatMul", ["f", "fc"], ["y"]),
    ]
    return model(n, [init("w", w(8, 3, 7, 7)), init("fc", w(8 * 4 * 4, 4))])


def shape_subgraph():
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], strides=[4, 4]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Shape", ["g"], ["s"]),
        helper.make_node("Constant", [], ["i0"], value=helper.make_tensor("i0", TensorProto.INT64, [], [0])),
        helper.make_node("Gather", ["s", "i0"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "ax"], ["nu"]),
        helper.make_node("Constant", [], ["m1"], value_ints=[-1]),
        helper.make_node("Concat", ["nu", "m1"], ["shape"], axis=0),
        helper.make_node("Reshape", ["g", "shape"], ["r"]),
        helper.make_node("Gemm", ["r", "fc", "fcb"], ["y"], alpha=0.5, beta=2.0),
    ]
    return model(n, [init("w", w(8, 3, 4, 4)), init("ax", np.array([0], np.int64)),
                     init("fc", w(8, 4)), init("fcb", w(1, 4))])


def folding():
    n = [
        helper.make_node("Constant", [], ["shp"], value_ints=[8]),
        helper.make_node("ConstantOfShape", ["shp"], ["ones"],
                         value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])),
        helper.make_node("Cast", ["shp"], ["shpf"], to=TensorProto.FLOAT),
        helper.make_node("Div", ["ones", "shpf"], ["eighth"]),
        helper.make_node("Mul", ["eighth", "k"], ["scale"]),
        helper.make_node("Sub", ["scale", "k"], ["shift"]),
        helper.make_node("Unsqueeze", ["scale", "ax12"], ["scale4"]),
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["c", "scale4"], ["m"]),
        helper.make_node("Unsqueeze", ["shift", "ax12"], ["shift4"]),
        helper.make_node("Add", ["shift4", "m"], ["a"]),
        helper.make_node("Transpose", ["t"], ["tt"], perm=[1, 0]),
        helper.make_node("Identity", ["tt"], ["tt2"]),
        helper.make_node("Slice", ["tt2", "st", "en", "axs", "sp"], ["ts"]),
        helper.make_node("Reshape", ["ts", "flat"], ["fcw"]),
        helper.make_node("GlobalAveragePool", ["a"], ["g"]),
        helper.make_node("Squeeze", ["g", "ax23"], ["sq"]),
        helper.make_node("Gemm", ["sq", "fcw", "fcb"], ["y"]),
    ]
    i = [init("k", w(8) + 1.0), init("ax12", np.array([1, 2], np.int64)),
         init("w", w(8, 3, 3, 3)), init("t", w(4, 16)),
         init("st", np.array([0], np.int64)), init("en", np.array([8], np.int64)),
         init("axs", np.array([0], np.int64)), init("sp", np.array([1], np.int64)),
         init("flat", np.array([8, 4], np.int64)),
         init("ax23", np.array([2, 3], np.int64)), init("fcb", w(4))]
    return model(n, i)


def option_a():
    """CIFAR option-A shortcut: strided Slice and a channel Pad (opset 13)."""
    n = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Slice", ["r1", "s0", "e0", "a0", "p0"], ["sl"]),
        helper.make_node("Pad", ["sl", "pads", "zero"], ["pd"]),
        helper.make_node("Add", ["c2", "pd"], ["a"]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["l"], transB=1),
        helper.make_node("Softmax", ["l"], ["y"], axis=1),
    ]
    i = [init("w1", w(8, 3, 3, 3)), init("w2", w(16, 8, 3, 3)),
         init("s0", np.array([0, 0], np.int64)), init("e0", np.array([2**62, 2**62], np.int64)),
         init("a0", np.array([2, 3], np.int64)), init("p0", np.array([2, 2], np.int64)),
         init("pads", np.array([0, 4, 0, 0, 0, 4, 0, 0], np.int64)),
         init("zero", np.array(0.0, np.float32)), init("fc", w(4, 16)),
         init("fcb", w(4))]
    return model(n, i)


def opset9():
    """Attribute forms: Pad and Slice of opset 9, Dropout, auto_pad."""
    n = [
        helper.make_node("Pad", ["x"], ["p"], pads=[0, 0, 1, 1, 0, 0, 1, 1], value=0.0),
        helper.make_node("Conv", ["p", "w"], ["c"], auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("Slice", ["c"], ["s"], starts=[0, 1], ends=[8, 15], axes=[1, 2]),
        helper.make_node("Dropout", ["s"], ["d"]),
        helper.make_node("Sub", ["d", "k"], ["e"]),
        helper.make_node("Div", ["e", "k"], ["f"]),
        helper.make_node("GlobalAveragePool", ["f"], ["g"]),
        helper.make_node("Flatten", ["g"], ["h"]),
        helper.make_node("Gemm", ["h", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w", w(8, 3, 3, 3)), init("k", (w(1, 8, 1, 1) + 2.0)), init("fc", w(4, 8)),
         init("fcb", w(4))]
    return model(n, i, opset=9)


def dynamo18():
    """torch 2.x's default exporter: opset 18, IR 10, the global pool as
    ReduceMean with its axes an input, Reshape with allowzero."""
    n = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("ReduceMean", ["r", "axes"], ["m"], keepdims=1),
        helper.make_node("Reshape", ["m", "shape"], ["f"], allowzero=1),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w", w(8, 3, 3, 3)), init("b", w(8)),
         init("axes", np.array([-1, -2], np.int64)),
         init("shape", np.array([1, 8], np.int64)), init("fc", w(4, 8)),
         init("fcb", w(4))]
    m = model(n, i, opset=18, hw=16)
    m.ir_version = 10
    return m


def reduce_keepdims0():
    """ReduceMean with its axes an attribute and keepdims=0 (opset 13)."""
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], strides=[2, 2]),
        helper.make_node("ReduceMean", ["c"], ["m"], axes=[2, 3], keepdims=0),
        helper.make_node("Gemm", ["m", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w", w(8, 3, 3, 3)), init("fc", w(4, 8)), init("fcb", w(4))]
    return model(n, i, hw=16)


def zoo7():
    """The ONNX Model Zoo's opset-7 form: IR 3, initializers also graph
    inputs, BatchNormalization with spatial, attribute Unsqueeze."""
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"],
                         spatial=1, epsilon=1e-5),
        helper.make_node("Relu", ["n"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Squeeze", ["g"], ["q"], axes=[2, 3]),
        helper.make_node("Dropout", ["q"], ["d"]),
        helper.make_node("Gemm", ["d", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w", w(8, 3, 3, 3)), init("s", w(8) + 1), init("b", w(8)),
         init("m", w(8)), init("v", np.abs(w(8)) + 0.5), init("fc", w(4, 8)),
         init("fcb", w(4))]
    m = model(n, i, opset=7, hw=16)
    for t in i:
        m.graph.input.append(helper.make_tensor_value_info(t.name, t.data_type,
                                                           list(t.dims)))
    m.ir_version = 3
    return m


def squeeze_excitation():
    """An SE gate: mean -> 1x1 convs -> Sigmoid / HardSigmoid -> Mul of two
    run-time tensors, the gate first in one of them; the first Mul takes the
    block's residual Add and ReLU into its epilogue."""
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["c"], ["m"], axes=[2, 3], keepdims=1),
        helper.make_node("Conv", ["m", "w1", "b1"], ["f1"]),
        helper.make_node("Relu", ["f1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["f2"]),
        helper.make_node("Sigmoid", ["f2"], ["s"]),
        helper.make_node("Mul", ["c", "s"], ["g"]),
        helper.make_node("Conv", ["x", "w0"], ["x8c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["x8c"], ["x8"]),
        helper.make_node("Add", ["x8", "g"], ["a"]),
        helper.make_node("Relu", ["a"], ["ar"]),
        helper.make_node("HardSigmoid", ["ar"], ["h"], alpha=0.2, beta=0.5),
        helper.make_node("Mul", ["s", "h"], ["e"]),
        helper.make_node("GlobalAveragePool", ["e"], ["p"]),
        helper.make_node("Flatten", ["p"], ["q"]),
        helper.make_node("Gemm", ["q", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w", w(8, 3, 3, 3)), init("w0", w(8, 3, 3, 3)),
         init("w1", w(4, 8, 1, 1)), init("b1", w(4)),
         init("w2", w(8, 4, 1, 1)), init("b2", w(8)), init("fc", w(4, 8)),
         init("fcb", w(4))]
    return model(n, i, hw=16)


def selective_kernel(paths=2):
    """A selective-kernel block: Split of the channels, a plain path and
    dilated ones, Unsqueeze + Concat into a 5-D stack, ReduceSum over the
    paths, the attention's Reshape to N x K x C x 1 x 1, Softmax over the
    paths, Mul, ReduceSum; and an ECA-style Expand of a gate into a Mul."""
    names = ["p%d" % k for k in range(paths)]
    n = [helper.make_node("Conv", ["x", "w0"], ["c"], pads=[1, 1, 1, 1]),
         helper.make_node("Split", ["c", "sizes"], ["s%d" % k for k in range(paths)],
                          axis=1)]
    for k in range(paths):
        n.append(helper.make_node("Conv", ["s%d" % k, "w%s" % "abc"[k]], [names[k]],
                                  pads=[k + 1] * 4, dilations=[k + 1, k + 1]))
        n.append(helper.make_node("Unsqueeze", [names[k], "ax1"], ["u%d" % k]))
    n += [
        helper.make_node("Concat", ["u%d" % k for k in range(paths)], ["st"], axis=1),
        helper.make_node("ReduceSum", ["st", "ax1"], ["u"], keepdims=0),
        helper.make_node("ReduceMean", ["u"], ["m"], axes=[2, 3], keepdims=1),
        helper.make_node("Conv", ["m", "wsel"], ["sel"]),
        helper.make_node("Reshape", ["sel", "shape5"], ["a5"]),
        helper.make_node("Softmax", ["a5"], ["att"], axis=1),
        helper.make_node("Mul", ["st", "att"], ["prod"]),
        helper.make_node("ReduceSum", ["prod", "ax1"], ["o"], keepdims=0),
        helper.make_node("ReduceMean", ["o"], ["g"], axes=[2, 3], keepdims=1),
        helper.make_node("Sigmoid", ["g"], ["gs"]),
        helper.make_node("Expand", ["gs", "shape4"], ["ge"]),
        helper.make_node("Mul", ["o", "ge"], ["e"]),
        helper.make_node("GlobalAveragePool", ["e"], ["p"]),
        helper.make_node("Flatten", ["p"], ["q"]),
        helper.make_node("Gemm", ["q", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w0", w(4 * paths, 3, 3, 3)),
         init("sizes", np.array([4] * paths, np.int64)),
         init("ax1", np.array([1], np.int64)), init("wsel", w(8 * paths, 8, 1, 1)),
         init("shape5", np.array([1, paths, 8, 1, 1], np.int64)),
         init("shape4", np.array([1, 8, 32, 32], np.int64)),
         init("fc", w(4, 8)), init("fcb", w(4))]
    i += [init("w%s" % "abc"[k], w(8, 4, 3, 3)) for k in range(paths)]
    return model(n, i)


def selective_kernel3():
    """selective_kernel () over 3 paths, dilated 1, 2 and 3."""
    return selective_kernel(3)


def qdq():
    """int8 in the QDQ format: a per-channel int8 weight dequantized at
    load, activations through QuantizeLinear -> DequantizeLinear (uint8)."""
    n = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
        helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=0),
        helper.make_node("Conv", ["xd", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("xs", np.array(0.02, np.float32)), init("xz", np.array(128, np.uint8)),
         init("wq", RNG.integers(-127, 128, (8, 3, 3, 3), dtype=np.int8)),
         init("ws", np.full(8, 0.01, np.float32)), init("wz", np.zeros(8, np.int8)),
         init("fc", w(4, 8)), init("fcb", w(4))]
    return model(n, i, hw=16)


def qoperator():
    """int8 in the QOperator format: QLinearConv with an int32 bias, the
    microsoft domain's QLinearAdd, QLinearGlobalAveragePool and QGemm, a
    Reshape of a quantized tensor."""
    ms = "com.microsoft"
    n = [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
        helper.make_node("QLinearConv", ["xq", "xs", "xz", "wq", "ws", "wz", "cs", "cz", "bq"],
                         ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("QLinearAdd", ["c", "cs", "cz", "c", "cs", "cz", "as", "az"], ["a"],
                         domain=ms),
        helper.make_node("QLinearGlobalAveragePool", ["a", "as", "az", "gs", "gz"], ["g"],
                         domain=ms, channels_last=0),
        helper.make_node("Reshape", ["g", "shape"], ["f"]),
        helper.make_node("QGemm", ["f", "gs", "gz", "fq", "fs", "fz", "fb", "ys", "yz"],
                         ["yq"], domain=ms, transB=1),
        helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"]),
    ]
    i = [init("xs", np.array(0.02, np.float32)), init("xz", np.array(128, np.uint8)),
         init("wq", RNG.integers(-127, 128, (8, 3, 3, 3), dtype=np.int8)),
         init("ws", np.full(8, 0.01, np.float32)), init("wz", np.zeros(8, np.int8)),
         init("bq", RNG.integers(-500, 500, 8, dtype=np.int32)),
         init("cs", np.array(0.05, np.float32)), init("cz", np.array(10, np.uint8)),
         init("as", np.array(0.1, np.float32)), init("az", np.array(10, np.uint8)),
         init("gs", np.array(0.1, np.float32)), init("gz", np.array(10, np.uint8)),
         init("shape", np.array([1, 8], np.int64)),
         init("fq", RNG.integers(-127, 128, (4, 8), dtype=np.int8)),
         init("fs", np.full(4, 0.02, np.float32)), init("fz", np.zeros(4, np.int8)),
         init("fb", RNG.integers(-50, 50, 4, dtype=np.int32)),
         init("ys", np.array(0.05, np.float32)), init("yz", np.array(128, np.uint8))]
    m = model(n, i, hw=16)
    m.opset_import.append(helper.make_opsetid(ms, 1))
    return m


def dynamic():
    """Dynamic quantization: DynamicQuantizeLinear -> ConvInteger and
    MatMulInteger -> Cast -> Mul by the scales' product, a bias Add."""
    n = [
        helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
        helper.make_node("Mul", ["xs", "ws"], ["s"]),
        helper.make_node("ConvInteger", ["xq", "wq", "xz", "wz"], ["ci"], pads=[1, 1, 1, 1]),
        helper.make_node("Cast", ["ci"], ["cf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["cf", "s"], ["c"]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("DynamicQuantizeLinear", ["f"], ["fq", "fs", "fz"]),
        helper.make_node("Mul", ["fs", "ms"], ["t"]),
        helper.make_node("MatMulInteger", ["fq", "mq", "fz", "mz"], ["mi"]),
        helper.make_node("Cast", ["mi"], ["mf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["mf", "t"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["y"]),
    ]
    i = [init("wq", RNG.integers(-127, 128, (8, 3, 3, 3), dtype=np.int8)),
         init("ws", np.array(0.01, np.float32)), init("wz", np.array(0, np.int8)),
         init("mq", RNG.integers(0, 256, (8, 4), dtype=np.uint8)),
         init("ms", np.array(0.02, np.float32)), init("mz", np.array(128, np.uint8)),
         init("b", w(4))]
    return model(n, i, hw=16)


def heads_as_strided():
    """Two outputs, and torch 2.x's as_strided flatten (Reshape to [-1],
    a Gather of the values in order)."""
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], strides=[4, 4]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"]),
        helper.make_node("Reshape", ["g", "m1"], ["flat"]),
        helper.make_node("Gather", ["flat", "idx"], ["v"], axis=0),
        helper.make_node("Reshape", ["v", "shape"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
        helper.make_node("Gemm", ["f", "fc2"], ["z"], transB=1),
        helper.make_node("Sigmoid", ["z"], ["zs"]),
    ]
    i = [init("w", w(8, 3, 4, 4)), init("m1", np.array([-1], np.int64)),
         init("idx", np.arange(8, dtype=np.int64).reshape(1, 8, 1, 1)),
         init("shape", np.array([1, 8], np.int64)), init("fc", w(4, 8)), init("fcb", w(4)),
         init("fc2", w(3, 8))]
    m = model(n, i)
    m.graph.output.append(helper.make_tensor_value_info("zs", TensorProto.FLOAT, [1, 3]))
    m.metadata_props.add(key="heads", value="y:softmax,zs:multilabel")
    return m


def big_weight():
    """A weight over 4 KB: its raw_data stays in the mapped file."""
    n = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Reshape", ["g", "shape"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
    ]
    i = [init("w", w(48, 3, 3, 3)), init("shape", np.array([1, -1], np.int64)),
         init("fc", w(4, 48)), init("fcb", w(4))]
    return model(n, i, c=3, hw=16)


def external(location):
    """big_weight with its weight in @location beside the model: the files
    fuzz-model.c lays out there (w.bin, a FIFO, a folder, links out of the
    folder and inside it)."""
    m = big_weight()
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "5184")):
        e = t.external_data.add()
        e.key, e.value = k, v
    return m


EXTERNAL = {"external_w": "w.bin", "external_fifo": "fifo.bin", "external_dir": "sub",
            "external_up": "up/etc/passwd", "external_in": "in.bin"}


def npy_bytes(arr, version, dtype="<f4"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        dtype, repr(tuple(arr.shape)),)
    pre = 10 if version == 1 else 12
    header += " " * ((64 - (pre + len(header) + 1) % 64) % 64) + "\n"
    out = b"\x93NUMPY" + bytes([version, 0])
    out += len(header).to_bytes(2 if version == 1 else 4, "little")
    return out + header.encode("latin1") + arr.astype(dtype).tobytes()


def main():
    out = sys.argv[1]
    for sub in ("model", "npy", "preprocess"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for fn in (resnet_block, pools, shape_subgraph, folding, option_a, opset9,
               big_weight, dynamo18, reduce_keepdims0, zoo7, squeeze_excitation, qdq,
               selective_kernel, selective_kernel3, qoperator, dynamic, heads_as_strided):
        m = fn()
        # Debian's onnx checks the opsets it knows (to 17 in onnx 1.12).
        if m.opset_import[0].version <= onnx.defs.onnx_opset_version() \
                and len(m.opset_import) == 1:
            onnx.checker.check_model(m)
        onnx.save(m, os.path.join(out, "model", fn.__name__ + ".onnx"))
    for name, location in EXTERNAL.items():
        onnx.save(external(location), os.path.join(out, "model", name + ".onnx"))
    arrays = [np.zeros((0,), np.float32), w(3), w(1, 3, 4, 5), w(2, 2, 2, 2, 2)]
    for k, a in enumerate(arrays):
        for v in (1, 2, 3):
            with open(os.path.join(out, "npy", "a%d-v%d.npy" % (k, v)), "wb") as f:
                f.write(npy_bytes(a, v))
        with open(os.path.join(out, "npy", "a%d-f16.npy" % k), "wb") as f:
            f.write(npy_bytes(a, 1, "<f2"))
    for k in range(16):
        with open(os.path.join(out, "preprocess", "seed%02d" % k), "wb") as f:
            f.write(RNG.integers(0, 256, 24 + 8 * k, dtype=np.uint8).tobytes())


if __name__ == "__main__":
    main()
