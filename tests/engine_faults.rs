//! Model-based test of the engine over a `FaultyStore` (issue 12, item 6): the model of
//! `engine_common::fault_model` (two clients, faults on command, workflows, reopens; its checks
//! after every step and after each heal) over random steps. The fuzz target
//! `fuzz/fuzz_targets/engine_faults.rs` runs the same model from fuzzer bytes.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use engine_common::fault_model::{run, steps_from_bytes, Step, World, CLIENTS, COLS, ROWS};
use engine_common::faulty::{Fault, Target};
use proptest::prelude::*;
use sheetlog::engine::EngineError;
use sheetlog::model::CellValue;

fn step() -> impl Strategy<Value = Step> {
    let target = prop_oneof![Just(Target::Log), Just(Target::Blobs)];
    let fault =
        prop_oneof![Just(Fault::Fail), Just(Fault::TimeOut), Just(Fault::FailAfterCommit), Just(Fault::Corrupt)];
    prop_oneof![
        6 => (0..CLIENTS, 0..ROWS, 0..COLS).prop_map(|(client, row, col)| Step::Write { client, row, col }),
        3 => (0..CLIENTS, 0..ROWS, 0..COLS, 1..4u64, 1..4u64)
            .prop_map(|(client, row, col, rows, cols)| Step::Batch { client, row, col, rows, cols }),
        2 => (0..CLIENTS, 0..ROWS, 0..COLS, 1..4u64, 1..4u64)
            .prop_map(|(client, row, col, rows, cols)| Step::Import { client, row, col, rows, cols }),
        3 => (target, fault, 1..5u32).prop_map(|(target, fault, count)| Step::Arm { target, fault, count }),
        3 => Just(Step::Settle),
        1 => Just(Step::Heal),
        1 => (0..CLIENTS).prop_map(|client| Step::Reopen { client }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_acknowledged_edit_is_lost_and_every_failure_is_typed(steps in prop::collection::vec(step(), 1..60)) {
        run(steps).map_err(TestCaseError::fail)?;
    }
}

/// The plan itself: a fault fires on its target only, `count` times, and heal disarms it.
#[test]
fn faults_fire_on_their_target_and_run_out() {
    let mut w = World::new();
    w.faults.arm(Target::Log, Fault::Fail, 2);
    let first = w.engines[0].set_cell(0, 0, Some(CellValue::Number(1.0)), None);
    let first = w.h.run(first);
    assert!(matches!(first, Err(EngineError::Log(_))), "{first:?}");
    let fired = w.faults.fired();
    assert!(fired >= 1);
    w.faults.heal();
    let second = w.engines[0].set_cell(0, 0, Some(CellValue::Number(2.0)), None);
    assert!(w.h.run(second).is_ok());
    assert_eq!(w.faults.fired(), fired, "healed: no more faults");
}

/// The fuzz target's reading of bytes as steps: four bytes a step, each argument reduced to its
/// range, a trailing partial step ignored.
#[test]
fn fuzzer_bytes_read_as_steps() {
    let bytes =
        [0, 1, 9, 9, 6, 0, 0x11, 0x21, 9, 1, 3, 2, 12, 0, 0, 0, 15, 0, 0, 0, 16, 1, 0, 0, 17, 1, 0x12, 0x23, 0xff];
    let steps = steps_from_bytes(&bytes);
    assert_eq!(
        format!("{steps:?}"),
        "[Write { client: 1, row: 1, col: 3 }, Batch { client: 0, row: 1, col: 3, rows: 1, cols: 2 }, \
         Arm { target: Blobs, fault: Corrupt, count: 3 }, Settle, Heal, Reopen { client: 1 }, \
         Import { client: 1, row: 2, col: 5, rows: 1, cols: 2 }]"
    );
}

/// Every input kept from the fuzz target `engine_faults` under `tests/fuzz_crashers/engine_faults/`
/// passes the model's checks (how to keep one: tests/fuzz_crashers/README.md).
#[test]
fn kept_engine_faults_inputs_pass() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_crashers/engine_faults");
    let Ok(files) = std::fs::read_dir(&dir) else { return };
    for file in files {
        let path = file.expect("a directory entry").path();
        let bytes = std::fs::read(&path).expect("a kept input");
        if let Err(violation) = run(steps_from_bytes(&bytes)) {
            panic!("{}: {violation}", path.display());
        }
    }
}

/// Found by the model once it imported: a client that closed while the snapshot request after
/// its import's entry was being marked never answered the import (the mark's result was dropped
/// after close, and with it the request's waiter).
#[test]
fn an_import_whose_client_closes_as_it_commits_is_answered() {
    let import = Step::Import { client: 0, row: 0, col: 0, rows: 1, cols: 1 };
    run(vec![import, Step::Reopen { client: 0 }]).unwrap();
}

/// Found by the model once it imported: a tile read that failed (here, the import's tile, read
/// by the client that imported it) stayed failed until the viewport moved, so the cell showed
/// nothing after the storage recovered. It is read again on the next sync.
#[test]
fn a_tile_whose_read_failed_is_read_again_on_the_next_sync() {
    let write = Step::Write { client: 0, row: 0, col: 0 };
    let import = Step::Import { client: 0, row: 0, col: 0, rows: 1, cols: 1 };
    let fail = Step::Arm { target: Target::Blobs, fault: Fault::Fail, count: 1 };
    run(vec![write.clone(), write.clone(), write, import, fail, Step::Reopen { client: 1 }]).unwrap();
}
