//! Model-based property test of the streamed CSV export (issue 9, item 4): a sheet made by
//! random edits, structural edits, CSV imports as layers, far cells (so that rows are wide and
//! a stripe is a few tile rows) and snapshots and compactions in between, exported stripe by
//! stripe with `Engine::export_csv_stream`, over the whole sheet or a random range, by the
//! client that made it and by one that just opened it with a small viewport.
//!
//! The reference is the naive sheet of logical rows and columns (`engine_common::logical`),
//! written as CSV cell by cell. The streamed bytes must equal it; every stripe must be whole
//! records, with the progress counting its rows; a cancel after a random number of stripes must
//! have handed over exactly the reference's first records, and nothing after them.
//! Another engine also builds the writer's version at its position (`version_at`, as the worker
//! does for `exportCsvBlob`), at the end and in the middle of the history, and streams it.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;

use engine_common::logical::{edit, import_csv, import_intent, make, write_layer, Edit, Id, Sheet};
use engine_common::{run_chain, small_tiles, Harness};
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::csv::{write_cell_text, CsvExportOptions, ExportProgress};
use sheetlog::engine::{ContentVersion, Engine, Viewport};
use sheetlog::log::{EventLog, MemoryEventLog, QueryFrom, QueryTo, Workflow};
use sheetlog::model::{CellRange, CellRef, CellValue};
use sheetlog::snapshot::TileSize;

const SIDE: u64 = 10;
const AXIS: u64 = 700;

#[derive(Debug, Clone)]
enum Step {
    Edit(Edit),
    /// A number far out: up to row 299 and column 599 (a stripe is then a few 4-row tiles).
    Far {
        row: u64,
        col: u64,
    },
    Import {
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
        empty: u64,
    },
    Snapshot,
    Compact,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => edit(SIDE).prop_map(Step::Edit),
        2 => (0..300u64, 0..600u64).prop_map(|(row, col)| Step::Far { row, col }),
        2 => (0..SIDE, 0..SIDE, 1..9u64, 1..5u64, any::<u64>())
            .prop_map(|(row, col, rows, cols, empty)| Step::Import { row, col, rows, cols, empty }),
        1 => Just(Step::Snapshot),
        1 => Just(Step::Compact),
    ]
}

