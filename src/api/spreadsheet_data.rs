//! The `SpreadsheetData` class (DESIGN.md section 3): one sheet, shaped for React's
//! `useSyncExternalStore(data.subscribe, data.getSnapshot)`.
//!
//! `subscribe` and `getSnapshot` are properties holding bound, stable functions, so they can be
//! passed around without `this`. `getSnapshot()` returns the same `ContentVersion` object until the
//! engine publishes a new version. Listeners are called after the engine's state is consistent,
//! never in the middle of a mutation (the engine releases its state before notifying).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::{Rc, Weak};

use futures_util::future::{LocalBoxFuture, Shared};
use futures_util::FutureExt as _;
use js_sys::{BigInt, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::browser_runtime::browser_runtime;
use super::content_version::{live_version, version_arg, JsContentVersion};
use super::convert::{
    cell_value_from_js, cell_value_to_js, format_from_js, index_arg, option, options_object, positive_integer, set,
    text_arg, url_href_of, viewport_from_js, viewport_to_js,
};
use super::js_error::{bad_input, engine_error, storage_error};
use super::lazy_worker::LazyWorker;
use super::sync_channel::SyncChannel;
use super::types::{
    JsFormat, JsInMemoryOptions, JsLoadStatus, JsLogInfo, JsMaybeError, JsOpenOptions, JsViewport, JsViewportInput,
};
use super::worker::{start_host, Host};
use crate::blob::MemoryBlobStore;
use crate::browser::registry;
use crate::browser::{Durability, IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase, WorkerScript};
use crate::engine::workflow::DEFAULT_MAX_LAYERS;
use crate::engine::{ContentVersion, Engine, EngineError, EngineOptions, InThreadHost, LoadStatus};
use crate::engine::{Retention, WorkflowConfig};
use crate::log::{MemoryEventLog, SequenceId};
use crate::model::{index_from_f64, Axis};
use crate::snapshot::{SheetSizes, TileSize};

// In js/boundary.js rather than an inline JS snippet of its own: see the note on the number of
// snippet modules at the top of that file.
#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    /// Wraps a function so that only its first call runs it.
    fn once(f: &JsValue) -> Function;
}

/// The message of the error a deleted sheet shows and rejects writes with (status 410).
const DELETED: &str = "this sheet was deleted (by SpreadsheetData.delete or by clearing the site's data, in this or \
                       another tab); it no longer stores edits";

pub(super) enum Backend {
    Memory(Engine<MemoryEventLog, MemoryBlobStore>),
    Idb {
        engine: Engine<IdbEventLog, IdbBlobStore>,
        db: SheetDatabase,
        channel: Option<SyncChannel>,
        /// The sheet's worker, if workflows run in one; started when first needed.
        worker: Option<Rc<LazyWorker>>,
        /// The sheet and the tab's undo key this instance holds (`super::tab_key`).
        slot: Option<(String, String)>,
    },
}

/// Runs `$body` with `$e` bound to the backend's engine, whatever its storage.
macro_rules! with_engine {
    ($backend:expr, $e:ident => $body:expr) => {
        match $backend {
            Backend::Memory($e) => $body,
            Backend::Idb { engine: $e, .. } => $body,
        }
    };
}
pub(super) use with_engine;

type SubscribeClosure = Closure<dyn Fn(JsValue) -> Result<JsValue, JsValue>>;
type GetSnapshotClosure = Closure<dyn Fn() -> JsValue>;

/// A close in flight whose undo stacks are still being saved.
type Closing = Shared<LocalBoxFuture<'static, ()>>;

#[wasm_bindgen(module = "/js/boundary.js")]
extern "C" {
    /// What `__cellValueAt` returns when it did not read: a symbol no cell value can be.
    #[wasm_bindgen(thread_local_v2, js_name = NOT_READ)]
    static NOT_READ: JsValue;
}

thread_local! {
    /// The closes in flight in this thread, by sheet: an open of the sheet waits for them.
    static CLOSING: RefCell<HashMap<String, Vec<Closing>>> = RefCell::default();
}

pub(super) struct Inner {
    pub(super) backend: Backend,
    cached: RefCell<Option<(Rc<ContentVersion>, bool, JsValue)>>,
    subscribe: Function,
    get_snapshot: Function,
    /// The offset mappings of the newest sizes asked for: (sizes, rows, columns), so a
    /// mapping keeps its identity while the sizes do not change.
    pub(super) mappings: RefCell<Option<(Rc<SheetSizes>, JsValue, JsValue)>>,
    closed: Cell<bool>,
    /// Set when `SpreadsheetData.delete` deleted this sheet (announced on its channel).
    deleted: Cell<bool>,
    /// The subscribers, by engine subscription id: told of the deletion after the engine closed.
    listeners: RefCell<HashMap<u64, Rc<dyn Fn()>>>,
    // Keep the closures behind `subscribe` and `getSnapshot` alive as long as the object.
    _closures: (SubscribeClosure, GetSnapshotClosure),
}

