#!/usr/bin/python3
"""Convert a torchvision ImageNet ResNet into ONNX for resnetclassify.

usage: convert_torchvision.py ARCH OUT.onnx [--weights FILE.pth] [--size 224]

ARCH: resnet18, resnet34, resnet50, resnet101, resnet152, wide_resnet50_2.
With --weights, a state_dict saved from torchvision (e.g. torch.save(
model.state_dict(), f)) is loaded; without it the weights are random (for
tests and benchmarks: nothing is downloaded).  The ImageNet labels come from
the installed torchvision's category list; the preprocessing stored is
ImageNet's mean and std with a centre crop to the input size.
"""
import argparse
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_export  # noqa: E402

ARCHS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "wide_resnet50_2"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("arch", choices=ARCHS)
    ap.add_argument("out")
    ap.add_argument("--weights")
    ap.add_argument("--size", type=int, default=224)
    args = ap.parse_args()
    model = getattr(torchvision.models, args.arch)(weights=None)
    if args.weights:
        try:
            sd = torch.load(args.weights, map_location="cpu")
            sd = sd.get("state_dict", sd) if isinstance(sd, dict) else sd
            model.load_state_dict(sd)
        except Exception as e:
            sys.exit("convert_torchvision: cannot use %s as %s weights: %s"
                     % (args.weights, args.arch, str(e).splitlines()[0]))
    else:
        torch.manual_seed(0)
    labels = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
    onnx_export.export(model, args.out, args.size, args.size, args.arch, labels,
                       (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), resize_mode="center-crop",
                       extra={"weights": os.path.basename(args.weights) if args.weights
                              else "random"})
    print("%s -> %s (%s weights)" % (args.arch, args.out, "given" if args.weights else "random"))


if __name__ == "__main__":
    main()
