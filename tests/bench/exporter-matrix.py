#!/usr/bin/env python3
"""The ResNet family a user brings, exported the ways users export it, run
by oclresnet and by onnxruntime on the same file and input.  Outside CI: it
needs torch 2.x (both exporters), timm, onnxruntime and onnx, which
Debian's torch 1.13 is not (`pip install torch torchvision timm
onnxruntime onnx onnxscript` into a virtual environment of its own; several
GB).  CI covers the same forms with rewritten torch 1.13 exports
(models/gen_test_models.py, tests/python/compare-ort.py).

usage: exporter-matrix.py [--size S] [--only NAME] [OCLRESNET]

Prints one line per model and exporter: ok, or the first error, with
max|ours - ort| / max(1, max|ort|) and whether top-1 agrees, on one image
and on three at once (each file is exported for one image, as the default
call does: the batch runs as the element's regions and shared instances
run it); exits 1 when any file that onnxruntime runs does not agree.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TORCHVISION = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
               "wide_resnet50_2", "wide_resnet101_2", "resnext50_32x4d",
               "resnext101_32x8d", "resnext101_64x4d"]
TIMM = ["resnet26t", "resnet50d", "resnetv2_50", "seresnet50", "ecaresnet50d",
        "resnext50_32x4d", "skresnet18", "skresnet34", "skresnext50_32x4d"]
# Heads and other forms (models/gen_test_models.py): name -> (factory, its
# output names, input size or None for --size, N x H x W x C input).
HEADS = {
    "two_heads": ("TwoHeads", ["color", "type"], None, False),
    "multilabel": ("MultiLabel", ["output"], None, False),
    "embedding_resnet50": ("lambda: embedding_net('resnet50')", ["output"], None, False),
    "embedding_and_classes": ("EmbeddingAndClasses", ["probs", "feature"], None, False),
    "iresnet50": ("IResNetFull", ["output"], 112, False),
    "nhwc_resnet18": ("lambda: NHWCInput(torchvision.models.resnet18(weights=None))",
                      ["output"], None, True),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--only", action="append")
    ap.add_argument("tool", nargs="?", default=os.path.join(ROOT, "build", "ocl", "oclresnet"))
    args = ap.parse_args()
    try:
        import numpy as np
        import onnxruntime as ort
        import timm
        import torch
        import torchvision
    except ImportError as e:
        sys.exit("exporter-matrix: needs torch 2.x, torchvision, timm, onnxruntime: %s" % e)
    if int(torch.__version__.split(".")[0]) < 2:
        sys.exit("exporter-matrix: torch %s has no dynamo exporter; torch 2.x is needed"
                 % torch.__version__)

    sys.path.insert(0, os.path.join(ROOT, "models"))
    import gen_test_models as fixtures
    models = [("torchvision", n) for n in TORCHVISION] + [("timm", n) for n in TIMM] \
        + [("heads", n) for n in HEADS]
    models = [m for m in models if not args.only or m[1] in args.only]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for source, name in models:
            torch.manual_seed(0)
            outputs, size, nhwc = ["output"], args.size, False
            if source == "heads":
                make, outputs, size, nhwc = HEADS[name]
                size = size or args.size
                net = eval(make, vars(fixtures))()
                with torch.no_grad():
                    fixtures.randomize_bn(net, torch.Generator().manual_seed(0))
            else:
                net = (getattr(torchvision.models, name)(weights=None)
                       if source == "torchvision" else timm.create_model(name, pretrained=False))
            net = net.eval()
            shape = (size, size, 3) if nhwc else (3, size, size)
            x = torch.randn(1, *shape)
            np.save(os.path.join(tmp, "x.npy"), x.numpy().astype("<f4"))
            for dynamo in (True, False):
                label = "%s %s (dynamo=%s)" % (source, name, dynamo)
                path = os.path.join(tmp, "%s-%s-%d.onnx" % (source, name, dynamo))
                try:
                    torch.onnx.export(net, (x,), path, dynamo=dynamo, input_names=["input"],
                                      output_names=outputs)
                    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                    refs = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})
                    names = [o.name for o in sess.get_outputs()]
                except Exception as e:  # the exporter's or onnxruntime's own failure
                    print("skip   %s: %s" % (label, str(e).splitlines()[0][:100]), flush=True)
                    continue
                def run(xin):
                    """Ours on .npy XIN: (the process, every output or None)."""
                    out = os.path.join(tmp, "y" + (".npy" if len(names) == 1 else ""))
                    r = subprocess.run([args.tool, "run", path, "--input", xin, "--output",
                                        out], capture_output=True, text=True)
                    if r.returncode != 0:
                        return r, None
                    return r, [np.load(out) if len(names) == 1 else np.load(os.path.join(
                        out, "".join(c if c.isalnum() or c in "_.-" else "_" for c in n)
                        + ".npy")) for n in names]

                def compare(gots, refs):
                    """The worst relative error, and whether every N x C
                    output's top-1 agrees."""
                    err, same = 0.0, True
                    for got, ref in zip(gots, refs):
                        err = max(err, float(np.abs(got - ref).max())
                                  / max(1.0, float(np.abs(ref).max())))
                        same = same and (ref.ndim != 2 or bool(
                            (got.argmax(1) == ref.argmax(1)).all()))
                    return err, same

                r, gots = run(os.path.join(tmp, "x.npy"))
                if gots is None:
                    print("FAIL   %s: %s" % (label, r.stderr.strip()), flush=True)
                    bad += 1
                    continue
                err, same = compare(gots, refs)
                # The file is exported for one image (the default call fixes
                # the batch at 1): three at once, as the element's regions and
                # shared instances run it, each against onnxruntime alone.
                x3 = torch.randn(3, *shape).numpy().astype("<f4")
                np.save(os.path.join(tmp, "x3.npy"), x3)
                r3, gots3 = run(os.path.join(tmp, "x3.npy"))
                if gots3 is None:
                    print("FAIL   %s at batch 3: %s" % (label, r3.stderr.strip()), flush=True)
                    bad += 1
                    continue
                for i in range(3):
                    refs_i = sess.run(None, {sess.get_inputs()[0].name: x3[i:i + 1]})
                    e, s = compare([g[i:i + 1] for g in gots3], refs_i)
                    err, same = max(err, e), same and s
                ok = err <= 1e-4 and same
                bad += not ok
                print("%-6s %s: %.3g%s" % ("ok" if ok else "FAIL", label, err,
                                           "" if same else ", top-1 differs"), flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
