//! `importCsv` and `exportCsv` of `SpreadsheetData` (the demo issue's CSV part), their TypeScript
//! types, and the JS sources of CSV bytes: a `Blob` (or `File`) read in 1 MiB slices, never whole,
//! or a string, converted to UTF-8 a slice at a time. Thin: the importer, the batching and the
//! export live in `crate::engine::csv`.
//!
//! Imports are bounded before the importer sees the bytes ([`RowGuard`], issue 12): at most
//! `maxColumns` fields a row (16,384 unless told), at most `maxRowBytes` bytes a row, and no
//! field longer than any cell text could be, so a 200 MB field or a million columns is refused
//! with a `ValidationError` naming the line after one slice, not held whole.

use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;

use futures_util::stream::{self, LocalBoxStream};
use futures_util::StreamExt as _;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::content_version::{version_arg, VersionRef};
use super::convert::{
    aborted_of, blob_size_of, get, index, kind, lone_surrogate, option, options_object, positive_integer, set,
    slice_text, text_length, Kind,
};
use super::js_error::{bad_input, engine_error, validation_error};
use super::spreadsheet_data::{with_engine, Backend, SpreadsheetData};
use crate::blob::BlobError;
use crate::engine::csv::{
    CsvExportError, CsvExportOptions, CsvImportError, CsvImportOptions, CsvSource, ImportOptions, ImportPhase,
    ImportProgress, ImportReport, LimitError, OnError, RowGuard, RowLimits, DEFAULT_BATCH_CELLS, DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_ROW_BYTES,
};
use crate::engine::EngineError;
use crate::log::MAX_BATCH_CELLS;
use crate::model::{Axis, CellRange};
use crate::{StorageError, StorageErrorKind};

/// Bytes read from a `Blob` at a time.
const SLICE_BYTES: f64 = 1024.0 * 1024.0;
/// UTF-16 units of a string source converted at a time.
const SLICE_UNITS: f64 = 512.0 * 1024.0;

