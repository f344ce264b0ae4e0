#!/usr/bin/python3
"""Convert trained CIFAR-10 ResNet checkpoints (../shared/data/cifar10-resnet,
from akamaster/pytorch_resnet_cifar10) into ONNX files that resnetclassify
runs with nothing but model=.

usage: convert_cifar.py CHECKPOINT.th [...] --out-dir DIR

Each resnetNN-*.th becomes DIR/resnetNN-cifar10.onnx, with the CIFAR-10
labels, mean, std, input size (32x32) and colour order (RGB) in its
metadata_props.  A bad checkpoint gives one line saying what is wrong and
exit status 1.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cifar_resnet  # noqa: E402
import onnx_export  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for path in args.checkpoints:
        try:
            model, depth, best = cifar_resnet.load_checkpoint(path)
        except ValueError as e:
            sys.exit("convert_cifar: %s" % e)
        out = os.path.join(args.out_dir, "resnet%d-cifar10.onnx" % depth)
        onnx_export.export(model, out, 32, 32, "resnet%d-cifar10" % depth,
                           cifar_resnet.CLASSES, cifar_resnet.MEAN, cifar_resnet.STD,
                           extra={"source": os.path.basename(path),
                                  "stored_top1": "%.2f" % best if best else ""})
        print("%s -> %s (ResNet-%d, stored top-1 %s)" % (path, out, depth,
                                                       "%.2f %%" % best if best else "?"))


if __name__ == "__main__":
    main()
