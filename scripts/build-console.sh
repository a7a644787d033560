#!/usr/bin/env bash
# Build the operator console (console/, React + TypeScript + Vite) into ggpgfx/console_dist/, which ships
# inside the Python package and is served at /console/. Installs Debian's nodejs/npm when missing, then
# `npm ci` and `npm run build`; does nothing (one notice) when the build is newer than its sources.
#   scripts/build-console.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."
dist=ggpgfx/console_dist/index.html
sources=(console/src console/index.html console/package.json console/package-lock.json console/vite.config.ts console/tsconfig.json)

if [[ "${1:-}" != "--force" && -f "$dist" ]] && [[ -z "$(find "${sources[@]}" -newer "$dist" -print -quit)" ]]; then
  echo "==> console: build is up to date (ggpgfx/console_dist)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "==> apt-get install nodejs npm (to build the console)"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
# Vite 8 needs Node 20.19+ (or 22.12+).
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)||(a>20&&a<22)?0:1)'; then
  echo "==> console: Node $(node --version) is too old to build it (needs 20.19+); /console/ will say it is not built" >&2
  exit 0
fi

cd console
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "==> console: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> console: npm run build"
npm run build --silent
