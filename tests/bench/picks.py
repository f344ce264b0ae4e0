#!/usr/bin/env python3
"""Is the measured pick each layer's fastest candidate *in the network*?

usage: picks.py MODEL [--rounds R] [--iterations N] [--tool OCLRESNET]
                [--configs BENCH_CONFIGS]

1. `oclresnet tune MODEL` measures every layer's candidates the way a first
   load does and prints them with its picks (into a private tuning cache).
2. For each layer kind (a signature and its candidates: one tuning cache
   entry, which every layer of that kind shares), each other candidate
   makes a cache of its own: the measured picks with that entry changed.
   Only that kind's layers run something else; their neighbours run what
   they run in the measured network.
3. One process loads the model from the measured cache and from each
   variant, and runs the nets in turns, in rounds
   (build/tests/bench-configs, per-layer profiling): the machine's speed
   moves in phases of seconds and differs from one process to the next,
   and nets that take turns in one process share them.
4. A candidate's time is the profiled time of the kind's layers (a
   Winograd F(4x4) layer's input transform included), the median of a
   round's runs; its ratio to the measured pick's is taken round by round,
   the median over rounds.  "pick / fastest" is 1 over the lowest ratio
   (1 where none is under 1); the issue's bar is within 5 %.  The network
   ratio beside it (the variant's run time over the measured net's, round
   by round) also counts the gaps between launches, which profiled times
   leave out: a candidate of two launches (F(4x4)'s input transform and
   products) costs a launch more than its profiled time shows.

Run from the repository root after a build.
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


def tuned_times(steps):
    """Each tuned layer's time from a net's (ms, description) steps."""
    times, pending = [], 0.0
    for ms, desc in steps:
        if desc.startswith("winograd4 input"):
            pending += ms
        else:
            # a convolution (or a convolution that is a fully connected layer)
            if "cached]" in desc:
                times.append(ms + pending)
            pending = 0.0
    return times


def run_configs(tool, model, caches, rounds, iterations):
    """[net][round] = (network median, tuned layers' times), each the
    median of the round's runs."""
    out = subprocess.run([tool, model, str(rounds), str(iterations)] + caches,
                         check=True, capture_output=True, text=True).stdout
    names, runs = {}, {}
    for line in out.splitlines():
        f = line.split(" ", 3)
        if f[0] == "step":
            names.setdefault(int(f[1]), []).append(f[3])
        elif f[0] == "run":
            runs.setdefault((int(f[1]), int(f[2])), []).append(
                [float(x) for x in f[3].split()])
    result = []
    for k in range(len(caches)):
        result.append([])
        for r in range(rounds):
            cols = list(zip(*runs[k, r]))
            steps = [statistics.median(c) for c in cols[1:]]
            result[-1].append((statistics.median(cols[0]),
                               tuned_times(list(zip(steps, names[k])))))
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--tool", default=os.path.join(ROOT, "build", "ocl", "oclresnet"))
    ap.add_argument("--configs", default=os.path.join(ROOT, "build", "tests",
                                                      "bench-configs"))
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="picks-")
    measured = os.path.join(tmp, "measured.txt")
    layers = tune(args.tool, args.model, measured)

    def key(lay):
        # the cache's key: the signature and the candidates listed
        return lay["sig"] + " among " + "; ".join(lay["cands"])

    choice = {}
    for lay in layers:
        choice.setdefault(key(lay), lay["cands"][lay["pick"]])
    kinds = {}
    for i, lay in enumerate(layers):
        kinds.setdefault(key(lay), []).append(i)

    within, n_kinds, picked, oracle = 0, 0, 0.0, 0.0
    print("| layers | candidates: ms (median of %d rounds), time over the "
          "pick's, network over the measured net's | pick | pick / fastest |"
          % args.rounds)
    print("|---|---|---|---|")
    for k, idx in kinds.items():
        lay = layers[idx[0]]
        others = [c for c in range(len(lay["cands"])) if c != lay["pick"]]
        if not others:
            continue
        caches = [measured]
        for c in others:
            path = os.path.join(tmp, "variant-%d.txt" % c)
            write_cache(path, dict(choice, **{k: lay["cands"][c]}))
            caches.append(path)
        runs = run_configs(args.configs, args.model, caches, args.rounds,
                           args.iterations)
        for rs in runs:
            for _, times in rs:
                if len(times) != len(layers):
                    sys.exit("picks.py: %d tuned layers in the profile, %d in "
                             "tune" % (len(times), len(layers)))

        def ms(v, r):
            return sum(runs[v][r][1][i] for i in idx)

        rows, lowest = [], 1.0
        pick_ms = statistics.median(ms(0, r) for r in range(args.rounds))
        for v, c in enumerate(others, 1):
            ratio = statistics.median(ms(v, r) / ms(0, r)
                                      for r in range(args.rounds))
            net = statistics.median(runs[v][r][0] / runs[0][r][0]
                                    for r in range(args.rounds))
            lowest = min(lowest, ratio)
            rows.append("%s %.3f (%.2f, net %.3f)" % (
                lay["cands"][c],
                statistics.median(ms(v, r) for r in range(args.rounds)),
                ratio, net))
        rel = 1.0 / lowest
        ok = rel <= 1.05
        within += ok
        n_kinds += 1
        picked += pick_ms
        oracle += pick_ms * lowest
        print("| %s | %s | %s %.3f | %.2f%s |" % (
            ", ".join(layers[i]["node"] for i in idx), "; ".join(rows),
            lay["cands"][lay["pick"]], pick_ms, rel, "" if ok else " **"),
            flush=True)
    print("\n%d of %d layer kinds' picks within 5 %% of their fastest "
          "candidate" % (within, n_kinds))
    print("their layers: measured picks %.3f ms, fastest each %.3f ms"
          % (picked, oracle))


if __name__ == "__main__":
    main()
