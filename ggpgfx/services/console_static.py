"""The operator console under the platform: `ggp serve` serves the built app at /console/ like the
control endpoint of `ggp run` does, so its Stream panel talks to this API on the same origin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONSOLE_DIST = Path(__file__).resolve().parent.parent / "console_dist"


def mount_console(app: Any, dist: Path = CONSOLE_DIST) -> None:
    """Serve `dist` at /console/ (index.html for the folder), or a one-line notice when it is not built."""
    from fastapi.responses import PlainTextResponse, RedirectResponse
    from fastapi.staticfiles import StaticFiles

    @app.get("/console", include_in_schema=False)
    async def console_folder() -> Any:
        """The app lives at /console/."""
        return RedirectResponse("/console/")

    if (dist / "index.html").is_file():
        app.mount("/console", StaticFiles(directory=dist, html=True), name="console")
        return

    @app.get("/console/", include_in_schema=False)
    async def console_not_built() -> Any:
        """Say how to build the console."""
        return PlainTextResponse("The operator console is not built: run scripts/install.sh (it needs Node 20.19+).",
                                 status_code=404)
