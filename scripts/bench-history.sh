#!/usr/bin/env bash
# The time-travel benchmark of BENCHMARKS.md (issue 11): the 1,000,000 x 10 sheet with
# 100,000 entries of history in IndexedDB; versionAt to 20 random past entries and undo of a
# 10,000-row deletion, in headless Chromium. Prints the figures. HISTORY=20000 shortens it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
node www/bench/run.mjs "bench/history.html?history=${HISTORY:-100000}" --timeout-seconds 1800
