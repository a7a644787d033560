"""A private nginx + libnginx-mod-rtmp server on 127.0.0.1 (tests, demos, benchmarks): start, stop, restart."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from ggpgfx.errors import MediaError

MODULE_PATHS = ("/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so")

CONFIG = """\
{load_module}
daemon off;
master_process on;
worker_processes 1;
user root;
pid {root}/nginx.pid;
error_log {root}/error.log info;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size 4096;
        application live {{
            live on;
            record all;
            record_path {root}/record;
            record_unique on;
        }}
    }}
}}
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nginx_available() -> str | None:
    """Why nginx-rtmp cannot run here, or None when it can."""
    if shutil.which("nginx") is None:
        return "nginx is not installed (apt-get install nginx libnginx-mod-rtmp)"
    if not any(Path(p).exists() for p in MODULE_PATHS):
        return "libnginx-mod-rtmp is not installed"
    return None


class NginxRtmp:
    """nginx with the RTMP module, its own config and record folder under `root`, on a free port."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = Path(root)
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.record_dir = self.root / "record"
        self.record_dir.mkdir(parents=True, exist_ok=True)
        module = next((p for p in MODULE_PATHS if Path(p).exists()), None)
        load = f"load_module {module};" if module else ""
        self.config = self.root / "nginx.conf"
        self.config.write_text(CONFIG.format(load_module=load, root=self.root, port=self.port))

    def url(self, key: str = "stream") -> str:
        """The publish/play URL of a stream key in the `live` application."""
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def start(self, timeout_s: float = 10.0) -> None:
        """Start nginx and wait (bounded) until the port accepts connections."""
        self.process = subprocess.Popen(
            ["nginx", "-c", str(self.config), "-p", str(self.root), "-e", str(self.root / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (self.process.stderr.read() if self.process.stderr else b"").decode(errors="replace")
                raise MediaError(f"nginx exited at start: {err.strip()[-300:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise MediaError(f"nginx did not listen on 127.0.0.1:{self.port} within {timeout_s:.0f} s")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop nginx (fast shutdown, which drops publishers) and wait for it."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:  # the worker may outlive the master for a moment
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    time.sleep(0.05)
            except OSError:
                return

    def recordings(self, key: str = "stream") -> list[Path]:
        """Recorded FLV files of a stream key, oldest first."""
        return sorted(self.record_dir.glob(f"{key}*.flv"), key=lambda p: p.stat().st_mtime_ns)

    def wait_recordings_closed(self, key: str, count: int = 1, timeout_s: float = 15.0) -> list[Path]:
        """Wait (bounded) until `count` recordings exist and their sizes stop changing."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            files = self.recordings(key)
            if len(files) >= count:
                sizes = [f.stat().st_size for f in files]
                time.sleep(0.5)
                if sizes == [f.stat().st_size for f in self.recordings(key)]:
                    return files
            time.sleep(0.1)
        return self.recordings(key)

    def __enter__(self) -> NginxRtmp:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
