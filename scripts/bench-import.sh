#!/usr/bin/env bash
# The import benchmark of BENCHMARKS.md (issue 4): zipcodes.csv into the demo in headless
# Chromium; time to the first screen after reload; storage used. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh pkg
bash scripts/www-deps.sh
(cd www && npx vite build --logLevel warn)
node www/bench/import-demo.mjs
