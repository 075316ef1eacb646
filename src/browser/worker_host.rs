//! [`WorkerHost`]: the main thread's [`WorkflowHost`], which hands every workflow to a dedicated
//! module Worker running the same wasm (DESIGN.md section 7).
//!
//! The worker runs the package's worker entry, `sheetlog-worker.js` at the package root (source
//! `js/sheetlog-worker.js`), its own file that nothing imports in the main thread.
//! [`WorkerHost::start`] starts it through `js/host.js`: by default with the factory the package
//! entry registered, `new Worker(new URL("./sheetlog-worker.js", import.meta.url), { type: "module" })`
//! written literally so bundlers bundle it; or at the `workerUrl` option (another origin goes
//! through a same-origin `blob:` module); or with the `worker` option's function. The host posts
//! `{ type: "init", module }` with this thread's compiled `WebAssembly.Module` (so the worker
//! resolves no wasm path) at once, and again when the worker says `{ type: "listening" }` (a
//! message posted before a worker installs its handler could be lost; the worker ignores a
//! second init), then one small request per workflow; the worker opens the sheet's IndexedDB
//! database itself. Requests made before the worker listens wait in an outbox.
//! [`WorkerHost::wait_ready`] resolves once the worker loaded the wasm, or fails naming the
//! script when it could not be loaded, so `open()` reports a missing worker file at once.
//!
//! Each request gets a fresh id and resolves when the reply with that id arrives. A reply with
//! `ok: false`, a worker `error` event, a `messageerror`, a worker silent for the timeout, or the
//! termination of the worker all become [`EngineError::Worker`]; the engine retries with backoff.
//! The timeout measures silence, not the whole workflow: while a request runs the worker posts
//! `{ type: "alive" }` every [`ALIVE_INTERVAL_MS`], so a long workflow that keeps going never
//! times out, and each of its IndexedDB operations has its own timeout in the worker (issue 9,
//! item 3).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use futures_channel::oneshot;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::database::Durability;
use super::timer::{now_ms, with_timeout};
use super::worker_entry::{WorkerRequest, MAX_SAFE_INTEGER};
use crate::engine::{EngineError, WorkflowHost};
use crate::log::{SequenceId, Workflow};
use crate::snapshot::TileSize;

/// How long [`WorkerHost`] waits by default for a reply while hearing nothing from the worker:
/// 120 s.
pub const DEFAULT_REPLY_TIMEOUT_MS: u32 = 120_000;

/// How often the worker says it is alive while a request runs (`js/sheetlog-worker.js`), in
/// milliseconds: well under any sensible reply timeout.
pub const ALIVE_INTERVAL_MS: u32 = 2_000;

/// How long an import or export in the worker may stay silent before the host takes the worker
/// for gone, in milliseconds: five "alive" intervals.
pub const IMPORT_SILENCE_MS: u32 = 5 * ALIVE_INTERVAL_MS;

/// How often a request that can be cancelled checks whether it was, in milliseconds.
const CANCEL_POLL_MS: f64 = 100.0;

/// The `name` of the workers [`WorkerHost::start`] starts (shown by browser dev tools).
pub const WORKER_NAME: &str = "sheetlog-workflows";

#[wasm_bindgen(module = "/js/host.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = startSheetlogWorker)]
    fn start_sheetlog_worker(worker: &JsValue, worker_url: &JsValue) -> Result<web_sys::Worker, JsValue>;

    #[wasm_bindgen(js_name = describeSheetlogWorker)]
    fn describe_sheetlog_worker(worker: &JsValue, worker_url: &JsValue) -> String;
}

/// Which worker [`WorkerHost::start`] starts: the `worker` and `workerUrl` options of `open()`.
#[derive(Debug, Clone)]
pub struct WorkerScript {
    /// A function returning the `Worker`, or anything else for the package's worker entry.
    pub factory: JsValue,
    /// The URL of the worker entry (a string or `URL`), or `undefined` for the package's own.
    pub url: JsValue,
}

impl Default for WorkerScript {
    fn default() -> Self {
        Self { factory: JsValue::UNDEFINED, url: JsValue::UNDEFINED }
    }
}

impl WorkerScript {
    /// The script in words, for error messages: its URL when known, else its file name.
    pub fn describe(&self) -> String {
        describe_sheetlog_worker(&self.factory, &self.url)
    }
}

/// A request's outcome: the worker's final reply object (`ok` true or false), or why none came.
type Reply = Result<JsValue, String>;

