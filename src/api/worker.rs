//! The workflow host of a sheet opened in IndexedDB (DESIGN.md section 7): the package's Web
//! Worker by default; in this thread with `worker: false`, under the same cross-tab Web Lock, so
//! one workflow runs at a time per sheet either way. A worker that cannot start or load fails
//! `open()` with a `StorageError` naming its script, rather than showing up at the first
//! snapshot.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use wasm_bindgen::JsValue;

use super::js_error::storage_error;
use crate::browser::web_locks::with_workflow_lock;
use crate::browser::{Durability, IdbBlobStore, IdbEventLog, WorkerHost, WorkerScript};
use crate::engine::{run_workflow_with, EngineError, WorkflowConfig, WorkflowHost};
use crate::log::{SequenceId, Workflow};

/// Milliseconds `open()` waits for the worker to load before it fails.
const WORKER_START_TIMEOUT_MS: u32 = 30_000;

/// Runs workflows in this thread while holding the sheet's workflow lock.
pub struct LockedInThreadHost {
    sheet: String,
    log: IdbEventLog,
    blobs: IdbBlobStore,
    config: WorkflowConfig,
}

impl WorkflowHost for LockedInThreadHost {
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let (sheet, log, blobs, config) = (self.sheet.clone(), self.log.clone(), self.blobs.clone(), self.config);
        async move {
            let now = js_sys::Date::now().max(0.0) as u64;
            let work = async move { run_workflow_with(&log, &blobs, seq, workflow, config, now).await.map(drop) };
            with_workflow_lock(&sheet, work)
                .await
                .map_err(|message| EngineError::Worker { workflow: workflow.as_str(), message })?
        }
        .boxed_local()
    }
}

/// The host of a sheet and, when it is a worker, the handle to terminate it on close.
pub struct Host {
    /// What the engine calls.
    pub host: Rc<dyn WorkflowHost>,
    /// The worker, if workflows run in one.
    pub worker: Option<Rc<WorkerHost>>,
}

/// Starts the worker `script` for `sheet` when given, else an in-thread host over `log` and
/// `blobs`.
///
/// # Errors
/// A `StorageError` (status 501 without `Worker`, else 500) naming the script when the worker
/// cannot start.
pub fn start_host(
    sheet: &str,
    script: Option<&WorkerScript>,
    log: &IdbEventLog,
    blobs: &IdbBlobStore,
    config: WorkflowConfig,
    durability: Durability,
) -> Result<Host, JsValue> {
    if let Some(script) = script {
        let worker = WorkerHost::start(script, sheet, config.tile_size, durability)
            .map_err(|e| storage_error(&e.to_string(), if has_worker() { 500 } else { 501 }))?;
        worker.set_max_layers(config.max_layers);
        worker.set_keep_snapshots(config.retention.keep_snapshots);
        let worker = Rc::new(worker);
        return Ok(Host { host: worker.clone(), worker: Some(worker) });
    }
    let host = LockedInThreadHost { sheet: sheet.to_owned(), log: log.clone(), blobs: blobs.clone(), config };
    Ok(Host { host: Rc::new(host), worker: None })
}

/// Waits until `worker` loaded the wasm.
///
/// # Errors
/// A `StorageError` (status 500) saying why it could not, naming its script.
pub async fn worker_ready(worker: &WorkerHost) -> Result<(), JsValue> {
    worker.wait_ready(WORKER_START_TIMEOUT_MS).await.map_err(|message| storage_error(&message, 500))
}

fn has_worker() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("Worker")).unwrap_or(false)
}
