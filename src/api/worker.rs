//! The workflow host of a sheet opened in IndexedDB (DESIGN.md section 7): the package's Web
//! Worker by default; in this thread (`worker: false`, or when no worker can start) under the same
//! cross-tab Web Lock, so one workflow runs at a time per sheet either way.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use crate::browser::worker_entry::with_workflow_lock;
use crate::browser::{Durability, IdbBlobStore, IdbEventLog, WorkerHost};
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

/// The host of a sheet and, when it is a worker, the handle to terminate it on close.
pub struct Host {
    /// What the engine calls.
    pub host: Rc<dyn WorkflowHost>,
    /// The worker, if workflows run in one.
    pub worker: Option<Rc<WorkerHost>>,
}

/// Starts the package's worker for `sheet` when `use_worker`, else (or if it cannot start) an
/// in-thread host over `log` and `blobs`.
pub fn start_host(
    sheet: &str,
    use_worker: bool,
    log: &IdbEventLog,
    blobs: &IdbBlobStore,
    config: WorkflowConfig,
    durability: Durability,
) -> Host {
    if use_worker {
        match WorkerHost::start(sheet, config.tile_size, durability) {
            Ok(worker) => {
                worker.set_max_layers(config.max_layers);
                worker.set_keep_snapshots(config.retention.keep_snapshots);
                let worker = Rc::new(worker);
                return Host { host: worker.clone(), worker: Some(worker) };
            }
            Err(error) => web_sys::console::warn_1(
                &format!("sheetlog: workflows run in this thread, the worker could not start: {error}").into(),
            ),
        }
    }
    let host = LockedInThreadHost { sheet: sheet.to_owned(), log: log.clone(), blobs: blobs.clone(), config };
    Host { host: Rc::new(host), worker: None }
}
