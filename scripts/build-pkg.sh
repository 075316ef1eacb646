#!/usr/bin/env bash
# Builds the npm package with wasm-pack (release, wasm-opt 132) into the given dir (default pkg/)
# and makes its .d.ts precise. Extra arguments go to cargo (e.g. --features bench).
# The glue must keep the name sheetlog.js: the worker entry module imports it by that name.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out="${1:-pkg}"
shift || true
wasm-pack build --release --mode no-install --target web --out-dir "$out" --out-name sheetlog . "$@"
node scripts/fix-dts.mjs "$out"