impl Inner {
    fn snapshot_js(&self) -> JsValue {
        let version = with_engine!(&self.backend, e => e.snapshot());
        let deleted = self.deleted.get();
        let mut cached = self.cached.borrow_mut();
        if let Some((held, was_deleted, js)) = cached.as_ref() {
            if Rc::ptr_eq(held, &version) && *was_deleted == deleted {
                return js.clone();
            }
        }
        let js = JsContentVersion::wrap(version.clone(), deleted);
        *cached = Some((version, deleted, js.clone()));
        js
    }

    fn subscribe_js(this: &Weak<Inner>, listener: JsValue) -> Result<JsValue, JsValue> {
        let Ok(listener) = listener.dyn_into::<Function>() else {
            return Err(bad_input("subscribe: the listener must be a function"));
        };
        let Some(inner) = this.upgrade() else { return Ok(once(&Closure::once_into_js(|| {})).into()) };
        let call = Rc::new(move || {
            if let Err(error) = listener.call0(&JsValue::UNDEFINED) {
                web_sys::console::error_2(&JsValue::from_str("sheetlog: a subscriber threw"), &error);
            }
        });
        let id = with_engine!(&inner.backend, e => e.subscribe(call.clone()));
        inner.listeners.borrow_mut().insert(id, call);
        let weak = this.clone();
        let unsubscribe = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                inner.listeners.borrow_mut().remove(&id);
                with_engine!(&inner.backend, e => e.unsubscribe(id));
            }
        });
        Ok(once(&unsubscribe).into())
    }
}

/// The data of one sheet for a React grid: an event-sourced sheet persisted in IndexedDB (or
/// held in memory), read through immutable content versions.
#[wasm_bindgen]
pub struct SpreadsheetData {
    pub(super) inner: Rc<Inner>,
}

fn engine_options(options: &JsValue) -> Result<EngineOptions, JsValue> {
    options_object(options, "options")?;
    let mut engine = EngineOptions::default();
    if let Some(n) = positive_integer(options, "snapshotInterval", 9_007_199_254_740_991.0)? {
        engine.snapshot_interval = n as u64;
    }
    if let Some(n) = positive_integer(options, "snapshotCells", 9_007_199_254_740_991.0)? {
        engine.snapshot_cells = n as u64;
    }
    let side = f64::from(crate::snapshot::MAX_TILE_SIDE);
    let rows = positive_integer(options, "tileRows", side)?.map_or(TileSize::DEFAULT.rows(), |n| n as u32);
    let cols = positive_integer(options, "tileColumns", side)?.map_or(TileSize::DEFAULT.cols(), |n| n as u32);
    engine.tile_size = TileSize::new(rows, cols).map_err(|e| bad_input(&e.to_string()))?;
    engine.viewport = viewport_from_js(&option(options, "viewport")?)?;
    // A random client id per instance (53 bits, exact as a JS number).
    engine.client_id = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    if let Some(bytes) = positive_integer(options, "tileCacheBytes", 4_294_967_295.0)? {
        engine.tile_cache_bytes = bytes as usize;
    }
    if let Some(ms) = positive_integer(options, "leaseMs", 9_007_199_254_740_991.0)? {
        engine.lease_ms = ms as u64;
    }
    if let Some(limit) = positive_integer(options, "undoLimit", 1_000_000.0)? {
        engine.undo_limit = limit as usize;
    }
    let key = option(options, "undoKey")?;
    if !key.is_undefined() {
        match key.as_string() {
            Some(key) if !key.is_empty() && key.chars().count() <= 64 => engine.undo_key = Some(key),
            _ => return Err(bad_input("option undoKey must be a string of 1 to 64 characters")),
        }
    }
    Ok(engine)
}

/// A sheet name: a string of 1 to 200 characters (without lone surrogates, which would name
/// another sheet once converted).
pub(super) fn sheet_name(value: &JsValue, what: &str) -> Result<String, JsValue> {
    match text_arg(value, what) {
        Ok(name) if !name.is_empty() && name.chars().count() <= 200 => Ok(name),
        Ok(_) => Err(bad_input(&format!("{what} must be a string of 1 to 200 characters"))),
        Err(e) => Err(e),
    }
}

