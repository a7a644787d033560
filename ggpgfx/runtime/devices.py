"""Device placement: which device each node runs on, where frames must move between CPU and GPU, and how.

A node type opts in by giving its Params a `device` field (`ggpgfx.graph.fields.Device`: `auto`, `cpu`,
`cuda`, `cuda:N`). This module resolves those requests against the CUDA devices present (one cheap probe
through the driver library, no torch import), says once per node when a CUDA request falls back to the CPU,
and lists the CPU<->GPU boundaries of a graph: the edges where a frame must be uploaded or downloaded because
its producer and consumer keep frames on different devices. The local executor applies the transfers
(`to_device`), the planner asks Ray for GPUs for nodes that resolved to CUDA, and `ggp show` / `ggp plan`
print both.

Tests stand in for a GPU by monkeypatching `cuda_device_count` (the probe) and `kernel_device` (the torch
device the kernels use: "cpu" instead of "cuda:0"), so the whole device path runs on torch CPU tensors.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ggpgfx.graph.ports import negotiates_caps

if TYPE_CHECKING:
    from ggpgfx.graph.validate import ResolvedEdge, ResolvedGraph, ResolvedNode

log = logging.getLogger("ggpgfx.devices")

#: GPU share a node on CUDA asks Ray for when its type declares none (several such nodes share one GPU).
GPU_SHARE = 0.25

Transport = Literal["host", "pinned-host"]


@functools.cache
def cuda_device_count() -> int:
    """CUDA devices this process can use, asked of the driver library (libcuda) directly; 0 on any failure.

    No torch or CuPy import: validation and planning stay fast on machines without a GPU."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return 0
    try:
        driver = ctypes.CDLL("libcuda.so.1")
        if driver.cuInit(0) != 0:
            return 0
        count = ctypes.c_int(0)
        if driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return max(0, int(count.value))
    except (OSError, AttributeError):  # no driver library (no NVIDIA driver installed)
        return 0


@functools.cache  # an import-system search (~0.2 ms) that every executor's placement would repeat
def kernels_missing() -> str | None:
    """Why GPU kernels cannot run even with a device (torch is what they are written in), or None."""
    return None if importlib.util.find_spec("torch") is not None else "torch is not installed"


def kernel_device(device: str) -> str:
    """The torch device string kernels use for a resolved device ("cuda:0" -> "cuda:0"; tests map it to "cpu")."""
    return device


def resolve(requested: str, gpus: int | None = None, missing: str | None = None) -> tuple[str, str | None]:
    """(device, why a CUDA request fell back or None) for 'auto', 'cpu', 'cuda' or 'cuda:N'.

    `gpus`: devices present (default: this machine's); `missing`: why kernels cannot run (default: probed).
    'auto' picks cuda:0 when it can and the CPU quietly otherwise; 'cuda[:N]' falls back with a reason.
    """
    if requested == "cpu":
        return "cpu", None
    count = cuda_device_count() if gpus is None else gpus
    index = int(requested.split(":", 1)[1]) if requested.startswith("cuda:") else 0
    reason: str | None
    if count == 0:
        reason = "no CUDA"
    elif index >= count:
        reason = f"{requested} absent: {count} CUDA device(s)"
    else:
        reason = kernels_missing() if missing is None else (missing or None)
    if reason is None:
        return f"cuda:{index}", None
    return "cpu", None if requested == "auto" else reason


def requested_device(node: ResolvedNode) -> str | None:
    """The node's `device` param, or None when its type has no device param (it always runs on the CPU)."""
    if "device" not in type(node.params).model_fields:
        return None
    return str(getattr(node.params, "device", "cpu"))


@dataclass(frozen=True)
class Placement:
    """Where one node runs: the device asked for, the one it got, why it fell back, where its frames live."""

    node_id: str
    node_type: str
    requested: str | None
    device: str
    reason: str | None = None
    frames: str = "cpu"

    @property
    def on_gpu(self) -> bool:
        """True when the node's kernels run on a CUDA device."""
        return self.device.startswith("cuda")

    def fallback_text(self) -> str | None:
        """"gfx (render.overlay): device cuda unavailable (no CUDA): using the CPU", or None."""
        if self.reason is None:
            return None
        return f"{self.node_id} ({self.node_type}): device {self.requested} unavailable ({self.reason}): using the CPU"

    def describe(self) -> str:
        """'cuda:0', 'cpu', 'cpu (asked cuda: no CUDA)'."""
        if self.requested is None or self.requested == self.device:
            return self.device
        if self.reason:
            return f"{self.device} (asked {self.requested}: {self.reason})"
        return f"{self.device} (asked {self.requested})"


