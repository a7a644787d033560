"""Run an ONNX model with torch ops on any torch device: the card classifier's GPU path without TensorRT.

The GPU machines have onnxruntime with the CPU provider only and no TensorRT, so the ONNX graph is
interpreted node by node with torch functions (weights uploaded once). It covers the operators small
image classifiers export to (convolutions, pooling, normalisation, dense layers, activations and the
shape arithmetic of dynamic batch exports); any other operator is named in a ConfigError.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ggpgfx.errors import ConfigError


def _attributes(node: Any) -> dict[str, Any]:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads(pads: list[int] | None, dims: int) -> tuple[list[int], bool]:
    """ONNX pads (all begins, then all ends) as symmetric per-dim padding, or F.pad order when asymmetric."""
    if not pads:
        return [0] * dims, True
    begins, ends = list(pads[:dims]), list(pads[dims:])
    if begins == ends:
        return begins, True
    flat: list[int] = []
    for b, e in zip(reversed(begins), reversed(ends), strict=True):
        flat += [b, e]
    return flat, False


def _conv(x: Any, w: Any, b: Any | None, a: dict[str, Any]) -> Any:
    import torch.nn.functional as F

    dims = w.dim() - 2
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ConfigError("ONNX Conv with auto_pad is not supported by the torch runner")
    pads, symmetric = _pads(a.get("pads"), dims)
    if not symmetric:
        x, pads = F.pad(x, pads), [0] * dims
    conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    return conv(x, w, b, a.get("strides", 1), pads, a.get("dilations", 1), a.get("group", 1))


def _pool(kind: str, x: Any, a: dict[str, Any]) -> Any:
    import torch.nn.functional as F

    kernel = a["kernel_shape"]
    dims = len(kernel)
    pads, symmetric = _pads(a.get("pads"), dims)
    if not symmetric:
        x, pads = F.pad(x, pads, value=float("-inf") if kind == "max" else 0.0), [0] * dims
    strides = a.get("strides", kernel)
    ceil = bool(a.get("ceil_mode", 0))
    if kind == "max":
        max_pool: Any = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[dims - 1]
        return max_pool(x, kernel, strides, pads, a.get("dilations", 1), ceil_mode=ceil)
    avg_pool: Any = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[dims - 1]
    return avg_pool(x, kernel, strides, pads, ceil_mode=ceil, count_include_pad=bool(a.get("count_include_pad", 0)))


def _reshape(x: Any, shape: Any, a: dict[str, Any]) -> Any:
    target = [int(s) for s in shape.tolist()]
    if not a.get("allowzero", 0):
        target = [x.shape[i] if s == 0 else s for i, s in enumerate(target)]
    return x.reshape(target)


def _axes(inputs: list[Any], a: dict[str, Any]) -> list[int]:
    if len(inputs) > 1 and inputs[1] is not None:
        return [int(v) for v in inputs[1].tolist()]
    return list(a.get("axes", []))


def _ops() -> dict[str, Callable[[list[Any], dict[str, Any]], Any]]:
    import torch
    import torch.nn.functional as F

    def gemm(i: list[Any], a: dict[str, Any]) -> Any:
        x = i[0].t() if a.get("transA", 0) else i[0]
        w = i[1].t() if a.get("transB", 0) else i[1]
        out = a.get("alpha", 1.0) * (x @ w)
        return out + a.get("beta", 1.0) * i[2] if len(i) > 2 and i[2] is not None else out

    def unsqueeze(i: list[Any], a: dict[str, Any]) -> Any:
        out = i[0]
        for axis in sorted(ax % (out.dim() + len(_axes(i, a))) for ax in _axes(i, a)):
            out = out.unsqueeze(axis)
        return out

    def squeeze(i: list[Any], a: dict[str, Any]) -> Any:
        axes = _axes(i, a)
        return i[0].squeeze(tuple(axes)) if axes else i[0].squeeze()

    return {
        "Conv": lambda i, a: _conv(i[0], i[1], i[2] if len(i) > 2 else None, a),
        "MaxPool": lambda i, a: _pool("max", i[0], a),
        "AveragePool": lambda i, a: _pool("avg", i[0], a),
        "GlobalAveragePool": lambda i, a: i[0].mean(tuple(range(2, i[0].dim())), keepdim=True),
        "GlobalMaxPool": lambda i, a: i[0].amax(tuple(range(2, i[0].dim())), keepdim=True),
        "BatchNormalization": lambda i, a: F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0,
                                                        a.get("epsilon", 1e-5)),
        "Relu": lambda i, a: F.relu(i[0]),
        "LeakyRelu": lambda i, a: F.leaky_relu(i[0], a.get("alpha", 0.01)),
        "Sigmoid": lambda i, a: torch.sigmoid(i[0]),
        "Tanh": lambda i, a: torch.tanh(i[0]),
        "HardSigmoid": lambda i, a: (a.get("alpha", 0.2) * i[0] + a.get("beta", 0.5)).clamp(0, 1),
        "HardSwish": lambda i, a: F.hardswish(i[0]),
        "Clip": lambda i, a: i[0].clamp(i[1] if len(i) > 1 and i[1] is not None else a.get("min"),
                                        i[2] if len(i) > 2 and i[2] is not None else a.get("max")),
        "Softmax": lambda i, a: torch.softmax(i[0], a.get("axis", -1)),
        "Gemm": gemm,
        "MatMul": lambda i, a: i[0] @ i[1],
        "Add": lambda i, a: i[0] + i[1], "Sub": lambda i, a: i[0] - i[1],
        "Mul": lambda i, a: i[0] * i[1], "Div": lambda i, a: i[0] / i[1],
        "Flatten": lambda i, a: i[0].reshape(int(np.prod(i[0].shape[:a.get("axis", 1)])), -1),
        "Reshape": lambda i, a: _reshape(i[0], i[1], a),
        "Transpose": lambda i, a: i[0].permute(a.get("perm", list(range(i[0].dim()))[::-1])),
        "Concat": lambda i, a: torch.cat(list(i), a["axis"]),
        "Unsqueeze": unsqueeze,
        "Squeeze": squeeze,
        "Shape": lambda i, a: torch.tensor(list(i[0].shape), dtype=torch.int64, device=i[0].device),
        "Gather": lambda i, a: torch.index_select(i[0], a.get("axis", 0), i[1].reshape(-1)).reshape(
            *i[0].shape[:a.get("axis", 0)], *i[1].shape, *i[0].shape[a.get("axis", 0) + 1:]),
        "ReduceMean": lambda i, a: i[0].mean(tuple(_axes(i, a)) or None, keepdim=bool(a.get("keepdims", 1))),
        "Identity": lambda i, a: i[0],
        "Dropout": lambda i, a: i[0],
        "Cast": lambda i, a: i[0].to({1: torch.float32, 6: torch.int32, 7: torch.int64, 10: torch.float16,
                                      11: torch.float64}[a["to"]]),
    }


def _constant(attrs: dict[str, Any], numpy_helper: Any) -> Any:
    import torch

    if "value" in attrs:
        return torch.as_tensor(numpy_helper.to_array(attrs["value"]).copy())
    for name, dtype in (("value_float", torch.float32), ("value_floats", torch.float32),
                        ("value_int", torch.int64), ("value_ints", torch.int64)):
        if name in attrs:
            return torch.tensor(attrs[name], dtype=dtype)
    raise ConfigError(f"ONNX Constant with {', '.join(attrs)} is not supported by the torch runner")


class OnnxTorchModel:
    """An ONNX model's graph run with torch functions on one device (weights uploaded once)."""

    def __init__(self, model: str | Path | Any, device: str = "cpu") -> None:
        import onnx
        import torch
        from onnx import numpy_helper

        proto = model if hasattr(model, "graph") else onnx.load(str(model))
        self.device = device
        self.graph = proto.graph
        self.weights = {t.name: torch.as_tensor(numpy_helper.to_array(t).copy()).to(device)
                        for t in self.graph.initializer}
        self.ops = _ops()
        missing = sorted({n.op_type for n in self.graph.node} - set(self.ops) - {"Constant"})
        if missing:
            raise ConfigError(f"the torch ONNX runner lacks operator(s) {', '.join(missing)}; "
                              "use the onnxruntime backend for this model")
        self.input_names = [i.name for i in self.graph.input if i.name not in self.weights]
        self.output_names = [o.name for o in self.graph.output]
        self.nodes = [(n, _attributes(n)) for n in self.graph.node]

    def __call__(self, *inputs: Any) -> list[Any]:
        """Outputs of the graph for these input tensors (on the model's device)."""
        import torch
        from onnx import numpy_helper

        values: dict[str, Any] = dict(self.weights)
        values.update(zip(self.input_names, inputs, strict=False))
        with torch.no_grad():
            for node, attrs in self.nodes:
                if node.op_type == "Constant":
                    values[node.output[0]] = _constant(attrs, numpy_helper).to(self.device)
                    continue
                args = [values[name] if name else None for name in node.input]
                result = self.ops[node.op_type](args, attrs)
                values[node.output[0]] = result
        return [values[name] for name in self.output_names]