/// Called with the `progress` object of each progress message of one request.
pub type ProgressFn = Rc<dyn Fn(&JsValue)>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Waiting for `listening`, or posted the init message and no `ready` yet.
    Starting,
    /// The worker loaded the wasm.
    Ready,
    /// The worker could not load; requests fail at once with this message until it reports ready.
    Failed(String),
    /// [`WorkerHost::terminate`] ran.
    Terminated,
}

struct Handlers {
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    _on_message_error: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

struct Inner {
    worker: web_sys::Worker,
    sheet: String,
    tile_size: TileSize,
    durability: Durability,
    /// A snapshot with more layers than this asks for compaction.
    max_layers: Cell<usize>,
    /// The latest snapshots garbage collection keeps.
    keep_snapshots: Cell<usize>,
    /// The storage timeout the worker opens the sheet with (`None`: its default).
    storage_timeout_ms: Cell<Option<u32>>,
    timeout_ms: Cell<u32>,
    /// When the worker last posted anything (`performance.now()` milliseconds).
    last_heard_ms: Cell<f64>,
    next_id: Cell<u64>,
    pending: RefCell<HashMap<u64, oneshot::Sender<Reply>>>,
    /// The progress callbacks of the requests that have one.
    progress: RefCell<HashMap<u64, ProgressFn>>,
    /// Whether the worker announced `listening`; until then messages wait in `outbox`.
    listening: Cell<bool>,
    /// Messages to post once the worker listens: the init message (id `None`), then requests.
    outbox: RefCell<Vec<(Option<u64>, JsValue)>>,
    state: RefCell<State>,
    /// Callers of [`WorkerHost::wait_ready`], told when the state leaves `Starting`.
    ready_waiters: RefCell<Vec<oneshot::Sender<Result<(), String>>>>,
    /// The worker script in words, for errors.
    script: String,
    handlers: RefCell<Option<Handlers>>,
}

impl Inner {
    /// Sends request `message` (whose `id` field is `id`) and waits for its final reply, calling
    /// `progress` with each progress message; once `cancelled` returns true (polled every
    /// [`CANCEL_POLL_MS`]) it posts `{ type: "cancel", id }` once and keeps waiting for the
    /// reply. Fails when the worker stays silent for `silence_ms`, or is gone.
    async fn request(
        self: &Rc<Self>,
        id: u64,
        message: JsValue,
        progress: Option<ProgressFn>,
        cancelled: Option<Rc<dyn Fn() -> bool>>,
        silence_ms: u32,
    ) -> Result<JsValue, String> {
        let (tx, rx) = oneshot::channel();
        self.pending.borrow_mut().insert(id, tx);
        if let Some(progress) = progress {
            self.progress.borrow_mut().insert(id, progress);
        }
        let _slot = PendingSlot { inner: Rc::downgrade(self), id };
        self.send(Some(id), message);
        let timeout = silence_ms;
        let sent_ms = now_ms();
        let mut rx = rx;
        let mut cancel_sent = false;
        loop {
            // Silence since the request was sent or the worker last posted, whichever is later.
            let silent_ms = now_ms() - self.last_heard_ms.get().max(sent_ms);
            let left_ms = f64::from(timeout) - silent_ms;
            if left_ms <= 0.0 {
                return Err(format!("the worker did not reply and sent nothing for {timeout} ms"));
            }
            if !cancel_sent && cancelled.as_ref().is_some_and(|c| c()) {
                cancel_sent = true;
                let cancel = Object::new();
                let _ = Reflect::set(&cancel, &JsValue::from_str("type"), &JsValue::from_str("cancel"));
                let _ = Reflect::set(&cancel, &JsValue::from_str("id"), &JsValue::from_f64(id as f64));
                self.send(Some(id), cancel.into());
            }
            let wait = if cancelled.is_some() && !cancel_sent { left_ms.min(CANCEL_POLL_MS) } else { left_ms };
            match with_timeout(wait.ceil() as u32, &mut rx).await {
                Some(Ok(reply)) => return reply,
                Some(Err(oneshot::Canceled)) => return Err("the worker was terminated".to_owned()),
                None => {}
            }
        }
    }

    /// Tells the callers of `wait_ready` how starting ended.
    fn settle_ready(&self, result: &Result<(), String>) {
        let waiters = std::mem::take(&mut *self.ready_waiters.borrow_mut());
        for tx in waiters {
            let _ = tx.send(result.clone());
        }
    }

