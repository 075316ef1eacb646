//! The event log: every edit is an [`Entry`] appended at the next [`SequenceId`]
//! (DESIGN.md sections 1 and 4).
//!
//! This module owns the entry types, their binary encoding, the [`EventLog`] trait with its
//! written contract, the in-memory reference [`MemoryEventLog`] and the [`conformance`] suite
//! every implementation must pass. It knows nothing of JS or IndexedDB (`crate::browser`
//! implements the trait there) and nothing of snapshots beyond the metadata fields.

pub mod conformance;
mod encoding;
mod entry;
mod error;
mod event_log;
mod import_layer;
mod memory;

pub use encoding::{
    decode_entry, decode_metadata, encode_entry, replace_metadata, DecodeError, ENTRY_FORMAT_V1, ENTRY_FORMAT_VERSION,
};
pub use entry::{
    CellWrite, Entry, Metadata, MetadataUpdate, Operation, Origin, SequenceId, Workflow, MAX_BATCH_CELLS,
    MAX_METADATA_PATH_BYTES, MAX_SIZE_RUNS,
};
pub use error::LogError;
pub use event_log::{
    resolve_range, snapshot_to_report, AddEntryResult, EventLog, LogBounds, QueryFrom, QueryResult, QueryTo,
    SnapshotInfo,
};
pub use import_layer::{ImportLayer, MAX_IMPORT_DIR_BYTES};
pub use memory::{MemoryEventLog, DEFAULT_PAGE_SIZE};
