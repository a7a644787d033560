#!/usr/bin/env bash
# Fetch, on this machine, the wheels the GPU machine lacks for gpu_check.sh's whole-graph case (its image has
# torch, CuPy, numba, onnx, onnxruntime, OpenCV, pyarrow, PyYAML, typer, rich and Pillow, but no PyAV,
# pydantic or pokerkit, and cannot reach a package index). About 37 MB; carry ".whl" with the device call:
#   bash benchmarks/gpu_wheels.sh     # here, once
#   device run: carry [".whl"], command "bash benchmarks/gpu_check.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
exclude="$(git rev-parse --git-common-dir)/info/exclude"
grep -qx '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >> "$exclude"
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
  av==18.1.0 pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 pokerkit==0.7.7
du -sh .whl
