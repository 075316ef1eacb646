//! Cost follows the viewport, not the history (DESIGN.md section 5b), natively:
//! - memory: after 200,000 edits with snapshots every 1,000, the edit layer holds about one
//!   interval of changes and the tile cache stays within its budget while the viewport scrolls;
//! - snapshots bounded by work: one batch of many cells brings a snapshot however few entries it
//!   is, so the edit layer holds at most about `snapshot_cells` cells;
//! - load status: a version whose status is `ready` shows every cell under its viewport, over
//!   random viewport changes interleaved with edits, row resizes, syncs, snapshots, rebases and
//!   evictions (a model-based property test against a naive grid and a list of row heights:
//!   the viewport is in pixels, so resized rows change which cells it covers).
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::collections::HashMap;

use engine_common::{small_tiles, Harness};
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::{run_workflow, EngineOptions, LoadStatus, Viewport};
use sheetlog::log::{CellWrite, EventLog, MemoryEventLog, QueryFrom, QueryTo, Workflow};
use sheetlog::model::{Axis, CellValue};
use sheetlog::snapshot::TileSize;

fn num(n: f64) -> Option<CellValue> {
    Some(CellValue::Number(n))
}

#[test]
fn memory_stays_bounded_over_200_000_edits() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let budget = 48 * 1024;
    let options = EngineOptions {
        snapshot_interval: 1000,
        tile_size: TileSize::new(16, 4).unwrap(),
        viewport: Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 800.0, height: 600.0 }),
        tile_cache_bytes: budget,
        ..EngineOptions::default()
    };
    let engine = h.open(log.clone(), blobs.clone(), options);
    let mut peak_changes = 0;
    let mut peak_tile_bytes = 0;
    let mut n = 0u64;
    for round in 0..258u64 {
        // 777 edits issued together (not aligned with the interval) over a 2,000 x 8 region,
        // then the viewport moves on.
        let edits: Vec<_> = (0..777u64)
            .map(|_| {
                n += 1;
                engine.set_cell((n * 7919) % 2000, n % 8, num(n as f64), None)
            })
            .collect();
        for edit in edits {
            h.run(edit).unwrap();
        }
        let top = (round % 60) as f64 * 30.0 * 30.0;
        engine.set_viewport(Some(Viewport {
            row_min_offset: top,
            column_min_offset: 0.0,
            width: 800.0,
            height: 600.0,
        }));
        h.run(async {});
        let stats = engine.stats();
        peak_changes = peak_changes.max(stats.edit_layer_changes);
        peak_tile_bytes = peak_tile_bytes.max(stats.cached_tile_bytes);
        assert_eq!(stats.pending_edits, 0);
    }
    let v = engine.snapshot();
    assert_eq!(v.log_info().sequence_id, 200_466);
    assert!(v.log_info().snapshot_sequence_id.is_some_and(|s| s >= 199_000), "{:?}", v.log_info());
    println!(
        "edit layer: at most {peak_changes} changes; tile cache: at most {peak_tile_bytes} bytes (budget {budget})"
    );
    assert!(peak_changes <= 2 * 1000 + 16, "the edit layer holds about one interval: {peak_changes}");
    // Tiles under the viewport are always kept; beyond the budget only those.
    let viewport_tiles = 21 * 8 / 4 + 16;
    assert!(peak_tile_bytes <= budget + viewport_tiles * 1200, "tile cache {peak_tile_bytes} over budget {budget}");
    // The values are all there.
    engine.set_viewport(None);
    h.run(async {});
    let v = engine.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready);
    assert_eq!(v.cell((n * 7919) % 2000, n % 8).and_then(|c| c.value), num(n as f64));
}

