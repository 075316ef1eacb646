//! The wasm-bindgen surface (wasm32 only): the `SpreadsheetData` class and the TypeScript types
//! of DESIGN.md section 3. Thin: converts JS values at the boundary and maps errors to JS
//! `Error` objects in one place; all behaviour lives in `crate::engine`.

use wasm_bindgen::prelude::*;

mod batch;
mod browser_runtime;
mod content_version;
mod convert;
mod csv;
mod csv_blob;
mod history;
mod item_sizes;
mod js_error;
mod lazy_worker;
mod offset_mapping;
mod packed_cells;
mod sheets;
mod spreadsheet_data;
mod sync_channel;
mod tab_key;
mod types;
mod worker;
mod worker_export;
mod worker_import;
mod worker_job;

pub use browser_runtime::browser_runtime;
pub use content_version::JsContentVersion;
pub use offset_mapping::JsItemOffsetMapping;
pub use spreadsheet_data::SpreadsheetData;

/// The version of the sheetlog package, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
