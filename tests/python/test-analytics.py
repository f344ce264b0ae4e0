#!/usr/bin/python3
"""examples/read-analytics.py against the build tree (GStreamer >= 1.24):
Python reads every classification resnetclassify wrote as a GstAnalytics
ClsMtd, with its detection's box, type and tracking id, and each equals
the GstClassificationMeta of the same region, read through the
GstClassification typelib.

Usage: test-analytics.py EXAMPLE MODEL LABELS
(GI_TYPELIB_PATH, LD_LIBRARY_PATH and GST_PLUGIN_PATH point at the build.)"""

import importlib.util
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstClassification", "1.0")
from gi.repository import GLib, Gst, GstClassification  # noqa: E402


def load_example(path):
    spec = importlib.util.spec_from_file_location("read_analytics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    example, model, labels = sys.argv[1:4]
    read = load_example(example)
    Gst.init(None)
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)

    frames = [[("car", (2, 3, 30, 20), 101), ("person", (0, 0, 20, 40), 303),
               ("car", (30, 20, 34, 28), None)] for _ in range(3)]
    results = read.classify(frames, model, labels, extra="roi-type=car top-k=3")
    check(len(results) == 3, f"{len(results)} frames came back, not 3")
    for n, (buffer, answers) in enumerate(results):
        check(len(answers) == 2, f"frame {n}: {len(answers)} classifications")
        tracks = sorted(str(a.get("track")) for a in answers)
        check(tracks == ["101", "None"], f"frame {n}: tracks {tracks}")
        metas = GstClassification.buffer_get_classification_metas(buffer)
        check(len(metas) == 2, f"frame {n}: {len(metas)} metas")
        for a in answers:
            check(a.get("type") == "car", f"frame {n}: type {a.get('type')}")
            # The meta of the same region: by tracking id, else by box.
            meta = None
            for m in metas:
                region = m.get_region(buffer)
                if (a["track"] is not None and m.get_roi_id() == a["track"]) or \
                        (a["track"] is None and region is not None and
                         (region.x, region.y, region.w, region.h) == a["box"]):
                    meta = m
            if meta is None:
                check(False, f"frame {n}: no meta for {a}")
                continue
            mine = [(meta.get_label(i), round(meta.get_result(i)[3], 6))
                    for i in range(meta.get_n_results())]
            theirs = [(c["label"], round(c["confidence"], 6))
                      for c in a["classes"]]
            check(mine == theirs and len(mine) == 3,
                  f"frame {n}: meta {mine} != ClsMtd {theirs}")
    # Frames 1 and 2 carried the tracked car's answer (reclassify) or ran
    # it again: either way the classes are the meta's, checked above.
    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    print(f"ok: {sum(len(a) for _, a in results)} classifications read "
          "as ClsMtd equal their GstClassificationMeta")
    return 0


if __name__ == "__main__":
    sys.exit(main())
