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

    models = [("torchvision", n) for n in TORCHVISION] + [("timm", n) for n in TIMM]
    models = [m for m in models if not args.only or m[1] in args.only]
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for source, name in models:
            torch.manual_seed(0)
            net = (getattr(torchvision.models, name)(weights=None) if source == "torchvision"
                   else timm.create_model(name, pretrained=False)).eval()
            x = torch.randn(1, 3, args.size, args.size)
            np.save(os.path.join(tmp, "x.npy"), x.numpy().astype("<f4"))
            for dynamo in (True, False):
                label = "%s %s (dynamo=%s)" % (source, name, dynamo)
                path = os.path.join(tmp, "%s-%s-%d.onnx" % (source, name, dynamo))
                try:
                    torch.onnx.export(net, (x,), path, dynamo=dynamo, input_names=["input"],
                                      output_names=["output"])
                    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                    ref = sess.run(None, {sess.get_inputs()[0].name: x.numpy()})[0]
                except Exception as e:  # the exporter's or onnxruntime's own failure
                    print("skip   %s: %s" % (label, str(e).splitlines()[0][:100]), flush=True)
                    continue
                out = os.path.join(tmp, "y.npy")
                r = subprocess.run([args.tool, "run", path, "--input", os.path.join(tmp, "x.npy"),
                                    "--output", out], capture_output=True, text=True)
                if r.returncode != 0:
                    print("FAIL   %s: %s" % (label, r.stderr.strip()), flush=True)
                    bad += 1
                    continue
                got = np.load(out)
                err = float(np.abs(got - ref).max()) / max(1.0, float(np.abs(ref).max()))
                same = bool((got.argmax(1) == ref.argmax(1)).all())
                # The file is exported for one image (the default call fixes
                # the batch at 1): three at once, as the element's regions and
                # shared instances run it, each against onnxruntime alone.
                x3 = torch.randn(3, 3, args.size, args.size).numpy().astype("<f4")
                np.save(os.path.join(tmp, "x3.npy"), x3)
                r3 = subprocess.run([args.tool, "run", path, "--input",
                                     os.path.join(tmp, "x3.npy"), "--output", out],
                                    capture_output=True, text=True)
                if r3.returncode != 0:
                    print("FAIL   %s at batch 3: %s" % (label, r3.stderr.strip()), flush=True)
                    bad += 1
                    continue
                got3 = np.load(out)
                for i in range(3):
                    ref_i = sess.run(None, {sess.get_inputs()[0].name: x3[i:i + 1]})[0]
                    err = max(err, float(np.abs(got3[i:i + 1] - ref_i).max())
                              / max(1.0, float(np.abs(ref_i).max())))
                    same = same and int(got3[i].argmax()) == int(ref_i.argmax())
                ok = err <= 1e-4 and same
                bad += not ok
                print("%-6s %s: %.3g%s" % ("ok" if ok else "FAIL", label, err,
                                           "" if same else ", top-1 differs"), flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