#[wasm_bindgen(typescript_custom_section)]
const CSV_TYPES: &str = r##"
/** Options of `exportCsv`. */
export interface ExportCsvOptions {
  /**
   * Guard against formula injection (OWASP's CSV injection advice): text beginning with `=`, `+`,
   * `-`, `@`, a tab or a carriage return is written with a `'` before it, so a spreadsheet program
   * opening the file does not run it as a formula. Numbers stay numbers. Default `false`.
   */
  guardFormulas?: boolean;
  /**
   * `exportCsvBlob` only: aborting it stops the export between two parts of rows, and the promise
   * rejects with the signal's reason (an `AbortError` `DOMException` unless given).
   */
  signal?: AbortSignal;
}
/** Progress of `exportCsvBlob`, reported after each part of rows (about 4,096 cells). */
export interface ExportProgress {
  /** Rows written so far. */
  rows: number;
  /** Rows the export covers. */
  totalRows: number;
  /** CSV bytes (UTF-8) written so far. */
  bytes: number;
}
/** The `onProgress` callback of `exportCsvBlob`; what it throws is logged and ignored. */
export type ExportProgressCallback = (progress: ExportProgress) => void;
/** Options of `importCsv`. */
export interface ImportCsvOptions {
  /**
   * 0-based row of the first CSV record (default 0). Record `i` (0-based; blank lines are
   * skipped, a header row is an ordinary record) is written to row `startRow + i`.
   */
  startRow?: number;
  /** 0-based column of the first field of each record (default 0). */
  startColumn?: number;
  /**
   * What malformed CSV leaves in the sheet. `"rollback"` (default): nothing; the input is read
   * twice, a checking pass, then the writing pass. `"keep"`: the batches appended before the
   * error (never part of a batch: the batch holding the error is not appended).
   */
  onError?: "keep" | "rollback";
  /** Most cells per log entry, 1 to 1048576 (default 10000). Batches hold whole rows. */
  batchCells?: number;
  /**
   * Aborting it stops the import between two batches: the promise resolves with
   * `cancelled: true` and what was imported until then (which stays in the sheet).
   */
  signal?: AbortSignal;
  /** Most fields a row may have, 1 to 1048576 (default 16384); a wider row is a `ValidationError`. */
  maxColumns?: number;
  /**
   * Most bytes a row may take, 1 to 1073741824 (default 16777216, 16 MiB); a longer row is a
   * `ValidationError`, found before the row is held whole. A field longer than any cell text can
   * be (98,303 bytes) is refused the same way.
   */
  maxRowBytes?: number;
  /**
   * How the rows reach the sheet. `"entries"` (default): batches of cell writes, one log entry
   * each, shown as they land. `"layer"`: the import as a snapshot layer (DESIGN.md section 5b):
   * the input, read once, is written straight into tiles, then **one** log entry replaces the
   * target rectangle; nothing shows until that entry is durable. There an empty field empties
   * its cell, malformed input with `"rollback"` leaves no trace, and memory stays at one stripe
   * of tiles however large the file.
   */
  mode?: "entries" | "layer";
}
/** Progress of `importCsv`, reported after each appended batch (and during a checking pass). */
export interface ImportProgress {
  /** `"validating"`: the checking pass of `onError: "rollback"`; `"importing"`: writing. */
  phase: "validating" | "importing";
  /** Bytes of the input read in this pass (UTF-8 bytes for a string source). */
  bytes: number;
  /** Size of the input in bytes. */
  totalBytes: number | undefined;
  /** Rows imported (while validating: rows checked). */
  rows: number;
  /** Cells imported, one per non-empty field (while validating: cells checked). */
  cells: number;
}
/** The `onProgress` callback of `importCsv`; what it throws is logged and ignored. */
export type ImportProgressCallback = (progress: ImportProgress) => void;
/** What `importCsv` did. */
export interface ImportResult {
  /** Rows whose cells are all in the sheet. */
  rows: number;
  /** Cells written (non-empty fields). */
  cells: number;
  /** Log entries appended: one per batch, or 1 for `mode: "layer"`. */
  entries: number;
  /** True when the signal aborted the import. */
  cancelled: boolean;
}
/**
 * How `importCsv` rejects on malformed CSV (ragged rows, bad quotes, invalid UTF-8, text over
 * 32,767 UTF-16 units): `message` starts with `line N`.
 */
export interface CsvValidationError extends Error {
  name: "ValidationError";
  /** The 1-based line of the file where the offending record starts. */
  line: number;
  /** What stayed in the sheet (nothing with `onError: "rollback"`). */
  imported: ImportResult;
}
"##;

#[wasm_bindgen]
extern "C" {
    /// A JS `ImportCsvOptions`.
    #[wasm_bindgen(typescript_type = "ImportCsvOptions")]
    pub type JsImportCsvOptions;
    /// A JS `ImportProgressCallback`.
    #[wasm_bindgen(typescript_type = "ImportProgressCallback")]
    pub type JsImportProgressCallback;
    /// A JS `ExportProgressCallback`.
    #[wasm_bindgen(typescript_type = "ExportProgressCallback")]
    pub type JsExportProgressCallback;
    /// A JS `ExportCsvOptions`.
    #[wasm_bindgen(typescript_type = "ExportCsvOptions")]
    pub type JsExportCsvOptions;
    /// The A1 range of `exportCsv`, in an optional parameter (any JS value at run time: checked).
    #[wasm_bindgen(typescript_type = "string")]
    pub type JsRangeText;
}

/// A `Blob` read in slices of [`SLICE_BYTES`].
struct BlobSource {
    blob: web_sys::Blob,
}

fn read_error(error: &JsValue) -> EngineError {
    let name = get(error, "name").as_string().unwrap_or_else(|| "Error".to_owned());
    let message = get(error, "message").as_string().unwrap_or_default();
    let detail = format!("reading the CSV file failed: {name}: {message}");
    EngineError::Blob(BlobError::Storage(StorageError::new(StorageErrorKind::Other, detail)))
}

