#!/usr/bin/env python3
"""Is the measured pick each layer's fastest candidate *in the network*?

usage: picks.py MODEL [--rounds R] [--iterations N] [--tool OCLRESNET]

1. `oclresnet tune MODEL` measures every layer's candidates the way a first
   load does and prints them with its picks (into a private tuning cache).
2. Each candidate index k becomes a tuning cache of its own that forces the
   k-th candidate on every layer that has one (the measured pick where a
   layer has fewer); with the measured cache that is K + 1 configurations.
3. Rounds alternate the configurations (`bench --profile`), so that the
   machine's noise hits them alike; a layer's time in a configuration is
   the median over rounds of its steps' profiled time (a Winograd F(4x4)
   layer's input transform included).
4. For every layer: the pick's in-network time against the fastest forced
   candidate's; the issue's bar is within 5 %.  Also each configuration's
   network median, and the "oracle" sum (each layer's fastest candidate).

Layers with the same signature (and candidates) share one cache entry, as
they do in the tuning cache itself.  Run from the repository root after a build.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = "oclresnet tuning 2"


def tune(tool, model, cache):
    env = dict(os.environ, OCLRESNET_TUNE_CACHE=cache)
    out = subprocess.run([tool, "tune", model], env=env, check=True,
                         capture_output=True, text=True).stdout
    layers = []
    for line in out.splitlines():
        m = re.match(r"^(\S.*?): (conv .*)$", line)
        if m:
            layers.append({"node": m.group(1), "sig": m.group(2),
                           "cands": [], "ms": [], "pick": None})
            continue
        m = re.match(r"^  ([* ]) (.+?)\s+([0-9.]+) ms$", line)
        if m and layers:
            lay = layers[-1]
            if m.group(1) == "*":
                lay["pick"] = len(lay["cands"])
            lay["cands"].append(m.group(2).strip())
            lay["ms"].append(float(m.group(3)))
    if not layers:
        sys.exit("picks.py: `oclresnet tune` printed no layer:\n" + out)
    return layers


def write_cache(path, choice):
    with open(path, "w") as f:
        f.write(HEADER + "\n")
        for sig, cand in sorted(choice.items()):
            f.write("%s\t%s\n" % (sig, cand))


def profile(tool, model, cache, iterations):
    """The network median and each tuned layer's time, in plan order."""
    env = dict(os.environ, OCLRESNET_TUNE_CACHE=cache, OCLRESNET_TUNE="1")
    out = subprocess.run([tool, "bench", model, "-n", str(iterations),
                          "--profile"], env=env, check=True,
                         capture_output=True, text=True).stdout
    median = float(re.search(r"median ([0-9.]+) ms", out).group(1))
    times, pending = [], 0.0
    for line in out.splitlines():
        m = re.match(r"^\s+\d+\s+([0-9.]+)\s+[0-9.]+\s+(.*)$", line)
        if not m:
            continue
        ms, desc = float(m.group(1)), m.group(2)
        if desc.startswith("winograd4 input"):
            pending += ms
        else:
            # a convolution (or a convolution that is a fully connected layer)
            if "cached]" in desc:
                times.append(ms + pending)
            pending = 0.0
    return median, times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--tool", default=os.path.join(ROOT, "build", "ocl", "oclresnet"))
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="picks-")
    measured = os.path.join(tmp, "measured.txt")
    layers = tune(args.tool, args.model, measured)
    n_cand = max(len(lay["cands"]) for lay in layers)
    configs = [("measured", measured)]
    for k in range(n_cand):
        choice = {}
        for lay in layers:
            i = k if k < len(lay["cands"]) else lay["pick"]
            # the cache's key: the signature and the candidates listed
            key = lay["sig"] + " among " + "; ".join(lay["cands"])
            choice.setdefault(key, lay["cands"][i])
        path = os.path.join(tmp, "forced-%d.txt" % k)
        write_cache(path, choice)
        configs.append(("candidate %d" % k, path))

    nets = {name: [] for name, _ in configs}
    per = {name: [] for name, _ in configs}
    for r in range(args.rounds):
        for name, path in configs:
            med, times = profile(args.tool, args.model, path, args.iterations)
            if len(times) != len(layers):
                sys.exit("picks.py: %d tuned layers in the profile, %d in tune"
                         % (len(times), len(layers)))
            nets[name].append(med)
            per[name].append(times)
        print("round %d: %s" % (r + 1, ", ".join(
            "%s %.3f" % (n, nets[n][-1]) for n, _ in configs)), flush=True)

    def layer_ms(name, i):
        return statistics.median(t[i] for t in per[name])

    within, oracle = 0, 0.0
    print("\n| layer | candidates, in-network ms (median of %d) | pick | "
          "pick / fastest |" % args.rounds)
    print("|---|---|---|---|")
    for i, lay in enumerate(layers):
        # the candidate a forced configuration ran on this layer
        ran = {}
        for k in range(n_cand):
            c = k if k < len(lay["cands"]) else lay["pick"]
            ran.setdefault(c, layer_ms("candidate %d" % k, i))
        fastest = min(ran.values())
        mine = ran[lay["pick"]]
        oracle += fastest
        ok = mine <= fastest * 1.05
        within += ok
        print("| %s | %s | %s | %.2f%s |" % (
            lay["node"], ", ".join("%s %.3f" % (lay["cands"][c], ran[c])
                                   for c in sorted(ran)),
            lay["cands"][lay["pick"]], mine / fastest, "" if ok else " **"))
    print("\n%d of %d layers' picks within 5 %% of their fastest candidate"
          % (within, len(layers)))
    print("sum of the tuned layers: measured picks %.3f ms, fastest each %.3f ms"
          % (statistics.median(sum(t) for t in per["measured"]), oracle))
    for name, _ in configs:
        print("network median, %s: %.3f ms" % (name, statistics.median(nets[name])))


if __name__ == "__main__":
    main()
