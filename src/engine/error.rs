//! [`EngineError`]: what an engine operation or workflow can fail with.

use crate::blob::BlobError;
use crate::log::{LogError, SequenceId};
use crate::model::ValidationError;
use crate::snapshot::SnapshotError;

/// Why an engine operation failed. Every variant maps to one JS error `name` in `api`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Bad input; nothing was stored.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The event log failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The blob store failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A snapshot blob could not be decoded.
    #[error("snapshot blob '{path}' is unreadable: {error}")]
    Snapshot {
        /// Path of the blob.
        path: String,
        /// What the decoder found.
        error: SnapshotError,
    },
    /// The log no longer holds the entries before `start` and no snapshot covers them.
    #[error("the log starts at entry {start} and no snapshot covers the entries before it")]
    MissingHistory {
        /// First retained sequence id.
        start: SequenceId,
    },
    /// The log holds an operation this build cannot apply yet.
    #[error("entry {seq} holds {what}, which this build of sheetlog cannot apply")]
    Unsupported {
        /// Sequence id of the entry.
        seq: SequenceId,
        /// What it holds.
        what: &'static str,
    },
    /// A snapshot index found through entry `entry` describes another entry (damaged or
    /// misfiled storage); the engine keeps reading from the snapshot it has.
    #[error("snapshot index '{path}' on entry {entry} describes entry {index}")]
    MisplacedSnapshot {
        /// Path of the index blob.
        path: String,
        /// The entry whose metadata named it.
        entry: SequenceId,
        /// The entry the index says it reflects.
        index: SequenceId,
    },
    /// An edit was dropped because another writer deleted the rows or columns it wrote, in the
    /// entry `by`, before the edit reached the log (DESIGN.md section 5b).
    #[error("the edit's target was deleted by another writer (entry {by}): {cells} cell write(s) dropped")]
    TargetDeleted {
        /// Cell writes dropped.
        cells: usize,
        /// The entry that deleted the target.
        by: SequenceId,
    },
    /// A version after entry `target` was asked for, older than the history kept (DESIGN.md
    /// section 5b, "Lifecycle"): no retained checkpoint and kept entries reach back to it.
    #[error(
        "entry {target} is older than the history kept: the oldest entry a version can be shown after is {oldest}"
    )]
    BeforeRetention {
        /// The entry asked for.
        target: SequenceId,
        /// The oldest entry a version can be shown after.
        oldest: SequenceId,
    },
    /// A version at a time before every entry kept was asked for.
    #[error("no entry kept was written at or before {time_ms} ms since the epoch; the oldest kept is entry {oldest}")]
    TimeBeforeHistory {
        /// The time asked for, in milliseconds since the Unix epoch.
        time_ms: u64,
        /// The oldest entry kept.
        oldest: SequenceId,
    },
    /// The engine was closed; no further calls are possible.
    #[error("the sheet was closed")]
    Closed,
    /// A workflow failed in the worker that ran it.
    #[error("the {workflow} workflow failed in the worker: {message}")]
    Worker {
        /// The workflow's name.
        workflow: &'static str,
        /// The worker's report.
        message: String,
    },
}

impl EngineError {
    /// The HTTP-like status code the JS API reports (`statusCode`) for storage failures.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Validation(_) => 400,
            Self::Log(e) => e.status_code(),
            Self::Blob(e) => e.status_code(),
            Self::Snapshot { .. }
            | Self::MisplacedSnapshot { .. }
            | Self::MissingHistory { .. }
            | Self::Worker { .. } => 500,
            Self::TargetDeleted { .. } => 409,
            Self::BeforeRetention { .. } | Self::TimeBeforeHistory { .. } => 416,
            Self::Unsupported { .. } => 501,
            Self::Closed => 503,
        }
    }
}
