#!/usr/bin/env bash
# Create .venv and install ggpgfx with the given extras (default: demo). Idempotent.
#   scripts/install.sh [EXTRAS]          e.g. scripts/install.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-demo}"
python="${PYTHON:-python3}"

if [[ "$extras" == "dev" || "$extras" == "all" ]] && [[ -f scripts/apt-packages.txt ]]; then
  # System packages the tests use as real peers (nginx-rtmp, graphviz, ffmpeg baselines, ...).
  mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | sed '/^\s*$/d')
  missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "==> apt-get install ${missing[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
if [[ "$extras" == "dev" || "$extras" == "all" || "$extras" == "ml" ]]; then
  # The CPU build of torch lies on disk; pin it first so nothing pulls a multi-GB CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
if [[ "$extras" == "dev" || "$extras" == "all" || "$extras" == "ml" ]]; then
  # Real deck designs that apt does not install (npm packages, AisleRiot's deb unpacked): card training and
  # calibration only. A failed fetch leaves those designs out with a warning, never the install.
  scripts/fetch-decks.sh || echo "warning: scripts/fetch-decks.sh failed; some deck designs are left out" >&2
fi
# The operator console (React) ships inside the package: build it before pip copies package data.
scripts/build-console.sh
echo "==> pip install -e .[$extras]"
.venv/bin/python -m pip install -q -e ".[$extras]"
# Compile the Numba kernels (equity, hand values, overlay colour conversion) once: Numba caches them
# next to the code, and otherwise the first `ggp run` after an install spends 30-60 s compiling while
# the graph waits for its first equity answers.
if .venv/bin/python -c "import numba, pokerkit" 2>/dev/null; then
  echo "==> compiling the Numba kernels (once per install)"
  .venv/bin/python -c "
import time
from ggpgfx.poker.equity import warm_up
from ggpgfx.render import layers
started = time.perf_counter()
warm_up()
layers.warm_up()
print(f'    {time.perf_counter() - started:.1f} s')"
fi
