#!/usr/bin/env bash
# Where the time of a CSV import as a snapshot layer goes (issue 9; BENCHMARKS.md "CSV import
# as a snapshot layer in the browser"): builds www/bench-pkg keeping the wasm name section
# (SHEETLOG_WASM_BUILD=profiling: the release optimizations plus names), imports one file of
# scripts/bench-data.sh (default flights.csv) in the page's thread of headless Chromium under
# V8's sampling profiler and prints the rate, the raw IndexedDB limit of the same page and the
# self time by function. The profile is kept at $PROFILE (default /tmp/sheetlog-import.cpuprofile;
# Chrome DevTools opens it). Prints figures; asserts nothing.
#   bash scripts/bench-import-profile.sh [file.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
SHEETLOG_WASM_BUILD=profiling bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
data="$(bash scripts/bench-data.sh)"
file="${1:-flights.csv}"
mkdir -p www/bench-data
cp "$data/$file" www/bench-data/
trap 'rm -rf www/bench-data' EXIT
node www/bench/run.mjs "bench/import-profile.html?file=$file" --timeout-seconds 1200 \
  --cpu-profile "${PROFILE:-/tmp/sheetlog-import.cpuprofile}"
