#!/usr/bin/env bash
# GPU check for the GPU path: on the GPU machine (device tool), from the repository root:
#   bash benchmarks/gpu_check.sh            # CUDA tests, GPU vs CPU-twin table, demo_gpu.yaml end to end
#   bash benchmarks/gpu_check.sh --quick    # fewer repeats (and a shorter graph run)
# It runs anywhere: without CUDA the CUDA tests skip (visibly) and the "gpu" column is the torch code on the CPU.
# One time limit for the whole check (GPU_CHECK_LIMIT_S, default 420 s) leaves room for a rerun inside one
# 600 s device call; rows print as they finish, so a run cut short keeps what it measured.
# Installs what it needs itself: wheels carried in .whl/ (docs/gpu.md lists them: PyAV, pydantic, ... for the
# whole-graph case) go to /tmp/site; CuPy (cupy-cuda12x) is pip-installed only where a GPU exists, no CuPy does,
# and the package index answers.
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,memory.total --format=csv,noheader || true
  if ! "$PYTHON" -c "import cupy" 2>/dev/null; then
    timeout 120 "$PYTHON" -m pip install -q cupy-cuda12x 2>/dev/null \
      && echo "installed cupy-cuda12x" || echo "CuPy not installed (no index here): compositing uses torch"
  fi
else
  echo "no nvidia-smi: no NVIDIA GPU here, the CUDA parts are skipped"
fi
ARGS=("$@")
if [[ " ${ARGS[*]} " == *" --quick "* ]]; then ARGS+=(--graph-frames 120); else ARGS+=(--graph-frames 300); fi
exec timeout --signal=INT --kill-after=15 "${GPU_CHECK_LIMIT_S:-420}" "$PYTHON" benchmarks/gpu_check.py "${ARGS[@]}"
