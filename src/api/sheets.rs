//! Sheets as a collection: `SpreadsheetData.list()` and `SpreadsheetData.delete(name)`, over the
//! origin's registry (`crate::browser::registry`) and the sheets' own databases.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::js_error::{engine_error, storage_error};
use super::spreadsheet_data::{sheet_name, SpreadsheetData};
use super::sync_channel::SyncChannel;
use super::types::JsSheetName;
use crate::browser::{registry, SheetDatabase};
use crate::engine::EngineError;

#[wasm_bindgen(typescript_custom_section)]
const SHEET_TYPES: &str = r##"
/** A sheet stored in this origin, as `SpreadsheetData.list()` gives it. */
export interface SheetInfo {
  /** The name `open({ name })` takes. */
  name: string;
  /** When the sheet was first opened (ms since the epoch); `undefined` for sheets made before the list existed. */
  createdAt: number | undefined;
  /** When the sheet was last opened (ms since the epoch), or `undefined`. */
  openedAt: number | undefined;
}
"##;

/// A JS error from a registry failure (a plain `Error` from IndexedDB) as a `StorageError`.
fn registry_error(error: &JsValue) -> JsValue {
    let message = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| "an IndexedDB request failed".to_owned());
    storage_error(&format!("the list of sheets could not be read or written: {message}"), 500)
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// The sheets stored in this origin (each opened at least once with `open`, or holding a
    /// database `sheetlog:<name>`), sorted by name.
    ///
    /// Rejects with `StorageError` when IndexedDB fails.
    ///
    /// @example
    /// ```ts
    /// for (const sheet of await SpreadsheetData.list()) console.log(sheet.name, sheet.openedAt);
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<SheetInfo[]>")]
    pub fn list() -> Promise {
        future_to_promise(async move { registry::list().await.map(Into::into).map_err(|e| registry_error(&e)) })
    }

    /// Deletes sheet `name` with everything stored for it, and removes it from `list()`. Every
    /// `SpreadsheetData` open on it, in this tab or another, stops: its writes reject and its load
    /// status becomes a `StorageError` with status 410. Resolves once the database is deleted
    /// (deleting a sheet that does not exist is fine).
    ///
    /// Rejects with `ValidationError` for a bad name, `StorageError` when IndexedDB refuses.
    ///
    /// @example
    /// ```ts
    /// await SpreadsheetData.delete("budget");
    /// ```
    #[wasm_bindgen(js_name = delete, unchecked_return_type = "Promise<void>")]
    pub fn delete_sheet(name: JsSheetName) -> Promise {
        let name = match sheet_name(&name.into(), "the sheet name") {
            Ok(name) => name,
            Err(e) => return Promise::reject(&e),
        };
        future_to_promise(async move {
            // First the open engines stop (closing their connections, so the deletion is not
            // blocked), then the database goes, then late listeners hear it again.
            SyncChannel::announce_deleted(&name);
            // Let the engines (same tab or other tabs) hear it before their connections close.
            crate::browser::timer::sleep(50).await;
            registry::forget(&name).await.map_err(|e| registry_error(&e))?;
            SheetDatabase::delete(&name).await.map_err(|e| engine_error(&EngineError::Log(e.into())))?;
            SyncChannel::announce_deleted(&name);
            Ok(JsValue::UNDEFINED)
        })
    }
}
