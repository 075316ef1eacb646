//! [`SnapshotIndex`]: the blob that describes one snapshot (counts, tile size, layers with their
//! transforms and tile paths), and its format ([`encode_index`], [`decode_index`]).
//!
//! Layout (integers are minimal unsigned LEB128 varints unless said otherwise):
//!
//! ```text
//! index   = "SLIX" version:u8(=1 or 2) crc32:u32-LE body   the CRC-32 covers exactly `body`
//! body    = seq row_count col_count tile_rows tile_cols layer_count layer*layer_count [sizes]
//! sizes   = sized(rows) sized(cols)      version 2 only, and only there: not both empty
//! sized   = count (gap count-1 px)*count  runs of non-default sizes in increasing order
//!   gap   = start - end of the previous run (exclusive); the first run: start
//! layer   = axis(rows) axis(cols) tile_count tile*tile_count     oldest layer first
//! axis    = ranges(deleted) ranges(inserted)
//! ranges  = count (gap width-minus-1)*count
//!   gap   = start - end of the previous range (exclusive) - 1; the first range: start
//! tile    = row col path          tiles in TileKey order
//!   row   = tile_row minus the previous tile's tile_row (first tile of a layer: tile_row)
//!   col   = tile_col if `row` is not 0 or this is the first tile,
//!           else tile_col minus the previous tile_col minus 1
//! path    = byte-length UTF-8     the blob path, in full
//! ```
//!
//! Paths are stored in full rather than through a table of shared prefixes: a prefix table
//! lets a few bytes per tile stand for a long prefix, so a small blob could decode into
//! gigabytes of paths. Stored in full, the decoded index is a small multiple of the blob's
//! size. The encoding is canonical (one encoding per index; ranges and keys are ordered and
//! non-adjacent by construction), so `encode_index(&decode_index(b)?) == b` whenever `b`
//! decodes. An index whose sizes are all defaults is written as version 1, so builds that
//! predate row heights and column widths read it; version 2 adds the sizes.

use std::collections::BTreeMap;

use super::error::SnapshotError;
use super::sizes::{ItemSizes, SheetSizes, SizedRun};
use super::tile::{TileKey, TileSize};
use super::transform::{AxisTransform, Transform};
use super::wire::{self, put_len, put_str, put_varint, PositionCodec, Reader};
use crate::model::MAX_INDEX;

/// The newest format version written by [`encode_index`] (for an index with item sizes); bump
/// it when the layout changes and keep decoding the old ones.
pub const INDEX_FORMAT_VERSION: u8 = 2;

/// The version written for an index whose row heights and column widths are all defaults.
const INDEX_FORMAT_V1: u8 = 1;

const INDEX_MAGIC: [u8; 4] = *b"SLIX";

/// Smallest encoding of a layer: four range counts and a tile count.
const MIN_LAYER_BYTES: usize = 5;
/// Smallest encoding of a range: gap and width.
const MIN_RANGE_BYTES: usize = 2;
/// Smallest encoding of a tile entry: two key varints and an empty path's length.
const MIN_TILE_BYTES: usize = 3;
/// Smallest encoding of a size run: gap, count and size.
const MIN_SIZE_RUN_BYTES: usize = 3;

/// The description of one snapshot: what it covers and where its tiles are.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotIndex {
    /// The snapshot reflects every log entry before this sequence id (not the entry itself).
    pub seq: u64,
    /// One past the highest populated row index (0 for an empty sheet); at most 2^53.
    pub row_count: u64,
    /// One past the highest populated column index (0 for an empty sheet); at most 2^53.
    pub col_count: u64,
    /// The size of every tile in every layer.
    pub tile_size: TileSize,
    /// The layers, oldest (bottom) first and newest (top) last. Empty for an empty sheet.
    pub layers: Vec<Layer>,
    /// Row heights and column widths that are not the defaults, as of `seq`.
    pub sizes: SheetSizes,
}

