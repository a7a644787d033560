"""The `ggp` entry point: `ggp run` goes straight to `ggpgfx.cli_run` (no typer on a graph's way to its first
frame), every other command to the typer app in `ggpgfx.cli_app`; user mistakes become one line and an exit
code here, and only here."""

from __future__ import annotations

import logging
import os
import sys

from ggpgfx.errors import GgpError

#: Modules that add commands of their area; each defines register(app). Imported when present.
AREA_MODULES = ["ggpgfx.runtime.cli_ray", "ggpgfx.poker.cli", "ggpgfx.services.cli", "ggpgfx.cards.cli",
                "ggpgfx.render.cli", "ggpgfx.media.cli", "ggpgfx.rfid.cli", "ggpgfx.studio.cli", "ggpgfx.analytics.cli"]
#: The app's own commands (`ggpgfx.cli_app`; a test keeps the two lists equal): naming one, the areas'
#: commands are not registered, since typer turns each registered command into a click command with all its
#: parameters on every start
CORE_COMMANDS = ("run", "validate", "nodes", "show", "schema")
#: The app's global options (`ggp [--debug] [-q] COMMAND`); none takes a value
GLOBAL_FLAGS = ("--debug", "--quiet", "-q")


def configure_logging(debug: bool, quiet: bool) -> None:
    """Log to stderr: debug, warnings only (quiet) or info; chatty libraries at warnings."""
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("numba", "matplotlib", "PIL", "asyncio", "aioice", "aiortc", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _core_command(argv: list[str]) -> bool:
    """True when the command line names one of the app's own commands (`run`, `validate`, ...). Global options
    come first and take no value, so the first word not starting with '-' is the command."""
    words = [word for word in argv if not word.startswith("-")]
    return bool(words) and words[0] in CORE_COMMANDS


def _run_arguments(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """(global flags, run's arguments) when the command line is `ggp [GLOBAL_FLAGS] run ...`, else None."""
    for index, word in enumerate(argv):
        if word == "run":
            return argv[:index], argv[index + 1:]
        if word not in GLOBAL_FLAGS:
            return None
    return None


def exit_without_teardown(code: int) -> None:
    """End the process now, skipping the interpreter's teardown of every module (numpy, PyAV, pydantic, Pillow:
    ~0.05-0.08 CPU-s, more than ffmpeg spends on a whole 1-frame job): stdout and stderr flushed, the atexit
    handlers run (logging's flush, temporary folders, Ray's shutdown), then `os._exit`. Returns without exiting
    while a non-daemon thread still runs: the normal exit joins it."""
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken pipe: nothing more can reach it
            pass
    atexit._run_exitfuncs()
    os._exit(code)


def main(fast_exit: bool = True) -> None:
    """Console entry point: user mistakes become one line on stderr and an exit code. A `ggp run` that ended
    normally leaves without the interpreter's teardown (`exit_without_teardown`) unless `fast_exit` is False
    (callers that go on in the same process)."""
    argv = sys.argv[1:]
    debug = "--debug" in argv or os.environ.get("GGP_DEBUG") == "1"
    try:
        run_arguments = _run_arguments(argv)
        if run_arguments is not None:
            flags, arguments = run_arguments
            from ggpgfx.runtime.process import limit_blas_threads

            limit_blas_threads()  # before numpy loads (huge pages: every LocalExecutor turns them off)
            configure_logging("--debug" in flags, "--quiet" in flags or "-q" in flags)
            from ggpgfx.cli_run import main as run_main

            code = run_main(arguments)
        else:
            from ggpgfx import cli_app

            if not _core_command(argv):
                cli_app.register_areas()
            code = cli_app.main()
    except GgpError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        sys.exit(70)
    if fast_exit and run_arguments is not None:
        exit_without_teardown(code)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
