//! The engine's contract, natively over the memory stores (DESIGN.md section 3 semantics, below
//! the JS layer): versions, subscriptions, viewport and load status, optimistic writes with
//! rollback and conflict re-append, snapshots written in thread, reopen, crash recovery.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::cell::Cell;
use std::rc::Rc;

use engine_common::{small_tiles, CountingBlobs, FlakyLog, Harness};
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::{read_path, write_path, ContentVersion, EngineError, LoadStatus, Viewport};
use sheetlog::log::{CellWrite, Entry, EventLog, LogError, MemoryEventLog, Operation, QueryFrom, QueryTo, Workflow};
use sheetlog::model::{CellValue, Format};
use sheetlog::StorageErrorKind;

fn number(version: &ContentVersion, row: u64, col: u64) -> Option<f64> {
    match version.cell(row, col)?.value? {
        CellValue::Number(n) => Some(n),
        other => panic!("({row}, {col}) holds {other:?}"),
    }
}

fn num(n: f64) -> Option<CellValue> {
    Some(CellValue::Number(n))
}

#[test]
fn empty_sheet_is_ready_and_empty() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let v = engine.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready);
    assert_eq!((v.row_count(), v.column_count()), (0, 0));
    assert_eq!(v.cell(0, 0), None);
    assert_eq!(v.log_info().sequence_id, 0);
    assert_eq!(v.log_info().snapshot_sequence_id, None);
    assert!(Rc::ptr_eq(&v, &engine.snapshot()), "the same version until something changes");
}

#[test]
fn set_and_read_back_with_formats_and_old_versions_unchanged() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let before = engine.snapshot();
    h.run(engine.set_cell(2, 3, num(42.0), Some(Format::new("0.00").unwrap()))).unwrap();
    h.run(engine.set_cell(0, 0, Some(CellValue::Text("hi".into())), None)).unwrap();
    h.run(engine.set_cell(1, 1, Some(CellValue::Empty), None)).unwrap();
    let after = engine.snapshot();
    assert_eq!(number(&after, 2, 3), Some(42.0));
    assert_eq!(after.cell(2, 3).unwrap().format.unwrap().as_str(), "0.00");
    assert_eq!(after.cell(1, 1).unwrap().value, Some(CellValue::Empty), "explicit empty is not no value");
    assert_eq!((after.row_count(), after.column_count()), (3, 4));
    assert_eq!(after.log_info().sequence_id, 3);
    assert_eq!(before.cell(2, 3), None, "a held version never changes");
    assert_eq!(before.row_count(), 0);
    h.run(engine.set_cell(2, 3, None, None)).unwrap();
    assert_eq!(engine.snapshot().cell(2, 3), None, "cleared");
    assert_eq!(number(&after, 2, 3), Some(42.0), "still unchanged");
}

#[test]
fn edits_are_visible_before_they_are_durable() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let seen = Rc::new(Cell::new(None));
    let (e, s) = (engine.clone(), seen.clone());
    engine.subscribe(Rc::new(move || {
        if s.get().is_none() {
            s.set(Some((number(&e.snapshot(), 0, 0), e.snapshot().has_pending_edits())));
        }
    }));
    let write = engine.set_cell(0, 0, num(7.0), None);
    assert_eq!(number(&engine.snapshot(), 0, 0), Some(7.0), "visible before the promise settles");
    assert_eq!(seen.get(), Some((Some(7.0), true)), "subscribers told before it is durable");
    h.run(write).unwrap();
    assert!(!engine.snapshot().has_pending_edits());
    assert_eq!(number(&engine.snapshot(), 0, 0), Some(7.0));
}

