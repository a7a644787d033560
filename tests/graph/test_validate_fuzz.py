"""Hypothesis on the YAML reader and the graph validator: any input gives diagnostics, never an exception."""

from __future__ import annotations

import time
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ggpgfx.graph.load import Diagnostic
from ggpgfx.graph.validate import resolve_text

# No wall-clock deadline: a loaded CI machine stretches wall time; _check bounds each example in CPU time.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
TYPES = ["ingest.test_pattern", "sink.null", "publish.file", "render.overlay", "rules.poker", "encode.h264",
         "ingest.video", "no.such", "", 3]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(TYPES))
values: Any = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
node = st.fixed_dictionaries({"type": st.sampled_from(TYPES)},
                             optional={"params": st.dictionaries(st.sampled_from(
                                 ["path", "width", "frames", "source", "skin", "x"]), values, max_size=3),
                                 "inputs": values, "replicas": values, "isolate": values})
graphs = st.fixed_dictionaries({}, optional={
    "name": st.one_of(st.text(max_size=10), values), "settings": values,
    "nodes": st.one_of(st.dictionaries(st.text(max_size=6), node, max_size=4), values),
    "edges": st.one_of(st.lists(st.one_of(st.text(max_size=20), st.sampled_from(
        ["src.video -> out.inp", "a.b -> c.d", "x -> y", "src.video->src.video"]), values), max_size=4), values)})


def _check(text: str) -> None:
    started = time.process_time()
    resolved, diags = resolve_text(text, "fuzz.yaml")
    assert time.process_time() - started < 10.0
    assert all(isinstance(d, Diagnostic) and d.format().startswith("fuzz.yaml:") for d in diags)
    assert (resolved is None) == bool(diags) or resolved is None


@FUZZ
@given(graphs)
def test_structured_graphs(data: dict[str, Any]) -> None:
    _check(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#%@ \n\t,?.0123456789")), max_size=200))
def test_yaml_syntax_soup(text: str) -> None:
    _check(text)


@FUZZ
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    _check(text)


def test_edges_when_nodes_is_not_a_mapping() -> None:
    """Found by the fuzzer: edges were resolved against a `nodes` that was a list or a bool."""
    for nodes in ("[a, b]", "true", "3"):
        resolved, diags = resolve_text(f"name: g\nnodes: {nodes}\nedges: [a.x -> b.y]\n", "g.yaml")
        assert resolved is None and any("'nodes' must be a mapping" in d.message for d in diags)
