//! CSV import into an engine and export from its versions, natively over the memory stores:
//! batched entries, progress, cancel, keep/rollback on malformed input, storage failures, the
//! snapshot after an import, export of unloaded tiles, and import-export round trips.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use engine_common::{small_tiles, FlakyLog, Harness};
use futures_channel::oneshot;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::csv::{
    write_csv, BytesSource, CsvError, CsvExportError, CsvExportOptions, CsvImportError, CsvImportOptions,
    ExportProgress, ImportOptions, ImportPhase, ImportProgress, ImportReport, OnError, MAX_EXPORT_CELLS,
    MAX_STREAM_EXPORT_CELLS, PART_CELLS, STRIPE_CELLS,
};
use sheetlog::engine::{ContentVersion, Engine, EngineError, InThreadHost, Viewport, WorkflowHost};
use sheetlog::log::{EventLog, MemoryEventLog, Operation, QueryFrom, QueryTo, SequenceId, Workflow};
use sheetlog::model::{CellRange, CellValue, ErrorCode, Format};

type MemEngine = Engine<MemoryEventLog, MemoryBlobStore>;

fn options(batch_cells: usize, on_error: OnError) -> ImportOptions {
    ImportOptions { csv: CsvImportOptions { batch_cells, ..CsvImportOptions::default() }, on_error }
}

/// A CSV of `rows` rows of 3 columns: a zero-padded id (text), a number, a boolean.
fn table(rows: usize) -> String {
    (0..rows).map(|r| format!("{:05},{},{}\n", r, r as f64 * 1.5, if r % 2 == 0 { "TRUE" } else { "FALSE" })).collect()
}

struct Run {
    result: Result<ImportReport, CsvImportError>,
    progress: Vec<ImportProgress>,
}

fn import<L: EventLog + Clone + 'static>(
    h: &mut Harness,
    engine: &Engine<L, MemoryBlobStore>,
    csv: &str,
    chunk: usize,
    options: ImportOptions,
    cancel_after: Option<usize>,
) -> Run {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let cancel = Rc::new(Cell::new(false));
    let (s, c) = (seen.clone(), cancel.clone());
    let on_progress = move |p: &ImportProgress| {
        s.borrow_mut().push(*p);
        let imported = s.borrow().iter().filter(|p| p.phase == ImportPhase::Importing).count();
        if cancel_after.is_some_and(|n| imported >= n) {
            c.set(true);
        }
    };
    let source = BytesSource::new(csv.as_bytes().to_vec(), chunk);
    let result = h.run(engine.import_csv(source, options, on_progress, move || cancel.get()));
    let progress = seen.borrow().clone();
    Run { result, progress }
}

fn value(v: &ContentVersion, row: u64, col: u64) -> Option<CellValue> {
    v.cell(row, col).and_then(|c| c.value)
}

fn entries(h: &mut Harness, log: &impl EventLog) -> Vec<Operation> {
    h.run(log.query(QueryFrom::Start, QueryTo::End, None)).unwrap().entries.into_iter().map(|e| e.operation).collect()
}

