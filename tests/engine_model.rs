//! Model-based property test of the engine (DESIGN.md section 8): random sequences of cell
//! edits, clears, inserts and deletes of rows and columns, edits by a second client
//! (conflicts), snapshots, compactions, syncs and reopens, with small 4 x 4 tiles so tile edges
//! are crossed and a layer bound of 2 so snapshots compact often. After every step every cell of the engine equals a naive
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
use sheetlog::log::{Operation, QueryFrom, QueryTo};
use sheetlog::model::{CellValue, ErrorCode, Format};
use sheetlog::snapshot::{CellContent, TileSize};

const SIDE: u64 = 11;

#[derive(Debug, Clone)]
enum Step {
    Set { row: u64, col: u64, value: CellValue, format: Option<&'static str> },
    Clear { row: u64, col: u64 },
    OtherSet { row: u64, col: u64, value: CellValue },
    Structural { op: Operation, other: bool },
    Snapshot,
    Compact,
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
        3 => (0..4u8, 0..SIDE, 1..3u64, prop::bool::weighted(0.25)).prop_map(|(kind, at, count, other)| {
            let op = match kind {
                0 => Operation::InsertRows { at, count },
                1 => Operation::DeleteRows { at, count },
                2 => Operation::InsertColumns { at, count },
                _ => Operation::DeleteColumns { at, count },
            };
            Step::Structural { op, other }
        }),
        1 => Just(Step::Snapshot),
        1 => Just(Step::Compact),
        1 => Just(Step::Sync),
        1 => Just(Step::Reopen),
        1 => Just(Step::Hold),
    ]
}

type Grid = HashMap<(u64, u64), CellContent>;
type TestEngine = Engine<MemoryEventLog, MemoryBlobStore>;

/// Shifts the reference grid and extent like a structural edit shifts the sheet.
fn apply_structural(grid: &mut Grid, extent: &mut (u64, u64), op: &Operation) {
    let shift = |x: u64, at: u64, count: u64, insert: bool| -> Option<u64> {
        if x < at {
            Some(x)
        } else if insert {
            Some(x + count)
        } else if x < at + count {
            None
        } else {
            Some(x - count)
        }
    };
    let shift_extent = |e: u64, at: u64, count: u64, insert: bool| -> u64 {
        if at >= e {
            e
        } else if insert {
            e + count
        } else {
            e - count.min(e - at)
        }
    };
    let (rows, at, count, insert) = match *op {
        Operation::InsertRows { at, count } => (true, at, count, true),
        Operation::DeleteRows { at, count } => (true, at, count, false),
        Operation::InsertColumns { at, count } => (false, at, count, true),
        Operation::DeleteColumns { at, count } => (false, at, count, false),
        _ => return,
    };
    *grid = std::mem::take(grid)
        .into_iter()
        .filter_map(|((r, c), v)| {
            if rows {
                Some(((shift(r, at, count, insert)?, c), v))
            } else {
                Some(((r, shift(c, at, count, insert)?), v))
            }
        })
        .collect();
    if rows {
        extent.0 = shift_extent(extent.0, at, count, insert);
    } else {
        extent.1 = shift_extent(extent.1, at, count, insert);
    }
}

fn check(version: &ContentVersion, grid: &Grid, extent: (u64, u64), what: &str) -> Result<(), TestCaseError> {
    for row in 0..SIDE + 4 {
        for col in 0..SIDE + 4 {
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
    let open = |h: &mut Harness| -> TestEngine { h.open_layered(log.clone(), blobs.clone(), small_tiles(3), 2) };
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
            Step::Structural { op, other: by_other } => {
                let writer = if by_other { &other } else { &engine };
                let done = match op {
                    Operation::InsertRows { at, count } => writer.insert_rows(at, count),
                    Operation::DeleteRows { at, count } => writer.delete_rows(at, count),
                    Operation::InsertColumns { at, count } => writer.insert_columns(at, count),
                    Operation::DeleteColumns { at, count } => writer.delete_columns(at, count),
                    _ => unreachable!("only structural edits are generated here"),
                };
                h.run(done).unwrap();
                apply_structural(&mut grid, &mut extent, &op);
                if by_other {
                    h.run(engine.sync()).unwrap();
                }
            }
            Step::Compact => {
                let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
                if let Some(info) = latest {
                    h.run(run_workflow(&log, &blobs, info.seq, Workflow::Compact, TileSize::new(4, 4).unwrap()))
                        .unwrap();
                }
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
