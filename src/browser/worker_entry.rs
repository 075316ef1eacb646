//! The worker side of workflows (DESIGN.md sections 4, 5 and 7): `__sheetlogWorkerHandle`, which
//! the worker entry module (`js/sheetlog-worker.js`) calls for every request the main thread posts.
//!
//! A request is a plain object
//! `{ id, sheet, seq, workflow, tileRows, tileColumns, durability }` (see [`WorkerRequest`]); the
//! reply is `{ id, ok: true }` or `{ id, ok: false, error }`. The worker opens the sheet's
//! database itself (messages stay small), keeps the connection for later requests on the same
//! sheet, and runs the workflow inside the Web Lock `sheetlog:<sheet>:workflow`, so one workflow
//! runs at a time per sheet across tabs. Workflows are idempotent, so a request that waited for
//! the lock while another worker did the same work simply finds it done.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::database::{Durability, IdbOptions, SheetDatabase};
use super::idb_blob_store::IdbBlobStore;
use super::idb_event_log::IdbEventLog;
use super::web_locks::with_workflow_lock;
use crate::engine::workflow::DEFAULT_MAX_LAYERS;
use crate::engine::{run_workflow_with, Retention, WorkflowConfig};
use crate::log::{SequenceId, Workflow};
use crate::snapshot::TileSize;

/// Largest integer a JS number holds exactly (2^53 - 1): the bound of ids and sequence ids in
/// messages.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// One workflow request, as the main thread posts it to the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRequest {
    /// Chosen by the sender, echoed in the reply; a non-negative safe integer.
    pub id: u64,
    /// The sheet's name (its database is `sheetlog:<sheet>`).
    pub sheet: String,
    /// The entry the workflow runs for.
    pub seq: SequenceId,
    /// Which workflow.
    pub workflow: Workflow,
    /// Tile size of a sheet's first snapshot.
    pub tile_size: TileSize,
    /// Durability the worker opens the database with.
    pub durability: Durability,
    /// A snapshot with more layers than this asks for compaction (field `maxLayers`, optional,
    /// default [`DEFAULT_MAX_LAYERS`]).
    pub max_layers: usize,
    /// The latest snapshots garbage collection keeps (field `keepSnapshots`, optional, default
    /// 4; see [`crate::engine::Retention`]).
    pub keep_snapshots: usize,
    /// Milliseconds each IndexedDB operation of the worker may take (field `timeoutMs`,
    /// optional, 1 to 3,600,000, default that of [`IdbOptions`]): the sheet's `timeoutMs` open
    /// option, honoured in the worker too (issue 9, item 5).
    pub timeout_ms: Option<u32>,
}

