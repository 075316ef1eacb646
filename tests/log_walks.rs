//! Walks of the event log page by page pass the latest snapshot they were told of as the next
//! query's hint, so the log reports (and the IndexedDB log reads and decodes) the latest
//! snapshot's entry once per walk, not once per page: that entry can be a large one (a paste of
//! 500,000 cells), and decoding it on every page or poll made a walk's cost follow the history.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::cell::Cell;
use std::rc::Rc;

use engine_common::{small_tiles, Harness};
use sheetlog::blob::BlobError;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::workflow::latest_snapshot;
use sheetlog::engine::{run_workflow_with, EngineError, WorkflowConfig};
use sheetlog::log::{
    AddEntryResult, Entry, EventLog, LogBounds, LogError, MemoryEventLog, MetadataUpdate, QueryFrom, QueryResult,
    QueryTo, SequenceId, Workflow,
};
use sheetlog::model::CellValue;
use sheetlog::snapshot::TileSize;

/// A log that counts its queries (and those to its end) and the answers that reported a latest snapshot; while
/// `stale` is above 0 it reports the latest snapshot at `stale_path` instead (as a log read just
/// before another tab's compaction moved it), counting `stale` down.
#[derive(Clone)]
struct CountingLog {
    inner: MemoryEventLog,
    queries: Rc<Cell<usize>>,
    /// Queries to the log's end (a walk's pages), of all of them.
    to_end: Rc<Cell<usize>>,
    reported: Rc<Cell<usize>>,
    stale: Rc<Cell<usize>>,
    stale_path: &'static str,
}

impl EventLog for CountingLog {
    async fn add_entry(
        &self,
        entry: Entry,
        seq: SequenceId,
        hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        self.inner.add_entry(entry, seq, hint).await
    }

    async fn add_entries(
        &self,
        entries: Vec<Entry>,
        seq: SequenceId,
        hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        self.inner.add_entries(entries, seq, hint).await
    }

    async fn set_metadata(&self, seq: SequenceId, update: MetadataUpdate) -> Result<(), LogError> {
        self.inner.set_metadata(seq, update).await
    }

    async fn query(&self, from: QueryFrom, to: QueryTo, hint: Option<SequenceId>) -> Result<QueryResult, LogError> {
        let mut page = self.inner.query(from, to, hint).await?;
        self.queries.set(self.queries.get() + 1);
        if to == QueryTo::End {
            self.to_end.set(self.to_end.get() + 1);
        }
        if let (Some(latest), true) = (page.latest_snapshot.as_mut(), self.stale.get() > 0) {
            self.stale.set(self.stale.get() - 1);
            latest.snapshot = self.stale_path.to_owned();
        }
        if page.latest_snapshot.is_some() {
            self.reported.set(self.reported.get() + 1);
        }
        Ok(page)
    }

    async fn truncate(&self, seq: SequenceId) -> Result<(), LogError> {
        self.inner.truncate(seq).await
    }

    async fn bounds(&self) -> Result<LogBounds, LogError> {
        self.inner.bounds().await
    }
}

impl CountingLog {
    /// Counts the queries to `inner`; reports the latest snapshot as it is.
    fn over(inner: MemoryEventLog) -> Self {
        Self {
            inner,
            queries: Rc::default(),
            to_end: Rc::default(),
            reported: Rc::default(),
            stale: Rc::default(),
            stale_path: "",
        }
    }
}

/// Writes a number to rows 0 ..= 30 of column 0 (one entry each) through an engine on `log`,
/// and a snapshot on entry 4 (tiles of 4 x 4).
fn thirty_one_entries_and_a_snapshot_on_4(
    h: &mut Harness,
    log: &MemoryEventLog,
    blobs: &MemoryBlobStore,
) -> WorkflowConfig {
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1_000_000));
    for i in 0..31 {
        h.run(engine.set_cell(i, 0, Some(CellValue::Number(i as f64)), None)).unwrap();
    }
    let config = WorkflowConfig { tile_size: TileSize::new(4, 4).unwrap(), ..WorkflowConfig::default() };
    h.run(run_workflow_with(log, blobs, 4, Workflow::Snapshot, config, h.clock.get())).unwrap();
    config
}