    /// Posts `message` (request `id`, or the init message) now if the worker listens, else later.
    fn send(&self, id: Option<u64>, message: JsValue) {
        if self.listening.get() {
            self.post(id, &message);
        } else {
            self.outbox.borrow_mut().push((id, message));
        }
    }

    fn post(&self, id: Option<u64>, message: &JsValue) {
        let Err(error) = self.worker.post_message(message) else { return };
        match id {
            Some(id) => {
                let tx = self.pending.borrow_mut().remove(&id);
                if let Some(tx) = tx {
                    let _ = tx.send(Err(format!("could not post the request to the worker: {}", describe(&error))));
                }
            }
            None => {
                let message = format!("could not send the wasm module to the worker: {}", describe(&error));
                *self.state.borrow_mut() = State::Failed(message.clone());
                self.fail_all(&message);
                self.settle_ready(&Err(message));
            }
        }
    }

    /// The worker listens: posts what waited in the outbox, init message first.
    fn flush(&self) {
        self.listening.set(true);
        let outbox = std::mem::take(&mut *self.outbox.borrow_mut());
        for (id, message) in outbox {
            self.post(id, &message);
        }
    }

    /// Fails every outstanding request with `message`.
    fn fail_all(&self, message: &str) {
        let pending: Vec<_> = self.pending.borrow_mut().drain().map(|(_, tx)| tx).collect();
        for tx in pending {
            let _ = tx.send(Err(message.to_owned()));
        }
    }

    fn on_message(&self, data: &JsValue) {
        self.last_heard_ms.set(now_ms());
        if !data.is_object() {
            return;
        }
        let get = |key: &str| Reflect::get(data, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
        if let Some(kind) = get("type").as_string() {
            match kind.as_str() {
                "listening" => self.flush(),
                "ready" => {
                    {
                        let mut state = self.state.borrow_mut();
                        if *state != State::Terminated {
                            *state = State::Ready;
                        }
                    }
                    self.settle_ready(&Ok(()));
                }
                "init-error" => {
                    let message = get("error").as_string().unwrap_or_else(|| "the worker could not load".to_owned());
                    {
                        let mut state = self.state.borrow_mut();
                        if *state != State::Terminated {
                            *state = State::Failed(message.clone());
                        }
                    }
                    self.fail_all(&message);
                    self.settle_ready(&Err(message));
                }
                "messageerror" => self.fail_all("the worker could not read a message sent to it"),
                _ => {}
            }
            return;
        }
        let Some(id) = get("id").as_f64().filter(|id| *id >= 0.0 && *id <= MAX_SAFE_INTEGER as f64) else {
            return;
        };
        let id = id as u64;
        let progress = get("progress");
        if progress.is_object() {
            let callback = self.progress.borrow().get(&id).cloned();
            if let Some(callback) = callback {
                callback(&progress);
            }
            return;
        }
        let Some(tx) = self.pending.borrow_mut().remove(&id) else {
            return;
        };
        self.progress.borrow_mut().remove(&id);
        let _ = tx.send(Ok(data.clone()));
    }

    fn on_error(&self, event: &web_sys::Event) {
        // The event of a script that failed to load is a plain `Event`; uncaught errors in the
        // worker are `ErrorEvent`s with a message.
        let detail = event.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
        let starting = *self.state.borrow() == State::Starting;
        let message = match (starting, detail) {
            (true, detail) => format!(
                "the sheetlog worker script {} could not be loaded{}; serve it beside the package's JS, \
                 pass `workerUrl`, or open with `worker: false`",
                self.script,
                detail.map(|d| format!(" ({d})")).unwrap_or_default()
            ),
            (false, Some(detail)) => detail,
            (false, None) => "the worker failed (its script could not be loaded or threw)".to_owned(),
        };
        if starting {
            *self.state.borrow_mut() = State::Failed(message.clone());
        }
        self.fail_all(&message);
        if starting {
            self.settle_ready(&Err(message));
        }
    }

    fn shut_down(&self, message: &str) {
        if *self.state.borrow() == State::Terminated {
            return;
        }
        *self.state.borrow_mut() = State::Terminated;
        self.worker.terminate();
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.set_onmessageerror(None);
        drop(self.handlers.borrow_mut().take());
        self.outbox.borrow_mut().clear();
        self.fail_all(message);
        self.settle_ready(&Err(message.to_owned()));
    }
}

/// Removes a request's reply slot when its future ends (reply, timeout or drop).
struct PendingSlot {
    inner: Weak<Inner>,
    id: u64,
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            inner.pending.borrow_mut().remove(&self.id);
            inner.progress.borrow_mut().remove(&self.id);
            inner.outbox.borrow_mut().retain(|(id, _)| *id != Some(self.id));
        }
    }
}

