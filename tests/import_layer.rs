//! CSV import as a snapshot layer (issue 9, item 1), natively over the memory stores: random
//! CSVs (quotes, CRLF, empty fields, every value kind) imported at random offsets over random
//! sheets (structural edits and snapshots included) equal a naive reference grid after the
//! import, after edits made over it, after a snapshot and after a reopen; one entry per import;
//! malformed input with rollback, and a cancel, change nothing and leave no tiles behind.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::task::Poll;

use engine_common::Harness;
use futures::stream::{LocalBoxStream, StreamExt as _};
use futures::FutureExt as _;
use proptest::prelude::*;
use sheetlog::blob::{BlobDir, BlobError, BlobStore, MemoryBlobDir, MemoryBlobStore};
use sheetlog::engine::csv::{
    write_import_layer, BytesSource, CsvImportError, CsvImportOptions, CsvImporter, CsvSource, ImportOptions, OnError,
    IMPORT_DIR,
};
use sheetlog::engine::{Engine, EngineError, EngineOptions};
use sheetlog::log::{EventLog, MemoryEventLog, Operation, QueryFrom, QueryTo};
use sheetlog::model::{CellRange, CellRef, CellValue};
use sheetlog::snapshot::TileSize;
use sheetlog::{StorageError, StorageErrorKind};

type MemEngine = Engine<MemoryEventLog, MemoryBlobStore>;
type Grid = BTreeMap<(u64, u64), CellValue>;

/// An edit of the sheet before or after the import, and the naive reference's version of it.
#[derive(Debug, Clone)]
enum Edit {
    Set(u64, u64, f64),
    Clear(u64, u64, u64, u64),
    InsertRows(u64, u64),
    DeleteRows(u64, u64),
    InsertColumns(u64, u64),
    DeleteColumns(u64, u64),
    Snapshot,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (0u64..30, 0u64..10, -50i32..50).prop_map(|(r, c, n)| Edit::Set(r, c, f64::from(n))),
        1 => (0u64..30, 0u64..10, 1u64..8, 1u64..4).prop_map(|(r, c, h, w)| Edit::Clear(r, c, h, w)),
        1 => (0u64..30, 1u64..4).prop_map(|(a, n)| Edit::InsertRows(a, n)),
        1 => (0u64..30, 1u64..4).prop_map(|(a, n)| Edit::DeleteRows(a, n)),
        1 => (0u64..10, 1u64..3).prop_map(|(a, n)| Edit::InsertColumns(a, n)),
        1 => (0u64..10, 1u64..3).prop_map(|(a, n)| Edit::DeleteColumns(a, n)),
        1 => Just(Edit::Snapshot),
    ]
}

/// One CSV field, as written in the file.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(String::new()),
        3 => (-1000i32..1000).prop_map(|n| format!("{}", f64::from(n) / 4.0)),
        1 => prop_oneof![Just("TRUE".to_owned()), Just("false".to_owned())],
        2 => "[a-z ]{1,6}",
        1 => "[a-z,\"\n]{1,6}".prop_map(|t| format!("\"{}\"", t.replace('"', "\"\""))),
    ]
}

/// A rectangular CSV: `rows` records of `fields` fields, with `\n` or `\r\n` line ends.
fn csv() -> impl Strategy<Value = String> {
    (1usize..5, 1usize..40, any::<bool>()).prop_flat_map(|(fields, rows, crlf)| {
        proptest::collection::vec(proptest::collection::vec(field(), fields), rows).prop_map(move |records| {
            let end = if crlf { "\r\n" } else { "\n" };
            records.iter().map(|r| r.join(",") + end).collect::<String>()
        })
    })
}

fn options() -> EngineOptions {
    EngineOptions {
        snapshot_interval: 1_000,
        tile_size: TileSize::new(4, 3).expect("4 x 3 tiles"),
        ..EngineOptions::default()
    }
}

