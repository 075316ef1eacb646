# Sourced by the other scripts: puts the tools of install-tools.sh first on PATH.
# Browser drivers are NOT exported here: wasm-bindgen-test-runner uses GECKODRIVER whenever it
# is set, so each browser run names exactly one driver (see scripts/test.sh).
TOOLS="${SHEETLOG_TOOLS:-$HOME/.cache/sheetlog-tools}"
export PATH="$TOOLS/bin:$TOOLS/binaryen/node_modules/.bin:$HOME/.cargo/bin:$PATH"
unset CHROMEDRIVER GECKODRIVER SAFARIDRIVER