#[test]
fn subscribe_counts_and_unsubscribe() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let id = engine.subscribe(Rc::new(move || c.set(c.get() + 1)));
    let mut versions = vec![engine.snapshot()];
    let c2 = Rc::new(Cell::new(0));
    let c2b = c2.clone();
    let other = engine.subscribe(Rc::new(move || c2b.set(c2b.get() + 1)));
    h.run(engine.set_cell(0, 0, num(1.0), None)).unwrap();
    versions.push(engine.snapshot());
    assert!(calls.get() >= 1, "told of the change");
    assert!(!Rc::ptr_eq(&versions[0], &versions[1]), "a change makes a new version");
    engine.unsubscribe(id);
    let before = calls.get();
    h.run(engine.set_cell(0, 0, num(2.0), None)).unwrap();
    assert_eq!(calls.get(), before, "never called after unsubscribe");
    assert!(c2.get() > before - 1, "the other listener still is");
    engine.unsubscribe(other);
    assert_eq!(engine.listener_count(), 0);
    for _ in 0..1000 {
        let id = engine.subscribe(Rc::new(|| {}));
        engine.unsubscribe(id);
    }
    assert_eq!(engine.listener_count(), 0, "no listener leaks");
}

#[test]
fn viewport_round_trip_and_equal_viewport_does_not_notify() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    engine.subscribe(Rc::new(move || c.set(c.get() + 1)));
    let vp = Viewport { row_min_offset: 300.0, column_min_offset: 0.0, width: 800.0, height: 600.0 };
    engine.set_viewport(Some(vp));
    assert_eq!(engine.snapshot().viewport(), Some(vp));
    let after_first = calls.get();
    assert_eq!(after_first, 1);
    let version = engine.snapshot();
    engine.set_viewport(Some(vp));
    assert_eq!(calls.get(), after_first, "an equal viewport is a no-op");
    assert!(Rc::ptr_eq(&version, &engine.snapshot()));
    engine.set_viewport(None);
    assert_eq!(engine.snapshot().viewport(), None);
    assert_eq!(calls.get(), after_first + 1);
}

/// Writes `n` cells in a column-major pattern (value = row + col) through `engine`.
fn fill<L: EventLog + 'static, B: sheetlog::blob::BlobStore + 'static>(
    h: &mut Harness,
    engine: &sheetlog::engine::Engine<L, B>,
    rows: u64,
    cols: u64,
) {
    for row in 0..rows {
        for col in 0..cols {
            h.run(engine.set_cell(row, col, num((row + col) as f64), None)).unwrap();
        }
    }
}

#[test]
fn snapshots_are_written_at_the_interval_and_reopen_reads_only_viewport_tiles() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = CountingBlobs::default();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(10));
    fill(&mut h, &writer, 20, 10);
    let info = writer.snapshot().log_info();
    assert_eq!(info.sequence_id, 200);
    assert!(info.snapshot_sequence_id.is_some_and(|s| s >= 190), "{info:?}");
    assert_eq!(info.workflow, None, "the workflow finished");

    blobs.reads.borrow_mut().clear();
    let mut options = small_tiles(10);
    // Rows 0..8 and columns 0..3 at 30 x 100 px: tiles (0,0), (1,0) of 4 x 4.
    options.viewport = Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 350.0, height: 230.0 });
    let reader = h.open(log.clone(), blobs.clone(), options);
    let v = reader.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready);
    let tile_reads: Vec<String> = blobs.reads.borrow().iter().filter(|p| !p.ends_with("/index")).cloned().collect();
    assert_eq!(tile_reads.len(), 2, "only the tiles under the viewport: {tile_reads:?}");
    for row in 0..8 {
        for col in 0..4 {
            assert_eq!(number(&v, row, col), Some((row + col) as f64), "({row}, {col})");
        }
    }
    assert_eq!((v.row_count(), v.column_count()), (20, 10));
    assert_eq!(v.cell(10, 9), None, "outside the viewport: not loaded");
    assert_eq!(*v.load_status(), LoadStatus::Ready);

    // Scrolling loads the rest; the values are right.
    reader.set_viewport(None);
    h.run(async {});
    let v = reader.snapshot();
    for row in 0..20 {
        for col in 0..10 {
            assert_eq!(number(&v, row, col), Some((row + col) as f64), "({row}, {col})");
        }
    }
}

