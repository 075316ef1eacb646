#!/usr/bin/env bash
# The reads benchmark of BENCHMARKS.md (issue 9, item 6): getCellValue over a loaded viewport of
# text and of numbers, next to a plain JS array in the same run, in headless Chromium. Prints
# the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg
bash scripts/www-deps.sh
node www/bench/run.mjs bench/reads.html --timeout-seconds 900
