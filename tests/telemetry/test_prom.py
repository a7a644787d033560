"""The Prometheus collector: per-node families with the catalogue's names and labels, from a real run."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ggpgfx.api import Graph
from ggpgfx.errors import ConfigError
from ggpgfx.telemetry.catalog import BY_NAME, GRAPH_LABELS, series_names
from ggpgfx.telemetry.prom import GraphCollector, GraphSource, serve_graph_metrics


def _samples(registry: CollectorRegistry) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return out


def _finished_run() -> dict[str, dict]:
    g = Graph("prom", realtime=False)
    g.add("ingest.test_pattern", id="bars", width=64, height=48, frames=25)
    g.add("util.passthrough", id="fwd")
    g.add("sink.null", id="sink")
    g.connect("bars.video", "fwd.inp")
    g.connect("fwd.out", "sink.inp")
    return g.run().nodes


def test_collector_exposes_catalogue_families_with_labels() -> None:
    stats = _finished_run()
    stats["fwd"]["reported"] = {"encoder_bitrate_bps": 6e6, "something_new": 3.0}
    collector = GraphCollector()
    collector.attach("s1", GraphSource("prom", lambda: stats,
                                       {"organisation": "org1", "project": "p1", "stream": "s1"}))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)  # type: ignore[arg-type]
    samples = _samples(registry)
    assert set(samples) <= series_names()
    fwd = [v for labels, v in samples["ggp_node_messages_out_total"] if labels["node"] == "fwd"]
    assert fwd == [25.0]
    labels = samples["ggp_node_messages_in_total"][0][0]
    assert set(labels) == set(GRAPH_LABELS) and labels["organisation"] == "org1" and labels["stream"] == "s1"
    assert {lab["node_type"] for lab, _ in samples["ggp_node_fps"]} >= {"util.passthrough", "sink.null"}
    counts = {lab["node"]: v for lab, v in samples["ggp_node_process_seconds_count"]}
    assert counts["fwd"] == 25.0
    inf = [v for lab, v in samples["ggp_node_process_seconds_bucket"] if lab["node"] == "fwd" and lab["le"] == "+Inf"]
    assert inf == [25.0]
    assert samples["ggp_encoder_bitrate_bps"][0][1] == 6e6
    assert samples["ggp_node_metric"][0][0]["metric"] == "something_new"
    collector.detach("s1")
    assert not _samples(registry)


def test_every_catalogue_name_is_valid_and_unique() -> None:
    import re

    for name, d in BY_NAME.items():
        assert re.fullmatch(r"ggp_[a-z0-9_]+", name), name
        assert not name.endswith("_total"), "counters get _total from the exposition"
        assert d.help.endswith(".")


def test_metrics_server_serves_a_live_local_run() -> None:
    stats = _finished_run()
    server, port = serve_graph_metrics(0, GraphSource("prom", lambda: stats))
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert 'ggp_node_messages_out_total{graph="prom",node="fwd",node_type="util.passthrough"' in body


def test_metrics_port_in_use_is_a_clear_error() -> None:
    server, port = serve_graph_metrics(0, GraphSource("a", dict))
    try:
        with pytest.raises(ConfigError, match="cannot serve metrics"):
            serve_graph_metrics(port, GraphSource("b", dict))
    finally:
        server.shutdown()
        server.server_close()


def test_histogram_buckets_follow_the_samples() -> None:
    from ggpgfx.runtime.metrics import BUCKET_BOUNDS_US, WINDOW, Histogram

    hist = Histogram()
    for value in (50.0, 100.0, 101.0, 3_000.0, 10_000_000.0):  # 100 µs is the first bound: le includes it
        hist.add(value)
    buckets = hist.summary()["buckets"]
    assert buckets[0] == 2 and buckets[1] == 1 and buckets[-1] == 1 and sum(buckets) == 5
    assert hist.fold() == buckets  # nothing new: nothing counted twice
    for _ in range(3 * WINDOW):  # more than the window between two reads: totals stay exact
        hist.add(BUCKET_BOUNDS_US[5])
    buckets = hist.summary()["buckets"]
    assert sum(buckets) == hist.count == 5 + 3 * WINDOW and buckets[5] == 3 * WINDOW + 1  # + the 3 ms one