#[test]
fn load_status_goes_loading_then_ready_and_never_sticks_on_an_empty_viewport() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(5));
    fill(&mut h, &writer, 4, 4);
    assert!(writer.snapshot().log_info().snapshot_sequence_id.is_some());

    let far = Viewport { row_min_offset: 30_000.0, column_min_offset: 50_000.0, width: 100.0, height: 100.0 };
    let mut options = small_tiles(5);
    options.viewport = Some(far);
    let reader = h.open(log.clone(), blobs.clone(), options);
    assert_eq!(*reader.snapshot().load_status(), LoadStatus::Ready, "nothing to load out there");
    let near = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 100.0, height: 100.0 };
    // Set the viewport without running the pool: the tile load is outstanding.
    reader.set_viewport(Some(near));
    assert_eq!(*reader.snapshot().load_status(), LoadStatus::Loading);
    reader.set_viewport(Some(far));
    assert_eq!(*reader.snapshot().load_status(), LoadStatus::Ready, "not stuck after leaving");
    h.run(async {});
    reader.set_viewport(Some(near));
    assert_eq!(*reader.snapshot().load_status(), LoadStatus::Ready);
    assert_eq!(number(&reader.snapshot(), 1, 2), Some(3.0));
}

#[test]
fn storage_failure_rolls_back_and_reports() {
    let mut h = Harness::new();
    let log = FlakyLog::new(MemoryEventLog::new());
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    h.run(engine.set_cell(0, 0, num(1.0), None)).unwrap();
    log.fail.set(true);
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    engine.subscribe(Rc::new(move || c.set(c.get() + 1)));
    let result = h.run(engine.set_cell(0, 0, num(2.0), None));
    match result {
        Err(EngineError::Log(LogError::Storage(e))) => assert_eq!(e.kind, StorageErrorKind::QuotaExceeded),
        other => panic!("{other:?}"),
    }
    assert_eq!(number(&engine.snapshot(), 0, 0), Some(1.0), "rolled back");
    assert!(calls.get() >= 2, "told of the edit and of its rollback");
    assert!(matches!(engine.snapshot().load_status(), LoadStatus::Error(_)));
    log.fail.set(false);
    h.run(engine.set_cell(0, 1, num(3.0), None)).unwrap();
    assert_eq!(*engine.snapshot().load_status(), LoadStatus::Ready, "a later success clears the error");
    assert_eq!(h.run(log.bounds()).unwrap().end, 2, "the failed edit stored nothing");
}

#[test]
fn invalid_input_is_rejected_and_stores_nothing() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    let version = engine.snapshot();
    for (row, value) in [(0, num(f64::NAN)), (1 << 53, num(1.0)), (0, Some(CellValue::Text("x".repeat(32_768).into())))]
    {
        assert!(matches!(h.run(engine.set_cell(row, 0, value, None)), Err(EngineError::Validation(_))));
    }
    assert!(Rc::ptr_eq(&version, &engine.snapshot()), "nothing changed, nobody told");
    assert_eq!(h.run(log.bounds()).unwrap().end, 0);
}

#[test]
fn two_writers_conflict_and_re_append_without_losing_edits() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let a = h.open(log.clone(), blobs.clone(), small_tiles(7));
    let b = h.open(log.clone(), blobs.clone(), small_tiles(7));
    for i in 0..200u64 {
        let (writer, col) = if i % 2 == 0 { (&a, 0) } else { (&b, 1) };
        h.run(writer.set_cell(i / 2, col, num(i as f64), None)).unwrap();
    }
    h.run(a.sync()).unwrap();
    h.run(b.sync()).unwrap();
    let (va, vb) = (a.snapshot(), b.snapshot());
    assert_eq!(va.log_info().sequence_id, 200);
    assert_eq!(vb.log_info().sequence_id, 200);
    for i in 0..200u64 {
        let col = i % 2;
        assert_eq!(number(&va, i / 2, col), Some(i as f64), "edit {i} in a");
        assert_eq!(number(&vb, i / 2, col), Some(i as f64), "edit {i} in b");
    }
    let fresh = h.open(log, blobs, small_tiles(7));
    for i in 0..200u64 {
        assert_eq!(number(&fresh.snapshot(), i / 2, i % 2), Some(i as f64), "edit {i} after reopen");
    }
}

