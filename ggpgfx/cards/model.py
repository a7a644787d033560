"""The card-index classifier: a small CNN (PyTorch) over 48x32 luma patches → 52 cards + "none"."""

from __future__ import annotations

from typing import Any


def build_model(width: int = 1, classes: int = 53) -> Any:
    """A ~0.3 M-parameter CNN; `width` multiplies the channel counts (tests use a thinner one)."""
    import torch.nn as nn

    c1, c2, c3 = 16 * width, 32 * width, 64 * width

    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    return nn.Sequential(
        *block(1, c1), nn.MaxPool2d(2),  # 24 x 16
        *block(c1, c2), nn.MaxPool2d(2),  # 12 x 8
        *block(c2, c3), nn.MaxPool2d(2),  # 6 x 4
        *block(c3, c3),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(c3 * 6 * 4, 128), nn.ReLU(inplace=True),
        nn.Linear(128, classes),
    )


def export_onnx(model: Any, path: str, classes: tuple[str, ...], patch_h: int, patch_w: int) -> None:
    """Write the model as ONNX (dynamic batch) with the class list and patch size in its metadata."""
    import onnx
    import torch

    model.eval()
    dummy = torch.zeros(1, 1, patch_h, patch_w)
    torch.onnx.export(model, (dummy,), path, input_names=["patches"], output_names=["logits"],
                      dynamic_axes={"patches": {0: "n"}, "logits": {0: "n"}}, opset_version=17, dynamo=False)
    proto = onnx.load(path)
    for key, value in (("classes", ",".join(classes)), ("patch_size", f"{patch_h}x{patch_w}"),
                       ("producer", "ggpgfx cards train")):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, path)
