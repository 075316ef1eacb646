#!/usr/bin/env bash
# The kill campaign of issue 12 (BENCHMARKS.md): SIGKILLs a Chromium launched for the purpose
# while it writes through sheetlog (snapshots, compactions and garbage collection running in the
# worker), reopens the sheet and counts acknowledged edits lost and wrong values. Not part of
# scripts/test.sh: 1,000 trials take hours. Builds the package and the demo, serves a copy of the
# build so a long campaign is apart from rebuilds, then runs www/e2e/kill-campaign.mjs with the
# given arguments, e.g.
#   bash scripts/kill-campaign.sh --trials 1000 --out /tmp/kill
#   bash scripts/kill-campaign.sh --trials 200 --raw    # plain IndexedDB, no sheetlog
# Exit status 0 when no acknowledged edit was lost silently and no value was wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
source scripts/env.sh
bash scripts/build-pkg.sh pkg
bash scripts/www-deps.sh
(cd www && npx vite build --logLevel warn)
dist="$(mktemp -d /tmp/sheetlog-kill-dist.XXXXXX)"
trap 'rm -rf "$dist"' EXIT
cp -r www/dist/. "$dist"
node www/e2e/kill-campaign.mjs --dist "$dist" "$@"
