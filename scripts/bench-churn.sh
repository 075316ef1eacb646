#!/usr/bin/env bash
# The churn benchmark of BENCHMARKS.md (issue 10): 1,000,000 edits by batches of 100 into a
# 10,000-cell region of a 1,000,000-cell sheet; stored bytes by kind every 100,000 edits, next to
# one fresh snapshot of the final sheet. EDITS=200000 shortens it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh www/bench-pkg bench
bash scripts/www-deps.sh
node www/bench/run.mjs "bench/churn.html?edits=${EDITS:-1000000}" --timeout-seconds 3000
