"""`pip install .` must ship the mapped packages and every data file the code loads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_contains_mapped_packages_and_data(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True, timeout=300, cwd=tmp_path)
    wheel = next(tmp_path.glob("ggpgfx-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = ["ggpgfx/nodes/__init__.py", "ggpgfx/nodes/ingest/test_pattern.py", "ggpgfx/operators_gpu/__init__.py",
                "ggpgfx/graph/validate.py"]
    assert not [n for n in expected if n not in names]
    folders = ["ggpgfx/render/skins", "ggpgfx/render/fonts", "ggpgfx/services/migrations", "ggpgfx/cards"]
    if (REPO / "ggpgfx/console_dist/index.html").exists():  # built by scripts/install.sh (npm)
        folders.append("ggpgfx/console_dist")
    for folder in folders:
        on_disk = {str(p.relative_to(REPO)) for p in (REPO / folder).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
        missing = sorted(on_disk - names)
        assert not missing, f"not in the wheel: {missing[:10]}"
