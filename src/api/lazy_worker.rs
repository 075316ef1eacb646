//! [`LazyWorker`]: the Web Worker of a sheet opened in IndexedDB (DESIGN.md section 7), started
//! when it is first needed rather than while the page loads.
//!
//! While a page (re)loads, the worker's start competes with everything the first viewport needs
//! (its script, a second wasm instance, its own database connection): started in `open()`, it
//! delayed the sheet's data by about 28 ms on a 2-core machine (BENCHMARKS.md, stop 33). None of
//! it is needed to show the sheet: workflows (snapshots, compaction, history, garbage
//! collection), layer imports and streamed exports are what the worker is for. So `open()` does
//! not start it; a [`LazyHost`] does, at most once, at the first of:
//! - [`WARM_START_DELAY_MS`] after the sheet's first version that is no longer loading (its
//!   first viewport shown, or an error): [`LazyWorker::start_soon`], called by `open()`'s
//!   one-shot subscriber, so that a worker that cannot load is reported about a second after the
//!   sheet shows, not at its first snapshot;
//! - the first workflow the engine runs, or the first layer import or streamed export
//!   ([`LazyWorker::for_job`]).
//!
//! A worker that cannot load (a wrong `workerUrl`, a script that throws) is reported as soon as
//! it fails, through the callback of [`LazyWorker::on_failure`] (`open()` passes it on to
//! [`Engine::report_host_failure`]), and fails every workflow with [`EngineError::Worker`]
//! naming its script; the load status shows it (`getLoadStatus(...).state === "error"`).
//! Edits are unaffected: the log is written in the page's thread. A worker the browser refuses to
//! start at all (no `Worker`, a content security policy) is reported the same way and not
//! retried; imports and exports then run in the page's thread.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;

use crate::browser::{Durability, WorkerHost, WorkerScript};
#[cfg(doc)]
use crate::engine::Engine;
use crate::engine::{EngineError, LazyHost, WorkflowConfig, WorkflowHost};
use crate::log::{SequenceId, Workflow};

/// How long after the first viewport is shown the worker starts if nothing needed it before, in
/// milliseconds.
pub const WARM_START_DELAY_MS: u32 = 1_000;

/// How long a started worker may take to load before it is reported as failed, in milliseconds.
const LOAD_TIMEOUT_MS: u32 = 30_000;

/// Called with why the worker cannot run workflows.
type OnFailure = Rc<RefCell<Option<Rc<dyn Fn(EngineError)>>>>;

/// The sheet's worker, started on first need (module docs): a [`WorkflowHost`] for the engine,
/// and the host of layer imports and streamed exports.
pub struct LazyWorker {
    host: LazyHost<WorkerHost>,
    on_failure: OnFailure,
}

/// Tells `on_failure`'s callback, if one is set, that the worker cannot run workflows.
fn report(on_failure: &OnFailure, message: String) {
    let callback = on_failure.borrow().clone();
    if let Some(callback) = callback {
        callback(EngineError::Worker { workflow: Workflow::Snapshot.as_str(), message });
    }
}

impl LazyWorker {
    /// A worker of `script` for `sheet`, not started. `config` sets the tile size, the layers
    /// that ask for compaction and what garbage collection keeps; `storage_timeout_ms` is the
    /// timeout of each of the worker's IndexedDB operations, in milliseconds.
    pub fn new(
        script: WorkerScript,
        sheet: &str,
        config: WorkflowConfig,
        durability: Durability,
        storage_timeout_ms: u32,
    ) -> LazyWorker {
        let on_failure: OnFailure = Rc::default();
        let (sheet, watcher) = (sheet.to_owned(), on_failure.clone());
        let start = move || {
            let host = WorkerHost::start(&script, &sheet, config.tile_size, durability).map_err(|e| match e {
                EngineError::Worker { message, .. } => message,
                other => other.to_string(),
            })?;
            host.set_max_layers(config.max_layers);
            host.set_keep_snapshots(config.retention.keep_snapshots);
            host.set_storage_timeout_ms(storage_timeout_ms);
            let host = Rc::new(host);
            // Reports the worker if it fails to load. (Terminated because the sheet closed, it
            // reports that to an engine that no longer listens.)
            let (loading, watcher) = (host.clone(), watcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(message) = loading.wait_ready(LOAD_TIMEOUT_MS).await {
                    report(&watcher, message);
                }
            });
            Ok(host)
        };
        let refused = on_failure.clone();
        let host = LazyHost::new(start).with_on_refused(move |message| report(&refused, message.to_owned()));
        LazyWorker { host, on_failure }
    }

    /// Calls `on_failure` with why if the worker is refused or fails to load; set it before the
    /// worker starts.
    pub fn on_failure(&self, on_failure: impl Fn(EngineError) + 'static) {
        *self.on_failure.borrow_mut() = Some(Rc::new(on_failure));
    }

    /// The worker for a `job` (`"import"`, `"export"`), started now if it was not; `None`, with a
    /// console warning saying why, when there is none to run it (the browser refused to start it,
    /// or the sheet closed): the caller then runs the job in this thread.
    pub fn for_job(&self, job: &str) -> Option<Rc<WorkerHost>> {
        self.host
            .get()
            .map_err(|message| {
                let why = format!("sheetlog: no worker for the {job} ({message}); it runs in this thread");
                web_sys::console::warn_1(&wasm_bindgen::JsValue::from_str(&why));
            })
            .ok()
    }

    /// Starts the worker [`WARM_START_DELAY_MS`] from now (unless something needed it first, or
    /// the sheet closed meanwhile): what `open()` does once the sheet's first version is no
    /// longer loading, leaving the moments after to the page's first paint.
    pub fn start_soon(self: &Rc<Self>) {
        let worker = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            crate::browser::timer::sleep(WARM_START_DELAY_MS).await;
            if let Some(worker) = worker.upgrade() {
                let _ = worker.host.get();
            }
        });
    }

    /// Terminates the worker if it started, and keeps it from starting: what closing the sheet
    /// does. Outstanding and later requests fail with [`EngineError::Worker`].
    pub fn terminate(&self) {
        if let Some(host) = self.host.close() {
            host.terminate();
        }
    }
}

impl WorkflowHost for LazyWorker {
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.host.run(seq, workflow)
    }
}
