#!/usr/bin/python3
"""Reads GstClassificationMeta from Python, in an appsink callback.

    examples/read-meta.py [--model M.onnx] [--labels L.txt] [--frames N] [PIPELINE]

PIPELINE is a gst-launch-1.0 description of the source part (default: a
test pattern); the script appends resnetclassify and an appsink, and prints
one line per classification meta:

    frame 3 roi -1 fresh model=resnet20-cifar10: truck (9) 0.812, ...

(a model of several outputs: each head, "color: red; type: van").

From the build tree (what `meson test` does):

    GI_TYPELIB_PATH=build/gst LD_LIBRARY_PATH=build/gst \\
    GST_PLUGIN_PATH=build/gst examples/read-meta.py

Installed, the typelib and the library are found without the variables.
"""

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstClassification", "1.0")
from gi.repository import GLib, Gst, GstClassification  # noqa: E402


def describe_head(meta, h):
    """Head H of a meta (one output of a model of several): its name, kind
    ("softmax", "multilabel" or "embedding") and classes, or its vector."""
    kind = GstClassification.classification_head_kind_get_name(meta.get_head_kind(h))
    d = {"name": meta.get_head_name(h), "kind": kind}
    if kind == "embedding":
        d["vector"] = list(meta.get_head_vector(h))
    else:
        d["classes"] = []
        for i in range(meta.get_head_n_results(h)):
            ok, class_id, _quark, confidence = meta.get_head_result(h, i)
            d["classes"].append({"label": meta.get_head_label(h, i),
                                 "class_id": class_id, "confidence": confidence})
    return d


def describe(meta, buffer=None):
    """One meta as a dictionary of plain Python values; with its BUFFER, a
    region's box too (the very region meta it was computed on)."""
    classes = []
    for i in range(meta.get_n_results()):
        ok, class_id, _quark, confidence = meta.get_result(i)
        classes.append({"label": meta.get_label(i), "class_id": class_id,
                        "confidence": confidence})
    d = {"whole_frame": meta.is_whole_frame(), "roi_id": meta.get_roi_id(),
         "fresh": meta.is_fresh(), "model": meta.get_model(), "classes": classes,
         "heads": [describe_head(meta, h) for h in range(meta.get_n_heads())]}
    region = meta.get_region(buffer) if buffer and not d["whole_frame"] else None
    if region:
        d["roi"] = (region.x, region.y, region.w, region.h)
    return d


def classify(source, model, labels=None, extra=""):
    """Runs SOURCE ! resnetclassify ! appsink; returns [(pts, [meta dict])]."""
    frames = []

    def on_sample(sink):
        sample = sink.emit("pull-sample")
        buffer = sample.get_buffer()
        metas = GstClassification.buffer_get_classification_metas(buffer)
        frames.append((buffer.pts, [describe(m, buffer) for m in metas]))
        return Gst.FlowReturn.OK

    pipeline = Gst.parse_launch(
        f"{source} ! resnetclassify name=classify model=\"{model}\" "
        + (f"labels=\"{labels}\" " if labels else "")
        + f"{extra} ! appsink name=sink emit-signals=true sync=false")
    pipeline.get_by_name("sink").connect("new-sample", on_sample)
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if message.type == Gst.MessageType.ERROR:
        error, debug = message.parse_error()
        raise RuntimeError(f"{error.message} ({debug})")
    return frames


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="build/models/resnet20-cifar10.onnx")
    parser.add_argument("--labels", default="models/cifar10-labels.txt")
    parser.add_argument("--frames", type=int, default=10)
    parser.add_argument("source", nargs="?")
    args = parser.parse_args()
    Gst.init(None)
    source = args.source or (f"videotestsrc num-buffers={args.frames} "
                             "! video/x-raw,width=320,height=240")
    try:
        frames = classify(source, args.model, args.labels)
    except (GLib.Error, RuntimeError) as e:
        print(f"read-meta: {e}", file=sys.stderr)
        return 1
    for n, (_pts, metas) in enumerate(frames):
        for m in metas:
            top = ", ".join(f"{c['label']} ({c['class_id']}) {c['confidence']:.3f}"
                            for c in m["classes"])
            if len(m["heads"]) > 1:
                top = "; ".join(
                    f"{h['name']}: " + (f"{len(h['vector'])} values" if "vector" in h else
                                        ", ".join(c["label"] for c in h["classes"]))
                    for h in m["heads"])
            where = "" if m["whole_frame"] else f" at {m.get('roi')}"
            print(f"frame {n} roi {m['roi_id']}{where} "
                  f"{'fresh' if m['fresh'] else 'carried'} model={m['model']}: {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