/// Starts the sheet's worker, if it has one, soon after its first version is no longer loading
/// (the first viewport shown, or an error; `LazyWorker::start_soon`), by a one-shot subscriber
/// that is gone once it ran; and has a worker that fails to load reported to the engine (the
/// load status). Holds the sheet weakly, so it keeps nothing alive.
fn start_worker_once_shown(inner: &Rc<Inner>) {
    let Backend::Idb { engine, worker: Some(worker), .. } = &inner.backend else { return };
    let weak = Rc::downgrade(inner);
    worker.on_failure(move |error| {
        if let Some(Backend::Idb { engine, .. }) = weak.upgrade().as_ref().map(|inner| &inner.backend) {
            engine.report_host_failure(error);
        }
    });
    let id = Rc::new(Cell::new(None::<u64>));
    let weak = Rc::downgrade(inner);
    let subscription = id.clone();
    let check = Rc::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        let Backend::Idb { engine, worker: Some(worker), .. } = &inner.backend else { return };
        if matches!(engine.snapshot().load_status(), LoadStatus::Loading) {
            return;
        }
        worker.start_soon();
        if let Some(id) = subscription.take() {
            engine.unsubscribe(id);
        }
    });
    id.set(Some(engine.subscribe(check.clone())));
    // Already shown (nothing to load under the viewport): start now.
    check();
}

/// How long after the first viewport is shown, or a snapshot adopted, the open hint is kept (ms):
/// its registry write then does not compete with the page's first paint.
const HINT_DELAY_MS: u32 = 1_000;

/// Keeps the sheet's open hint in its registry record (`registry::record_open_hint`) a second
/// after the first viewport is shown, and again a second after each newer snapshot the engine
/// reads from: the next `open()` reads those blobs beside the log's query instead of after it
/// (`crate::engine::OpenHint`, BENCHMARKS.md stop 37). `viewport` is the one this open was given,
/// which the next open of the page most likely gives again.
fn keep_open_hint(inner: &Rc<Inner>, name: String, viewport: Option<crate::engine::Viewport>) {
    let Backend::Idb { engine, .. } = &inner.backend else { return };
    // The snapshot path of the last hint kept; `None` before the first.
    let kept = RefCell::new(None::<Option<String>>);
    let weak = Rc::downgrade(inner);
    let check = Rc::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        let Backend::Idb { engine, .. } = &inner.backend else { return };
        if matches!(engine.snapshot().load_status(), LoadStatus::Loading) {
            return;
        }
        let path = engine.snapshot_path();
        if kept.borrow().as_ref() == Some(&path) {
            return;
        }
        *kept.borrow_mut() = Some(path);
        let (weak, name) = (weak.clone(), name.clone());
        wasm_bindgen_futures::spawn_local(async move {
            crate::browser::timer::sleep(HINT_DELAY_MS).await;
            // Not for a sheet closed or deleted meanwhile.
            let Some(inner) = weak.upgrade().filter(|inner| !inner.closed.get() && !inner.deleted.get()) else {
                return;
            };
            let Backend::Idb { engine, .. } = &inner.backend else { return };
            let hint = engine.open_hint(viewport);
            drop(inner);
            registry::record_open_hint(&name, &hint).await;
        });
    });
    engine.subscribe(check.clone());
    check();
}

/// Options `worker` and `workerUrl`: the worker to start, or `None` for workflows in this thread.
fn worker_script(options: &JsValue) -> Result<Option<WorkerScript>, JsValue> {
    let worker = option(options, "worker")?;
    let url = option(options, "workerUrl")?;
    // A URL is taken as its href now: later code must not run the caller's `toString`.
    let url = if url.is_undefined() {
        url
    } else if let Some(href) = url_href_of(&url).as_string() {
        JsValue::from_str(&href)
    } else {
        JsValue::from_str(
            &text_arg(&url, "option workerUrl").map_err(|_| bad_input("option workerUrl must be a string or a URL"))?,
        )
    };
    if worker.is_undefined() || worker.as_bool() == Some(true) {
        return Ok(Some(WorkerScript { factory: JsValue::UNDEFINED, url }));
    }
    if worker.as_bool() == Some(false) {
        return Ok(None);
    }
    if worker.is_function() {
        return Ok(Some(WorkerScript { factory: worker, url: JsValue::UNDEFINED }));
    }
    Err(bad_input("option worker must be a boolean or a function returning a Worker"))
}

/// Options `maxLayers` (a positive integer, default 8) and `keepSnapshots` (default 4) as the
/// workflows' settings, with the first snapshot's tile size.
fn workflow_config(options: &JsValue, tile_size: TileSize) -> Result<WorkflowConfig, JsValue> {
    let max_layers = positive_integer(options, "maxLayers", 1_000_000.0)?.map_or(DEFAULT_MAX_LAYERS, |n| n as usize);
    let mut retention = Retention::default();
    if let Some(keep) = positive_integer(options, "keepSnapshots", 1_000_000.0)? {
        retention.keep_snapshots = keep as usize;
    }
    Ok(WorkflowConfig { tile_size, max_layers, retention })
}

fn load_status_js(status: &LoadStatus) -> JsValue {
    let object = Object::new();
    match status {
        LoadStatus::Loading => set(&object, "state", &"loading".into()),
        LoadStatus::Ready => set(&object, "state", &"ready".into()),
        LoadStatus::Error(e) => {
            set(&object, "state", &"error".into());
            set(&object, "error", &engine_error(e));
        }
    }
    object.into()
}

