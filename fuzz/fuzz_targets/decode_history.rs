//! Fuzz target `decode_history`: the history blob decoder and the lifecycle records (catalog,
//! lease); see `sheetlog_fuzz::checks::decode_history` for the input layout and the properties
//! checked. Crash inputs go to `tests/fuzz_crashers/decode_history/` (replayed by `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sheetlog_fuzz::checks::decode_history(data);
});