fn batch_sizes(ops: &[Operation]) -> Vec<usize> {
    ops.iter()
        .map(|op| match op {
            Operation::SetCells(w) => w.len(),
            Operation::SetCell(_) => 1,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn an_import_appends_one_entry_per_batch_and_reads_back() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    let run = import(&mut h, &engine, &table(100), 37, options(30, OnError::Keep), None);
    let report = run.result.unwrap();
    assert_eq!((report.rows, report.cells, report.entries, report.cancelled), (100, 300, 10, false));
    assert_eq!(batch_sizes(&entries(&mut h, &log)), vec![30; 10], "whole rows, never one entry per cell");
    let v = engine.snapshot();
    assert_eq!((v.row_count(), v.column_count()), (100, 3));
    assert_eq!(value(&v, 7, 0), Some(CellValue::Text("00007".into())), "leading zeros stay text");
    assert_eq!(value(&v, 7, 1), Some(CellValue::Number(10.5)));
    assert_eq!(value(&v, 7, 2), Some(CellValue::Boolean(false)));
    assert!(!v.has_pending_edits());

    // Progress after each batch, increasing, the last one the whole input.
    assert_eq!(run.progress.len(), 10);
    assert!(run.progress.iter().all(|p| p.phase == ImportPhase::Importing));
    assert!(run.progress.windows(2).all(|p| p[0].cells < p[1].cells && p[0].bytes < p[1].bytes));
    let last = run.progress.last().unwrap();
    assert_eq!((last.rows, last.cells, last.bytes, last.total_bytes), (100, 300, report.bytes, Some(report.bytes)));
}

#[test]
fn a_snapshot_follows_the_import() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    let report = import(&mut h, &engine, &table(50), 1 << 20, options(40, OnError::Rollback), None).result.unwrap();
    assert_eq!(report.entries, 4);
    assert_eq!(report.snapshot, Some(3), "on the last entry: it reflects the entries before it");
    h.run(async {});
    assert_eq!(engine.snapshot().log_info().snapshot_sequence_id, Some(3));
    let last = h.run(log.query(QueryFrom::Seq(3), QueryTo::End, None)).unwrap().entries.remove(0);
    assert_eq!(last.metadata.pending, None);
    assert_eq!(last.metadata.snapshot.as_deref(), Some("snapshots/3/index"));
    // Asking again changes nothing.
    assert_eq!(h.run(engine.request_snapshot()).unwrap(), None);
    // A reopen reads the snapshot and replays one entry.
    let fresh = h.open(log, blobs, small_tiles(1000));
    assert_eq!(value(&fresh.snapshot(), 49, 0), Some(CellValue::Text("00049".into())));
    assert_eq!(fresh.snapshot().log_info().snapshot_sequence_id, Some(3));
}

#[test]
fn cancel_stops_between_batches() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    let run = import(&mut h, &engine, &table(100), 64, options(30, OnError::Keep), Some(2));
    let report = run.result.unwrap();
    assert!(report.cancelled);
    assert_eq!((report.entries, report.rows, report.cells, report.snapshot), (2, 20, 60, None));
    assert_eq!(batch_sizes(&entries(&mut h, &log)), vec![30, 30]);
    let v = engine.snapshot();
    assert_eq!(v.row_count(), 20);
    assert_eq!(value(&v, 20, 0), None);

    // With rollback, a cancel during the check writes nothing.
    let cancelled = Rc::new(Cell::new(0));
    let c = cancelled.clone();
    let source = BytesSource::new(table(100).into_bytes(), 100);
    let report = h
        .run(engine.import_csv(
            source,
            options(30, OnError::Rollback),
            |_: &ImportProgress| {},
            move || {
                c.set(c.get() + 1);
                c.get() > 3
            },
        ))
        .unwrap();
    assert!(report.cancelled);
    assert_eq!(report.entries, 0);
    assert_eq!(entries(&mut h, &log).len(), 2, "nothing more written");
}

#[test]
fn malformed_input_with_keep_keeps_the_batches_before_the_error() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    // Line 36 is ragged: rows 0-29 are in one batch, rows 30-34 in the failing one.
    let mut csv = table(35);
    csv.push_str("oops\n");
    csv.push_str(&table(10));
    for chunk in [7, 1 << 20] {
        let run = import(&mut h, &engine, &csv, chunk, options(90, OnError::Keep), None);
        let Err(CsvImportError::Malformed { error, imported }) = run.result else { panic!("{:?}", run.result) };
        assert_eq!(error, CsvError::RaggedRow { line: 36, expected: 3, found: 1 });
        assert_eq!((imported.entries, imported.rows, imported.cells), (1, 30, 90), "chunk {chunk}");
    }
    assert_eq!(batch_sizes(&entries(&mut h, &log)), vec![90, 90], "two imports, one batch each");
    let v = engine.snapshot();
    assert_eq!(v.row_count(), 30);
    assert_eq!(value(&v, 30, 0), None, "the failing batch was not appended");
}

