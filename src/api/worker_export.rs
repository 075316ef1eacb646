//! `exportCsvBlob` in the worker (issue 9, item 4: "it does not block the main thread for more
//! than a frame"; DESIGN.md section 7).
//!
//! A version whose content is all in the log (no pending edits) is the sheet at one position
//! of the log: the worker can build it itself. The page posts the position and the rectangle
//! (already resolved against the page's version, so both sides export the same cells); the
//! worker opens an engine of its own over the sheet's database, builds the version at that
//! position ([`Engine::version_at`], from the nearest checkpoint), runs
//! [`Engine::export_csv_stream`] on it, folds the parts into a `Blob` and replies with it. A
//! `Blob` crosses `postMessage` by reference, so the page never holds the export's bytes and
//! does none of its tile reads, decoding or writing: its main thread only passes progress on.
//!
//! Messages: the request's `export` member is `{ position, startRow, endRow, startColumn,
//! endColumn, guardFormulas }` (rows and columns 0-based, half-open);
//! progress is `{ id, progress: { rows, totalRows, bytes } }` after each part; the reply is
//! `{ id, ok: true, blob, rows, totalRows, bytes, cancelled }` or `{ id, ok: false, error, name }`.
//!
//! The worker's engine only reads: it writes its lease (so garbage collection keeps the
//! snapshot it reads, DESIGN.md section 5b) and removes it when closed after the export; it
//! runs no workflow (the sheet's own host does).

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;

use super::browser_runtime::browser_runtime;
use super::convert::{get, set};
use super::csv::export_error_js;
use super::worker_job::job_settings;
use crate::browser::worker_entry::{open_sheet, safe_integer};
use crate::browser::WorkerHost;
use crate::engine::csv::{CsvExportOptions, ExportProgress};
use crate::engine::{Engine, EngineError, EngineOptions, Viewport, WorkflowHost};
use crate::log::{SequenceId, Workflow};
use crate::model::{CellRange, CellRef};

/// Parts (the engine's, each a `Uint8Array`) folded into one `Blob` part.
pub(super) const FOLD_PARTS: u32 = 16;

/// The `{ rows, totalRows, bytes }` object `onProgress` gets.
pub(super) fn progress_js(progress: ExportProgress) -> JsValue {
    let object = Object::new();
    set(&object, "rows", &(progress.rows as f64).into());
    set(&object, "totalRows", &(progress.total_rows as f64).into());
    set(&object, "bytes", &(progress.bytes as f64).into());
    object.into()
}

/// A progress object the worker posted, checked: `None` unless its three counts are
/// non-negative safe integers.
fn progress_from_js(progress: &JsValue) -> Option<ExportProgress> {
    let count = |name: &str| safe_integer(progress, name).ok();
    Some(ExportProgress { rows: count("rows")?, total_rows: count("totalRows")?, bytes: count("bytes")? })
}

/// The export's parts, folded into a `Blob` every [`FOLD_PARTS`] (a `Blob` part is referenced,
/// not copied), so building the final `Blob` never copies the whole export at once.
#[derive(Default)]
pub(super) struct BlobParts(Array);

impl BlobParts {
    /// Appends one part's bytes.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        self.0.push(&js_sys::Uint8Array::from(bytes));
        if self.0.length() >= FOLD_PARTS {
            if let Ok(folded) = web_sys::Blob::new_with_u8_array_sequence(&self.0) {
                self.0 = Array::of1(&folded);
            }
        }
    }

    /// The `text/csv` `Blob` of every part pushed.
    ///
    /// # Errors
    /// The browser's error making the `Blob`.
    pub(super) fn finish(&self) -> Result<web_sys::Blob, JsValue> {
        let bag = web_sys::BlobPropertyBag::new();
        bag.set_type("text/csv");
        web_sys::Blob::new_with_u8_array_sequence_and_options(&self.0, &bag)
    }
}

/// A streamed export the page hands to its worker: the version's position and the rectangle.
pub(super) struct WorkerExport {
    /// The version's position: it shows the entries before it (at least 1).
    pub(super) position: SequenceId,
    /// Rows to export, 0-based, half-open, not empty.
    pub(super) rows: Range<u64>,
    /// Columns to export, 0-based, half-open, not empty.
    pub(super) cols: Range<u64>,
    /// How cells are written.
    pub(super) options: CsvExportOptions,
}

/// How an export in the worker ended.
pub(super) enum WorkerOutcome {
    /// The export's `Blob`.
    Done(web_sys::Blob),
    /// Stopped because the page cancelled it.
    Cancelled,
    /// The worker could not: gone, or its export failed (the message says why). The page then
    /// exports in its own thread.
    Failed(String),
}

impl WorkerExport {
    /// The request's `export` member.
    fn to_js(&self) -> JsValue {
        let object = Object::new();
        let number = |n: u64| JsValue::from_f64(n as f64);
        set(&object, "position", &number(self.position));
        set(&object, "startRow", &number(self.rows.start));
        set(&object, "endRow", &number(self.rows.end));
        set(&object, "startColumn", &number(self.cols.start));
        set(&object, "endColumn", &number(self.cols.end));
        set(&object, "guardFormulas", &JsValue::from_bool(self.options.guard_formulas));
        object.into()
    }

