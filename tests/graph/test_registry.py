"""The registry: built-in pack contract and third-party packs through the `ggpgfx.nodes` entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ggpgfx.graph import registry
from ggpgfx.graph.node import Node, register_node

REPO = Path(__file__).resolve().parents[2]


def _make_pack(root: Path) -> None:
    pkg = root / "ggp_extpack"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from typing import Any
        from ggpgfx.graph.node import Message, Node, Port, register_node

        @register_node
        class Doubler(Node):
            """Double every number."""
            type_name = "extpack.doubler"
            inputs = {"inp": Port(Any)}
            outputs = {"out": Port(Any)}

            def process(self, port: str, msg: Message) -> None:
                self.emit("out", msg.payload * 2)
    '''))
    dist = root / "ggp_extpack-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ggp-extpack\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[ggpgfx.nodes]\ndoubler = ggp_extpack\n")


def test_entry_point_pack_registers_and_runs(tmp_path: Path) -> None:
    _make_pack(tmp_path)
    graph = tmp_path / "g.yaml"
    graph.write_text("name: ext\nsettings: {realtime: false}\nnodes:\n  src: {type: test.counter}\n"
                     "  dbl: {type: extpack.doubler}\n  out: {type: sink.stats}\n"
                     "edges: [src.out -> dbl.inp, dbl.out -> out.inp]\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    listed = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "nodes", "--json"], env=env,
                            capture_output=True, text=True, timeout=120, check=True)
    types = {d["type"]: d for d in json.loads(listed.stdout)["nodes"]}
    assert types["extpack.doubler"]["summary"] == "Double every number."
    sys.path.insert(0, str(tmp_path))
    try:
        loaded = registry.load_all(refresh=True)
        assert loaded["extpack.doubler"].__module__ == "ggp_extpack"
    finally:
        sys.path.remove(str(tmp_path))


def test_register_requires_stage_dot_name_and_docstring() -> None:
    class NoDots(Node):
        """Docstring."""

        type_name = "nodots"

    class NoDoc(Node):
        type_name = "test.nodoc"

    with pytest.raises(ValueError, match="must look like 'stage.name'"):
        register_node(NoDots)
    with pytest.raises(ValueError, match="needs a docstring"):
        register_node(NoDoc)


def test_builtin_pack_contract() -> None:
    """Every built-in node type: docstring, one type per module, a test file, a docs row."""
    types = registry.load_all()
    builtin = {name: cls for name, cls in types.items() if cls.__module__.startswith("ggpgfx.nodes.")}
    assert {"ingest.test_pattern", "sink.null", "sink.collect", "sink.stats", "util.passthrough"} <= set(builtin)
    modules: dict[str, str] = {}
    for name, cls in builtin.items():
        assert (cls.__doc__ or "").strip(), name
        assert cls.__module__ not in modules, f"{cls.__module__} registers {modules.get(cls.__module__)} and {name}"
        modules[cls.__module__] = name
        stage, module_name = cls.__module__.split(".")[-2:]
        test_file = REPO / "tests" / "nodes" / stage / f"test_{module_name}.py"
        assert test_file.exists(), f"{name} has no test at {test_file.relative_to(REPO)}"
        for port in (*cls.inputs, *cls.outputs):
            assert port.islower() and "." not in port, f"{name}: port {port!r}"
    docs = "\n".join(p.read_text() for p in (REPO / "docs").glob("nodes*.md"))
    docs += "\n".join(p.read_text() for p in (REPO / "docs" / "nodes").glob("*.md"))
    missing = [name for name in builtin if f"`{name}`" not in docs]
    assert not missing, f"node types without a row in docs/nodes.md: {missing}"


def test_node_table_lists_every_module_of_the_pack_and_nothing_else() -> None:
    """A module missing from NODE_TYPES (a rename, a new node) or a row whose module registers another type fails here."""
    from ggpgfx.nodes import NODE_TYPES

    on_disk = {"ggpgfx.nodes." + ".".join(p.relative_to(REPO / "nodes").with_suffix("").parts)
               for p in (REPO / "nodes").rglob("*.py") if p.name != "__init__.py"}
    in_table = set(NODE_TYPES.values())
    assert not on_disk - in_table, f"add these modules to NODE_TYPES in nodes/__init__.py: {sorted(on_disk - in_table)}"
    assert not in_table - on_disk, f"NODE_TYPES names modules that do not exist: {sorted(in_table - on_disk)}"
    types = registry.load_all()
    for name, module in NODE_TYPES.items():
        assert name in types and types[name].__module__ == module, f"{module} does not register {name}"


def test_running_a_graph_imports_only_the_node_modules_it_uses(tmp_path: Path) -> None:
    """Start-up stays fast: validating a test-pattern graph does not import the poker or media packs."""
    code = ("import sys\nfrom ggpgfx.graph.load import load_graph\n"
            f"load_graph({str(REPO / 'graphs' / 'test_pattern.yaml')!r})\n"
            "print(sorted(m for m in sys.modules if m.startswith('ggpgfx.nodes.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    loaded = eval(out.stdout.strip())
    assert set(loaded) <= {"ggpgfx.nodes.ingest", "ggpgfx.nodes.ingest.test_pattern", "ggpgfx.nodes.util",
                           "ggpgfx.nodes.util.passthrough", "ggpgfx.nodes.sink", "ggpgfx.nodes.sink.stats"}
