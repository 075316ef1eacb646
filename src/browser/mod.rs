//! The browser backends (wasm32 only): the event log and blob store on IndexedDB
//! (DESIGN.md section 6, built on `indexed_db_futures`), and the Web Worker that runs workflows
//! (DESIGN.md section 7: `worker_host` on the main thread, `worker_entry` in the worker, the
//! shipped entry module `js/sheetlog-worker.js`).
//!
//! This module implements the `log` and `blob` traits and the engine's `WorkflowHost`; it holds
//! no engine logic and no JS API. The storage backends pass the same conformance suites as the
//! memory ones (`tests/browser_*`).

mod database;
mod idb_blob_store;
mod idb_error;
mod idb_event_log;
pub mod registry;
pub mod timer;
pub mod web_locks;
pub mod worker_entry;
mod worker_host;

pub use database::{forget_database_listing, Durability, IdbOptions, SheetDatabase, SCHEMA_VERSION};
pub use idb_blob_store::{IdbBlobDir, IdbBlobStore};
pub use idb_event_log::IdbEventLog;
pub use worker_entry::{handle_worker_message, WorkerRequest};
pub use worker_host::{WorkerHost, WorkerScript, ALIVE_INTERVAL_MS, DEFAULT_REPLY_TIMEOUT_MS, WORKER_NAME};
