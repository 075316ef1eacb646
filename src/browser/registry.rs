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
//! The record also keeps the sheet's open hint ([`record_open_hint`], `crate::engine::OpenHint`):
//! the blobs its first viewport needed, which the next open reads beside the log's query.
//! `list()` returns only the documented fields.
//!
//! The IndexedDB work is in `js/registry.js`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use futures_util::future::{LocalBoxFuture, Shared};
use futures_util::FutureExt as _;
use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::engine::{OpenHint, MAX_HINT_TILES};

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
    #[wasm_bindgen(js_name = openRecord)]
    fn open_record_js(name: &str) -> Promise;
    #[wasm_bindgen(js_name = recordOpenHint)]
    fn record_open_hint_js(name: &str, hint: &Object) -> Promise;
    #[wasm_bindgen(js_name = warmUp)]
    fn warm_up_js();
}

/// Starts what every `SpreadsheetData.open` in this thread begins with, so that it is under way
/// before the open is called: the listing of the origin's databases (one, shared by the opens of
/// the next 2 s), the origin private file system's root, and the registry's kept connection when
/// the registry exists (never created here). The package's `init()` calls it while the wasm
/// module compiles (`js/registry.js` `warmUp`, BENCHMARKS.md stop 34). Never fails.
pub fn warm_up() {
    warm_up_js();
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

/// What an open reads of a sheet's record ([`open_record`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenRecord {
    /// The last sequence id of the sheet's log acknowledged to the app, as recorded (the larger
    /// of the registry's and its mirrors'), or `None`.
    pub acknowledged: Option<u64>,
    /// The open hint kept by [`record_open_hint`] (empty when none, or when what is stored is
    /// not one: the record is read as untrusted data).
    pub hint: OpenHint,
}

/// The record of sheet `name` as an open needs it: the last acknowledged sequence id and the
/// open hint.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn open_record(name: &str) -> Result<OpenRecord, JsValue> {
    let record = JsFuture::from(open_record_js(name)).await?;
    let field = |key: &str| js_sys::Reflect::get(&record, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    let acknowledged = field("acknowledged")
        .as_f64()
        .filter(|n| *n >= 0.0 && n.fract() == 0.0 && *n <= 9_007_199_254_740_991.0)
        .map(|n| n as u64);
    Ok(OpenRecord { acknowledged, hint: hint_of(&field("openHint")) })
}

/// The last sequence id of sheet `name` acknowledged to the app, as recorded (the larger of the
/// registry's and its `localStorage` mirror's), or `None`.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn last_acknowledged(name: &str) -> Result<Option<u64>, JsValue> {
    Ok(open_record(name).await?.acknowledged)
}

/// The open hint stored as `{ index, tiles }`; anything else, or any other shape of its fields,
/// reads as no hint, or as the part that has the shape (at most [`MAX_HINT_TILES`] tiles).
fn hint_of(value: &JsValue) -> OpenHint {
    if !value.is_object() {
        return OpenHint::default();
    }
    let field = |key: &str| js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    let tiles = field("tiles");
    let tiles = if Array::is_array(&tiles) {
        let tiles: Array = tiles.unchecked_into();
        (0..tiles.length().min(MAX_HINT_TILES as u32)).filter_map(|i| tiles.get(i).as_string()).collect()
    } else {
        Vec::new()
    };
    OpenHint { index: field("index").as_string(), tiles }.sanitized()
}

/// Keeps `hint` in the record of sheet `name` for its next open (see [`OpenHint`]); does nothing
/// for a sheet without a record. A failure is logged, not reported: the hint only makes the next
/// open read sooner.
pub async fn record_open_hint(name: &str, hint: &OpenHint) {
    let object = Object::new();
    let tiles: Array = hint.tiles.iter().map(|t| JsValue::from_str(t)).collect();
    let index = hint.index.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str);
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str("index"), &index);
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str("tiles"), &tiles);
    if let Err(e) = JsFuture::from(record_open_hint_js(name, &object)).await {
        web_sys::console::warn_2(&JsValue::from_str("sheetlog: could not keep the sheet's open hint"), &e);
    }
}

/// The write of a record of an open (and of the earlier ones of its sheet), awaitable by many.
type RecordWrite = Shared<LocalBoxFuture<'static, ()>>;

thread_local! {
    /// Records of opens still being written, by sheet, each under a number of its own: [`list`]
    /// and [`forget`] wait for them.
    static OPENS: RefCell<HashMap<String, (u64, RecordWrite)>> = RefCell::new(HashMap::new());
    static NEXT_OPEN: Cell<u64> = const { Cell::new(0) };
}

/// Records that sheet `name` was opened now, in the background: `open()` does not wait for this
/// registry write (a write turn, a connection and a transaction, 13-27 ms of a reload's critical
/// path in BENCHMARKS.md, stop 31). [`list`] and [`forget`] in this thread wait for it first, so
/// this tab's list holds the sheet as soon as `open()` resolved, and a delete right after an
/// open is not undone by the open's record landing late. A failure is logged, not reported: the
/// list is a convenience.
pub fn record_open(name: &str) {
    let id = NEXT_OPEN.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    let promise = record_sheet_opened(name);
    // A record of an earlier open of the sheet still being written: waiting for this one waits
    // for it too.
    let earlier = OPENS.with(|opens| opens.borrow().get(name).map(|(_, w)| w.clone()));
    let owned = name.to_owned();
    let write = async move {
        if let Some(earlier) = earlier {
            earlier.await;
        }
        if let Err(e) = JsFuture::from(promise).await {
            web_sys::console::warn_2(&JsValue::from_str("sheetlog: could not record the sheet in the list"), &e);
        }
        OPENS.with(|opens| {
            let mut opens = opens.borrow_mut();
            if opens.get(&owned).is_some_and(|(held, _)| *held == id) {
                opens.remove(&owned);
            }
        });
    }
    .boxed_local()
    .shared();
    OPENS.with(|opens| opens.borrow_mut().insert(name.to_owned(), (id, write.clone())));
    wasm_bindgen_futures::spawn_local(write);
}

/// Waits until the records of opens this thread started (of sheet `name`, or of every sheet)
/// are written.
async fn opens_recorded(name: Option<&str>) {
    let pending: Vec<_> = OPENS.with(|opens| {
        let opens = opens.borrow();
        match name {
            Some(name) => opens.get(name).map(|(_, w)| w.clone()).into_iter().collect(),
            None => opens.values().map(|(_, w)| w.clone()).collect(),
        }
    });
    futures_util::future::join_all(pending).await;
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
    opens_recorded(Some(name)).await;
    forget_acknowledged(name);
    JsFuture::from(forget_sheet(name)).await.map(drop)
}

/// Every sheet of the origin, sorted by name, as the JS records `list()` returns.
///
/// # Errors
/// What IndexedDB failed with.
pub async fn list() -> Result<Array, JsValue> {
    opens_recorded(None).await;
    Ok(JsFuture::from(list_sheets()).await?.unchecked_into())
}