impl CsvSource for BlobSource {
    fn total_bytes(&self) -> Option<u64> {
        Some(self.blob.size() as u64)
    }

    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>> {
        let blob = self.blob.clone();
        let size = blob.size();
        stream::unfold(0.0, move |start: f64| {
            let blob = blob.clone();
            async move {
                if start >= size {
                    return None;
                }
                let end = (start + SLICE_BYTES).min(size);
                let read = async {
                    let slice = blob.slice_with_f64_and_f64(start, end)?;
                    let buffer = JsFuture::from(slice.array_buffer()).await?;
                    Ok::<_, JsValue>(Uint8Array::new(&buffer).to_vec())
                };
                Some((read.await.map_err(|e| read_error(&e)), end))
            }
        })
        .boxed_local()
    }
}

#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = utf8Length)]
    fn utf8_length(text: &JsValue) -> f64;
}

/// A JS string as a CSV source: converted to UTF-8 [`SLICE_UNITS`] UTF-16 units at a time (never
/// whole), slices never splitting a surrogate pair. Checked for lone surrogates first.
struct StringSource {
    text: JsValue,
    units: f64,
    bytes: u64,
}

impl CsvSource for StringSource {
    fn total_bytes(&self) -> Option<u64> {
        Some(self.bytes)
    }

    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>> {
        let (text, units) = (self.text.clone(), self.units);
        stream::unfold(0.0, move |start: f64| {
            let text = text.clone();
            async move {
                if start >= units {
                    return None;
                }
                let slice = slice_text(&text, start, (start + SLICE_UNITS).min(units));
                // A slice always has at least one unit: a pair is never split at its first unit.
                let taken = text_length(&slice).max(1.0);
                Some((Ok(slice.as_string().unwrap_or_default().into_bytes()), start + taken))
            }
        })
        .boxed_local()
    }
}

/// `Blob | string` as a CSV source.
pub(super) fn source_from_js(source: &JsValue) -> Result<Box<dyn CsvSource>, JsValue> {
    match kind(source) {
        Kind::Text => {
            return Ok(Box::new(StringSource {
                text: source.clone(),
                units: text_length(source),
                bytes: utf8_length(source) as u64,
            }))
        }
        Kind::IllFormedText => return Err(lone_surrogate("importCsv: the source string")),
        _ => {}
    }
    if blob_size_of(source) >= 0.0 {
        return Ok(Box::new(BlobSource { blob: source.clone().unchecked_into() }));
    }
    Err(bad_input(&format!(
        "importCsv: the source must be a Blob (or File) or a string, got {}",
        kind(source).describe()
    )))
}

/// A source whose every read goes through a [`RowGuard`]; a refusal ends the read with an error
/// and is kept in `refused` for the JS error.
pub(super) struct GuardedSource {
    pub(super) inner: Box<dyn CsvSource>,
    pub(super) limits: RowLimits,
    pub(super) refused: Rc<RefCell<Option<LimitError>>>,
}

impl CsvSource for GuardedSource {
    fn total_bytes(&self) -> Option<u64> {
        self.inner.total_bytes()
    }

    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>> {
        let mut guard = RowGuard::new(self.limits);
        let refused = self.refused.clone();
        // The importer stops at the first error, so nothing after a refused chunk is read.
        self.inner
            .chunks()
            .map(move |chunk| {
                let chunk = chunk?;
                if let Err(error) = guard.scan(&chunk) {
                    let message = error.message.clone();
                    *refused.borrow_mut() = Some(error);
                    return Err(EngineError::Blob(BlobError::Storage(StorageError::new(
                        StorageErrorKind::Other,
                        message,
                    ))));
                }
                Ok(chunk)
            })
            .boxed_local()
    }
}

impl CsvSource for Box<dyn CsvSource> {
    fn total_bytes(&self) -> Option<u64> {
        (**self).total_bytes()
    }

    fn chunks(&self) -> LocalBoxStream<'static, Result<Vec<u8>, EngineError>> {
        (**self).chunks()
    }
}

