//! Sheets as a collection: `SpreadsheetData.list()` and `SpreadsheetData.delete(name)`, over the
//! origin's registry (`crate::browser::registry`) and the sheets' own databases.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::js_error::{engine_error, storage_error};
use super::spreadsheet_data::{sheet_name, SpreadsheetData};
use super::sync_channel::SyncChannel;
use super::types::JsSheetName;
use crate::browser::{registry, IdbEventLog, SheetDatabase};
use crate::engine::EngineError;
use crate::log::EventLog;

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

/// No silent loss (issue 12): checks the sheet's freshly opened database against the registry's
/// record of the last sequence id acknowledged to the app, `acknowledged` (read by the caller
/// while the database opened: `registry::last_acknowledged`). A database that is missing (this open
/// created it) fails with a `StorageError` 410, one whose log ends before that id with a
/// `StorageError` 500: never an empty or truncated sheet that says it is ready. On failure the
/// database is closed (and, when this open created it, deleted again, so the sheet stays missing
/// rather than empty). A registry that cannot be read is logged and passed: it is a safeguard.
///
/// # Errors
/// The `StorageError` described.
pub(super) async fn check_not_lost(
    name: &str,
    db: &SheetDatabase,
    acknowledged: Result<Option<u64>, JsValue>,
) -> Result<(), JsValue> {
    let last = match acknowledged {
        Ok(last) => last,
        Err(e) => {
            web_sys::console::warn_2(&JsValue::from_str("sheetlog: could not read the list of sheets"), &e);
            return Ok(());
        }
    };
    let Some(last) = last else { return Ok(()) };
    let saved = last + 1;
    if db.created() {
        db.close();
        let _ = SheetDatabase::delete(name).await;
        return Err(storage_error(
            &format!(
                "the stored data of sheet {name:?} is missing: {saved} edits were saved to it, but its database is gone \
                 (the browser may have discarded it as damaged, or part of the site's data was cleared). Nothing was \
                 restored; SpreadsheetData.delete({name:?}) starts the sheet over, empty"
            ),
            410,
        ));
    }
    let end = match IdbEventLog::new(db.clone()).bounds().await {
        Ok(bounds) => bounds.end,
        Err(e) => {
            db.close();
            return Err(engine_error(&EngineError::Log(e)));
        }
    };
    if end < saved {
        db.close();
        return Err(storage_error(
            &format!(
                "the stored data of sheet {name:?} is behind what was saved: its log holds {end} entries, but {saved} \
                 were saved (the browser may have lost part of its storage). It is not opened, so that nothing more is \
                 lost; SpreadsheetData.delete({name:?}) starts the sheet over, empty"
            ),
            500,
        ));
    }
    Ok(())
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
