#!/usr/bin/python3
"""Generate the end-to-end test fixtures: ONNX models with random weights and
random batch-norm statistics, an input, and PyTorch's output for it.

usage: gen_test_models.py OUTDIR [--quick] [--stamp FILE]

For each fixture NAME it writes NAME.onnx, NAME.input.npy (float32 NCHW) and
NAME.output.npy (PyTorch's output, float32).  Fixtures that must fail to load
(unsupported operators and attributes) have no .input.npy.  Everything is
seeded, so runs are reproducible.  Needs Debian's python3-torch,
python3-torchvision and python3-onnx (run with /usr/bin/python3).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from onnx_forms import form_fp16
from onnx_export import heads_props


# ---- CIFAR ResNets (He et al. 2015, section 4.2) ----------------------------

class LambdaLayer(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class CifarBlock(nn.Module):
    """BasicBlock with option A (subsample + zero channel padding) or option
    B (1x1 projection) shortcuts, as in the trained checkpoints."""

    def __init__(self, inp, planes, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inp != planes:
            if option == "A":
                p = planes // 4
                self.shortcut = LambdaLayer(
                    lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p), "constant", 0))
            else:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(inp, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, n, option="A", classes=10, widths=(16, 32, 64)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, inp = [], widths[0]
        for i, w in enumerate(widths):
            for j in range(n):
                layers.append(CifarBlock(inp, w, 2 if (i > 0 and j == 0) else 1, option))
                inp = w
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(inp, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layers(out)
        out = F.avg_pool2d(out, int(out.size()[3]))
        out = out.view(out.size(0), -1)
        return self.linear(out)


# ---- pre-activation ResNet (He et al. 2016): BN -> ReLU -> Conv --------------

class PreActBlock(nn.Module):
    def __init__(self, inp, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inp)
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.shortcut = None
        if stride != 1 or inp != planes:
            self.shortcut = nn.Conv2d(inp, planes, 1, stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(x))
        sc = self.shortcut(out) if self.shortcut is not None else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + sc


class PreActResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.layers = nn.Sequential(PreActBlock(16, 16, 1), PreActBlock(16, 32, 2),
                                    PreActBlock(32, 64, 2))
        self.bn = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        out = self.layers(self.conv1(x))
        out = F.relu(self.bn(out))
        out = F.adaptive_avg_pool2d(out, 1)
        return self.fc(torch.flatten(out, 1))


# ---- squeeze-excitation (SE-ResNet, as timm writes its SE module) -------------

class SEModule(nn.Module):
    """x * gate(mean over H, W): timm's SEModule, with its mean written as
    x.mean((2, 3), keepdim=True) (ReduceMean when exported)."""
    def __init__(self, c, rd, hard=False):
        super().__init__()
        self.fc1 = nn.Conv2d(c, rd, 1)
        self.fc2 = nn.Conv2d(rd, c, 1)
        self.gate = nn.Hardsigmoid() if hard else nn.Sigmoid()

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.fc2(F.relu(self.fc1(s))))


def se_resnet50():
    """timm's seresnet50: torchvision's ResNet-50 with an SE module (reduction
    16) after each bottleneck's last batch norm, before the residual add
    (for benchmarks: tests/bench/compare.py)."""
    m = torchvision.models.resnet50(weights=None)
    for layer in (m.layer1, m.layer2, m.layer3, m.layer4):
        for blk in layer:
            c = blk.bn3.num_features
            blk.bn3 = nn.Sequential(blk.bn3, SEModule(c, c // 16))
    return m


class EcaModule(nn.Module):
    """timm's EcaModule: the mean over H, W, a 1-D convolution across the
    channels, sigmoid, x * gate."""
    def __init__(self, c, rd=None, hard=False, k=3, expand=False):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, k, padding=(k - 1) // 2, bias=False)
        self.expand = expand

    def forward(self, x):
        y = x.mean((2, 3)).view(x.shape[0], 1, -1)
        y = self.conv(y)
        gate = torch.sigmoid(y).view(x.shape[0], -1, 1, 1)
        # timm's ecaresnet50d writes the gate's broadcast out: Expand.
        return x * (gate.expand_as(x) if self.expand else gate)


class EcaExpandModule(EcaModule):
    def __init__(self, c, rd=None, hard=False):
        super().__init__(c, rd, hard, expand=True)


class SEBlock(nn.Module):
    def __init__(self, inp, planes, stride, hard, att=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.se = (att or SEModule)(planes, max(planes // 4, 4), hard)
        self.shortcut = nn.Sequential()
        if stride != 1 or inp != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(inp, planes, 1, stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.se(self.bn2(self.conv2(out)))
        return F.relu(out + self.shortcut(x))


class SEResNet(nn.Module):
    def __init__(self, hard=False, classes=10, att=None):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layers = nn.Sequential(SEBlock(16, 16, 1, hard, att), SEBlock(16, 32, 2, hard, att),
                                    SEBlock(32, 48, 2, hard, att))
        self.fc = nn.Linear(48, classes)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(out.mean((2, 3)), 1))


# ---- selective kernels (timm's skresnet18/34, SKNet) -------------------------

class SelectiveKernel(nn.Module):
    """timm's SelectiveKernel with split_input: the input's channels split
    among the paths (a 3x3 convolution each, dilated 1, 2, ...), the paths'
    maps stacked into N x K x C x H x W, an attention over their sum that
    picks, per channel, a softmax mix of the paths."""
    def __init__(self, cin, cout, stride=1, paths=2):
        super().__init__()
        self.paths = nn.ModuleList([
            nn.Sequential(nn.Conv2d(cin // paths, cout, 3, stride, padding=d, dilation=d,
                                    bias=False), nn.BatchNorm2d(cout), nn.ReLU())
            for d in range(1, paths + 1)])
        attn = max(cout // 4, 8)
        self.fc_reduce = nn.Conv2d(cout, attn, 1, bias=False)
        self.bn = nn.BatchNorm2d(attn)
        self.fc_select = nn.Conv2d(attn, cout * paths, 1, bias=False)

    def forward(self, x):
        xs = torch.split(x, x.shape[1] // len(self.paths), 1)
        s = torch.stack([p(xi) for p, xi in zip(self.paths, xs)], dim=1)
        a = s.sum(1).mean((2, 3), keepdim=True)
        a = self.fc_select(F.relu(self.bn(self.fc_reduce(a))))
        a = a.view(a.shape[0], len(self.paths), -1, 1, 1).softmax(dim=1)
        return (s * a).sum(1)


class SoftmaxOfPaths(nn.Module):
    """A softmax across stacked maps, not across an attention's channels:
    refused by name."""
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 4, 3, padding=1)
        self.c = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        s = torch.stack([self.a(x), self.b(x), self.c(x)], dim=1)
        return (s * s.softmax(dim=1)).sum(1)


class SKBlock(nn.Module):
    def __init__(self, cin, cout, stride, paths):
        super().__init__()
        self.sk = SelectiveKernel(cin, cout, stride, paths)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(self.sk(x))) + self.shortcut(x))


class SKResNet(nn.Module):
    def __init__(self, classes=10, paths=2):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layers = nn.Sequential(SKBlock(16, 16, 1, paths), SKBlock(16, 32, 2, paths))
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        out = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


# ---- ResNet-D (timm's resnet50d, resnet26t): deep stem, pooled shortcut ------

class DBottleneck(nn.Module):
    """A bottleneck whose downsampling shortcut is AvgPool2d(2, ceil_mode,
    count_include_pad=False) then a 1x1 convolution (ResNet-D)."""
    def __init__(self, inp, planes, stride):
        super().__init__()
        out = planes * 4
        self.body = nn.Sequential(
            nn.Conv2d(inp, planes, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
            nn.Conv2d(planes, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes),
            nn.ReLU(), nn.Conv2d(planes, out, 1, bias=False), nn.BatchNorm2d(out))
        self.shortcut = nn.Sequential()
        if stride != 1 or inp != out:
            self.shortcut = nn.Sequential(
                nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False)
                if stride != 1 else nn.Identity(),
                nn.Conv2d(inp, out, 1, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class ResNetD(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(3, 2, 1))
        self.layers = nn.Sequential(DBottleneck(32, 16, 1), DBottleneck(64, 32, 2),
                                    DBottleneck(128, 32, 2))
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        out = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))


class NHWCInput(nn.Module):
    """A TF/Keras-converted ResNet's form: an N x H x W x C input, and a
    Transpose to NCHW first."""
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x.permute(0, 3, 1, 2))


# ---- IResNet (insightface's face-recognition ResNets): PReLU -----------------

class IRBlock(nn.Module):
    """insightface's IResNet block: BN, conv, BN, PReLU, conv (the stride),
    BN, and the shortcut (a strided 1x1 projection where the shape
    changes).  Random slopes, some negative."""
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))
        nn.init.uniform_(self.prelu.weight, -0.3, 0.6)

    def forward(self, x):
        out = self.conv1(self.bn1(x))
        out = self.bn3(self.conv2(self.prelu(self.bn2(out))))
        return out + (x if self.down is None else self.down(x))


class IResNet(nn.Module):
    """A small IResNet: a stem with one slope for every channel (PRelu of a
    single value), two blocks, then BN, flatten and a linear head (no
    pooling, as insightface's)."""
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.prelu = nn.PReLU()
        nn.init.uniform_(self.prelu.weight, 0.1, 0.4)
        self.layers = nn.Sequential(IRBlock(16, 16, 2), IRBlock(16, 24, 2))
        self.bn2 = nn.BatchNorm2d(24)
        self.fc = nn.Linear(24 * 4 * 4, classes)

    def forward(self, x):
        out = self.layers(self.prelu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(self.bn2(out), 1))


class IResNetFull(nn.Module):
    """insightface's IResNet (iresnet50: layers 3, 4, 14, 3) for 112 x 112
    faces: a PReLU stem, four stages of IRBlocks (each first one strided),
    BN, flatten, a linear layer to the 512-d feature and BN over it."""
    def __init__(self, layers=(3, 4, 14, 3), dim=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.prelu = nn.PReLU(64)
        blocks, cin = [], 64
        for width, n in zip((64, 128, 256, 512), layers):
            for k in range(n):
                blocks.append(IRBlock(cin, width, 2 if k == 0 else 1))
                cin = width
        self.layers = nn.Sequential(*blocks)
        self.bn2 = nn.BatchNorm2d(512)
        self.fc = nn.Linear(512 * 7 * 7, dim)
        self.features = nn.BatchNorm1d(dim)

    def forward(self, x):
        x = self.bn2(self.layers(self.prelu(self.bn1(self.conv1(x)))))
        return self.features(self.fc(torch.flatten(x, 1)))


class IResNetEmbedding(IResNet):
    """insightface's head: BN over the flattened map, a linear layer to the
    feature, and BN over the N x C feature (BatchNorm1d), no classifier."""
    def __init__(self, dim=32):
        super().__init__(classes=dim)
        self.features = nn.BatchNorm1d(dim)

    def forward(self, x):
        return self.features(super().forward(x))


# ---- heads: several outputs, multi-label, embeddings ------------------------

def resnet18_trunk():
    """torchvision's ResNet-18 up to its pooled 512-d feature."""
    t = torchvision.models.resnet18(weights=None)
    t.fc = nn.Identity()
    return t


class TwoHeads(nn.Module):
    """A vehicle-attribute network: one trunk, a 'color' (7) and a 'type' (4)
    linear head, two graph outputs."""
    def __init__(self):
        super().__init__()
        self.trunk = resnet18_trunk()
        self.color = nn.Linear(512, 7)
        self.kind = nn.Linear(512, 4)

    def forward(self, x):
        f = self.trunk(x)
        return self.color(f), self.kind(f)


class MultiLabel(nn.Module):
    """A person-attribute network: 8 independent attributes, each a Sigmoid."""
    def __init__(self):
        super().__init__()
        self.trunk = resnet18_trunk()
        self.fc = nn.Linear(512, 8)

    def forward(self, x):
        return torch.sigmoid(self.fc(self.trunk(x)) * 4.0)


class EmbeddingAndClasses(nn.Module):
    """A re-identification network: the feature and a classifier on it,
    the feature also feeding the classifier (a value that is both an output
    and an input of a node)."""
    def __init__(self):
        super().__init__()
        self.trunk = resnet18_trunk()
        self.fc = nn.Linear(512, 5)

    def forward(self, x):
        f = self.trunk(x)
        return F.softmax(self.fc(f), dim=1), f


def embedding_net(arch):
    m = getattr(torchvision.models, arch)(weights=None)
    m.fc = nn.Identity()
    return m


# ---- the 10-class ResNet-18 of the tutorial in ../shared/seed ----------------

class SeedBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inplanes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class SeedResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(64, 2, 1)
        self.layer2 = self._make_layer(128, 2, 2)
        self.layer3 = self._make_layer(256, 2, 2)
        self.layer4 = self._make_layer(512, 2, 2)
        self.fc = nn.Linear(512, 10)

    def _make_layer(self, planes, n, stride):
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(SeedBasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.max_pool2d(out, [3, 3], stride=2, padding=1)
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        return self.fc(out)


# ---- models that must be rejected -------------------------------------------

class Grouped(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1, groups=2)

    def forward(self, x):
        return self.conv(x)


class Dilated(nn.Module):
    """Dilated convolutions: 3x3 by 2 (SK-ResNet's second path), 3x2 by
    (3, 1) with a stride, and SAME padding's arithmetic left to the pads."""
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, padding=2, dilation=2)
        self.b = nn.Conv2d(8, 6, (3, 2), stride=(2, 1), padding=(3, 1), dilation=(3, 1))

    def forward(self, x):
        return self.b(F.relu(self.a(x)))


class UnsupportedOp(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        return torch.erf(self.conv(x))


def randomize_bn(model, gen):
    """Random running statistics and affine parameters, so that folding BN is
    actually tested; the last BN of each residual branch gets a small gamma
    to keep deep random nets numerically tame."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=gen) * 0.6 + 0.4)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.1)
    for name, m in model.named_modules():
        last_bn = getattr(m, "bn3", None) or (getattr(m, "bn2", None)
                                              if not isinstance(m, PreActBlock) else None)
        if last_bn is not None and hasattr(m, "conv2"):
            last_bn.weight.data.mul_(0.3)


def export(outdir, name, make, shape, opset, seed, dynamic=True, reference=True,
           keep_bn=False, outputs=("output",), meta=None):
    """Exports fixture @name.  Several @outputs: NAME.output.npy holds each
    image's outputs side by side (N x sum of their sizes), as
    ocl_net_run() returns them.  @meta: metadata_props to write."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make()
    with torch.no_grad():
        randomize_bn(model, gen)
    model.eval()
    x = torch.randn(*shape, generator=gen)
    path = os.path.join(outdir, name + ".onnx")
    kwargs = {}
    if dynamic:
        kwargs["dynamic_axes"] = {n: {0: "batch"} for n in ("input",) + tuple(outputs)}
    if keep_bn:
        # In EVAL mode the exporter folds BN into the conv before it; PRESERVE
        # (with the model in eval mode) writes BatchNormalization nodes, as
        # other exporters do, so that our own folding is what gets tested.
        kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=list(outputs), do_constant_folding=True, **kwargs)
    if meta:
        import onnx
        m = onnx.load(path)
        for k, v in meta.items():
            e = m.metadata_props.add()
            e.key, e.value = k, v
        onnx.save(m, path)
    if reference:
        with torch.no_grad():
            y = model(x)
        ys = y if isinstance(y, tuple) else (y,)
        y = np.concatenate([t.reshape(t.shape[0], -1).numpy() for t in ys], axis=1) \
            if len(ys) > 1 else ys[0].numpy()
        np.save(os.path.join(outdir, name + ".input.npy"), x.numpy().astype("<f4"))
        np.save(os.path.join(outdir, name + ".output.npy"), y.astype("<f4"))
    print("wrote", path, tuple(shape), "opset", opset, flush=True)


def tv(name, **kw):
    return getattr(torchvision.models, name)(weights=None, **kw)


# name -> (model factory, input shape, opset, seed, quick[, export options])
FIXTURES = {
    "cifar_resnet20_optA": (lambda: CifarResNet(3, "A"), (1, 3, 32, 32), 11, 1, True),
    "cifar_resnet20_optA_b2": (lambda: CifarResNet(3, "A"), (2, 3, 32, 32), 13, 2, True),
    "cifar_resnet14_optB": (lambda: CifarResNet(2, "B"), (1, 3, 32, 32), 9, 3, True),
    "cifar_resnet8_optB_odd": (lambda: CifarResNet(1, "B", classes=7, widths=(12, 24, 40)),
                               (1, 3, 40, 40), 17, 4, True),
    "cifar_resnet8_unfused_bn": (lambda: CifarResNet(1, "B", classes=7, widths=(12, 24, 40)),
                                 (1, 3, 28, 28), 13, 14, True, {"keep_bn": True}),
    "preact_resnet": (lambda: PreActResNet(), (2, 3, 36, 28), 13, 5, True),
    "grouped_conv": (Grouped, (2, 4, 9, 7), 13, 18, True),
    # A ResNeXt of one bottleneck per stage (torchvision's own ResNet class).
    "resnext_tiny": (lambda: torchvision.models.resnet.ResNet(
        torchvision.models.resnet.Bottleneck, [1, 1, 1, 1], groups=8, width_per_group=4),
        (2, 3, 64, 48), 13, 19, True),
    "resnext50_32x4d": (lambda: tv("resnext50_32x4d"), (1, 3, 64, 64), 13, 20, False),
    "se_resnet": (lambda: SEResNet(), (2, 3, 30, 26), 13, 16, True),
    "se_resnet_hard": (lambda: SEResNet(hard=True), (2, 3, 24, 24), 17, 17, True),
    "eca_resnet": (lambda: SEResNet(att=EcaModule), (2, 3, 28, 20), 13, 21, True),
    "eca_resnet_expand": (lambda: SEResNet(att=EcaExpandModule), (2, 3, 24, 20), 13, 22, True),
    "resnet_d": (lambda: ResNetD(), (2, 3, 45, 37), 13, 23, True),
    "sk_resnet": (lambda: SKResNet(), (2, 3, 22, 26), 13, 24, True),
    # Three paths, dilated 1, 2 and 3; the 16 input channels split 5, 5, 5
    # and an unused 1.
    "sk_resnet_three_paths": (lambda: SKResNet(paths=3), (2, 3, 14, 12), 13, 28, True),
    "dilated_conv": (Dilated, (2, 3, 11, 9), 13, 26, True),
    "iresnet_prelu": (lambda: IResNet(), (2, 3, 16, 16), 13, 29, True),
    "iresnet_embedding": (lambda: IResNetEmbedding(), (2, 3, 16, 16), 13, 30, True),
    # Heads.  two_heads carries the heads metadata our converters write;
    # the others rely on what their graphs end in.
    "two_heads": (TwoHeads, (2, 3, 64, 48), 13, 31, True,
                  {"outputs": ("color", "type"),
                   "meta": heads_props([("color", "softmax", ["white", "black", "grey", "red",
                                                              "blue", "green", "yellow"]),
                                        ("type", "softmax", ["car", "van", "truck", "bus"])])}),
    "multilabel": (MultiLabel, (2, 3, 64, 48), 13, 32, True),
    "embedding_and_classes": (EmbeddingAndClasses, (2, 3, 64, 48), 13, 33, True,
                              {"outputs": ("probs", "feature/emb:0")}),
    "embedding_resnet50": (lambda: embedding_net("resnet50"), (1, 3, 96, 96), 13, 34, False),
    "iresnet50": (IResNetFull, (2, 3, 112, 112), 13, 35, False),
    "nhwc_cifar": (lambda: NHWCInput(CifarResNet(1, "B", classes=7, widths=(12, 24, 40))),
                   (2, 40, 40, 3), 13, 22, True),
    "nhwc_cifar_b1": (lambda: NHWCInput(CifarResNet(1, "B", classes=7, widths=(12, 24, 40))),
                      (1, 40, 40, 3), 13, 23, True),
    # Small enough for every kernel variant on a simulator (oclgrind).
    "preact_resnet_small": (lambda: PreActResNet(), (2, 3, 12, 10), 13, 15, True),
    "seed_resnet18": (lambda: SeedResNet18(), (1, 3, 128, 128), 11, 6, True),
    "resnet18": (lambda: tv("resnet18"), (1, 3, 224, 224), 13, 7, True),
    "resnet18_b2_odd": (lambda: tv("resnet18"), (2, 3, 97, 131), 14, 8, True),
    "resnet34": (lambda: tv("resnet34"), (1, 3, 64, 64), 12, 9, False),
    "resnet50": (lambda: tv("resnet50"), (1, 3, 224, 224), 13, 10, False),
    "resnet101": (lambda: tv("resnet101"), (1, 3, 96, 96), 15, 11, False),
    "resnet152": (lambda: tv("resnet152"), (1, 3, 64, 80), 16, 12, False),
    "wide_resnet50_2": (lambda: tv("wide_resnet50_2"), (1, 3, 96, 96), 17, 13, False),
}

BROKEN = {
    "bad_softmax_of_paths": (SoftmaxOfPaths, (1, 3, 12, 12)),
    "bad_erf": (UnsupportedOp, (1, 3, 8, 8)),
}


def _field(number, payload):
    """A length-delimited protobuf field."""
    key, n = bytearray(), len(payload)
    for v in (number << 3 | 2, n):
        while True:
            key.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not v:
                break
    return bytes(key) + payload


def write_raw_data_twice(outdir, src, dst):
    """Copy of fixture SRC whose largest initializer carries raw_data twice,
    zeros first and its weights last (protobuf keeps the last): valid, but
    not what exporters write, so the importer must fall back from reading
    weights in place, and must not take the first."""
    import onnx
    m = onnx.load(os.path.join(outdir, src + ".onnx"))
    inits = list(m.graph.initializer)
    big = max(range(len(inits)), key=lambda i: len(inits[i].raw_data))
    del m.graph.initializer[:]
    graph = m.graph.SerializeToString()
    for i, t in enumerate(inits):
        if i == big:
            raw = t.raw_data
            t.ClearField("raw_data")
            b = t.SerializeToString() + _field(9, bytes(len(raw))) + _field(9, raw)
        else:
            b = t.SerializeToString()
        graph += _field(5, b)
    m.ClearField("graph")
    with open(os.path.join(outdir, dst + ".onnx"), "wb") as f:
        f.write(m.SerializeToString() + _field(7, graph))
    for suffix in (".input.npy", ".output.npy"):
        with open(os.path.join(outdir, src + suffix), "rb") as f, \
                open(os.path.join(outdir, dst + suffix), "wb") as g:
            g.write(f.read())
    print("wrote", dst, "(raw_data twice)", flush=True)


# ---- the forms other exporters and converters write ---------------------------
#
# Each is a rewrite of a torch 1.13 export with onnx.helper into the form a
# user's file has, keeping the computation, so PyTorch's output on the same
# input stays the reference.  (onnxruntime is not needed to build them.)

def _consts(m):
    """name -> numpy value of every initializer and Constant node output."""
    from onnx import numpy_helper
    vals = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for n in m.graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    vals[n.output[0]] = numpy_helper.to_array(a.t)
    return vals


def _attr(node, name, value):
    import onnx
    node.attribute.append(onnx.helper.make_attribute(name, value))


def _const_node(name, value):
    import onnx
    from onnx import numpy_helper
    return onnx.helper.make_node("Constant", [], [name],
                                 value=numpy_helper.from_array(value, name))


def form_dynamo(m, opset, fixed_batch=False):
    """torch 2.x's default exporter (dynamo): IR 10, opset 18-20, the
    global pool as ReduceMean(axes input, keepdims=1), Reshape(allowzero=1)
    instead of Flatten, weights in NAME.onnx.data (see save).  With
    @fixed_batch, what torch.onnx.export (model, (x,), path) writes when no
    shape is dynamic: the input fixed at batch 1 and torch.flatten's view
    to [1, 512]."""
    out = []
    if fixed_batch:
        for v in (m.graph.input[0], m.graph.output[0]):
            v.type.tensor_type.shape.dim[0].ClearField("dim_param")
            v.type.tensor_type.shape.dim[0].dim_value = 1
    for n in m.graph.node:
        if n.op_type == "GlobalAveragePool":
            axes = n.output[0] + "_axes"
            out.append(_const_node(axes, np.array([-1, -2], dtype=np.int64)))
            r = onnx_node("ReduceMean", [n.input[0], axes], list(n.output), n.name)
            _attr(r, "keepdims", 1)
            out.append(r)
        elif n.op_type == "Flatten":
            shape = n.output[0] + "_shape"
            out.append(_const_node(shape, np.array([1 if fixed_batch else -1, 512],
                                                   dtype=np.int64)))
            r = onnx_node("Reshape", [n.input[0], shape], list(n.output), n.name)
            _attr(r, "allowzero", 1)
            out.append(r)
        else:
            out.append(n)
    del m.graph.node[:]
    m.graph.node.extend(out)
    m.ir_version = 10
    m.opset_import[0].version = opset


def form_as_strided(m):
    """torch 2.x's default exporter on an N x H x W x C input: the permuted
    tensor is channels-last in memory, so its flatten before the classifier
    is an as_strided: Reshape to [-1], a Gather of the values in order
    (indices of shape [1, C, 1, 1]) and a Reshape to [1, C]."""
    inits = {t.name: t for t in m.graph.initializer}
    consumers = {i: n for n in m.graph.node for i in n.input}
    out = []
    for n in m.graph.node:
        gemm = consumers.get(n.output[0])
        if n.op_type not in ("Flatten", "Reshape") or gemm is None or gemm.op_type != "Gemm":
            out.append(n)
            continue
        c = inits[gemm.input[1]].dims[1]
        flat, idx, view = (n.output[0] + s for s in ("_flat", "_indices", "_view"))
        out.append(_const_node(flat + "_shape", np.array([-1], dtype=np.int64)))
        out.append(onnx_node("Reshape", [n.input[0], flat + "_shape"], [flat], n.name + "_flat"))
        out.append(_const_node(idx, np.arange(c, dtype=np.int64).reshape(1, c, 1, 1)))
        out.append(onnx_node("Gather", [flat, idx], [view], n.name + "_as_strided"))
        _attr(out[-1], "axis", 0)
        out.append(_const_node(view + "_shape", np.array([1, c], dtype=np.int64)))
        out.append(onnx_node("Reshape", [view, view + "_shape"], list(n.output), n.name))
    del m.graph.node[:]
    m.graph.node.extend(out)
    for v in (m.graph.input[0], m.graph.output[0]):
        v.type.tensor_type.shape.dim[0].ClearField("dim_param")
        v.type.tensor_type.shape.dim[0].dim_value = 1


def form_reduce_keepdims0(m):
    """ReduceMean with axes as an attribute (opsets before 18) and
    keepdims=0, its N x C output straight into the Gemm."""
    out, pooled = [], None
    for n in m.graph.node:
        if n.op_type == "GlobalAveragePool":
            r = onnx_node("ReduceMean", [n.input[0]], list(n.output), n.name)
            _attr(r, "axes", [2, 3])
            _attr(r, "keepdims", 0)
            out.append(r)
            pooled = n.output[0]
        elif n.op_type == "Flatten" and n.input[0] == pooled:
            out.append(onnx_node("Identity", [pooled], list(n.output), n.name))
        else:
            out.append(n)
    del m.graph.node[:]
    m.graph.node.extend(out)


def form_zoo_opset7(m, opset=7):
    """The ONNX Model Zoo's ResNet v1-7/v2-7 form: IR 3, opset 7, every
    initializer also a graph input, BatchNormalization with spatial=1,
    attribute-style Pad/Unsqueeze/Squeeze/Slice, no ceil_mode on pools
    (opset 10 added it), a Dropout before the classifier."""
    import onnx
    vals = _consts(m)
    out = []
    for n in m.graph.node:
        if n.op_type == "Pad" and len(n.input) > 1:
            r = onnx_node("Pad", [n.input[0]], list(n.output), n.name)
            _attr(r, "pads", [int(v) for v in vals[n.input[1]]])
            if len(n.input) > 2 and n.input[2]:
                _attr(r, "value", float(vals[n.input[2]]))
            for a in n.attribute:
                r.attribute.append(a)
            n = r
        elif n.op_type in ("Unsqueeze", "Squeeze") and len(n.input) > 1:
            r = onnx_node(n.op_type, [n.input[0]], list(n.output), n.name)
            _attr(r, "axes", [int(v) for v in vals[n.input[1]]])
            n = r
        elif n.op_type == "BatchNormalization":
            _attr(n, "spatial", 1)
        elif n.op_type in ("AveragePool", "MaxPool"):
            keep = [a for a in n.attribute if a.name != "ceil_mode" or a.i]
            del n.attribute[:]
            n.attribute.extend(keep)
        elif n.op_type == "Gemm":
            d = n.input[0] + "_dropout"
            out.append(onnx_node("Dropout", [n.input[0]], [d], n.name + "_dropout"))
            n.input[0] = d
        out.append(n)
    del m.graph.node[:]
    m.graph.node.extend(out)
    for t in m.graph.initializer:
        m.graph.input.append(onnx.helper.make_tensor_value_info(
            t.name, t.data_type, list(t.dims)))
    m.ir_version = 3
    m.opset_import[0].version = opset


def form_sk_opset18(m):
    """The selective-kernel block as torch 2.x's dynamo exporter writes it at
    opset 18: Split by num_outputs (no sizes input), ReduceMean with its
    axes as an input."""
    from onnx import helper
    out = []
    for n in m.graph.node:
        if n.op_type == "Split" and len(n.input) > 1:
            s = helper.make_node("Split", [n.input[0]], list(n.output), name=n.name,
                                 axis=1, num_outputs=len(n.output))
            out.append(s)
        elif n.op_type == "ReduceMean" and any(a.name == "axes" for a in n.attribute):
            axes = [a for a in n.attribute if a.name == "axes"][0].ints
            keep = [a.i for a in n.attribute if a.name == "keepdims"] or [1]
            name = n.output[0] + "_axes"
            out.append(_const_node(name, np.array(list(axes), dtype=np.int64)))
            out.append(helper.make_node("ReduceMean", [n.input[0], name], list(n.output),
                                        name=n.name, keepdims=keep[0]))
        else:
            out.append(n)
    del m.graph.node[:]
    m.graph.node.extend(out)
    m.ir_version = 10
    m.opset_import[0].version = 18


def form_relabel(m, opset, ir):
    """A file whose operators read the same at a newer opset: as
    onnx.version_converter writes it, opset and IR version raised."""
    m.opset_import[0].version = opset
    m.ir_version = ir


def onnx_node(op, inputs, outputs, name):
    import onnx
    return onnx.helper.make_node(op, inputs, outputs, name=name)


def write_form(outdir, src, dst, rewrite, external=False, half_input=False):
    import onnx
    m = onnx.load(os.path.join(outdir, src + ".onnx"))
    rewrite(m)
    path = os.path.join(outdir, dst + ".onnx")
    if external:
        data = dst + ".onnx.data"
        if os.path.exists(os.path.join(outdir, data)):
            os.remove(os.path.join(outdir, data))
        onnx.save(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=data, size_threshold=1024)
    else:
        onnx.save(m, path)
    for suffix in (".input.npy", ".output.npy"):
        with open(os.path.join(outdir, src + suffix), "rb") as f, \
                open(os.path.join(outdir, dst + suffix), "wb") as g:
            g.write(f.read())
    if half_input:
        # What a user feeds an fp16-I/O file: a float16 tensor.
        x = np.load(os.path.join(outdir, src + ".input.npy"))
        np.save(os.path.join(outdir, dst + ".input.npy"), x.astype("<f2"))
    print("wrote", dst, "(rewritten from %s)" % src, flush=True)


# name -> (source fixture, rewrite, external data[, float16 input]); the
# fp16_ ones are checked to 1e-2 (their weights are rounded to float16).
FORMS = {
    "fp16_cifar_keep_io": ("cifar_resnet8_optB_odd", lambda m: form_fp16(m, True), False),
    "fp16_cifar_io": ("cifar_resnet8_optB_odd", lambda m: form_fp16(m, False), False, True),
    "fp16_resnet18_io": ("resnet18_b2_odd", lambda m: form_fp16(m, False), False, True),
    "resnet18_dynamo_opset18": ("resnet18_b2_odd", lambda m: form_dynamo(m, 18), True),
    "resnet18_dynamo_opset20": ("resnet18_b2_odd", lambda m: form_dynamo(m, 20), True),
    "resnet18_dynamo_batch1": ("resnet18", lambda m: form_dynamo(m, 18, True), True),
    "resnet18_reducemean_keepdims0": ("resnet18_b2_odd", form_reduce_keepdims0, False),
    "cifar_zoo_opset7": ("cifar_resnet14_optB", form_zoo_opset7, False),
    "cifar_zoo_opset7_bn": ("cifar_resnet8_unfused_bn", form_zoo_opset7, False),
    "cifar_zoo_opset8_bn": ("cifar_resnet8_unfused_bn", lambda m: form_zoo_opset7(m, 8), False),
    "cifar_opset22": ("cifar_resnet8_optB_odd", lambda m: form_relabel(m, 22, 10), False),
    "sk_resnet_opset18": ("sk_resnet", form_sk_opset18, False),
    "cifar_opset21": ("cifar_resnet8_unfused_bn", lambda m: form_relabel(m, 21, 10), False),
    "nhwc_cifar_as_strided": ("nhwc_cifar_b1", form_as_strided, False),
}

def write_bad_heads(outdir):
    """A tiny two-output network ('color' 3, 'kind' 2) with the heads
    metadata resnetclassify must refuse, one clear error each: an output
    that is not there, a kind that does not exist, labels that do not fit."""
    import onnx
    from onnx import helper, TensorProto, numpy_helper
    rng = np.random.default_rng(5)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32), n)
             for n, s in (("w", (4, 3, 3, 3)), ("a", (3, 4)), ("b", (2, 4)))]
    nodes = [helper.make_node("Conv", ["input", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("GlobalAveragePool", ["c"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "a"], ["color"], name="color", transB=1),
             helper.make_node("Gemm", ["f", "b"], ["kind"], name="kind", transB=1)]
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("color", "kind")]
    g = helper.make_graph(nodes, "heads", [x], outs, initializer=inits)
    for name, meta in (("bad_heads_output", {"heads": "colour:softmax"}),
                       ("bad_heads_kind", {"heads": "color:cubic"}),
                       ("bad_heads_labels", {"labels.kind": "a\nb\nc"})):
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        for k, v in meta.items():
            e = m.metadata_props.add()
            e.key, e.value = k, v
        onnx.save(m, os.path.join(outdir, name + ".onnx"))


def write_broken_forms(outdir):
    """Files the importer must refuse with one clear error."""
    import onnx
    from onnx import helper, TensorProto, numpy_helper
    src = os.path.join(outdir, "cifar_resnet14_optB.onnx")
    for opset in (6, 23):
        m = onnx.load(src)
        m.opset_import[0].version = opset
        onnx.save(m, os.path.join(outdir, "bad_opset%d.onnx" % opset))

    def tiny(nodes, opset, functions=(), inits=()):
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])
        y = helper.make_tensor_value_info("output", TensorProto.FLOAT, None)
        g = helper.make_graph(nodes, "tiny", [x], [y], initializer=list(inits))
        kw = {"functions": list(functions)} if functions else {}
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]
                                 + ([helper.make_opsetid("local", 1)] if functions else []),
                                 **kw)

    # ConstantOfShape exists from opset 9: a node-level refusal at opset 8.
    m = tiny([helper.make_node("Shape", ["input"], ["s"], name="shape"),
              helper.make_node("ConstantOfShape", ["s"], ["z"], name="zeros"),
              helper.make_node("Add", ["input", "z"], ["output"], name="add")], 8)
    onnx.save(m, os.path.join(outdir, "bad_constantofshape_opset8.onnx"))
    # Groups that do not split the channels evenly.
    wg = numpy_helper.from_array(np.zeros((6, 1, 3, 3), np.float32), "w")
    m = tiny([helper.make_node("Conv", ["input", "w"], ["output"], name="conv_g",
                               group=2, pads=[1, 1, 1, 1])], 13, inits=[wg])
    onnx.save(m, os.path.join(outdir, "bad_group_split.onnx"))
    # Squeeze of the image data with axes out of range and repeated.
    for name, axes in (("bad_squeeze_range", [0, 1, 2, 3, 4, 5]), ("bad_squeeze_repeat", [2, 2])):
        m = tiny([helper.make_node("GlobalAveragePool", ["input"], ["g"], name="gap"),
                  helper.make_node("Squeeze", ["g"], ["output"], name="squeeze", axes=axes)], 11)
        onnx.save(m, os.path.join(outdir, name + ".onnx"))
    # An Expand's broadcast gate into something other than a Mul.
    shape = numpy_helper.from_array(np.array([1, 3, 8, 8], dtype=np.int64), "shape")
    m = tiny([helper.make_node("GlobalAveragePool", ["input"], ["g"], name="gap"),
              helper.make_node("Expand", ["g", "shape"], ["e"], name="expand"),
              helper.make_node("Relu", ["e"], ["output"], name="relu_e")], 13,
             inits=[shape])
    onnx.save(m, os.path.join(outdir, "bad_expand_into_relu.onnx"))
    # A mean over the channels (not global pooling).
    m = tiny([helper.make_node("ReduceMean", ["input"], ["output"], name="mean_c",
                               axes=[1], keepdims=1)], 13)
    onnx.save(m, os.path.join(outdir, "bad_reducemean_channels.onnx"))
    # Repeated axes.
    axes = numpy_helper.from_array(np.array([2, 3, -1], dtype=np.int64), "axes")
    m = tiny([helper.make_node("ReduceMean", ["input", "axes"], ["output"],
                               name="mean_rep")], 18, inits=[axes])
    onnx.save(m, os.path.join(outdir, "bad_reducemean_repeated.onnx"))
    # A model-local function (what torch 2.x writes for some modules).
    fn = helper.make_function("local", "MyBlock", ["x"], ["y"],
                              [helper.make_node("Relu", ["x"], ["y"])],
                              [helper.make_opsetid("", 18)])
    m = tiny([helper.make_node("MyBlock", ["input"], ["output"], name="block",
                               domain="local")], 18, functions=[fn])
    m.ir_version = 10
    onnx.save(m, os.path.join(outdir, "bad_local_function.onnx"))
    print("wrote the broken forms", flush=True)


