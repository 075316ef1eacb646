#!/usr/bin/env bash
# Installs the build tools of the package's JS parts (js/package.json: TypeScript, the React and
# Glide types, typedoc) from the lock file unless they are already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f js/node_modules/.package-lock.json ] || ! cmp -s js/package-lock.json js/node_modules/.lock-installed; then
  (cd js && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.lock-installed)
fi
