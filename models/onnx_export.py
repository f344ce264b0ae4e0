"""Export a PyTorch model to ONNX with the metadata_props resnetclassify
reads (labels, mean, std, channel_order, input_size, resize_mode, name)."""
import onnx
import torch


def export(model, path, height, width, name, labels, mean, std, resize_mode="stretch",
           extra=None, opset=13):
    model.eval()
    x = torch.zeros(1, 3, height, width)
    torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
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
    props.update(extra or {})
    del m.metadata_props[:]
    for k, v in props.items():
        e = m.metadata_props.add()
        e.key, e.value = k, str(v)
    onnx.save(m, path)
