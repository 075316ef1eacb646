//! sheetlog: the data layer of a browser spreadsheet (see `DESIGN.md`).
//!
//! Every edit is appended to an event log; a snapshot workflow writes the grid as tiles into a
//! blob store; log and blobs persist in IndexedDB. Module map, dependencies pointing one way:
//!
//! - [`model`]: cell values, formats, error codes, A1 references, validation (pure Rust);
//! - [`log`]: the `EventLog` trait, entries and their encoding, the in-memory reference log;
//! - [`blob`]: the `BlobStore`/`BlobDir` traits, the in-memory reference store;
//! - [`error`]: storage errors shared by the backends, and the umbrella `Error`;
//! - `wire` (internal): varints, strings and a panic-free reader shared by the binary formats;
//! - `browser` (wasm32 only): the IndexedDB log and blob store;
//! - `api` (wasm32 only): the wasm-bindgen surface.
//!
//! `model`, `log` and `blob` compile and test natively; only `browser` and `api` touch JS.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod blob;
pub mod engine;
pub mod error;
pub mod log;
pub mod model;
pub mod snapshot;
mod wire;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;

pub use error::{Error, StorageError, StorageErrorKind};