/// `ImportCsvOptions | undefined` as engine options and the rest ([`ImportMode`]).
pub(super) fn options_from_js(options: &JsValue) -> Result<(ImportOptions, ImportMode), JsValue> {
    options_object(options, "importCsv: options")?;
    let start = |name: &str, axis: Axis| -> Result<u64, JsValue> {
        match option(options, name)? {
            v if v.is_undefined() => Ok(0),
            v => match v.as_f64() {
                Some(n) => index(axis, n),
                None => Err(bad_input(&format!("option {name} must be a number, got {}", kind(&v).describe()))),
            },
        }
    };
    let csv = CsvImportOptions {
        start_row: start("startRow", Axis::Row)?,
        start_column: start("startColumn", Axis::Column)?,
        batch_cells: positive_integer(options, "batchCells", MAX_BATCH_CELLS as f64)?
            .map_or(DEFAULT_BATCH_CELLS, |n| n as usize),
    };
    let on_error = option(options, "onError")?;
    let on_error = match on_error.as_string().as_deref() {
        _ if on_error.is_undefined() => OnError::Rollback,
        Some("rollback") => OnError::Rollback,
        Some("keep") => OnError::Keep,
        _ => return Err(bad_input("option onError must be \"keep\" or \"rollback\"")),
    };
    let signal = match option(options, "signal")? {
        v if v.is_undefined() => None,
        v if aborted_of(&v) >= 0 => Some(v),
        _ => return Err(bad_input("option signal must be an AbortSignal")),
    };
    let limits = RowLimits {
        max_columns: positive_integer(options, "maxColumns", MAX_BATCH_CELLS as f64)?
            .map_or(DEFAULT_MAX_COLUMNS, |n| n as usize),
        max_row_bytes: positive_integer(options, "maxRowBytes", f64::from(1u32 << 30))?
            .map_or(DEFAULT_MAX_ROW_BYTES, |n| n as u64),
    };
    let mode = option(options, "mode")?;
    let layer = match mode.as_string().as_deref() {
        _ if mode.is_undefined() => false,
        Some("entries") => false,
        Some("layer") => true,
        _ => return Err(bad_input("option mode must be \"entries\" or \"layer\"")),
    };
    Ok((ImportOptions { csv, on_error }, ImportMode { limits, signal, layer }))
}

/// The options of `importCsv` that are not the engine's: row limits, the abort signal, and
/// whether to import as a layer.
pub(super) struct ImportMode {
    pub(super) limits: RowLimits,
    pub(super) signal: Option<JsValue>,
    pub(super) layer: bool,
}

pub(super) fn result_js(report: &ImportReport) -> JsValue {
    let object = Object::new();
    set(&object, "rows", &(report.rows as f64).into());
    set(&object, "cells", &(report.cells as f64).into());
    set(&object, "entries", &(report.entries as f64).into());
    set(&object, "cancelled", &report.cancelled.into());
    object.into()
}

pub(super) fn progress_js(progress: &ImportProgress) -> JsValue {
    let object = Object::new();
    let phase = match progress.phase {
        ImportPhase::Validating => "validating",
        ImportPhase::Importing => "importing",
    };
    set(&object, "phase", &phase.into());
    set(&object, "bytes", &(progress.bytes as f64).into());
    set(&object, "totalBytes", &progress.total_bytes.map_or(JsValue::UNDEFINED, |n| (n as f64).into()));
    set(&object, "rows", &(progress.rows as f64).into());
    set(&object, "cells", &(progress.cells as f64).into());
    object.into()
}

/// The JS error of a failed import: a `ValidationError` with `line` for malformed CSV or a row
/// over the limits (`refused`), else the engine error's; all carry `imported`.
pub(super) fn import_error_js(error: &CsvImportError, refused: Option<LimitError>) -> JsValue {
    let js = match error {
        CsvImportError::Engine { .. } if refused.is_some() => {
            let refused = refused.unwrap_or(LimitError { line: 0, message: String::new() });
            let js = bad_input(&refused.message);
            let _ = Reflect::set(&js, &"line".into(), &(refused.line as f64).into());
            js
        }
        CsvImportError::Malformed { error, .. } => {
            let js = bad_input(&error.to_string());
            let _ = Reflect::set(&js, &"line".into(), &(error.line() as f64).into());
            js
        }
        CsvImportError::Engine { error, .. } => engine_error(error),
    };
    let _ = Reflect::set(&js, &"imported".into(), &result_js(&error.imported()));
    js
}

