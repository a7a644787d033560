"""Card-classifier batch inference hook: ONNX Runtime on the CPU (the twin), torch on CUDA.

`CardClassifier(model, device)` takes uint8 crops, (N, H, W) luma or (N, H, W, 3) RGB as the model's
input channels say, normalises them the way the model was trained and returns class probabilities
(N, classes). Models from `ggp cards train` (metadata producer "ggpgfx cards train") take 48x32 luma
patches each scaled to zero mean and unit spread (`ggpgfx.cards.locate.normalise`); other models use a
fixed `scale`, `mean`, `std`. On a CUDA device the ONNX graph runs through `OnnxTorchModel` with the
crops already on the GPU (`resize.crop_resize_gpu`), so they never leave device memory; on the CPU it
runs in ONNX Runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ggpgfx.operators_gpu.device import resolve_device, to_numpy

from ggpgfx.errors import ConfigError


def models_dir() -> Path:
    """Where the cards engineer ships the trained model: ggpgfx/cards/models."""
    import ggpgfx

    return Path(ggpgfx.__file__).resolve().parent / "cards" / "models"


def default_model() -> Path | None:
    """The first ONNX model shipped under ggpgfx/cards/models, if any."""
    folder = models_dir()
    found = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
    return found[0] if found else None


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class CardClassifier:
    """Batch classifier over card crops; `backend` is "onnxruntime", "torch" or "auto" (torch on CUDA)."""

    def __init__(self, model: str | Path | bytes | None = None, device: str = "auto", backend: str = "auto",
                 normalise: str = "auto", scale: float = 1 / 255, mean: Sequence[float] = (0.0,),
                 std: Sequence[float] = (1.0,), softmax: bool = True) -> None:
        import onnx

        path = Path(model) if isinstance(model, str | Path) else default_model() if model is None else None
        if not isinstance(model, bytes) and (path is None or not path.is_file()):
            raise ConfigError(f"card model {str(path) if path else '(none shipped)'} not found; "
                              f"pass a .onnx path or train one with `ggp cards train`")
        self.path = path
        self.device = resolve_device(device)
        if backend == "auto":
            backend = "torch" if self.device.startswith("cuda") else "onnxruntime"
        if backend not in ("torch", "onnxruntime"):
            raise ConfigError(f"unknown classifier backend {backend!r}: use 'auto', 'torch' or 'onnxruntime'")
        self.backend = backend
        proto = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(str(path))
        meta = {p.key: p.value for p in proto.metadata_props}
        self.classes: list[str] = meta["classes"].split(",") if "classes" in meta else []
        # calibrated models (`ggp cards calibrate`) divide their logits by a temperature before the softmax,
        # as the CPU classifier (ggpgfx.cards.infer) does; raw logits (softmax=False) stay as the model gives them
        self.temperature = float(meta.get("temperature", 1.0))
        weights = {t.name for t in proto.graph.initializer}
        first = next(i for i in proto.graph.input if i.name not in weights)
        self.channels = int(first.type.tensor_type.shape.dim[1].dim_value or 3)
        if normalise == "auto":
            normalise = "per_patch" if meta.get("producer") == "ggpgfx cards train" else "fixed"
        if normalise not in ("per_patch", "fixed"):
            raise ConfigError(f"unknown normalisation {normalise!r}: use 'auto', 'per_patch' or 'fixed'")
        self.normalise = normalise
        self.scale = float(scale)
        self.mean = np.asarray(mean, dtype=np.float32).reshape(1, -1, 1, 1)
        self.std = np.asarray(std, dtype=np.float32).reshape(1, -1, 1, 1)
        self.softmax = softmax
        self._session: Any = None
        self._model: Any = None
        if backend == "onnxruntime":
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            self._session = onnxruntime.InferenceSession(proto.SerializeToString(), options,
                                                         providers=["CPUExecutionProvider"])
            self._input = self._session.get_inputs()[0].name
        else:
            from ggpgfx.operators_gpu.onnx_torch import OnnxTorchModel

            self._model = OnnxTorchModel(proto, self.device)

    def _nchw(self, crops: Any) -> Any:
        """(N, C, H, W) view of luma (N, H, W) or RGB (N, H, W, C) crops."""
        batch = crops[:, None] if crops.ndim == 3 else crops.permute(0, 3, 1, 2) if hasattr(
            crops, "permute") else crops.transpose(0, 3, 1, 2)
        if batch.shape[1] != self.channels:
            raise ConfigError(f"model takes {self.channels}-channel crops, got {batch.shape[1]}")
        return batch

    def _prepare_np(self, crops: np.ndarray) -> np.ndarray:
        x = self._nchw(crops).astype(np.float32)
        if self.normalise == "per_patch":  # as ggpgfx.cards.locate.normalise: lighting invariance
            mean = x.mean(axis=(1, 2, 3), keepdims=True)
            return np.ascontiguousarray((x - mean) / (x.std(axis=(1, 2, 3), keepdims=True) + 8.0))
        return np.ascontiguousarray((x * self.scale - self.mean) / self.std)

    def _prepare_torch(self, crops: Any) -> Any:
        import torch

        x = self._nchw(crops).to(torch.float32)
        if self.normalise == "per_patch":
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            return ((x - mean) / (x.std(dim=(1, 2, 3), keepdim=True, correction=0) + 8.0)).contiguous()
        mean = torch.as_tensor(self.mean, device=x.device)
        std = torch.as_tensor(self.std, device=x.device)
        return ((x * self.scale - mean) / std).contiguous()

    def __call__(self, crops: Any) -> Any:
        """Probabilities (N, classes): numpy for numpy crops or the CPU backend, else a device tensor."""
        if self.backend == "onnxruntime":
            logits = self._session.run(None, {self._input: self._prepare_np(to_numpy(crops))})[0]
            return _softmax(logits / self.temperature) if self.softmax else logits
        import torch

        on_host = isinstance(crops, np.ndarray)
        with torch.no_grad():
            logits = self._model(self._prepare_torch(torch.as_tensor(crops).to(self.device)))[0]
            out = torch.softmax(logits / self.temperature, 1) if self.softmax else logits
        return out.cpu().numpy() if on_host else out

    def classify(self, crops: Any) -> tuple[np.ndarray, np.ndarray]:
        """Best class index and its probability per crop (host arrays)."""
        probabilities = to_numpy(self(crops))
        return probabilities.argmax(1), probabilities.max(1)
