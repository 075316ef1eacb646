//! Workflow hosts: who runs a workflow the engine requested (DESIGN.md sections 4 and 7).

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use std::rc::Rc;

use super::error::EngineError;
use super::lifecycle::{collect_garbage, write_history, Retention};
use super::workflow::{compact_snapshot, write_snapshot, SnapshotReport, WorkflowConfig};
use crate::blob::BlobStore;
use crate::log::{EventLog, SequenceId, Workflow};
use crate::snapshot::TileSize;

/// Runs workflows for an engine. The browser's host hands them to a Web Worker; the
/// [`InThreadHost`] runs them on the calling thread (`worker: false`, native tests).
pub trait WorkflowHost {
    /// Runs `workflow` for the entry at `seq` to completion (including its `set_metadata`).
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>>;
}

/// The wall clock a host gives the lifecycle workflows: milliseconds since the Unix epoch.
pub type Clock = Rc<dyn Fn() -> u64>;

/// Runs workflows in this thread over its own handles on the log and blob store.
#[derive(Clone)]
pub struct InThreadHost<L, B> {
    log: L,
    blobs: B,
    config: WorkflowConfig,
    clock: Clock,
}

impl<L, B> std::fmt::Debug for InThreadHost<L, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InThreadHost").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<L, B> InThreadHost<L, B> {
    /// A host working on `log` and `blobs`; first snapshots use `tile_size`. Its clock reads 0
    /// until [`Self::with_clock`] sets one: leases then never expire (nothing is truncated past
    /// a client that crashed), which is safe but keeps more log.
    pub fn new(log: L, blobs: B, tile_size: TileSize) -> Self {
        Self { log, blobs, config: WorkflowConfig { tile_size, ..WorkflowConfig::default() }, clock: Rc::new(|| 0) }
    }

    /// The same host asking for compaction past `max_layers` layers (default 8).
    pub fn with_max_layers(mut self, max_layers: usize) -> Self {
        self.config.max_layers = max_layers;
        self
    }

    /// The same host keeping what `retention` says.
    pub fn with_retention(mut self, retention: Retention) -> Self {
        self.config.retention = retention;
        self
    }

    /// The same host reading the wall clock from `clock` (for leases' expiry).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

/// Runs one workflow over `log` and `blobs` with the default settings and first-snapshot
/// tile size `tile_size`: what a worker does on a request.
///
/// # Errors
/// [`EngineError`] from the workflow.
pub async fn run_workflow<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    workflow: Workflow,
    tile_size: TileSize,
) -> Result<Option<SnapshotReport>, EngineError> {
    run_workflow_with(log, blobs, seq, workflow, WorkflowConfig { tile_size, ..WorkflowConfig::default() }, 0).await
}

/// Runs one workflow with explicit settings; `now_ms` (milliseconds since the Unix epoch) is
/// what the lifecycle workflows compare the clients' leases with.
///
/// # Errors
/// [`EngineError`] from the workflow.
pub async fn run_workflow_with<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    workflow: Workflow,
    config: WorkflowConfig,
    now_ms: u64,
) -> Result<Option<SnapshotReport>, EngineError> {
    match workflow {
        Workflow::Snapshot => write_snapshot(log, blobs, seq, config).await.map(Some),
        Workflow::Compact => compact_snapshot(log, blobs, seq).await.map(Some),
        Workflow::History => write_history(log, blobs, seq, config.retention, now_ms).await.map(|_| None),
        Workflow::Gc => collect_garbage(log, blobs, seq, config.retention, now_ms).await.map(|_| None),
    }
}

impl<L, B> WorkflowHost for InThreadHost<L, B>
where
    L: EventLog + Clone + 'static,
    B: BlobStore + Clone + 'static,
{
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let (log, blobs, config, now) = (self.log.clone(), self.blobs.clone(), self.config, (self.clock)());
        async move { run_workflow_with(&log, &blobs, seq, workflow, config, now).await.map(drop) }.boxed_local()
    }
}
