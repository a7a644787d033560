"""`ggp media ...`: probe files, make test clips, run a local RTMP server for previews and demos."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

media_app = typer.Typer(help="Media tools: probe files, test clips, a local RTMP server.", no_args_is_help=True)


@media_app.command()
def probe(file: Annotated[str, typer.Argument(help="media file or playlist (m3u8)")],
          counters: Annotated[bool, typer.Option(help="also read the test-pattern frame counters")] = False) -> None:
    """Decode a file and print per-stream codec, frame count and first/last times as JSON."""
    from ggpgfx.media.errors import media_error
    from ggpgfx.media.probe import counters as read_counters
    from ggpgfx.media.probe import stream_summary

    try:
        report: dict[str, object] = {"file": file, "streams": stream_summary(file)}
        if counters:
            values = read_counters(file)
            report["counters"] = {"first": values[:3], "last": values[-3:], "count": len(values)}
    except OSError as exc:
        raise media_error("cannot probe", file, exc) from None
    typer.echo(json.dumps(report, indent=2))


@media_app.command()
def clip(path: Annotated[Path, typer.Argument(help="output .mp4/.mkv/.ts")],
         seconds: Annotated[float, typer.Option(min=0.1, max=3600)] = 10.0,
         size: Annotated[str, typer.Option(help="WIDTHxHEIGHT")] = "1280x720",
         fps: Annotated[int, typer.Option(min=1, max=120)] = 30,
         audio: Annotated[bool, typer.Option(help="add a 440 Hz AAC tone")] = True) -> None:
    """Write a test clip: colour bars with a frame counter (and a tone), H.264 + AAC."""
    from ggpgfx.errors import ConfigError
    from ggpgfx.media.testclip import make_clip

    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {size!r}: use WIDTHxHEIGHT, e.g. 1280x720") from None
    make_clip(path, seconds, width, height, fps, audio=audio)
    typer.echo(f"wrote {path}")


@media_app.command("rtmp-server")
def rtmp_server(root: Annotated[Path, typer.Option(help="folder for config, logs and recordings")] = Path(
                    "out/rtmp"),
                port: Annotated[int, typer.Option(min=0, max=65535, help="0: a free port")] = 0) -> None:
    """Run nginx + libnginx-mod-rtmp on 127.0.0.1 (recording every stream) until Ctrl-C."""
    from ggpgfx.errors import ConfigError
    from ggpgfx.media.rtmp_server import NginxRtmp, nginx_available

    missing = nginx_available()
    if missing:
        raise ConfigError(missing)
    server = NginxRtmp(root.resolve(), port or None)
    server.start()
    typer.echo(f"publish to {server.url('<key>')}; recordings in {server.record_dir}; Ctrl-C stops")
    try:
        while server.process is not None and server.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def register(app: typer.Typer) -> None:
    """Add `ggp media` to the main app."""
    app.add_typer(media_app, name="media")
