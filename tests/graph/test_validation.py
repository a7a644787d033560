"""Every validation error kind, with the exact text users see (fixtures under tests/fixtures/graphs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggpgfx.errors import GraphError
from ggpgfx.graph.load import load_graph
from ggpgfx.graph.validate import resolve_text

FIXTURES = Path(__file__).parent.parent / "fixtures" / "graphs"
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_graph_reports_exact_errors(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text().splitlines()
    resolved, diagnostics = resolve_text(path.read_text(), f"invalid/{path.name}")
    assert resolved is None
    assert [d.format() for d in diagnostics] == expected


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_graph_resolves(path: Path) -> None:
    resolved = load_graph(path)
    assert resolved.name
    assert set(resolved.nodes)


def test_all_problems_reported_at_once() -> None:
    path = FIXTURES / "invalid" / "many_errors.yaml"
    with pytest.raises(GraphError) as info:
        load_graph(path)
    assert len(info.value.diagnostics) == 5
    assert str(info.value).startswith("5 errors in graph:")


def test_every_invalid_fixture_has_expected_text() -> None:
    kinds = {p.stem for p in INVALID}
    for kind in ("yaml_syntax", "unknown_type", "unknown_port", "missing_param", "wrong_param_type",
                 "type_mismatch", "caps_mismatch", "cycle", "unconnected_input", "duplicate_id", "dotted_id",
                 "unknown_param", "bad_edge", "unknown_key"):
        assert kind in kinds


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="graph file not found"):
        load_graph(tmp_path / "nope.yaml")


def test_not_a_mapping() -> None:
    _, diags = resolve_text("- just\n- a list\n", "g.yaml")
    assert [d.format() for d in diags] == [
        "g.yaml:1:1: error: a graph file must be a mapping with 'name', 'nodes' and 'edges'"]


def test_feedback_edge_allows_cycle() -> None:
    resolved = load_graph(FIXTURES / "valid" / "feedback.yaml")
    assert any(e.spec.delay for e in resolved.edges)


def test_edge_options_resolve_with_defaults() -> None:
    resolved = load_graph(FIXTURES / "valid" / "counter_chain.yaml")
    first, second = resolved.edges
    assert (first.capacity, first.on_full) == (4, "block")  # settings.queue_capacity
    assert (second.capacity, second.on_full) == (2, "block")


def test_caps_negotiated_from_params() -> None:
    resolved = load_graph(FIXTURES / "valid" / "test_pattern.yaml")
    caps = resolved.caps[("bars", "video")]
    assert (caps.format, caps.width, caps.height) == ("yuv420p", 320, 180)


def test_control_characters_are_a_yaml_error_not_a_crash() -> None:
    _, diags = resolve_text("name: a\x07b\nnodes: {}\n", "g.yaml")
    assert len(diags) == 1 and diags[0].format().startswith("g.yaml:1:1: error: invalid YAML: unacceptable character")


def test_latest_inputs_never_block_their_producer() -> None:
    text = ("name: l\nnodes:\n  a: {type: test.counter}\n  b: {type: test.counter}\n  j: {type: test.latest}\n"
            "edges:\n  - a.out -> j.inp\n  - {from: b.out, to: j.state, on_full: block}\n")
    resolved, diags = resolve_text(text, "l.yaml")
    assert not diags and resolved is not None
    assert [(e.spec.dst_port, e.on_full) for e in resolved.edges] == [("inp", "block"), ("state", "drop_oldest")]
