#!/usr/bin/env bash
# Builds the npm package with wasm-pack (release, wasm-opt 132) into the given dir (default pkg/),
# makes its .d.ts precise and assembles the published package around the glue: the entry
# index.js, the worker entry sheetlog-worker.js, sheetlog/react and sheetlog/glide, package.json
# and the package's README (scripts/assemble-pkg.mjs). A second argument names the crate to
# build (default `.`, the package): `bench` builds the benchmark programs' module (the whole
# package plus their entry points) for www/bench-pkg. Extra arguments go to cargo.
# SHEETLOG_WASM_BUILD=profiling builds with wasm-pack's profiling profile instead: the same
# cargo release build and wasm-opt passes, keeping the wasm name section so that CPU profiles
# name Rust functions (scripts/bench-import-profile.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out="${1:-pkg}"
crate="${2:-.}"
shift 2 || shift || true
bash scripts/js-deps.sh
[ -n "$out" ] && [ "$out" != "/" ] && rm -rf -- "$out"
out_abs="$(realpath -m "$out")"
case "${SHEETLOG_WASM_BUILD:-release}" in
  release) build=--release ;;
  profiling) build=--profiling ;;
  *) echo "SHEETLOG_WASM_BUILD must be release or profiling" >&2; exit 2 ;;
esac
wasm-pack build "$build" --mode no-install --target web --out-dir "$out_abs" --out-name sheetlog "$crate" "$@"
node scripts/fix-dts.mjs "$out"
node scripts/assemble-pkg.mjs "$out"
