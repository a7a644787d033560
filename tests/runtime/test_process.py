"""Process settings for a frame path (issue #21): one OpenBLAS thread unless the user chose, and no transparent
huge pages for x264 to have zeroed 2 MB at a time, unless GGP_HUGE_PAGES=1; `ggp run` takes both, and every local
executor (a Ray fragment's, a server's) the huge-page one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ggpgfx.runtime.process import PR_SET_THP_DISABLE, limit_blas_threads

REPO = Path(__file__).resolve().parents[2]

#: a new process inherits "no huge pages" from its parent (this pytest may have run a graph in-process): start
#: each child from the kernel's default, as a shell's `ggp run` would
FRESH = f"import ctypes; ctypes.CDLL(None).prctl({PR_SET_THP_DISABLE}, 0, 0, 0, 0)\n"
#: a one-frame `ggp run` of GRAPH; atexit reports the thread count and the huge pages
REPORTS = FRESH + """
import atexit, os, sys
from ggpgfx.runtime.process import huge_pages_disabled
atexit.register(lambda: print(os.environ.get("OPENBLAS_NUM_THREADS"), huge_pages_disabled(), flush=True))
sys.argv = ["ggp", "-q", "run", sys.argv[1], "--max-frames", "1"]
from ggpgfx.cli import main
main()
"""
GRAPH = """name: one-frame
nodes:
  src: {type: ingest.test_pattern, params: {width: 64, height: 64}}
  out: {type: sink.null}
edges: [src.video -> out.inp]
"""

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl and /proc are Linux's")


def _ggp_run(folder: Path, **env: str) -> str:
    graph = folder / "one-frame.yaml"
    graph.write_text(GRAPH)
    base = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GGP_HUGE_PAGES")}
    proc = subprocess.run([sys.executable, "-c", REPORTS, str(graph)], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=base | env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_blas_threads_are_set_only_when_the_user_did_not_choose() -> None:
    env: dict[str, str] = {}
    assert limit_blas_threads(env) and env == {"OPENBLAS_NUM_THREADS": "1"}
    for chosen in ({"OPENBLAS_NUM_THREADS": "4"}, {"OMP_NUM_THREADS": "2"}):
        env = dict(chosen)
        assert not limit_blas_threads(env) and env == chosen


@linux_only
def test_ggp_run_takes_one_blas_thread_and_no_huge_pages(tmp_path: Path) -> None:
    assert _ggp_run(tmp_path) == "1 True"


@linux_only
def test_the_user_keeps_huge_pages_and_their_thread_count(tmp_path: Path) -> None:
    assert _ggp_run(tmp_path, GGP_HUGE_PAGES="1", OPENBLAS_NUM_THREADS="2") == "2 False"


@linux_only
def test_huge_pages_asked_for_are_turned_back_on_in_a_child_of_a_process_without() -> None:
    code = ("from ggpgfx.runtime.process import disable_huge_pages, huge_pages_disabled\n"
            "disable_huge_pages({})\n"
            "print(huge_pages_disabled(), disable_huge_pages({'GGP_HUGE_PAGES': '1'}), huge_pages_disabled())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.stdout.strip() == "True False False", proc.stderr


@linux_only
def test_a_local_run_started_in_a_server_process_turns_huge_pages_off_there() -> None:
    code = (FRESH + "from ggpgfx.runtime.process import huge_pages_disabled\n"
            "from ggpgfx.runtime.run import make_executor, resolve_any\n"
            "from ggpgfx.runtime.local import RunOptions\n"
            "before = huge_pages_disabled()\n"
            "make_executor(resolve_any('graphs/demo.yaml'), 'local', RunOptions())\n"
            "print(before, huge_pages_disabled())")
    env = {k: v for k, v in os.environ.items() if k != "GGP_HUGE_PAGES"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.stdout.strip() == "False True", proc.stderr
