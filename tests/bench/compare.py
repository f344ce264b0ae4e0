#!/usr/bin/env python3
"""Time the same ONNX files in oclresnet, onnxruntime, OpenVINO and PyTorch,
interleaved.

usage: compare.py [--rounds R] [--iterations N] [--only NAME] [--markdown]
                  [--baseline OCLRESNET] [--no-torch] [--no-openvino]
                  [--intel-runtime]

OpenVINO (`.venv/bin/pip install openvino`; left out when missing) runs its
CPU plugin in float32 with the latency hint; "ours/faster peer" divides by
the faster of onnxruntime and OpenVINO, round by round.

Needs onnxruntime and numpy in the interpreter that runs this script
(`pip install onnxruntime numpy`), Debian's /usr/bin/python3 with torch and
torchvision for export and the PyTorch timings, and a built build/ocl/oclresnet.
Each engine runs in its own process (peak RSS is per process); rounds
alternate between engines so that machine noise hits all of them alike.
Prints, per model, the median over rounds of each engine's median latency,
the oclresnet/onnxruntime ratio (and its range over rounds: each round runs
the engines back to back) and peak resident memory.  --baseline times a
second oclresnet build (e.g. a worktree of an older commit) in the same
rounds, for before/after figures that share the machine's noise.  Each
oclresnet build measures its kernel picks (OCLRESNET_TUNE) into a tuning
cache of the run's own, before the rounds.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "build", "ocl", "oclresnet")
TORCH_PY = "/usr/bin/python3"
OUT = os.path.join(ROOT, "build", "bench")

# name, how to build it in PyTorch, input shape
MODELS = [
    ("resnet18", "torchvision.models.resnet18(weights=None)", (1, 3, 224, 224)),
    ("resnet50", "torchvision.models.resnet50(weights=None)", (1, 3, 224, 224)),
    ("resnet18-b4", "torchvision.models.resnet18(weights=None)", (4, 3, 224, 224)),
    ("resnext50-32x4d", "torchvision.models.resnext50_32x4d(weights=None)", (1, 3, 224, 224)),
    ("seresnet50", "gen_test_models.se_resnet50()", (1, 3, 224, 224)),
    ("cifar-resnet20", "gen_test_models.CifarResNet(3, 'A')", (1, 3, 32, 32)),
    ("cifar-resnet56", "gen_test_models.CifarResNet(9, 'A')", (1, 3, 32, 32)),
]

EXPORT = r"""
import sys, torch, torchvision
sys.path.insert(0, %(models)r)
import gen_test_models
torch.manual_seed(0)
m = %(expr)s.eval()
torch.onnx.export(m, torch.randn(*%(shape)r), %(path)r, opset_version=13,
                  input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
"""

TORCH_TIMER = r"""
import json, sys, time, torch, torchvision
sys.path.insert(0, %(models)r)
import gen_test_models
torch.set_num_threads(%(threads)d)
torch.manual_seed(0)
m = %(expr)s.eval()
x = torch.randn(*%(shape)r)
with torch.no_grad():
    for _ in range(%(warmup)d):
        m(x)
    t = []
    for _ in range(%(iters)d):
        t0 = time.perf_counter(); m(x); t.append((time.perf_counter() - t0) * 1e3)
t.sort()
print(json.dumps({"min_ms": t[0], "median_ms": t[len(t) // 2]}))
"""

ORT_TIMER = r"""
import json, sys, time
import numpy as np, onnxruntime as ort
so = ort.SessionOptions()
so.intra_op_num_threads = %(threads)d
so.inter_op_num_threads = 1
s = ort.InferenceSession(%(path)r, so, providers=["CPUExecutionProvider"])
x = np.random.default_rng(0).standard_normal(%(shape)r).astype(np.float32)
for _ in range(%(warmup)d):
    s.run(None, {"input": x})
t = []
for _ in range(%(iters)d):
    t0 = time.perf_counter(); s.run(None, {"input": x}); t.append((time.perf_counter() - t0) * 1e3)
t.sort()
print(json.dumps({"min_ms": t[0], "median_ms": t[len(t) // 2]}))
"""


# OpenVINO's CPU plugin in float32 (INFERENCE_PRECISION_HINT: on CPUs with
# AMX or AVX512-BF16 it would otherwise run bf16), latency mode, the
# model's batch dimension made static as onnxruntime's run fixes it.
OV_TIMER = r"""
import json, time
import numpy as np, openvino as ov
core = ov.Core()
m = core.read_model(%(path)r)
m.reshape(list(%(shape)r))
c = core.compile_model(m, "CPU", {"PERFORMANCE_HINT": "LATENCY",
                                  "INFERENCE_PRECISION_HINT": "f32",
                                  "INFERENCE_NUM_THREADS": %(threads)d})
r = c.create_infer_request()
x = np.random.default_rng(0).standard_normal(%(shape)r).astype(np.float32)
for _ in range(%(warmup)d):
    r.infer({0: x})
t = []
for _ in range(%(iters)d):
    t0 = time.perf_counter(); r.infer({0: x}); t.append((time.perf_counter() - t0) * 1e3)
t.sort()
print(json.dumps({"min_ms": t[0], "median_ms": t[len(t) // 2]}))
"""


def have_openvino():
    return subprocess.call([sys.executable, "-c", "import openvino"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def peak_rss(cmd, required=True, env=None):
    """Runs cmd and returns (stdout JSON, the child's own peak RSS, MiB);
    (None, 0) when it fails and is not required (a baseline build that
    refuses a model the new one runs)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0 and not required:
        return None, 0
    if status != 0:
        sys.exit("%s failed: %s" % (" ".join(cmd[:3]), err.strip()))
    return json.loads(out.strip().splitlines()[-1]), ru.ru_maxrss / 1024.0


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--only", action="append")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--baseline", help="another oclresnet binary, timed in the same rounds")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch timings")
    ap.add_argument("--no-openvino", action="store_true",
                    help="skip the OpenVINO timings (they need `pip install openvino`)")
    ap.add_argument("--intel-runtime", action="store_true",
                    help="run oclresnet on Intel's OpenCL CPU runtime (.venv/intel-opencl "
                    "from scripts/setup.sh); the peers keep their own libraries")
    args = ap.parse_args()
    # Intel's runtime comes with its own libtbb: on LD_LIBRARY_PATH it would
    # replace OpenVINO's, so only the oclresnet processes get it.
    ocl_env = dict(os.environ)
    if args.intel_runtime:
        intel = os.path.join(ROOT, ".venv", "intel-opencl")
        if not os.path.exists(os.path.join(intel, "lib", "libintelocl.so")):
            sys.exit("no Intel OpenCL runtime in %s (scripts/setup.sh installs it)" % intel)
        ocl_env["OCL_ICD_VENDORS"] = os.path.join(intel, "vendors")
        ocl_env["LD_LIBRARY_PATH"] = os.path.join(intel, "lib") + (
            ":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else "")
    use_ov = not args.no_openvino and have_openvino()
    if not args.no_openvino and not use_ov:
        print("openvino is not installed in this interpreter: its timings are left out",
              file=sys.stderr)
    threads = os.cpu_count() or 1
    os.makedirs(OUT, exist_ok=True)
    models = [m for m in MODELS if not args.only or m[0] in args.only]
    sub = dict(models=os.path.join(ROOT, "models"), threads=threads, warmup=args.warmup,
               iters=args.iterations)

    for name, expr, shape in models:
        path = os.path.join(OUT, name + ".onnx")
        if not os.path.exists(path):
            subprocess.check_call([TORCH_PY, "-c", EXPORT % dict(sub, expr=expr, shape=shape,
                                                                 path=path)],
                                  stderr=subprocess.DEVNULL)

    tmp = tempfile.mkdtemp(prefix="compare-")
    tune_ours = os.path.join(tmp, "tune-ours.txt")
    tune_base = os.path.join(tmp, "tune-baseline.txt")
    rows = []
    for name, expr, shape in models:
        path = os.path.join(OUT, name + ".onnx")
        res = {"ours": [], "ort": [], "torch": [], "base": [], "ov": []}
        rss = {"ours": 0.0, "ort": 0.0, "torch": 0.0}
        first = []
        bench = ["bench", path, "--shape", "x".join(map(str, shape)), "--iterations",
                 str(args.iterations), "--warmup", str(args.warmup), "--json"]
        # Each build measures its own kernel picks, into a tuning cache of
        # this run's (the two builds' kernel sources may be the same, and
        # so would be the cache they share), before the rounds: the rounds
        # time the picks, and peak memory is a loaded net's.
        for tool, cache in ((TOOL, tune_ours), (args.baseline, tune_base)):
            if tool:
                subprocess.run([tool, "bench", path, "--shape", "x".join(map(str, shape)),
                                "--iterations", "1"], env=dict(ocl_env,
                                                               OCLRESNET_TUNE_CACHE=cache),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for r in range(args.rounds):
            d, m = peak_rss([TOOL] + bench, env=dict(ocl_env, OCLRESNET_TUNE_CACHE=tune_ours))
            res["ours"].append(d["median_ms"])
            first.append(d["first_run_ms"] + d["load_ms"])
            rss["ours"] = max(rss["ours"], m)
            if args.baseline:
                d, m = peak_rss([args.baseline] + bench, required=False,
                                env=dict(ocl_env, OCLRESNET_TUNE_CACHE=tune_base))
                if d:
                    res["base"].append(d["median_ms"])
            d, m = peak_rss([sys.executable, "-c", ORT_TIMER % dict(sub, path=path, shape=shape)])
            res["ort"].append(d["median_ms"])
            rss["ort"] = max(rss["ort"], m)
            if use_ov:
                d, m = peak_rss([sys.executable, "-c", OV_TIMER % dict(sub, path=path,
                                                                       shape=shape)])
                res["ov"].append(d["median_ms"])
            if not args.no_torch:
                d, m = peak_rss([TORCH_PY, "-c", TORCH_TIMER % dict(sub, expr=expr, shape=shape)])
                res["torch"].append(d["median_ms"])
                rss["torch"] = max(rss["torch"], m)
        row = dict(name=name, shape="x".join(map(str, shape)),
                   ours=median(res["ours"]), ort=median(res["ort"]),
                   torch=median(res["torch"]) if res["torch"] else float("nan"),
                   first=median(first), rss_ours=rss["ours"], rss_ort=rss["ort"],
                   rss_torch=rss["torch"])
        row["ratio"] = row["ours"] / row["ort"]
        row["ov"] = median(res["ov"]) if res["ov"] else float("nan")
        # Against the faster of the two peers, round by round.
        if res["ov"]:
            best = [o / min(t, v) for o, t, v in zip(res["ours"], res["ort"], res["ov"])]
            row["best_ratio"] = median(best)
            row["best_lo"], row["best_hi"] = min(best), max(best)
        # Each round runs both engines back to back: its own ratio shows how
        # far machine noise moves the comparison.
        by_round = [o / t for o, t in zip(res["ours"], res["ort"])]
        row["ratio_lo"], row["ratio_hi"] = min(by_round), max(by_round)
        row["ratio_mid"] = median(by_round)
        if res["base"] and len(res["base"]) == len(res["ort"]):
            base = [b / t for b, t in zip(res["base"], res["ort"])]
            row["base"] = median(res["base"])
            row["base_ratio"] = row["base"] / row["ort"]
            row["base_lo"], row["base_hi"] = min(base), max(base)
            print("%-15s %-12s baseline %8.2f ms  baseline/ort %.2f (rounds %.2f-%.2f)"
                  % (name, row["shape"], row["base"], row["base_ratio"], row["base_lo"],
                     row["base_hi"]), flush=True)
        rows.append(row)
        if res["ov"]:
            print("%-15s %-12s openvino %8.2f ms  ours/openvino %.2f  ours/faster peer %.2f "
                  "(rounds %.2f-%.2f)" % (name, row["shape"], row["ov"], row["ours"] / row["ov"],
                                          row["best_ratio"], row["best_lo"], row["best_hi"]),
                  flush=True)
        print("%-15s %-12s ours %8.2f ms  onnxruntime %8.2f ms  pytorch %8.2f ms  "
              "ours/ort %.2f (rounds %.2f-%.2f, median %.2f)  | load+first %7.1f ms | "
              "peak RSS MiB: ours %.0f ort %.0f torch %.0f"
              % (name, row["shape"], row["ours"], row["ort"], row["torch"], row["ratio"],
                 row["ratio_lo"], row["ratio_hi"], row["ratio_mid"], row["first"], row["rss_ours"],
                 row["rss_ort"], row["rss_torch"]), flush=True)

    if args.markdown and args.baseline:
        print("\n| model | shape | baseline ms | oclresnet ms | onnxruntime ms "
              "| baseline/ort (by round) | ours/ort (by round) |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            if "base" not in r:
                print("| %s | %s | (refused) | %.2f | %.2f | — | %.2f (%.2f–%.2f) |"
                      % (r["name"], r["shape"], r["ours"], r["ort"], r["ratio"],
                         r["ratio_lo"], r["ratio_hi"]))
                continue
            print("| %s | %s | %.2f | %.2f | %.2f | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) |"
                  % (r["name"], r["shape"], r["base"], r["ours"], r["ort"], r["base_ratio"],
                     r["base_lo"], r["base_hi"], r["ratio"], r["ratio_lo"], r["ratio_hi"]))
    if args.markdown:
        print("\n| model | shape | oclresnet ms | onnxruntime ms | PyTorch ms | ours/ort "
              "| ours/ort by round | load+first run ms | peak RSS MiB (ours / ort / torch) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f–%.2f | %.0f | %.0f / %.0f / %.0f |"
                  % (r["name"], r["shape"], r["ours"], r["ort"], r["torch"], r["ratio"],
                     r["ratio_lo"], r["ratio_hi"], r["first"], r["rss_ours"], r["rss_ort"],
                     r["rss_torch"]))
    if args.markdown and use_ov:
        print("\n| model | shape | oclresnet ms | onnxruntime ms | OpenVINO ms "
              "| ours/faster peer (by round) |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print("| %s | %s | %.2f | %.2f | %.2f | %.2f (%.2f–%.2f) |"
                  % (r["name"], r["shape"], r["ours"], r["ort"], r["ov"], r["best_ratio"],
                     r["best_lo"], r["best_hi"]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
