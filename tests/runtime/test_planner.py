"""The planner: fragments by resources, isolation and replicas; CPU shares that fit; impossible requests refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ggpgfx.api import Graph
from ggpgfx.errors import ConfigError
from ggpgfx.runtime.planner import make_plan
from ggpgfx.runtime.ray_cluster import ClusterView, RayNodeInfo, local_view


def _cluster(*nodes: dict[str, float]) -> ClusterView:
    return ClusterView([RayNodeInfo(f"node{i}" + "0" * 8, f"10.0.0.{i + 1}", dict(res), i == 0)
                        for i, res in enumerate(nodes)])


def _pipeline() -> Graph:
    g = Graph("plan", realtime=False)
    g.add("test.counter", id="src")
    g.add("util.passthrough", id="gpu_stage", resources={"gpu": 0.5})
    g.add("util.passthrough", id="reader", resources={"rfid_reader": 1})
    g.add("util.passthrough", id="cpu_stage")
    g.add("sink.collect", id="sink")
    for a, b in (("src", "gpu_stage"), ("gpu_stage", "reader"), ("reader", "cpu_stage"), ("cpu_stage", "sink")):
        g.connect(f"{a}.out", f"{b}.inp")
    return g


def test_fragments_follow_resources_and_cpu_nodes_share_one() -> None:
    plan = make_plan(_pipeline().validate(), _cluster({"CPU": 4, "GPU": 1}, {"CPU": 2, "rfid_reader": 1}))
    assert [(f.name, f.node_ids) for f in plan.fragments] == [
        ("main", ["src", "cpu_stage", "sink"]), ("gpu", ["gpu_stage"]), ("rfid_reader", ["reader"])]
    assert plan.problems == []
    assert plan.fragment("rfid_reader").target.startswith("10.0.0.2")  # the only node with the reader
    assert plan.fragment("gpu").target.startswith("10.0.0.1") and plan.fragment("gpu").gpu == 0.5
    assert {e.label for e in plan.cross_edges()} == {"src.out -> gpu_stage.inp", "gpu_stage.out -> reader.inp",
                                                     "reader.out -> cpu_stage.inp"}


def test_gpu_without_gpu_and_unknown_resource_are_refused_with_every_reason() -> None:
    plan = make_plan(_pipeline().validate(), _cluster({"CPU": 2}))
    with pytest.raises(ConfigError) as info:
        plan.check()
    text = str(info.value)
    assert "fragment 'gpu' (nodes: gpu_stage) needs gpu 0.5 but no node of the cluster has a GPU" in text
    assert "needs the custom resource 'rfid_reader' (1) but no node offers it (offered: CPU)" in text


def test_total_gpu_beyond_cluster_is_refused() -> None:
    g = Graph("two-gpus", realtime=False)
    g.add("test.counter", id="src")
    g.add("util.passthrough", id="a", resources={"gpu": 1}, isolate=True)
    g.add("util.passthrough", id="b", resources={"gpu": 1}, isolate=True)
    g.add("sink.null", id="sink")
    g.connect("src.out", "a.inp")
    g.connect("a.out", "b.inp")
    g.connect("b.out", "sink.inp")
    plan = make_plan(g.validate(), _cluster({"CPU": 2, "GPU": 1}))
    assert plan.problems == ["the fragments need 2 GPU in total but the cluster offers 1"]


def test_cpu_requests_are_scaled_to_fit_a_two_core_machine() -> None:
    g = Graph("heavy", realtime=False)
    g.add("test.counter", id="src", resources={"cpu": 1})
    prev = "src"
    for i in range(4):
        g.add("util.passthrough", id=f"p{i}", resources={"cpu": 1}, isolate=True)
        g.connect(f"{prev}.out", f"p{i}.inp")
        prev = f"p{i}"
    g.add("sink.null", id="sink")
    g.connect(f"{prev}.out", "sink.inp")
    plan = make_plan(g.validate(), _cluster({"CPU": 2}))
    assert plan.problems == []
    assert sum(f.cpu for f in plan.fragments) <= 2 * 0.9 + 1e-6  # every actor can be scheduled at once
    assert all(f.cpu > 0 for f in plan.fragments)


def test_isolate_replicas_and_split_by_node() -> None:
    g = Graph("rep", realtime=False)
    g.add("test.counter", id="src")
    g.add("util.passthrough", id="work", replicas=3)
    g.add("util.passthrough", id="alone", isolate=True, restart={"max": 3})
    g.add("sink.collect", id="sink")
    g.connect("src.out", "work.inp")
    g.connect("work.out", "alone.inp")
    g.connect("alone.out", "sink.inp")
    plan = make_plan(g.validate(), local_view(num_cpus=2))
    assert [f.name for f in plan.fragments] == ["main", "work-r0", "work-r1", "work-r2", "alone"]
    assert [f.replica_index for f in plan.fragments_of("work")] == [0, 1, 2]
    assert plan.fragment("alone").max_restarts == 3
    split = make_plan(g.validate(), local_view(num_cpus=2), split="node")
    assert [f.node_ids for f in split.fragments if f.kind == "node"] == [["src"], ["sink"]]
    assert "actor ggp/rep/work-r1" in plan.text()


PLAN_YAML = """
name: plan
nodes:
  bars: {type: ingest.test_pattern, params: {width: 64, height: 48, frames: 3}}
  gpu_stage: {type: util.passthrough, resources: {gpu: 0.5}}
  reader: {type: util.passthrough, resources: {rfid_reader: 1}}
  out: {type: sink.null}
edges:
  - bars.video -> gpu_stage.inp
  - gpu_stage.out -> reader.inp
  - reader.out -> out.inp
"""


def test_ggp_plan_cli_prints_fragments_and_refuses_impossible_graphs(tmp_path: Path) -> None:
    ok = tmp_path / "ok.yaml"
    ok.write_text(PLAN_YAML, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "plan", str(ok), "--resources",
                           '{"rfid_reader": 1, "GPU": 1}'], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "fragment rfid_reader [pinned] actor ggp/plan/rfid_reader" in done.stdout
    refused = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "plan", str(ok)], capture_output=True, text=True,
                             timeout=60, env={"CUDA_VISIBLE_DEVICES": "", "PATH": "/usr/bin:/bin"})
    assert refused.returncode == 2
    assert "error: graph 'plan' cannot run on this cluster" in refused.stderr
    assert "Traceback" not in refused.stderr