#[test]
fn a_snapshot_walking_many_pages_is_told_of_the_latest_snapshot_once() {
    let mut h = Harness::new();
    // Pages of 2 entries: the walk from the snapshot on entry 4 to entry 30 takes 13 pages.
    let inner = MemoryEventLog::with_page_size(2);
    let blobs = MemoryBlobStore::new();
    let config = thirty_one_entries_and_a_snapshot_on_4(&mut h, &inner, &blobs);

    let log = CountingLog::over(inner.clone());
    let report = h.run(run_workflow_with(&log, &blobs, 30, Workflow::Snapshot, config, h.clock.get())).unwrap();
    assert!(report.is_some_and(|r| r.written), "the snapshot on entry 30 was written");
    assert!(log.queries.get() >= 13, "the walk took {} queries, expected one per page", log.queries.get());
    assert_eq!(
        log.reported.get(),
        1,
        "the latest snapshot was reported on {} of {} pages",
        log.reported.get(),
        log.queries.get()
    );

    // What it wrote reads back: a second engine opens on it and sees every entry before 30.
    let reader = h.open(inner, blobs, small_tiles(1_000_000));
    let version = reader.snapshot();
    assert_eq!(version.log_info().snapshot_sequence_id, Some(30));
    for i in 0..31 {
        assert_eq!(version.cell(i, 0).and_then(|c| c.value), Some(CellValue::Number(i as f64)), "row {i}");
    }
}

/// A reload asks for the latest snapshot and then reads its index; another tab's compaction can
/// move the snapshot to a new path and collect the old one in between. The index not found, the
/// log is asked again; a log that still names the missing index is an error, not a loop.
#[test]
fn the_latest_snapshot_is_looked_up_again_when_its_index_was_collected_meanwhile() {
    let mut h = Harness::new();
    let inner = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let engine = h.open(inner.clone(), blobs.clone(), small_tiles(1_000_000));
    for i in 0..6 {
        h.run(engine.set_cell(i, 0, Some(CellValue::Number(i as f64)), None)).unwrap();
    }
    let config = WorkflowConfig { tile_size: TileSize::new(4, 4).unwrap(), ..WorkflowConfig::default() };
    h.run(run_workflow_with(&inner, &blobs, 4, Workflow::Snapshot, config, h.clock.get())).unwrap();
    let log = |stale: usize| CountingLog {
        stale: Rc::new(Cell::new(stale)),
        stale_path: "snapshots/4-collected/index",
        ..CountingLog::over(inner.clone())
    };

    let once = log(1);
    let found = h.run(latest_snapshot(&once, &blobs)).unwrap().map(|(info, index)| (info.seq, index.seq));
    assert_eq!(found, Some((4, 4)), "found at its new path");
    assert_eq!(once.queries.get(), 2, "asked the log again once");

    let always = log(usize::MAX);
    let result = h.run(latest_snapshot(&always, &blobs));
    assert!(
        matches!(&result, Err(EngineError::Blob(BlobError::NotFound { path })) if path == "snapshots/4-collected/index"),
        "{:?}",
        result.map(|r| r.map(|(info, _)| info))
    );
    assert_eq!(always.queries.get(), 2, "gave up once the log named the missing index again");
}

/// A reopen asks the log for the latest snapshot, and that answer's page already holds the
/// entries from the snapshot's entry on: it is replayed, not asked for again (one query, four
/// IndexedDB round trips, less on the way of every reopen; BENCHMARKS.md, stop 34). With pages
/// of 2 entries the walk still reads every page once, and every cell reads back.
#[test]
fn a_reopen_replays_the_page_that_named_the_snapshot_without_asking_for_it_again() {
    for (page_size, pages) in [(100, 1), (2, 14)] {
        let mut h = Harness::new();
        let inner = MemoryEventLog::with_page_size(page_size);
        let blobs = MemoryBlobStore::new();
        thirty_one_entries_and_a_snapshot_on_4(&mut h, &inner, &blobs);

        let log = CountingLog::over(inner);
        let reader = h.open(log.clone(), blobs, small_tiles(1_000_000));
        // Entries 4 ..= 30 from the snapshot on entry 4: `pages` pages of `page_size`. (The
        // workflows the snapshot left pending read bounded ranges of entries; not counted.)
        assert_eq!(log.to_end.get(), pages, "pages a reopen read with pages of {page_size}");
        let version = reader.snapshot();
        assert_eq!(version.log_info().snapshot_sequence_id, Some(4));
        for i in 0..31 {
            assert_eq!(version.cell(i, 0).and_then(|c| c.value), Some(CellValue::Number(i as f64)), "row {i}");
        }
    }
}