fn shift(grid: &mut Grid, rows: bool, at: u64, count: u64, insert: bool) {
    *grid = std::mem::take(grid)
        .into_iter()
        .filter_map(|((r, c), v)| {
            let i = if rows { r } else { c };
            let moved = if i < at {
                Some(i)
            } else if insert {
                Some(i + count)
            } else if i < at + count {
                None
            } else {
                Some(i - count)
            };
            moved.map(|i| (if rows { (i, c) } else { (r, i) }, v))
        })
        .collect();
}

/// Applies `edit` to the engine and to the reference.
fn apply(h: &mut Harness, engine: &MemEngine, grid: &mut Grid, edit: &Edit) {
    let op = match *edit {
        Edit::Set(r, c, n) => {
            grid.insert((r, c), CellValue::Number(n));
            Operation::SetCell(sheetlog::log::CellWrite {
                row: r,
                col: c,
                value: Some(CellValue::Number(n)),
                format: None,
            })
        }
        Edit::Clear(r, c, h, w) => {
            grid.retain(|&(gr, gc), _| !(r..r + h).contains(&gr) || !(c..c + w).contains(&gc));
            Operation::ClearRange(CellRange::new(
                CellRef { row: r, col: c },
                CellRef { row: r + h - 1, col: c + w - 1 },
            ))
        }
        Edit::InsertRows(at, count) => {
            shift(grid, true, at, count, true);
            Operation::InsertRows { at, count }
        }
        Edit::DeleteRows(at, count) => {
            shift(grid, true, at, count, false);
            Operation::DeleteRows { at, count }
        }
        Edit::InsertColumns(at, count) => {
            shift(grid, false, at, count, true);
            Operation::InsertColumns { at, count }
        }
        Edit::DeleteColumns(at, count) => {
            shift(grid, false, at, count, false);
            Operation::DeleteColumns { at, count }
        }
        Edit::Snapshot => {
            h.run(engine.request_snapshot()).expect("snapshot");
            return;
        }
    };
    h.run(engine.submit(op)).expect("edit");
}

/// The reference after importing `csv` at (`row`, `col`): the rectangle emptied, then every
/// non-empty field written as the importer parses it. Returns the rows imported (blank lines
/// are skipped: a CSV of blank lines imports nothing).
fn import_reference(grid: &mut Grid, csv: &str, row: u64, col: u64) -> u64 {
    let options = CsvImportOptions { start_row: row, start_column: col, ..CsvImportOptions::default() };
    let mut importer = CsvImporter::new(options).expect("options");
    importer.feed(csv.as_bytes()).expect("valid csv");
    importer.finish().expect("valid csv");
    let (rows, fields) = (importer.progress().rows, importer.fields().unwrap_or(0) as u64);
    grid.retain(|&(r, c), _| !(row..row + rows).contains(&r) || !(col..col + fields).contains(&c));
    while let Some(batch) = importer.next_batch() {
        for w in batch.writes {
            grid.insert((w.row, w.col), w.value.expect("a written field has a value"));
        }
    }
    rows
}

/// Every cell of the engine's latest version within the reference's extent (plus a margin)
/// equals the reference.
fn check(engine: &MemEngine, grid: &Grid, when: &str) -> Result<(), TestCaseError> {
    let version = engine.snapshot();
    prop_assert_eq!(version.load_status(), &sheetlog::engine::LoadStatus::Ready, "{}: loaded", when);
    let rows = grid.keys().map(|k| k.0 + 1).max().unwrap_or(0).max(version.row_count()) + 3;
    let cols = grid.keys().map(|k| k.1 + 1).max().unwrap_or(0).max(version.column_count()) + 2;
    for r in 0..rows {
        for c in 0..cols {
            let got = version.cell(r, c).and_then(|content| content.value);
            prop_assert_eq!(got.as_ref(), grid.get(&(r, c)), "{}: cell ({}, {})", when, r, c);
        }
    }
    Ok(())
}