def place(graph: ResolvedGraph, node_ids: list[str] | None = None, gpus: int | None = None) -> dict[str, Placement]:
    """Resolve every node's device (`gpus`: devices per machine; default: this machine's probe)."""
    missing = kernels_missing()
    placements = {}
    for nid in node_ids if node_ids is not None else list(graph.nodes):
        node = graph.nodes[nid]
        requested = requested_device(node)
        device, reason = resolve(requested, gpus, missing or "") if requested is not None else ("cpu", None)
        frames = device if node.cls.device_frames else "cpu"
        placements[nid] = Placement(nid, node.cls.type_name, requested, device, reason, frames)
    return placements


def announce(placements: dict[str, Placement], logger: logging.Logger | None = None) -> list[str]:
    """Log each node's CUDA fallback (one line per node); returns the lines."""
    lines = [text for p in placements.values() if (text := p.fallback_text())]
    for text in lines:
        (logger or log).warning("%s", text)
    return lines


def gpu_request(placement: Placement, declared: float) -> float:
    """The GPU share a node asks Ray for: its declared share, or GPU_SHARE when it resolved to CUDA."""
    if not placement.on_gpu:
        return declared
    index = int(placement.device.split(":", 1)[1])
    return max(declared, GPU_SHARE if index == 0 else float(index + 1))


def carries_frames(graph: ResolvedGraph, edge: ResolvedEdge) -> bool:
    """True when the edge's producer port carries VideoFrames (or Any, which may carry them)."""
    port = graph.nodes[edge.src].cls.outputs[edge.spec.src_port]
    return negotiates_caps(port.type) or port.type is Any


@dataclass(frozen=True)
class Boundary:
    """A frame edge whose two ends keep frames on different devices: an upload or a download per frame."""

    edge: ResolvedEdge
    kind: Literal["upload", "download", "device-to-device"]
    source: str
    target: str

    def text(self) -> str:
        """'cam.video -> gfx.video: upload cpu -> cuda:0'."""
        return f"{self.edge.label}: {self.kind} {self.source} -> {self.target}"


def boundaries(graph: ResolvedGraph, placements: dict[str, Placement]) -> list[Boundary]:
    """The CPU<->GPU boundaries among edges whose two ends are both placed (consecutive nodes)."""
    found = []
    for edge in graph.edges:
        src, dst = placements.get(edge.src), placements.get(edge.dst)
        if src is None or dst is None or src.frames == dst.frames or not carries_frames(graph, edge):
            continue
        kind: Literal["upload", "download", "device-to-device"] = (
            "upload" if src.frames == "cpu" else "download" if dst.frames == "cpu" else "device-to-device")
        found.append(Boundary(edge, kind, src.frames, dst.frames))
    return found


def cross_fragment_transport(producer_frames: str) -> Transport:
    """How a frame leaves a fragment: device frames are downloaded through pinned host memory first.

    CUDA IPC between fragment processes is not implemented: every cross-fragment frame travels in host
    memory (the fragment rings of `ray_wire`), and a consumer on CUDA uploads it again."""
    return "pinned-host" if producer_frames.startswith("cuda") else "host"


def to_device(frame: Any, device: str) -> Any:
    """The frame with its planes on `device` ("cpu": numpy; "cuda:N": torch tensors there), copied once."""
    from ggpgfx.operators_gpu.device import download, upload

    if device == "cpu":
        moved = download(frame)
    else:
        moved = upload(frame, device=kernel_device(device))
        moved.device = device  # the logical device (tests run the device path on torch CPU tensors)
    moved.meta.pop("cow", None)  # a copy: the source's copy-on-write owner (a decoder buffer) is not its owner
    return moved


def to_host_pinned(frame: Any) -> Any:
    """A host copy of a device frame through pinned memory (the 'pinned-host' cross-fragment transport)."""
    if not kernel_device(frame.device).startswith("cuda"):
        return to_device(frame, "cpu")
    import torch

    from ggpgfx.media.frames import VideoFrame

    planes = []
    for plane in frame.planes:
        host = torch.empty(tuple(plane.shape), dtype=plane.dtype, pin_memory=True)
        host.copy_(plane, non_blocking=True)
        planes.append(host)
    torch.cuda.current_stream(kernel_device(frame.device)).synchronize()
    meta = {k: v for k, v in frame.meta.items() if k != "cow"}
    return VideoFrame([p.numpy() for p in planes], frame.format, frame.width, frame.height, frame.pts, "cpu", meta)
