//! Fuzz target `decode_tile`: see `sheetlog_fuzz::checks::decode_tile` for the input layout and the
//! properties checked. Crash inputs go to `tests/fuzz_crashers/decode_tile/` (replayed by `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sheetlog_fuzz::checks::decode_tile(data);
});
