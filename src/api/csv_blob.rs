//! `exportCsvBlob` of `SpreadsheetData`: a CSV export streamed stripe by stripe into a `Blob`
//! (issue 9, item 4). The engine reads one stripe of rows' tiles at a time
//! (`Engine::export_csv_stream`: about 8,192 cells, whole tile rows, dropped after) and writes it
//! in parts of about 4,096 cells, yielding to the event loop after each part; each part's bytes
//! become one part of the `Blob`, so the export is never one string in memory and the main
//! thread is never held for more than a part. Thin: the engine does the work.
//!
//! A sheet with a worker runs the export there when the version's content is all in the log
//! (`super::worker_export`): the page's main thread then does none of it. A version with edits
//! not yet durable, a sheet without a worker, or a worker that cannot (gone, or failing) export
//! in this thread as described above.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{aborted_of, get};
use super::csv::{export_args, export_error_js, JsExportCsvOptions, JsExportProgressCallback, JsRangeText};
use super::js_error::bad_input;
use super::spreadsheet_data::{Backend, SpreadsheetData};
use super::worker_export::{progress_js, BlobParts, WorkerExport, WorkerOutcome};
use crate::blob::BlobStore;
use crate::engine::csv::{export_bounds, CsvExportOptions, ExportProgress, MAX_STREAM_EXPORT_CELLS};
use crate::engine::{ContentVersion, Engine};
use crate::log::EventLog;
use crate::model::CellRange;

/// What a cancelled export rejects with: the signal's reason, else an `AbortError`.
fn abort_error(signal: Option<&JsValue>) -> JsValue {
    let Some(signal) = signal else { return bad_input("the CSV export was cancelled") };
    let reason = get(signal, "reason");
    if !reason.is_undefined() {
        return reason;
    }
    web_sys::DomException::new_with_message_and_name("the CSV export was cancelled", "AbortError")
        .map_or_else(|_| bad_input("the CSV export was cancelled"), Into::into)
}

/// Whether `signal` (the caller's `options.signal`) was aborted.
fn aborted(signal: Option<&JsValue>) -> bool {
    signal.is_some_and(|signal| aborted_of(signal) == 1)
}

/// Calls `callback` (the caller's `onProgress`) with `progress`; a callback that throws is
/// reported on the console and does not stop the export.
fn report(callback: Option<&Function>, progress: ExportProgress) {
    if let Some(callback) = callback {
        if let Err(error) = callback.call1(&JsValue::UNDEFINED, &progress_js(progress)) {
            web_sys::console::error_2(&JsValue::from_str("sheetlog: an onProgress callback threw"), &error);
        }
    }
}

