#!/usr/bin/python3
"""The hand-made malformed models in model/ (the defects the fuzzing issue
listed, and their neighbours): how each file was written.  The files are
committed; this documents them.  usage: make-hand-made.py OUTDIR"""
import numpy as np, onnx, sys, os
from onnx import helper, TensorProto, numpy_helper
out = sys.argv[1]
def mdl(nodes, inits, outname="y", opset=13):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])
    y = helper.make_tensor_value_info(outname, TensorProto.FLOAT, [1, 4])
    g = helper.make_graph(nodes, "g", [x], [y], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
def save(m, name):
    open(os.path.join(out, name), "wb").write(m.SerializeToString())
i64 = lambda n, v: numpy_helper.from_array(np.array(v, np.int64), n)
# 1. graph output without a name (the first crash of the issue)
m = mdl([helper.make_node("Relu", ["x"], ["y"])], [])
m.graph.output[0].ClearField("name")
save(m, "output-without-name.onnx")
# 2. Concat of shape constants with axis=100
save(mdl([helper.make_node("Shape", ["x"], ["s"]),
          helper.make_node("Concat", ["s", "s"], ["c"], axis=100),
          helper.make_node("Reshape", ["x", "c"], ["y"])], []), "concat-axis-100.onnx")
# 3. Squeeze with 40 axes
save(mdl([helper.make_node("Shape", ["x"], ["s"]),
          helper.make_node("Squeeze", ["s"], ["q"], axes=list(range(40))),
          helper.make_node("Reshape", ["x", "q"], ["y"])], [], opset=11), "squeeze-40-axes.onnx")
# 4. ConstantOfShape with huge and negative dimensions
save(mdl([helper.make_node("ConstantOfShape", ["d"], ["k"]),
          helper.make_node("Add", ["x", "k"], ["y"])], [i64("d", [1 << 30, 1 << 30, 8])]),
     "constantofshape-huge.onnx")
save(mdl([helper.make_node("ConstantOfShape", ["d"], ["k"]),
          helper.make_node("Add", ["x", "k"], ["y"])], [i64("d", [-5, 3])]),
     "constantofshape-negative.onnx")
# 5. Transpose with a perm index out of range
save(mdl([helper.make_node("Shape", ["x"], ["s"]),
          helper.make_node("Unsqueeze", ["s", "a"], ["u"]),
          helper.make_node("Transpose", ["u"], ["t"], perm=[7, 0]),
          helper.make_node("Reshape", ["x", "t"], ["y"])], [i64("a", [0])]), "transpose-perm-7.onnx")
# 6. a node without an operator type, and a nameless initializer
m = mdl([helper.make_node("Relu", ["x"], ["y"])], [])
m.graph.node[0].ClearField("op_type")
save(m, "node-without-op-type.onnx")
m = mdl([helper.make_node("Add", ["x", "k"], ["y"])], [numpy_helper.from_array(np.ones(3, np.float32), "k")])
m.graph.initializer[0].ClearField("name")
save(m, "initializer-without-name.onnx")
# 7. a weight whose dimensions overflow 64 bits when multiplied
t = onnx.TensorProto(); t.name = "w"; t.data_type = TensorProto.FLOAT; t.dims.extend([1 << 31, 1 << 31, 1 << 31, 1 << 31])
save(mdl([helper.make_node("Conv", ["x", "w"], ["y"])], [t]), "weight-dims-overflow.onnx")
# 8. Gather with an index out of range; Slice with an INT64_MIN step
save(mdl([helper.make_node("Shape", ["x"], ["s"]),
          helper.make_node("Gather", ["s", "i"], ["g"]),
          helper.make_node("Reshape", ["x", "g"], ["y"])], [i64("i", [9])]), "gather-index-9.onnx")
save(mdl([helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])],
         [i64("st", [0]), i64("en", [9]), i64("ax", [2]), i64("sp", [-(1 << 63)])]), "slice-step-int64-min.onnx")
# 9. Conv with a 2^40 stride, Pad with 2^40 pads, a node with 100000 inputs
w = numpy_helper.from_array(np.ones((4, 3, 1, 1), np.float32), "w")
save(mdl([helper.make_node("Conv", ["x", "w"], ["y"], strides=[1 << 40, 1])], [w]), "conv-stride-2e40.onnx")
save(mdl([helper.make_node("Pad", ["x", "p"], ["y"])], [i64("p", [0, 0, 1 << 40, 0, 0, 0, 0, 0])]), "pad-2e40.onnx")
save(mdl([helper.make_node("Concat", ["x"] * 30000, ["y"], axis=1)], []), "concat-30000-inputs.onnx")
# 10. integer division of INT64_MIN by -1 in a folded shape
save(mdl([helper.make_node("Div", ["a", "b"], ["c"]),
          helper.make_node("Reshape", ["x", "c"], ["y"])], [i64("a", [-(1 << 63)]), i64("b", [-1])]), "div-int64-min.onnx")