#[test]
fn a_batch_of_many_cells_brings_a_snapshot_however_few_entries() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let options = EngineOptions { snapshot_interval: 1_000_000, snapshot_cells: 5_000, ..EngineOptions::default() };
    let engine = h.open(log.clone(), blobs.clone(), options);
    let batch = |first_row: u64, rows: u64| -> Vec<CellWrite> {
        (first_row..first_row + rows)
            .flat_map(|row| {
                (0..10u64).map(move |col| CellWrite { row, col, value: num((row * 10 + col) as f64), format: None })
            })
            .collect()
    };
    // 4,000 cells in one entry: under the limit, no snapshot.
    h.run(engine.set_cells(batch(0, 400))).unwrap();
    h.run(async {});
    assert_eq!(engine.snapshot().log_info().snapshot_sequence_id, None, "4,000 cells: no snapshot yet");
    // 2,000 more in a second entry: 6,000 changed cells reach the limit.
    h.run(engine.set_cells(batch(400, 200))).unwrap();
    h.run(async {});
    let v = engine.snapshot();
    assert_eq!(v.log_info().snapshot_sequence_id, Some(1), "a snapshot on the second of two entries");
    // Rebased onto it: the snapshot on entry 1 holds the entries before it, so the layer keeps
    // only entry 1's 2,000 cells (and its one segment).
    assert_eq!(engine.stats().edit_layer_changes, 2_001, "rebased: {:?}", engine.stats());
    // One entry of 20,000 cells on its own brings the next.
    h.run(engine.set_cells(batch(600, 2_000))).unwrap();
    h.run(async {});
    let v = engine.snapshot();
    assert_eq!(v.log_info().snapshot_sequence_id, Some(2), "one big entry brings a snapshot");
    assert_eq!(v.cell(2_599, 9).and_then(|c| c.value), num(25_999.0));
    assert_eq!(v.cell(0, 0).and_then(|c| c.value), num(0.0));
    assert_eq!(engine.stats().edit_layer_changes, 20_001, "the layer holds the one entry after the snapshot");
}

#[derive(Debug, Clone)]
enum Step {
    Write {
        row: u64,
        col: u64,
    },
    Delete {
        row: u64,
    },
    Insert {
        row: u64,
    },
    /// Row `row` made `height` px high (`None`: back to 30).
    Resize {
        row: u64,
        height: Option<u32>,
    },
    Viewport {
        top: u64,
        left: u64,
        rows: u64,
        cols: u64,
    },
    WholeSheet,
    Sync,
    Snapshot,
    Compact,
    Run,
}

const ROWS: u64 = 48;
const COLS: u64 = 16;

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..ROWS, 0..COLS).prop_map(|(row, col)| Step::Write { row, col }),
        1 => (0..ROWS).prop_map(|row| Step::Delete { row }),
        1 => (0..ROWS).prop_map(|row| Step::Insert { row }),
        2 => (0..ROWS, prop::option::of(prop_oneof![Just(1u32), Just(90), Just(400)]))
            .prop_map(|(row, height)| Step::Resize { row, height }),
        4 => (0..ROWS, 0..COLS, 1..12u64, 1..6u64).prop_map(|(top, left, rows, cols)| Step::Viewport { top, left, rows, cols }),
        1 => Just(Step::WholeSheet),
        3 => Just(Step::Sync),
        2 => Just(Step::Snapshot),
        1 => Just(Step::Compact),
        3 => Just(Step::Run),
    ]
}

type Grid = HashMap<(u64, u64), f64>;

/// Rows modelled for heights: every row past them is 30 px.
const HEIGHT_ROWS: usize = 2 * ROWS as usize;

/// Row heights after inserting or deleting row `at`.
fn shifted_heights(heights: &[u32], at: u64, insert: bool) -> Vec<u32> {
    let mut out = heights.to_vec();
    if insert {
        out.insert(at as usize, 30);
        out.truncate(HEIGHT_ROWS);
    } else {
        out.remove(at as usize);
        out.push(30);
    }
    out
}

/// The pixel offset where row `row` starts, and the row covering pixel `y`.
fn row_offset(heights: &[u32], row: u64) -> f64 {
    (0..row).map(|r| f64::from(heights.get(r as usize).copied().unwrap_or(30))).sum()
}

