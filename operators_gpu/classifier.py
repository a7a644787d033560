"""Card-classifier batch inference hook: ONNX Runtime on the CPU (the twin), torch on CUDA.

`CardClassifier(model, device)` takes uint8 RGB crops (N, H, W, 3), scales them to float NCHW the way
the model was trained (`scale`, `mean`, `std`), and returns class probabilities (N, classes). On a CUDA
device the ONNX graph runs through `OnnxTorchModel` with the crops already on the GPU (from
`resize.crop_resize_gpu`), so crops never leave device memory; on the CPU it runs in ONNX Runtime.
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

    def __init__(self, model: str | Path | None = None, device: str = "auto", backend: str = "auto",
                 scale: float = 1 / 255, mean: Sequence[float] = (0.0, 0.0, 0.0),
                 std: Sequence[float] = (1.0, 1.0, 1.0), softmax: bool = True) -> None:
        path = Path(model) if model is not None else default_model()
        if path is None or not path.is_file():
            raise ConfigError(f"card model {str(path) if path else '(none shipped)'} not found; "
                              f"pass a .onnx path or train one with `ggp cards train`")
        self.path = path
        self.device = resolve_device(device)
        if backend == "auto":
            backend = "torch" if self.device.startswith("cuda") else "onnxruntime"
        if backend not in ("torch", "onnxruntime"):
            raise ConfigError(f"unknown classifier backend {backend!r}: use 'auto', 'torch' or 'onnxruntime'")
        self.backend = backend
        self.scale = float(scale)
        self.mean = np.asarray(mean, dtype=np.float32).reshape(1, -1, 1, 1)
        self.std = np.asarray(std, dtype=np.float32).reshape(1, -1, 1, 1)
        self.softmax = softmax
        self._session: Any = None
        self._model: Any = None
        self._torch_norm: tuple[Any, Any] | None = None
        if backend == "onnxruntime":
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            self._input = self._session.get_inputs()[0].name
        else:
            from ggpgfx.operators_gpu.onnx_torch import OnnxTorchModel

            self._model = OnnxTorchModel(path, self.device)

    def _prepare_np(self, crops: np.ndarray) -> np.ndarray:
        batch = crops.astype(np.float32).transpose(0, 3, 1, 2) * self.scale
        return np.ascontiguousarray((batch - self.mean) / self.std)

    def __call__(self, crops: Any) -> Any:
        """Probabilities (N, classes): numpy for numpy crops or the CPU backend, else a device tensor."""
        if self.backend == "onnxruntime":
            logits = self._session.run(None, {self._input: self._prepare_np(to_numpy(crops))})[0]
            return _softmax(logits) if self.softmax else logits
        import torch

        on_host = isinstance(crops, np.ndarray)
        batch = torch.as_tensor(crops).to(self.device)
        if self._torch_norm is None:
            self._torch_norm = (torch.as_tensor(self.mean, device=self.device),
                                torch.as_tensor(self.std, device=self.device))
        mean, std = self._torch_norm
        with torch.no_grad():
            x = (batch.permute(0, 3, 1, 2).to(torch.float32) * self.scale - mean) / std
            logits = self._model(x.contiguous())[0]
            out = torch.softmax(logits, 1) if self.softmax else logits
        return out.cpu().numpy() if on_host else out

    def classify(self, crops: Any) -> tuple[np.ndarray, np.ndarray]:
        """Best class index and its probability per crop (host arrays)."""
        probabilities = to_numpy(self(crops))
        return probabilities.argmax(1), probabilities.max(1)