/// The tiles written by one snapshot, and how the layer beneath maps into this one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layer {
    /// Maps the layer beneath (the previous one in [`SnapshotIndex::layers`]) into this layer's
    /// coordinates; the identity for the bottom layer.
    pub transform: Transform,
    /// The blob path of each tile of this layer. A path may point into an earlier snapshot's
    /// blob dir: unchanged tiles are referenced, not rewritten.
    pub tiles: BTreeMap<TileKey, String>,
}

impl SnapshotIndex {
    /// Checks what the types cannot: row and column counts of at most 2^53, every tile key on
    /// the sheet (its top-left cell at most [`MAX_INDEX`] on each axis), and an identity
    /// transform on the bottom layer. [`decode_index`] decodes exactly the encodings of indexes
    /// that pass.
    ///
    /// # Errors
    /// [`SnapshotError::CountTooLarge`], [`SnapshotError::TileOutOfRange`] or
    /// [`SnapshotError::BadTransform`].
    pub fn validate(&self) -> Result<(), SnapshotError> {
        for (what, count) in [("row count", self.row_count), ("column count", self.col_count)] {
            if count > MAX_INDEX + 1 {
                return Err(SnapshotError::CountTooLarge { what, count });
            }
        }
        if self.layers.first().is_some_and(|bottom| !bottom.transform.is_identity()) {
            return Err(SnapshotError::BadTransform { reason: "the bottom layer's transform must be the identity" });
        }
        for layer in &self.layers {
            for &key in layer.tiles.keys() {
                self.tile_size.check_key(key)?;
            }
        }
        Ok(())
    }
}

/// Encodes `index` as a snapshot index blob (layout in the module docs). An index that fails
/// [`SnapshotIndex::validate`] is encoded all the same, and its blob does not decode.
pub fn encode_index(index: &SnapshotIndex) -> Vec<u8> {
    let version = if index.sizes.is_empty() { INDEX_FORMAT_V1 } else { INDEX_FORMAT_VERSION };
    let mut out = wire::start(INDEX_MAGIC, version);
    put_varint(&mut out, index.seq);
    put_varint(&mut out, index.row_count);
    put_varint(&mut out, index.col_count);
    put_varint(&mut out, index.tile_size.rows().into());
    put_varint(&mut out, index.tile_size.cols().into());
    put_len(&mut out, index.layers.len());
    for layer in &index.layers {
        for axis in [&layer.transform.rows, &layer.transform.cols] {
            put_ranges(&mut out, axis.deleted_spans().len(), axis.deleted());
            put_ranges(&mut out, axis.inserted_spans().len(), axis.inserted());
        }
        put_len(&mut out, layer.tiles.len());
        let mut positions = PositionCodec::default();
        for (key, path) in &layer.tiles {
            positions.put(&mut out, key.tile_row, key.tile_col);
            put_str(&mut out, path);
        }
    }
    if !index.sizes.is_empty() {
        for sizes in [&index.sizes.rows, &index.sizes.cols] {
            put_len(&mut out, sizes.runs().len());
            let mut end = 0;
            for run in sizes.runs() {
                put_varint(&mut out, run.start - end);
                put_varint(&mut out, run.end - run.start - 1);
                put_varint(&mut out, run.size.into());
                end = run.end;
            }
        }
    }
    wire::finish(out)
}