#[allow(clippy::result_large_err)] // the error as the engine gives it, inspected by the tests
fn import(
    h: &mut Harness,
    engine: &MemEngine,
    csv: &str,
    at: (u64, u64),
    chunk: usize,
    on_error: OnError,
    cancel: bool,
) -> Result<sheetlog::engine::csv::ImportReport, CsvImportError> {
    let options = ImportOptions {
        csv: CsvImportOptions { start_row: at.0, start_column: at.1, ..CsvImportOptions::default() },
        on_error,
    };
    let calls = Rc::new(Cell::new(0));
    let seen = calls.clone();
    let source = BytesSource::new(csv.as_bytes().to_vec(), chunk);
    h.run(engine.import_csv_layer(
        source,
        options,
        |_| {},
        move || {
            seen.set(seen.get() + 1);
            cancel && seen.get() > 1
        },
    ))
}

fn import_blobs(h: &mut Harness, blobs: &MemoryBlobStore) -> usize {
    let root = blobs.root();
    let Ok(dir) = h.run(root.dir(IMPORT_DIR)) else { return 0 };
    h.run(dir.list(None)).map_or(0, |page| page.entries.len())
}

/// A sheet over fresh memory stores with `before` applied, and its reference.
struct Sheet {
    h: Harness,
    log: MemoryEventLog,
    blobs: MemoryBlobStore,
    engine: MemEngine,
    grid: Grid,
}

fn sheet(before: &[Edit]) -> Sheet {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), options());
    let mut grid = Grid::new();
    for e in before {
        apply(&mut h, &engine, &mut grid, e);
    }
    Sheet { h, log, blobs, engine, grid }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn an_import_layer_replaces_its_rectangle_and_survives_edits_snapshots_and_reopen(
        before in proptest::collection::vec(edit(), 0..25),
        csv in csv(),
        at in (0u64..20, 0u64..7),
        chunk in 1usize..50,
        after in proptest::collection::vec(edit(), 0..12),
    ) {
        let Sheet { mut h, log, blobs, engine, mut grid } = sheet(&before);
        let entries_before = h.run(log.bounds()).expect("bounds").end;
        let report = import(&mut h, &engine, &csv, at, chunk, OnError::Rollback, false).expect("import");
        let rows = import_reference(&mut grid, &csv, at.0, at.1);
        let entries = h.run(log.query(QueryFrom::Seq(entries_before), QueryTo::End, None)).expect("query").entries;
        let expected = u64::from(rows > 0);
        prop_assert_eq!(entries.len() as u64, expected, "one entry per import that has rows");
        prop_assert!(entries.iter().all(|e| matches!(e.operation, Operation::Import(_))));
        prop_assert_eq!(report.entries, expected);
        prop_assert_eq!(report.rows, rows);
        check(&engine, &grid, "after the import")?;
        for e in &after {
            apply(&mut h, &engine, &mut grid, e);
        }
        check(&engine, &grid, "after edits over it")?;
        h.run(engine.request_snapshot()).expect("snapshot");
        check(&engine, &grid, "after a snapshot")?;
        let reopened = h.open(log.clone(), blobs.clone(), options());
        check(&reopened, &grid, "after a reopen")?;
    }

    #[test]
    fn malformed_input_with_rollback_and_a_cancel_change_nothing(
        before in proptest::collection::vec(edit(), 0..15),
        csv in csv(),
        at in (0u64..20, 0u64..7),
        chunk in 1usize..20,
    ) {
        let Sheet { mut h, log, blobs, engine, grid } = sheet(&before);
        let end = h.run(log.bounds()).expect("bounds").end;
        // A quote never closed makes the input malformed, whatever came before.
        let bad = format!("{csv}\"open,1\n2,3\n");
        let result = import(&mut h, &engine, &bad, at, chunk, OnError::Rollback, false);
        prop_assert!(matches!(result, Err(CsvImportError::Malformed { .. })), "{:?}", result);
        let result = import(&mut h, &engine, &csv, at, chunk, OnError::Rollback, true);
        prop_assert!(result.as_ref().is_ok_and(|r| r.cancelled) || csv.len() <= chunk, "{:?}", result);
        if csv.len() > chunk {
            prop_assert_eq!(h.run(log.bounds()).expect("bounds").end, end, "nothing appended");
            prop_assert_eq!(import_blobs(&mut h, &blobs), 0, "the tiles written were removed");
            check(&engine, &grid, "after a rollback and a cancel")?;
        }
    }
}

