#!/usr/bin/env bash
# Install everything the tests need, then run ruff, mypy (ggpgfx/), lint-imports and the whole test suite.
#   scripts/test.sh [PYTEST ARGS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh dev
echo "==> ruff"
.venv/bin/ruff check ggpgfx nodes operators_gpu tests benchmarks
echo "==> mypy ggpgfx"
.venv/bin/mypy ggpgfx
echo "==> lint-imports (layer contracts in pyproject.toml)"
.venv/bin/lint-imports --no-cache
echo "==> console unit tests (vitest)"
(cd console && { [[ -d node_modules ]] || npm ci --no-audit --no-fund --loglevel=error; } && npm test --silent)
echo "==> pytest"
set +e
.venv/bin/python -m pytest -q -ra "$@"
code=$?
set -e
if [[ $code -eq 5 ]]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit $code