#[test]
fn malformed_input_with_rollback_writes_nothing() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    h.run(engine.set_cell(0, 0, Some(CellValue::Text("before".into())), None)).unwrap();
    for (csv, line) in
        [(format!("{}a,\"b\"c,d\n", table(500)), 501), (format!("{}\"unterminated,x,y\n", table(70)), 71)]
    {
        let run = import(&mut h, &engine, &csv, 1000, options(30, OnError::Rollback), None);
        let Err(CsvImportError::Malformed { error, imported }) = run.result else { panic!("{:?}", run.result) };
        assert_eq!(error.line(), line, "{error}");
        assert_eq!(imported, ImportReport::default());
        assert!(!run.progress.is_empty());
        assert!(run.progress.iter().all(|p| p.phase == ImportPhase::Validating), "nothing imported");
    }
    // Invalid UTF-8 through raw bytes.
    let mut bytes = table(40).into_bytes();
    bytes.extend_from_slice(b"x,\xC3\x28,y\n");
    let source = BytesSource::new(bytes, 13);
    let result = h.run(engine.import_csv(source, options(30, OnError::Rollback), |_: &ImportProgress| {}, || false));
    assert!(
        matches!(result, Err(CsvImportError::Malformed { error: CsvError::InvalidUtf8 { line: 41, field: 2 }, .. })),
        "{result:?}"
    );
    assert_eq!(entries(&mut h, &log).len(), 1, "only the edit made before");
    assert_eq!(engine.snapshot().row_count(), 1);
}

#[test]
fn a_storage_failure_keeps_the_batches_before_it() {
    let mut h = Harness::new();
    let log = FlakyLog::new(MemoryEventLog::new());
    let engine = h.open(log.clone(), MemoryBlobStore::new(), small_tiles(1000));
    let fail = log.fail.clone();
    let seen = Rc::new(Cell::new(0));
    let s = seen.clone();
    let on_progress = move |_: &ImportProgress| {
        s.set(s.get() + 1);
        if s.get() == 2 {
            fail.set(true);
        }
    };
    let source = BytesSource::new(table(100).into_bytes(), 4096);
    let result = h.run(engine.import_csv(source, options(30, OnError::Keep), on_progress, || false));
    let Err(CsvImportError::Engine { error, imported }) = result else { panic!("{result:?}") };
    assert_eq!(error.status_code(), 507);
    assert_eq!((imported.entries, imported.rows), (2, 20));
    let v = engine.snapshot();
    assert_eq!(v.row_count(), 20, "the failed batch was rolled back");
    assert!(!v.has_pending_edits());
}

#[test]
fn bad_options_are_refused_before_anything_is_read() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let result = import(&mut h, &engine, "1\n", 1, options(0, OnError::Keep), None).result;
    assert!(matches!(result, Err(CsvImportError::Engine { error: EngineError::Validation(_), .. })), "{result:?}");
}

/// The workflows waiting to run, each with the sender that releases it.
type Gates = Rc<RefCell<Vec<(SequenceId, Workflow, oneshot::Sender<()>)>>>;

/// A host that runs each workflow only when the test releases it.
#[derive(Clone)]
struct GatedHost {
    inner: InThreadHost<MemoryEventLog, MemoryBlobStore>,
    gates: Gates,
}

impl WorkflowHost for GatedHost {
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let (tx, rx) = oneshot::channel();
        self.gates.borrow_mut().push((seq, workflow, tx));
        let inner = self.inner.clone();
        async move {
            let _ = rx.await;
            inner.run(seq, workflow).await
        }
        .boxed_local()
    }
}