/// Decodes a blob written by [`encode_index`].
///
/// # Errors
/// A [`SnapshotError`] for any input that is not exactly the canonical encoding of an index
/// that passes [`SnapshotIndex::validate`]: wrong magic, unknown version, checksum mismatch
/// (checked before anything else is parsed), truncation, counts larger than the blob, invalid
/// tile size, transform or UTF-8, trailing bytes. Never panics; allocates a small multiple of
/// the blob's length at most.
pub fn decode_index(bytes: &[u8]) -> Result<SnapshotIndex, SnapshotError> {
    let (mut r, version) =
        wire::open_versions(bytes, INDEX_MAGIC, INDEX_FORMAT_V1..=INDEX_FORMAT_VERSION, "snapshot index")?;
    let seq = r.varint()?;
    let row_count = r.varint()?;
    let col_count = r.varint()?;
    let (rows, cols) = (r.varint()?, r.varint()?);
    let tile_size = match (u32::try_from(rows), u32::try_from(cols)) {
        (Ok(rows), Ok(cols)) => TileSize::new(rows, cols)?,
        _ => return Err(SnapshotError::BadTileSize { rows, cols }),
    };
    let layer_count = r.count(MIN_LAYER_BYTES)?;
    let mut layers = Vec::with_capacity(layer_count);
    for _ in 0..layer_count {
        let rows = read_axis(&mut r)?;
        let cols = read_axis(&mut r)?;
        let tile_count = r.count(MIN_TILE_BYTES)?;
        let mut tiles = BTreeMap::new();
        let mut positions = PositionCodec::default();
        for _ in 0..tile_count {
            let (tile_row, tile_col) = positions.get(&mut r)?.unwrap_or((u64::MAX, u64::MAX));
            let key = TileKey { tile_row, tile_col };
            tile_size.check_key(key)?;
            tiles.insert(key, r.string()?);
        }
        layers.push(Layer { transform: Transform { rows, cols }, tiles });
    }
    let sizes = if version == INDEX_FORMAT_V1 {
        SheetSizes::default()
    } else {
        let sizes = SheetSizes { rows: read_sizes(&mut r)?, cols: read_sizes(&mut r)? };
        if sizes.is_empty() {
            return Err(SnapshotError::BadSizes { reason: "a version 2 index must hold sizes" });
        }
        sizes
    };
    r.end()?;
    let index = SnapshotIndex { seq, row_count, col_count, tile_size, layers, sizes };
    index.validate()?;
    Ok(index)
}

fn put_ranges(out: &mut Vec<u8>, count: usize, ranges: impl Iterator<Item = (u64, u64)>) {
    put_len(out, count);
    let mut next_free = 0u64;
    for (start, width) in ranges {
        put_varint(out, start.saturating_sub(next_free));
        put_varint(out, width.saturating_sub(1));
        next_free = start.saturating_add(width).saturating_add(1);
    }
}

fn read_sizes(r: &mut Reader<'_>) -> Result<ItemSizes, SnapshotError> {
    let bad = || SnapshotError::BadSizes { reason: "a run ends past the last index" };
    let count = r.count(MIN_SIZE_RUN_BYTES)?;
    let mut runs = Vec::with_capacity(count);
    let mut end = 0u64;
    for _ in 0..count {
        let start = end.checked_add(r.varint()?).ok_or_else(bad)?;
        let len = r.varint()?.checked_add(1).ok_or_else(bad)?;
        end = start.checked_add(len).ok_or_else(bad)?;
        let size = u32::try_from(r.varint()?).map_err(|_| SnapshotError::BadSizes { reason: "a size is too large" })?;
        runs.push(SizedRun { start, end, size });
    }
    ItemSizes::from_runs(runs)
}

fn read_axis(r: &mut Reader<'_>) -> Result<AxisTransform, SnapshotError> {
    let deleted = read_ranges(r)?;
    let inserted = read_ranges(r)?;
    AxisTransform::from_ranges(&deleted, &inserted)
}

/// A range too large to be part of a transform (see [`AxisTransform::from_ranges`]).
fn beyond() -> SnapshotError {
    SnapshotError::BadTransform { reason: "a range ends beyond 2^63" }
}

