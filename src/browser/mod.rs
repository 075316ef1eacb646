//! The browser backends (wasm32 only): the event log and blob store on IndexedDB
//! (DESIGN.md section 6), built on `indexed_db_futures`.
//!
//! This module implements the `log` and `blob` traits and nothing else: no engine logic, no
//! JS API. It must pass the same conformance suites as the memory backends (`tests/browser_*`).

mod database;
mod idb_blob_store;
mod idb_error;
mod idb_event_log;
pub mod timer;

pub use database::{Durability, IdbOptions, SheetDatabase, SCHEMA_VERSION};

pub use idb_blob_store::{IdbBlobDir, IdbBlobStore};
pub use idb_event_log::IdbEventLog;
