#!/usr/bin/env bash
# The consumer tests of the package (tests/consumers): packs pkg/ with `npm pack`, installs the
# tarball into tests/consumers (one node_modules for every app), then builds and runs an app with
# Vite (build and dev), webpack, esbuild, Rollup, Next.js and a plain module script in headless
# Chromium, checks the hooks and server rendering, and runs tsc --strict over every export.
# Needs a built pkg/ (scripts/build-pkg.sh). Prints each app's time.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/consumers
if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.lock-installed"; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.lock-installed)
fi
pack_dir="$(mktemp -d)"
(cd pkg && npm pack --silent --pack-destination "$pack_dir" >/dev/null)
tarball="$(ls "$pack_dir"/*.tgz)"
# The tarball is installed without touching package.json or the lock.
(cd "$dir" && rm -rf node_modules/sheetlog && mkdir -p node_modules/sheetlog && tar -xzf "$tarball" -C node_modules/sheetlog --strip-components=1)
rm -rf "$pack_dir"
cd "$dir" && node --test --test-reporter=tap --test-concurrency=1 run.test.mjs
