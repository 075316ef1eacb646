#!/usr/bin/env bash
# Builds the npm package with wasm-pack (release, wasm-opt 132) into the given dir (default pkg/),
# makes its .d.ts precise and assembles the published package around the glue: the entry
# index.js, the worker entry sheetlog-worker.js, sheetlog/react and sheetlog/glide, package.json
# and the package's README (scripts/assemble-pkg.mjs). Extra arguments go to cargo (e.g.
# --features bench).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out="${1:-pkg}"
shift || true
bash scripts/js-deps.sh
[ -n "$out" ] && [ "$out" != "/" ] && rm -rf -- "$out"
wasm-pack build --release --mode no-install --target web --out-dir "$out" --out-name sheetlog . "$@"
node scripts/fix-dts.mjs "$out"
node scripts/assemble-pkg.mjs "$out"