#[test]
fn a_snapshot_requested_while_another_runs_starts_after_it() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let gates = Rc::new(RefCell::new(Vec::new()));
    let options = small_tiles(3);
    let host = Rc::new(GatedHost {
        inner: InThreadHost::new(log.clone(), blobs.clone(), options.tile_size),
        gates: gates.clone(),
    });
    let engine: MemEngine = h.run(Engine::open(log.clone(), blobs, host, h.runtime(), options)).unwrap();
    for i in 0..3 {
        h.run(engine.set_cell(i, 0, Some(CellValue::Number(i as f64)), None)).unwrap();
    }
    // The interval (3) marked entry 2 and its snapshot is running.
    assert_eq!(engine.snapshot().log_info().workflow, Some(Workflow::Snapshot));
    for i in 3..6 {
        h.run(engine.set_cell(i, 0, Some(CellValue::Number(i as f64)), None)).unwrap();
    }
    assert_eq!(h.run(engine.request_snapshot()).unwrap(), Some(5));
    let entry5 = h.run(log.query(QueryFrom::Seq(5), QueryTo::End, None)).unwrap().entries.remove(0);
    assert_eq!(entry5.metadata.pending, Some(Workflow::Snapshot), "durable before it runs");
    assert_eq!(gates.borrow().len(), 1, "one workflow at a time");
    let (seq, _, gate) = gates.borrow_mut().remove(0);
    assert_eq!(seq, 2);
    gate.send(()).unwrap();
    h.run(async {});
    // The snapshot's own follow-up (its history) runs on its entry first.
    assert_eq!(gates.borrow().len(), 1);
    let (seq, workflow, gate) = gates.borrow_mut().remove(0);
    assert_eq!((seq, workflow), (2, Workflow::History));
    gate.send(()).unwrap();
    h.run(async {});
    assert_eq!(gates.borrow().len(), 1, "the queued snapshot started");
    let (seq, workflow, gate) = gates.borrow_mut().remove(0);
    assert_eq!((seq, workflow), (5, Workflow::Snapshot));
    gate.send(()).unwrap();
    h.run(async {});
    assert_eq!(engine.snapshot().log_info().snapshot_sequence_id, Some(5));
    let (seq, workflow, gate) = gates.borrow_mut().remove(0);
    assert_eq!((seq, workflow), (5, Workflow::History));
    gate.send(()).unwrap();
    h.run(async {});
    assert_eq!(engine.snapshot().log_info().workflow, None);
}

#[test]
fn export_writes_values_as_csv() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let cells = [
        (0, 0, CellValue::Text("name, with comma".into())),
        (0, 1, CellValue::Number(42.0)),
        (0, 2, CellValue::Boolean(true)),
        (1, 0, CellValue::Text("say \"hi\"\nbye".into())),
        (1, 1, CellValue::Number(0.1 + 0.2)),
        (1, 2, CellValue::Error(ErrorCode::Div0)),
        (2, 1, CellValue::Empty),
        (3, 2, CellValue::Number(1e21)),
    ];
    for (r, c, v) in cells {
        h.run(engine.set_cell(r, c, Some(v), Some(Format::new("0.00").unwrap()))).unwrap();
    }
    let v = engine.snapshot();
    let csv = h.run(engine.export_csv(&v, None)).unwrap();
    assert_eq!(csv, "\"name, with comma\",42,TRUE\n\"say \"\"hi\"\"\nbye\",0.30000000000000004,#DIV/0!\n,,\n,,1e+21\n");
    let range: CellRange = "B1:C2".parse().unwrap();
    assert_eq!(h.run(engine.export_csv(&v, Some(range))).unwrap(), "42,TRUE\n0.30000000000000004,#DIV/0!\n");
    let beyond: CellRange = "E9:F10".parse().unwrap();
    assert_eq!(h.run(engine.export_csv(&v, Some(beyond))).unwrap(), ",\n,\n", "a range is exported as asked");
    let one: CellRange = "A3".parse().unwrap();
    assert_eq!(h.run(engine.export_csv(&v, Some(one))).unwrap(), "\"\"\n", "one empty field is quoted");
    let empty = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    assert_eq!(h.run(empty.export_csv(&empty.snapshot(), None)).unwrap(), "");
    let huge: CellRange = "A1:Z9999999".parse().unwrap();
    let result = h.run(engine.export_csv(&v, Some(huge)));
    assert!(matches!(result, Err(CsvExportError::TooLarge { limit: MAX_EXPORT_CELLS, .. })), "{result:?}");
    // Held versions export what they showed.
    h.run(engine.set_cell(0, 1, Some(CellValue::Number(7.0)), None)).unwrap();
    assert!(h.run(engine.export_csv(&v, Some(range))).unwrap().starts_with("42,"));
}

#[test]
fn export_loads_the_tiles_a_small_viewport_left_out() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(5));
    let csv = table(60);
    import(&mut h, &writer, &csv, 500, options(20, OnError::Keep), None).result.unwrap();
    h.run(async {});
    assert!(writer.snapshot().log_info().snapshot_sequence_id.is_some());
    h.run(writer.set_cell(59, 0, Some(CellValue::Text("edited".into())), None)).unwrap();

    let mut options = small_tiles(5);
    options.viewport = Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 100.0, height: 60.0 });
    let reader = h.open(log, blobs, options);
    let v = reader.snapshot();
    assert_eq!(v.cell(40, 0), None, "not loaded by the viewport");
    let expected = csv.replace("00059,", "edited,");
    assert!(write_csv(&v, 0..60, 0..3).unwrap().len() < expected.len(), "the version alone lacks tiles");
    assert_eq!(h.run(reader.export_csv(&v, None)).unwrap(), expected);
    assert_eq!(reader.snapshot().cell(40, 0), None, "the engine's cache is untouched");
    let range: CellRange = "A41:B42".parse().unwrap();
    assert_eq!(h.run(reader.export_csv(&v, Some(range))).unwrap(), "00040,60\n00041,61.5\n");
}