impl WorkerRequest {
    /// The request as the plain JS object the worker reads.
    pub fn to_js(&self) -> JsValue {
        let object = Object::new();
        // Setting plain data properties on a fresh object cannot fail.
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
        };
        set("id", JsValue::from_f64(self.id as f64));
        set("sheet", JsValue::from_str(&self.sheet));
        set("seq", JsValue::from_f64(self.seq as f64));
        set("workflow", JsValue::from_str(self.workflow.as_str()));
        set("tileRows", JsValue::from_f64(f64::from(self.tile_size.rows())));
        set("tileColumns", JsValue::from_f64(f64::from(self.tile_size.cols())));
        set("durability", JsValue::from_str(durability_name(self.durability)));
        set("maxLayers", JsValue::from_f64(self.max_layers as f64));
        set("keepSnapshots", JsValue::from_f64(self.keep_snapshots as f64));
        if let Some(ms) = self.timeout_ms {
            set("timeoutMs", JsValue::from_f64(f64::from(ms)));
        }
        object.into()
    }

    /// Reads a request from a message, checking every field.
    ///
    /// # Errors
    /// A message naming the first field that is missing or wrong.
    pub fn from_js(message: &JsValue) -> Result<WorkerRequest, String> {
        if !message.is_object() {
            return Err(format!("a workflow request must be an object, got {}", type_name(message)));
        }
        let id = safe_integer(message, "id")?;
        let sheet = string(message, "sheet")?;
        let seq = sequence_id(message)?;
        let workflow = match string(message, "workflow")?.as_str() {
            "snapshot" => Workflow::Snapshot,
            "compact" => Workflow::Compact,
            "history" => Workflow::History,
            "gc" => Workflow::Gc,
            other => {
                return Err(format!(
                    "`workflow` must be \"snapshot\", \"compact\", \"history\" or \"gc\", got {other:?}"
                ))
            }
        };
        let rows = tile_side(message, "tileRows")?;
        let cols = tile_side(message, "tileColumns")?;
        let tile_size = TileSize::new(rows, cols).map_err(|e| format!("bad tile size: {e}"))?;
        let durability = match string(message, "durability")?.as_str() {
            "strict" => Durability::Strict,
            "relaxed" => Durability::Relaxed,
            other => return Err(format!("`durability` must be \"strict\" or \"relaxed\", got {other:?}")),
        };
        let max_layers = match Reflect::get(message, &JsValue::from_str("maxLayers")) {
            Ok(value) if value.is_undefined() => DEFAULT_MAX_LAYERS,
            Ok(value) => match value.as_f64() {
                Some(n) if n.fract() == 0.0 && (1.0..=1_000_000.0).contains(&n) => n as usize,
                _ => return Err("`maxLayers` must be an integer from 1 to 1000000".to_owned()),
            },
            Err(_) => return Err("`maxLayers` could not be read".to_owned()),
        };
        let keep_snapshots = match Reflect::get(message, &JsValue::from_str("keepSnapshots")) {
            Ok(value) if value.is_undefined() => Retention::default().keep_snapshots,
            Ok(value) => match value.as_f64() {
                Some(n) if n.fract() == 0.0 && (1.0..=1_000_000.0).contains(&n) => n as usize,
                _ => return Err("`keepSnapshots` must be an integer from 1 to 1000000".to_owned()),
            },
            Err(_) => return Err("`keepSnapshots` could not be read".to_owned()),
        };
        let timeout_ms = match Reflect::get(message, &JsValue::from_str("timeoutMs")) {
            Ok(value) if value.is_undefined() => None,
            Ok(value) => match value.as_f64() {
                Some(n) if n.fract() == 0.0 && (1.0..=3_600_000.0).contains(&n) => Some(n as u32),
                _ => return Err("`timeoutMs` must be an integer from 1 to 3600000".to_owned()),
            },
            Err(_) => return Err("`timeoutMs` could not be read".to_owned()),
        };
        Ok(WorkerRequest { id, sheet, seq, workflow, tile_size, durability, max_layers, keep_snapshots, timeout_ms })
    }
}

/// `"strict"` or `"relaxed"`.
pub fn durability_name(durability: Durability) -> &'static str {
    match durability {
        Durability::Strict => "strict",
        Durability::Relaxed => "relaxed",
    }
}

fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else {
        value.js_typeof().as_string().unwrap_or_else(|| "a value of unknown type".to_owned())
    }
}

/// `message[name]`, or an error when reading it throws (a getter, a proxy).
pub(crate) fn field(message: &JsValue, name: &str) -> Result<JsValue, String> {
    Reflect::get(message, &JsValue::from_str(name)).map_err(|_| format!("reading `{name}` of the request threw"))
}

pub(crate) fn string(message: &JsValue, name: &str) -> Result<String, String> {
    let value = field(message, name)?;
    value.as_string().ok_or_else(|| format!("`{name}` must be a string, got {}", type_name(&value)))
}

/// A number that is a non-negative integer of at most 2^53 - 1.
fn safe_integer_value(value: &JsValue, name: &str) -> Result<u64, String> {
    match value.as_f64() {
        Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= MAX_SAFE_INTEGER as f64 => Ok(n as u64),
        Some(n) => Err(format!("`{name}` must be a non-negative integer below 2^53, got {n}")),
        None => Err(format!("`{name}` must be a number, got {}", type_name(value))),
    }
}

pub(crate) fn safe_integer(message: &JsValue, name: &str) -> Result<u64, String> {
    safe_integer_value(&field(message, name)?, name)
}

/// `seq`: a safe integer number, or a non-negative `bigint` that fits in 64 bits.
fn sequence_id(message: &JsValue) -> Result<SequenceId, String> {
    let value = field(message, "seq")?;
    if value.is_bigint() {
        return u64::try_from(value).map_err(|_| "`seq` must be a non-negative bigint below 2^64".to_owned());
    }
    safe_integer_value(&value, "seq")
}

fn tile_side(message: &JsValue, name: &str) -> Result<u32, String> {
    let n = safe_integer(message, name)?;
    let max = crate::snapshot::MAX_TILE_SIDE;
    u32::try_from(n).ok().filter(|n| *n <= max).ok_or_else(|| format!("`{name}` must be at most {max}, got {n}"))
}

/// The `id` of a message if it is a number, else `null`: what a reply echoes.
pub(crate) fn reply_id(message: &JsValue) -> JsValue {
    if !message.is_object() {
        return JsValue::NULL;
    }
    match Reflect::get(message, &JsValue::from_str("id")) {
        Ok(id) if id.as_f64().is_some() => id,
        _ => JsValue::NULL,
    }
}

