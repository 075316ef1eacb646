//! `exportCsvBlob` of `SpreadsheetData`: a CSV export streamed stripe by stripe into a `Blob`
//! (issue 9, item 4). The engine reads one stripe of rows' tiles at a time
//! (`Engine::export_csv_stream`: about 8,192 cells, whole tile rows, dropped after) and writes it
//! in parts of about 4,096 cells, yielding to the event loop after each part; each part's bytes
//! become one part of the `Blob`, so the export is never one string in memory and the main
//! thread is never held for more than a part. Thin: the engine does the work.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{aborted_of, get, set};
use super::csv::{export_args, export_error_js, JsExportCsvOptions, JsExportProgressCallback, JsRangeText};
use super::js_error::bad_input;
use super::spreadsheet_data::{with_engine, Backend, SpreadsheetData};
use crate::engine::csv::ExportProgress;

/// Parts (the engine's, each a `Uint8Array`) folded into one `Blob` part.
const FOLD_PARTS: u32 = 16;

fn progress_js(progress: ExportProgress) -> JsValue {
    let object = Object::new();
    set(&object, "rows", &(progress.rows as f64).into());
    set(&object, "totalRows", &(progress.total_rows as f64).into());
    set(&object, "bytes", &(progress.bytes as f64).into());
    object.into()
}

/// What a cancelled export rejects with: the signal's reason, else an `AbortError`.
fn abort_error(signal: &JsValue) -> JsValue {
    let reason = get(signal, "reason");
    if !reason.is_undefined() {
        return reason;
    }
    web_sys::DomException::new_with_message_and_name("the CSV export was cancelled", "AbortError")
        .map_or_else(|_| bad_input("the CSV export was cancelled"), Into::into)
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// The CSV of `snapshot` (the whole sheet, or `range` in A1 form) as a `Blob` of type
    /// `text/csv`, with exactly the text `exportCsv` gives, read one stripe of rows at a time
    /// (about 8,192 cells, whole tile rows) and written in parts of about 4,096 cells (whole
    /// rows, or pieces of a wider row) for sheets of any size: memory holds one stripe's tiles,
    /// and the page stays responsive between parts. `onProgress({rows, totalRows, bytes})` runs after each part;
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
        let parts = Rc::new(RefCell::new(Array::new()));
        let sink = {
            let parts = parts.clone();
            move |bytes: Vec<u8>, progress: ExportProgress| {
                let mut parts = parts.borrow_mut();
                parts.push(&Uint8Array::from(bytes.as_slice()));
                // Folded into a Blob every few parts (a Blob part is referenced, not copied),
                // so building the final Blob never copies the whole export at once.
                if parts.length() >= FOLD_PARTS {
                    if let Ok(folded) = web_sys::Blob::new_with_u8_array_sequence(&parts) {
                        *parts = Array::of1(&folded);
                    }
                }
                drop(parts);
                if let Some(callback) = &callback {
                    if let Err(error) = callback.call1(&JsValue::UNDEFINED, &progress_js(progress)) {
                        web_sys::console::error_2(&JsValue::from_str("sheetlog: an onProgress callback threw"), &error);
                    }
                }
            }
        };
        let watched = signal.clone();
        let cancelled = move || watched.as_ref().is_some_and(|signal| aborted_of(signal) == 1);
        let export = with_engine!(&self.inner.backend, e => e.export_csv_stream(&snapshot.version, range, options, sink, cancelled));
        future_to_promise(async move {
            let (_, cancelled) = export.await.map_err(|e| export_error_js(&e))?;
            if cancelled {
                return Err(signal.as_ref().map_or_else(|| bad_input("the CSV export was cancelled"), abort_error));
            }
            let bag = web_sys::BlobPropertyBag::new();
            bag.set_type("text/csv");
            let parts = parts.borrow();
            web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &bag).map(Into::into)
        })
    }
}
