"""Shipped Prometheus config, alert rules (promtool) and Grafana dashboards checked against the metric catalogue.

Grafana itself cannot run here (AGPL: the package index marks it not-to-use, and Debian does not ship it), so
the dashboards are checked without it: their JSON against cluster/grafana/dashboard.schema.json, their layout,
variables and data sources, and every query's metric names, label matchers and grouping labels against what
the code exports (`ggpgfx.telemetry.catalog`), and each query parsed by promtool."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ggpgfx.telemetry.catalog import known_series, series_labels

CLUSTER = Path(__file__).resolve().parents[2] / "cluster"
DASHBOARDS = sorted((CLUSTER / "grafana" / "dashboards").glob("*.json"))
ALERTS = CLUSTER / "prometheus" / "alerts.yml"
METRIC = re.compile(r"\b(?:ray_)?ggp_[a-z0-9_]+\b")
SCHEMA = CLUSTER / "grafana" / "dashboard.schema.json"
SELECTOR = re.compile(r"\b((?:ray_)?ggp_[a-z0-9_]+)\s*\{([^}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
VARIABLE = re.compile(r"\$\{?([a-zA-Z_]\w*)")
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


def _all_panels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for panel in items for p in [panel, *_all_panels(panel.get("panels", []))]]


def schema_errors(dashboard: dict[str, Any]) -> list[str]:
    """Where a dashboard departs from the shipped schema ("path: message"), every problem at once."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in sorted(validator.iter_errors(dashboard), key=lambda e: list(map(str, e.absolute_path)))]


def query_label_problems(expr: str) -> list[str]:
    """Labels a query matches or groups by that the metrics it reads do not carry."""
    labels = series_labels()
    problems = []
    for name, matchers in SELECTOR.findall(expr):
        for label in MATCHER.findall(matchers):
            if label not in labels.get(name, frozenset()):
                problems.append(f"{name} has no label '{label}'")
    read = set().union(*(labels.get(name, frozenset()) for name in metric_names(expr)))
    for group in GROUPING.findall(expr):
        for label in filter(None, (g.strip() for g in group.split(","))):
            if label not in read:
                problems.append(f"no metric of the query has the label '{label}' it groups by")
    return problems


def layout_problems(panels: list[dict[str, Any]]) -> list[str]:
    """Panels wider than the 24-column grid or overlapping one another."""
    problems = []
    boxes = []
    for panel in panels:
        g = panel["gridPos"]
        if g["x"] + g["w"] > 24:
            problems.append(f"panel {panel['id']} ends at column {g['x'] + g['w']} of 24")
        for other_id, (x, y, w, h) in boxes:
            if g["x"] < x + w and x < g["x"] + g["w"] and g["y"] < y + h and y < g["y"] + g["h"]:
                problems.append(f"panels {other_id} and {panel['id']} overlap")
        boxes.append((panel["id"], (g["x"], g["y"], g["w"], g["h"])))
    return problems


def test_the_schema_is_valid_and_refuses_broken_dashboards() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA.read_text()))
    good = json.loads(DASHBOARDS[0].read_text())
    assert schema_errors(good) == []
    broken = json.loads(DASHBOARDS[0].read_text())
    panel = next(p for p in _all_panels(broken["panels"]) if p["type"] != "row")
    panel["type"] = "graph"  # the legacy Angular panel, replaced by timeseries
    panel["gridPos"]["w"] = 30
    panel["targets"][0].pop("expr")
    panel["datasource"] = {"type": "influxdb", "uid": "x"}
    del broken["uid"]
    found = "\n".join(schema_errors(broken))
    assert "'uid' is a required property" in found and "'expr' is a required property" in found
    assert "'graph' is not one of" in found and "30 is greater than the maximum of 24" in found
    assert "'prometheus' was expected" in found


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_json_matches_the_schema(path: Path) -> None:
    errors = schema_errors(json.loads(path.read_text()))
    assert not errors, f"{path.name}: {len(errors)} problem(s):\n" + "\n".join(errors)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_layout_variables_and_data_sources(path: Path) -> None:
    dashboard = json.loads(path.read_text())
    problems = layout_problems(dashboard["panels"])
    for row in dashboard["panels"]:
        problems += layout_problems(row.get("panels", []))
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    provisioned = {d["uid"] for d in yaml.safe_load((CLUSTER / "grafana" / "provisioning" / "datasources.yml")
                                                    .read_text())["datasources"]}
    for panel in _all_panels(dashboard["panels"]):
        sources = [panel.get("datasource")] + [t.get("datasource") for t in panel.get("targets", [])]
        for source in filter(None, sources):
            if source["uid"] not in provisioned and source["uid"].strip("${}") not in variables:
                problems.append(f"panel {panel['id']} reads data source '{source['uid']}', not provisioned")
        ref_ids = [t["refId"] for t in panel.get("targets", [])]
        if len(ref_ids) != len(set(ref_ids)):
            problems.append(f"panel {panel['id']} repeats a refId: {ref_ids}")
    for expr in dashboard_exprs(dashboard):
        problems += [f"{expr}: ${name} is not a variable of the dashboard"
                     for name in VARIABLE.findall(expr) if name not in variables and not name.startswith("__")]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", DASHBOARDS + [ALERTS], ids=lambda p: p.stem)
def test_queries_match_and_group_by_labels_the_metrics_carry(path: Path) -> None:
    if path == ALERTS:
        exprs = [r["expr"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]]
    else:
        exprs = dashboard_exprs(json.loads(path.read_text()))
    problems = [f"{expr}: {problem}" for expr in exprs for problem in query_label_problems(expr)]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_label_checks_catch_a_wrong_label() -> None:
    assert query_label_problems('sum by (stream) (rate(ggp_node_drops_total{stream=~"$stream"}[1m]))') == []
    assert query_label_problems('rate(ggp_node_drops_total{table="t1"}[1m])') == ["ggp_node_drops_total has no label 'table'"]
    assert query_label_problems("sum by (fragment) (rate(ggp_node_drops_total[1m]))") == [
        "no metric of the query has the label 'fragment' it groups by"]
    assert query_label_problems("sum by (fragment, le) (rate(ray_ggp_node_latency_seconds_bucket[1m]))") == []
    assert layout_problems([{"id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4}},
                            {"id": 2, "gridPos": {"x": 6, "y": 2, "w": 12, "h": 4}}]) == ["panels 1 and 2 overlap"]