impl Inner {
    /// The sheet was deleted: stop writing (close everything), publish a version whose load
    /// status is the 410 error, and tell the subscribers.
    pub(super) fn mark_deleted(&self) {
        if self.deleted.replace(true) {
            return;
        }
        self.shut_down();
        // Called from a channel message, never inside a mutation: subscribers may run now.
        let listeners: Vec<Rc<dyn Fn()>> = self.listeners.borrow().values().cloned().collect();
        for listener in listeners {
            listener();
        }
    }

    fn shut_down(&self) {
        if self.closed.replace(true) {
            return;
        }
        with_engine!(&self.backend, e => e.close());
        if let Backend::Idb { engine, db, channel, worker, slot } = &self.backend {
            if let Some((sheet, key)) = slot {
                super::tab_key::release(sheet, key);
            }
            if let Some(channel) = channel {
                channel.close();
            }
            if let Some(worker) = worker {
                worker.terminate();
            }
            // The connection goes once the undo stacks closing saved are stored. An open of the
            // same sheet in this thread waits for that first: the save waits for the write turn,
            // so a read made meanwhile would find the stacks as they were.
            let sheet = db.sheet().to_owned();
            let (saved, db) = (engine.undo_saved(), db.clone());
            let closing = async move {
                saved.await;
                db.close();
            }
            .boxed_local()
            .shared();
            CLOSING.with(|c| c.borrow_mut().entry(sheet.clone()).or_default().push(closing.clone()));
            wasm_bindgen_futures::spawn_local(async move {
                closing.await;
                CLOSING.with(|c| {
                    let mut c = c.borrow_mut();
                    if let Some(pending) = c.get_mut(&sheet) {
                        pending.retain(|f| f.peek().is_none());
                        if pending.is_empty() {
                            c.remove(&sheet);
                        }
                    }
                });
            });
        }
    }

    /// The rejection of writes to a deleted sheet, if it was deleted.
    pub(super) fn deleted_error(&self) -> Option<JsValue> {
        self.deleted.get().then(|| storage_error(DELETED, 410))
    }

    /// Tells the other tabs of this sheet that the log grew, and records what is acknowledged.
    pub(super) fn announce(&self) {
        if let Backend::Idb { channel, engine, db, .. } = &self.backend {
            let end = engine.snapshot().log_info().sequence_id;
            registry::acknowledge(db.sheet(), end);
            if let Some(channel) = channel {
                channel.announce(end);
            }
        }
    }
}

impl SpreadsheetData {
    /// What the engine behind this sheet holds in memory (edit layer changes, pending edits,
    /// cached tiles and their bytes): for benchmark programs, not exported to JS.
    pub fn engine_stats(&self) -> crate::engine::EngineStats {
        with_engine!(&self.inner.backend, e => e.stats())
    }

