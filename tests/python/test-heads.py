#!/usr/bin/python3
"""resnetclassify on models of several outputs (heads), against onnxruntime
on the very same pixels: two softmax heads (their top classes), a
multi-label head (its set of classes at or above 0.5) and an embedding (its
values), in full-frame and region mode, read through the typelib
(examples/read-meta.py) and from the bus; smoothing averages the
classification heads and never the embedding; reclassify-interval carries
every head over.

usage: test-heads.py EXAMPLE FIXTURE_DIR ORT_PYTHON
(GI_TYPELIB_PATH, LD_LIBRARY_PATH and GST_PLUGIN_PATH point at the build.)
Exits 77 (skipped) when ORT_PYTHON cannot run onnxruntime."""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])
EMB = "feature/emb:0"

# fixture -> (extra properties, expected kinds, frame width and height:
# the model's input size, so that nothing is resampled)
MODELS = {
    "two_heads": ("", {"color": "softmax", "type": "softmax"}, (48, 64)),
    "multilabel": ("", {"output": "multilabel"}, (48, 64)),
    "embedding_and_classes": (f"heads=\"{EMB}:embedding\"",
                              {"probs": "softmax", EMB: "embedding"}, (48, 64)),
    # insightface's form: PReLU, BatchNorm over the N x C feature.
    "iresnet_embedding": ("heads=output:embedding", {"output": "embedding"}, (16, 16)),
}


