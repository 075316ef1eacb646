#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a bounded time and prints, per target, executions per
# second and total runs (DESIGN.md section 8; TOOLCHAIN.md "Fuzzing and nightly").
#
#   FUZZ_SECONDS=10 bash scripts/fuzz.sh            every target, 10 s each (the default)
#   FUZZ_SECONDS=30 bash scripts/fuzz.sh csv_import  only the targets named
#
# Needs nightly and cargo-fuzz (`rustup toolchain install nightly --profile minimal`,
# `cargo install cargo-fuzz --locked`); without them it prints a notice and exits 0.
# Seeds each empty corpus (fuzz/corpus/<target>, not committed) from tests/golden. A crash
# leaves its input in fuzz/artifacts/<target>/: fix it, then keep the input under
# tests/fuzz_crashers/<target>/ so stable `cargo test` replays it. Exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: SKIPPED: \`cargo +nightly fuzz\` is not available (install nightly and cargo-fuzz, see TOOLCHAIN.md)"
  exit 0
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# seed TARGET NAME MODE-BYTE FILE SKIP: writes MODE-BYTE then FILE from byte SKIP+1 on.
seed() {
  local dir="fuzz/corpus/$1"
  mkdir -p "$dir"
  { printf "\\x$3"; tail -c "+$(($5 + 1))" "$4"; } > "$dir/$2"
}
seed_corpus() {
  local target="$1" f
  [ -n "$(ls -A "fuzz/corpus/$target" 2>/dev/null)" ] && return 0
  mkdir -p "fuzz/corpus/$target"
  case "$target" in
    decode_entry)
      for f in tests/golden/entry_v2/*.bin; do
        seed "$target" "v2-whole-$(basename "$f")" 00 "$f" 0
        seed "$target" "v2-body-$(basename "$f")" 01 "$f" 5
      done
      for f in tests/golden/entry_v1/*.bin; do seed "$target" "v1-body-$(basename "$f")" 02 "$f" 1; done
      ;;
    decode_tile | decode_index)
      local format=${target#decode_}
      for f in tests/golden/"$format"_v1/*.bin; do
        seed "$target" "whole-$(basename "$f")" 00 "$f" 0
        seed "$target" "body-$(basename "$f")" 01 "$f" 9
      done
      ;;
    decode_history)
      local dir="fuzz/corpus/$target"
      for f in tests/golden/history_v1/*.bin; do
        [ -e "$f" ] || continue
        seed "$target" "whole-$(basename "$f")" 00 "$f" 0
        seed "$target" "body-$(basename "$f")" 01 "$f" 9
      done
      for f in tests/golden/catalog_v1/*.bin; do seed "$target" "catalog-$(basename "$f")" 02 "$f" 9; done
      for f in tests/golden/lease_v1/*.bin; do seed "$target" "lease-$(basename "$f")" 03 "$f" 9; done
      for f in tests/golden/undo_v1/*.bin; do seed "$target" "undo-$(basename "$f")" 08 "$f" 9; done
      ;;
    csv_import)
      # start row 0, start column 0, batch size 2, then length-prefixed chunks.
      printf '\x00\x00\x02\x05a,1\n"\x05x""y"\x03,2\n' > "fuzz/corpus/$target/quoted"
      printf '\x00\x00\x03\x0d\xef\xbb\xbfA,B,C\r\n1,2\x10,3\r\ntrue,,"x\ny"\n' > "fuzz/corpus/$target/bom-crlf"
      ;;
    engine_faults)
      # Four bytes a step (tests/engine_common/fault_model.rs, steps_from_bytes): writes by
      # both clients, a batch, log and blob faults armed, settle, reopen, an import, heal.
      printf '\x00\x00\x01\x02\x00\x01\x03\x04\x06\x00\x11\x21\x09\x00\x00\x02\x00\x00\x05\x01\x0c\x00\x00\x00\x0a\x01\x03\x01\x00\x01\x02\x02\x10\x00\x00\x00\x11\x01\x12\x23\x0f\x00\x00\x00' > "fuzz/corpus/$target/mixed"
      ;;
  esac
}

echo "fuzz: building ${#targets[@]} targets (nightly, release, debug assertions)"
cargo +nightly fuzz build

summary=()
failed=0
for target in "${targets[@]}"; do
  seed_corpus "$target"
  log="$(mktemp)"
  echo "fuzz: $target for ${FUZZ_SECONDS} s"
  status=0
  cargo +nightly fuzz run "$target" -- -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
    -rss_limit_mb=1024 -malloc_limit_mb=256 >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    failed=1
    tail -40 "$log"
    summary+=("$(printf '%-14s CRASHED (exit %s): input in fuzz/artifacts/%s/' "$target" "$status" "$target")")
  else
    summary+=("$(printf '%-14s %10s execs/s %12s runs in %s s' "$target" "${rate:-?}" "${runs:-?}" "$FUZZ_SECONDS")")
  fi
  rm -f "$log"
done

echo
echo "fuzz summary (${FUZZ_SECONDS} s per target):"
printf '  %s\n' "${summary[@]}"
exit "$failed"
