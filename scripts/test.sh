#!/usr/bin/env bash
# Runs every test of sheetlog on a fresh Debian 12 machine (README, second command):
# installs the tools it needs, then native tests, the fuzz targets for a bounded time (where
# nightly and cargo-fuzz are installed), browser tests in headless Chromium and
# Firefox ESR, a release build of pkg/ loaded in Node, the API reference, the www/ type check and
# build, the demo's end-to-end tests in headless Chromium, and the consumer apps of the packed
# package (tests/consumers) in headless Chromium.
# Exits non-zero on the first failure; ends with a "N passed, N failed" line over all runners.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh

RESULTS="$(mktemp)"
# Browser drivers leave their profiles (50-70 MB each, one per test binary and browser) in the
# temporary directory when the runner ends the session: every temporary file of this run goes
# into one scratch directory, removed at exit, so repeated runs do not fill the disk.
SCRATCH="$(mktemp -d)"
trap 'rm -f "$RESULTS"; rm -rf "$SCRATCH"' EXIT
export TMPDIR="$SCRATCH"
free_kib=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "${free_kib:-0}" -lt $((12 * 1024 * 1024)) ]; then
  echo "warning: $((free_kib / 1024)) MiB free on $(df -P . | awk 'NR==2 {print $6}'); a cold run needs about 12 GiB (target/, fuzz/target, node_modules, browser profiles)" >&2
fi
step() { printf '\n=== %s\n' "$*"; }
# Runs a test command, echoing its output and keeping its "test result:" lines for the total.
run_tests() {
  local out
  out="$(mktemp)"
  if ! "$@" 2>&1 | tee "$out"; then
    echo "FAILED: $*" >&2
    exit 1
  fi
  grep -E '^test result:|^# (pass|fail) ' "$out" >> "$RESULTS" || true
  rm -f "$out"
}

lock_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
cli_version=$(wasm-bindgen --version | awk '{print $2}')
if [ "$lock_version" != "$cli_version" ]; then
  echo "wasm-bindgen in Cargo.lock ($lock_version) differs from the CLI ($cli_version): see TOOLCHAIN.md trap 4" >&2
  exit 1
fi

step "format and lints"
cargo fmt --all --check
# At most four JS snippet modules (wasm_bindgen module = "/js/..." files, plus one per inline_js):
# a fifth stalls browser test pages for 300 s now and then (see the top of js/boundary.js).
snippets=$({ grep -rhoE 'module = "/[^"]+"|inline_js *=' src || true; } | awk '/^inline_js/ {n++; next} !seen[$0]++ {n++} END {print n + 0}')
if [ "$snippets" -gt 4 ]; then
  echo "the package has $snippets JS snippet modules; at most 4 (see the top of js/boundary.js)" >&2
  exit 1
fi
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --workspace --all-targets -- -D warnings

step "native tests (cargo test)"
run_tests cargo test

step "fuzz targets, 8 s each (nightly and cargo-fuzz; skipped with a notice where they are missing)"
FUZZ_SECONDS=8 bash scripts/fuzz.sh

# Each test may take up to 300 s: the 5,000,000-cell import of browser_import_memory takes
# about 25 s in a debug build (the runner's default limit is 20 s).
step "browser tests in headless Chromium"
run_tests env CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=300 wasm-pack test --headless --chrome

step "browser tests in headless Firefox ESR"
run_tests env GECKODRIVER="$(command -v geckodriver)" WASM_BINDGEN_TEST_TIMEOUT=300 wasm-pack test --headless --firefox

step "release package: build, load in Node, check the .d.ts"
bash scripts/build-pkg.sh pkg
node scripts/smoke-pkg.mjs
node scripts/smoke-reads.mjs

step "API reference: typedoc over the package's .d.ts"
bash scripts/api-docs.sh

step "www: type check and build against pkg/"
bash scripts/www-deps.sh
(cd www && npx tsc --noEmit && npx vite build --logLevel warn)

step "end-to-end tests of the demo (Playwright driving headless Chromium, vite preview)"
run_tests bash -c 'cd www && node --test --test-reporter=tap e2e/demo.test.mjs e2e/storage.test.mjs e2e/spreadsheet.test.mjs'

step "consumer apps of the packed package: Vite, webpack, esbuild, Rollup, Next.js, plain module script; hooks; tsc --strict"
run_tests bash scripts/test-consumers.sh

passed=$(awk '/^# pass / {s += $3; next} {for (i = 1; i <= NF; i++) if ($i ~ /^passed/) s += $(i - 1)} END {print s + 0}' "$RESULTS")
failed=$(awk '/^# fail / {s += $3; next} {for (i = 1; i <= NF; i++) if ($i ~ /^failed/) s += $(i - 1)} END {print s + 0}' "$RESULTS")
printf '\nall test runs: %s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
