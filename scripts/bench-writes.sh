#!/usr/bin/env bash
# The write benchmark of BENCHMARKS.md (issue 8): edits through SpreadsheetData on IndexedDB
# (awaited, not awaited, batch writes, memory over 200k edits) next to raw IndexedDB puts and
# IdbEventLog's group commit, in headless Chromium. Prints the figures.
# SIZES=1000,10000,40000 and MEMORY=200000 change the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
node www/bench/run.mjs "bench/writes.html?sizes=${SIZES:-1000,10000,40000}&memory=${MEMORY:-200000}" --timeout-seconds 1800