#[test]
fn a_workflow_left_pending_by_a_crash_runs_at_open() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    for i in 0..5u64 {
        let mut entry =
            Entry::new(Operation::SetCell(CellWrite { row: i, col: 0, value: num(i as f64), format: None }));
        if i == 4 {
            entry.metadata.pending = Some(Workflow::Snapshot);
        }
        h.run(log.add_entry(entry, i, None)).unwrap();
    }
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    assert_eq!(engine.snapshot().log_info().snapshot_sequence_id, Some(4));
    let entry4 = h.run(log.query(QueryFrom::Seq(4), QueryTo::Seq(5), None)).unwrap().entries.remove(0);
    assert_eq!(entry4.metadata.pending, None, "pending cleared");
    assert_eq!(entry4.metadata.snapshot.as_deref(), Some("snapshots/4/index"));
    let fresh = h.open(log, blobs, small_tiles(1000));
    for i in 0..5u64 {
        assert_eq!(number(&fresh.snapshot(), i, 0), Some(i as f64));
    }
}

#[test]
fn later_snapshots_keep_cells_written_before_the_first() {
    // The case that broke InfiniSheet: a fresh client opening from the 2nd and 3rd snapshot must
    // still see cells written before the 1st (unchanged tiles are referenced, not lost).
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(4));
    h.run(writer.set_cell(0, 0, num(100.0), None)).unwrap();
    h.run(writer.set_cell(9, 9, num(199.0), None)).unwrap();
    let mut seen_snapshots = std::collections::BTreeSet::new();
    for i in 0..12u64 {
        h.run(writer.set_cell(20 + i, 20, num(i as f64), None)).unwrap();
        if let Some(s) = writer.snapshot().log_info().snapshot_sequence_id {
            seen_snapshots.insert(s);
        }
        let fresh = h.open(log.clone(), blobs.clone(), small_tiles(4));
        let v = fresh.snapshot();
        assert_eq!(number(&v, 0, 0), Some(100.0), "after {} snapshots", seen_snapshots.len());
        assert_eq!(number(&v, 9, 9), Some(199.0));
        assert_eq!(number(&v, 20 + i, 20), Some(i as f64));
    }
    assert!(seen_snapshots.len() >= 3, "{seen_snapshots:?}");
}

#[test]
fn a_fresh_client_scrolling_after_a_newer_snapshot_reads_the_right_values() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(5));
    fill(&mut h, &writer, 10, 2);
    let mut options = small_tiles(5);
    options.viewport = Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 100.0, height: 60.0 });
    let reader = h.open(log.clone(), blobs.clone(), options);
    // The writer changes far rows and snapshots again, twice over the reader's snapshot.
    for i in 0..12u64 {
        h.run(writer.set_cell(8, 1, num(1000.0 + i as f64), None)).unwrap();
    }
    h.run(reader.sync()).unwrap();
    reader.set_viewport(Some(Viewport { row_min_offset: 210.0, column_min_offset: 0.0, width: 200.0, height: 90.0 }));
    h.run(async {});
    let v = reader.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready);
    assert_eq!(number(&v, 8, 1), Some(1011.0));
    assert_eq!(number(&v, 9, 1), Some(10.0));
    assert_eq!(number(&v, 7, 0), Some(7.0));
}

