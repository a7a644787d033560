"""GPU check: run the operators_gpu tests on CUDA and time each GPU kernel next to its CPU twin.

    python3 benchmarks/gpu_check.py            # on the GPU machine (or `bash benchmarks/gpu_check.sh`)
    .venv/bin/python benchmarks/gpu_check.py --quick    # anywhere: CPU-only numbers, clearly labelled

Cases: 1080p overlay composite (prepared stacks, and the render.overlay node's layer-by-layer path), 1080p
colour conversion, classifier on batches of 20 and 64 crops, exact heads-up and 6-way preflop equity, 6-way
Monte Carlo with 100k runouts, and graphs/demo_gpu.yaml end to end (fps against 60, CPU<->GPU copies per
frame; needs PyAV and the rest of the runtime, skipped with the reason otherwise). Each row prints the GPU
time, the CPU twin's time, their ratio, the H100 target and whether the results are equal (bit for bit,
except classifier probabilities: within 1e-4 and the same classes). Writes benchmarks/results/gpu_check.json.
Needs no pydantic, Ray or PyAV, so it runs on the bare GPU image; works from a checkout without install.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ensure_package() -> None:
    """Make `ggpgfx.operators_gpu` importable from a plain checkout (the install maps the folder there)."""
    try:
        import ggpgfx.operators_gpu  # noqa: F401
    except ImportError:
        import ggpgfx

        ggpgfx.__path__.append(str(ROOT))  # ggpgfx.operators_gpu -> ROOT/operators_gpu, as setup.py maps it


ensure_package()

import numpy as np  # noqa: E402
from ggpgfx.operators_gpu import device as dev  # noqa: E402

Row = dict[str, Any]


def measure(fn: Callable[[], Any], device: str, repeats: int, budget_s: float, warm_up: bool = True) -> float:
    """Median milliseconds per call (after one warm-up call); at most `repeats` calls or `budget_s` seconds."""
    import torch

    if warm_up:
        fn()
        dev.synchronize(device)
    samples: list[float] = []
    started = time.perf_counter()
    cuda = device.startswith("cuda")
    while len(samples) < repeats and (time.perf_counter() - started < budget_s or not samples):
        if cuda:
            begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            begin.record()
            fn()
            end.record()
            end.synchronize()
            samples.append(begin.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
    return float(np.median(samples))


def _broadcast_layers(width: int, height: int) -> list[Any]:
    """A typical overlay: six player boxes, a board, a ticker and a logo, with soft edges and translucency."""
    from ggpgfx.render.layers import layer_from_rgba

    rng = np.random.default_rng(0)

    def box(w: int, h: int, alpha: int) -> np.ndarray:
        image = np.zeros((h, w, 4), np.uint8)
        image[..., :3] = rng.integers(0, 256, 3)
        yy, xx = np.mgrid[0:h, 0:w]
        edge = np.minimum.reduce([xx, yy, w - 1 - xx, h - 1 - yy])
        image[..., 3] = np.clip(edge * 90, 0, alpha)
        image[10:h - 10, 10:w // 2, :3] = rng.integers(0, 256, (h - 20, w // 2 - 10, 3))  # "text"
        return image

    layers = []
    for i in range(6):
        x = 40 if i < 3 else width - 420
        layers.append(layer_from_rgba(box(380, 110, 230), x, 120 + (i % 3) * 140))
    layers.append(layer_from_rgba(box(640, 160, 240), (width - 640) // 2, height - 260))
    layers.append(layer_from_rgba(box(width, 56, 220), 0, height - 56))
    logo = box(200, 200, 255)
    logo[..., 3] = (logo[..., 3].astype(np.int32) * rng.integers(0, 2, (200, 200))).astype(np.uint8)
    layers.append(layer_from_rgba(logo, width - 240, 40))
    return layers


def _random_frame(width: int, height: int, fmt: str = "yuv420p") -> Any:
    from ggpgfx.media.frames import VideoFrame

    frame = VideoFrame.blank(width, height, fmt)
    rng = np.random.default_rng(1)
    for plane in frame.planes:
        plane[...] = rng.integers(16, 236, plane.shape)
    return frame


def case_composite(device: str, repeats: int, budget: float) -> list[Row]:
    """1080p overlay composite: GPU (CuPy fused, torch) vs the render compositor and the numpy twin."""
    from ggpgfx.operators_gpu.composite import composite_cpu, prepare_overlay
    from ggpgfx.operators_gpu.composite_gpu import composite_gpu, cupy_blend_failed

    from ggpgfx.render.composite import composite_layers

    width, height = 1920, 1080
    layers = _broadcast_layers(width, height)
    source = _random_frame(width, height)
    t0 = time.perf_counter()
    overlay = prepare_overlay(layers, width, height)
    prepare_ms = (time.perf_counter() - t0) * 1000
    expected = source.copy()
    composite_layers(expected, layers)
    host = source.copy()
    cpu_ms = measure(lambda: composite_layers(host, layers), "cpu", repeats, budget)
    twin_ms = measure(lambda: composite_cpu(host, overlay), "cpu", repeats, budget)
    rows = []
    variants = [("torch", False)] + ([("cupy-fused", True)] if device.startswith("cuda") else [])
    for label, use_cupy in variants:
        check = dev.upload(source, device=device)
        composite_gpu(check, overlay, use_cupy=use_cupy)
        equal = all(np.array_equal(a, b) for a, b in zip(expected.planes, dev.download(check).planes, strict=True))
        frame = dev.upload(source, device=device)
        gpu_ms = measure(partial(composite_gpu, frame, overlay, use_cupy=use_cupy), device, repeats, budget)
        if use_cupy and cupy_blend_failed():
            label += ": CuPy failed, torch ran"
        rows.append({"case": f"composite 1080p yuv420p, {overlay.layer_count} layers ({label})", "gpu_ms": gpu_ms,
                     "cpu_ms": cpu_ms, "cpu_label": "render.composite_layers (numba)", "target_ms": 0.3,
                     "equal": equal, "extra": {"numpy_twin_ms": twin_ms, "prepare_ms": prepare_ms,
                                               "dirty_pixels": overlay.dirty_pixels, "depth": overlay.depth}})
    return rows


def case_overlay(device: str, repeats: int, budget: float) -> list[Row]:
    """render.overlay's device path at 1080p: layer by layer on device planes (uploads cached) vs the CPU node's."""
    from ggpgfx.operators_gpu.composite_gpu import LayerUploads, composite_layers_torch

    from ggpgfx.render.composite import composite_layers

    width, height = 1920, 1080
    layers = _broadcast_layers(width, height)
    source = _random_frame(width, height)
    expected = source.copy()
    composite_layers(expected, layers)
    uploads = LayerUploads(device)
    check = composite_layers_torch(dev.upload(source, device=device), layers, uploads)
    equal = all(np.array_equal(a, b) for a, b in zip(expected.planes, dev.download(check).planes, strict=True))
    frame = dev.upload(source, device=device)
    host = source.copy()
    return [{"case": f"overlay node 1080p, {len(layers)} layers (layer by layer)",
             "gpu_ms": measure(partial(composite_layers_torch, frame, layers, uploads), device, repeats, budget),
             "cpu_ms": measure(lambda: composite_layers(host, layers), "cpu", repeats, budget),
             "cpu_label": "render.composite_layers", "target_ms": 0.3, "equal": equal,
             "extra": {"layer_plane_uploads": uploads.uploads}}]


def case_monte_carlo(device: str, repeats: int, budget: float) -> list[Row]:
    """6-way preflop Monte Carlo, 100k runouts: torch (the "cuda" backend) vs the Numba engine."""
    from ggpgfx.operators_gpu.equity import UNIT, monte_carlo_torch

    from ggpgfx.poker.equity import exact_equity, monte_carlo_equity, prepare

    hands = ["AhAs", "KdKc", "QhQd", "JcTc", "9s8s", "7d6d"]
    request = prepare(hands)
    exact = np.array(exact_equity(hands, backend="numba").equity)
    counts, total = monte_carlo_torch(request, 100_000, 1, device)
    mean = counts[2] / (total * UNIT)
    spread = np.sqrt(np.maximum(counts[3] / (total * UNIT * UNIT) - mean * mean, 0) / total)
    within = bool(np.all(np.abs(mean - exact) < 5 * spread + 1e-9))  # unbiased: within 5 standard errors
    return [{"case": "6-way preflop Monte Carlo 100k (torch)",
             "gpu_ms": measure(partial(monte_carlo_torch, request, 100_000, 1, device), device, repeats, budget),
             "cpu_ms": measure(partial(monte_carlo_equity, hands, trials=100_000), "cpu", repeats, budget),
             "cpu_label": "poker core numba", "target_ms": 1.0, "equal": within,
             "extra": {"max_error_vs_exact": round(float(np.abs(mean - exact).max()), 5),
                       "std_error": round(float(spread.max()), 5)}}]


def case_graph(device: str, frames: int) -> list[Row]:
    """graphs/demo_gpu.yaml end to end (ggp run, not paced): frames/s against 60 and CPU<->GPU copies per frame."""
    import subprocess

    missing = [name for name in ("av", "pydantic", "typer", "yaml", "pokerkit", "pyarrow", "PIL")
               if not _importable(name)]
    if missing:
        return [{"case": "whole graph demo_gpu.yaml 1080p60", "skipped": f"missing {', '.join(missing)} "
                 "(carry wheels in .whl/, see docs/gpu.md)"}]
    with tempfile.TemporaryDirectory() as folder:
        stats = Path(folder) / "stats.json"
        boot = (f"import sys, ggpgfx; ggpgfx.__path__.append({str(ROOT)!r}); sys.argv[0] = 'ggp'; "
                "from ggpgfx.cli import main; main()")  # a plain checkout: map nodes/ and operators_gpu/ as installs do
        command = [sys.executable, "-c", boot,
                   "run", str(ROOT / "graphs" / "demo_gpu.yaml"), "--no-realtime", "--max-frames", str(frames),
                   "--set", f"mp4.path={Path(folder) / 'demo_gpu.mp4'}", "--stats-json", str(stats)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=420, env=env, cwd=folder)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            return [{"case": "whole graph demo_gpu.yaml 1080p60", "error": done.stderr.strip()[-600:]}]
        report = json.loads(stats.read_text())
    nodes = report["nodes"]
    elapsed = float(report.get("elapsed_s") or wall)  # the whole run, start-up (models, kernels) included
    encoded = nodes["enc"]["messages_in"]
    fps = encoded / max(elapsed, 1e-9)
    process_ms = {nid: round((n["process_us"].get("p50") or 0) / 1000, 3) for nid, n in nodes.items()}
    slowest = max(process_ms.values()) or 1e-9  # threads overlap the stages: the slowest bounds the rate
    copies = sum(n.get("uploads", 0) + n.get("downloads", 0) for n in nodes.values())
    fallbacks = [line for line in done.stderr.splitlines() if "unavailable" in line]
    return [{"case": "whole graph demo_gpu.yaml 1080p60 (not paced)", "gpu_ms": 1000 / fps if fps else None,
             "cpu_ms": 1000 / 60, "cpu_label": "the 60 fps frame budget", "target_ms": 1000 / 60,
             "equal": None, "extra": {"frames": encoded, "real_time": fps >= 60, "fps_whole_run": round(fps, 1),
                                          "headroom": round(fps / 60, 2),
                                          "steady_fps_bound": round(1000 / slowest, 1),
                                          "copies_per_frame": round(copies / max(encoded, 1), 2),
                                          "p50_process_ms": process_ms,
                                          "fallbacks": [f.split(": ", 1)[-1] for f in fallbacks]}}]


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def case_transfer(device: str, repeats: int, budget: float) -> list[Row]:
    """A 1080p yuv420p frame to the device (pinned and pageable) and back: the cost of crossing over."""
    frame = _random_frame(1920, 1080)
    rows = []
    for label, pinned in (("pinned", True), ("pageable", False)):
        moved = dev.upload(frame, device=device, pinned=pinned)
        equal = all(np.array_equal(a, b) for a, b in zip(frame.planes, dev.download(moved).planes, strict=True))
        rows.append({"case": f"upload 1080p yuv420p ({label})",
                     "gpu_ms": measure(partial(dev.upload, frame, device, pinned), device, repeats, budget),
                     "cpu_ms": measure(frame.copy, "cpu", repeats, budget), "cpu_label": "host copy",
                     "target_ms": None, "equal": equal, "extra": {}})
    on_device = dev.upload(frame, device=device)
    rows.append({"case": "download 1080p yuv420p", "gpu_ms": measure(partial(dev.download, on_device), device,
                                                                     repeats, budget),
                 "cpu_ms": measure(frame.copy, "cpu", repeats, budget), "cpu_label": "host copy",
                 "target_ms": None, "equal": True, "extra": {}})
    return rows


def case_colour(device: str, repeats: int, budget: float) -> list[Row]:
    """1080p yuv420p -> rgb24 and rgb24 -> yuv420p (BT.709 limited), OpenCV's BT.601 I420 for scale."""
    import cv2
    import torch
    from ggpgfx.operators_gpu import colour

    frame = _random_frame(1920, 1080)
    y, u, v = frame.planes
    rgb = colour.yuv420p_to_rgb_cpu(y, u, v)
    planes_dev = [torch.as_tensor(p).to(device) for p in (y, u, v)]
    rgb_dev = torch.as_tensor(rgb).to(device)
    i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(1620, 1920)
    rows = []
    cases = [("yuv420p->rgb24", lambda: colour.yuv420p_to_rgb_gpu(*planes_dev),
              lambda: colour.yuv420p_to_rgb_cpu(y, u, v), lambda: cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)),
             ("rgb24->yuv420p", lambda: colour.rgb_to_yuv420p_gpu(rgb_dev),
              lambda: colour.rgb_to_yuv420p_cpu(rgb), lambda: cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420))]
    for name, gpu_fn, cpu_fn, cv_fn in cases:
        got, want = gpu_fn(), cpu_fn()
        got_list = got if isinstance(got, tuple) else (got,)
        want_list = want if isinstance(want, tuple) else (want,)
        equal = all(np.array_equal(dev.to_numpy(a), b) for a, b in zip(got_list, want_list, strict=True))
        rows.append({"case": f"colour 1080p {name}", "gpu_ms": measure(gpu_fn, device, repeats, budget),
                     "cpu_ms": measure(cpu_fn, "cpu", repeats, budget), "cpu_label": "numpy twin",
                     "target_ms": None, "equal": equal,
                     "extra": {"opencv_bt601_ms": measure(cv_fn, "cpu", repeats, budget)}})
    return rows


