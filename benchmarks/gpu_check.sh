#!/usr/bin/env bash
# GPU check for operators_gpu: on the GPU machine (device tool), from the repository root:
#   bash benchmarks/gpu_check.sh            # tests on CUDA + GPU vs CPU-twin table
#   bash benchmarks/gpu_check.sh --quick    # fewer repeats
# Wheels carried in .whl/ (see docs/gpu.md) are installed to /tmp/site first; the bare GPU image already
# has everything else gpu_check.py needs (torch, CuPy, numba, onnx, onnxruntime, opencv, pillow, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,memory.total --format=csv,noheader 2>/dev/null || true
exec "$PYTHON" benchmarks/gpu_check.py "$@"
