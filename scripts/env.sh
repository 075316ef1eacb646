# Sourced by the other scripts: puts the tools of install-tools.sh first on PATH and names the
# browser drivers explicitly (wasm-bindgen-test-runner otherwise takes the first on PATH).
TOOLS="${SHEETLOG_TOOLS:-$HOME/.cache/sheetlog-tools}"
export PATH="$TOOLS/bin:$TOOLS/binaryen/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export GECKODRIVER="${GECKODRIVER:-$TOOLS/bin/geckodriver}"
