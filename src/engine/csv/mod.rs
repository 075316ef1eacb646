//! CSV import and export (the demo issue's CSV part), over the `csv` project's parser and
//! writer. Owns: recognising values in CSV fields and writing them back ([`value`]), the pure
//! incremental importer that turns bytes into batches of cell writes ([`CsvImporter`]) and the
//! bounds checked on its bytes first ([`RowGuard`]), the engine-level import that appends those
//! batches as entries ([`Engine::import_csv`]), and the export of a version's rectangle
//! ([`Engine::export_csv`]). Must not touch the engine's state
//! other than through its public methods (`set_cells`, `request_snapshot`, `blobs`); knows
//! nothing of JS (`crate::api::csv` reads files and signals).
//!
//! [`Engine::import_csv`]: crate::engine::Engine::import_csv
//! [`Engine::export_csv`]: crate::engine::Engine::export_csv

mod driver;
mod export;
mod import;
mod layer_import;
mod row_guard;
pub mod value;

pub use driver::{
    BytesSource, CsvImportError, CsvSource, ImportOptions, ImportPhase, ImportProgress, ImportReport, OnError,
};
pub use export::{
    export_bounds, looks_like_formula, write_cell_text, write_cell_text_with, write_csv, write_csv_with,
    CsvExportError, CsvExportOptions, ExportProgress, MAX_EXPORT_CELLS, MAX_STREAM_EXPORT_CELLS, PART_CELLS,
    STRIPE_CELLS,
};
pub use import::{CsvBatch, CsvError, CsvImportOptions, CsvImporter, CsvProgress, DEFAULT_BATCH_CELLS};
pub use layer_import::{import_started_ms, write_import_layer, WrittenLayer, IMPORT_COMMITTED, IMPORT_DIR};
pub use row_guard::{LimitError, RowGuard, RowLimits, DEFAULT_MAX_COLUMNS, DEFAULT_MAX_ROW_BYTES, MAX_FIELD_BYTES};