/// Runs workflows in a dedicated Web Worker; one host per sheet and worker. Terminates the
/// worker when dropped.
pub struct WorkerHost {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for WorkerHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerHost")
            .field("sheet", &self.inner.sheet)
            .field("state", &*self.inner.state.borrow())
            .field("outstanding", &self.inner.pending.borrow().len())
            .finish_non_exhaustive()
    }
}

impl WorkerHost {
    /// Starts the package's worker entry module and returns a host on it.
    ///
    /// # Errors
    /// [`EngineError::Worker`] when the browser refuses to start the worker (no `Worker`, a
    /// content security policy, ...); the caller may fall back to running workflows in-thread.
    pub fn start(
        script: &WorkerScript,
        sheet: &str,
        tile_size: TileSize,
        durability: Durability,
    ) -> Result<WorkerHost, EngineError> {
        let described = script.describe();
        let worker = start_sheetlog_worker(&script.factory, &script.url).map_err(|e| EngineError::Worker {
            workflow: Workflow::Snapshot.as_str(),
            message: format!("could not start the sheetlog worker {described}: {}", describe(&e)),
        })?;
        Ok(Self::with_script(worker, described, sheet, tile_size, durability))
    }

    /// A host on `worker`, which must run the worker entry module (or answer its protocol), and
    /// must not have posted its `listening` message yet: call this right after creating it.
    /// Posts the init message with this thread's `WebAssembly.Module` at once, and again once the
    /// worker listens.
    pub fn new(worker: web_sys::Worker, sheet: &str, tile_size: TileSize, durability: Durability) -> WorkerHost {
        Self::with_script(worker, "(a worker given by the caller)".to_owned(), sheet, tile_size, durability)
    }

