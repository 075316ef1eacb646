//! The blob store: immutable byte arrays under `/`-separated paths, where snapshots keep their
//! tiles and indexes (DESIGN.md section 4).
//!
//! This module owns the [`BlobStore`]/[`BlobDir`] traits with their written contract, the name
//! rules and key layout every backend shares ([`path`]), the in-memory reference
//! [`MemoryBlobStore`] and the [`conformance`] suite. It knows nothing of JS or IndexedDB
//! (`crate::browser` implements the traits there) and nothing of what the bytes mean.

pub mod conformance;
mod error;
mod full_path;
mod memory;
pub mod path;
mod store;

pub use error::{BlobError, EntryKind, NameProblem};
pub use full_path::{read_blob, read_path, remove_path, validate_paths, validate_write_batch, write_path};
pub use memory::{MemoryBlobDir, MemoryBlobStore, DEFAULT_LIST_PAGE_SIZE};
pub use path::{validate_name, Continuation, DirEntry, ListPage, MAX_NAME_BYTES};
pub use store::{BlobDir, BlobStore};
