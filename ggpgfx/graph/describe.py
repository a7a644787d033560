"""Human and machine descriptions of node types and graphs (`ggp nodes`, `ggp show`)."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from ggpgfx.errors import ConfigError
from ggpgfx.graph.node import Node
from ggpgfx.graph.ports import type_label
from ggpgfx.graph.registry import load_all
from ggpgfx.graph.validate import ResolvedGraph, topological_order


def describe_type(cls: type[Node]) -> dict[str, Any]:
    """Ports, params and resources of one node type."""
    params = []
    for name, field in cls.Params.model_fields.items():
        params.append({"name": name, "type": type_label(field.annotation), "required": field.is_required(),
                       "default": None if field.is_required() else repr(field.default),
                       "description": field.description or ""})
    doc = (cls.__doc__ or "").strip()
    return {
        "type": cls.type_name,
        "summary": doc.splitlines()[0] if doc else "",
        "module": cls.__module__,
        "inputs": [{"name": n, "type": type_label(p.type), "policy": p.policy, "required": p.required,
                    "caps": p.caps.describe() if p.caps else None} for n, p in cls.inputs.items()],
        "outputs": [{"name": n, "type": type_label(p.type)} for n, p in cls.outputs.items()],
        "params": params,
        "resources": cls.resources.model_dump(),
    }


def describe_all() -> list[dict[str, Any]]:
    """Every registered node type, sorted by name."""
    return [describe_type(cls) for _, cls in sorted(load_all().items())]


def graph_text(graph: ResolvedGraph, node_notes: dict[str, str] | None = None,
               edge_notes: dict[int, str] | None = None) -> str:
    """An indented text picture: nodes in dataflow order with their edges; notes (a node's device, an
    edge's CPU<->GPU copy) are appended when given."""
    node_notes, edge_notes = node_notes or {}, edge_notes or {}
    lines = [f"graph {graph.name} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)"]
    for nid in topological_order(graph.nodes, graph.edges):
        node = graph.nodes[nid]
        note = f"  device {node_notes[nid]}" if nid in node_notes else ""
        lines.append(f"  {nid} [{node.cls.type_name}]{note}")
        for e in graph.edges_from(nid):
            caps = graph.caps.get((nid, e.spec.src_port))
            extra = f"  {caps.describe()}" if caps else ""
            opts = f"  (capacity {e.capacity}, {e.on_full})"
            copy = f"  [{edge_notes[e.index]}]" if e.index in edge_notes else ""
            lines.append(f"    .{e.spec.src_port} -> {e.spec.target}{extra}{opts}{copy}")
    return "\n".join(lines)


def graph_dot(graph: ResolvedGraph, node_notes: dict[str, str] | None = None,
              edge_notes: dict[int, str] | None = None) -> str:
    """Graphviz dot source of the graph (notes as in `graph_text`; boundary edges drawn red)."""
    node_notes, edge_notes = node_notes or {}, edge_notes or {}
    out = [f'digraph "{graph.name}" {{', "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];']
    for nid, node in graph.nodes.items():
        note = f"\\n{node_notes[nid]}" if nid in node_notes else ""
        out.append(f'  "{nid}" [label="{nid}\\n{node.cls.type_name}{note}"];')
    for e in graph.edges:
        style = ", style=dashed" if e.spec.delay else ""
        copy = f"\\n{edge_notes[e.index]}" if e.index in edge_notes else ""
        color = ", color=red" if copy else ""
        out.append(f'  "{e.src}" -> "{e.dst}" [label="{e.spec.src_port} → {e.spec.dst_port}{copy}", '
                   f'fontsize=10{style}{color}];')
    out.append("}")
    return "\n".join(out)


def graph_svg(graph: ResolvedGraph, node_notes: dict[str, str] | None = None,
              edge_notes: dict[int, str] | None = None) -> str:
    """SVG of the graph through Graphviz's `dot` program."""
    dot = shutil.which("dot")
    if dot is None:
        raise ConfigError("`ggp show --format svg` needs Graphviz: apt-get install graphviz (or use --format dot)")
    proc = subprocess.run([dot, "-Tsvg"], input=graph_dot(graph, node_notes, edge_notes), capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise ConfigError(f"graphviz failed: {proc.stderr.strip()}")
    return proc.stdout