fn row_at(heights: &[u32], y: f64) -> u64 {
    let mut top = 0.0;
    for (r, h) in heights.iter().enumerate() {
        if y < top + f64::from(*h) {
            return r as u64;
        }
        top += f64::from(*h);
    }
    heights.len() as u64 + ((y - top) / 30.0) as u64
}

fn shifted(grid: &Grid, at: u64, insert: bool) -> Grid {
    grid.iter()
        .filter_map(|(&(r, c), &v)| match (r.cmp(&at), insert) {
            (std::cmp::Ordering::Less, _) => Some(((r, c), v)),
            (_, true) => Some(((r + 1, c), v)),
            (std::cmp::Ordering::Equal, false) => None,
            (_, false) => Some(((r - 1, c), v)),
        })
        .collect()
}

fn run_steps(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut h = Harness::new();
    let log = MemoryEventLog::with_page_size(7);
    let blobs = MemoryBlobStore::new();
    let tiles = TileSize::new(4, 4).unwrap();
    // Snapshots fall due by entries (6) and by changed cells (4), whichever comes first.
    let writer = h.open(log.clone(), blobs.clone(), EngineOptions { snapshot_cells: 4, ..small_tiles(6) });
    let mut options = small_tiles(1_000_000);
    // A tiny cache: a few tiles beyond the viewport, so scrolling evicts.
    options.tile_cache_bytes = 1500;
    options.viewport = Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 300.0, height: 200.0 });
    let reader = h.open(log.clone(), blobs.clone(), options);
    // The grid after each entry of the writer (it writes alone, so no transforms).
    let mut grids: Vec<Grid> = vec![Grid::new()];
    // The row heights after each entry, likewise.
    let mut heights: Vec<Vec<u32>> = vec![vec![30; HEIGHT_ROWS]];
    let mut counter = 0.0;
    for (i, step) in steps.iter().enumerate() {
        match *step {
            Step::Write { row, col } => {
                counter += 1.0;
                h.run(writer.set_cell(row, col, num(counter), None)).unwrap();
                let mut grid = grids.last().unwrap().clone();
                grid.insert((row, col), counter);
                grids.push(grid);
                heights.push(heights.last().unwrap().clone());
            }
            Step::Delete { row } => {
                h.run(writer.delete_rows(row, 1)).unwrap();
                grids.push(shifted(grids.last().unwrap(), row, false));
                heights.push(shifted_heights(heights.last().unwrap(), row, false));
            }
            Step::Insert { row } => {
                h.run(writer.insert_rows(row, 1)).unwrap();
                grids.push(shifted(grids.last().unwrap(), row, true));
                heights.push(shifted_heights(heights.last().unwrap(), row, true));
            }
            Step::Resize { row, height } => {
                h.run(writer.set_item_sizes(Axis::Row, row, 1, height)).unwrap();
                grids.push(grids.last().unwrap().clone());
                let mut next = heights.last().unwrap().clone();
                next[row as usize] = height.unwrap_or(30);
                heights.push(next);
            }
            Step::Viewport { top, left, rows, cols } => {
                // In pixels, as the writer's newest heights place those rows.
                let now = heights.last().unwrap();
                let y0 = row_offset(now, top);
                reader.set_viewport(Some(Viewport {
                    row_min_offset: y0,
                    column_min_offset: left as f64 * 100.0,
                    width: cols as f64 * 100.0,
                    height: row_offset(now, top + rows) - y0,
                }))
            }
            Step::WholeSheet => reader.set_viewport(None),
            Step::Sync => h.run(reader.sync()).unwrap(),
            Step::Snapshot => {
                let end = h.run(log.bounds()).unwrap().end;
                if end > 0 {
                    h.run(run_workflow(&log, &blobs, end - 1, Workflow::Snapshot, tiles)).unwrap();
                }
            }
            Step::Compact => {
                let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
                if let Some(info) = latest {
                    h.run(run_workflow(&log, &blobs, info.seq, Workflow::Compact, tiles)).unwrap();
                }
            }
            Step::Run => h.run(async {}),
        }
        let version = reader.snapshot();
        let status = version.load_status().clone();
        prop_assert!(!matches!(status, LoadStatus::Error(_)), "step {}: {:?}", i, status);
        if matches!(step, Step::Run | Step::Sync) {
            prop_assert_eq!(&status, &LoadStatus::Ready, "step {}: everything loads once the pool ran", i);
        }
        if status == LoadStatus::Ready {
            let seq = version.log_info().sequence_id as usize;
            let grid = &grids[seq];
            // The rows the viewport covers with the heights of the version's position.
            let (rows, cols) = match version.viewport() {
                None => (0..ROWS + 2, 0..COLS),
                Some(vp) => {
                    let r0 = row_at(&heights[seq], vp.row_min_offset);
                    let r1 = row_at(&heights[seq], vp.row_min_offset + vp.height);
                    let c0 = (vp.column_min_offset / 100.0) as u64;
                    let c1 = ((vp.column_min_offset + vp.width) / 100.0) as u64;
                    (r0..r1.min(ROWS + 2), c0..c1.min(COLS))
                }
            };
            let mapping = version.row_offsets();
            for row in 0..ROWS {
                prop_assert_eq!(
                    mapping.item_size(row),
                    f64::from(heights[seq][row as usize]),
                    "step {}: row {} height",
                    i,
                    row
                );
            }
            for row in rows {
                for col in cols.clone() {
                    let actual = version.cell(row, col).and_then(|c| c.value);
                    let expected = grid.get(&(row, col)).map(|v| CellValue::Number(*v));
                    prop_assert_eq!(
                        actual,
                        expected,
                        "step {} {:?}: ready, cell ({}, {}) under the viewport",
                        i,
                        step,
                        row,
                        col
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn ready_means_every_tile_under_the_viewport_is_shown(steps in prop::collection::vec(step(), 1..80)) {
        run_steps(steps)?;
    }
}

/// An import-sized run: 26 entries of 10,002 cells (1,667 rows x 6 columns each, as zipcodes.csv
/// imports) issued one after another, snapshots falling due by cells while the writes go on;
/// then a fresh engine on the same stores shows every cell.
#[test]
fn import_sized_entries_with_snapshots_by_cells_survive_a_reopen() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let options = EngineOptions { snapshot_cells: 100_000, ..EngineOptions::default() };
    let engine = h.open(log.clone(), blobs.clone(), options.clone());
    let rows_per_entry = 1_667u64;
    let value = |row: u64, col: u64| num((row * 6 + col) as f64);
    let mut pending = Vec::new();
    for entry in 0..26u64 {
        let first = entry * rows_per_entry;
        let writes: Vec<CellWrite> = (first..first + rows_per_entry)
            .flat_map(|row| (0..6u64).map(move |col| (row, col)))
            .map(|(row, col)| CellWrite { row, col, value: value(row, col), format: None })
            .collect();
        pending.push(engine.set_cells(writes));
        // Let the engine append and run workflows between entries, as the importer awaits each.
        h.run(async {});
    }
    for write in pending {
        h.run(write).unwrap();
    }
    h.run(async {});
    let live = engine.snapshot();
    assert!(live.log_info().snapshot_sequence_id.is_some(), "snapshots were written during the writes");
    let fresh = h.open(log.clone(), blobs.clone(), options);
    h.run(async {});
    let version = fresh.snapshot();
    assert_eq!(*version.load_status(), LoadStatus::Ready);
    let rows = 26 * rows_per_entry;
    assert_eq!(version.row_count(), rows);
    for row in 0..rows {
        for col in 0..6 {
            assert_eq!(version.cell(row, col).and_then(|c| c.value), value(row, col), "({row}, {col}) after reopening");
            assert_eq!(live.cell(row, col).and_then(|c| c.value), value(row, col), "({row}, {col}) live");
        }
    }
}
