"""Imports only go down: what import-linter cannot see because the node pack is mapped from nodes/."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every absolute module name a file imports (module-level or inside functions), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _is_pack(name: str) -> bool:
    return name == "ggpgfx.nodes" or name.startswith("ggpgfx.nodes.") or name == "nodes" or name.startswith("nodes.")


def test_node_modules_never_import_other_node_modules() -> None:
    problems = []
    for path in sorted((REPO / "nodes").rglob("*.py")):
        own = "ggpgfx.nodes." + ".".join(path.relative_to(REPO / "nodes").with_suffix("").parts)
        for line, name in _imports(path):
            if _is_pack(name) and not name.startswith(own):
                problems.append(f"{path.relative_to(REPO)}:{line}: imports {name} (shared types go in ggpgfx.types)")
    assert not problems, "\n".join(problems)


def test_the_runtime_and_libraries_never_import_the_node_pack() -> None:
    """The pack is a plugin: the registry finds it by name (`NODE_TYPES`), nothing imports it statically."""
    problems = []
    for root in (REPO / "ggpgfx", REPO / "operators_gpu"):
        for path in sorted(root.rglob("*.py")):
            for line, name in _imports(path):
                if _is_pack(name):
                    problems.append(f"{path.relative_to(REPO)}:{line}: imports {name}")
    assert not problems, "\n".join(problems)
