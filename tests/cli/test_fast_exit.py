"""`ggp run` leaves without the interpreter's teardown (issue #21: whole-process CPU against the ffmpeg CLI), yet
what a normal exit would write still gets out: buffered output, atexit handlers, a running non-daemon thread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FLUSHES = """
import atexit
from ggpgfx.cli import exit_without_teardown
atexit.register(lambda: print("ATEXIT", flush=True))
print("BUFFERED", end="")
exit_without_teardown(3)
print("NOT REACHED")
"""

WAITS_FOR_THREAD = """
import threading
from ggpgfx.cli import exit_without_teardown
done = threading.Event()
worker = threading.Thread(target=done.wait)
worker.start()
exit_without_teardown(3)
print("RETURNED")
done.set()
"""


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)


def test_exit_flushes_output_and_runs_atexit_handlers_with_the_code() -> None:
    proc = python(FLUSHES)
    assert (proc.returncode, proc.stdout) == (3, "BUFFEREDATEXIT\n"), proc.stderr


def test_a_running_non_daemon_thread_keeps_the_normal_exit() -> None:
    proc = python(WAITS_FOR_THREAD)
    assert (proc.returncode, proc.stdout) == (0, "RETURNED\n"), proc.stderr


def test_ggp_run_still_finishes_its_recording_and_stats(tmp_path: Path) -> None:
    graph = tmp_path / "g.yaml"
    out, stats = tmp_path / "out.mp4", tmp_path / "stats.json"
    graph.write_text(f"""name: fast-exit
nodes:
  src: {{type: ingest.test_pattern, params: {{width: 320, height: 240, frames: 12}}}}
  enc: {{type: encode.h264, params: {{preset: ultrafast}}}}
  out: {{type: publish.file, params: {{path: {out}}}}}
edges: [src.video -> enc.video, enc.packets -> out.packets]
""")
    proc = subprocess.run([sys.executable, "-m", "ggpgfx.cli", "-q", "run", str(graph), "--no-realtime",
                           "--stats-json", str(stats)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    import json

    import av

    assert json.loads(stats.read_text())["nodes"]["out"]["messages_in"] == 12
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 12
