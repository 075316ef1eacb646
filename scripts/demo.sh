#!/usr/bin/env bash
# Builds the sheetlog package and the www/ demo and serves it on localhost (README, first
# command). Installs what it needs first; Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh pkg
bash scripts/www-deps.sh
cd www
echo "sheetlog demo: http://127.0.0.1:${PORT:-5173}/"
exec npx vite --host 127.0.0.1 --port "${PORT:-5173}" --strictPort