/// A damaged tile is an error in the load status, never a panic; each sync reads it again,
/// keeping the error shown meanwhile (no flicker to "loading"), and once the storage gives good
/// bytes the cells show without the viewport moving.
#[test]
fn a_damaged_tile_shows_as_an_error_not_a_panic_and_is_read_again_on_sync() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(3));
    fill(&mut h, &writer, 3, 1);
    let snap = writer.snapshot().log_info().snapshot_sequence_id.unwrap();
    let path = format!("snapshots/{snap}/0-0");
    let good = h.run(read_path(&blobs, &path)).unwrap();
    h.run(write_path(&blobs, &path, b"SLTL garbage")).unwrap();
    let reader = h.open(log, blobs.clone(), small_tiles(3));
    let damaged = |v: &ContentVersion| matches!(v.load_status(), LoadStatus::Error(EngineError::Snapshot { .. }));
    assert!(damaged(&reader.snapshot()));
    assert_eq!(number(&reader.snapshot(), 1, 0), None);

    let seen: Rc<std::cell::RefCell<Vec<Rc<ContentVersion>>>> = Rc::default();
    let (log_seen, engine) = (seen.clone(), reader.clone());
    reader.subscribe(Rc::new(move || log_seen.borrow_mut().push(engine.snapshot())));
    h.run(reader.sync()).unwrap();
    h.run(async {});
    assert!(damaged(&reader.snapshot()), "still damaged: still the error");
    assert!(seen.borrow().iter().all(|v| damaged(v)), "the error stays shown while the tile is read again");

    h.run(write_path(&blobs, &path, &good)).unwrap();
    h.run(reader.sync()).unwrap();
    h.run(async {});
    let v = reader.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready, "read again on the sync, with good bytes");
    assert_eq!(number(&v, 1, 0), Some(1.0));
}

/// A workflow host that fails its first `failures` runs, then runs workflows in thread.
struct FlakyHost {
    inner: sheetlog::engine::InThreadHost<MemoryEventLog, MemoryBlobStore>,
    failures: Cell<u32>,
    runs: Rc<Cell<u32>>,
}

impl sheetlog::engine::WorkflowHost for FlakyHost {
    fn run(
        &self,
        seq: sheetlog::log::SequenceId,
        workflow: Workflow,
    ) -> futures_util::future::LocalBoxFuture<'static, Result<(), EngineError>> {
        use futures_util::FutureExt as _;
        self.runs.set(self.runs.get() + 1);
        if self.failures.get() > 0 {
            self.failures.set(self.failures.get() - 1);
            let error = EngineError::Worker { workflow: workflow.as_str(), message: "worker crashed".into() };
            return async move { Err(error) }.boxed_local();
        }
        self.inner.run(seq, workflow)
    }
}

/// An engine over memory stores (tiles of 3 x 3, as `small_tiles(3)`) whose workflows run on a
/// [`FlakyHost`] failing its first `failures` runs; and the count of its runs.
fn flaky_engine(
    h: &mut Harness,
    failures: u32,
) -> (sheetlog::engine::Engine<MemoryEventLog, MemoryBlobStore>, Rc<Cell<u32>>) {
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let runs = Rc::new(Cell::new(0));
    let host = Rc::new(FlakyHost {
        inner: sheetlog::engine::InThreadHost::new(log.clone(), blobs.clone(), small_tiles(3).tile_size),
        failures: Cell::new(failures),
        runs: runs.clone(),
    });
    let engine = h.run(sheetlog::engine::Engine::open(log, blobs, host, h.runtime(), small_tiles(3))).unwrap();
    (engine, runs)
}

#[test]
fn a_failing_workflow_shows_in_the_load_status_and_is_retried() {
    let mut h = Harness::new();
    let (engine, runs) = flaky_engine(&mut h, 2);
    let statuses = Rc::new(std::cell::RefCell::new(Vec::new()));
    let (e, s) = (engine.clone(), statuses.clone());
    engine.subscribe(Rc::new(move || s.borrow_mut().push(e.snapshot().load_status().clone())));
    for i in 0..3 {
        h.run(engine.set_cell(i, 0, num(i as f64), None)).unwrap();
    }
    assert_eq!(runs.get(), 4, "two failures, then a retry that succeeds, then its history");
    let errors =
        statuses.borrow().iter().filter(|s| matches!(s, LoadStatus::Error(EngineError::Worker { .. }))).count();
    assert!(errors >= 1, "the failure showed in the load status: {:?}", statuses.borrow());
    let v = engine.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready, "the successful retry cleared the error");
    assert_eq!(v.log_info().snapshot_sequence_id, Some(2));
    assert_eq!(v.log_info().workflow, None);
}

