#!/usr/bin/env bash
# Where the time of the demo's layer import goes in its worker (issue 9; BENCHMARKS.md): builds
# the package keeping the wasm name section (SHEETLOG_WASM_BUILD=profiling: the release
# optimizations plus names) and the demo, imports one file of scripts/bench-data.sh (default
# flights.csv) through the demo's file input in headless Chromium with V8's sampling profiler
# running in the demo's worker, and prints the rate and the self time by function. The profile
# is kept at $PROFILE (default /tmp/sheetlog-import-worker.cpuprofile). Leaves pkg/ as a
# profiling build: rebuild it (scripts/build-pkg.sh) before publishing. Asserts nothing.
#   bash scripts/bench-import-worker-profile.sh [file.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
SHEETLOG_WASM_BUILD=profiling bash scripts/build-pkg.sh pkg
bash scripts/www-deps.sh
(cd www && npx vite build --logLevel warn)
data="$(bash scripts/bench-data.sh)"
dist="$(mktemp -d /tmp/sheetlog-bench-dist.XXXXXX)"
trap 'rm -rf "$dist"' EXIT
cp -r www/dist/. "$dist"
node www/bench/import-worker-profile.mjs "$data/${1:-flights.csv}" "$dist" "${PROFILE:-/tmp/sheetlog-import-worker.cpuprofile}"