/// The reference's CSV of rows `rows` by columns `cols`: one record per row, each cell's text
/// as `write_cell_text` writes it, quoted by the `csv` crate's writer.
fn reference_csv(sheet: &Sheet, rows: Range<u64>, cols: Range<u64>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if !cols.is_empty() {
        for row in rows {
            for col in cols.clone() {
                let mut field = String::new();
                write_cell_text(&mut field, sheet.cell(row, col).and_then(|c| c.value.as_ref()));
                writer.write_field(&field).unwrap();
            }
            writer.write_record(None::<&[u8]>).unwrap();
        }
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

type TestEngine = Engine<MemoryEventLog, MemoryBlobStore>;
type Chunks = Rc<RefCell<Vec<(Vec<u8>, ExportProgress)>>>;

/// Streams `range` of `engine`'s current version, cancelling once `stop_after` stripes were
/// handed over (`None`: never); gives the stripes and whether it was cancelled.
fn stream(
    h: &mut Harness,
    engine: &TestEngine,
    range: Option<CellRange>,
    stop_after: Option<usize>,
) -> (Vec<(Vec<u8>, ExportProgress)>, bool) {
    stream_version(h, engine, &engine.snapshot(), range, stop_after)
}

/// [`stream`] of `version` (of `engine`, or one it built: [`Engine::version_at`]).
fn stream_version(
    h: &mut Harness,
    engine: &TestEngine,
    version: &ContentVersion,
    range: Option<CellRange>,
    stop_after: Option<usize>,
) -> (Vec<(Vec<u8>, ExportProgress)>, bool) {
    let chunks: Chunks = Rc::default();
    let sink = chunks.clone();
    let seen = Rc::new(Cell::new(0));
    let counted = seen.clone();
    let future = engine.export_csv_stream(
        version,
        range,
        CsvExportOptions::default(),
        move |bytes, progress| {
            counted.set(counted.get() + 1);
            sink.borrow_mut().push((bytes, progress));
        },
        move || stop_after.is_some_and(|n| seen.get() >= n),
    );
    let (_, cancelled) = h.run(future).expect("the export");
    (chunks.take(), cancelled)
}

fn run(steps: Vec<Step>, range: Option<(u64, u64, u64, u64)>, stop: usize) -> Result<(), TestCaseError> {
    let mut h = Harness::new();
    let log = MemoryEventLog::with_page_size(7);
    let blobs = MemoryBlobStore::with_page_size(5);
    let tiles = TileSize::new(4, 4).unwrap();
    let engine: TestEngine = h.open(log.clone(), blobs.clone(), small_tiles(1_000_000));
    let mut sheet = Sheet::new(AXIS);
    let mut next_id: Id = 10_000_000;
    let mut counter = 0.0;
    // The writer's position and the naive sheet after step `stop % steps.len()`: exported again
    // at the end as the worker exports a version (below).
    let mut middle = None;
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Edit(edit) => {
                let (future, intent) = make(&engine, &sheet, edit, &mut next_id, &mut counter);
                h.run(future).map_err(|e| TestCaseError::fail(format!("step {i}: {e}")))?;
                sheet.apply(&intent);
            }
            Step::Far { row, col } => {
                counter += 1.0;
                let edit = Edit::Set { row: *row, col: *col, value: CellValue::Number(counter), format: None };
                let (future, intent) = make(&engine, &sheet, &edit, &mut next_id, &mut counter);
                h.run(future).map_err(|e| TestCaseError::fail(format!("step {i}: {e}")))?;
                sheet.apply(&intent);
            }
            Step::Import { row, col, rows, cols, empty } => {
                let (text, values) = import_csv(*rows, *cols, *empty, &mut counter);
                let dir = format!("imports/{:013}-export-{i}", h.clock.get());
                let written = write_layer(&mut h, &engine, text, (*row, *col), dir, 9)
                    .map_err(|e| TestCaseError::fail(format!("step {i}: {e}")))?;
                let intent = import_intent(&sheet, *row, *col, *cols, values);
                h.run(engine.commit_import_layer(written))
                    .map_err(|e| TestCaseError::fail(format!("step {i}: {e}")))?;
                sheet.apply(&intent);
            }
            Step::Snapshot | Step::Compact => {
                h.run(async {});
                let end = h.run(log.bounds()).unwrap().end;
                if end > 0 {
                    run_chain(&mut h, &log, &blobs, end - 1, Workflow::Snapshot, tiles);
                }
                if matches!(step, Step::Compact) {
                    let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
                    if let Some(info) = latest {
                        run_chain(&mut h, &log, &blobs, info.seq, Workflow::Compact, tiles);
                    }
                }
                h.run(engine.sync()).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
            }
        }
        if i == stop % steps.len().max(1) {
            middle = Some((engine.snapshot().log_info().sequence_id, sheet.clone()));
        }
    }
    h.run(engine.sync()).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
    let (rows, cols, cell_range) = match range {
        None => {
            let (rows, cols) = sheet.extent();
            (0..rows, 0..cols, None)
        }
        Some((row, col, rows, cols)) => {
            let range = CellRange::new(CellRef { row, col }, CellRef { row: row + rows - 1, col: col + cols - 1 });
            (row..row + rows, col..col + cols, Some(range))
        }
    };
    let expected = reference_csv(&sheet, rows.clone(), cols.clone());
    // Exported by a client that just opened the sheet with a small viewport: the export reads
    // the tiles it has not loaded (snapshot layers and imports) for itself.
    let mut options = small_tiles(1_000_000);
    options.viewport = Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 100.0, height: 60.0 });
    let reader: TestEngine = h.open(log, blobs, options);
    let (writer_chunks, _) = stream(&mut h, &engine, cell_range, None);
    let text: Vec<u8> = writer_chunks.iter().flat_map(|(b, _)| b.iter().copied()).collect();
    prop_assert_eq!(String::from_utf8(text).unwrap(), expected.clone(), "the writer's streamed export");

    // As the worker exports (src/api/worker_export.rs): another engine builds the version at the
    // writer's position (`version_at`, from the nearest checkpoint) and streams the rectangle
    // resolved against the writer's version; at the end and at a position in the middle.
    let end = (engine.snapshot().log_info().sequence_id, sheet.clone());
    for (position, then) in middle.into_iter().chain([end]) {
        let (rows, cols) = then.extent();
        if position == 0 || rows == 0 || cols == 0 {
            continue;
        }
        let version = h.run(reader.version_at(position - 1)).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let whole = CellRange::new(CellRef { row: 0, col: 0 }, CellRef { row: rows - 1, col: cols - 1 });
        let (chunks, _) = stream_version(&mut h, &reader, &version, Some(whole), None);
        let text: Vec<u8> = chunks.iter().flat_map(|(b, _)| b.iter().copied()).collect();
        let expected = reference_csv(&then, 0..rows, 0..cols);
        prop_assert_eq!(
            String::from_utf8(text).unwrap(),
            expected,
            "the version at {} built by another engine",
            position
        );
    }
    let engine = reader;

    let (chunks, cancelled) = stream(&mut h, &engine, cell_range, None);
    prop_assert!(!cancelled);
    let text: Vec<u8> = chunks.iter().flat_map(|(b, _)| b.iter().copied()).collect();
    prop_assert_eq!(
        String::from_utf8(text).unwrap(),
        expected.clone(),
        "the streamed export of {:?} x {:?}",
        rows,
        cols
    );
    let mut done = 0;
    for (bytes, progress) in &chunks {
        prop_assert!(bytes.ends_with(b"\n"), "a stripe of whole records");
        prop_assert!(progress.rows > done, "each stripe adds rows");
        prop_assert_eq!(progress.total_rows, rows.end - rows.start);
        done = progress.rows;
    }
    if !cols.is_empty() {
        prop_assert_eq!(done, rows.end - rows.start, "every row handed over");
    }

    // Cancelled after `stop` stripes: exactly the first records, nothing after them.
    if chunks.len() > 1 {
        let stop = 1 + stop % (chunks.len() - 1);
        let (partial, cancelled) = stream(&mut h, &engine, cell_range, Some(stop));
        prop_assert!(cancelled, "cancelled after {} of {} stripes", stop, chunks.len());
        prop_assert_eq!(partial.len(), stop);
        let handed = partial.last().map_or(0, |(_, p)| p.rows);
        let text: Vec<u8> = partial.iter().flat_map(|(b, _)| b.iter().copied()).collect();
        let prefix = reference_csv(&sheet, rows.start..rows.start + handed, cols);
        prop_assert_eq!(String::from_utf8(text).unwrap(), prefix, "the first {} rows", handed);
    }
    Ok(())
}

fn range() -> impl Strategy<Value = Option<(u64, u64, u64, u64)>> {
    prop::option::of((0..320u64, 0..40u64, 1..340u64, 1..620u64))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_streamed_export_matches_a_naive_logical_grid(
        steps in prop::collection::vec(step(), 1..30),
        range in range(),
        stop in any::<usize>(),
    ) {
        run(steps, range, stop)?;
    }
}
