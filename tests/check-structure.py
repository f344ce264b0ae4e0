#!/usr/bin/python3
"""The source tree's shape: no file in ocl/ or gst/ over 1,000 lines, and
no call cycle between the files of either folder.  A file uses another
when it names a function the other defines (a call, or a row of a
registry that points at it); a cycle means two files each need the other,
and neither can be read, tested or replaced alone.

Usage: check-structure.py SOURCE_ROOT"""

import glob
import os
import re
import sys

MAX_LINES = 1000


def uses(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.c")))
    defined = {}
    for f in files:
        text = open(f).read()
        for m in re.finditer(r"^([a-z_0-9]+) \(", text, re.M):
            before = text[text.rfind("\n", 0, m.start() - 1) + 1:m.start()]
            if "static" not in before:
                defined[m.group(1)] = os.path.basename(f)
    graph = {}
    for f in files:
        text = re.sub(r"/\*.*?\*/", "", open(f).read(), flags=re.S)
        me = os.path.basename(f)
        graph[me] = {other for name, other in defined.items()
                     if other != me and re.search(r"\b%s\b" % name, text)}
    return graph


def cycle_from(graph, start):
    """A path from START back to itself, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return path + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def main():
    root = sys.argv[1]
    problems = []
    for folder in ("ocl", "gst"):
        for f in sorted(glob.glob(os.path.join(root, folder, "*.[ch]"))):
            n = sum(1 for _ in open(f))
            if n > MAX_LINES:
                problems.append(f"{os.path.relpath(f, root)}: {n} lines "
                                f"(at most {MAX_LINES})")
        graph = uses(os.path.join(root, folder))
        reported = set()
        for f in sorted(graph):
            path = cycle_from(graph, f)
            if path and frozenset(path) not in reported:
                reported.add(frozenset(path))
                problems.append(f"{folder}/: a cycle: {' -> '.join(path)}")
    for p in problems:
        print(p)
    if not problems:
        print("ok: no file over %d lines, no cycle between files" % MAX_LINES)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
