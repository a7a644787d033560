"""Error hierarchy: every user-facing failure is a GgpError; the CLI alone turns them into exit codes."""

from __future__ import annotations


class GgpError(Exception):
    """Base of every error ggpgfx raises on purpose (a user mistake or an environment problem)."""

    exit_code = 1


class ConfigError(GgpError, ValueError):
    """A bad option, parameter or setting outside a graph file."""

    exit_code = 2


class GraphError(GgpError, ValueError):
    """A graph file or graph model that does not validate; carries every diagnostic found."""

    exit_code = 2

    def __init__(self, diagnostics: list | str) -> None:  # list[Diagnostic]
        if isinstance(diagnostics, str):
            self.diagnostics: list = []
            super().__init__(diagnostics)
            return
        self.diagnostics = list(diagnostics)
        lines = [d.format() if hasattr(d, "format") else str(d) for d in self.diagnostics]
        count = len(lines)
        head = f"{count} error{'s' if count != 1 else ''} in graph"
        super().__init__(head + ":\n" + "\n".join(lines))


class NodeError(GgpError, RuntimeError):
    """A node failed while the graph ran; names the node id and the pts of the message it was handling."""

    def __init__(self, node_id: str, message: str, pts: int | None = None) -> None:
        self.node_id = node_id
        self.pts = pts
        where = f"node '{node_id}'" + (f" at pts={pts}us" if pts is not None else "")
        super().__init__(f"{where}: {message}")


class MediaError(GgpError, OSError):
    """A media file, URL, codec or device problem (missing file, corrupt stream, unreachable URL)."""


class ServiceError(GgpError):
    """A platform-service failure with an HTTP status."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        self.status_code = status_code
        super().__init__(message)
