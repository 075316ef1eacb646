//! Workflow hosts: who runs a workflow the engine requested (DESIGN.md sections 4 and 7).

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;

use super::error::EngineError;
use super::workflow::{write_snapshot, SnapshotReport};
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
    tile_size: TileSize,
}

impl<L, B> InThreadHost<L, B> {
    /// A host working on `log` and `blobs`; first snapshots use `tile_size`.
    pub fn new(log: L, blobs: B, tile_size: TileSize) -> Self {
        Self { log, blobs, tile_size }
    }
}

/// Runs one workflow over `log` and `blobs`: what a worker does on a request.
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
    match workflow {
        Workflow::Snapshot => write_snapshot(log, blobs, seq, tile_size).await.map(Some),
        // Compaction and history come with later issues; nothing to do for them yet.
        Workflow::Compact | Workflow::History => Ok(None),
    }
}

impl<L, B> WorkflowHost for InThreadHost<L, B>
where
    L: EventLog + Clone + 'static,
    B: BlobStore + Clone + 'static,
{
    fn run(&self, seq: SequenceId, workflow: Workflow) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let (log, blobs, tile_size) = (self.log.clone(), self.blobs.clone(), self.tile_size);
        async move { run_workflow(&log, &blobs, seq, workflow, tile_size).await.map(drop) }.boxed_local()
    }
}
