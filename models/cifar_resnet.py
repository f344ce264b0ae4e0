"""The CIFAR-10 ResNets of He et al. 2015 (section 4.2), with the parameter
names of the checkpoints in ../shared/data/cifar10-resnet (option A
shortcuts: stride-2 subsampling and zero channel padding)."""
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
           "ship", "truck"]
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class BasicBlock(nn.Module):
    def __init__(self, inp, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if (stride != 1 or inp != planes) else None

    def shortcut(self, x):
        if self.pad is None:
            return x
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, depth, classes=10):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError("depth must be 6n + 2 (20, 32, 44, 56, 110, ...)")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        inp = 16
        for i, planes in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(inp, planes, 2 if (i > 0 and j == 0) else 1))
                inp = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1)
        return self.linear(out.flatten(1))


def load_checkpoint(path):
    """Returns (model in eval mode, stored best top-1) or raises ValueError
    saying what is wrong with the file."""
    import os
    import torch
    if not os.path.isfile(path):
        raise ValueError("%s: no such file" % path)
    try:
        ck = torch.load(path, map_location="cpu")
    except Exception as e:  # pickle, zip and legacy-format errors alike
        raise ValueError("%s: not a PyTorch checkpoint (%s)" % (path, e))
    sd = ck.get("state_dict") if isinstance(ck, dict) else None
    if sd is None:
        if isinstance(ck, dict) and all(hasattr(v, "shape") for v in ck.values()):
            sd = ck
        else:
            raise ValueError("%s: no 'state_dict' in the checkpoint" % path)
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    blocks = {k.split(".")[1] for k in sd if k.startswith("layer1.")}
    if not blocks or "conv1.weight" not in sd or "linear.weight" not in sd:
        raise ValueError("%s: not a CIFAR ResNet checkpoint (expected conv1, layer1-3 "
                         "and linear parameters)" % path)
    depth = 6 * len(blocks) + 2
    model = CifarResNet(depth, classes=sd["linear.weight"].shape[0])
    want = {k: v.shape for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}
    missing = sorted(set(want) - set(sd))
    extra = sorted(k for k in set(sd) - set(want) if not k.endswith("num_batches_tracked"))
    if missing or extra:
        raise ValueError("%s: parameters do not match ResNet-%d: missing %s, unexpected %s"
                         % (path, depth, missing[:5], extra[:5]))
    for k, shape in want.items():
        if tuple(sd[k].shape) != tuple(shape):
            raise ValueError("%s: %s has shape %s, ResNet-%d needs %s"
                             % (path, k, tuple(sd[k].shape), depth, tuple(shape)))
    model.load_state_dict(sd, strict=False)
    model.eval()
    best = ck.get("best_prec1") if isinstance(ck, dict) else None
    return model, depth, (float(best) if best is not None else None)