/// The parts a streamed export hands over: each part's bytes with the progress after it.
type Parts = Vec<(Vec<u8>, ExportProgress)>;

/// Streams the whole of `version` with `engine`, never cancelled: its parts, and the progress at
/// the end.
fn stream_all<L: EventLog + 'static>(
    h: &mut Harness,
    engine: &Engine<L, MemoryBlobStore>,
    version: &ContentVersion,
) -> (Parts, ExportProgress) {
    let chunks: Rc<RefCell<Parts>> = Rc::default();
    let sink = chunks.clone();
    let (end, cancelled) = h
        .run(engine.export_csv_stream(
            version,
            None,
            CsvExportOptions::default(),
            move |bytes, progress| sink.borrow_mut().push((bytes, progress)),
            || false,
        ))
        .unwrap();
    assert!(!cancelled);
    (chunks.take(), end)
}

/// A row wider than `PART_CELLS` is streamed in pieces of its columns, each on its own, and the
/// pieces make exactly the string export's text: separators between pieces, one line end per
/// record, quoting as in the whole record, empty fields (first and last ones too) kept empty.
#[test]
fn a_wide_row_is_streamed_in_pieces_that_make_the_same_text() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1_000));
    // 3 rows x 9,000 columns: three pieces of 3,000 columns a row.
    let cols = 9_000usize;
    let csv: String = (0..3)
        .map(|r| {
            let fields: Vec<String> = (0..cols)
                .map(|c| match (c + r) % 5 {
                    _ if c == 0 || c == cols - 1 || c == 2_999 || c == 3_000 => String::new(),
                    0 => format!("{}", c * 10 + r),
                    1 => format!("\"a, {c}\""),
                    2 => String::new(),
                    _ => format!("t{c}"),
                })
                .collect();
            format!("{}\n", fields.join(","))
        })
        .collect();
    import(&mut h, &engine, &csv, 100_000, options(10_000, OnError::Keep), None).result.unwrap();
    let v = engine.snapshot();
    let whole = h.run(engine.export_csv(&v, None)).unwrap();
    let (chunks, end) = stream_all(&mut h, &engine, &v);
    let rows: Vec<u64> = chunks.iter().map(|(_, p)| p.rows).collect();
    assert_eq!(rows, [0, 0, 1, 1, 1, 2, 2, 2, 3], "three pieces a row; a row counts once whole");
    let text = String::from_utf8(chunks.iter().flat_map(|(b, _)| b.clone()).collect()).unwrap();
    let differs = text.bytes().zip(whole.bytes()).position(|(a, b)| a != b);
    let around = |s: &str, at: usize| s.get(at.saturating_sub(20)..(at + 20).min(s.len())).unwrap_or("").to_owned();
    assert!(
        differs.is_none() && text.len() == whole.len(),
        "the pieces make the string export's text; first difference at {differs:?}: {:?} against {:?}",
        differs.map(|at| around(&text, at)),
        differs.map(|at| around(&whole, at)),
    );
    assert!(whole.starts_with(",\"a, 1\",,t3,"), "{}", &whole[..20]);
    assert_eq!(end.bytes, whole.len() as u64);
    assert!(PART_CELLS < cols as u64);
}

