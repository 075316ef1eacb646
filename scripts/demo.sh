#!/usr/bin/env bash
# Builds the sheetlog package and a production build of the www/ demo, then serves it on
# localhost (README, first command). A production build because the offline service worker only
# runs there. Installs what it needs first; Ctrl-C stops the server. PORT picks the port.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh pkg
bash scripts/www-deps.sh
cd www
npx vite build
echo "sheetlog demo: http://127.0.0.1:${PORT:-5173}/"
exec npx vite preview --host 127.0.0.1 --port "${PORT:-5173}" --strictPort
