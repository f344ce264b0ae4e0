"""Export a PyTorch model to ONNX with the metadata_props resnetclassify
reads (labels, mean, std, channel_order, input_size, resize_mode, name)."""
import onnx
import torch


def heads_props(heads):
    """The metadata_props that describe HEADS, [(output, kind, labels or
    None)]: "heads" (OUTPUT:KIND,...) and "labels.OUTPUT" (one a line)."""
    if not heads:
        return {}
    props = {"heads": ",".join("%s:%s" % (n, kind) for n, kind, _ in heads)}
    props.update({"labels." + n: "\n".join(lb) for n, _, lb in heads if lb})
    return props


def export(model, path, height, width, name, labels, mean, std, resize_mode="stretch",
           extra=None, opset=13, heads=None):
    """HEADS, for a model of several outputs: [(output name, kind, labels or
    None)] in the order the model returns them, kind "softmax",
    "multilabel" or "embedding"; written as the "heads" and
    "labels.OUTPUT" keys resnetclassify reads.  LABELS are the first
    output's."""
    model.eval()
    x = torch.zeros(1, 3, height, width)
    outputs = [h[0] for h in heads] if heads else ["logits"]
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=outputs, do_constant_folding=True,
                      dynamic_axes={n: {0: "batch"} for n in ["input"] + outputs})
    m = onnx.load(path)
    props = {
        "name": name,
        "labels": "\n".join(labels),
        "mean": ",".join("%g" % v for v in mean),
        "std": ",".join("%g" % v for v in std),
        "channel_order": "rgb",
        "input_size": "%dx%d" % (height, width),
        "resize_mode": resize_mode,
    }
    props.update(heads_props(heads or []))
    props.update(extra or {})
    del m.metadata_props[:]
    for k, v in props.items():
        e = m.metadata_props.add()
        e.key, e.value = k, str(v)
    onnx.save(m, path)