/// A host that reports it cannot run workflows (a worker that failed to load) shows in the load
/// status at once, with no workflow run; edits are still stored, and the first workflow that
/// succeeds clears the error.
#[test]
fn a_host_failure_shows_in_the_load_status_until_a_workflow_succeeds() {
    let mut h = Harness::new();
    let (engine, runs) = flaky_engine(&mut h, 0);
    assert_eq!(*engine.snapshot().load_status(), LoadStatus::Ready);
    let told = Rc::new(Cell::new(0));
    let t = told.clone();
    engine.subscribe(Rc::new(move || t.set(t.get() + 1)));
    let failure = EngineError::Worker { workflow: "snapshot", message: "could not load the worker x.js".into() };
    engine.report_host_failure(failure.clone());
    assert_eq!(*engine.snapshot().load_status(), LoadStatus::Error(failure), "shown at once");
    assert_eq!(told.get(), 1, "subscribers were told");
    assert_eq!(runs.get(), 0, "no workflow ran");
    h.run(engine.set_cell(0, 0, num(1.0), None)).unwrap();
    assert!(matches!(engine.snapshot().load_status(), LoadStatus::Error(EngineError::Worker { .. })), "still shown");
    assert_eq!(number(&engine.snapshot(), 0, 0), Some(1.0), "the edit was stored");
    for i in 1..3 {
        h.run(engine.set_cell(i, 0, num(i as f64), None)).unwrap();
    }
    assert!(runs.get() >= 1, "a snapshot ran");
    assert_eq!(*engine.snapshot().load_status(), LoadStatus::Ready, "and its success cleared the error");
    engine.close();
    engine.report_host_failure(EngineError::Worker { workflow: "snapshot", message: "terminated".into() });
    assert_eq!(*engine.snapshot().load_status(), LoadStatus::Ready, "ignored once closed");
}

#[test]
fn an_idle_engine_publishes_nothing_and_an_empty_sync_keeps_the_version() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(4));
    let reader = h.open(log.clone(), blobs.clone(), small_tiles(4));
    fill(&mut h, &writer, 5, 3);
    h.run(reader.sync()).unwrap();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    reader.subscribe(Rc::new(move || c.set(c.get() + 1)));
    let version = reader.snapshot();
    // What the fallback poll does every few seconds, with nothing new in the log.
    for _ in 0..10 {
        h.run(reader.sync()).unwrap();
    }
    assert_eq!(calls.get(), 0, "a sync that finds nothing tells nobody");
    assert!(Rc::ptr_eq(&version, &reader.snapshot()), "and keeps the version's identity");
    // One new entry: exactly one new version for the reader.
    h.run(writer.set_cell(0, 0, num(-1.0), None)).unwrap();
    h.run(reader.sync()).unwrap();
    assert_eq!(calls.get(), 1);
    assert_eq!(number(&reader.snapshot(), 0, 0), Some(-1.0));
}

#[test]
fn a_tile_arriving_outside_the_viewport_publishes_nothing() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(5));
    fill(&mut h, &writer, 12, 2);
    let mut options = small_tiles(5);
    let far = Viewport { row_min_offset: 90_000.0, column_min_offset: 0.0, width: 100.0, height: 100.0 };
    options.viewport = Some(far);
    let reader = h.open(log.clone(), blobs.clone(), options);
    let near = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 100.0, height: 100.0 };
    reader.set_viewport(Some(near)); // Asks for the tile; it arrives only when the pool runs.
    reader.set_viewport(Some(far));
    let version = reader.snapshot();
    assert_eq!(*version.load_status(), LoadStatus::Ready);
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    reader.subscribe(Rc::new(move || c.set(c.get() + 1)));
    h.run(async {});
    assert_eq!(calls.get(), 0, "the tile arrived outside the viewport");
    assert!(Rc::ptr_eq(&version, &reader.snapshot()));
    reader.set_viewport(Some(near));
    assert_eq!(number(&reader.snapshot(), 1, 1), Some(2.0), "shown from the cache at once");
    assert_eq!(*reader.snapshot().load_status(), LoadStatus::Ready);
}

/// A host whose first run waits until released; later runs go straight through.
struct GatedHost {
    inner: sheetlog::engine::InThreadHost<MemoryEventLog, MemoryBlobStore>,
    gate: std::cell::RefCell<Option<futures_channel::oneshot::Receiver<()>>>,
    runs: Rc<std::cell::RefCell<Vec<(sheetlog::log::SequenceId, Workflow)>>>,
}

