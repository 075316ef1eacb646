#!/usr/bin/env bash
# The storage benchmark of BENCHMARKS.md: raw IndexedDB puts vs group-committed IdbEventLog
# appends, in headless Chromium. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
node www/bench/run.mjs bench/storage.html
