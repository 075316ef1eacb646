//! Fuzz target `engine_faults` (issue 12, item 6; structure-aware, after redb's fuzzer): the
//! fuzzer's bytes are read as steps of the fault model shared with the stable model test
//! (`tests/engine_common/fault_model.rs`: two engines on one memory log and blob store that fail,
//! time out, fail after committing or corrupt reads on command, with workflows and reopens),
//! four bytes a step. The model's checks (every failure typed, nothing shown that no write put
//! there, no acknowledged edit lost after a heal) panic on a violation, which the fuzzer keeps.
//! A crash input goes to `tests/fuzz_crashers/engine_faults/`, replayed by `cargo test`.
#![no_main]

#[path = "../../tests/engine_common/mod.rs"]
mod engine_common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let steps = engine_common::fault_model::steps_from_bytes(data);
    if let Err(violation) = engine_common::fault_model::run(steps) {
        panic!("{violation}");
    }
});