impl sheetlog::engine::WorkflowHost for GatedHost {
    fn run(
        &self,
        seq: sheetlog::log::SequenceId,
        workflow: Workflow,
    ) -> futures_util::future::LocalBoxFuture<'static, Result<(), EngineError>> {
        use futures_util::FutureExt as _;
        self.runs.borrow_mut().push((seq, workflow));
        let gate = self.gate.borrow_mut().take();
        let run = self.inner.run(seq, workflow);
        async move {
            if let Some(gate) = gate {
                let _ = gate.await;
            }
            run.await
        }
        .boxed_local()
    }
}

#[test]
fn a_snapshot_due_while_another_runs_starts_when_it_ends_without_a_further_write() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let (release, gate) = futures_channel::oneshot::channel();
    let runs = Rc::new(std::cell::RefCell::new(Vec::new()));
    let host = Rc::new(GatedHost {
        inner: sheetlog::engine::InThreadHost::new(log.clone(), blobs.clone(), small_tiles(5).tile_size),
        gate: std::cell::RefCell::new(Some(gate)),
        runs: runs.clone(),
    });
    let engine = h.run(sheetlog::engine::Engine::open(log.clone(), blobs, host, h.runtime(), small_tiles(5))).unwrap();
    for i in 0..5 {
        h.run(engine.set_cell(i, 0, num(i as f64), None)).unwrap();
    }
    assert_eq!(*runs.borrow(), vec![(4, Workflow::Snapshot)], "the first snapshot runs (and waits)");
    for i in 5..12 {
        h.run(engine.set_cell(i, 0, num(i as f64), None)).unwrap();
    }
    assert_eq!(runs.borrow().len(), 1, "one workflow at a time");
    assert_eq!(engine.snapshot().log_info().workflow, Some(Workflow::Snapshot));
    release.send(()).unwrap();
    h.run(async {});
    let snapshots: Vec<_> = runs.borrow().iter().copied().filter(|(_, w)| *w == Workflow::Snapshot).collect();
    assert_eq!(snapshots, vec![(4, Workflow::Snapshot), (11, Workflow::Snapshot)], "the due one followed");
    let info = engine.snapshot().log_info();
    assert_eq!((info.snapshot_sequence_id, info.workflow), (Some(11), None));
}

#[test]
fn batch_writes_and_range_clears_are_one_entry_each_and_validated_as_a_whole() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    let writes: Vec<CellWrite> =
        (0..100).map(|i| CellWrite { row: i / 10, col: i % 10, value: num(i as f64), format: None }).collect();
    let mut bad = writes.clone();
    bad[57].value = Some(CellValue::Number(f64::INFINITY));
    match h.run(engine.set_cells(bad)) {
        Err(EngineError::Validation(e)) => assert!(e.to_string().starts_with("cell H6:"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.run(log.bounds()).unwrap().end, 0, "nothing of the batch stored");
    assert_eq!(h.run(engine.set_cells(writes)).unwrap(), 0..1);
    let range = sheetlog::model::CellRange::new(
        sheetlog::model::CellRef { row: 2, col: 2 },
        sheetlog::model::CellRef { row: 1_000_000, col: 4 },
    );
    assert_eq!(h.run(engine.clear_range(range)).unwrap(), 1..2);
    let v = engine.snapshot();
    assert_eq!(number(&v, 1, 1), Some(11.0));
    assert_eq!(v.cell(5, 3), None);
    assert_eq!(number(&v, 5, 5), Some(55.0));
    assert_eq!((v.row_count(), v.column_count()), (10, 10), "a clear leaves the counts");
    let fresh = h.open(log, MemoryBlobStore::new(), small_tiles(1000));
    assert_eq!(fresh.snapshot().cell(9, 4), None);
    assert_eq!(number(&fresh.snapshot(), 9, 5), Some(95.0));
}

#[test]
fn edits_issued_together_are_group_committed() {
    let mut h = Harness::new();
    let log = CountingLog::default();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1_000_000));
    let edits: Vec<_> = (0..2500u64).map(|i| engine.set_cell(i, 0, num(i as f64), None)).collect();
    assert_eq!(log.appends.get(), 0, "nothing appended before the pool runs");
    for (i, edit) in edits.into_iter().enumerate() {
        assert_eq!(h.run(edit).unwrap(), i as u64..i as u64 + 1);
    }
    assert_eq!(log.appends.get(), 3, "2,500 edits in batches of at most 1,000 entries");
    assert_eq!(number(&engine.snapshot(), 2499, 0), Some(2499.0));
}

