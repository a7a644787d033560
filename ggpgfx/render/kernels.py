"""Which compositor kernels run: numpy until Numba's are loaded, then Numba's (the same bytes either way).

Importing Numba and loading its cached kernels costs ~0.45 CPU-s per process, a third of a media graph's
start-up (issue #21), while the numpy twins blend a typical static overlay (two small layers) for ~0.06 ms
a frame more: a 10 s clip would never earn Numba's load back. So nothing on the frame path loads Numba
first: `composite_layers` runs the numpy twins and, once a frame blends enough pixels for Numba to pay for
itself (`WORTH_PIXELS`), has the kernels loaded on a background thread; frames switch to them when they are
in. `load()` loads them at once for callers that know they want them (`warm_up`, studio renders, benchmarks),
and nodes load them in setup when Numba is in the process anyway (`load_if_numba_is_loaded`).
"""

from __future__ import annotations

import logging
import sys
import threading
from types import ModuleType

log = logging.getLogger(__name__)

#: luma pixels blended per frame from which Numba's kernels are loaded: the numpy twins cost ~2.3 ns a pixel
#: more than Numba's (2.5 against 0.18, an opaque 1280x540 layer), so from here ~0.45 ms a frame more and the
#: ~0.45 CPU-s load is repaid in ~1,000 frames (half a minute at 30 fps). The benchmark's static overlay
#: blends ~60,000; a busy 1080p overlay (a third of the frame) ~700,000
WORTH_PIXELS = 200_000

_lock = threading.Lock()
_module: ModuleType | None = None
_failed = False
_loader: threading.Thread | None = None


def loaded() -> ModuleType | None:
    """The Numba kernels module when it is loaded, else None; never waits for it."""
    return _module


def load() -> ModuleType | None:
    """Load the Numba kernels now (from Numba's on-disk cache; compiled once per install); None without Numba."""
    global _module, _failed
    with _lock:
        if _module is None and not _failed:
            try:
                from ggpgfx.render import blend_kernels
            except ImportError as exc:  # numba is in the poker extra: the numpy twins carry on
                _failed = True
                log.debug("compositor: Numba kernels unavailable (%s); numpy kernels", exc)
            else:
                _module = blend_kernels
    return _module


def load_if_numba_is_loaded() -> ModuleType | None:
    """Load the kernels now when the process has imported Numba already (another node's kernels, e.g. the
    poker rules' equity): then they cost only their cache load, and loading them later, mid-run, would
    hold Numba's compiler lock while those nodes load theirs (a live table's rules node stalled seconds)."""
    if "numba" in sys.modules:
        return load()
    return _module


def load_in_background() -> None:
    """Start loading the Numba kernels on a daemon thread (once per process); frames keep the numpy twins
    until they are in."""
    global _loader
    with _lock:
        if _module is not None or _failed or _loader is not None:
            return
        _loader = threading.Thread(target=load, name="ggp-numba-kernels", daemon=True)
    _loader.start()


def note_blended(pixels: int) -> None:
    """A frame blended `pixels` luma pixels with the numpy twins: load Numba's when that is worth it."""
    if pixels >= WORTH_PIXELS and _loader is None:
        load_in_background()