    /// Runs the export in `worker`; `report` gets each progress, `cancelled` is polled while it
    /// runs.
    pub(super) fn run(
        self,
        worker: &WorkerHost,
        report: Rc<dyn Fn(ExportProgress)>,
        cancelled: Rc<dyn Fn() -> bool>,
    ) -> LocalBoxFuture<'static, WorkerOutcome> {
        let progress = Rc::new(move |p: &JsValue| {
            if let Some(p) = progress_from_js(p) {
                report(p);
            }
        });
        let reply = worker.export_csv(self.to_js(), progress, cancelled);
        async move {
            let reply = match reply.await {
                Ok(reply) => reply,
                Err(message) => return WorkerOutcome::Failed(message),
            };
            if get(&reply, "ok").as_bool() != Some(true) {
                let message = get(&reply, "error").as_string().unwrap_or_else(|| "the export failed".to_owned());
                return WorkerOutcome::Failed(message);
            }
            if get(&reply, "cancelled").as_bool() == Some(true) {
                return WorkerOutcome::Cancelled;
            }
            match get(&reply, "blob").dyn_into::<web_sys::Blob>() {
                Ok(blob) => WorkerOutcome::Done(blob),
                Err(_) => WorkerOutcome::Failed("the worker's reply carries no Blob".to_owned()),
            }
        }
        .boxed_local()
    }
}

/// The host of the worker's reading engine: it runs no workflow (the sheet's own host does),
/// and reports one it is asked for as done, without writing anything.
struct ReadOnlyHost;

impl WorkflowHost for ReadOnlyHost {
    fn run(&self, _seq: SequenceId, _workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        async { Ok(()) }.boxed_local()
    }
}

/// The export's settings read back from the request's `export` member, checked.
fn export_from_js(export: &JsValue) -> Result<WorkerExport, String> {
    if !export.is_object() {
        return Err("the export request has no `export` object".to_owned());
    }
    let index = |name: &str| safe_integer(export, name);
    let position = index("position")?;
    if position == 0 {
        return Err("`position` must be at least 1".to_owned());
    }
    let rows = index("startRow")?..index("endRow")?;
    let cols = index("startColumn")?..index("endColumn")?;
    if rows.is_empty() || cols.is_empty() {
        return Err("the export's rectangle is empty".to_owned());
    }
    let guard_formulas = get(export, "guardFormulas").as_bool().ok_or("`guardFormulas` must be a boolean")?;
    Ok(WorkerExport { position, rows, cols, options: CsvExportOptions { guard_formulas } })
}

/// The worker's export of request `message` (`super::worker_job`): the reply's fields, or the
/// error as the page would have made it. Posts `{ id, progress }` with `post` after each part
/// and polls `cancelled` (a function returning whether the page cancelled).
pub(super) async fn run_in_worker(
    message: &JsValue,
    id: &JsValue,
    post: &Function,
    cancelled: &Function,
) -> Result<Object, JsValue> {
    let text = |e: String| JsValue::from(js_sys::Error::new(&e));
    let (sheet, durability, timeout_ms) = job_settings(message)?;
    let export = export_from_js(&get(message, "export")).map_err(text)?;
    let start = CellRef::new(export.rows.start, export.cols.start).map_err(|e| text(e.to_string()))?;
    let end = CellRef::new(export.rows.end - 1, export.cols.end - 1).map_err(|e| text(e.to_string()))?;
    let handles = open_sheet(&sheet, durability, timeout_ms).await.map_err(text)?;
    // Its viewport is one pixel at A1: opening loads at most one tile.
    let viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 1.0, height: 1.0 };
    let options =
        EngineOptions { viewport: Some(viewport), workflow_retry_delays_ms: Vec::new(), ..EngineOptions::default() };
    let engine =
        Engine::open(handles.log.clone(), handles.blobs.clone(), Rc::new(ReadOnlyHost), browser_runtime(), options)
            .await
            .map_err(|e| super::js_error::engine_error(&e))?;
    let parts = Rc::new(RefCell::new(BlobParts::default()));
    let sink = {
        let (parts, id, post) = (parts.clone(), id.clone(), post.clone());
        move |bytes: Vec<u8>, progress: ExportProgress| {
            parts.borrow_mut().push(&bytes);
            let message = Object::new();
            set(&message, "id", &id);
            set(&message, "progress", &progress_js(progress));
            let _ = post.call1(&JsValue::UNDEFINED, &message);
        }
    };
    let cancelled = cancelled.clone();
    let is_cancelled = move || cancelled.call0(&JsValue::UNDEFINED).ok().and_then(|v| v.as_bool()) == Some(true);
    let result = async {
        let version = engine.version_at(export.position - 1).await.map_err(|e| super::js_error::engine_error(&e))?;
        let range = CellRange::new(start, end);
        engine
            .export_csv_stream(&version, Some(range), export.options, sink, is_cancelled)
            .await
            .map_err(|e| export_error_js(&e))
    }
    .await;
    engine.close();
    let (progress, cancelled) = result?;
    let fields = Object::new();
    set(&fields, "rows", &JsValue::from_f64(progress.rows as f64));
    set(&fields, "totalRows", &JsValue::from_f64(progress.total_rows as f64));
    set(&fields, "bytes", &JsValue::from_f64(progress.bytes as f64));
    set(&fields, "cancelled", &JsValue::from_bool(cancelled));
    if !cancelled {
        set(&fields, "blob", &parts.borrow().finish()?.into());
    }
    Ok(fields)
}
