#!/usr/bin/env python3
"""Before and after on a noisy machine: two oclresnet builds, alternated.

usage: pairs.py BEFORE AFTER MODEL [--pairs P] [--iterations N]

Runs `BEFORE bench -n N MODEL` and `AFTER bench -n N MODEL` one after the
other P times (which goes first alternates) and prints each build's median
of the runs' medians, and the median and quartiles of AFTER / BEFORE taken
pair by pair.  Where the machine's speed drifts by tens of % between
minutes (BENCHMARKS.md), a pair shares its minute, so the pairs' ratio
moves much less than either build's times.  Each build measures its own
picks on its first run, unless the other build measured the same layer
among the same candidates with the same kernel source (the tuning cache's
key).
compare.py --baseline is the full table against the peers; this is the
quick check of one change.
"""
import argparse
import re
import statistics
import subprocess
import sys


def median_ms(tool, model, iterations):
    out = subprocess.run([tool, "bench", "-n", str(iterations), model],
                         capture_output=True, text=True)
    m = re.search(r"median ([0-9.]+) ms", out.stdout)
    if out.returncode != 0 or m is None:
        sys.exit(f"{tool} bench {model}: {out.stderr.strip() or out.stdout.strip()}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("model")
    ap.add_argument("--pairs", type=int, default=30)
    ap.add_argument("--iterations", type=int, default=10)
    args = ap.parse_args()
    before, after, ratios = [], [], []
    for i in range(args.pairs):
        if i % 2:
            b = median_ms(args.after, args.model, args.iterations)
            a = median_ms(args.before, args.model, args.iterations)
        else:
            a = median_ms(args.before, args.model, args.iterations)
            b = median_ms(args.after, args.model, args.iterations)
        before.append(a)
        after.append(b)
        ratios.append(b / a)
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    print(f"{args.model}: before {statistics.median(before):.2f} ms, "
          f"after {statistics.median(after):.2f} ms, after/before by pair "
          f"{statistics.median(ratios):.3f} (quartiles {q[0]:.3f}-{q[2]:.3f}, "
          f"{args.pairs} pairs of {args.iterations} runs)")


if __name__ == "__main__":
    main()
