#!/usr/bin/env bash
# The export benchmark of BENCHMARKS.md (issue 9, item 4): exportCsv (one string) against
# exportCsvBlob (streamed: tiles read stripe by stripe, written in parts) on a sheet of ROWS x 10
# cells (default 200,000 rows),
# with the longest the main thread was held during each, in headless Chromium. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg
bash scripts/www-deps.sh
node www/bench/run.mjs "bench/export.html?rows=${ROWS:-200000}" --timeout-seconds 1200