/// A streamed export hands over the same text as the string export, stripe by stripe (whole
/// tile rows, about `STRIPE_CELLS` cells each), each in parts (whole rows, about `PART_CELLS`
/// cells each), reads the tiles the viewport left out, leaves the engine's cache as it was, and
/// stops between parts when cancelled.
#[test]
fn a_streamed_export_writes_the_same_text_stripe_by_stripe() {
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = MemoryBlobStore::new();
    let writer = h.open(log.clone(), blobs.clone(), small_tiles(5));
    // 30,000 rows x 3 columns, in stripes of whole 4-row tiles of about STRIPE_CELLS cells,
    // written in parts of whole rows of about PART_CELLS cells.
    let stripe = STRIPE_CELLS / 3 / 4 * 4;
    let part = PART_CELLS / 3;
    assert!(part < stripe && !stripe.is_multiple_of(part), "a stripe ends in a short part");
    let csv = table(30_000);
    import(&mut h, &writer, &csv, 100_000, options(10_000, OnError::Keep), None).result.unwrap();
    h.run(async {});
    let mut options = small_tiles(5);
    options.viewport = Some(Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 100.0, height: 60.0 });
    let reader = h.open(log, blobs, options);
    let v = reader.snapshot();
    let whole = h.run(reader.export_csv(&v, None)).unwrap();
    assert_eq!(whole, csv);
    let (chunks, end) = stream_all(&mut h, &reader, &v);
    let rows: Vec<u64> = chunks.iter().map(|(_, p)| p.rows).collect();
    let expected: Vec<u64> = (0..30_000u64.div_ceil(stripe))
        .flat_map(|k| {
            let end = ((k + 1) * stripe).min(30_000);
            (k * stripe..end).step_by(part as usize).map(move |start| (start + part).min(end))
        })
        .collect();
    assert!(expected.len() > 30_000u64.div_ceil(stripe) as usize, "more parts than stripes");
    assert_eq!(rows, expected, "parts of whole rows within stripes of whole tile rows");
    let text: Vec<u8> = chunks.iter().flat_map(|(b, _)| b.clone()).collect();
    assert_eq!(String::from_utf8(text).unwrap(), whole, "the same text as the string export");
    assert_eq!((end.rows, end.total_rows, end.bytes), (30_000, 30_000, whole.len() as u64));
    assert_eq!(reader.snapshot().cell(20_000, 0), None, "the engine's cache is untouched");

    // Cancelled after the first part: nothing more is written.
    let parts = Rc::new(Cell::new(0));
    let (seen, stop) = (parts.clone(), parts.clone());
    let (end, cancelled) = h
        .run(reader.export_csv_stream(
            &v,
            None,
            CsvExportOptions::default(),
            move |_, _| seen.set(seen.get() + 1),
            move || stop.get() >= 1,
        ))
        .unwrap();
    assert!(cancelled);
    assert_eq!((parts.get(), end.rows), (1, part));
    // A range and the size limit.
    let range: CellRange = "A41:B42".parse().unwrap();
    let text: Rc<RefCell<Vec<u8>>> = Rc::default();
    let out = text.clone();
    h.run(reader.export_csv_stream(
        &v,
        Some(range),
        CsvExportOptions::default(),
        move |b, _| out.borrow_mut().extend(b),
        || false,
    ))
    .unwrap();
    assert_eq!(String::from_utf8(text.take()).unwrap(), "00040,60\n00041,61.5\n");
    let huge: CellRange = format!("A1:XFD{}", 1u64 << 33).parse().unwrap();
    let result = h.run(reader.export_csv_stream(&v, Some(huge), CsvExportOptions::default(), |_, _| {}, || false));
    assert!(matches!(result, Err(CsvExportError::TooLarge { limit: MAX_STREAM_EXPORT_CELLS, .. })), "{result:?}");
}

