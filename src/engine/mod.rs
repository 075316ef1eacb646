//! The engine: event-sourced sheet state over the storage traits (DESIGN.md section 5).
//!
//! Owns the edit layer, content versions, sync, viewport loading, optimistic writes and the
//! snapshot workflow. Pure: async over [`crate::log::EventLog`] and [`crate::blob::BlobStore`],
//! with spawning and timers injected ([`Runtime`]), so it compiles and is tested natively with the
//! memory backends. Knows nothing of JS, IndexedDB or workers (`crate::browser`, `crate::api`).

mod blob_path;
pub mod csv;
mod edit_layer;
mod error;
mod host;
mod loaded_tile;
mod offsets;
mod runtime;
mod sheet;
mod structural;
mod version;
mod viewport_tiles;
pub mod workflow;

pub use blob_path::{read_path, write_path};
pub use edit_layer::{EditLayer, Lookup};
pub use error::EngineError;
pub use host::{run_workflow, run_workflow_with, InThreadHost, WorkflowHost};
pub use offsets::{ItemOffsetMapping, DEFAULT_COLUMN_WIDTH, DEFAULT_ROW_HEIGHT};
pub use runtime::Runtime;
pub use sheet::{Engine, EngineOptions};
pub use structural::{advance_transform, rebase_operation, structural_transform, Rebased};
pub use version::{ContentVersion, LoadStatus, LogInfo, Viewport};
pub use workflow::WorkflowConfig;
