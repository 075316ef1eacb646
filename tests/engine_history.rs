//! Time travel, the history listing and undo, case by case (the time-travel issue): the errors
//! a version out of reach gives, versions by time, pages of the listing, an import undone as
//! one step, a skipped undo, and a large row delete undone from snapshot tiles. The random
//! interleavings are in `engine_time_travel`.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use engine_common::{run_chain, small_tiles, Harness};
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::csv::{BytesSource, CsvImportOptions, ImportOptions, OnError};
use sheetlog::engine::{run_workflow_with, EngineError, WorkflowConfig};
use sheetlog::log::{CellWrite, EventLog, LogError, MemoryEventLog, Workflow};
use sheetlog::model::{CellRange, CellRef, CellValue};
use sheetlog::snapshot::TileSize;

fn number(n: f64) -> Option<CellValue> {
    Some(CellValue::Number(n))
}

fn value_of(content: Option<sheetlog::snapshot::CellContent>) -> Option<CellValue> {
    content.and_then(|c| c.value)
}

#[test]
fn versions_out_of_reach_are_range_errors_naming_what_is_reachable() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1_000_000));
    for i in 0..10 {
        h.run(engine.set_cell(0, i, number(i as f64), None)).unwrap();
    }
    let past_end = h.run(engine.version_at(10));
    assert!(matches!(past_end, Err(EngineError::Log(LogError::OutOfRange { seq: 10, end: 10, .. }))), "{past_end:?}");
    // A snapshot on entry 6 and the log truncated before it with no history kept: versions
    // start from the snapshot.
    let config = WorkflowConfig { tile_size: TileSize::new(4, 4).unwrap(), ..WorkflowConfig::default() };
    h.run(run_workflow_with(&log, &blobs, 6, Workflow::Snapshot, config, h.clock.get())).unwrap();
    h.run(log.truncate(6)).unwrap();
    // (The open engine still holds those entries in memory; a client opened now does not.)
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1_000_000));
    let old = h.run(engine.version_at(3));
    assert_eq!(old.unwrap_err(), EngineError::BeforeRetention { target: 3, oldest: 5 });
    let oldest = h.run(engine.version_at(5)).unwrap();
    assert_eq!(value_of(oldest.cell(0, 5)), number(5.0));
    assert_eq!(value_of(oldest.cell(0, 6)), None, "entry 6 is after the version");
    assert_eq!(oldest.column_count(), 6);
    let before_time = h.run(engine.version_at_time(0));
    assert!(matches!(before_time, Err(EngineError::TimeBeforeHistory { time_ms: 0, oldest: 6 })), "{before_time:?}");
}

#[test]
fn versions_at_a_time_and_pages_of_history() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(3));
    let t0 = h.clock.get();
    h.run(engine.set_cell(1, 1, number(1.0), None)).unwrap(); // 0
    h.clock.set(t0 + 1000);
    let cells = (0..3).map(|r| CellWrite { row: r, col: 3, value: number(2.0), format: None }).collect();
    h.run(engine.set_cells(cells)).unwrap(); // 1
    h.clock.set(t0 + 2000);
    h.run(engine.clear_range(CellRange::new(CellRef { row: 0, col: 0 }, CellRef { row: 39, col: 3 }))).unwrap(); // 2
    h.run(engine.insert_rows(3, 3)).unwrap(); // 3
    h.run(engine.delete_columns(2, 2)).unwrap(); // 4
    let at = h.run(engine.version_at_time(t0 + 1500)).unwrap();
    assert_eq!(at.log_info().sequence_id, 2, "after entry 1, the last one at or before the time");
    assert_eq!((value_of(at.cell(1, 1)), value_of(at.cell(2, 3))), (number(1.0), number(2.0)));
    let page = h.run(engine.history(None, None, 3)).unwrap();
    let summary: Vec<(u64, &str, &str)> =
        page.items.iter().map(|i| (i.sequence_id, i.kind, i.summary.as_str())).collect();
    assert_eq!(
        summary,
        vec![(4, "deleteColumns", "columns C:D"), (3, "insertRows", "rows 4:6"), (2, "clear", "A1:D40")]
    );
    assert_eq!(page.next, Some(2));
    assert!(page.items.iter().all(|i| i.time_ms == Some(t0 + 2000) && i.client_id.is_some()));
    let rest = h.run(engine.history(None, page.next, 50)).unwrap();
    let summary: Vec<(u64, &str, &str)> =
        rest.items.iter().map(|i| (i.sequence_id, i.kind, i.summary.as_str())).collect();
    assert_eq!(summary, vec![(1, "cells", "D1:D3 (3 cells)"), (0, "cells", "B2")]);
    assert_eq!((rest.next, rest.items[1].time_ms), (None, Some(t0)));
    // Snapshots, history and truncation change nothing of it.
    h.run(engine.request_snapshot()).unwrap();
    h.run(async {});
    let again = h.run(engine.history(Some(1), Some(3), 10)).unwrap();
    assert_eq!(again.items.iter().map(|i| i.sequence_id).collect::<Vec<_>>(), vec![2, 1]);
}

