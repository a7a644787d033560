"""The YAML reader: hostile files (alias bombs, deep nesting, odd keys) become diagnostics, quickly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ggpgfx.graph.load import MAX_ALIASES, MAX_DEPTH, parse_yaml
from ggpgfx.graph.validate import resolve_text

REPO = Path(__file__).resolve().parents[2]


def alias_bomb(levels: int) -> str:
    """Each level lists the previous one ten times: 10**levels values from a few hundred bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "name: bomb\nnodes: {}\nbomb:\n" + "\n".join("  " + line for line in lines) + "\n"


def test_alias_bomb_is_refused_quickly() -> None:
    text = alias_bomb(7)
    assert len(text) < 500
    started = time.process_time()  # CPU time: a loaded machine stretches wall time, not this
    data, _, diags = parse_yaml(text, "bomb.yaml")
    assert time.process_time() - started < 10.0  # the unbounded reader needs minutes for these 10**7 values
    assert data is None and len(diags) == 1
    assert diags[0].format().startswith("bomb.yaml:") and "values once aliases are expanded" in diags[0].message


def test_too_many_aliases() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    _, _, diags = parse_yaml(text, "g.yaml")
    assert [d.message for d in diags] == [f"invalid YAML: more than {MAX_ALIASES} aliases (*name)"]
    assert diags[0].line == 2


def test_a_few_aliases_still_work() -> None:
    data, _, diags = parse_yaml("base: &base {fps: 30}\nother: *base\n")
    assert diags == [] and data == {"base": {"fps": 30}, "other": {"fps": 30}}


@pytest.mark.parametrize("text", ["[" * 20_000 + "]" * 20_000, "a:\n" + "".join(" " * i + "- \n" for i in range(200)),
                                  "{a: " * 5000 + "1" + "}" * 5000])
def test_deep_nesting_is_a_diagnostic(text: str) -> None:
    _, _, diags = parse_yaml(text, "deep.yaml")
    assert len(diags) == 1 and f"nesting deeper than {MAX_DEPTH} levels" in diags[0].message


def test_self_referencing_alias() -> None:
    _, _, diags = parse_yaml("a: &x\n  b: *x\n")
    assert "an alias refers to a mapping or list that contains it" in diags[0].message


@pytest.mark.parametrize(("text", "message"), [
    ("? [a]\n: 1\n", "a key must be a plain value"),
    ("{[1]: 2}\n", "a key must be a plain value"),
    ("when: 2001-02-30\n", "day is out of range for month"),
])
def test_values_python_cannot_build_are_diagnostics(text: str, message: str) -> None:
    _, _, diags = parse_yaml(text)
    assert len(diags) == 1 and message in diags[0].message


def test_validator_reports_the_bomb_with_its_position() -> None:
    resolved, diags = resolve_text(alias_bomb(7), "bomb.yaml")
    assert resolved is None and diags[0].line >= 4


def test_cli_validate_reports_a_bomb_and_deep_nesting(tmp_path: Path) -> None:
    bomb, deep = tmp_path / "bomb.yaml", tmp_path / "deep.yaml"
    bomb.write_text(alias_bomb(7))
    deep.write_text("[" * 20_000 + "]" * 20_000)
    proc = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "validate", str(bomb), str(deep)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 1
    assert "values once aliases are expanded" in proc.stderr and "nesting deeper than" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