/// Input chunks read when a batch write started, and when it ended.
type Batch = (usize, Option<usize>);

/// A memory blob store whose batch writes finish only after a few more polls, as IndexedDB's
/// do, so that the import parses on while a batch is in flight; from batch `fail_at` on (when
/// set) a batch fails after those polls, writing nothing.
#[derive(Clone, Debug)]
struct SlowBlobs {
    inner: MemoryBlobStore,
    fail_at: Option<usize>,
    /// Batches started, and how many input chunks had been read when each started and ended.
    batches: Rc<RefCell<Vec<Batch>>>,
    chunks_read: Rc<Cell<usize>>,
}

impl BlobStore for SlowBlobs {
    type Dir = MemoryBlobDir;
    fn root(&self) -> MemoryBlobDir {
        self.inner.root()
    }
    async fn write_many(&self, batch: &[(&str, &[u8])]) -> Result<(), BlobError> {
        let n = {
            let mut batches = self.batches.borrow_mut();
            batches.push((self.chunks_read.get(), None));
            batches.len() - 1
        };
        for _ in 0..4 {
            yield_now().await;
        }
        self.batches.borrow_mut()[n].1 = Some(self.chunks_read.get());
        if self.fail_at.is_some_and(|at| n >= at) {
            return Err(StorageError::new(StorageErrorKind::Other, "injected failure").into());
        }
        self.inner.write_many(batch).await
    }
}

/// Pending once (waking itself), then ready.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}

/// CSV bytes in chunks of 64 KiB, counting the chunks read.
struct CountedSource {
    bytes: Rc<[u8]>,
    read: Rc<Cell<usize>>,
}

impl CsvSource for CountedSource {
    fn total_bytes(&self) -> Option<u64> {
        Some(self.bytes.len() as u64)
    }
    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>> {
        let (bytes, read) = (self.bytes.clone(), self.read.clone());
        let starts = (0..bytes.len()).step_by(1 << 16);
        futures::stream::iter(starts.map(move |at| {
            read.set(read.get() + 1);
            Ok(bytes[at..bytes.len().min(at + (1 << 16))].to_vec())
        }))
        .boxed_local()
    }
}

/// Every blob under `dir` of `blobs`, by name.
fn dir_blobs(h: &mut Harness, blobs: &MemoryBlobStore, dir: &str) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let Ok(dir) = h.run(read_dir(blobs, dir)) else { return found };
    let mut continuation = None;
    loop {
        let page = h.run(dir.list(continuation.as_ref())).expect("list");
        for entry in page.entries {
            found.insert(entry.name.clone(), h.run(dir.read(&entry.name)).expect("read"));
        }
        continuation = page.continuation;
        if continuation.is_none() {
            return found;
        }
    }
}

async fn read_dir(blobs: &MemoryBlobStore, path: &str) -> Result<MemoryBlobDir, BlobError> {
    let mut dir = blobs.root();
    for name in path.split('/') {
        dir = dir.dir(name).await?;
    }
    Ok(dir)
}

