#!/usr/bin/python3
"""Reads resnetclassify's answers as GStreamer's own analytics metas
(GstAnalytics, GStreamer >= 1.24), the form other elements and DL Streamer
read: each classification (ClsMtd) with the object detection (ODMtd) it is
part of, and that detection's tracking id (TrackingMtd) where a tracker
gave one.

    examples/read-analytics.py [--model M.onnx] [--labels L.txt] [--frames N]

Runs a test pattern through appsrc with two "car" detections a frame (the
first one tracked), classifies them (inference-region=roi-list), and
prints one line per classification:

    frame 0 car (2,3 30x20) track 101: truck 0.81, ship 0.07

Needs a plugin built against GStreamer >= 1.24 with gstreamer-analytics-1.0
(scripts/test-newer-gst.sh builds one against a prefix).
"""

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstAnalytics", "1.0")
from gi.repository import GLib, Gst, GstAnalytics  # noqa: E402

CLS = GstAnalytics.cls_mtd_get_mtd_type()
OD = GstAnalytics.od_mtd_get_mtd_type()
TRACKING = GstAnalytics.tracking_mtd_get_mtd_type()


def mtds(rmeta, mtd_type):
    """Every metadata of MTD_TYPE in RMETA, in the order they were added."""
    out = []
    for i in range(GstAnalytics.relation_get_length(rmeta)):
        ok, m = rmeta.get_mtd(i, mtd_type)
        if ok:
            out.append(m)
    return out


def related(rmeta, first, mtd_type, relation):
    """The metadata of MTD_TYPE that FIRST has RELATION to, or None."""
    for m in mtds(rmeta, mtd_type):
        if rmeta.get_relation(first.id, m.id) & relation:
            return m
    return None


def add_detection(rmeta, label, box, track=None):
    """An ODMtd of LABEL at BOX (x, y, w, h), followed by a TrackingMtd
    when TRACK is given, as a detector and a tracker write them."""
    ok, od = rmeta.add_od_mtd(GLib.quark_from_string(label), *box, 0.9)
    assert ok
    if track is not None:
        ok, trk = rmeta.add_tracking_mtd(track, 0)
        assert ok
        rmeta.set_relation(GstAnalytics.RelTypes.RELATE_TO, od.id, trk.id)
    return od


def describe(buffer):
    """The buffer's classifications as dictionaries of plain values: the
    classes (label, confidence), and for a region its box, type and
    tracking id (None when untracked)."""
    rmeta = GstAnalytics.buffer_get_analytics_relation_meta(buffer)
    if rmeta is None:
        return []
    out = []
    for cls in mtds(rmeta, CLS):
        cls = rmeta.get_cls_mtd(cls.id)[1]
        d = {"classes": [{"label": GLib.quark_to_string(cls.get_quark(i)),
                          "confidence": cls.get_level(i)}
                         for i in range(cls.get_length())]}
        od = related(rmeta, cls, OD, GstAnalytics.RelTypes.IS_PART_OF)
        if od is not None:
            od = rmeta.get_od_mtd(od.id)[1]
            loc = od.get_location()
            d["box"] = (loc.x, loc.y, loc.w, loc.h)
            d["type"] = GLib.quark_to_string(od.get_obj_type())
            trk = related(rmeta, od, TRACKING, GstAnalytics.RelTypes.ANY)
            d["track"] = (rmeta.get_tracking_mtd(trk.id)[1].get_info().tracking_id
                          if trk is not None else None)
        out.append(d)
    return out


def classify(frames, model=None, labels=None, width=64, height=48, extra=""):
    """Pushes FRAMES (lists of (label, box, track) detections) through
    appsrc ! resnetclassify ! appsink; returns [(buffer, [dict])]."""
    files = (f' model="{model}"' if model else "") + \
        (f' labels="{labels}"' if labels else "")
    pipeline = Gst.parse_launch(
        f"appsrc name=src format=time caps=video/x-raw,format=RGB,"
        f"width={width},height={height},framerate=30/1 ! "
        f"resnetclassify{files} inference-region=roi-list {extra} ! "
        "appsink name=sink sync=false")
    src, sink = pipeline.get_by_name("src"), pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    results = []
    for n, detections in enumerate(frames):
        data = bytes((i * 7 + n * 13) & 0xFF for i in range(width * height * 3))
        buffer = Gst.Buffer.new_wrapped(data)
        buffer.pts = n * Gst.SECOND // 30
        rmeta = GstAnalytics.buffer_add_analytics_relation_meta(buffer)
        for label, box, track in detections:
            add_detection(rmeta, label, box, track)
        src.emit("push-buffer", buffer)
        sample = sink.emit("try-pull-sample", 60 * Gst.SECOND)
        if sample is None:
            break
        results.append((sample.get_buffer(), describe(sample.get_buffer())))
    src.emit("end-of-stream")
    pipeline.set_state(Gst.State.NULL)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="ONNX model (default: the element's)")
    parser.add_argument("--labels", help="labels file")
    parser.add_argument("--frames", type=int, default=3)
    args = parser.parse_args()
    Gst.init(None)
    frames = [[("car", (2, 3, 30, 20), 101), ("car", (30, 20, 34, 28), None)]
              for _ in range(args.frames)]
    results = classify(frames, args.model, args.labels)
    if len(results) != len(frames):
        print("read-analytics: the pipeline stopped early", file=sys.stderr)
        return 1
    for n, (_buffer, answers) in enumerate(results):
        for a in answers:
            where = (f"{a['type']} ({a['box'][0]},{a['box'][1]} "
                     f"{a['box'][2]}x{a['box'][3]}) track {a['track']}"
                     if "box" in a else "frame")
            classes = ", ".join(f"{c['label']} {c['confidence']:.2f}"
                                for c in a["classes"])
            print(f"frame {n} {where}: {classes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