/// The arguments of `exportCsv` and `exportCsvBlob`: the version, the A1 range, the options and
/// an abort signal.
pub(super) fn export_args(
    snapshot: &JsValue,
    range: Option<JsRangeText>,
    options: Option<JsExportCsvOptions>,
) -> Result<(VersionRef, Option<CellRange>, CsvExportOptions, Option<JsValue>), JsValue> {
    let snapshot = version_arg(snapshot, "snapshot")?;
    let range = match range.map(JsValue::from) {
        None => None,
        Some(range) => match kind(&range) {
            Kind::Text => {
                Some(CellRange::from_str(&range.as_string().unwrap_or_default()).map_err(|e| validation_error(&e))?)
            }
            Kind::IllFormedText => return Err(lone_surrogate("argument range")),
            other => {
                return Err(bad_input(&format!(
                    "argument range must be A1 text such as \"A1:C10\" or undefined, got {}",
                    other.describe()
                )))
            }
        },
    };
    let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
    options_object(&options, "exportCsv: options")?;
    let guard = option(&options, "guardFormulas")?;
    let guard_formulas = match guard.as_bool() {
        Some(guard) => guard,
        None if guard.is_undefined() => false,
        None => return Err(bad_input("option guardFormulas must be a boolean")),
    };
    let signal = match option(&options, "signal")? {
        v if v.is_undefined() => None,
        v if aborted_of(&v) >= 0 => Some(v),
        _ => return Err(bad_input("option signal must be an AbortSignal")),
    };
    Ok((snapshot, range, CsvExportOptions { guard_formulas }, signal))
}