#[test]
fn an_import_undoes_and_redoes_as_one_step() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(4));
    h.run(engine.set_cell(0, 0, number(7.0), None)).unwrap();
    let csv: String = (0..30).map(|r| format!("{r},{}\n", r * 2)).collect();
    let options = ImportOptions {
        csv: CsvImportOptions { start_row: 1, batch_cells: 8, ..CsvImportOptions::default() },
        on_error: OnError::Keep,
    };
    let report = h.run(engine.import_csv(BytesSource::new(csv.into_bytes(), 16), options, |_| {}, || false)).unwrap();
    assert_eq!(report.cells, 60);
    let undone = h.run(engine.undo()).unwrap();
    let range = undone.committed.expect("the import was undone");
    assert_eq!(range.end - range.start, 8, "one inverse entry per imported batch");
    let v = engine.snapshot();
    assert_eq!((value_of(v.cell(0, 0)), value_of(v.cell(1, 0)), value_of(v.cell(30, 1))), (number(7.0), None, None));
    assert!(v.can_undo() && v.can_redo());
    h.run(engine.redo()).unwrap();
    let v = engine.snapshot();
    assert_eq!((value_of(v.cell(1, 0)), value_of(v.cell(30, 1))), (number(0.0), number(58.0)));
    h.run(engine.undo()).unwrap();
    h.run(engine.undo()).unwrap();
    let v = engine.snapshot();
    assert_eq!((value_of(v.cell(0, 0)), value_of(v.cell(5, 0)), v.can_undo()), (None, None, false));
    let nothing = h.run(engine.undo()).unwrap();
    assert_eq!((nothing.committed, nothing.skipped.len()), (None, 0));
}

#[test]
fn an_undo_whose_cells_another_client_deleted_is_skipped_for_the_next() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let a = h.open(log.clone(), blobs.clone(), small_tiles(4));
    let b = h.open(log.clone(), blobs.clone(), small_tiles(4));
    h.run(a.set_cell(1, 0, number(1.0), None)).unwrap();
    h.run(a.set_cell(5, 0, number(2.0), None)).unwrap();
    h.run(b.sync()).unwrap();
    h.run(b.delete_rows(4, 3)).unwrap();
    h.run(a.sync()).unwrap();
    let outcome = h.run(a.undo()).unwrap();
    assert!(matches!(outcome.skipped.as_slice(), [EngineError::TargetDeleted { cells: 1, .. }]), "{outcome:?}");
    assert!(outcome.committed.is_some_and(|r| r.end == r.start + 1), "the write before it was undone");
    assert_eq!(value_of(a.snapshot().cell(1, 0)), None);
    assert!(!a.snapshot().can_undo());
}

#[test]
fn undoing_a_large_row_delete_restores_the_cells_from_snapshot_tiles() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1_000_000));
    let cells: Vec<CellWrite> = (0..2000u64)
        .flat_map(|r| {
            (0..3u64).map(move |c| CellWrite { row: r, col: c, value: number((r * 10 + c) as f64), format: None })
        })
        .collect();
    h.run(engine.set_cells(cells)).unwrap();
    let snapshot = h.run(engine.request_snapshot()).unwrap().expect("a snapshot");
    run_chain(&mut h, &log, &blobs, snapshot, Workflow::History, TileSize::new(4, 4).unwrap());
    h.run(engine.sync()).unwrap();
    h.run(engine.delete_rows(100, 1500)).unwrap();
    assert_eq!(value_of(engine.snapshot().cell(100, 0)), number(16000.0));
    let outcome = h.run(engine.undo()).unwrap();
    assert_eq!(outcome.committed.map(|r| r.end - r.start), Some(2), "rows back, then their cells");
    let v = engine.snapshot();
    for r in [99u64, 100, 777, 1599, 1600, 1999] {
        assert_eq!(value_of(v.cell(r, 2)), number((r * 10 + 2) as f64), "row {r}");
    }
    assert_eq!(v.row_count(), 2000);
}
