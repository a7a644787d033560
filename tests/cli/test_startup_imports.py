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
assert cli._run_arguments(["-q", "run", sys.argv[1]]) == (["-q"], [sys.argv[1]])  # main()'s way for `ggp -q run`
from ggpgfx.cli_run import load_with_sets
resolved = load_with_sets(Path(sys.argv[1]), [])
assert resolved.name
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))
"""

#: a media graph run to its end: test pattern -> overlay -> x264 -> mp4, 2 frames, through `ggp -q run`
MEDIA_RUN = """
import json, sys
import ggpgfx.cli as cli
sys.argv = ["ggp", "-q", "run", sys.argv[1], "--no-realtime", "--max-frames", "2"]
cli.main(fast_exit=False)
from pydantic import BaseModel
built = sorted(f"{module.__name__}.{name}" for module in list(sys.modules.values())
               if getattr(module, "__name__", "").startswith(("ggpgfx.poker.messages", "ggpgfx.tournament"))
               for name, value in vars(module).items()
               if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__
               and value.__pydantic_complete__)
print(json.dumps({"modules": sorted(sys.modules), "built": built}))
"""

MEDIA_GRAPH = """name: startup-media
nodes:
  src: {type: ingest.test_pattern, params: {width: 640, height: 360}}
  gfx: {type: render.overlay, params: {animate: false, players: "off", board: "off", lower_third_title: T}}
  enc: {type: encode.h264, params: {preset: ultrafast}}
  out: {type: publish.file, params: {path: OUT}}
edges: [src.video -> gfx.video, gfx.video -> enc.video, enc.packets -> out.packets]
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


def test_ggp_run_of_a_media_graph_loads_neither_typer_nor_numba(tmp_path: Path) -> None:
    """`ggp run` is parsed without typer, frames blend with the numpy twins until Numba would pay, and the
    message models a media graph only names stay unbuilt."""
    graph = tmp_path / "media.yaml"
    graph.write_text(MEDIA_GRAPH.replace("OUT", str(tmp_path / "out.mp4")))
    proc = subprocess.run([sys.executable, "-c", MEDIA_RUN, str(graph)], capture_output=True, text=True,
                          timeout=180, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    modules = set(report["modules"])
    loaded = {name.split(".")[0] for name in modules}
    assert (tmp_path / "out.mp4").stat().st_size > 0 and {"av", "PIL"} <= loaded
    unwanted = {"typer", "click", "numba", "llvmlite"} | NOT_FOR_MEDIA
    assert not loaded & unwanted, sorted(loaded & unwanted)
    assert "numpy.ma" not in modules  # np.percentile's way in; the run's stats interpolate themselves
    # pydantic's plugin search (importlib.metadata, email, zipfile: ~15-25 ms) is skipped, and so is the registry's
    assert "importlib.metadata" not in modules and "email" not in modules
    # the overlay names poker and tournament messages as port types; their validators are built on first use
    assert {"ggpgfx.poker.messages", "ggpgfx.tournament.state"} <= modules and not report["built"], report["built"]


def test_core_commands_are_the_apps_own_commands() -> None:
    from typer.main import get_command_name

    from ggpgfx.cli import CORE_COMMANDS
    from ggpgfx.cli_app import app

    names = {info.name or get_command_name(info.callback.__name__) for info in app.registered_commands
             if info.callback is not None}
    assert names == set(CORE_COMMANDS)


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


PLUGIN_PROBE = """
import sys
from ggpgfx.cli_run import skip_pydantic_plugin_discovery
skipped = skip_pydantic_plugin_discovery()
from pydantic import BaseModel
class Probe(BaseModel):
    x: int
assert Probe(x="3").x == 3
print("SKIPPED", skipped, "importlib.metadata" in sys.modules)
"""


def test_pydantic_plugin_search_is_skipped_unless_the_user_keeps_it() -> None:
    """`ggp run` answers pydantic's "which plugins?" with none, without reading every distribution's entry points;
    PYDANTIC_DISABLE_PLUGINS= (empty) keeps pydantic's own search."""
    import os

    def probe(**env: str) -> str:
        environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"} | env
        proc = subprocess.run([sys.executable, "-c", PLUGIN_PROBE], capture_output=True, text=True, timeout=120,
                              cwd=REPO, env=environ)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip().splitlines()[-1]

    assert probe() == "SKIPPED True False"
    assert probe(PYDANTIC_DISABLE_PLUGINS="") == "SKIPPED False True"


def test_pydantic_takes_only_get_plugins_from_its_plugin_loader() -> None:
    """The stand-in loader offers only `get_plugins`: a pydantic that imports more from it must fail here."""
    import re

    import pydantic.plugin._schema_validator as schema_validator

    source = Path(schema_validator.__file__).read_text(encoding="utf-8")
    assert re.findall(r"from \._loader import (.+)", source) == ["get_plugins"]