    fn with_script(
        worker: web_sys::Worker,
        script: String,
        sheet: &str,
        tile_size: TileSize,
        durability: Durability,
    ) -> WorkerHost {
        let init = Object::new();
        let _ = Reflect::set(&init, &JsValue::from_str("type"), &JsValue::from_str("init"));
        let _ = Reflect::set(&init, &JsValue::from_str("module"), &wasm_bindgen::module());
        let early_init = init.clone();
        let inner = Rc::new(Inner {
            worker,
            sheet: sheet.to_owned(),
            tile_size,
            durability,
            max_layers: Cell::new(crate::engine::workflow::DEFAULT_MAX_LAYERS),
            keep_snapshots: Cell::new(crate::engine::Retention::default().keep_snapshots),
            storage_timeout_ms: Cell::new(None),
            timeout_ms: Cell::new(DEFAULT_REPLY_TIMEOUT_MS),
            last_heard_ms: Cell::new(0.0),
            next_id: Cell::new(1),
            pending: RefCell::default(),
            progress: RefCell::default(),
            listening: Cell::new(false),
            outbox: RefCell::new(vec![(None, init.into())]),
            state: RefCell::new(State::Starting),
            ready_waiters: RefCell::default(),
            script,
            handlers: RefCell::default(),
        });
        let weak = Rc::downgrade(&inner);
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(inner) = weak.upgrade() {
                inner.on_message(&event.data());
            }
        });
        let weak = Rc::downgrade(&inner);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some(inner) = weak.upgrade() {
                inner.on_error(&event);
            }
        });
        let weak = Rc::downgrade(&inner);
        let on_message_error = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
            if let Some(inner) = weak.upgrade() {
                inner.fail_all("a reply from the worker could not be read");
            }
        });
        inner.worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        inner.worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        inner.worker.set_onmessageerror(Some(on_message_error.as_ref().unchecked_ref()));
        *inner.handlers.borrow_mut() =
            Some(Handlers { _on_message: on_message, _on_error: on_error, _on_message_error: on_message_error });
        // Posted at once as well: a worker entry that installs `onmessage` in its top-level code
        // (as `sheetlog-worker.js` does) receives it, and loads the wasm without waiting for a
        // round trip through this thread, which is busy while a page loads (BENCHMARKS.md stop
        // 31). The copy in the outbox follows on `listening`, for a worker that lost this one;
        // the worker ignores a second init. A failure here is reported by that copy.
        let _ = inner.worker.post_message(&early_init);
        WorkerHost { inner }
    }

    /// Runs an import as a snapshot layer in the worker (issue 9, item 1): posts
    /// `{ id, sheet, durability, timeoutMs?, import }`, where `import` holds the source `Blob` or
    /// string and the import's settings (`js/sheetlog-worker.js` hands it to
    /// `__sheetlogWorkerJob`, `src/api/worker_job.rs`), calls `progress` with each
    /// `{ id, progress }` the worker posts,
    /// and posts `{ type: "cancel", id }` once `cancelled` returns true. Resolves with the
    /// worker's final reply object (`ok: true` with the layer, or `ok: false` with the error).
    ///
    /// # Errors
    /// Why no reply came: the worker failed to load, was terminated, or stayed silent for
    /// `IMPORT_SILENCE_MS` (or the reply timeout, if shorter).
    pub fn import_layer(
        &self,
        import: JsValue,
        progress: ProgressFn,
        cancelled: Rc<dyn Fn() -> bool>,
    ) -> LocalBoxFuture<'static, Result<JsValue, String>> {
        self.job("import", import, progress, cancelled)
    }

    /// Runs a streamed CSV export in the worker (issue 9, item 4): posts
    /// `{ id, sheet, durability, timeoutMs?, export }`, where `export` names the version (its
    /// position in the log) and the rectangle (`js/sheetlog-worker.js` hands it to
    /// `__sheetlogWorkerJob`); progress and cancel as for [`Self::import_layer`]. Resolves
    /// with the worker's final reply object (`ok: true` with the `Blob`, or `ok: false` with the
    /// error).
    ///
    /// # Errors
    /// As [`Self::import_layer`].
    pub fn export_csv(
        &self,
        export: JsValue,
        progress: ProgressFn,
        cancelled: Rc<dyn Fn() -> bool>,
    ) -> LocalBoxFuture<'static, Result<JsValue, String>> {
        self.job("export", export, progress, cancelled)
    }

    /// A long job with progress and cancel: the request
    /// `{ id, sheet, durability, timeoutMs?, [member]: payload }`.
    fn job(
        &self,
        member: &'static str,
        payload: JsValue,
        progress: ProgressFn,
        cancelled: Rc<dyn Fn() -> bool>,
    ) -> LocalBoxFuture<'static, Result<JsValue, String>> {
        let inner = self.inner.clone();
        async move {
            match &*inner.state.borrow() {
                State::Failed(message) => return Err(message.clone()),
                State::Terminated => return Err("the worker was terminated".to_owned()),
                State::Starting | State::Ready => {}
            }
            let id = inner.next_id.get();
            inner.next_id.set(id + 1);
            let message = Object::new();
            let set = |key: &str, value: &JsValue| {
                let _ = Reflect::set(&message, &JsValue::from_str(key), value);
            };
            set("id", &JsValue::from_f64(id as f64));
            set("sheet", &JsValue::from_str(&inner.sheet));
            set("durability", &JsValue::from_str(super::worker_entry::durability_name(inner.durability)));
            if let Some(ms) = inner.storage_timeout_ms.get() {
                set("timeoutMs", &JsValue::from_f64(f64::from(ms)));
            }
            set(member, &payload);
            // The worker posts progress after every batch or part and "alive" every
            // ALIVE_INTERVAL_MS: silence for five of those means it is gone (killed, crashed, out
            // of memory).
            let silence = inner.timeout_ms.get().min(IMPORT_SILENCE_MS);
            inner.request(id, message.into(), Some(progress), Some(cancelled), silence).await
        }
        .boxed_local()
    }

    /// The sheet this host runs workflows for.
    pub fn sheet(&self) -> &str {
        &self.inner.sheet
    }

    /// How long a request waits for its reply, in milliseconds (default
    /// [`DEFAULT_REPLY_TIMEOUT_MS`]); applies to requests made afterwards.
    pub fn set_reply_timeout_ms(&self, milliseconds: u32) {
        self.inner.timeout_ms.set(milliseconds);
    }

    /// Requests compaction of snapshots with more than `max_layers` layers (at least 1;
    /// default 8).
    pub fn set_max_layers(&self, max_layers: usize) {
        self.inner.max_layers.set(max_layers.max(1));
    }

    /// Has the worker open the sheet with this timeout per IndexedDB operation, in milliseconds
    /// (at least 1; the sheet's `timeoutMs` open option); applies to requests made afterwards.
    /// Unset, the worker uses the default of `IdbOptions`.
    pub fn set_storage_timeout_ms(&self, milliseconds: u32) {
        self.inner.storage_timeout_ms.set(Some(milliseconds.max(1)));
    }

    /// Has garbage collection keep the latest `keep` snapshots (at least 1; default 4).
    pub fn set_keep_snapshots(&self, keep: usize) {
        self.inner.keep_snapshots.set(keep.max(1));
    }

    /// Resolves once the worker loaded the wasm; fails with the reason (naming the script when it
    /// could not be loaded) when it cannot, or after `timeout_ms` without an answer.
    ///
    /// # Errors
    /// Why the worker cannot run workflows.
    pub async fn wait_ready(&self, timeout_ms: u32) -> Result<(), String> {
        let rx = match &*self.inner.state.borrow() {
            State::Ready => return Ok(()),
            State::Failed(message) => return Err(message.clone()),
            State::Terminated => return Err("the worker was terminated".to_owned()),
            State::Starting => {
                let (tx, rx) = oneshot::channel();
                self.inner.ready_waiters.borrow_mut().push(tx);
                rx
            }
        };
        match with_timeout(timeout_ms, rx).await {
            Some(Ok(result)) => result,
            Some(Err(oneshot::Canceled)) => Err("the worker was terminated".to_owned()),
            None => Err(format!("the sheetlog worker {} did not start within {timeout_ms} ms", self.inner.script)),
        }
    }

    /// Whether the worker reported that it loaded the wasm.
    pub fn is_ready(&self) -> bool {
        *self.inner.state.borrow() == State::Ready
    }

    /// Why the worker cannot run workflows (it failed to load, or was terminated), if so.
    pub fn failure(&self) -> Option<String> {
        match &*self.inner.state.borrow() {
            State::Starting | State::Ready => None,
            State::Failed(message) => Some(message.clone()),
            State::Terminated => Some("the worker was terminated".to_owned()),
        }
    }

    /// How many requests wait for their reply.
    pub fn outstanding(&self) -> usize {
        self.inner.pending.borrow().len()
    }

    /// Terminates the worker; outstanding and later requests fail with [`EngineError::Worker`].
    /// A workflow the worker was running stops where it was (it is idempotent and runs again).
    pub fn terminate(&self) {
        self.inner.shut_down("the worker was terminated");
    }
}

