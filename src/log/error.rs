//! [`LogError`]: everything an [`EventLog`](super::EventLog) call can fail with.

use super::encoding::DecodeError;
use super::entry::SequenceId;
use crate::error::StorageError;
use crate::model::ValidationError;

/// Why an event log call failed (DESIGN.md section 4).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// `add_entry` was given a sequence id other than the next free one; `next` is that id.
    /// Another writer appended first: sync from the log and re-append at `next`.
    #[error("sequence id conflict: the next free sequence id is {next}")]
    Conflict {
        /// The next free sequence id.
        next: SequenceId,
    },
    /// A sequence id lies outside the log's retained range `start ..= end` (where `end` is one
    /// past the last entry); for `set_metadata` the id must name an entry, `start .. end`.
    #[error("sequence id {seq} is outside the log, which holds {start} .. {end}")]
    OutOfRange {
        /// The id asked for.
        seq: SequenceId,
        /// First retained id.
        start: SequenceId,
        /// One past the last entry.
        end: SequenceId,
    },
    /// A query's end lies before its start.
    #[error("query range is reversed: it ends at {to}, before its start {from}")]
    ReversedRange {
        /// Resolved start of the query.
        from: SequenceId,
        /// Requested end, before `from`.
        to: SequenceId,
    },
    /// The entry or metadata breaks a limit; nothing was stored.
    #[error("invalid entry: {0}")]
    Invalid(#[from] ValidationError),
    /// A stored entry could not be decoded (damaged bytes, or written by a newer version).
    #[error("stored entry {seq} is unreadable: {error}")]
    Corrupt {
        /// Id of the unreadable entry.
        seq: SequenceId,
        /// What the decoder found.
        error: DecodeError,
    },
    /// The storage underneath failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl LogError {
    /// The HTTP-like status code the JS API reports for this error (`statusCode`).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Conflict { .. } => 409,
            Self::OutOfRange { .. } | Self::ReversedRange { .. } => 416,
            Self::Invalid(_) => 400,
            Self::Corrupt { .. } => 500,
            Self::Storage(e) => e.status_code(),
        }
    }
}