def _classifier_model(folder: Path) -> Path:
    from ggpgfx.operators_gpu.classifier import default_model

    shipped = default_model()
    if shipped is not None:
        return shipped
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(64, 52)).eval()
    path = folder / "bench_cards.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 64, 48),), str(path), dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    return path


def case_classifier(device: str, repeats: int, budget: float) -> list[Row]:
    """20 and 64 card crops cut from a 1080p frame (its Y plane for luma models) and classified on the device."""
    return [row for count in (20, 64) for row in _classifier_rows(device, repeats, budget, count)]


def _classifier_rows(device: str, repeats: int, budget: float, count: int) -> list[Row]:
    import torch
    from ggpgfx.operators_gpu.classifier import CardClassifier
    from ggpgfx.operators_gpu.resize import crop_resize_cpu, crop_resize_gpu

    with tempfile.TemporaryDirectory() as folder:
        path = _classifier_model(Path(folder))
        cpu_model = CardClassifier(path, device="cpu", backend="onnxruntime")
        gpu_model = CardClassifier(path, device=device, backend="torch")
        rng = np.random.default_rng(2)
        frame = _random_frame(1920, 1080)
        image = frame.planes[0] if cpu_model.channels == 1 else rng.integers(0, 256, (1080, 1920, 3), np.uint8)
        size = (48, 32) if cpu_model.channels == 1 else (64, 48)
        boxes = [(x, y, x + 96, y + 144) for x, y in zip(rng.integers(0, 1800, count),
                                                        rng.integers(0, 920, count), strict=True)]
        image_dev = torch.as_tensor(image).to(device)

        def on_cpu() -> Any:
            return cpu_model(crop_resize_cpu(image, boxes, size))

        def on_gpu() -> Any:
            return gpu_model(crop_resize_gpu(image_dev, boxes, size))

        want, got = on_cpu(), dev.to_numpy(on_gpu())
        difference = float(np.abs(got - want).max())
        equal = bool(difference <= 1e-5 and np.array_equal(got.argmax(1), want.argmax(1)))
        return [{"case": f"classifier {count} crops {size[0]}x{size[1]}x{cpu_model.channels} ({path.name})",
                 "gpu_ms": measure(on_gpu, device, repeats, budget), "cpu_ms": measure(on_cpu, "cpu", repeats, budget),
                 "cpu_label": "onnxruntime CPU", "target_ms": 1.0 if count == 20 else None, "equal": equal,
                 "extra": {"max_abs_difference": difference}}]


