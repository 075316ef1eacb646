//! [`LazyWorker`]: the Web Worker of a sheet opened in IndexedDB (DESIGN.md section 7), started
//! when it is first needed rather than while the page loads.
//!
//! While a page (re)loads, the worker's start competes with everything the first viewport needs:
//! fetching and evaluating its script, instantiating the wasm module again and opening the
//! sheet's database took about 30 ms of the worker thread and delayed the page's data by about
//! 40 ms on a 2-core machine (BENCHMARKS.md, stops 32 and 33). None of it is needed to show the
//! sheet: workflows (snapshots, compaction, history, garbage collection), layer imports and
//! streamed exports are what the worker is for. So `open()` no longer starts it. It starts at
//! the first of:
//! - [`WARM_START_DELAY_MS`] after the sheet's first version that is no longer loading (its
//!   first viewport shown, or an error): [`LazyWorker::start_soon`], called by `open()`'s
//!   one-shot subscriber, so that a worker that cannot load is reported about a second after the
//!   sheet shows, not at its first snapshot;
//! - the first workflow the engine runs, or the first layer import or streamed export
//!   ([`LazyWorker::get`]).
//!
//! A worker that cannot load (a wrong `workerUrl`, a script that throws) is reported as soon as
//! it fails, through the callback of [`LazyWorker::on_failure`] (`open()` passes it on to
//! [`Engine::report_host_failure`]), and fails every workflow with [`EngineError::Worker`]
//! naming its script; the load status shows it (`getLoadStatus(...).state === "error"`). Edits
//! are unaffected: the log is written in the page's thread. A worker the browser refuses to start at all (no `Worker`, a content security
//! policy) is not retried; imports and exports then run in the page's thread.

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use crate::browser::{Durability, WorkerHost, WorkerScript};
#[cfg(doc)]
use crate::engine::Engine;
use crate::engine::{EngineError, WorkflowConfig, WorkflowHost};
use crate::log::{SequenceId, Workflow};

/// How long after the first viewport is shown the worker starts if nothing needed it before, in
/// milliseconds.
pub const WARM_START_DELAY_MS: u32 = 1_000;

/// How long a started worker may take to load before it is reported as failed, in milliseconds.
const LOAD_TIMEOUT_MS: u32 = 30_000;

/// Called with why the worker cannot run workflows.
type OnFailure = Rc<dyn Fn(EngineError)>;

/// Where a [`LazyWorker`] stands.
enum Start {
    /// Not needed yet.
    NotYet,
    /// Started (it may still be loading, or have failed to load: the host knows).
    Started(Rc<WorkerHost>),
    /// The browser refused to start it; the message says why and names the script.
    Refused(String),
    /// The sheet closed: it will not start.
    Closed,
}

/// The sheet's worker, started on first need (module docs): a [`WorkflowHost`] for the engine,
/// and the host of layer imports and streamed exports.
pub struct LazyWorker {
    script: WorkerScript,
    sheet: String,
    config: WorkflowConfig,
    durability: Durability,
    /// The `timeoutMs` open option, passed on to the worker's IndexedDB operations.
    storage_timeout_ms: u32,
    start: RefCell<Start>,
    on_failure: RefCell<Option<OnFailure>>,
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
        LazyWorker {
            script,
            sheet: sheet.to_owned(),
            config,
            durability,
            storage_timeout_ms,
            start: RefCell::new(Start::NotYet),
            on_failure: RefCell::default(),
        }
    }

    /// The worker, started now if it was not.
    ///
    /// # Errors
    /// Why it cannot run anything: the browser refused to start it (now or before; the message
    /// names the script), or the sheet closed.
    pub fn get(&self) -> Result<Rc<WorkerHost>, String> {
        let mut start = self.start.borrow_mut();
        match &*start {
            Start::Started(host) => return Ok(host.clone()),
            Start::Refused(message) => return Err(message.clone()),
            Start::Closed => return Err("the sheet was closed".to_owned()),
            Start::NotYet => {}
        }
        match WorkerHost::start(&self.script, &self.sheet, self.config.tile_size, self.durability) {
            Ok(host) => {
                host.set_max_layers(self.config.max_layers);
                host.set_keep_snapshots(self.config.retention.keep_snapshots);
                host.set_storage_timeout_ms(self.storage_timeout_ms);
                let host = Rc::new(host);
                *start = Start::Started(host.clone());
                drop(start);
                self.watch(&host);
                Ok(host)
            }
            Err(error) => {
                let message = match error {
                    EngineError::Worker { message, .. } => message,
                    other => other.to_string(),
                };
                *start = Start::Refused(message.clone());
                drop(start);
                self.report(EngineError::Worker { workflow: Workflow::Snapshot.as_str(), message: message.clone() });
                Err(message)
            }
        }
    }

    /// Calls `on_failure` with why, once, if the worker is refused or fails to load; set it
    /// before the worker starts.
    pub fn on_failure(&self, on_failure: impl Fn(EngineError) + 'static) {
        *self.on_failure.borrow_mut() = Some(Rc::new(on_failure));
    }

    fn report(&self, error: EngineError) {
        let on_failure = self.on_failure.borrow().clone();
        if let Some(on_failure) = on_failure {
            on_failure(error);
        }
    }

    /// Reports `host` if it fails to load within [`LOAD_TIMEOUT_MS`]. (Terminated because the
    /// sheet closed, it reports that to an engine that no longer listens.)
    fn watch(&self, host: &Rc<WorkerHost>) {
        let Some(on_failure) = self.on_failure.borrow().clone() else { return };
        let host = host.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(message) = host.wait_ready(LOAD_TIMEOUT_MS).await {
                on_failure(EngineError::Worker { workflow: Workflow::Snapshot.as_str(), message });
            }
        });
    }

    /// Starts the worker unless it started, was refused or the sheet closed.
    pub fn start(&self) {
        let _ = self.get();
    }

    /// Starts the worker [`WARM_START_DELAY_MS`] from now (unless something needed it first, or
    /// the sheet closed meanwhile): what `open()` does once the sheet's first version is no
    /// longer loading, leaving the moments after to the page's first paint.
    pub fn start_soon(self: &Rc<Self>) {
        let worker = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            crate::browser::timer::sleep(WARM_START_DELAY_MS).await;
            if let Some(worker) = worker.upgrade() {
                worker.start();
            }
        });
    }

    /// Terminates the worker if it started, and keeps it from starting: what closing the sheet
    /// does. Outstanding and later requests fail with [`EngineError::Worker`].
    pub fn terminate(&self) {
        if let Start::Started(host) = self.start.replace(Start::Closed) {
            host.terminate();
        }
    }
}

impl WorkflowHost for LazyWorker {
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        match self.get() {
            Ok(host) => host.run(seq, workflow),
            Err(message) => {
                async move { Err(EngineError::Worker { workflow: workflow.as_str(), message }) }.boxed_local()
            }
        }
    }
}
