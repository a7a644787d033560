"""Overlay cost side by side: YUV composite vs a frame copy, re-render after a change, ffmpeg's overlay filter.

Run: .venv/bin/python benchmarks/bench_render.py [--frames 300]
Writes benchmarks/results/render.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ggpgfx.media.frames import VideoFrame
from ggpgfx.render.composite import blend_plane_numpy, composite_layers, numba_blend, warm_up
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene
from ggpgfx.render.still import render_image

W, H = 1920, 1080
BUSY = {"ticker": "Final table of the GGP GFX Open - blinds up in 12:00 - follow @ggpgfx", "action_clock_s": 30,
        "delay_s": 30, "chip_strip": "on", "leaderboard": "on"}


def timed(fn: Callable[[], object], count: int, budget_s: float = 10.0) -> dict[str, float]:
    """Median and p95 milliseconds of fn over at most `count` calls and `budget_s` seconds."""
    fn()
    samples: list[float] = []
    cpu: list[float] = []
    stop = time.perf_counter() + budget_s
    for _ in range(count):
        began, began_cpu = time.perf_counter(), time.thread_time()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.thread_time() - began_cpu) * 1000)
        if time.perf_counter() > stop:
            break
    samples.sort()
    # on a shared 2-core box wall time includes waiting for a core; thread CPU time is the work itself
    return {"median_ms": statistics.median(samples), "p95_ms": samples[max(0, int(len(samples) * 0.95) - 1)],
            "cpu_median_ms": statistics.median(cpu), "n": len(samples)}


def bench_composite(frames: int) -> dict[str, object]:
    """Per-frame cost of the static overlay (cached layers) against copying the frame."""
    from ggpgfx.media.pattern import bars_planes as _bars_planes

    warm_up()
    base = VideoFrame(_bars_planes(W, H, "yuv420p"), "yuv420p", W, H)
    frame = base.copy()
    scene = Scene(OverlayOptions(animate=False, **BUSY), W, H)  # type: ignore[arg-type]
    state = sample_state("allin")
    layers = scene.layers(state, 0)
    covered = sum(layer.width * layer.height for layer in layers)
    pts = [0]

    def per_frame() -> None:
        pts[0] += 33_333
        composite_layers(frame, scene.layers(state, pts[0]))

    def scene_only() -> None:
        pts[0] += 33_333
        scene.layers(state, pts[0])

    copy = timed(base.copy, frames)
    ours = timed(per_frame, frames)
    scene_cost = timed(scene_only, frames)
    blend_only = timed(lambda: composite_layers(frame, layers), frames)
    plane_numba = timed(lambda: composite_layers(frame, layers, blend=numba_blend()), frames)
    numpy_blend = timed(lambda: composite_layers(frame, layers, blend=blend_plane_numpy), frames)
    return {"frame_copy": copy, "static_composite": ours, "scene_unchanged": scene_cost, "blend_only": blend_only,
            "blend_only_numba_per_plane": plane_numba,
            "blend_only_numpy": numpy_blend, "layers": len(layers), "covered_pixels": covered,
            "covered_fraction": covered / (W * H),
            "ratio_composite_vs_copy": ours["median_ms"] / copy["median_ms"]}


from ggpgfx.media.pattern import bars_planes as _bars_planes  # noqa: E402


def bench_rerender(rounds: int) -> dict[str, object]:
    """Cost of the frame after a state change (one seat redrawn) and of a cold scene (everything drawn)."""
    state = sample_state("allin")
    scene = Scene(OverlayOptions(animate=False, **BUSY), W, H)  # type: ignore[arg-type]
    scene.layers(state, 0)
    counter = [0]
    # the changed states are built before timing: a deep pydantic copy is the rules node's cost, not ours
    seat_states, action_states = [], []
    for index in range(1, rounds + 2):
        changed = state.model_copy(deep=True)
        changed.seats[1].stack = 465_500 + index * 1000
        changed.seats[1].last_action = f"Bet {index * 1000:,}"
        changed.total_pot = 3_720_000 + index * 1000
        changed.version = state.version + index
        seat_states.append(changed)
        action = state.model_copy(deep=True)
        action.seats[1].last_action = f"Raise {index * 1000:,}"  # only that player's box changes
        action.version = state.version + 10_000 + index
        action_states.append(action)

    def one_seat_changes() -> None:
        counter[0] += 1
        scene.layers(seat_states[counter[0] % len(seat_states)], counter[0] * 33_333)

    # the baseline in the same run: each changed element drawn and converted whole (as before issue #21's
    # "only the changed boxes"); same bytes, checked by tests/render/test_redraw_exact.py
    whole_scene = Scene(OverlayOptions(animate=False, **BUSY), W, H)  # type: ignore[arg-type]
    whole_scene.redraw_changed_only = False
    whole_scene.layers(state, 0)

    def one_seat_changes_whole() -> None:
        counter[0] += 1
        whole_scene.layers(seat_states[counter[0] % len(seat_states)], counter[0] * 33_333)

    def one_action() -> None:
        counter[0] += 1
        scene.layers(action_states[counter[0] % len(action_states)], counter[0] * 33_333)

    def cold() -> None:
        Scene(OverlayOptions(animate=False, **BUSY), W, H).layers(state, 0)  # type: ignore[arg-type]

    seat = timed(one_seat_changes, rounds)
    seat_whole = timed(one_seat_changes_whole, rounds)
    seat = timed(one_seat_changes, rounds)  # again after the baseline: drifting load hits both alike
    action = timed(one_action, rounds)
    full = timed(cold, max(5, rounds // 5))
    return {"seat_and_pot_change": seat, "seat_and_pot_change_whole_redraw": seat_whole,
            "ratio_changed_boxes_vs_whole_cpu": seat["cpu_median_ms"] / seat_whole["cpu_median_ms"],
            "one_player_box": action, "cold_full_render": full,
            "off_path": bench_off_path(rounds)}


def bench_off_path(changes: int) -> dict[str, object]:
    """Frames while stack-and-pot changes are drawn on the background thread (render.overlay's default in
    real time): every frame's own cost (scene + blend), worst and median, against the inline redraw."""
    from ggpgfx.render.offpath import BackgroundRenderer

    state = sample_state("allin")
    scene = Scene(OverlayOptions(animate=False, **BUSY), W, H)  # type: ignore[arg-type]
    base = VideoFrame(_bars_planes(W, H, "yuv420p"), "yuv420p", W, H)
    composite_layers(base.copy(), scene.layers(state, 0))
    renderer = BackgroundRenderer(scene, state)
    wall: list[float] = []
    cpu: list[float] = []
    latency_frames: list[int] = []
    pts = 0
    try:
        for index in range(1, changes + 1):
            changed = state.model_copy(deep=True)
            changed.seats[1].stack = 465_500 + index * 1000
            changed.total_pot = 3_720_000 + index * 1000
            changed.version = state.version + index
            renderer.submit(changed, pts)
            frames = 0
            while True:  # frames every 2 ms (faster than any broadcast rate) until the change shows
                frame = base.copy()
                pts += 33_333
                began, began_cpu = time.perf_counter(), time.thread_time()
                with scene.lock:
                    shown = renderer.shown()
                    composite_layers(frame, scene.layers(shown, pts))
                wall.append((time.perf_counter() - began) * 1000)
                cpu.append((time.thread_time() - began_cpu) * 1000)
                frames += 1
                if shown is changed:
                    break
                time.sleep(0.002)
            latency_frames.append(frames)
    finally:
        renderer.close()
    wall.sort()
    return {"frames": len(wall), "frame_wall_median_ms": statistics.median(wall), "frame_wall_max_ms": wall[-1],
            "frame_wall_p99_ms": wall[max(0, int(len(wall) * 0.99) - 1)],
            "frame_cpu_median_ms": statistics.median(cpu), "frame_cpu_max_ms": max(cpu),
            "background_render_cpu_ms": renderer.render_ns / max(1, renderer.renders) / 1e6,
            "frames_until_shown_median": statistics.median(latency_frames)}


