"""Process-wide settings every layer may read (no imports of the runtime or services)."""

from __future__ import annotations

import os
from pathlib import Path


def ggp_home() -> Path:
    """GGP_HOME, the folder for state, logs, databases (default ~/.ggp)."""
    return Path(os.environ.get("GGP_HOME") or Path.home() / ".ggp")
