#!/usr/bin/python3
"""Many cameras, one model: N streams of 1280x720 NV12 through resnetclassify,
each element with a net of its own (private) or all sharing one instance
(model-instance-id) at batch 1 or 4, for a fixed time.

usage: multi-stream.py [--models resnet18,resnet50] [--streams 1,2,4,8]
                       [--modes private,shared-b1,shared-b4] [--seconds S]
                       [--rounds R] [--markdown]

Each configuration runs in a process of its own (so that its peak RSS is its
own); rounds go through all configurations in turn, so machine noise hits
them alike.  Reports the aggregate frames per second (median over rounds),
the per-frame latency p50/p99 (the wait for a batch plus the run, from the
element's messages), the slowest stream's share of the mean frame count,
and the peak resident memory.  The models are the ONNX files
tests/bench/compare.py exports into build/bench/ (random weights).  Run with
Debian's /usr/bin/python3 (python3-gi).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "build", "bench")
EXPORT = os.path.join(ROOT, "tests", "bench", "compare.py")


def run_one(model, streams, mode, seconds):
    """In the child: one configuration; prints a JSON line."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    shared = ""
    if mode.startswith("shared"):
        batch = int(mode.split("-b")[1])
        shared = "model-instance-id=bench batch-size=%d batch-timeout=20" % batch
    parts = []
    for i in range(streams):
        # A queue per stream: the source makes its next frame while the
        # element waits, as a decoder or a camera would.
        # Cheap patterns (bars, solid colours): the figures are the
        # element's, not videotestsrc's (its noise pattern alone costs ms).
        parts.append("videotestsrc pattern=%d ! video/x-raw,format=NV12,width=1280,"
                     "height=720,framerate=30/1 ! queue max-size-buffers=3 ! "
                     "resnetclassify name=rc%d model=%s "
                     "post-messages=every qos=false %s ! fakesink sync=false"
                     % ([0, 2, 3, 4, 5, 6][i % 6], i, model, shared))
    pipe = Gst.parse_launch(" ".join(parts))
    bus = pipe.get_bus()
    counts = [0] * streams
    lat = []
    pipe.set_state(Gst.State.PLAYING)
    # The first frames pay for start-up: count from the first result on.
    t0 = None
    end = None
    while True:
        msg = bus.timed_pop_filtered(100 * Gst.MSECOND,
                                     Gst.MessageType.ELEMENT | Gst.MessageType.ERROR)
        now = time.monotonic()
        if msg is not None and msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            sys.exit("pipeline error: %s (%s)" % (err.message, dbg))
        if msg is not None and msg.get_structure().get_name() == "resnetclassify":
            s = msg.get_structure()
            if t0 is None:
                t0 = now
                end = t0 + seconds
            elif now < end:
                k = int(msg.src.get_name()[2:])
                counts[k] += 1
                lat.append((s.get_value("wait-time") + s.get_value("inference-time")) / 1000.0)
        if end is not None and now >= end:
            break
    pipe.set_state(Gst.State.NULL)
    lat.sort()
    total = sum(counts)
    mean = total / streams
    print(json.dumps({
        "fps": total / seconds,
        "p50": lat[len(lat) // 2] if lat else 0.0,
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else 0.0,
        "slowest": min(counts) / mean if mean else 0.0,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_one(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="resnet18,resnet50")
    ap.add_argument("--streams", default="1,2,4,8")
    ap.add_argument("--modes", default="private,shared-b1,shared-b4")
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    env = dict(os.environ)
    env["GST_PLUGIN_PATH"] = os.path.join(ROOT, "build", "gst")
    models = args.models.split(",")
    missing = [m for m in models if not os.path.exists(os.path.join(BENCH, m + ".onnx"))]
    if missing:
        # The same export as compare.py's (torchvision, random weights).
        sys.path.insert(0, os.path.dirname(EXPORT))
        import compare
        os.makedirs(BENCH, exist_ok=True)
        for name, expr, shape in compare.MODELS:
            if name in missing:
                subprocess.check_call([compare.TORCH_PY, "-c", compare.EXPORT % dict(
                    models=os.path.join(ROOT, "models"), expr=expr, shape=shape,
                    path=os.path.join(BENCH, name + ".onnx"))], stderr=subprocess.DEVNULL)
    configs = [(m, int(n), mode) for m in models for n in args.streams.split(",")
               for mode in args.modes.split(",")]
    res = {c: [] for c in configs}
    for r in range(args.rounds):
        for c in configs:
            path = os.path.join(BENCH, c[0] + ".onnx")
            out = subprocess.run([sys.executable, __file__, "--child", path, str(c[1]), c[2],
                                  str(args.seconds)], env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit("%s: %s" % (c, out.stderr.strip()[-500:]))
            d = json.loads(out.stdout.strip().splitlines()[-1])
            res[c].append(d)
            print("round %d %-9s %d streams %-10s %6.1f fps  p50 %6.1f ms  p99 %6.1f ms  "
                  "slowest %.2f  RSS %5.0f MiB" % (r, c[0], c[1], c[2], d["fps"], d["p50"],
                                                   d["p99"], d["slowest"], d["rss"]),
                  flush=True)
    if args.markdown:
        print("\n| model | streams | mode | frames/s | p50 ms | p99 ms | slowest stream "
              "| peak RSS MiB |")
        print("|---|---|---|---|---|---|---|---|")
        for c in configs:
            v = res[c]
            print("| %s | %d | %s | %.1f | %.1f | %.1f | %.2f | %.0f |"
                  % (c[0], c[1], c[2], median([d["fps"] for d in v]),
                     median([d["p50"] for d in v]), median([d["p99"] for d in v]),
                     min(d["slowest"] for d in v), max(d["rss"] for d in v)))


if __name__ == "__main__":
    main()
