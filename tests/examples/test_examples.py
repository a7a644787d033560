"""Every example under examples/ runs (each folder's Python scripts, as a user would run them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*/*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_runs(script: Path) -> None:
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=script.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_every_example_has_a_readme() -> None:
    for folder in {p.parent for p in SCRIPTS}:
        assert (folder / "README.md").exists(), folder


def test_saved_yaml_runs_through_the_cli() -> None:
    yaml_file = EXAMPLES / "hello_graph" / "hello.yaml"
    proc = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "run", str(yaml_file), "--no-realtime"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