impl Drop for WorkerHost {
    fn drop(&mut self) {
        self.inner.shut_down("the worker was terminated");
    }
}

/// `Ok` for a reply with `ok: true`; its `error` otherwise.
fn reply_outcome(reply: &JsValue) -> Result<(), String> {
    let get = |key: &str| Reflect::get(reply, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED);
    if get("ok").as_bool() == Some(true) {
        Ok(())
    } else {
        Err(get("error").as_string().unwrap_or_else(|| "the worker reported a failure without a message".to_owned()))
    }
}

fn describe(error: &JsValue) -> String {
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        let name = String::from(error.name());
        let message = String::from(error.message());
        return if name.is_empty() || name == "Error" { message } else { format!("{name}: {message}") };
    }
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

impl WorkflowHost for WorkerHost {
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let inner = self.inner.clone();
        async move {
            let fail = |message: String| EngineError::Worker { workflow: workflow.as_str(), message };
            match &*inner.state.borrow() {
                State::Failed(message) => return Err(fail(message.clone())),
                State::Terminated => return Err(fail("the worker was terminated".to_owned())),
                State::Starting | State::Ready => {}
            }
            let id = inner.next_id.get();
            inner.next_id.set(id + 1);
            let request = WorkerRequest {
                id,
                sheet: inner.sheet.clone(),
                seq,
                workflow,
                tile_size: inner.tile_size,
                durability: inner.durability,
                max_layers: inner.max_layers.get(),
                keep_snapshots: inner.keep_snapshots.get(),
                timeout_ms: inner.storage_timeout_ms.get(),
            };
            // Above 2^53 a JS number loses the id; send it as a bigint then.
            let message = request.to_js();
            if seq > MAX_SAFE_INTEGER {
                let _ = Reflect::set(&message, &JsValue::from_str("seq"), &JsValue::from(seq));
            }
            let silence = inner.timeout_ms.get();
            let reply = inner.request(id, message, None, None, silence).await.map_err(fail)?;
            reply_outcome(&reply).map_err(fail)
        }
        .boxed_local()
    }
}
