#!/usr/bin/python3
"""Answers that hold still, measured.

usage: stability.py [--video V] [--model M] [--windows 1,5,15]
                    [--intervals 1,5,10]

1. Flicker: runs VIDEO (default ../shared/data/video/car-detection.mp4)
   through resnetclassify with MODEL (default build/models/resnet56-cifar10.onnx)
   at each smoothing-window and counts the frames whose top label differs
   from the previous frame's.
2. Reclassification: 100 frames of a test pattern, each with four regions
   whose ids stay the same (as a tracker's do) and one new id every tenth
   frame, through inference-region=roi-list at each reclassify-interval;
   reports the 'inferences' property.
Run with Debian's /usr/bin/python3 (python3-gi), from the repository root.
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(desc, on_message=None):
    pipe = Gst.parse_launch(desc)
    bus = pipe.get_bus()
    pipe.set_state(Gst.State.PLAYING)
    while True:
        msg = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, Gst.MessageType.ELEMENT
                                     | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg.type == Gst.MessageType.ERROR:
            sys.exit("error: %s" % msg.parse_error()[0].message)
        if msg.type == Gst.MessageType.EOS:
            break
        if on_message:
            on_message(msg.get_structure())
    return pipe


def flicker(video, model, window):
    tops = []

    def on_message(s):
        if s.get_name() == "resnetclassify":
            tops.append(s.get_value("class-id"))

    pipe = run("filesrc location=%s ! qtdemux ! h264parse ! avdec_h264 ! "
               "resnetclassify model=%s post-messages=every smoothing-window=%d ! "
               "fakesink" % (video, model, window), on_message)
    pipe.set_state(Gst.State.NULL)
    return len(tops), sum(1 for a, b in zip(tops, tops[1:]) if a != b)


def reclassify(model, interval):
    pipe = Gst.parse_launch(
        "appsrc name=src format=time caps=video/x-raw,format=RGB,width=320,height=240,"
        "framerate=30/1 ! resnetclassify name=rc model=%s inference-region=roi-list "
        "reclassify-interval=%d ! fakesink" % (model, interval))
    src = pipe.get_by_name("src")
    pipe.set_state(Gst.State.PLAYING)
    for n in range(100):
        buf = Gst.Buffer.new_wrapped(bytes((n * 7 + i) % 256 for i in range(320 * 240 * 3)))
        buf.pts = n * Gst.SECOND // 30
        buf.duration = Gst.SECOND // 30
        # Four objects a tracker keeps (ids 0-3) and one new every tenth frame.
        for k in range(4):
            GstVideo.buffer_add_video_region_of_interest_meta(buf, "car", 20 + 60 * k, 40,
                                                             50, 50).id = k
        GstVideo.buffer_add_video_region_of_interest_meta(buf, "car", 10, 150, 60,
                                                         60).id = 100 + n // 10
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    msg = pipe.get_bus().timed_pop_filtered(Gst.CLOCK_TIME_NONE,
                                            Gst.MessageType.EOS | Gst.MessageType.ERROR)
    if msg.type == Gst.MessageType.ERROR:
        sys.exit("error: %s" % msg.parse_error()[0].message)
    n = pipe.get_by_name("rc").get_property("inferences")
    pipe.set_state(Gst.State.NULL)
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--video", default=os.path.join(ROOT, "..", "shared", "data", "video",
                                                    "car-detection.mp4"))
    ap.add_argument("--model", default=os.path.join(ROOT, "build", "models",
                                                    "resnet56-cifar10.onnx"))
    ap.add_argument("--windows", default="1,5,15,30")
    ap.add_argument("--intervals", default="1,5,10")
    args = ap.parse_args()
    os.environ.setdefault("GST_PLUGIN_PATH", os.path.join(ROOT, "build", "gst"))
    Gst.init(None)
    print("| smoothing-window | frames | top-label changes |")
    print("|---|---|---|")
    for w in map(int, args.windows.split(",")):
        frames, changes = flicker(args.video, args.model, w)
        print("| %d | %d | %d |" % (w, frames, changes), flush=True)
    print("\n| reclassify-interval | region-frames (100 frames x 5 regions) | inferences |")
    print("|---|---|---|")
    for i in map(int, args.intervals.split(",")):
        print("| %d | 500 | %d |" % (i, reclassify(args.model, i)), flush=True)


if __name__ == "__main__":
    main()
