//! The workflow host of a sheet opened in IndexedDB (DESIGN.md section 7): the package's Web
//! Worker by default; in this thread with `worker: false`, under the same cross-tab Web Lock, so
//! one workflow runs at a time per sheet either way. The worker starts when first needed
//! ([`LazyWorker`]); one that cannot start or load shows in the load status, naming its script.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use super::lazy_worker::LazyWorker;
use crate::browser::web_locks::with_workflow_lock;
use crate::browser::{Durability, IdbBlobStore, IdbEventLog, WorkerScript};
use crate::engine::{run_workflow_with, EngineError, WorkflowConfig, WorkflowHost};
use crate::log::{SequenceId, Workflow};

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

/// The host of a sheet and, when it is a worker, the handle to start or terminate it.
pub struct Host {
    /// What the engine calls.
    pub host: Rc<dyn WorkflowHost>,
    /// The worker, if workflows run in one (not started yet).
    pub worker: Option<Rc<LazyWorker>>,
}

/// The host of `sheet`'s workflows: the worker `script` when given (started when first needed,
/// its IndexedDB operations timing out after `storage_timeout_ms`), else an in-thread host over
/// `log` and `blobs`.
pub fn start_host(
    sheet: &str,
    script: Option<WorkerScript>,
    log: &IdbEventLog,
    blobs: &IdbBlobStore,
    config: WorkflowConfig,
    durability: Durability,
    storage_timeout_ms: u32,
) -> Host {
    if let Some(script) = script {
        let worker = Rc::new(LazyWorker::new(script, sheet, config, durability, storage_timeout_ms));
        return Host { host: worker.clone(), worker: Some(worker) };
    }
    let host = LockedInThreadHost { sheet: sheet.to_owned(), log: log.clone(), blobs: blobs.clone(), config };
    Host { host: Rc::new(host), worker: None }
}
