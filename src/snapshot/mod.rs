//! Snapshots (DESIGN.md section 5 and the appendix on transforms).
//!
//! This module owns the snapshot blob formats — tiles and the snapshot index — and the
//! transforms between layers; pure Rust, no storage calls, no JS. Reading and writing the blobs,
//! choosing their paths and deciding when to snapshot belong to `crate::engine`.
//!
//! - [`CellContent`]: what one layer holds for one cell; a tombstone masks older layers.
//! - [`Tile`], [`TileKey`], [`TileSize`], [`encode_tile`], [`encode_tile_rect`], [`decode_tile`]: the tile blobs.
//! - [`AxisTransform`], [`Transform`], [`Span`]: how rows and columns move between layers.
//! - [`SnapshotIndex`], [`Layer`], [`encode_index`], [`decode_index`]: the index blob.
//! - [`ItemSizes`], [`SheetSizes`]: row heights and column widths that are not the defaults,
//!   kept in the index.
//! - [`HistoryBlob`], [`encode_history`], [`decode_history`]: log entries kept once the log is
//!   truncated before them.
//! - [`Catalog`], [`Lease`] and their codecs: what the storage workflows and the open clients
//!   record about the sheet's lifecycle.
//! - [`UndoRecord`] and its codec: a tab's undo and redo stacks, kept across reloads.
//! - [`SnapshotError`]: everything above can fail with.
//!
//! The blob formats start with four magic bytes, a version byte and a CRC-32 of the rest; the
//! decoders check all three before parsing, never panic, refuse every non-canonical encoding,
//! and check each count against the bytes left before allocating.

mod catalog;
mod cell;
mod error;
mod history;
mod index;
mod sizes;
mod tile;
mod transform;
mod undo_record;
mod wire;

pub use catalog::{decode_catalog, decode_lease, encode_catalog, encode_lease, Catalog, Lease, CATALOG_FORMAT_VERSION};
pub use cell::CellContent;
pub use error::SnapshotError;
pub use history::{decode_history, encode_history, HistoryBlob, HISTORY_FORMAT_VERSION};
pub use index::{decode_index, encode_index, Layer, SnapshotIndex, INDEX_FORMAT_VERSION};
pub use sizes::{ItemSizes, SheetSizes, SizedRun};
pub use tile::{
    decode_tile, encode_tile, encode_tile_rect, Tile, TileKey, TileSize, MAX_TILE_SIDE, TILE_FORMAT_VERSION,
};
pub use transform::{AxisTransform, Span, Transform};
pub use undo_record::{decode_undo_record, encode_undo_record, UndoRecord, UndoStep, UNDO_FORMAT_VERSION};