/// Canonical CSV cells: what export writes for a value that import reads back as that value.
fn canonical_field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-eg-su-z][a-z ,\"\n]{0,8}",
        "0[0-9]{1,4}",
        any::<i64>().prop_map(|n| sheetlog::engine::csv::value::js_number(n as f64)),
        any::<f64>().prop_filter("finite", |n| n.is_finite()).prop_map(sheetlog::engine::csv::value::js_number),
        Just("TRUE".to_owned()),
        Just("FALSE".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn canonical_csv_round_trips_through_import_and_export(
        cols in 1usize..5,
        rows in prop::collection::vec(prop::collection::vec(canonical_field(), 5), 1..30),
        chunk in 1usize..200,
    ) {
        let mut rows: Vec<Vec<String>> = rows.into_iter().map(|r| r[..cols].to_vec()).collect();
        // The sheet's extent is the last non-empty row and column: make them so.
        rows.last_mut().unwrap()[cols - 1] = "x".into();
        let mut writer = csv::Writer::from_writer(Vec::new());
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let input = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let mut h = Harness::new();
        let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
        import(&mut h, &engine, &input, chunk, options(7, OnError::Rollback), None).result.unwrap();
        let output = h.run(engine.export_csv(&engine.snapshot(), None)).unwrap();
        prop_assert_eq!(output, input);
    }
}

#[test]
fn an_import_over_cells_replaces_values_and_formats_and_empty_fields_leave_cells_alone() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let pct = Some(Format::new("0%").unwrap());
    h.run(engine.set_cell(5, 2, Some(CellValue::Text("old".into())), pct.clone())).unwrap();
    h.run(engine.set_cell(5, 3, Some(CellValue::Number(1.0)), pct)).unwrap();
    let mut csv_options = options(100, OnError::Keep);
    csv_options.csv.start_row = 5;
    csv_options.csv.start_column = 2;
    let source = BytesSource::new(b"new,\n".to_vec(), 3);
    h.run(engine.import_csv(source, csv_options, |_: &ImportProgress| {}, || false)).unwrap();
    let v = engine.snapshot();
    assert_eq!(v.cell(5, 2).unwrap().value, Some(CellValue::Text("new".into())));
    assert_eq!(v.cell(5, 2).unwrap().format, None, "an imported cell has no format");
    assert_eq!(v.cell(5, 3).unwrap().value, Some(CellValue::Number(1.0)), "an empty field writes nothing");
    assert!(v.cell(5, 3).unwrap().format.is_some());
}

/// Issue 12, item 5: with `guard_formulas`, text a spreadsheet program would run as a formula
/// (OWASP: beginning with `=`, `+`, `-`, `@`, tab or CR) is exported with a `'` before it, quoted
/// as CSV requires; numbers, booleans, errors and other text are unchanged. Without the option the
/// file holds the text exactly, as before.
#[test]
fn export_guards_against_formula_injection_when_asked() {
    let mut h = Harness::new();
    let engine = h.open(MemoryEventLog::new(), MemoryBlobStore::new(), small_tiles(1000));
    let cells = [
        (0, 0, CellValue::Text("=HYPERLINK(\"http://evil.example\",\"click\")".into())),
        (0, 1, CellValue::Text("+1".into())),
        (0, 2, CellValue::Text("-2+3".into())),
        (1, 0, CellValue::Text("@SUM(A1:A9)".into())),
        (1, 1, CellValue::Text("\tcmd".into())),
        (1, 2, CellValue::Text("\r=1".into())),
        (2, 0, CellValue::Number(-5.0)),
        (2, 1, CellValue::Text("a=b".into())),
        (2, 2, CellValue::Error(ErrorCode::Div0)),
        (3, 0, CellValue::Text("=1,2".into())),
        (3, 1, CellValue::Boolean(false)),
        (3, 2, CellValue::Text(" =no".into())),
    ];
    for (r, c, v) in cells {
        h.run(engine.set_cell(r, c, Some(v), None)).unwrap();
    }
    let v = engine.snapshot();
    let guarded = h.run(engine.export_csv_with(&v, None, CsvExportOptions { guard_formulas: true })).unwrap();
    assert_eq!(
        guarded,
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",'+1,'-2+3\n\
         '@SUM(A1:A9),'\tcmd,\"'\r=1\"\n\
         -5,a=b,#DIV/0!\n\
         \"'=1,2\",FALSE, =no\n"
    );
    for line in guarded.lines() {
        for field in line.split(',') {
            let field = field.trim_start_matches('"');
            assert!(!field.starts_with(['=', '+', '@', '\t', '\r']), "unguarded field {field:?} in {guarded:?}");
        }
    }
    let plain = h.run(engine.export_csv(&v, None)).unwrap();
    assert!(plain.starts_with("\"=HYPERLINK("), "no guard unless asked: {plain:?}");
    let same = h.run(engine.export_csv_with(&v, None, CsvExportOptions::default())).unwrap();
    assert_eq!(same, plain, "the default options are the plain export");
    let range: CellRange = "A3:C3".parse().unwrap();
    let row = h.run(engine.export_csv_with(&v, Some(range), CsvExportOptions { guard_formulas: true })).unwrap();
    assert_eq!(row, "-5,a=b,#DIV/0!\n", "a negative number is a number, not a formula");
}