    /// The promise of an engine write: resolves once durable (and announced to other tabs),
    /// rejects with the mapped error.
    pub(super) fn write_promise(
        &self,
        write: LocalBoxFuture<'static, Result<Range<SequenceId>, EngineError>>,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let result = write.await;
            if let Some(deleted) = inner.deleted_error() {
                return Err(deleted);
            }
            result.map_err(|e| engine_error(&e))?;
            inner.announce();
            Ok(JsValue::UNDEFINED)
        })
    }

    /// A structural edit through the engine, with the write contract and cross-tab announce.
    fn structural(&self, at: &JsValue, count: &JsValue, axis: Axis, insert: bool) -> Promise {
        let parsed =
            (|| -> Result<(u64, u64), JsValue> { Ok((index_arg(axis, at, "at")?, index_arg(axis, count, "count")?)) })(
            );
        let (at, count) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Promise::reject(&e),
        };
        let edit = with_engine!(&self.inner.backend, e => match (axis, insert) {
            (Axis::Row, true) => e.insert_rows(at, count),
            (Axis::Row, false) => e.delete_rows(at, count),
            (Axis::Column, true) => e.insert_columns(at, count),
            (Axis::Column, false) => e.delete_columns(at, count),
        });
        self.write_promise(edit)
    }

    fn build(backend: Backend) -> Self {
        let inner = Rc::new_cyclic(|weak: &Weak<Inner>| {
            let w = weak.clone();
            let subscribe = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(move |listener| {
                Inner::subscribe_js(&w, listener)
            });
            let w = weak.clone();
            let get_snapshot = Closure::<dyn Fn() -> JsValue>::new(move || {
                w.upgrade().map_or(JsValue::UNDEFINED, |i| i.snapshot_js())
            });
            Inner {
                backend,
                cached: RefCell::new(None),
                subscribe: subscribe.as_ref().clone().unchecked_into(),
                get_snapshot: get_snapshot.as_ref().clone().unchecked_into(),
                mappings: RefCell::default(),
                closed: Cell::new(false),
                deleted: Cell::new(false),
                listeners: RefCell::default(),
                _closures: (subscribe, get_snapshot),
            }
        });
        Self { inner }
    }
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// Opens (creating if needed) the sheet `options.name` stored in IndexedDB database
    /// `sheetlog:<name>`, with snapshots written by the package's Web Worker unless
    /// `worker: false`, and records it in the origin's list of sheets (`SpreadsheetData.list()`).
    /// Resolves once the log is replayed; tiles under the viewport keep loading (see
    /// `getLoadStatus`). The worker is not started by `open()`: it starts about a second after the
    /// first viewport is shown (the first version that is no longer loading), or at the first
    /// workflow, import or export if that comes first, so that it does not compete with the page's
    /// first paint. A worker that cannot load then shows as the load status `error`, its message
    /// naming the script; edits are still stored. A second after the first viewport is shown, and
    /// after each newer snapshot, the sheet's record in the list keeps the blobs the `viewport`
    /// option's cells needed (the open hint): the next open reads them beside the log's query
    /// instead of after it.
    ///
    /// Rejects with `ValidationError` for bad options, `StorageError` when IndexedDB fails.
    ///
    /// @example
    /// ```ts
    /// import init, { SpreadsheetData } from "sheetlog";
    /// await init();
    /// const data = await SpreadsheetData.open({ name: "budget", snapshotInterval: 500 });
    /// ```
    pub async fn open(options: JsOpenOptions) -> Result<SpreadsheetData, JsValue> {
        let options: JsValue = options.into();
        if options.is_undefined() || options.is_null() {
            return Err(bad_input("SpreadsheetData.open needs options with a name: open({ name })"));
        }
        options_object(&options, "options")?;
        let name = sheet_name(&option(&options, "name")?, "option name")?;
        let closing = CLOSING.with(|c| c.borrow().get(&name).cloned().unwrap_or_default());
        futures_util::future::join_all(closing).await;
        let mut engine_options = engine_options(&options)?;
        let durability = option(&options, "durability")?;
        let durability = match durability.as_string().as_deref() {
            _ if durability.is_undefined() => Durability::Strict,
            Some("strict") => Durability::Strict,
            Some("relaxed") => Durability::Relaxed,
            _ => return Err(bad_input("option durability must be \"strict\" or \"relaxed\"")),
        };
        let mut idb = IdbOptions { durability, ..IdbOptions::default() };
        if let Some(ms) = positive_integer(&options, "timeoutMs", 3_600_000.0)? {
            idb.timeout_ms = ms as u32;
        }
        let script = worker_script(&options)?;
        let config = workflow_config(&options, engine_options.tile_size)?;
        // This tab's undo key, unless the caller gave one; released when the sheet closes. Taken
        // from sessionStorage (a synchronous read) once the database's and its record's requests
        // are under way: `join` polls its futures in order.
        let wants_key = engine_options.undo_key.is_none();
        let opening = futures_util::future::join(SheetDatabase::open(&name, idb.clone()), registry::open_record(&name));
        let key = async { wants_key.then(|| super::tab_key::undo_key(&name)).flatten() };
        let ((db, record), tab_key) = futures_util::future::join(opening, key).await;
        if tab_key.is_some() {
            engine_options.undo_key = tab_key.clone();
        }
        let slot = tab_key.map(|key| (name.clone(), key));
        let release_slot = |slot: &Option<(String, String)>| {
            if let Some((sheet, key)) = slot {
                super::tab_key::release(sheet, key);
            }
        };
        let db = match db {
            Ok(db) => db,
            Err(e) => {
                release_slot(&slot);
                return Err(engine_error(&EngineError::Log(e.into())));
            }
        };
        let record = record.map(|r| (r.acknowledged, r.hint));
        if let Err(e) = super::sheets::check_not_lost(&name, &db, record.clone().map(|r| r.0)).await {
            release_slot(&slot);
            return Err(e);
        }
        // The blobs the first viewport needed at the last open are read beside the log's query.
        engine_options.open_hint = record.map(|r| r.1).unwrap_or_default();
        let hint_viewport = engine_options.viewport;
        let log = IdbEventLog::new(db.clone());
        let blobs = IdbBlobStore::new(db.clone());
        // The worker starts later: once the first viewport is shown, or at the first workflow
        // (`LazyWorker`), so that it does not compete with what the page needs first.
        let Host { host, worker } = start_host(&name, script, &log, &blobs, config, idb.durability, idb.timeout_ms);
        let engine = match Engine::open(log, blobs, host, browser_runtime(), engine_options).await {
            Ok(engine) => engine,
            Err(e) => {
                if let Some(worker) = worker {
                    worker.terminate();
                }
                db.close();
                release_slot(&slot);
                return Err(engine_error(&e));
            }
        };
        // The list of sheets is a convenience: recorded in the background (`record_open`).
        registry::record_open(&name);
        let on_deleted = Rc::new(RefCell::new(None::<Weak<Inner>>));
        let channel = SyncChannel::start(&name, &engine, {
            let on_deleted = on_deleted.clone();
            move || {
                if let Some(inner) = on_deleted.borrow().as_ref().and_then(Weak::upgrade) {
                    inner.mark_deleted();
                }
            }
        });
        // Deleted under us by another tab or the browser: stop, as after SpreadsheetData.delete.
        db.set_on_deleted({
            let on_deleted = on_deleted.clone();
            move || {
                if let Some(inner) = on_deleted.borrow().as_ref().and_then(Weak::upgrade) {
                    inner.mark_deleted();
                }
            }
        });
        let data = Self::build(Backend::Idb { engine, db, channel, worker, slot });
        *on_deleted.borrow_mut() = Some(Rc::downgrade(&data.inner));
        start_worker_once_shown(&data.inner);
        keep_open_hint(&data.inner, name, hint_viewport);
        Ok(data)
    }

    /// A sheet held in memory, with the same engine and in-thread workflows; nothing persists.
    /// Returns at once; the first version is `loading` for a moment.
    ///
    /// Throws `ValidationError` for bad options.
    #[wasm_bindgen(js_name = inMemory)]
    pub fn in_memory(options: Option<JsInMemoryOptions>) -> Result<SpreadsheetData, JsValue> {
        let options_js: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let options = engine_options(&options_js)?;
        let config = workflow_config(&options_js, options.tile_size)?;
        let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
        let clock: crate::engine::Clock = Rc::new(|| js_sys::Date::now().max(0.0) as u64);
        let host = Rc::new(
            InThreadHost::new(log.clone(), blobs.clone(), options.tile_size)
                .with_max_layers(config.max_layers)
                .with_retention(config.retention)
                .with_clock(clock),
        );
        let (engine, loaded) = Engine::start(log, blobs, host, browser_runtime(), options);
        // The initial load of an empty memory sheet cannot fail; an error would show in the status.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = loaded.await;
        });
        Ok(Self::build(Backend::Memory(engine)))
    }

    /// `subscribe(onStoreChange)`: calls `onStoreChange()` after every change of what
    /// `getSnapshot()` returns, until the returned unsubscribe function is called. A bound,
    /// stable function.
    #[wasm_bindgen(getter, unchecked_return_type = "(onStoreChange: () => void) => () => void")]
    pub fn subscribe(&self) -> Function {
        self.inner.subscribe.clone()
    }

    /// `getSnapshot()`: the current `ContentVersion`, the same object until data, viewport or
    /// load status change. A bound, stable function.
    #[wasm_bindgen(getter = getSnapshot, unchecked_return_type = "() => ContentVersion")]
    pub fn get_snapshot(&self) -> Function {
        self.inner.get_snapshot.clone()
    }

    /// `{state: "loading"}` while log sync or tiles under the viewport are outstanding,
    /// `{state: "ready"}`, or `{state: "error", error}` with the latest storage error.
    ///
    /// Throws `ValidationError` when `snapshot` is not a `ContentVersion`.
    #[wasm_bindgen(js_name = getLoadStatus)]
    pub fn get_load_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<JsLoadStatus, JsValue> {
        let snapshot = version_arg(&snapshot, "snapshot")?;
        if snapshot.deleted {
            let object = Object::new();
            set(&object, "state", &"error".into());
            set(&object, "error", &storage_error(DELETED, 410));
            return Ok(object.unchecked_into());
        }
        Ok(load_status_js(snapshot.version.load_status()).unchecked_into())
    }

    /// One past the highest row index written.
    #[wasm_bindgen(js_name = getRowCount)]
    pub fn get_row_count(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<f64, JsValue> {
        Ok(version_arg(&snapshot, "snapshot")?.version.row_count() as f64)
    }

    /// One past the highest column index written.
    #[wasm_bindgen(js_name = getColumnCount)]
    pub fn get_column_count(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<f64, JsValue> {
        Ok(version_arg(&snapshot, "snapshot")?.version.column_count() as f64)
    }

    /// Row heights and offsets in pixels as of `snapshot`: 30 px rows unless resized
    /// (`setRowHeights`). Lookups are `O(log n)` in the number of resized runs. The same object
    /// is returned while the sizes do not change.
    ///
    /// Throws `ValidationError` when `snapshot` is not a live `ContentVersion`.
    #[wasm_bindgen(js_name = getRowItemOffsetMapping, unchecked_return_type = "ItemOffsetMapping")]
    pub fn get_row_item_offset_mapping(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<JsValue, JsValue> {
        Ok(self.inner.mappings_of(&version_arg(&snapshot, "snapshot")?.version).0)
    }

    /// Column widths and offsets in pixels as of `snapshot`: 100 px columns unless resized
    /// (`setColumnWidths`). As `getRowItemOffsetMapping`.
    #[wasm_bindgen(js_name = getColumnItemOffsetMapping, unchecked_return_type = "ItemOffsetMapping")]
    pub fn get_column_item_offset_mapping(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<JsValue, JsValue> {
        Ok(self.inner.mappings_of(&version_arg(&snapshot, "snapshot")?.version).1)
    }

    /// The value of cell (`row`, `column`), 0-based: `undefined` for no value (or a tile not
    /// loaded yet), `null` for an explicitly empty cell.
    ///
    /// Throws `ValidationError` for negative, fractional or too large indexes, or arguments of
    /// the wrong type.
    #[wasm_bindgen(js_name = getCellValue, unchecked_return_type = "CellValue")]
    pub fn get_cell_value(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] row: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] column: JsValue,
    ) -> Result<JsValue, JsValue> {
        let snapshot = version_arg(&snapshot, "snapshot")?;
        let (row, column) = (index_arg(Axis::Row, &row, "row")?, index_arg(Axis::Column, &column, "column")?);
        Ok(snapshot.version.with_cell(row, column, |c| cell_value_to_js(c.and_then(|c| c.value.as_ref()))))
    }

    /// `getCellValue`'s fast path, for `js/boundary.js` only (`installFastReads` takes it off
    /// the prototype): the value of cell (`row`, `column`) of the version with id `id`, or the
    /// `NOT_READ` symbol when the id is not live or an index is not a whole number in
    /// `0 ..= 2^53 - 1`; the caller then asks `getCellValue` itself, which throws the
    /// `ValidationError`. The checked method costs three calls from wasm into JS per read (the
    /// version's id, each index's type) and returns through memory; this one takes the id and
    /// numbers JS checked and returns the value alone (issue 9, item 6; BENCHMARKS.md, "Stop 26").
    #[wasm_bindgen(js_name = __cellValueAt, skip_typescript)]
    pub fn cell_value_at(&self, id: u32, row: f64, column: f64) -> JsValue {
        let found =
            live_version(id).zip(index_from_f64(Axis::Row, row).ok()).zip(index_from_f64(Axis::Column, column).ok());
        match found {
            Some(((version, row), column)) => {
                version.with_cell(row, column, |c| cell_value_to_js(c.and_then(|c| c.value.as_ref())))
            }
            None => NOT_READ.with(JsValue::clone),
        }
    }

    /// The number format of cell (`row`, `column`), or `undefined`.
    ///
    /// Throws `ValidationError` for bad indexes.
    #[wasm_bindgen(js_name = getCellFormat)]
    pub fn get_cell_format(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] row: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] column: JsValue,
    ) -> Result<Option<String>, JsValue> {
        let snapshot = version_arg(&snapshot, "snapshot")?;
        let (row, column) = (index_arg(Axis::Row, &row, "row")?, index_arg(Axis::Column, &column, "column")?);
        Ok(snapshot
            .version
            .with_cell(row, column, |c| c.and_then(|c| c.format.as_ref()).map(|f| f.as_str().to_owned())))
    }

    /// Sets cell (`row`, `column`) to `value` with number `format`. Validates first (rejects with
    /// `ValidationError`, stores nothing); the next `getSnapshot()` shows the edit and
    /// subscribers are told before the promise settles; resolves once the entry is durably in
    /// the log; after a conflict with another writer it syncs and re-appends by itself; on a
    /// storage failure it rolls back, notifies and rejects with `StorageError`.
    #[wasm_bindgen(js_name = setCellValueAndFormat, unchecked_return_type = "Promise<void>")]
    pub fn set_cell_value_and_format(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] row: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] column: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CellValue")] value: JsValue,
        format: Option<JsFormat>,
    ) -> Promise {
        let format: JsValue = format.map_or(JsValue::UNDEFINED, Into::into);
        let parsed = (|| -> Result<_, JsValue> {
            Ok((
                index_arg(Axis::Row, &row, "row")?,
                index_arg(Axis::Column, &column, "column")?,
                cell_value_from_js(&value)?,
                format_from_js(&format)?,
            ))
        })();
        let (row, column, value, format) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Promise::reject(&e),
        };
        let write = with_engine!(&self.inner.backend, e => e.set_cell(row, column, value, format));
        self.write_promise(write)
    }

    /// Inserts `count` empty rows before row `at` (0-based); rows at and below move down.
    /// Same contract as `setCellValueAndFormat`: validates (rejects with `ValidationError` for
    /// a count below 1 or indexes past 2^53-1), shows at once, resolves when durable.
    #[wasm_bindgen(js_name = insertRows, unchecked_return_type = "Promise<void>")]
    pub fn insert_rows(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Promise {
        self.structural(&at, &count, Axis::Row, true)
    }

    /// Deletes rows `at .. at + count`; rows below move up. Contract of `insertRows`.
    #[wasm_bindgen(js_name = deleteRows, unchecked_return_type = "Promise<void>")]
    pub fn delete_rows(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Promise {
        self.structural(&at, &count, Axis::Row, false)
    }

    /// Inserts `count` empty columns before column `at`. Contract of `insertRows`.
    #[wasm_bindgen(js_name = insertColumns, unchecked_return_type = "Promise<void>")]
    pub fn insert_columns(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Promise {
        self.structural(&at, &count, Axis::Column, true)
    }

    /// Deletes columns `at .. at + count`. Contract of `insertRows`.
    #[wasm_bindgen(js_name = deleteColumns, unchecked_return_type = "Promise<void>")]
    pub fn delete_columns(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] at: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Promise {
        self.structural(&at, &count, Axis::Column, false)
    }

    /// `undefined` when `setCellValueAndFormat` would accept these arguments, else the
    /// `ValidationError` it would reject with. Never throws.
    #[wasm_bindgen(js_name = isValidCellValueAndFormat)]
    pub fn is_valid_cell_value_and_format(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] row: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] column: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CellValue")] value: JsValue,
        format: Option<JsFormat>,
    ) -> JsMaybeError {
        let format: JsValue = format.map_or(JsValue::UNDEFINED, Into::into);
        let checked = (|| -> Result<(), JsValue> {
            let (row, column) = (index_arg(Axis::Row, &row, "row")?, index_arg(Axis::Column, &column, "column")?);
            let (value, format) = (cell_value_from_js(&value)?, format_from_js(&format)?);
            with_engine!(&self.inner.backend, e => e.validate_cell(row, column, value, format))
                .map_err(|e| engine_error(&e))
        })();
        checked.err().unwrap_or(JsValue::UNDEFINED).unchecked_into()
    }

    /// Sets the viewport in pixels (`undefined`: the whole sheet) and loads the tiles it covers.
    /// An equal viewport does nothing.
    ///
    /// Throws `ValidationError` for a malformed viewport.
    #[wasm_bindgen(js_name = setViewport)]
    pub fn set_viewport(&self, viewport: Option<JsViewportInput>) -> Result<(), JsValue> {
        let viewport = viewport_from_js(&viewport.map_or(JsValue::UNDEFINED, Into::into))?;
        with_engine!(&self.inner.backend, e => e.set_viewport(viewport));
        Ok(())
    }

    /// The viewport in force for `snapshot`.
    #[wasm_bindgen(js_name = getViewport)]
    pub fn get_viewport(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<JsViewport, JsValue> {
        Ok(viewport_to_js(version_arg(&snapshot, "snapshot")?.version.viewport()).unchecked_into())
    }

    /// `{sequenceId, snapshotSequenceId, workflow}` of `snapshot` (sequence ids as `bigint`).
    #[wasm_bindgen(js_name = getLogInfo)]
    pub fn get_log_info(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ContentVersion")] snapshot: JsValue,
    ) -> Result<JsLogInfo, JsValue> {
        let snapshot = version_arg(&snapshot, "snapshot")?;
        let info = snapshot.version.log_info();
        let object = Object::new();
        set(&object, "sequenceId", &BigInt::from(info.sequence_id).into());
        set(
            &object,
            "snapshotSequenceId",
            &info.snapshot_sequence_id.map_or(JsValue::UNDEFINED, |s| BigInt::from(s).into()),
        );
        set(&object, "workflow", &info.workflow.map_or(JsValue::UNDEFINED, |w| w.as_str().into()));
        Ok(object.unchecked_into())
    }

    /// What this sheet holds in storage: `{logEntries, blobs, bytes}`, the log entries it keeps,
    /// the blobs of its snapshots, history and records, and an estimate of their bytes (the log
    /// as encoded; blobs exact up to 64 of them, else estimated from a sample of 64). Reads the
    /// whole log and lists every blob: call it now and then (a status bar), not per frame.
    ///
    /// Rejects with `StorageError` when storage fails.
    #[wasm_bindgen(js_name = getStorageInfo, unchecked_return_type = "Promise<StorageInfo>")]
    pub fn get_storage_info(&self) -> Promise {
        let info = with_engine!(&self.inner.backend, e => e.storage_info());
        future_to_promise(async move {
            let info = info.await.map_err(|e| engine_error(&e))?;
            let object = Object::new();
            set(&object, "logEntries", &(info.log_entries as f64).into());
            set(&object, "blobs", &(info.blobs as f64).into());
            set(&object, "bytes", &(info.bytes as f64).into());
            Ok(object.into())
        })
    }

    /// Releases the database connection, the worker and the channel; later edits reject with
    /// `StorageError` (status 503). Held content versions stay readable.
    pub fn close(&self) {
        self.inner.shut_down();
    }
}
