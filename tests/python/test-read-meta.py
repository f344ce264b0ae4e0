#!/usr/bin/python3
"""examples/read-meta.py against the build tree: the typelib gives Python the
label, class id, confidence, fresh flag and roi id of every meta, and they
equal what resnetclassify posted on the bus for the same frame.

Usage: test-read-meta.py EXAMPLE MODEL LABELS
(GI_TYPELIB_PATH, LD_LIBRARY_PATH and GST_PLUGIN_PATH point at the build.)"""

import importlib.util
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def load_example(path):
    spec = importlib.util.spec_from_file_location("read_meta", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    example, model, labels = sys.argv[1:4]
    read_meta = load_example(example)
    Gst.init(None)
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)

    # Frames 0, 2, 4 are classified, 1, 3, 5 carry the results over.
    frames = []
    pipeline = Gst.parse_launch(
        "videotestsrc num-buffers=6 pattern=ball ! video/x-raw,width=96,height=64 ! "
        f"resnetclassify model=\"{model}\" labels=\"{labels}\" top-k=3 "
        "inference-interval=2 post-messages=every ! "
        "appsink name=sink emit-signals=true sync=false")

    def on_sample(sink):
        buffer = sink.emit("pull-sample").get_buffer()
        metas = read_meta.GstClassification.buffer_get_classification_metas(buffer)
        frames.append([read_meta.describe(m) for m in metas])
        return Gst.FlowReturn.OK

    pipeline.get_by_name("sink").connect("new-sample", on_sample)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    posted = []
    while True:
        msg = bus.timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.ELEMENT
                                     | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg is None or msg.type != Gst.MessageType.ELEMENT:
            break
        s = msg.get_structure()
        if s.get_name() == "resnetclassify":
            posted.append({"label": s.get_string("label"),
                           "class_id": s.get_value("class-id"),
                           "confidence": s.get_value("confidence"),
                           "fresh": s.get_value("fresh")})
    pipeline.set_state(Gst.State.NULL)
    check(msg is not None and msg.type == Gst.MessageType.EOS, f"no EOS: {msg}")
    check(len(frames) == 6 and len(posted) == 6,
          f"{len(frames)} frames, {len(posted)} messages (want 6 and 6)")
    for n, (metas, bus_result) in enumerate(zip(frames, posted)):
        check(len(metas) == 1, f"frame {n}: {len(metas)} metas")
        m = metas[0]
        check(m["roi_id"] == -1 and m["whole_frame"], f"frame {n}: {m}")
        check(m["fresh"] == (n % 2 == 0) == bus_result["fresh"],
              f"frame {n}: fresh {m['fresh']}, bus {bus_result['fresh']}")
        check(len(m["classes"]) == 3, f"frame {n}: {len(m['classes'])} classes, top-k 3")
        check(m["model"] == "cifar_resnet20_optA", f"frame {n}: model {m['model']}")
        top = m["classes"][0]
        check(isinstance(top["label"], str) and top["label"] == bus_result["label"]
              and top["class_id"] == bus_result["class_id"]
              and abs(top["confidence"] - bus_result["confidence"]) < 1e-6,
              f"frame {n}: meta {top}, bus {bus_result}")
        confidences = [c["confidence"] for c in m["classes"]]
        check(confidences == sorted(confidences, reverse=True),
              f"frame {n}: not sorted {confidences}")

    # Regions that share an id keep their own boxes (appsrc, two region
    # metas with id 5), and neither passes for the whole frame.
    gi.require_version("GstVideo", "1.0")
    from gi.repository import GstVideo
    pipeline = Gst.parse_launch(
        "appsrc name=src caps=video/x-raw,format=RGB,width=64,height=48,framerate=30/1 "
        f"format=time ! resnetclassify model=\"{model}\" labels=\"{labels}\" "
        "inference-region=roi-list ! appsink name=sink sync=false")
    pipeline.set_state(Gst.State.PLAYING)
    buffer = Gst.Buffer.new_wrapped(bytes(range(256)) * 36)
    buffer.pts = 0
    for x in (4, 30):
        roi = GstVideo.buffer_add_video_region_of_interest_meta(buffer, "car", x, 6, 20, 24)
        roi.id = 5
    pipeline.get_by_name("src").emit("push-buffer", buffer)
    pipeline.get_by_name("src").emit("end-of-stream")
    sample = pipeline.get_by_name("sink").emit("pull-sample")
    out = sample.get_buffer()
    metas = [read_meta.describe(m, out)
             for m in read_meta.GstClassification.buffer_get_classification_metas(out)]
    pipeline.set_state(Gst.State.NULL)
    check([m.get("roi") for m in metas] == [(4, 6, 20, 24), (30, 6, 20, 24)]
          and not any(m["whole_frame"] for m in metas), f"regions: {metas}")
    check(read_meta.GstClassification.buffer_get_classification_meta(out) is None,
          "a region passed for the whole frame")

    # The example's own entry point, as a user runs it.
    result = read_meta.classify("videotestsrc num-buffers=2 ! video/x-raw,width=64,height=48",
                                model, labels)
    check(len(result) == 2 and all(len(metas) == 1 for _, metas in result),
          f"classify(): {result}")

    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
