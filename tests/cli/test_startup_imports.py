"""Start-up imports only what the graph runs (issue #21: start-up to first frame): importing the CLI and
resolving a graph must not load packages the graph does not use. Checked on `sys.modules` of a fresh
interpreter, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Packages no stock graph needs to be resolved: cluster, services, GPU and training stacks.
NEVER = {"ray", "torch", "cupy", "fastapi", "starlette", "uvicorn", "mlflow", "sqlalchemy", "aiortc", "vispy",
         "onnxruntime", "pandas", "matplotlib", "kafka"}
#: A media graph (decode -> overlay -> x264 -> file) carries no Arrow tables and runs no poker code.
NOT_FOR_MEDIA = NEVER | {"pyarrow", "pokerkit", "scipy"}

PROBE = """
import json, sys
from pathlib import Path
import ggpgfx.cli as cli
if not cli._core_command(["-q", "run", sys.argv[1]]):  # what main() does for `ggp -q run GRAPH`
    cli._register_areas()
resolved = cli._load_with_sets(Path(sys.argv[1]), [])
assert resolved.name
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""


def loaded_after_resolving(graph: str) -> set[str]:
    """Top-level packages in sys.modules after `ggp run`'s start-up path resolved `graph`."""
    proc = subprocess.run([sys.executable, "-c", PROBE, graph], capture_output=True, text=True, timeout=180,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_media_graph_resolves_without_arrow_poker_or_cluster_packages() -> None:
    loaded = loaded_after_resolving("benchmarks/graphs/media_overlay.yaml")
    assert {"ggpgfx", "av", "numpy"} <= loaded  # the probe did resolve the graph's node types
    assert not loaded & NOT_FOR_MEDIA, sorted(loaded & NOT_FOR_MEDIA)


def test_demo_graph_resolves_without_cluster_or_service_packages() -> None:
    loaded = loaded_after_resolving("graphs/demo.yaml")
    assert {"ggpgfx", "av", "pokerkit"} <= loaded  # rules.poker was imported to resolve the graph
    assert not loaded & NEVER, sorted(loaded & NEVER)


def test_arrow_port_types_still_check_their_schemas() -> None:
    """Lazy schemas: CardReads ports build their pyarrow schema when a graph connects them."""
    from ggpgfx.graph.ports import ArrowTable, compatible
    from ggpgfx.poker.messages import CARD_READS_SCHEMA, card_reads_table
    from ggpgfx.types import CardReads, Detections

    assert CardReads.schema.equals(CARD_READS_SCHEMA)
    assert card_reads_table([{"zone": "board", "card": "Ah"}]).schema.equals(CARD_READS_SCHEMA)
    assert compatible(CardReads, CardReads) and not compatible(Detections, CardReads)
    assert CardReads == ArrowTable("CardReads", CardReads.schema_source)
    assert len({CardReads, Detections}) == 2


def test_area_commands_load_only_when_no_core_command_is_named() -> None:
    from ggpgfx.cli import _core_command

    assert _core_command(["-q", "run", "graph.yaml"]) and _core_command(["--debug", "validate", "--help"])
    assert not _core_command(["render", "still"]) and not _core_command(["studio", "list"])
    assert not _core_command([]) and not _core_command(["--help"])
    probe = ("import sys\nimport ggpgfx.cli as cli\nsys.argv = ['ggp', *sys.argv[1:]]\ntry:\n    cli.main()\n"
             "except SystemExit:\n    pass\nprint('AREAS', 'ggpgfx.studio.cli' in sys.modules)\n")

    def areas_loaded(*args: str) -> tuple[bool, str]:
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120,
                              cwd=REPO)
        return proc.stdout.strip().splitlines()[-1] == "AREAS True", proc.stdout

    loaded, text = areas_loaded("--help")
    assert loaded and "studio" in text and "render" in text and "run" in text  # areas listed in the help
    loaded, text = areas_loaded("validate", "graphs/test_pattern.yaml")
    assert not loaded and "ok" in text
