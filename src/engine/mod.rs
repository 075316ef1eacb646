//! The engine: event-sourced sheet state over the storage traits (DESIGN.md sections 5 and 5b).
//!
//! One owner: an engine's state (`state::Core`) changes only by messages handled in order
//! by one queue (`queue`), never while awaiting; storage work runs as effects whose results
//! come back as messages. The state's concerns each have their file:
//! - `writes`: pending edits, group-committed appends, rollback, and the operational
//!   transform of pending edits through other writers' structural edits (`structural`);
//! - `pending`: the overlay of pending edits, indexed by cell;
//! - `sync`: log pages, reloads, and rebasing onto snapshots as they complete;
//! - `tiles`: the tiles under the viewport, the tile cache and its eviction;
//! - `scheduler`: workflow triggering, runs, retries and hand-overs;
//! - `publish`: content versions, published only when something observable changed;
//! - `sheet`: the public [`Engine`] calls, which only validate and send messages.
//!
//! Beside them: the edit layer (`edit_layer`), content versions (`version`), the workflows
//! themselves (`workflow`: snapshot and compaction writers) and their hosts (`host`), CSV
//! ([`csv`]). Pure: async over [`crate::log::EventLog`] and [`crate::blob::BlobStore`], with
//! spawning and timers injected ([`Runtime`]), so it compiles and is tested natively with the
//! memory backends. Knows nothing of JS, IndexedDB or workers (`crate::browser`, `crate::api`).

mod block;
mod cell_history;
pub mod csv;
mod edit_layer;
mod error;
mod history_list;
mod host;
mod lazy_host;
pub mod lifecycle;
mod loaded_tile;
mod log_pages;
mod offsets;
mod open_hint;
mod pending;
mod publish;
mod queue;
mod retired;
mod runtime;
mod scheduler;
mod sheet;
mod state;
mod structural;
mod sync;
mod tiles;
mod time_travel;
mod undo;
mod undo_stack;
mod version;
mod viewport_tiles;
pub mod workflow;
mod writes;

pub use crate::blob::{read_path, write_path};
pub use block::DEFAULT_BLOCK_CELLS;
pub use edit_layer::{EditLayer, Lookup};
pub use error::EngineError;
pub use history_list::{describe, HistoryItem, HistoryPage, MAX_HISTORY_PAGE};
pub use host::{run_workflow, run_workflow_with, Clock, InThreadHost, WorkflowHost};
pub use lazy_host::{LazyHost, LAZY_HOST_CLOSED, LAZY_HOST_STARTING};
pub use lifecycle::{Retention, StorageInfo};
pub use offsets::{ItemOffsetMapping, DEFAULT_COLUMN_WIDTH, DEFAULT_ROW_HEIGHT};
pub use open_hint::{OpenHint, MAX_HINT_TILES};
pub use runtime::Runtime;
pub use sheet::{
    Engine, EngineOptions, EngineStats, UndoGroup, DEFAULT_FREE_SLICE_CELLS, DEFAULT_REBASE_STEP_CELLS,
    DEFAULT_SNAPSHOT_CELLS,
};
pub use structural::{advance_transform, rebase_operation, rebase_operations, structural_transform, Rebased};
pub use tiles::DEFAULT_TILE_CACHE_BYTES;
pub use undo::UndoOutcome;
pub use undo_stack::DEFAULT_UNDO_LIMIT;
pub use version::{ContentVersion, LoadStatus, LogInfo, Viewport};
pub use workflow::WorkflowConfig;
