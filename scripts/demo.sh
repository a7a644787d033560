#!/usr/bin/env bash
# Install the demo extras and run the main job: the simulated poker table to MP4 + HLS under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh demo
exec .venv/bin/ggp run graphs/demo.yaml "$@"
