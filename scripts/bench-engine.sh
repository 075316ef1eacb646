#!/usr/bin/env bash
# The engine benchmark of BENCHMARKS.md (issue 3): N acknowledged edits through SpreadsheetData
# on IndexedDB with worker snapshots, then a fresh open with a 40 x 15 viewport, in headless
# Chromium. Prints the figures. SIZES=1000,10000 limits the sizes (default 1000,10000,100000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
node www/bench/run.mjs "bench/engine.html?sizes=${SIZES:-1000,10000,100000}" --timeout-seconds 1800