def load_example(path):
    spec = importlib.util.spec_from_file_location("read_meta", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def run(read_meta, model, extra, frames, region):
    """Pushes FRAMES (H x W x 3 uint8) through resnetclassify; returns, per
    frame, the described metas and the heads of its bus messages."""
    H, W = frames[0].shape[:2]
    pipeline = Gst.parse_launch(
        f"appsrc name=src caps=video/x-raw,format=RGB,width={W},height={H},"
        f"framerate=30/1 format=time ! resnetclassify model=\"{model}\" top-k=3 "
        f"post-messages=every {'inference-region=roi-list ' if region else ''}"
        f"{extra} ! appsink name=sink sync=false")
    src, sink = pipeline.get_by_name("src"), pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    for n, f in enumerate(frames):
        buf = Gst.Buffer.new_wrapped(f.tobytes())
        buf.pts = n * Gst.SECOND // 30
        if region:
            GstVideo.buffer_add_video_region_of_interest_meta(buf, "obj", 0, 0, W, H).id = 9
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    out = []
    for _ in frames:
        b = sink.emit("pull-sample").get_buffer()
        out.append([read_meta.describe(m, b) for m in
                    read_meta.GstClassification.buffer_get_classification_metas(b)])
    bus, posted = pipeline.get_bus(), []
    while True:
        msg = bus.timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.ELEMENT
                                     | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if msg is None or msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            raise RuntimeError(msg.parse_error()[0].message)
        s = msg.get_structure()
        if s.get_name() == "resnetclassify":
            heads = s.get_value("heads")
            posted.append([(h.get_string("name"), h.get_string("kind"),
                            list(h.get_value("labels")) if h.has_field("labels") else None)
                           for h in heads])
    pipeline.set_state(Gst.State.NULL)
    return out, posted


def main():
    example, fixdir, ort_python = sys.argv[1:4]
    if subprocess.run([ort_python, "-c", "import onnxruntime"],
                      capture_output=True).returncode != 0:
        print("skipped: no onnxruntime in", ort_python)
        return 77
    read_meta = load_example(example)
    Gst.init(None)
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)

    rng = np.random.default_rng(7)

    def pixels(size):
        """Three frames of noise of SIZE (w, h), and the tensor they make."""
        f = [rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8) for _ in range(3)]
        return f, np.stack([((k / 255.0 - MEAN) / STD).transpose(2, 0, 1) for k in f])

    with tempfile.TemporaryDirectory() as tmp:
        for name, (extra, kinds, size) in MODELS.items():
            frames, x = pixels(size)
            np.save(os.path.join(tmp, "x.npy"), x.astype("<f4"))
            model = os.path.join(fixdir, name + ".onnx")
            subprocess.run([ort_python, os.path.join(HERE, "ort-outputs.py"), model,
                            os.path.join(tmp, "x.npy"), tmp], check=True)
            with open(os.path.join(tmp, "names.json")) as f:
                names = json.load(f)
            ref = {n: np.load(os.path.join(tmp, "%d.npy" % i)) for i, n in enumerate(names)}
            for region in (False, True):
                label = f"{name} ({'region' if region else 'full frame'})"
                got, posted = run(read_meta, model, extra, frames, region)
                for k, metas in enumerate(got):
                    check(len(metas) == 1, f"{label} frame {k}: {len(metas)} metas")
                    heads = metas[0]["heads"]
                    check([h["name"] for h in heads] == names
                          and [h["kind"] for h in heads] == [kinds[n] for n in names],
                          f"{label}: heads {[(h['name'], h['kind']) for h in heads]}")
                    check(posted[k] == [(h["name"], h["kind"], [c["label"] for c in
                                                                 h["classes"]]
                                         if "classes" in h else None) for h in heads],
                          f"{label} frame {k}: bus {posted[k]}")
                    for h in heads:
                        r = ref[h["name"]][k]
                        if h["kind"] == "embedding":
                            v = np.array(h["vector"])
                            err = np.abs(v - r).max() / max(1.0, np.abs(r).max())
                            check(v.shape == r.shape and err <= 1e-4,
                                  f"{label} frame {k} {h['name']}: error {err}")
                        elif h["kind"] == "softmax":
                            p = r if name == "embedding_and_classes" else softmax(r)
                            top = h["classes"][0]
                            check(top["class_id"] == int(p.argmax())
                                  and abs(top["confidence"] - p.max()) < 1e-4,
                                  f"{label} frame {k} {h['name']}: {top}, ort {p}")
                        else:
                            want = {c for c in range(len(r)) if r[c] >= 0.5}
                            have = {c["class_id"] for c in h["classes"]}
                            check(want == have and all(abs(c["confidence"] - r[c["class_id"]])
                                                       < 1e-4 for c in h["classes"]),
                                  f"{label} frame {k} {h['name']}: {have}, ort {want}")
                    # The meta's own classes: the first classification head's
                    # (none for an embedding alone).
                    first = next((h["classes"] for h in heads if h["kind"] != "embedding"), [])
                    check(metas[0]["classes"] == first,
                          f"{label} frame {k}: classes {metas[0]['classes']}")

        # Smoothing over 3 frames of a tracked region: the probabilities
        # averaged, the embedding this frame's; reclassify-interval carries
        # every head, the embedding too.
        model = os.path.join(fixdir, "embedding_and_classes.onnx")
        extra = MODELS["embedding_and_classes"][0]
        frames, x = pixels(MODELS["embedding_and_classes"][2])
        np.save(os.path.join(tmp, "x.npy"), x.astype("<f4"))
        subprocess.run([ort_python, os.path.join(HERE, "ort-outputs.py"), model,
                        os.path.join(tmp, "x.npy"), tmp], check=True)
        probs, emb = np.load(os.path.join(tmp, "0.npy")), np.load(os.path.join(tmp, "1.npy"))
        got, _ = run(read_meta, model, extra + " smoothing-window=3", frames, True)
        heads = got[2][0]["heads"]
        mean = probs.mean(0)
        check(abs(heads[0]["classes"][0]["confidence"] - mean.max()) < 1e-4
              and heads[0]["classes"][0]["class_id"] == int(mean.argmax()),
              f"smoothed: {heads[0]['classes'][0]}, mean of ort {mean}")
        check(np.abs(np.array(heads[1]["vector"]) - emb[2]).max() <= 1e-4 * max(
            1.0, np.abs(emb[2]).max()), "smoothing averaged the embedding")
        got, _ = run(read_meta, model, extra + " reclassify-interval=3", frames, True)
        check(not got[1][0]["fresh"] and got[1][0]["heads"] == got[0][0]["heads"],
              f"carried over: {got[1][0]['heads'][:1]} against {got[0][0]['heads'][:1]}")
        # Unit length on request.
        got, _ = run(read_meta, model, extra + " normalize-embeddings=true", frames[:1], False)
        v = np.array(got[0][0]["heads"][1]["vector"])
        check(abs(np.linalg.norm(v) - 1.0) < 1e-5
              and np.abs(v - emb[0] / np.linalg.norm(emb[0])).max() < 1e-5,
              f"normalize-embeddings: norm {np.linalg.norm(v)}")

    for f in failures:
        print("FAIL:", f)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
