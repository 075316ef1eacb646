//! CSV import as a snapshot layer in the worker (issue 9, item 1; DESIGN.md sections 5b and 7).
//!
//! The page posts the source (`Blob`, `File` or string; structured-cloned, not copied into wasm
//! memory) with the import's settings, the blob dir and the sheet's tile grid. The worker opens
//! the sheet's database, parses the source with the same importer and row guard as the page
//! would, writes the tiles stripe by stripe ([`write_import_layer`]), posts `{ id, progress }`
//! after each batch, and replies with the layer it wrote. The page then appends the one `Import`
//! entry ([`Engine::commit_import_layer`]): the commit point stays in the page's engine, so
//! the write contract (durable on resolve, one undo step, seen by other tabs) is the same as
//! in the page. A worker that dies mid-import leaves only unreferenced tiles; the sheet is
//! unchanged.
//!
//! Messages: the request's `import` member is
//! `{ source, dir, tileRows, tileColumns, startRow, startColumn, onError, batchCells,
//! maxColumns, maxRowBytes }`; the reply is `{ id, ok: true, layer, rows, cells, bytes,
//! cancelled, malformed?, workerMemoryBytes }` (`layer`: `{ dir, startRow, startColumn, endRow, endColumn,
//! tileRows, tileColumns }` or `null`; `malformed`: `{ message, line }` for `onError: "keep"`)
//! or `{ id, ok: false, error, name, line? }`.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::FutureExt as _;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::get;
use super::csv::{import_error_js, options_from_js, progress_js, result_js, source_from_js, GuardedSource};
use super::js_error::{bad_input, engine_error};
use crate::browser::timer::yield_task;
use crate::browser::worker_entry::{open_sheet, safe_integer, string};
use crate::browser::{IdbBlobStore, IdbEventLog, WorkerHost};
use crate::engine::csv::{
    write_import_layer, ImportOptions, ImportPhase, ImportProgress, ImportReport, OnError, RowLimits, WrittenLayer,
    IMPORT_DIR,
};
use crate::engine::{Engine, EngineError};
use crate::log::ImportLayer;
use crate::model::{CellRange, CellRef};
use crate::snapshot::TileSize;

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

fn number(value: u64) -> JsValue {
    JsValue::from_f64(value as f64)
}

/// A layer import the page hands to its worker.
pub(super) struct WorkerImport {
    /// The `Blob` (or `File`) or string to import.
    pub(super) source: JsValue,
    /// Where, and what malformed input leaves.
    pub(super) options: ImportOptions,
    /// The row guard's limits.
    pub(super) limits: RowLimits,
}

impl WorkerImport {
    /// The request's `import` member: plain data the worker reads back with the page's own
    /// option parser.
    fn to_js(&self, dir: &str, tile_size: TileSize) -> JsValue {
        let object = Object::new();
        let csv = self.options.csv;
        set(&object, "source", &self.source);
        set(&object, "dir", &JsValue::from_str(dir));
        set(&object, "tileRows", &JsValue::from(tile_size.rows()));
        set(&object, "tileColumns", &JsValue::from(tile_size.cols()));
        set(&object, "startRow", &number(csv.start_row));
        set(&object, "startColumn", &number(csv.start_column));
        set(&object, "batchCells", &number(csv.batch_cells as u64));
        let on_error = if self.options.on_error == OnError::Keep { "keep" } else { "rollback" };
        set(&object, "onError", &JsValue::from_str(on_error));
        set(&object, "maxColumns", &number(self.limits.max_columns as u64));
        set(&object, "maxRowBytes", &number(self.limits.max_row_bytes));
        object.into()
    }

    /// Runs the import in `worker`, then commits its layer in `engine`; the promise of
    /// `importCsv`. `report` gets the worker's progress; `cancelled` is polled while it runs.
    pub(super) fn run(
        self,
        engine: Engine<IdbEventLog, IdbBlobStore>,
        worker: Rc<WorkerHost>,
        report: Rc<dyn Fn(&ImportProgress)>,
        cancelled: Rc<dyn Fn() -> bool>,
    ) -> Promise {
        let dir = format!("{IMPORT_DIR}/{}", engine.unique_name());
        let import = self.to_js(&dir, engine.tile_size());
        let progress = Rc::new(move |p: &JsValue| report(&progress_from_js(p)));
        let reply = worker.import_layer(import, progress, cancelled);
        future_to_promise(async move {
            let nothing = result_js(&ImportReport::default());
            let with_imported = |js: JsValue, imported: &JsValue| {
                let _ = Reflect::set(&js, &JsValue::from_str("imported"), imported);
                js
            };
            let worker_failed = |message: String| engine_error(&EngineError::Worker { workflow: "import", message });
            let reply = reply.await.map_err(|message| with_imported(worker_failed(message), &nothing))?;
            if get(&reply, "ok").as_bool() != Some(true) {
                let message = get(&reply, "error").as_string().unwrap_or_else(|| "the import failed".to_owned());
                let js = if get(&reply, "name").as_string().as_deref() == Some("ValidationError") {
                    let js = bad_input(&message);
                    let _ = Reflect::set(&js, &JsValue::from_str("line"), &get(&reply, "line"));
                    js
                } else {
                    worker_failed(message)
                };
                return Err(with_imported(js, &nothing));
            }
            let written = written_from_js(&reply).map_err(|message| with_imported(worker_failed(message), &nothing))?;
            let report =
                engine.commit_import_layer(written).await.map_err(|e| with_imported(engine_error(&e), &nothing))?;
            let malformed = get(&reply, "malformed");
            if malformed.is_object() {
                let message = get(&malformed, "message").as_string().unwrap_or_default();
                let js = bad_input(&message);
                let _ = Reflect::set(&js, &JsValue::from_str("line"), &get(&malformed, "line"));
                return Err(with_imported(js, &result_js(&report)));
            }
            Ok(result_js(&report))
        })
    }
}

