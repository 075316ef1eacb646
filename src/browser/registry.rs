//! The origin's list of sheets: the IndexedDB database `sheetlog-registry`, one record per sheet
//! (`{name, createdAt, openedAt}`, times in ms since the epoch), kept outside the sheets' own
//! databases so that it survives them. `SpreadsheetData.open` records a sheet, `list()` reads the
//! records (plus sheets whose database exists without one), `delete()` removes a sheet's record.
//!
//! Records are open to more fields: [`update`] merges fields into a record, so the last
//! acknowledged sequence id of a sheet (issue 12) can be kept here without a schema change.
//! The IndexedDB work is in `js/registry.js`.

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/js/registry.js")]
extern "C" {
    #[wasm_bindgen(js_name = recordSheetOpened)]
    fn record_sheet_opened(name: &str) -> Promise;
    #[wasm_bindgen(js_name = updateSheetRecord)]
    fn update_sheet_record(name: &str, fields: &Object) -> Promise;
    #[wasm_bindgen(js_name = forgetSheet)]
    fn forget_sheet(name: &str) -> Promise;
    #[wasm_bindgen(js_name = listSheets)]
    fn list_sheets() -> Promise;
}

/// Records that sheet `name` was opened now.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn record_open(name: &str) -> Result<(), JsValue> {
    JsFuture::from(record_sheet_opened(name)).await.map(drop)
}

/// Merges the properties of `fields` into the record of sheet `name`, creating it if missing.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn update(name: &str, fields: &Object) -> Result<(), JsValue> {
    JsFuture::from(update_sheet_record(name, fields)).await.map(drop)
}

/// Removes the record of sheet `name` (a missing record is fine).
///
/// # Errors
/// What IndexedDB failed with.
pub async fn forget(name: &str) -> Result<(), JsValue> {
    JsFuture::from(forget_sheet(name)).await.map(drop)
}

/// Every sheet of the origin, sorted by name, as the JS records `list()` returns.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn list() -> Result<Array, JsValue> {
    Ok(JsFuture::from(list_sheets()).await?.unchecked_into())
}
