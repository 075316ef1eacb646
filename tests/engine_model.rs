//! Model-based property test of the engine (DESIGN.md section 8): random sequences of cell
//! edits, clears, edits by a second client (conflicts), snapshots, syncs and reopens, with small
//! 4 x 4 tiles so tile edges are crossed. After every step every cell of the engine equals a naive
//! reference grid, for the newest version and for every version held from earlier steps.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::collections::HashMap;
use std::rc::Rc;

use engine_common::{small_tiles, Harness};
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::{run_workflow, ContentVersion, Engine, LoadStatus};
use sheetlog::log::{EventLog, MemoryEventLog, Workflow};
use sheetlog::model::{CellValue, ErrorCode, Format};
use sheetlog::snapshot::{CellContent, TileSize};

const SIDE: u64 = 11;

#[derive(Debug, Clone)]
enum Step {
    Set { row: u64, col: u64, value: CellValue, format: Option<&'static str> },
    Clear { row: u64, col: u64 },
    OtherSet { row: u64, col: u64, value: CellValue },
    Snapshot,
    Sync,
    Reopen,
    Hold,
}

fn value() -> impl Strategy<Value = CellValue> {
    prop_oneof![
        (-50i32..50).prop_map(|n| CellValue::Number(f64::from(n))),
        "[a-c]{0,3}".prop_map(|s| CellValue::Text(s.into())),
        any::<bool>().prop_map(CellValue::Boolean),
        Just(CellValue::Empty),
        Just(CellValue::Error(ErrorCode::NA)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let cell = (0..SIDE, 0..SIDE);
    prop_oneof![
        6 => (cell.clone(), value(), prop::option::of(prop_oneof![Just("0.00"), Just("0%")]))
            .prop_map(|((row, col), value, format)| Step::Set { row, col, value, format }),
        2 => cell.clone().prop_map(|(row, col)| Step::Clear { row, col }),
        2 => (cell, value()).prop_map(|((row, col), value)| Step::OtherSet { row, col, value }),
        1 => Just(Step::Snapshot),
        1 => Just(Step::Sync),
        1 => Just(Step::Reopen),
        1 => Just(Step::Hold),
    ]
}

type Grid = HashMap<(u64, u64), CellContent>;
type TestEngine = Engine<MemoryEventLog, MemoryBlobStore>;

fn check(version: &ContentVersion, grid: &Grid, extent: (u64, u64), what: &str) -> Result<(), TestCaseError> {
    for row in 0..SIDE + 1 {
        for col in 0..SIDE + 1 {
            let expected = grid.get(&(row, col)).filter(|c| !c.is_tombstone());
            let actual = version.cell(row, col);
            prop_assert_eq!(actual.as_ref(), expected, "{} cell ({}, {})", what, row, col);
        }
    }
    prop_assert_eq!((version.row_count(), version.column_count()), extent, "{} counts", what);
    Ok(())
}

fn run_steps(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut h = Harness::new();
    let log = MemoryEventLog::with_page_size(4);
    let blobs = MemoryBlobStore::with_page_size(3);
    let open = |h: &mut Harness| -> TestEngine { h.open(log.clone(), blobs.clone(), small_tiles(3)) };
    let mut engine = open(&mut h);
    let other = open(&mut h);
    let mut grid = Grid::new();
    let mut extent = (0u64, 0u64);
    let mut held: Vec<(Rc<ContentVersion>, Grid, (u64, u64))> = Vec::new();
    for (i, step) in steps.into_iter().enumerate() {
        let mut write = |row: u64, col: u64, content: CellContent| {
            grid.insert((row, col), content);
            extent = (extent.0.max(row + 1), extent.1.max(col + 1));
        };
        match step.clone() {
            Step::Set { row, col, value, format } => {
                let format = format.map(|f| Format::new(f).unwrap());
                h.run(engine.set_cell(row, col, Some(value.clone()), format.clone())).unwrap();
                write(row, col, CellContent { value: Some(value), format });
            }
            Step::Clear { row, col } => {
                h.run(engine.set_cell(row, col, None, None)).unwrap();
                write(row, col, CellContent::tombstone());
            }
            Step::OtherSet { row, col, value } => {
                h.run(other.set_cell(row, col, Some(value.clone()), None)).unwrap();
                write(row, col, CellContent { value: Some(value), format: None });
                h.run(engine.sync()).unwrap();
            }
            Step::Snapshot => {
                let end = h.run(log.bounds()).unwrap().end;
                if end > 0 {
                    h.run(run_workflow(&log, &blobs, end - 1, Workflow::Snapshot, TileSize::new(4, 4).unwrap()))
                        .unwrap();
                }
            }
            Step::Sync => h.run(engine.sync()).unwrap(),
            Step::Reopen => engine = open(&mut h),
            Step::Hold => held.push((engine.snapshot(), grid.clone(), extent)),
        }
        let version = engine.snapshot();
        prop_assert_eq!(version.load_status(), &LoadStatus::Ready, "step {}: {:?}", i, step);
        check(&version, &grid, extent, &format!("step {i} {step:?}, newest"))?;
        for (j, (old, old_grid, old_extent)) in held.iter().enumerate() {
            check(old, old_grid, *old_extent, &format!("step {i}, held version {j}"))?;
        }
    }
    // A fresh client sees the same sheet.
    let fresh = open(&mut h);
    check(&fresh.snapshot(), &grid, extent, "fresh client")?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_a_naive_grid(steps in prop::collection::vec(step(), 1..60)) {
        run_steps(steps)?;
    }
}
