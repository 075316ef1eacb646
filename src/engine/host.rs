//! Workflow hosts: who runs a workflow the engine requested (DESIGN.md sections 4 and 7).

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use super::error::EngineError;
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

/// Runs workflows in this thread over its own handles on the log and blob store.
#[derive(Debug, Clone)]
pub struct InThreadHost<L, B> {
    log: L,
    blobs: B,
    config: WorkflowConfig,
}

impl<L, B> InThreadHost<L, B> {
    /// A host working on `log` and `blobs`; first snapshots use `tile_size`.
    pub fn new(log: L, blobs: B, tile_size: TileSize) -> Self {
        Self { log, blobs, config: WorkflowConfig { tile_size, ..WorkflowConfig::default() } }
    }

    /// The same host asking for compaction past `max_layers` layers (default 8).
    pub fn with_max_layers(mut self, max_layers: usize) -> Self {
        self.config.max_layers = max_layers;
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
    run_workflow_with(log, blobs, seq, workflow, WorkflowConfig { tile_size, ..WorkflowConfig::default() }).await
}

/// Runs one workflow with explicit settings.
///
/// # Errors
/// [`EngineError`] from the workflow.
pub async fn run_workflow_with<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    workflow: Workflow,
    config: WorkflowConfig,
) -> Result<Option<SnapshotReport>, EngineError> {
    match workflow {
        Workflow::Snapshot => write_snapshot(log, blobs, seq, config).await.map(Some),
        Workflow::Compact => compact_snapshot(log, blobs, seq).await.map(Some),
        // Cell history comes with a later issue; nothing to do for it yet.
        Workflow::History => Ok(None),
    }
}

impl<L, B> WorkflowHost for InThreadHost<L, B>
where
    L: EventLog + Clone + 'static,
    B: BlobStore + Clone + 'static,
{
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let (log, blobs, config) = (self.log.clone(), self.blobs.clone(), self.config);
        async move { run_workflow_with(&log, &blobs, seq, workflow, config).await.map(drop) }.boxed_local()
    }
}
