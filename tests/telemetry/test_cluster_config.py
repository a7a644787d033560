"""Shipped Prometheus config, alert rules (promtool) and Grafana dashboards checked against the metric catalogue."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ggpgfx.telemetry.catalog import known_series

CLUSTER = Path(__file__).resolve().parents[2] / "cluster"
DASHBOARDS = sorted((CLUSTER / "grafana" / "dashboards").glob("*.json"))
ALERTS = CLUSTER / "prometheus" / "alerts.yml"
METRIC = re.compile(r"\b(?:ray_)?ggp_[a-z0-9_]+\b")
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (apt package prometheus)")


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression reads."""
    return set(METRIC.findall(expr))


def dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression of a dashboard: panel targets (rows included) and query variables."""
    found: list[str] = []

    def panels(items: list[dict[str, Any]]) -> None:
        for panel in items:
            found.extend(t["expr"] for t in panel.get("targets", []) if t.get("expr"))
            panels(panel.get("panels", []))

    panels(dashboard["panels"])
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            found.append(query["query"] if isinstance(query, dict) else query)
    return found


def test_metric_name_extraction() -> None:
    assert metric_names('histogram_quantile(0.9, sum by (le) (rate(ggp_x_bucket{a="b"}[1m]))) / ray_ggp_y_total') == \
        {"ggp_x_bucket", "ray_ggp_y_total"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_queries_use_exported_metrics(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    exprs = dashboard_exprs(dashboard)
    assert len(exprs) >= 5
    unknown = {name for expr in exprs for name in metric_names(expr)} - known_series()
    assert not unknown, f"{path.name} queries metrics the code does not export: {sorted(unknown)}"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(metric_names(e) for e in exprs), "every query reads a ggpgfx metric"


def test_three_dashboards_with_distinct_uids() -> None:
    uids = {json.loads(p.read_text())["uid"] for p in DASHBOARDS}
    assert uids == {"ggpgfx-show", "ggpgfx-table", "ggpgfx-platform"}


def test_alert_rules_cover_the_issue_and_use_exported_metrics() -> None:
    rules = [r for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]]
    names = {r["alert"] for r in rules}
    assert {"GgpEncoderBelowRealTime", "GgpFramesDropped", "GgpOutputDown", "GgpRfidReaderSilent",
            "GgpDelayBufferNearFull", "GgpApiErrorRate", "GgpApiLatencyP99"} <= names
    for rule in rules:
        assert metric_names(rule["expr"]) <= known_series(), rule["alert"]


@needs_promtool
def test_promtool_unit_tests_of_the_alert_rules() -> None:
    done = subprocess.run([str(PROMTOOL), "test", "rules", "alerts_test.yml"], cwd=ALERTS.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@needs_promtool
def test_promtool_accepts_the_config_and_every_dashboard_query(tmp_path: Path) -> None:
    done = subprocess.run([str(PROMTOOL), "check", "config", "prometheus.yml"], cwd=ALERTS.parent,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # promtool parses rule expressions: every dashboard query becomes a recording rule (variables filled in)
    rules = []
    for path in DASHBOARDS:
        for i, expr in enumerate(dashboard_exprs(json.loads(path.read_text()))):
            if expr.startswith("label_values("):
                continue
            filled = re.sub(r"\$\{?\w+\}?", "x", expr).replace('=~"x"', '=~".*"')
            rules.append({"record": f"check:{path.stem.replace('-', '_')}:{i}", "expr": filled})
    (tmp_path / "queries.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    done = subprocess.run([str(PROMTOOL), "check", "rules", str(tmp_path / "queries.yml")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_operations_doc_lists_every_metric() -> None:
    from ggpgfx.telemetry.catalog import METRICS

    text = (CLUSTER.parent / "docs" / "operations.md").read_text()
    missing = [m.name for m in METRICS if f"`{m.name}" not in text]
    assert not missing, f"docs/operations.md does not list {missing}"
