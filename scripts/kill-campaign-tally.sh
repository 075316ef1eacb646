#!/usr/bin/env bash
# Totals of a kill campaign (BENCHMARKS.md) from its per-trial lines, also for a campaign stopped
# before its summary:   bash scripts/kill-campaign-tally.sh LOG OUT
# LOG is the campaign's output, OUT its --out dir (for the count of launches at which Chromium
# deleted the origin's IndexedDB). A loss is silent when the sheet opened anyway.
set -euo pipefail
log=$1
out=$2
awk '/^trial [0-9]+:/ {
  trials++
  if (match($0, /acknowledged [0-9]+/)) acked += substr($0, RSTART + 13, RLENGTH - 13)
  if (match($0, /lost [0-9]+/)) {
    n = substr($0, RSTART + 5, RLENGTH - 5); lost += n
    if (n > 0 && $0 !~ /open failed|reported/) { silent += n; silent_trials++ }
  }
  if (match($0, /wrong [0-9]+/)) wrong += substr($0, RSTART + 6, RLENGTH - 6)
}
END { printf "trials %d, acknowledged %d, lost %d (silent %d in %d trials), wrong %d\n", trials, acked, lost, silent, silent_trials, wrong }' "$log"
wiped=$(grep -l 'recovering from a corrupted' "$out"/chromium-*.txt 2>/dev/null | wc -l)
echo "launches at which Chromium deleted the store: $wiped"
