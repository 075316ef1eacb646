#!/usr/bin/env bash
# The structural-edit benchmark of BENCHMARKS.md (issue 5): a 1,000,000 x 10 sheet in
# IndexedDB, an insert, the next snapshot's bytes, 100 structural edits over 8 layers, cold
# open and reads, in headless Chromium. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
node www/bench/run.mjs bench/structural.html --timeout-seconds 1800
