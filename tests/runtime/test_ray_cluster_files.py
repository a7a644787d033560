"""cluster/: the launcher config and KubeRay manifests parse and agree with the project's Ray and conventions."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CLUSTER = Path(__file__).resolve().parents[2] / "cluster"


def _ray_version() -> str:
    text = (CLUSTER.parent / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r"ray\[[^\]]*\]==([0-9.]+)", text)
    assert match
    return match[1]


def test_manifests_parse_and_pin_the_same_ray_version() -> None:
    version = _ray_version()
    cluster = yaml.safe_load((CLUSTER / "kuberay" / "raycluster.yaml").read_text(encoding="utf-8"))
    job = yaml.safe_load((CLUSTER / "kuberay" / "rayjob.yaml").read_text(encoding="utf-8"))
    assert (cluster["apiVersion"], cluster["kind"]) == ("ray.io/v1", "RayCluster")
    assert (job["apiVersion"], job["kind"]) == ("ray.io/v1", "RayJob")
    assert cluster["spec"]["rayVersion"] == job["spec"]["rayClusterSpec"]["rayVersion"] == version
    assert f"rayproject/ray:{version}-" in (CLUSTER / "Dockerfile").read_text(encoding="utf-8")
    assert job["spec"]["entrypoint"].startswith("ggp run ") and "--executor ray" in job["spec"]["entrypoint"]


def test_heads_use_an_explicit_port_and_the_table_host_offers_the_reader() -> None:
    cluster = yaml.safe_load((CLUSTER / "kuberay" / "raycluster.yaml").read_text(encoding="utf-8"))
    assert cluster["spec"]["headGroupSpec"]["rayStartParams"]["port"] not in ("", "6379")
    groups = {g["groupName"]: g for g in cluster["spec"]["workerGroupSpecs"]}
    assert '\\"rfid_reader\\": 1' in groups["table-host"]["rayStartParams"]["resources"]
    gpu = groups["gpu"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert gpu["nvidia.com/gpu"] == 1
    launcher = yaml.safe_load((CLUSTER / "cluster.yaml").read_text(encoding="utf-8"))
    assert "--port=6380" in " ".join(launcher["head_start_ray_commands"])
    assert launcher["available_node_types"]["table_host"]["resources"]["rfid_reader"] == 1