/// Imports 3 MB of CSV (several write batches) into `blobs` under `dir`.
#[allow(clippy::result_large_err)] // the error as the engine gives it, inspected by the test
fn write_layer<B: BlobStore>(
    h: &mut Harness,
    blobs: &B,
    csv: &Rc<[u8]>,
    read: &Rc<Cell<usize>>,
    dir: &str,
    cancel_after_chunks: usize,
    pauses: &Cell<usize>,
) -> Result<sheetlog::engine::csv::WrittenLayer, CsvImportError> {
    let source = CountedSource { bytes: csv.clone(), read: read.clone() };
    let options = ImportOptions { csv: CsvImportOptions::default(), on_error: OnError::Rollback };
    let cancelled = || read.get() >= cancel_after_chunks;
    // A pause yields once, as a browser task would; the slow store's writes advance whenever
    // the import is polled.
    let pause = || {
        pauses.set(pauses.get() + 1);
        yield_now().boxed_local()
    };
    let written = h.run(write_import_layer(
        blobs,
        &source,
        options,
        TileSize::DEFAULT,
        dir.to_string(),
        &mut |_| {},
        &cancelled,
        &pause,
    ));
    written.map(|(layer, malformed)| {
        assert_eq!(malformed, None);
        layer
    })
}

/// Issue 9 ("the speed of the bytes"): a layer import parses on while its last batch of tiles
/// is being written. With writes that finish late, it writes exactly the blobs (names and bytes)
/// and the layer that immediate writes give, and some input is read (and the import pauses for
/// the host's events) while a batch is in flight;
/// when a batch fails, first or later, the import fails and no tile it wrote is left; a cancel
/// or malformed input while a batch is in flight leave none either.
#[test]
fn tiles_are_written_while_parsing_goes_on_and_a_failed_batch_leaves_nothing() {
    let text: String = (0..40_000)
        .map(|r| {
            format!(
                "2013,{},{},{:.1},UA{},N{:05}X,2013-01-01 {:02}:00:00,\"a, quoted {r}\"\n",
                r % 12,
                r % 28,
                r as f64 * 0.5,
                r % 97,
                r % 4000,
                r % 24
            )
        })
        .collect();
    let csv: Rc<[u8]> = text.into_bytes().into();
    let mut h = Harness::new();
    let dir = "imports/0000000000000-test-0";
    let immediate = MemoryBlobStore::new();
    let no_pause = Cell::new(0);
    let expected =
        write_layer(&mut h, &immediate, &csv, &Rc::new(Cell::new(0)), dir, usize::MAX, &no_pause).expect("import");
    assert_eq!(no_pause.get(), 0, "no pause without a write in flight");
    let expected_blobs = dir_blobs(&mut h, &immediate, dir);
    assert!(expected_blobs.values().map(Vec::len).sum::<usize>() > 3 << 20, "several batches of about 1 MiB");

    // A cancel and malformed input (found at its end) while a batch is in flight leave nothing.
    let mut malformed = csv.to_vec();
    malformed.extend_from_slice(b"\"never closed,1\n");
    let malformed: Rc<[u8]> = malformed.into();
    for (input, cancel_after_chunks) in [(&csv, 30), (&malformed, usize::MAX)] {
        let read = Rc::new(Cell::new(0));
        let slow = SlowBlobs {
            inner: MemoryBlobStore::new(),
            fail_at: None,
            batches: Rc::default(),
            chunks_read: read.clone(),
        };
        let result = write_layer(&mut h, &slow, input, &read, dir, cancel_after_chunks, &Cell::new(0));
        match result {
            Ok(written) => assert!(written.report.cancelled && written.layer.is_none(), "{written:?}"),
            Err(error) => assert!(matches!(error, CsvImportError::Malformed { .. }), "{error:?}"),
        }
        assert!(slow.batches.borrow().iter().any(|(_, end)| end.is_some()), "some batch was written first");
        assert!(dir_blobs(&mut h, &slow.inner, dir).is_empty(), "nothing left");
    }

    for fail_at in [None, Some(0), Some(1), Some(2)] {
        let read = Rc::new(Cell::new(0));
        let slow =
            SlowBlobs { inner: MemoryBlobStore::new(), fail_at, batches: Rc::default(), chunks_read: read.clone() };
        let pauses = Cell::new(0);
        let result = write_layer(&mut h, &slow, &csv, &read, dir, usize::MAX, &pauses);
        let batches = slow.batches.borrow().clone();
        let left = dir_blobs(&mut h, &slow.inner, dir);
        match fail_at {
            None => {
                assert_eq!(result.as_ref().ok(), Some(&expected));
                assert!(left == expected_blobs, "the same blobs as with immediate writes");
                assert!(batches.len() >= 3, "{batches:?}");
                assert!(
                    batches.iter().any(|(start, end)| end.is_some_and(|end| end > *start)),
                    "input read while a batch was in flight: {batches:?}"
                );
                assert!(pauses.get() > 0, "the import paused while a batch was in flight");
            }
            Some(at) => {
                assert!(matches!(result, Err(CsvImportError::Engine { .. })), "batch {at} failed: {result:?}");
                assert!(left.is_empty(), "batch {at} failed: {} tiles left", left.len());
                assert!(batches.len() > at, "{batches:?}");
            }
        }
    }
}

