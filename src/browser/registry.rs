//! The origin's list of sheets: the IndexedDB database `sheetlog-registry`, one record per sheet
//! (`{name, createdAt, openedAt}`, times in ms since the epoch), kept outside the sheets' own
//! databases so that it survives them. `SpreadsheetData.open` records a sheet, `list()` reads the
//! records (plus sheets whose database exists without one), `delete()` removes a sheet's record.
//!
//! No silent loss (issue 12): each record also keeps the last sequence id of the sheet's log that
//! was acknowledged to the app ([`acknowledge`], batched: one small registry write at a time per
//! sheet, whatever the rate of writes), mirrored in `localStorage` because Chromium keeps the
//! registry in the same backing store as the sheets and deletes that store whole when it judges it
//! damaged. A sheet whose database is missing or ends before that id opens with an error
//! (`crate::api`), never as an empty, ready sheet.
//!
//! The IndexedDB work is in `js/registry.js`.

use std::cell::RefCell;
use std::collections::HashMap;

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
    #[wasm_bindgen(js_name = recordAcknowledged)]
    fn record_acknowledged(name: &str, seq: f64) -> Promise;
    #[wasm_bindgen(js_name = lastAcknowledged)]
    fn last_acknowledged_js(name: &str) -> Promise;
}

/// Per sheet: the log end acknowledged and not yet recorded, and whether a write is under way.
#[derive(Default)]
struct Acks {
    /// One past the last acknowledged sequence id.
    wanted: u64,
    /// What the registry holds (as one past the last id), as far as this thread wrote it.
    recorded: u64,
    flushing: bool,
}

thread_local! {
    static ACKS: RefCell<HashMap<String, Acks>> = RefCell::new(HashMap::new());
}

/// Notes that the log of sheet `name` holds `end` durable entries the app was told about (ids
/// `0 .. end`), and records the last of them in the registry: at once when no registry write is
/// under way for the sheet, else right after it (so a burst of writes costs one or two registry
/// transactions). A failure to record is logged, not reported: the record is a safeguard.
pub fn acknowledge(name: &str, end: u64) {
    let start = ACKS.with(|acks| {
        let mut acks = acks.borrow_mut();
        let state = acks.entry(name.to_owned()).or_default();
        state.wanted = state.wanted.max(end);
        let start = !state.flushing && state.wanted > state.recorded;
        state.flushing |= start;
        start
    });
    if start {
        wasm_bindgen_futures::spawn_local(flush_acks(name.to_owned()));
    }
}

async fn flush_acks(name: String) {
    loop {
        let target = ACKS.with(|acks| {
            let mut acks = acks.borrow_mut();
            let state = acks.entry(name.clone()).or_default();
            if state.wanted <= state.recorded {
                state.flushing = false;
                None
            } else {
                Some(state.wanted)
            }
        });
        let Some(target) = target else { return };
        if let Err(e) = JsFuture::from(record_acknowledged(&name, (target - 1) as f64)).await {
            web_sys::console::warn_2(&JsValue::from_str("sheetlog: could not record the last saved edit"), &e);
        }
        ACKS.with(|acks| {
            if let Some(state) = acks.borrow_mut().get_mut(&name) {
                state.recorded = state.recorded.max(target);
            }
        });
    }
}

/// Forgets what this thread noted for sheet `name` (it was deleted).
pub fn forget_acknowledged(name: &str) {
    ACKS.with(|acks| acks.borrow_mut().remove(name));
}

/// Waits until every acknowledgement noted for sheet `name` is written to the registry.
pub async fn acknowledged_flushed(name: &str) {
    loop {
        let busy = ACKS.with(|acks| acks.borrow().get(name).is_some_and(|s| s.flushing));
        if !busy {
            return;
        }
        crate::browser::timer::sleep(5).await;
    }
}

/// The last sequence id of sheet `name` acknowledged to the app, as recorded (the larger of the
/// registry's and its `localStorage` mirror's), or `None`.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn last_acknowledged(name: &str) -> Result<Option<u64>, JsValue> {
    let value = JsFuture::from(last_acknowledged_js(name)).await?;
    Ok(value.as_f64().filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n <= 9_007_199_254_740_991.0).map(|n| n as u64))
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

/// Removes the record of sheet `name` (a missing record is fine), with its mirror.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn forget(name: &str) -> Result<(), JsValue> {
    forget_acknowledged(name);
    JsFuture::from(forget_sheet(name)).await.map(drop)
}

/// Every sheet of the origin, sorted by name, as the JS records `list()` returns.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn list() -> Result<Array, JsValue> {
    Ok(JsFuture::from(list_sheets()).await?.unchecked_into())
}
