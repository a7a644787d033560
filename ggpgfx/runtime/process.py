"""Settings a process that runs a frame path takes before its libraries start: `ggp run` limits the OpenBLAS
threads before numpy loads, and every `LocalExecutor` (a `ggp run`, a Ray fragment actor, a run inside a server
process) turns huge pages off before its nodes open an encoder.

Two defaults, each measured on the media benchmark (docs/media.md, "Process settings"):

* **One OpenBLAS thread.** numpy starts one OpenBLAS thread per core at import and those threads spin after
  start-up; a frame path makes no large matrix products, so they only burn CPU (~0.08 CPU-s of a `ggp run`'s
  start-up, ~1.5 % of a 10 s 1080p encode). Set only when the user has not set `OPENBLAS_NUM_THREADS` (or
  `OMP_NUM_THREADS`, which OpenBLAS also reads).
* **No transparent huge pages for this process.** x264 asks for huge pages on its frame buffers, so the kernel
  zeroes every 2 MB page whole when the encoder opens (`clear_page_erms`: ~0.3 CPU-s a 1080p encoder, more than
  ffmpeg spends to start a whole job). With them off, only the 4 KB pages x264 touches are zeroed. The setting
  passes to the processes this one starts; `GGP_HUGE_PAGES=1` turns them (back) on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

#: prctl(2) option: this process (and children it forks) gets no transparent huge pages
PR_SET_THP_DISABLE = 41
#: set to "1" to keep transparent huge pages (a memory-bound custom node may want them)
HUGE_PAGES_ENV = "GGP_HUGE_PAGES"
#: (pid, value) this module last set with prctl, so repeated calls (one per executor) skip the system call
_applied: tuple[int, int] | None = None


def limit_blas_threads(environ: MutableMapping[str, str] | None = None) -> bool:
    """One OpenBLAS thread unless the user chose a count; True when this set it. Must run before numpy loads."""
    env = os.environ if environ is None else environ
    if "OPENBLAS_NUM_THREADS" in env or "OMP_NUM_THREADS" in env:
        return False
    env["OPENBLAS_NUM_THREADS"] = "1"
    return True


def disable_huge_pages(environ: MutableMapping[str, str] | None = None) -> bool:
    """Turn transparent huge pages off for this process (Linux); True when done. With `GGP_HUGE_PAGES=1` they are
    turned back on instead (the setting is inherited: a process started by one that turned them off has them off)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    keep = env.get(HUGE_PAGES_ENV) == "1"
    global _applied
    value = 0 if keep else 1
    if _applied == (os.getpid(), value):  # every executor calls this; the setting is the process's (~0.1 ms saved)
        return not keep
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.prctl(PR_SET_THP_DISABLE, value, 0, 0, 0) == 0
    except (OSError, AttributeError):  # no prctl (another libc): the kernel's default stays
        return False
    if done:
        _applied = (os.getpid(), value)  # by pid: a forked child inherits the setting and this record alike
    return bool(done) and not keep


def huge_pages_disabled() -> bool | None:
    """Whether this process has transparent huge pages off (/proc/self/status `THP_enabled`); None if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("THP_enabled:"):
                    return line.split()[1] == "0"
    except OSError:
        return None
    return None