/// A progress object the worker posted, as the engine's progress.
fn progress_from_js(progress: &JsValue) -> ImportProgress {
    let count = |name: &str| get(progress, name).as_f64().filter(|n| *n >= 0.0).map_or(0, |n| n as u64);
    ImportProgress {
        phase: ImportPhase::Importing,
        bytes: count("bytes"),
        total_bytes: get(progress, "totalBytes").as_f64().map(|n| n.max(0.0) as u64),
        rows: count("rows"),
        cells: count("cells"),
    }
}

/// The layer and report of a successful reply, checked as untrusted input.
fn written_from_js(reply: &JsValue) -> Result<WrittenLayer, String> {
    let count = |name: &str| safe_integer(reply, name);
    let report = ImportReport {
        rows: count("rows")?,
        cells: count("cells")?,
        bytes: count("bytes")?,
        cancelled: get(reply, "cancelled").as_bool() == Some(true),
        ..ImportReport::default()
    };
    let layer = get(reply, "layer");
    if layer.is_null() || layer.is_undefined() {
        return Ok(WrittenLayer { layer: None, report });
    }
    let index = |name: &str| safe_integer(&layer, name);
    let side = |name: &str| index(name).and_then(|n| u32::try_from(n).map_err(|_| format!("`{name}` is too large")));
    let start = CellRef::new(index("startRow")?, index("startColumn")?).map_err(|e| e.to_string())?;
    let end = CellRef::new(index("endRow")?, index("endColumn")?).map_err(|e| e.to_string())?;
    if end.row < start.row || end.col < start.col {
        return Err("the layer's rectangle is reversed".to_owned());
    }
    let layer = ImportLayer {
        dir: string(&layer, "dir")?,
        rect: CellRange::new(start, end),
        tile_rows: side("tileRows")?,
        tile_cols: side("tileColumns")?,
    };
    layer.validate().map_err(|e| e.to_string())?;
    Ok(WrittenLayer { layer: Some(layer), report })
}

/// The worker's import of request `message` (`super::worker_job`): the reply's fields, or the
/// error as the page would have made it. Posts `{ id, progress }` with `post` after each batch
/// and polls `cancelled` (a function returning whether the page cancelled).
pub(super) async fn run_in_worker(
    message: &JsValue,
    id: &JsValue,
    post: &Function,
    cancelled: &Function,
) -> Result<Object, JsValue> {
    let text = |e: String| JsValue::from(js_sys::Error::new(&e));
    let (sheet, durability, timeout_ms) = super::worker_job::job_settings(message)?;
    let import = get(message, "import");
    if !import.is_object() {
        return Err(text("the import request has no `import` object".to_owned()));
    }
    let source = source_from_js(&get(&import, "source"))?;
    let (options, mode) = options_from_js(&import)?;
    let dir = string(&import, "dir").map_err(text)?;
    if !dir.starts_with(&format!("{IMPORT_DIR}/")) {
        return Err(text(format!("the import's blob dir must be under {IMPORT_DIR}/")));
    }
    let side = |name: &str| safe_integer(&import, name).map_err(text).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    let tile_size = TileSize::new(side("tileRows")?, side("tileColumns")?).map_err(|e| text(e.to_string()))?;
    let handles = open_sheet(&sheet, durability, timeout_ms).await.map_err(text)?;
    let refused = Rc::new(RefCell::new(None));
    let source = GuardedSource { inner: source, limits: mode.limits, refused: refused.clone() };
    let mut on_progress = |progress: &ImportProgress| {
        let message = Object::new();
        set(&message, "id", id);
        set(&message, "progress", &progress_js(progress));
        let _ = post.call1(&JsValue::UNDEFINED, &message);
    };
    let is_cancelled = || cancelled.call0(&JsValue::UNDEFINED).ok().and_then(|v| v.as_bool()) == Some(true);
    let result =
        write_import_layer(&handles.blobs, &source, options, tile_size, dir, &mut on_progress, &is_cancelled, &|| {
            yield_task().boxed_local()
        })
        .await;
    let (written, malformed) = result.map_err(|e| import_error_js(&e, refused.borrow_mut().take()))?;
    let fields = Object::new();
    let report = written.report;
    set(&fields, "rows", &number(report.rows));
    set(&fields, "cells", &number(report.cells));
    set(&fields, "bytes", &number(report.bytes));
    set(&fields, "cancelled", &JsValue::from_bool(report.cancelled));
    let layer = match written.layer {
        None => JsValue::NULL,
        Some(layer) => {
            let object = Object::new();
            set(&object, "dir", &JsValue::from_str(&layer.dir));
            set(&object, "startRow", &number(layer.rect.start().row));
            set(&object, "startColumn", &number(layer.rect.start().col));
            set(&object, "endRow", &number(layer.rect.end().row));
            set(&object, "endColumn", &number(layer.rect.end().col));
            set(&object, "tileRows", &JsValue::from(layer.tile_rows));
            set(&object, "tileColumns", &JsValue::from(layer.tile_cols));
            object.into()
        }
    };
    set(&fields, "layer", &layer);
    // The worker's wasm memory after the import: its peak, as wasm memory never shrinks.
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
    set(&fields, "workerMemoryBytes", &JsValue::from(bytes));
    if let Some(error) = malformed {
        let object = Object::new();
        set(&object, "message", &JsValue::from_str(&error.to_string()));
        set(&object, "line", &number(error.line()));
        set(&fields, "malformed", &object);
    }
    Ok(fields)
}
