#!/usr/bin/env bash
# Installs www/'s npm dependencies from the lock file unless they are already in place.
# Needs pkg/ to exist (www depends on file:../pkg); builds a dev pkg/ first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ ! -f pkg/package.json ]; then
  wasm-pack build --dev --mode no-install --target web --out-dir pkg . >&2
fi
if [ ! -f www/node_modules/.package-lock.json ] || ! cmp -s www/package-lock.json www/node_modules/.lock-installed; then
  (cd www && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.lock-installed)
fi