def write_hostile(outdir):
    """Files whose external data the tests lay out hostile ways (a FIFO, a
    directory, a symbolic link out of the folder; test-models.c makes them
    beside a copy): a 4x3x3x3 convolution whose weight is external, named
    'w.bin' and 'sub/w.bin', the same model with the weight inline, the
    weight's bytes; and 2,000 unused tensors naming one 1 MiB file
    'big.bin' (whose first 432 bytes are the weight) beside a used one."""
    import onnx
    from onnx import helper, TensorProto, numpy_helper
    w = np.random.RandomState(31).standard_normal((4, 3, 3, 3)).astype(np.float32)
    with open(os.path.join(outdir, "hostile_w.bin"), "wb") as f:
        f.write(w.tobytes())

    def conv(location, extra=()):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])
        t = numpy_helper.from_array(w, "w")
        if location:
            t.ClearField("raw_data")
            t.data_location = TensorProto.EXTERNAL
            for k, v in (("location", location), ("offset", "0"), ("length", str(w.nbytes))):
                e = t.external_data.add()
                e.key, e.value = k, v
        g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv",
                                                pads=[1, 1, 1, 1])],
                              "hostile", [x], [y], [t] + list(extra))
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])

    onnx.save(conv(None), os.path.join(outdir, "hostile_inline.onnx"))
    onnx.save(conv("w.bin"), os.path.join(outdir, "hostile_ext_flat.onnx"))
    onnx.save(conv("sub/w.bin"), os.path.join(outdir, "hostile_ext_sub.onnx"))
    unused = []
    for i in range(2000):
        t = onnx.TensorProto()
        t.name, t.data_type, t.data_location = "unused%d" % i, TensorProto.FLOAT, TensorProto.EXTERNAL
        t.dims.extend([256, 1024])
        for k, v in (("location", "big.bin"), ("offset", "0"), ("length", str(1 << 20))):
            e = t.external_data.add()
            e.key, e.value = k, v
        unused.append(t)
    m = conv("big.bin", unused)
    onnx.save(m, os.path.join(outdir, "hostile_many_tensors.onnx"))
    print("wrote the hostile-layout files", flush=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    quick = "--quick" in sys.argv[2:]
    stamp = os.path.join(outdir, "fixtures.stamp")
    if "--stamp" in sys.argv:
        stamp_out = sys.argv[sys.argv.index("--stamp") + 1]
    else:
        stamp_out = None
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for name, (make, shape, opset, seed, in_quick, *options) in FIXTURES.items():
        if quick and not in_quick:
            continue
        export(outdir, name, make, shape, opset, seed, **(options[0] if options else {}))
    for name, (make, shape) in BROKEN.items():
        export(outdir, name, make, shape, 13, 99, reference=False)
    write_raw_data_twice(outdir, "cifar_resnet8_optB_odd", "raw_data_twice")
    for name, (src, rewrite, external, *half) in FORMS.items():
        write_form(outdir, src, name, rewrite, external, bool(half and half[0]))
    write_broken_forms(outdir)
    write_bad_heads(outdir)
    write_hostile(outdir)
    names = "\n".join([n for n, v in FIXTURES.items() if not quick or v[4]]
                      + ["raw_data_twice"] + list(FORMS)) + "\n"
    for path in filter(None, (stamp, stamp_out)):
        with open(path, "w") as f:
            f.write(names)


if __name__ == "__main__":
    main()