fn read_ranges(r: &mut Reader<'_>) -> Result<Vec<(u64, u64)>, SnapshotError> {
    let count = r.count(MIN_RANGE_BYTES)?;
    let mut ranges = Vec::with_capacity(count);
    let mut next_free = 0u64;
    for _ in 0..count {
        let start = next_free.checked_add(r.varint()?).ok_or_else(beyond)?;
        let width = r.varint()?.checked_add(1).ok_or_else(beyond)?;
        next_free = start.checked_add(width).and_then(|end| end.checked_add(1)).ok_or_else(beyond)?;
        ranges.push((start, width));
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Result<SnapshotIndex, SnapshotError> {
        let bottom = Layer {
            transform: Transform::default(),
            tiles: BTreeMap::from([
                (TileKey { tile_row: 0, tile_col: 0 }, "snapshots/10/0-0".to_owned()),
                (TileKey { tile_row: 0, tile_col: 3 }, "snapshots/10/0-3".to_owned()),
                (TileKey { tile_row: 5, tile_col: 1 }, "snapshots/10/5-1".to_owned()),
            ]),
        };
        let top = Layer {
            transform: Transform {
                rows: AxisTransform::from_ranges(&[], &[(1, 1)])?,
                cols: AxisTransform::from_ranges(&[(2, 1), (9, 4)], &[(0, 3)])?,
            },
            tiles: BTreeMap::from([(TileKey { tile_row: 0, tile_col: 0 }, "snapshots/20/0-0".to_owned())]),
        };
        Ok(SnapshotIndex {
            seq: 20,
            row_count: 321,
            col_count: 12,
            tile_size: TileSize::DEFAULT,
            layers: vec![bottom, top],
            sizes: SheetSizes::default(),
        })
    }

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = wire::start(INDEX_MAGIC, INDEX_FORMAT_V1);
        out.extend_from_slice(body);
        wire::finish(out)
    }

    #[test]
    fn round_trip() -> Result<(), SnapshotError> {
        let index = sample()?;
        assert_eq!(index.validate(), Ok(()));
        let bytes = encode_index(&index);
        assert_eq!(&bytes[..5], b"SLIX\x01");
        assert_eq!(decode_index(&bytes), Ok(index));
        Ok(())
    }

    #[test]
    fn empty_sheet_has_no_layers() -> Result<(), SnapshotError> {
        let index = SnapshotIndex {
            seq: 0,
            row_count: 0,
            col_count: 0,
            tile_size: TileSize::new(4, 4)?,
            layers: vec![],
            sizes: SheetSizes::default(),
        };
        let bytes = encode_index(&index);
        assert_eq!(bytes, framed(&[0, 0, 0, 4, 4, 0]));
        assert_eq!(decode_index(&bytes), Ok(index));
        Ok(())
    }

    #[test]
    fn pinned_bytes_of_a_small_index() -> Result<(), SnapshotError> {
        // A blob written by version 1: if this test has to change, stored indexes break.
        let layer = Layer {
            transform: Transform {
                rows: AxisTransform::from_ranges(&[(3, 2), (7, 1)], &[])?,
                cols: AxisTransform::identity(),
            },
            tiles: BTreeMap::from([
                (TileKey { tile_row: 0, tile_col: 1 }, "a/b".to_owned()),
                (TileKey { tile_row: 0, tile_col: 4 }, "c".to_owned()),
            ]),
        };
        let layers = vec![Layer::default(), layer];
        let index = SnapshotIndex {
            seq: 300,
            row_count: 9,
            col_count: 5,
            tile_size: TileSize::new(4, 2)?,
            layers,
            sizes: SheetSizes::default(),
        };
        let body = [
            0xac, 0x02, 9, 5, 4, 2, 2, // seq 300, counts, size, two layers
            0, 0, 0, 0, 0, // bottom layer: identity, no tiles
            2, 3, 1, 1, 0, 0, 0, 0, // rows: deleted (3, 2) then gap 7 - 6 = 1, width 1; cols identity
            2, 0, 1, 3, b'a', b'/', b'b', 0, 2, 1, b'c', // tiles (0, 1) and (0, 4)
        ];
        let bytes = encode_index(&index);
        assert_eq!(bytes, framed(&body));
        assert_eq!(decode_index(&bytes), Ok(index));
        Ok(())
    }

    #[test]
    fn pinned_bytes_of_an_index_with_sizes() -> Result<(), SnapshotError> {
        // Version 2: if this test has to change, stored indexes break.
        use crate::model::SizeRun;
        let rows = ItemSizes::default().with(SizeRun { start: 2, count: 3, size: Some(45) });
        let cols = ItemSizes::default().with(SizeRun { start: 0, count: 1, size: Some(200) }).with(SizeRun {
            start: 1,
            count: 1,
            size: Some(20),
        });
        let sizes = SheetSizes { rows, cols };
        let index = SnapshotIndex {
            seq: 1,
            row_count: 0,
            col_count: 0,
            tile_size: TileSize::new(4, 4)?,
            layers: vec![],
            sizes,
        };
        let body = [
            1, 0, 0, 4, 4, 0, // seq 1, empty sheet, no layers
            1, 2, 2, 45, // rows: one run, start 2, count 3, 45 px
            2, 0, 0, 0xc8, 0x01, 0, 0, 20, // columns: 0 at 200 px, 1 at 20 px
        ];
        let mut expected = wire::start(INDEX_MAGIC, 2);
        expected.extend_from_slice(&body);
        let bytes = encode_index(&index);
        assert_eq!(bytes, wire::finish(expected));
        assert_eq!(decode_index(&bytes), Ok(index));
        // A version 2 index without sizes is not canonical.
        let mut empty = wire::start(INDEX_MAGIC, 2);
        empty.extend_from_slice(&[1, 0, 0, 4, 4, 0, 0, 0]);
        assert!(matches!(decode_index(&wire::finish(empty)), Err(SnapshotError::BadSizes { .. })));
        Ok(())
    }

    #[test]
    fn validate_refuses_what_cannot_be_stored() -> Result<(), SnapshotError> {
        let mut index = sample()?;
        index.row_count = MAX_INDEX + 2;
        assert_eq!(index.validate(), Err(SnapshotError::CountTooLarge { what: "row count", count: MAX_INDEX + 2 }));
        assert!(decode_index(&encode_index(&index)).is_err());

        let mut index = sample()?;
        index.layers.remove(0);
        assert!(matches!(index.validate(), Err(SnapshotError::BadTransform { .. })));
        assert!(decode_index(&encode_index(&index)).is_err());

        let mut index = sample()?;
        let far = TileKey { tile_row: 1 << 50, tile_col: 0 };
        index.layers[1].tiles.insert(far, "x".to_owned());
        assert_eq!(index.validate(), Err(SnapshotError::TileOutOfRange { tile_row: 1 << 50, tile_col: 0 }));
        assert!(decode_index(&encode_index(&index)).is_err());
        Ok(())
    }

    #[test]
    fn rejects_damage_in_the_body_by_checksum() -> Result<(), SnapshotError> {
        let bytes = encode_index(&sample()?);
        for i in wire::HEADER_LEN..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] = damaged[i].wrapping_add(1);
            assert!(matches!(decode_index(&damaged), Err(SnapshotError::ChecksumMismatch { .. })), "byte {i}");
        }
        assert!(matches!(decode_index(&bytes[..bytes.len() - 1]), Err(SnapshotError::ChecksumMismatch { .. })));
        assert!(matches!(crate::snapshot::decode_tile(&bytes), Err(SnapshotError::BadMagic { .. })));
        Ok(())
    }

    #[test]
    fn rejects_bad_bodies() {
        let cases: [(&[u8], SnapshotError); 5] = [
            (&[0, 0, 0, 4, 4, 1, 0, 0, 0, 0, 0, 9], SnapshotError::TrailingBytes { offset: 20, extra: 1 }),
            (&[0, 0, 0, 0, 4, 0], SnapshotError::BadTileSize { rows: 0, cols: 4 }),
            (&[0, 0, 0, 4, 4, 9, 0, 0, 0, 0, 0], SnapshotError::LengthTooLarge { length: 9, remaining: 5, offset: 14 }),
            (
                &[0, 0, 0, 4, 4, 1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0, 0, 0],
                SnapshotError::BadTransform { reason: "a range ends beyond 2^63" },
            ),
            (&[0, 0, 0, 4, 4, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0xff], SnapshotError::InvalidUtf8 { offset: 23 }),
        ];
        for (body, expected) in cases {
            assert_eq!(decode_index(&framed(body)), Err(expected), "{body:?}");
        }
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let mut body = vec![0, 0, 0, 4, 4];
        put_varint(&mut body, 1 << 40);
        assert!(matches!(decode_index(&framed(&body)), Err(SnapshotError::LengthTooLarge { .. })));
        let mut body = vec![0, 0, 0, 4, 4, 1, 0, 0, 0, 0];
        put_varint(&mut body, 1 << 40);
        assert!(matches!(decode_index(&framed(&body)), Err(SnapshotError::LengthTooLarge { .. })));
    }
}
