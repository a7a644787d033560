"""`ggp cards synth|eval|detect` end to end with the shipped model, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

GGP = [sys.executable, "-m", "ggpgfx.cli"]


def _ggp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GGP, *args], capture_output=True, text=True, timeout=300)


def test_synth_eval_and_detect(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "held-out"
    done = _ggp("cards", "synth", str(folder), "--count", "40", "--seed", "77")
    assert done.returncode == 0, done.stderr
    labels = json.loads((folder / "labels.json").read_text())
    assert labels["held_out"] and len(labels["images"]) == 40

    done = _ggp("cards", "eval", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # the shipped default path abstains where unsure (unknown is not a read): never wrong, most read
    assert report["images"] == 40 and report["wrong"] == 0 and report["accuracy"] >= 0.85
    assert report["false_rate"] <= 0.02
    assert len(report["per_class"]) == 52 and len(report["rank_confusion"]) == 13
    text = _ggp("cards", "eval", str(folder))
    assert "accuracy" in text.stdout and "top confusions" in text.stdout

    first = labels["images"][0]
    done = _ggp("cards", "detect", str(folder / first["file"]), "--json")
    assert done.returncode == 0, done.stderr
    found = sorted(c["card"] for c in json.loads(done.stdout)[0]["cards"])
    assert found == sorted(c["card"] for c in first["cards"] if c["card"] != "back")
    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps([{"name": "left", "zone": "board", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}]))
    done = _ggp("cards", "detect", str(folder / first["file"]), "--zones", str(zones))
    assert done.returncode == 0 and ": 0 cards" in done.stdout


def test_user_mistakes_are_one_line_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = _ggp("cards", "detect", str(tmp_path / "missing.png"))
    assert done.returncode != 0 and done.stderr.startswith("error: image not found")
    done = _ggp("cards", "eval", str(tmp_path))
    assert done.returncode == 2 and "no labels.json" in done.stderr and "Traceback" not in done.stderr
    done = _ggp("cards", "detect", str(tmp_path / "x.png"), "--model", str(tmp_path / "none.onnx"))
    assert done.returncode == 2 and "card model file not found" in done.stderr


def test_evaluate_prints_per_design_and_per_condition_tables() -> None:
    done = _ggp("cards", "evaluate", "--designs", "standard,serif-side", "--conditions", "upright,h264", "--count", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("abstain threshold")
    assert any(line.startswith("deck:standard ") for line in lines) and any(line.startswith("serif-side ") for line in lines)
    assert any(line.startswith("deck:standard / h264") for line in lines)
    rows = json.loads(_ggp("cards", "evaluate", "--designs", "serif-side", "--conditions", "upright", "--count", "2",
                           "--json").stdout)
    assert rows[0]["design"] == "serif-side" and rows[0]["cards"] >= 2
    assert rows[0]["read"] + rows[0]["unknown"] + rows[0]["missed"] + rows[0]["wrong"] == rows[0]["cards"]
    done = _ggp("cards", "evaluate", "--designs", "nope")
    assert done.returncode == 2 and "unknown deck design 'nope'" in done.stderr and "Traceback" not in done.stderr
    done = _ggp("cards", "evaluate", "--conditions", "foggy")
    assert done.returncode == 2 and "unknown condition 'foggy'" in done.stderr
    listing = _ggp("cards", "designs").stdout
    assert "standard" in listing and "test" in listing and "GPL" in listing
