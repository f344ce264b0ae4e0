#!/usr/bin/python3
"""Top-1 of the trained CIFAR-10 ResNets through the real GStreamer pipeline,
beside a PyTorch reference computed on the same decoded pixels.

usage: evaluate.py BUILD_DIR DATA_DIR [--per-class N] [--models 20,32,44,56]
                   [--check] [--markdown]

For each model: streams N images per class of DATA_DIR/cifar10-test through
`multifilesrc ! jpegdec ! videoconvert ! resnetclassify ! appsink`
(build/tests/eval-cifar), reads each frame's GstClassificationMeta, and runs
the checkpoint in PyTorch on the RGB pixels the element saw.  --check exits
non-zero unless >= 99.9 % of images get the same top-1 as the reference and
the accuracies agree within 0.05 points.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "models"))
import cifar_resnet  # noqa: E402

PAPER_ERR = {20: 8.75, 32: 7.51, 44: 7.17, 56: 6.97}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("data")
    ap.add_argument("--per-class", type=int, default=1000)
    ap.add_argument("--models", default="20,32,44,56")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(args.build, "gst"))
    ckdir = os.path.join(args.data, "cifar10-resnet")
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for depth in [int(d) for d in args.models.split(",")]:
            ck = [f for f in os.listdir(ckdir) if f.startswith("resnet%d-" % depth)][0]
            onnx = os.path.join(args.build, "models", "resnet%d-cifar10.onnx" % depth)
            prefix = os.path.join(tmp, "r%d" % depth)
            subprocess.check_call([os.path.join(args.build, "tests", "eval-cifar"), onnx,
                                   os.path.join(args.data, "cifar10-test"),
                                   str(args.per_class), prefix], env=env)
            res = np.loadtxt(prefix + ".txt", dtype=np.int64).reshape(-1, 2)
            truth, ours = res[:, 0], res[:, 1]
            pix = np.fromfile(prefix + ".rgb", dtype=np.uint8).reshape(-1, 32, 32, 3)
            model, _, stored = cifar_resnet.load_checkpoint(os.path.join(ckdir, ck))
            x = torch.from_numpy(pix).permute(0, 3, 1, 2).float() / 255.0
            x = (x - torch.tensor(cifar_resnet.MEAN).view(1, 3, 1, 1)) / \
                torch.tensor(cifar_resnet.STD).view(1, 3, 1, 1)
            with torch.no_grad():
                ref = torch.cat([model(b).argmax(1) for b in x.split(500)]).numpy()
            n = len(truth)
            agree = (ours == ref).mean() * 100
            acc_ours = (ours == truth).mean() * 100
            acc_ref = (ref == truth).mean() * 100
            per_class = [(ours[truth == c] == c).mean() * 100 for c in range(10)]
            rows.append((depth, n, acc_ours, acc_ref, agree, 100 - PAPER_ERR[depth], stored,
                         per_class))
            print("ResNet-%d: %d images, top-1 ours %.2f %%, PyTorch on the same pixels %.2f %%, "
                  "same top-1 %.2f %% (%d differ); paper %.2f %%, checkpoint %.2f %%"
                  % (depth, n, acc_ours, acc_ref, agree, int((ours != ref).sum()),
                     100 - PAPER_ERR[depth], stored), flush=True)
            print("  per class (ours): " + ", ".join(
                "%s %.1f" % (cifar_resnet.CLASSES[c], per_class[c]) for c in range(10)))
            if agree < 99.9 or abs(acc_ours - acc_ref) > 0.05:
                ok = False
    if args.markdown:
        print("\n| model | images | top-1, oclresnet pipeline | top-1, PyTorch on the same "
              "pixels | same top-1 | paper (Table 6) | checkpoint's stored |")
        print("|---|---|---|---|---|---|---|")
        for d, n, a, r, g, p, s, _ in rows:
            print("| ResNet-%d | %d | %.2f %% | %.2f %% | %.2f %% | %.2f %% | %.2f %% |"
                  % (d, n, a, r, g, p, s))
    if args.check and not ok:
        sys.exit("evaluate: agreement below 99.9 % or accuracy gap above 0.05 points")


if __name__ == "__main__":
    main()
