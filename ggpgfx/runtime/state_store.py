"""Durable fragment checkpoints under GGP_HOME/state: written atomically, read back on restart."""

from __future__ import annotations

import os
import pickle
import re
import shutil
from pathlib import Path
from typing import Any

from ggpgfx.config import ggp_home

_SAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


def _safe(part: str) -> str:
    return _SAFE.sub("_", part) or "_"


class StateStore:
    """Checkpoints of one run: `<root>/<graph>/<run_id>/<fragment>.ckpt` (pickle, atomic replace)."""

    def __init__(self, graph: str, run_id: str, root: Path | str | None = None) -> None:
        base = Path(root) if root is not None else ggp_home() / "state"
        self.folder = base / _safe(graph) / _safe(run_id)

    def path(self, fragment: str) -> Path:
        """File of one fragment's latest checkpoint."""
        return self.folder / f"{_safe(fragment)}.ckpt"

    def save(self, fragment: str, state: Any) -> int:
        """Write a checkpoint atomically (a crash mid-write keeps the previous one); returns its size."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps(state, protocol=5)
        target = self.path(fragment)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return len(data)

    def load(self, fragment: str) -> Any | None:
        """The latest checkpoint of a fragment, or None when it never wrote one."""
        target = self.path(fragment)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            return None
        return pickle.loads(data)

    def clear(self) -> None:
        """Remove every checkpoint of this run (called when the run ends)."""
        shutil.rmtree(self.folder, ignore_errors=True)