fn reply(id: JsValue, result: Result<(), String>) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    set("id", id);
    match result {
        Ok(()) => set("ok", JsValue::TRUE),
        Err(error) => {
            set("ok", JsValue::FALSE);
            set("error", JsValue::from_str(&error));
        }
    }
    object.into()
}

/// Handles one request posted to the sheetlog worker; resolves (never rejects) to
/// `{ id, ok: true }` or `{ id, ok: false, error }`. Called by `js/sheetlog-worker.js`; not public API.
#[doc(hidden)]
#[wasm_bindgen(
    js_name = __sheetlogWorkerHandle,
    unchecked_return_type = "Promise<{ id: number | null; ok: boolean; error?: string }>"
)]
pub fn handle_worker_message(#[wasm_bindgen(unchecked_param_type = "unknown")] message: JsValue) -> Promise {
    future_to_promise(async move { Ok(handle_message(message).await) })
}

/// Handles one request; the reply as a JS object.
pub async fn handle_message(message: JsValue) -> JsValue {
    let id = reply_id(&message);
    let result = match WorkerRequest::from_js(&message) {
        Ok(request) => handle_request(request).await,
        Err(error) => Err(format!("malformed workflow request: {error}")),
    };
    reply(id, result)
}

/// Runs one parsed request: opens (or reuses) the sheet's database and runs the workflow under
/// the sheet's workflow lock.
///
/// # Errors
/// The workflow's error, as text.
pub async fn handle_request(request: WorkerRequest) -> Result<(), String> {
    let handles = open_sheet(&request.sheet, request.durability, request.timeout_ms).await?;
    let WorkerRequest { seq, workflow, tile_size, max_layers, keep_snapshots, .. } = request;
    let retention = Retention { keep_snapshots, ..Retention::default() };
    let config = WorkflowConfig { tile_size, max_layers, retention };
    let now = js_sys::Date::now().max(0.0) as u64;
    let work = async move { run_workflow_with(&handles.log, &handles.blobs, seq, workflow, config, now).await };
    with_workflow_lock(&request.sheet, work).await?.map(drop).map_err(|e| e.to_string())
}

// ---- the cached connections ----

/// A sheet's database as the worker keeps it open.
#[derive(Clone)]
pub(crate) struct SheetHandles {
    db: SheetDatabase,
    pub(crate) log: IdbEventLog,
    pub(crate) blobs: IdbBlobStore,
}

thread_local! {
    /// Open databases by (sheet, strict durability, timeout): a worker keeps its connection
    /// across requests.
    static SHEETS: RefCell<HashMap<(String, bool, u32), SheetHandles>> = RefCell::new(HashMap::new());
}

fn cached(key: &(String, bool, u32)) -> Option<SheetHandles> {
    SHEETS.with(|sheets| sheets.borrow().get(key).cloned())
}

/// The sheet's database, opened (it must exist) or taken from the worker's cache.
///
/// # Errors
/// Why it could not be opened, as text.
pub(crate) async fn open_sheet(
    sheet: &str,
    durability: Durability,
    timeout_ms: Option<u32>,
) -> Result<SheetHandles, String> {
    let defaults = IdbOptions::default();
    let timeout_ms = timeout_ms.unwrap_or(defaults.timeout_ms);
    let key = (sheet.to_owned(), durability == Durability::Strict, timeout_ms);
    if let Some(handles) = cached(&key) {
        return Ok(handles);
    }
    // The main thread created the database: a missing one was deleted and must not come back.
    let options = IdbOptions { durability, timeout_ms, must_exist: true, ..defaults };
    let db = SheetDatabase::open(sheet, options).await.map_err(|e| e.to_string())?;
    // Another request may have opened the same sheet while this one waited: keep one.
    if let Some(handles) = cached(&key) {
        db.close();
        return Ok(handles);
    }
    let handles = SheetHandles { log: IdbEventLog::new(db.clone()), blobs: IdbBlobStore::new(db.clone()), db };
    SHEETS.with(|sheets| sheets.borrow_mut().insert(key, handles.clone()));
    Ok(handles)
}

/// Closes and forgets every database connection this thread's worker side keeps.
pub fn close_cached_sheets() {
    let all: Vec<SheetHandles> = SHEETS.with(|sheets| sheets.borrow_mut().drain().map(|(_, h)| h).collect());
    for handles in all {
        handles.db.close();
    }
}
