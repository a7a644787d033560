"""Device detection and frames on the device: lazy CUDA probe, upload/download, DLPack hand-off.

Nothing here imports torch or CuPy at module import: the first call that needs a device probes for one
and, when none works, logs once that the CPU twin is used.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from ggpgfx.errors import ConfigError
from ggpgfx.media.frames import VideoFrame

log = logging.getLogger("ggpgfx.operators_gpu")

_lock = threading.Lock()
_probe: dict[str, Any] | None = None
_warned = False


def _probe_devices() -> dict[str, Any]:
    """Ask torch, then CuPy, whether a CUDA device works; every failure means 'no'."""
    found: dict[str, Any] = {"torch": False, "cupy": False, "count": 0, "name": None}
    try:
        import torch

        if torch.cuda.is_available() and torch.cuda.device_count() > 0:
            found.update(torch=True, count=torch.cuda.device_count(), name=torch.cuda.get_device_name(0))
    except Exception:  # noqa: BLE001 - a broken CUDA install must read as "no GPU", never crash
        pass
    try:
        import cupy

        count = int(cupy.cuda.runtime.getDeviceCount())
        if count > 0:
            cupy.zeros(1)  # CuPy imports without a driver and fails on first use: use it once
            found.update(cupy=True, count=max(found["count"], count))
    except Exception:  # noqa: BLE001 - same: cudaErrorInsufficientDriver and friends mean "no GPU"
        pass
    return found


def devices() -> dict[str, Any]:
    """What the probe found: `torch`, `cupy` (usable), `count` and the first device's `name`."""
    global _probe
    with _lock:
        if _probe is None:
            _probe = _probe_devices()
        return dict(_probe)


def cuda_available() -> bool:
    """True when torch can run on a CUDA device (probed once, lazily)."""
    return bool(devices()["torch"])


def note_fallback(what: str = "") -> None:
    """Log, once per process, that no GPU was found and the CPU twin runs instead."""
    global _warned
    if not _warned:
        _warned = True
        log.info("no GPU: using the CPU twin%s", f" ({what})" if what else "")


def resolve_device(requested: str | None = "auto") -> str:
    """Map "auto", "cuda", "cuda:N", "gpu" or "cpu" onto a torch device string that works here.

    A CUDA request on a machine without CUDA falls back to "cpu" with one log line, so a graph written
    for a GPU machine still runs (slower) anywhere.
    """
    name = (requested or "auto").strip().lower()
    if name == "cpu":
        return "cpu"
    if name not in ("auto", "gpu", "cuda") and not name.startswith("cuda:"):
        raise ConfigError(f"unknown device {requested!r}: use 'auto', 'cpu', 'cuda' or 'cuda:N'")
    if cuda_available():
        if name.startswith("cuda:"):
            index = int(name.split(":", 1)[1])
            if index >= devices()["count"]:
                raise ConfigError(f"device {requested!r} does not exist: {devices()['count']} CUDA device(s)")
            return name
        return "cuda:0"
    note_fallback(f"asked for {requested!r}")
    return "cpu"


def device_for(context_device: str | None = None, param_device: str | None = None,
               gpu_fraction: float = 0.0) -> str:
    """The device a node should use: its `device` param, else the runtime's placement, else its resources."""
    if param_device and param_device != "auto":
        return resolve_device(param_device)
    if context_device and context_device != "cpu":
        return resolve_device(context_device)
    return resolve_device("cuda" if gpu_fraction > 0 else "cpu")


def is_device_frame(frame: VideoFrame) -> bool:
    """True when the frame's planes live in GPU memory."""
    return frame.device.startswith("cuda")


def _as_tensor(plane: Any) -> Any:
    import torch

    if isinstance(plane, torch.Tensor):
        return plane
    if isinstance(plane, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(plane))
    return torch.from_dlpack(plane)  # CuPy and any other DLPack producer: shares the pointer


def upload(frame: VideoFrame, device: str = "cuda", pinned: bool = True, stream: Any = None) -> VideoFrame:
    """Copy a host frame's planes into torch tensors on `device` (CPU fallback keeps torch CPU tensors).

    With CUDA, planes go through pinned host memory and `non_blocking` copies on `stream` (or the
    current stream), so the copy overlaps other work; the returned frame is valid once that stream
    reaches the copy, which every kernel queued later on the same stream respects.
    """
    import torch

    target = resolve_device(device)
    if frame.device == target and all(isinstance(p, torch.Tensor) for p in frame.planes):
        return frame
    if is_device_frame(frame):
        frame = download(frame)
    planes: list[Any] = []
    if target == "cpu":  # the CPU fallback still copies, so the caller's planes never change under it
        planes = [torch.from_numpy(np.array(p, copy=True)) for p in frame.planes]
    else:
        context = torch.cuda.stream(stream) if stream is not None else _null_context()
        with context:
            for plane in frame.planes:
                host = torch.from_numpy(np.ascontiguousarray(plane))
                if pinned:
                    host = host.pin_memory()
                planes.append(host.to(target, non_blocking=pinned))
    return VideoFrame(planes, frame.format, frame.width, frame.height, frame.pts, target, dict(frame.meta))


class _null_context:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def download(frame: VideoFrame) -> VideoFrame:
    """A host (numpy) copy of a frame whose planes are torch tensors or CuPy arrays (waits for the copy)."""
    planes = [to_numpy(p) for p in frame.planes]
    return VideoFrame(planes, frame.format, frame.width, frame.height, frame.pts, "cpu", dict(frame.meta))


def to_numpy(plane: Any) -> np.ndarray:
    """A numpy array of one plane wherever it lives (host arrays pass through without a copy)."""
    if isinstance(plane, np.ndarray):
        return plane
    module = type(plane).__module__
    if module.startswith("torch"):
        return np.asarray(plane.detach().cpu().numpy())
    if module.startswith("cupy"):
        return np.asarray(plane.get())
    return np.asarray(plane)


def as_torch(frame: VideoFrame) -> VideoFrame:
    """The same frame with torch tensor planes sharing memory with the originals (DLPack, no copy)."""
    return VideoFrame([_as_tensor(p) for p in frame.planes], frame.format, frame.width, frame.height,
                      frame.pts, frame.device, frame.meta)


def as_cupy(frame: VideoFrame) -> VideoFrame:
    """The same device frame with CuPy planes sharing memory with the originals (DLPack, no copy)."""
    if not is_device_frame(frame):
        raise ConfigError("as_cupy needs a frame on a CUDA device; upload() it first")
    import cupy

    return VideoFrame([cupy.from_dlpack(p) for p in frame.planes], frame.format, frame.width, frame.height,
                      frame.pts, frame.device, frame.meta)


def synchronize(device: str) -> None:
    """Wait for queued work on a CUDA device (no-op on the CPU)."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize(device)