def case_equity(device: str, repeats: int, budget: float) -> list[Row]:
    """Exact preflop equity, heads-up and 6-way: torch enumeration and the CUDA kernel vs the Numba engine."""
    from ggpgfx.operators_gpu.equity import enumerate_exact, kernel_usable
    from ggpgfx.operators_gpu.equity_cuda import enumerate_host, enumerate_kernel

    from ggpgfx.poker.equity import exact_equity, prepare

    spots = [("exact HU preflop AA vs KK (1,712,304 boards)", ["AhAs", "KdKc"], 2.0),
             ("exact 6-way preflop (658,008 boards)", ["AhAs", "KdKc", "QhQd", "JcTc", "9s8s", "7d6d"], 50.0)]
    variants: list[tuple[str, Callable[[Any], tuple[np.ndarray, int]]]] = [
        ("torch", partial(enumerate_exact, device=device))]
    if device.startswith("cuda") and kernel_usable():
        variants.append(("cuda kernel", enumerate_kernel))
    rows = []
    for name, hands, target in spots:
        request = prepare(hands)
        expected = exact_equity(hands, backend="numba")
        cpu_ms = measure(partial(exact_equity, hands, backend="numba"), "cpu", repeats, budget)
        t0 = time.perf_counter()
        enumerate_host(request)
        host_ms = (time.perf_counter() - t0) * 1000
        for label, run in variants:
            t0 = time.perf_counter()
            counts, total = run(request)  # first call: tables and board indices upload, kernel build
            first_ms = (time.perf_counter() - t0) * 1000
            equal = counts.tolist() == [expected.wins, expected.ties, expected.shares] and total == expected.total
            rows.append({"case": f"{name} ({label})",
                         "gpu_ms": measure(partial(run, request), device, repeats, budget, warm_up=False),
                         "cpu_ms": cpu_ms, "cpu_label": "poker core numba", "target_ms": target, "equal": equal,
                         "extra": {"first_call_ms": round(first_ms, 1), "kernel_source_on_1_cpu_ms": round(host_ms, 1),
                                   "equity": [round(e, 6) for e in expected.equity]}})
    return rows


