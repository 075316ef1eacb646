#!/usr/bin/env bash
# Installs every tool sheetlog's build and tests need on a fresh Debian 12 machine, skipping
# each one already present at the right version. Versions and traps: shared/TOOLCHAIN.md.
#
# Tools go to $SHEETLOG_TOOLS (default ~/.cache/sheetlog-tools); source scripts/env.sh after
# this to put them on PATH. Safe to run again: a warm run takes seconds.
set -euo pipefail

TOOLS="${SHEETLOG_TOOLS:-$HOME/.cache/sheetlog-tools}"
WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
GECKODRIVER_VERSION=0.37.1
BINARYEN_VERSION=132.0.0
mkdir -p "$TOOLS/bin"
export PATH="$TOOLS/bin:$TOOLS/binaryen/node_modules/.bin:$HOME/.cargo/bin:$PATH"

log() { printf '[install-tools] %s\n' "$*" >&2; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian packages: Chromium with its driver, Firefox ESR. Never Debian's binaryen (trap 1).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v firefox-esr >/dev/null || missing+=(firefox-esr)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
  log "chromium, chromedriver, firefox-esr present"
fi

# rustfmt and clippy: scripts/test.sh checks formatting and lints.
for component in rustfmt clippy; do
  installed_components="$(rustup component list --installed 2>/dev/null || true)"
  if ! grep -q "^$component" <<<"$installed_components"; then
    log "rustup component add $component"
    rustup component add "$component"
  fi
done

installed_targets="$(rustup target list --installed)"
if ! grep -qx wasm32-unknown-unknown <<<"$installed_targets"; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# cargo_tool BIN VERSION CRATE [extra cargo install flags...]
cargo_tool() {
  local bin=$1 version=$2 crate=$3; shift 3
  # Capture first: `tool --version | grep -q` fails under pipefail when grep exits early (SIGPIPE).
  local found=""
  [ -x "$TOOLS/bin/$bin" ] && found="$("$TOOLS/bin/$bin" --version 2>/dev/null || true)"
  if [[ "$found" == *" $version"* ]]; then
    log "$bin $version present"
    return
  fi
  log "cargo install $crate $version (takes minutes on 2 cores)"
  cargo install --quiet --root "$TOOLS" "$crate" --version "$version" --force "$@"
}
# wasm-bindgen-cli without --locked: its lock file wants a crate the registry lacks.
cargo_tool wasm-bindgen "$WASM_BINDGEN_VERSION" wasm-bindgen-cli
cargo_tool wasm-pack "$WASM_PACK_VERSION" wasm-pack --locked
cargo_tool geckodriver "$GECKODRIVER_VERSION" geckodriver

wasm_opt_found=""
[ -x "$TOOLS/binaryen/node_modules/.bin/wasm-opt" ] \
  && wasm_opt_found="$("$TOOLS/binaryen/node_modules/.bin/wasm-opt" --version 2>/dev/null || true)"
if [[ "$wasm_opt_found" == *"version ${BINARYEN_VERSION%%.*}"* ]]; then
  log "binaryen $BINARYEN_VERSION present"
else
  log "npm binaryen@$BINARYEN_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/binaryen" "binaryen@$BINARYEN_VERSION"
fi
log "tools ready in $TOOLS"