/// A memory log that counts `add_entries` calls.
#[derive(Clone, Default)]
struct CountingLog {
    inner: MemoryEventLog,
    appends: Rc<Cell<u32>>,
}

impl EventLog for CountingLog {
    async fn add_entry(
        &self,
        e: Entry,
        seq: sheetlog::log::SequenceId,
        hint: Option<sheetlog::log::SequenceId>,
    ) -> Result<sheetlog::log::AddEntryResult, LogError> {
        self.appends.set(self.appends.get() + 1);
        self.inner.add_entry(e, seq, hint).await
    }
    async fn add_entries(
        &self,
        e: Vec<Entry>,
        seq: sheetlog::log::SequenceId,
        hint: Option<sheetlog::log::SequenceId>,
    ) -> Result<sheetlog::log::AddEntryResult, LogError> {
        self.appends.set(self.appends.get() + 1);
        self.inner.add_entries(e, seq, hint).await
    }
    async fn set_metadata(
        &self,
        seq: sheetlog::log::SequenceId,
        update: sheetlog::log::MetadataUpdate,
    ) -> Result<(), LogError> {
        self.inner.set_metadata(seq, update).await
    }
    async fn query(
        &self,
        from: QueryFrom,
        to: QueryTo,
        hint: Option<sheetlog::log::SequenceId>,
    ) -> Result<sheetlog::log::QueryResult, LogError> {
        self.inner.query(from, to, hint).await
    }
    async fn truncate(&self, seq: sheetlog::log::SequenceId) -> Result<(), LogError> {
        self.inner.truncate(seq).await
    }
    async fn bounds(&self) -> Result<sheetlog::log::LogBounds, LogError> {
        self.inner.bounds().await
    }
}

#[test]
fn every_entry_carries_when_and_who() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let mut options = small_tiles(1000);
    options.client_id = 42;
    let engine = h.open(log.clone(), MemoryBlobStore::new(), options);
    h.run(engine.set_cell(0, 0, num(1.0), None)).unwrap();
    h.run(engine.insert_rows(0, 2)).unwrap();
    let entries = h.run(log.query(QueryFrom::Start, QueryTo::End, None)).unwrap().entries;
    assert_eq!(entries.len(), 2);
    for entry in entries {
        assert_eq!(entry.origin, Some(sheetlog::log::Origin { time_ms: 1_764_590_400_000, client: 42 }));
    }
}

#[test]
fn a_workflow_given_up_runs_again_after_the_next_successful_write() {
    let mut h = Harness::new();
    // The snapshot fails its first run and all three retries (storage full, say).
    let (engine, runs) = flaky_engine(&mut h, 4);
    for i in 0..3 {
        h.run(engine.set_cell(i, 0, num(i as f64), None)).unwrap();
    }
    assert_eq!(runs.get(), 4, "a run and three retries");
    let v = engine.snapshot();
    assert!(matches!(v.load_status(), LoadStatus::Error(EngineError::Worker { .. })), "{:?}", v.load_status());
    assert_eq!((v.log_info().snapshot_sequence_id, v.log_info().workflow), (None, None));
    // Space is back: the next write succeeds, and a snapshot runs again (on that write's
    // entry, which covers the one given up on).
    h.run(engine.set_cell(9, 0, num(9.0), None)).unwrap();
    let v = engine.snapshot();
    assert_eq!(v.log_info().snapshot_sequence_id, Some(3), "a snapshot covering the given-up one ran");
    assert_eq!(*v.load_status(), LoadStatus::Ready, "and its error is gone");
}
