"""graphs/multi_feed.yaml: one table, one rules engine, five outputs each with its own encoder and destination;
the broadcast, fill and key files carry the same frames at the same pts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import yaml

REPO = Path(__file__).resolve().parents[2]
GRAPH = REPO / "graphs" / "multi_feed.yaml"
GGP = str(Path(sys.executable).parent / "ggp")
FRAMES = 45


def test_shared_work_is_done_once() -> None:
    graph = yaml.safe_load(GRAPH.read_text())
    types = [node["type"] for node in graph["nodes"].values()]
    assert types.count("ingest.table_sim") == 1 and types.count("rules.poker") == 1
    encoders = [nid for nid, node in graph["nodes"].items() if node["type"] == "encode.h264"]
    destinations = [nid for nid, node in graph["nodes"].items() if node["type"].startswith("publish.")]
    assert len(encoders) == len(destinations) == 5  # venue, broadcast, fill, key, vertical
    venue = graph["nodes"]["venue_gfx"]["params"]
    assert venue["reveal"] == "live" and venue["venue_safe"] is True


def _pts(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sorted(int(p.pts * stream.time_base * 1e6) for p in container.demux(stream) if p.pts is not None)


def test_every_feed_is_written(tmp_path: Path) -> None:
    sets = [arg for node in ("broadcast_delay", "fill_delay", "key_delay", "vertical_delay")
            for arg in ("--set", f"{node}.delay_s=0.5")]
    done = subprocess.run([GGP, "run", str(GRAPH), "--max-frames", str(FRAMES), "--no-realtime",
                           "--stats-json", "stats.json", *sets], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "out" / "multi"
    stats = json.loads((tmp_path / "stats.json").read_text())["nodes"]
    for encoder in ("venue_enc", "broadcast_enc", "fill_enc", "key_enc", "vertical_enc"):
        assert stats[encoder]["messages_in"] == FRAMES, encoder
    pts = {name: _pts(out / f"{name}.mp4") for name in ("broadcast", "fill", "key")}
    assert len(pts["broadcast"]) == FRAMES and pts["fill"] == pts["broadcast"] == pts["key"]
    for feed, size in (("venue", (1280, 720)), ("vertical", (720, 1280))):
        playlist = out / feed / "index.m3u8"
        with av.open(str(playlist)) as container:
            frames = list(container.decode(video=0))
        assert len(frames) == FRAMES and (frames[0].width, frames[0].height) == size, feed
