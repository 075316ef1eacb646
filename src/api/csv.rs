//! `importCsv` and `exportCsv` of `SpreadsheetData` (the demo issue's CSV part), their TypeScript
//! types, and the JS sources of CSV bytes: a `Blob` (or `File`) read in 1 MiB slices, never whole,
//! or a string. Thin: the importer, the batching and the export live in `crate::engine::csv`.

use std::rc::Rc;
use std::str::FromStr;

use futures_util::stream::{self, LocalBoxStream};
use futures_util::StreamExt as _;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::convert::{get, index, positive_integer, set};
use super::js_error::{bad_input, engine_error, validation_error};
use super::spreadsheet_data::{with_engine, Backend, JsContentVersion, SpreadsheetData};
use crate::blob::BlobError;
use crate::engine::csv::{
    BytesSource, CsvExportError, CsvImportError, CsvImportOptions, CsvSource, ImportOptions, ImportPhase,
    ImportProgress, ImportReport, OnError, DEFAULT_BATCH_CELLS,
};
use crate::engine::EngineError;
use crate::log::MAX_BATCH_CELLS;
use crate::model::{Axis, CellRange};
use crate::{StorageError, StorageErrorKind};

/// Bytes read from a `Blob` at a time.
const SLICE_BYTES: f64 = 1024.0 * 1024.0;

#[wasm_bindgen(typescript_custom_section)]
const CSV_TYPES: &str = r##"
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
  /** Log entries appended, one per batch. */
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

/// `Blob | string` as a CSV source.
fn source_from_js(source: &JsValue) -> Result<Box<dyn CsvSource>, JsValue> {
    if let Some(text) = source.as_string() {
        return Ok(Box::new(BytesSource::new(text.into_bytes(), SLICE_BYTES as usize)));
    }
    match source.dyn_ref::<web_sys::Blob>() {
        Some(blob) => Ok(Box::new(BlobSource { blob: blob.clone() })),
        None => Err(bad_input("importCsv: the source must be a Blob (or File) or a string")),
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

/// `ImportCsvOptions | undefined` as engine options and an optional abort signal.
fn options_from_js(options: &JsValue) -> Result<(ImportOptions, Option<web_sys::AbortSignal>), JsValue> {
    if !options.is_undefined() && !options.is_null() && !options.is_object() {
        return Err(bad_input("importCsv: options must be an object or undefined"));
    }
    let start = |name: &str, axis: Axis| -> Result<u64, JsValue> {
        match get(options, name) {
            v if v.is_undefined() => Ok(0),
            v => match v.as_f64() {
                Some(n) => index(axis, n),
                None => Err(bad_input(&format!("option {name} must be a number"))),
            },
        }
    };
    let csv = CsvImportOptions {
        start_row: start("startRow", Axis::Row)?,
        start_column: start("startColumn", Axis::Column)?,
        batch_cells: positive_integer(options, "batchCells", MAX_BATCH_CELLS as f64)?
            .map_or(DEFAULT_BATCH_CELLS, |n| n as usize),
    };
    let on_error = match get(options, "onError").as_string().as_deref() {
        None if get(options, "onError").is_undefined() => OnError::Rollback,
        Some("rollback") => OnError::Rollback,
        Some("keep") => OnError::Keep,
        _ => return Err(bad_input("option onError must be \"keep\" or \"rollback\"")),
    };
    let signal = match get(options, "signal") {
        v if v.is_undefined() => None,
        v => Some(v.dyn_into::<web_sys::AbortSignal>().map_err(|_| bad_input("option signal must be an AbortSignal"))?),
    };
    Ok((ImportOptions { csv, on_error }, signal))
}

fn result_js(report: &ImportReport) -> JsValue {
    let object = Object::new();
    set(&object, "rows", &(report.rows as f64).into());
    set(&object, "cells", &(report.cells as f64).into());
    set(&object, "entries", &(report.entries as f64).into());
    set(&object, "cancelled", &report.cancelled.into());
    object.into()
}

fn progress_js(progress: &ImportProgress) -> JsValue {
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

/// The JS error of a failed import: a `ValidationError` with `line` for malformed CSV, else the
/// engine error's; both carry `imported`.
fn import_error_js(error: &CsvImportError) -> JsValue {
    let js = match error {
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

fn export_error_js(error: &CsvExportError) -> JsValue {
    match error {
        CsvExportError::Engine(e) => engine_error(e),
        other => bad_input(&other.to_string()),
    }
}

/// Tells other tabs about the entries appended so far.

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
        let parsed = (|| -> Result<_, JsValue> {
            let source = source_from_js(&source)?;
            let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
            let (options, signal) = options_from_js(&options)?;
            let callback = match on_progress.map(JsValue::from) {
                None => None,
                Some(f) => Some(f.dyn_into::<Function>().map_err(|_| bad_input("onProgress must be a function"))?),
            };
            Ok((source, options, signal, callback))
        })();
        let (source, options, signal, callback) = match parsed {
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
        let cancelled = move || signal.as_ref().is_some_and(web_sys::AbortSignal::aborted);
        let import = with_engine!(&self.inner.backend, e => e.import_csv(source, options, report, cancelled));
        future_to_promise(async move {
            let report = import.await.map_err(|e| import_error_js(&e))?;
            Ok(result_js(&report))
        })
    }

    /// The CSV text of `snapshot`: the whole sheet (rows `0..getRowCount(s)` by columns
    /// `0..getColumnCount(s)`), or `range` in A1 form (`"A1:C10"`, `"B7"`). Numbers are written
    /// as JS writes them (`42`, `0.1`, `1e+21`), booleans `TRUE`/`FALSE`, text as is (quoted
    /// when it holds `,`, `"` or a line end), error values as their code; explicitly empty cells
    /// and cells with no value are empty fields; formats are not exported. Lines end with `\n`.
    /// Tiles under the range that the snapshot's viewport did not load are read for the export.
    ///
    /// Rejects with `ValidationError` for a malformed range or one over 2^26 cells,
    /// `StorageError` when a tile cannot be read.
    #[wasm_bindgen(js_name = exportCsv, unchecked_return_type = "Promise<string>")]
    pub fn export_csv(&self, snapshot: &JsContentVersion, range: Option<String>) -> Promise {
        let range = match range.as_deref().map(CellRange::from_str) {
            None => None,
            Some(Ok(range)) => Some(range),
            Some(Err(e)) => return Promise::reject(&validation_error(&e)),
        };
        let export = with_engine!(&self.inner.backend, e => e.export_csv(&snapshot.version, range));
        future_to_promise(async move {
            let text = export.await.map_err(|e| export_error_js(&e))?;
            Ok(JsValue::from_str(&text))
        })
    }
}