def bench_ffmpeg(frames: int) -> dict[str, object] | None:
    """ffmpeg 5.1's overlay filter with the same overlay (RGBA PNG) on 1080p yuv420p, minus the bare pipeline."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "overlay.png"
        render_image(sample_state("allin"), size=(W, H), background="transparent", **BUSY).save(png)
        source = ["-f", "lavfi", "-i", f"color=c=0x1c5c3a:size={W}x{H}:rate=30,format=yuv420p"]
        common = ["-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1", "-filter_threads", "1"]

        def run(extra: list[str]) -> tuple[float, float]:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            subprocess.run([ffmpeg, *common, *source, *extra, "-frames:v", str(frames), "-f", "null", "-"],
                           check=True, timeout=300)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return time.perf_counter() - began, cpu

        bare = [run(["-vf", "null"]) for _ in range(3)]
        with_overlay = [run(["-i", str(png), "-filter_complex", "[0:v][1:v]overlay=format=yuv420:shortest=0"])
                        for _ in range(3)]
    per_frame = max(0.0, min(w for w, _ in with_overlay) - min(w for w, _ in bare)) / frames * 1000
    # CPU time of the ffmpeg process (one thread) is what a busy machine disturbs least
    per_frame_cpu = max(0.0, min(c for _, c in with_overlay) - min(c for _, c in bare)) / frames * 1000
    return {"frames": frames, "bare_pipeline_s": min(w for w, _ in bare),
            "with_overlay_s": min(w for w, _ in with_overlay), "overlay_ms_per_frame": per_frame,
            "overlay_cpu_ms_per_frame": per_frame_cpu}


def bench_rgb_roundtrip(frames: int) -> dict[str, object]:
    """What the YUV path avoids: converting the frame to RGB and back with PyAV (swscale) each frame."""
    import av

    frame = av.VideoFrame.from_ndarray(np.zeros((H * 3 // 2, W), np.uint8), format="yuv420p")

    def roundtrip() -> None:
        frame.reformat(format="rgb24").reformat(format="yuv420p")

    return {"yuv_rgb_yuv_1080p": timed(roundtrip, min(frames, 60))}


def main() -> None:
    """Run everything, print a table with ratios and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    results: dict[str, object] = {"size": f"{W}x{H}", "format": "yuv420p"}
    results["composite"] = comp = bench_composite(args.frames)
    results["rerender"] = rer = bench_rerender(60)
    results["ffmpeg_overlay"] = ff = bench_ffmpeg(args.frames)
    results["rgb_roundtrip"] = rgb = bench_rgb_roundtrip(args.frames)
    c = comp  # type: ignore[assignment]
    print(f"1080p yuv420p, {c['layers']} layers covering {c['covered_fraction']:.1%} of the frame")  # type: ignore[index]
    print("                                   wall ms   cpu ms")
    print(f"  frame copy                      {c['frame_copy']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{c['frame_copy']['cpu_median_ms']:7.3f}")  # type: ignore[index]
    print(f"  static composite (ours)         {c['static_composite']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{c['static_composite']['cpu_median_ms']:7.3f}  = {c['ratio_composite_vs_copy']:.2f}x a copy"  # type: ignore[index]
          "")
    print(f"  scene only, nothing changed     {c['scene_unchanged']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{c['scene_unchanged']['cpu_median_ms']:7.3f}  (target <= 0.1 ms)")  # type: ignore[index]
    print(f"  blend only (default: one Numba  {c['blend_only']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{c['blend_only']['cpu_median_ms']:7.3f}")  # type: ignore[index]
    print("    call per layer, vectorised)")
    print(f"  blend only, numba per plane     {c['blend_only_numba_per_plane']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{c['blend_only_numba_per_plane']['cpu_median_ms']:7.3f}")  # type: ignore[index]
    print(f"  blend only, numpy               {c['blend_only_numpy']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{c['blend_only_numpy']['cpu_median_ms']:7.3f}")  # type: ignore[index]
    print(f"  re-render: stack+pot change     {rer['seat_and_pot_change']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{rer['seat_and_pot_change']['cpu_median_ms']:7.3f}  (target <= 3 ms)")  # type: ignore[index]
    print(f"    same, elements redrawn whole  {rer['seat_and_pot_change_whole_redraw']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{rer['seat_and_pot_change_whole_redraw']['cpu_median_ms']:7.3f}  (changed boxes only / whole: "  # type: ignore[index]
          f"{rer['ratio_changed_boxes_vs_whole_cpu']:.2f}x cpu)")  # type: ignore[index]
    print(f"  re-render of one player box     {rer['one_player_box']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{rer['one_player_box']['cpu_median_ms']:7.3f}")  # type: ignore[index]
    print(f"  cold render of every element    {rer['cold_full_render']['median_ms']:7.3f}  "  # type: ignore[index]
          f"{rer['cold_full_render']['cpu_median_ms']:7.3f}")  # type: ignore[index]
    off = rer["off_path"]  # type: ignore[index]
    print(f"  frames while it is drawn off    {off['frame_wall_median_ms']:7.3f}  "  # type: ignore[index]
          f"{off['frame_cpu_median_ms']:7.3f}  median; max {off['frame_wall_max_ms']:.3f} wall, "  # type: ignore[index]
          f"{off['frame_cpu_max_ms']:.3f} cpu (target: no frame waits > 2 ms)")  # type: ignore[index]
    print(f"    the path (background thread:  {off['background_render_cpu_ms']:.3f} ms cpu per change)")  # type: ignore[index]
    rgb_ms = rgb["yuv_rgb_yuv_1080p"]["median_ms"]  # type: ignore[index]
    print(f"  PyAV yuv->rgb->yuv (avoided)    {rgb_ms:7.3f}")
    if ff:
        ratio = ff["overlay_ms_per_frame"] / c["static_composite"]["median_ms"]  # type: ignore[index,operator]
        results["ratio_ffmpeg_vs_ours"] = ratio
        ours_vs = c["static_composite"]["median_ms"] / max(1e-9, ff["overlay_ms_per_frame"])  # type: ignore[index,operator]
        results["ratio_ours_vs_ffmpeg"] = ours_vs
        cpu_vs = c["static_composite"]["cpu_median_ms"] / max(1e-9, ff["overlay_cpu_ms_per_frame"])  # type: ignore[index,operator]
        results["ratio_ours_vs_ffmpeg_cpu"] = cpu_vs
        print(f"  ffmpeg overlay filter           {ff['overlay_ms_per_frame']:7.3f}  "
              f"{ff['overlay_cpu_ms_per_frame']:7.3f}  (ours / ffmpeg: wall {ours_vs:.2f}, cpu {cpu_vs:.2f}; "
              f"target <= 0.5; ffmpeg / ours = {ratio:.2f})")
    out = Path(__file__).parent / "results" / "render.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
