"""What hostile model files cost to load and run: time and peak memory of
`oclresnet run` against onnxruntime on the same files (BENCHMARKS.md,
"Hostile files").  Not a test: the machine is noisy; the figures go in
BENCHMARKS.md with the CPU.

  - chains of 16,000 and 32,000 ReLUs (load time once grew with the square
    of the node count);
  - 2,000 unused tensors naming one 1 MiB external file beside the one
    weight the graph reads from it (each tensor once took its own copy);
  - 20 int8 tensors over one 16 MiB file, each dequantized into a weight
    the graph uses (each once widened to 8 bytes an element).

usage: .venv/bin/python tests/bench/hostile-load.py OCLRESNET [--baseline OLD_OCLRESNET]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def relu_chain(n):
    nodes = [helper.make_node("Relu", ["x" if i == 0 else "r%d" % (i - 1)],
                              ["r%d" % i if i < n - 1 else "y"]) for i in range(n)]
    io = [helper.make_tensor_value_info(v, TensorProto.FLOAT, [1, 3, 8, 8]) for v in "xy"]
    return helper.make_model(helper.make_graph(nodes, "chain", io[:1], io[1:]),
                             opset_imports=[helper.make_opsetid("", 13)]), {}


def external(t, location, length, offset=0):
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def many_tensors():
    w = external(numpy_helper.from_array(np.zeros((4, 3, 3, 3), np.float32), "w"), "big.bin", 432)
    w.ClearField("raw_data")
    inits = [w]
    for i in range(2000):
        t = onnx.TensorProto()
        t.name, t.data_type = "unused%d" % i, TensorProto.FLOAT
        t.dims.extend([256, 1024])
        inits.append(external(t, "big.bin", 1 << 20))
    io = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8]),
          helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])]
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
                          "many", io[:1], io[1:], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), \
        {"big.bin": 1 << 20}


def int8_tensors():
    """20 convolutions 512 -> 512, 3 x 3 over a 1 x 1 map (2.25 MiB of int8
    weight each) at offsets into one 16 MiB file, QDQ-dequantized."""
    nodes, inits, x = [], [], "x"
    per = 512 * 512 * 9
    for i in range(20):
        q = onnx.TensorProto()
        q.name, q.data_type = "q%d" % i, TensorProto.INT8
        q.dims.extend([512, 512, 3, 3])
        inits += [external(q, "int8.bin", per, (i * 786432) % ((16 << 20) - per)),
                  numpy_helper.from_array(np.float32(1e-3), "s%d" % i)]
        nodes += [helper.make_node("DequantizeLinear", ["q%d" % i, "s%d" % i], ["w%d" % i]),
                  helper.make_node("Conv", [x, "w%d" % i], ["c%d" % i], pads=[1, 1, 1, 1])]
        x = "c%d" % i
    nodes[-1].output[0] = "y"
    io = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512, 1, 1]),
          helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 512, 1, 1])]
    g = helper.make_graph(nodes, "int8", io[:1], io[1:], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), \
        {"int8.bin": 16 << 20}


def timed(cmd):
    """(seconds, peak RSS in MB, status) of one process."""
    # stderr to a file: onnxruntime warns once per unused initializer,
    # more than a pipe holds while we wait.
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace").strip()
    return dt, usage.ru_maxrss / 1024.0, p.returncode, text


ORT = """
import sys, numpy as np, onnxruntime as ort
s = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
s.run(None, {s.get_inputs()[0].name: np.load(sys.argv[2])})
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--baseline")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", help="cases whose label starts with this")
    a = ap.parse_args()
    cases = [("16,000 ReLUs", relu_chain(16000), (1, 3, 8, 8)),
             ("32,000 ReLUs", relu_chain(32000), (1, 3, 8, 8)),
             ("2,000 tensors over one 1 MiB file", many_tensors(), (1, 3, 8, 8)),
             ("20 int8 tensors over one 16 MiB file", int8_tensors(), (1, 512, 1, 1))]
    cases = [c for c in cases if a.only is None or c[0].startswith(a.only)]
    tools = [("ours", a.tool)] + ([("baseline", a.baseline)] if a.baseline else [])
    print("| case | " + " | ".join("%s s | %s MB" % (n, n) for n, _ in tools)
          + " | onnxruntime s | onnxruntime MB |")
    print("|---" * (2 * len(tools) + 3) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, (m, files), shape in cases:
            path = os.path.join(tmp, "m.onnx")
            onnx.save(m, path)
            for name, size in files.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(np.random.RandomState(0).randint(-3, 4, size, np.int8).tobytes()
                            if name == "int8.bin" else bytes(size))
            xin = os.path.join(tmp, "x.npy")
            np.save(xin, np.random.RandomState(1).standard_normal(shape).astype(np.float32))
            row = []
            runs = {n: [] for n, _ in tools}
            runs["ort"] = []
            for _ in range(a.rounds):       # interleaved
                for n, t in tools:
                    runs[n].append(timed([t, "run", path, "--input", xin, "--output",
                                          os.path.join(tmp, "y.npy")]))
                runs["ort"].append(timed([sys.executable, "-c", ORT, path, xin]))
            for n in [n for n, _ in tools] + ["ort"]:
                r = runs[n]
                if any(x[2] != 0 for x in r):
                    row += ["failed: %s" % r[0][3][:60], ""]
                    continue
                row += ["%.2f" % np.median([x[0] for x in r]),
                        "%.0f" % np.median([x[1] for x in r])]
            print("| %s | %s |" % (label, " | ".join(row)), flush=True)


if __name__ == "__main__":
    main()