def run_tests(quick: bool) -> int:
    """The operators_gpu tests in this process (CUDA cases included when a GPU exists)."""
    import pytest

    args = [str(ROOT / "tests" / "operators_gpu"), "-q", "-rs", "-p", "no:cacheprovider",
            f"--confcutdir={ROOT / 'tests' / 'operators_gpu'}", "--rootdir", str(ROOT)]
    if quick:
        args += ["-k", "not preflop_all"]
    status = int(pytest.main(args))
    if all(_importable(name) for name in ("pydantic", "av", "pokerkit")):  # the graph path's CUDA-only tests
        graph_tests = [str(ROOT / "tests" / "runtime" / "test_devices.py"),
                       str(ROOT / "tests" / "nodes" / "render" / "test_overlay_device.py")]
        status = status or int(pytest.main([*graph_tests, "-q", "-rs", "-m", "gpu", "-p", "no:cacheprovider",
                                            "--rootdir", str(ROOT)]))
    else:
        print("graph-path CUDA tests skipped: PyAV, pydantic or pokerkit missing (carry .whl, docs/gpu.md)")
    return status


def print_row(row: Row) -> int:
    """Print one result row; 1 when it failed (an error, or results that differ), else 0."""
    if "error" in row:
        print(f"{row['case']:58} ERROR {row['error']}", flush=True)
        return 1
    if "skipped" in row:
        print(f"{row['case']:58} SKIPPED ({row['skipped']})", flush=True)
        return 0
    ratio = row["cpu_ms"] / row["gpu_ms"] if row["gpu_ms"] else float("inf")
    target = f"{row['target_ms']:g}" if row["target_ms"] else "-"
    equal = "-" if row["equal"] is None else "yes" if row["equal"] else "NO"
    print(f"{row['case']:58} {row['gpu_ms'] or 0:12.3f} {row['cpu_ms']:12.3f} {ratio:8.2f} {target:>7} "
          f"{equal:>6}  {row['cpu_label']}  {json.dumps(row['extra'])}", flush=True)
    return 1 if row["equal"] is False else 0