pub(super) fn export_error_js(error: &CsvExportError) -> JsValue {
    match error {
        CsvExportError::Engine(e) => engine_error(e),
        other => bad_input(&other.to_string()),
    }
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// Imports CSV from `source`, a `Blob` or `File` (read in 1 MiB slices, never whole) or a
    /// string, as `ImportCsvOptions` say. Fields become cells from (`startRow`, `startColumn`):
    /// an empty field writes nothing; a number in plain notation (`42`, `-0.5`, `.5`, `1e-7`;
    /// not `+1`, `0x1F`, `Infinity`, ` 1`, nor text with leading zeros such as the zip code `02134`)
    /// becomes a number; `TRUE`/`FALSE` (case-insensitive) a boolean; the rest stays text (a cell's
    /// number format is removed). Cells are appended in batches of whole rows, one log entry per
    /// batch, one at a time, with the contract of `setCellValueAndFormat` (visible at once,
    /// durable in order); `onProgress` runs after each batch. After a complete import a snapshot
    /// is requested (`getLogInfo(s).workflow` shows it running).
    ///
    /// With `mode: "layer"` the import is a snapshot layer (DESIGN.md section 5b): the file is
    /// read once and written straight into tiles, in the sheet's worker when it has one (started
    /// now if it was not; the `File` is posted to it, not copied into this thread's memory), then
    /// one log entry replaces the target rectangle (an empty field empties its cell). Nothing shows, and
    /// nothing changes, until that entry is durable; a cancel, malformed input with
    /// `"rollback"`, or a worker that dies leaves the sheet as it was. Memory stays at one stripe
    /// of tiles whatever the file's size.
    ///
    /// Resolves with `{rows, cells, entries, cancelled}`; an aborted `signal` resolves with
    /// `cancelled: true`. Rejects with a `CsvValidationError` (`name` `"ValidationError"`, a
    /// `line`, and `imported`) for malformed CSV, a `ValidationError` for bad options, a
    /// `StorageError` when the file cannot be read or an append fails (the batches before it
    /// stay; `imported` says what did).
    #[wasm_bindgen(js_name = importCsv, unchecked_return_type = "Promise<ImportResult>")]
    pub fn import_csv(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Blob | string")] source: JsValue,
        options: Option<JsImportCsvOptions>,
        #[wasm_bindgen(js_name = onProgress)] on_progress: Option<JsImportProgressCallback>,
    ) -> Promise {
        let source_js = source.clone();
        let parsed = (|| -> Result<_, JsValue> {
            let source = source_from_js(&source)?;
            let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
            let (options, mode) = options_from_js(&options)?;
            let callback = match on_progress.map(JsValue::from) {
                None => None,
                Some(f) => Some(f.dyn_into::<Function>().map_err(|_| bad_input("onProgress must be a function"))?),
            };
            Ok((source, options, mode, callback))
        })();
        let (source, options, ImportMode { limits, signal, layer }, callback) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Promise::reject(&e),
        };
        let inner = Rc::downgrade(&self.inner);
        let report = move |progress: &ImportProgress| {
            if progress.phase == ImportPhase::Importing {
                if let Some(inner) = inner.upgrade() {
                    inner.announce();
                }
            }
            if let Some(callback) = &callback {
                if let Err(error) = callback.call1(&JsValue::UNDEFINED, &progress_js(progress)) {
                    web_sys::console::error_2(&JsValue::from_str("sheetlog: an onProgress callback threw"), &error);
                }
            }
        };
        let cancelled = move || signal.as_ref().is_some_and(|signal| aborted_of(signal) == 1);
        // A layer import of a sheet with a worker parses and writes its tiles in the worker
        // (started now if it was not); one the browser refuses to start imports here.
        if let (true, Backend::Idb { engine, worker: Some(worker), .. }) = (layer, &self.inner.backend) {
            if let Some(worker) = worker.for_job("import") {
                let job = super::worker_import::WorkerImport { source: source_js, options, limits };
                return job.run(engine.clone(), worker, Rc::new(report), Rc::new(cancelled));
            }
        }
        let refused = Rc::new(RefCell::new(None));
        let source = GuardedSource { inner: source, limits, refused: refused.clone() };
        let import = with_engine!(&self.inner.backend, e => if layer {
            e.import_csv_layer(source, options, report, cancelled)
        } else {
            e.import_csv(source, options, report, cancelled)
        });
        future_to_promise(async move {
            let report = import.await.map_err(|e| import_error_js(&e, refused.borrow_mut().take()))?;
            Ok(result_js(&report))
        })
    }

    /// The CSV text of `snapshot`: the whole sheet (rows `0..getRowCount(s)` by columns
    /// `0..getColumnCount(s)`), or `range` in A1 form (`"A1:C10"`, `"B7"`). Numbers are written
    /// as JS writes them (`42`, `0.1`, `1e+21`), booleans `TRUE`/`FALSE`, text as is (quoted
    /// when it holds `,`, `"` or a line end), error values as their code; explicitly empty cells
    /// and cells with no value are empty fields; formats are not exported. Lines end with `\n`.
    /// Tiles under the range that the snapshot's viewport did not load are read for the export.
    /// With `options.guardFormulas`, text that a spreadsheet program would run as a formula
    /// (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a `'` before it.
    ///
    /// Rejects with `ValidationError` for a malformed range or one over 2^26 cells, or arguments
    /// of the wrong type; `StorageError` when a tile cannot be read.
    #[wasm_bindgen(js_name = exportCsv, unchecked_return_type = "Promise<string>")]
    pub fn export_csv(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
        range: Option<JsRangeText>,
        options: Option<JsExportCsvOptions>,
    ) -> Promise {
        let (snapshot, range, options) = match export_args(&snapshot, range, options) {
            Ok((snapshot, range, options, _)) => (snapshot, range, options),
            Err(e) => return Promise::reject(&e),
        };
        let export = with_engine!(&self.inner.backend, e => e.export_csv_with(&snapshot.version, range, options));
        future_to_promise(async move {
            let text = export.await.map_err(|e| export_error_js(&e))?;
            Ok(JsValue::from_str(&text))
        })
    }
}
