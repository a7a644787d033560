"""detect.cards with `device: cuda`: the classifier runs the ONNX graph on torch, within 1e-5 of ONNX Runtime."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ggpgfx.api import Graph


def _detections(device: str) -> tuple[object, list[dict[str, object]]]:
    g = Graph("vision-device", fps=30)
    sim = g.add("ingest.table_sim", id="sim", width=1280, height=720, max_hands=1, action_interval_s=0.4,
                deal_interval_s=0.05)
    cards = g.add("detect.cards", id="cards", device=device)
    dets = g.add("sink.collect", id="dets")
    sim.video >> cards.video
    cards.detections >> dets.inp
    result = g.run(realtime=False, max_frames=20)
    assert result.error is None
    rows = pa.concat_tables(result.collected("dets")).to_pylist() if result.collected("dets") else []
    return result.instances["cards"], rows


def test_card_detection_on_the_device_matches_the_cpu(fake_cuda: None) -> None:
    gpu_node, gpu_rows = _detections("cuda")
    cpu_node, cpu_rows = _detections("cpu")
    assert gpu_node.context.device == "cuda:0" and cpu_node.context.device == "cpu"
    assert cpu_rows and [(r["pts"], r["zone"], r["card"]) for r in gpu_rows] == \
        [(r["pts"], r["zone"], r["card"]) for r in cpu_rows]
    assert np.allclose([r["confidence"] for r in gpu_rows], [r["confidence"] for r in cpu_rows], atol=1e-5)
    patches = np.random.default_rng(4).integers(0, 256, (6, 48, 32), dtype=np.uint8)
    on_device = gpu_node.detector.classifier.probabilities(patches)
    on_cpu = cpu_node.detector.classifier.probabilities(patches)
    assert on_device.shape == on_cpu.shape and np.abs(on_device - on_cpu).max() < 1e-5