def main() -> int:
    """Parse flags, run the tests (on a GPU) and the cases, print the table and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats; under a minute on a CPU")
    parser.add_argument("--tests", choices=["auto", "yes", "no"], default="auto",
                        help="run tests/operators_gpu first (auto: only when CUDA is present)")
    parser.add_argument("--only", default="", help="comma-separated cases: transfer,composite,overlay,colour,"
                                                   "classifier,equity,montecarlo,graph")
    parser.add_argument("--skip", default="", help="comma-separated cases to leave out")
    parser.add_argument("--graph-frames", type=int, default=600, help="frames of demo_gpu.yaml in the graph case")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch CPU threads (0: torch's default; 1 avoids OpenMP stalls on a busy machine)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "gpu_check.json"))
    args = parser.parse_args()

    import torch

    if args.torch_threads > 0:
        torch.set_num_threads(args.torch_threads)
    found = dev.devices()
    device = "cuda:0" if found["torch"] else "cpu"
    header = (f"GPU: {found['name']} (torch {torch.__version__}, CuPy {'yes' if found['cupy'] else 'no'})"
              if found["torch"] else "NO CUDA DEVICE: the 'gpu' column is the same torch code path run on the CPU")
    print(header, f"| host: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus", flush=True)
    status = 0
    if args.tests == "yes" or (args.tests == "auto" and found["torch"]):
        status = run_tests(args.quick)
        print(f"tests/operators_gpu exit status: {status}", flush=True)
    repeats, budget = (5, 0.5) if args.quick else (50, 3.0)
    cases = {"transfer": case_transfer, "composite": case_composite, "overlay": case_overlay, "colour": case_colour,
             "classifier": case_classifier, "equity": case_equity, "montecarlo": case_monte_carlo,
             "graph": lambda device, repeats, budget: case_graph(device, args.graph_frames)}
    chosen = [c for c in (args.only.split(",") if args.only else list(cases)) if c and c not in args.skip.split(",")]
    unknown = [c for c in chosen if c not in cases]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}: choose from {', '.join(cases)}")
    rows: list[Row] = []
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    gpu_label = "gpu ms" if found["torch"] else "torch-cpu ms"
    print(f"\n{'case':58} {gpu_label:>12} {'cpu twin ms':>12} {'cpu/gpu':>8} {'target':>7} {'equal':>6}  cpu twin",
          flush=True)
    for name in chosen:  # each row is printed and saved as it comes: a run cut short keeps what it measured
        try:
            made = cases[name](device, repeats if name != "equity" else max(3, repeats // 5), budget)
        except Exception as error:  # noqa: BLE001 - one broken case must not hide the others' numbers
            made = [{"case": name, "error": f"{type(error).__name__}: {error}"}]
        for row in made:
            status = print_row(row) or status
        rows += made
        out.write_text(json.dumps({"device": found, "gpu_column": "cuda" if found["torch"] else "torch-cpu",
                                   "quick": args.quick, "rows": rows}, indent=2, default=str))
    print(f"\nwrote {out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
