//! Snapshots (DESIGN.md section 5 and the appendix on transforms).
//!
//! This module owns the snapshot blob formats — tiles and the snapshot index — and the
//! transforms between layers; pure Rust, no storage calls, no JS. Reading and writing the blobs,
//! choosing their paths and deciding when to snapshot belong to `crate::engine`.
//!
//! - [`CellContent`]: what one layer holds for one cell; a tombstone masks older layers.
//! - [`Tile`], [`TileKey`], [`TileSize`], [`encode_tile`], [`decode_tile`]: the tile blobs.
//! - [`AxisTransform`], [`Transform`], [`Span`]: how rows and columns move between layers.
//! - [`SnapshotIndex`], [`Layer`], [`encode_index`], [`decode_index`]: the index blob.
//! - [`SnapshotError`]: everything above can fail with.
//!
//! Both blob formats start with four magic bytes, a version byte and a CRC-32 of the rest; the
//! decoders check all three before parsing, never panic, refuse every non-canonical encoding,
//! and check each count against the bytes left before allocating.

mod cell;
mod error;
mod index;
mod tile;
mod transform;
mod wire;

pub use cell::CellContent;
pub use error::SnapshotError;
pub use index::{decode_index, encode_index, Layer, SnapshotIndex, INDEX_FORMAT_VERSION};
pub use tile::{decode_tile, encode_tile, Tile, TileKey, TileSize, MAX_TILE_SIDE, TILE_FORMAT_VERSION};
pub use transform::{AxisTransform, Span, Transform};