/// The default tile grid changed (64 x 16 to 256 x 32, BENCHMARKS.md "Stop 25"): a sheet keeps
/// the grid of its first snapshot. Opened with the new default, a sheet made with 64 x 16 tiles
/// reads, imports on its own grid (so its import stays a layer of the snapshot) and snapshots on
/// it; a new sheet takes the new default.
#[test]
fn a_sheet_keeps_the_grid_of_its_first_snapshot_when_the_default_changes() {
    let old = TileSize::new(64, 16).expect("64 x 16 tiles");
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), EngineOptions { tile_size: old, ..EngineOptions::default() });
    let mut grid = Grid::new();
    for (r, c) in [(0, 0), (63, 15), (64, 16), (200, 40)] {
        apply(&mut h, &engine, &mut grid, &Edit::Set(r, c, (r * 100 + c) as f64));
    }
    apply(&mut h, &engine, &mut grid, &Edit::Snapshot);
    assert_eq!(engine.tile_size(), old);

    let reopened = h.open(log.clone(), blobs.clone(), EngineOptions::default());
    assert_eq!(reopened.tile_size(), old, "the snapshot's grid, not the new default");
    check(&reopened, &grid, "reopened with the new default").expect("the same cells");
    let csv: String = (0..150).map(|r| format!("{r},x{r},,{}\n", r % 2 == 0)).collect();
    let end = h.run(log.bounds()).expect("bounds").end;
    import(&mut h, &reopened, &csv, (60, 14), 7, OnError::Rollback, false).expect("import");
    import_reference(&mut grid, &csv, 60, 14);
    let entries = h.run(log.query(QueryFrom::Seq(end), QueryTo::End, None)).expect("query").entries;
    match entries.as_slice() {
        [entry] => match &entry.operation {
            Operation::Import(layer) => {
                assert_eq!(layer.tile_size(), old, "the import's tiles follow the sheet's grid")
            }
            other => panic!("an import entry, got {other:?}"),
        },
        other => panic!("one entry, got {other:?}"),
    }
    check(&reopened, &grid, "after the import").expect("the imported cells");
    apply(&mut h, &reopened, &mut grid, &Edit::Snapshot);
    let again = h.open(log.clone(), blobs.clone(), EngineOptions::default());
    assert_eq!(again.tile_size(), old, "the snapshot after the import keeps the grid");
    check(&again, &grid, "after a snapshot and a reopen").expect("the same cells");

    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let fresh = h.open(log.clone(), blobs.clone(), EngineOptions::default());
    apply(&mut h, &fresh, &mut Grid::new(), &Edit::Set(300, 40, 1.0));
    apply(&mut h, &fresh, &mut Grid::new(), &Edit::Snapshot);
    let fresh = h.open(log, blobs, EngineOptions::default());
    assert_eq!(fresh.tile_size(), TileSize::DEFAULT);
    assert_eq!((TileSize::DEFAULT.rows(), TileSize::DEFAULT.cols()), (256, 32));
}