/// The export in this thread: `engine` streams `version`'s `range` into a `Blob`.
fn export_here<L: EventLog + 'static, B: BlobStore + 'static>(
    engine: &Engine<L, B>,
    version: &ContentVersion,
    range: Option<CellRange>,
    options: CsvExportOptions,
    signal: Option<JsValue>,
    callback: Option<Function>,
) -> LocalBoxFuture<'static, Result<JsValue, JsValue>> {
    let parts = Rc::new(RefCell::new(BlobParts::default()));
    let sink = {
        let parts = parts.clone();
        move |bytes: Vec<u8>, progress: ExportProgress| {
            parts.borrow_mut().push(&bytes);
            report(callback.as_ref(), progress);
        }
    };
    let watched = signal.clone();
    let cancelled = move || aborted(watched.as_ref());
    let export = engine.export_csv_stream(version, range, options, sink, cancelled);
    async move {
        let (_, cancelled) = export.await.map_err(|e| export_error_js(&e))?;
        if cancelled {
            return Err(abort_error(signal.as_ref()));
        }
        let blob = parts.borrow().finish()?;
        Ok(blob.into())
    }
    .boxed_local()
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// The CSV of `snapshot` (the whole sheet, or `range` in A1 form) as a `Blob` of type
    /// `text/csv`, with exactly the text `exportCsv` gives, read one stripe of rows at a time
    /// (about 8,192 cells, whole tile rows) and written in parts of about 4,096 cells (whole
    /// rows, or pieces of a wider row) for sheets of any size: memory holds one stripe's tiles,
    /// and the page stays responsive between parts. A sheet opened with a worker (the default)
    /// does this in the worker when `snapshot` has no pending edits, so the page's main thread
    /// only receives progress and the `Blob`; otherwise (or if the worker fails, which is
    /// logged on the console) in this thread, and progress then starts again from 0.
    /// `onProgress({rows, totalRows, bytes})` runs after each part;
    /// `options.signal` cancels between parts (the promise rejects with the signal's reason).
    /// `options.guardFormulas` as for `exportCsv`.
    ///
    /// Rejects with `ValidationError` for a malformed range, one over 2^36 cells, or arguments
    /// of the wrong type; `StorageError` when a tile cannot be read.
    #[wasm_bindgen(js_name = exportCsvBlob, unchecked_return_type = "Promise<Blob>")]
    pub fn export_csv_blob(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
        range: Option<JsRangeText>,
        options: Option<JsExportCsvOptions>,
        #[wasm_bindgen(js_name = onProgress)] on_progress: Option<JsExportProgressCallback>,
    ) -> Promise {
        let parsed = (|| -> Result<_, JsValue> {
            let (snapshot, range, options, signal) = export_args(&snapshot, range, options)?;
            let callback = match on_progress.map(JsValue::from) {
                None => None,
                Some(f) => Some(f.dyn_into::<Function>().map_err(|_| bad_input("onProgress must be a function"))?),
            };
            Ok((snapshot, range, options, signal, callback))
        })();
        let (snapshot, range, options, signal, callback) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Promise::reject(&e),
        };
        let version = snapshot.version.clone();
        // A sheet with a worker exports a version with nothing pending (all of it in the log)
        // there: the page's main thread then only passes progress on (module docs of
        // `worker_export`). Anything the worker cannot do is done here, as before.
        if let Backend::Idb { engine, worker: Some(worker), .. } = &self.inner.backend {
            let (rows, cols) = export_bounds(&version, range);
            let cells = (rows.end - rows.start).saturating_mul(cols.end - cols.start);
            let whole_in_log = !snapshot.deleted && !version.has_pending_edits() && version.seq > 0;
            // The worker starts now if it was not; one the browser refuses to start exports here.
            let streamed = whole_in_log && cells > 0 && cells <= MAX_STREAM_EXPORT_CELLS;
            let worker = if streamed { worker.for_job("export") } else { None };
            if let Some(worker) = worker {
                let job = WorkerExport { position: version.seq, rows, cols, options };
                let reported = callback.clone();
                let watched = signal.clone();
                let cancelled = Rc::new(move || aborted(watched.as_ref()));
                let run = job.run(&worker, Rc::new(move |p| report(reported.as_ref(), p)), cancelled);
                let engine = engine.clone();
                return future_to_promise(async move {
                    match run.await {
                        // Cancelled before it resolves (the worker finished first): rejected
                        // all the same.
                        WorkerOutcome::Done(_) if aborted(signal.as_ref()) => Err(abort_error(signal.as_ref())),
                        WorkerOutcome::Done(blob) => Ok(blob.into()),
                        WorkerOutcome::Cancelled => Err(abort_error(signal.as_ref())),
                        WorkerOutcome::Failed(message) => {
                            let why =
                                format!("sheetlog: the worker could not export ({message}); exporting in this thread");
                            web_sys::console::warn_1(&JsValue::from_str(&why));
                            export_here(&engine, &version, range, options, signal, callback).await
                        }
                    }
                });
            }
        }
        let export = match &self.inner.backend {
            Backend::Memory(engine) => export_here(engine, &version, range, options, signal, callback),
            Backend::Idb { engine, .. } => export_here(engine, &version, range, options, signal, callback),
        };
        future_to_promise(export)
    }
}
