//! Fuzz target `csv_import`: see `sheetlog_fuzz::checks::csv_import` for the input layout and the
//! properties checked. Crash inputs go to `tests/fuzz_crashers/csv_import/` (replayed by `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sheetlog_fuzz::checks::csv_import(data);
});
