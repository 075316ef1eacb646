//! [`SnapshotError`]: why a tile or snapshot index could not be built or decoded, or why a
//! transform was refused.
//!
//! Following the house style (redb's `error.rs`), this is one `#[non_exhaustive]` enum for the
//! family of snapshot operations. Every variant carries the data that was wrong; byte offsets
//! are positions in the whole blob, counting from its first magic byte.

use crate::model::ValidationError;

/// A tile or snapshot index that cannot be built, a blob that cannot be decoded, or a transform
/// that breaks its invariants. New variants may be added, so match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The blob does not start with the magic bytes of the expected format.
    #[error("blob starts with {found:?}, not the magic bytes {expected:?}")]
    BadMagic {
        /// The magic bytes of the format the caller asked for (`b"SLTL"` or `b"SLIX"`).
        expected: [u8; 4],
        /// The first bytes of the blob (fewer than four when the blob is shorter).
        found: Vec<u8>,
    },
    /// The format version byte names a version this build does not read.
    #[error("{what} format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// Which format: `"tile"` or `"snapshot index"`.
        what: &'static str,
        /// The version byte found.
        found: u8,
        /// The version this build reads.
        supported: u8,
    },
    /// The CRC-32 stored in the header does not match the bytes after it: the blob is damaged.
    #[error("checksum mismatch: the blob stores {stored:#010x} but its contents give {computed:#010x}")]
    ChecksumMismatch {
        /// The checksum stored in the header.
        stored: u32,
        /// The checksum of the bytes after the header.
        computed: u32,
    },
    /// The blob ended in the middle of a field.
    #[error("blob ends early at byte {offset}")]
    Truncated {
        /// Where the blob ended.
        offset: usize,
    },
    /// A count or length claims more than the remaining bytes could hold; nothing was allocated.
    #[error("length {length} at byte {offset} exceeds what the {remaining} bytes left can hold")]
    LengthTooLarge {
        /// The count or length claimed.
        length: u64,
        /// Bytes left in the blob after the count.
        remaining: usize,
        /// Where the count starts.
        offset: usize,
    },
    /// A string is not valid UTF-8.
    #[error("text at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Where the string's bytes start.
        offset: usize,
    },
    /// A tag byte has no meaning at this position.
    #[error("unknown {what} tag {tag} at byte {offset}")]
    UnknownTag {
        /// Which field the tag belongs to, e.g. `"cell value"`.
        what: &'static str,
        /// The tag byte found.
        tag: u8,
        /// Where it was found.
        offset: usize,
    },
    /// A varint is longer than 10 bytes or does not fit in 64 bits.
    #[error("integer at byte {offset} overflows 64 bits")]
    VarintOverflow {
        /// Where the integer starts.
        offset: usize,
    },
    /// The bytes describe valid data but not in the one encoding the encoder writes (an overlong
    /// varint, an unsorted or duplicated table, an unused table entry, ...).
    #[error("{what} at byte {offset} is not in canonical form")]
    NotCanonical {
        /// What is not canonical, e.g. `"string table order"`.
        what: &'static str,
        /// Where the offending field starts.
        offset: usize,
    },
    /// A reference into a string or format table names an entry the table does not have.
    #[error("{what} index {index} at byte {offset} is out of range; the table has {len} entries")]
    TableIndexOutOfRange {
        /// Which table: `"string table"` or `"format table"`.
        what: &'static str,
        /// The index found.
        index: u64,
        /// Entries in the table.
        len: usize,
        /// Where the index starts.
        offset: usize,
    },
    /// A cell offset lies outside the tile's rectangle.
    #[error("cell offset ({row_offset}, {col_offset}) is outside a tile of {rows} rows by {cols} columns")]
    OffsetOutsideTile {
        /// The row offset within the tile (0-based).
        row_offset: u64,
        /// The column offset within the tile (0-based).
        col_offset: u64,
        /// Rows in the tile.
        rows: u32,
        /// Columns in the tile.
        cols: u32,
    },
    /// A tile size outside `1..=4_096` rows or columns (see
    /// [`MAX_TILE_SIDE`](crate::snapshot::MAX_TILE_SIDE)).
    #[error("tile size {rows} x {cols} is invalid; rows and columns must each be 1 to 4096")]
    BadTileSize {
        /// The rows asked for.
        rows: u64,
        /// The columns asked for.
        cols: u64,
    },
    /// A tile whose top-left cell lies beyond [`MAX_INDEX`](crate::model::MAX_INDEX): no cell of
    /// the sheet can be in it.
    #[error("tile ({tile_row}, {tile_col}) lies beyond the last row or column of the sheet")]
    TileOutOfRange {
        /// The tile's row coordinate (`row / tile rows`).
        tile_row: u64,
        /// The tile's column coordinate (`col / tile columns`).
        tile_col: u64,
    },
    /// A row or column count larger than `MAX_INDEX + 1` (2^53).
    #[error("{what} {count} is too large; the limit is 2^53")]
    CountTooLarge {
        /// Which count: `"row count"` or `"column count"`.
        what: &'static str,
        /// The count found.
        count: u64,
    },
    /// Ranges that do not form a valid transform.
    #[error("invalid transform: {reason}")]
    BadTransform {
        /// What is wrong, e.g. `"a range has width 0"`.
        reason: &'static str,
    },
    /// Row heights or column widths that are not in normal form.
    #[error("invalid item sizes: {reason}")]
    BadSizes {
        /// What is wrong, e.g. `"runs overlap"`.
        reason: &'static str,
    },
    /// Bytes remain after a complete blob.
    #[error("{extra} unexpected bytes after the blob's contents at byte {offset}")]
    TrailingBytes {
        /// Where the complete contents ended.
        offset: usize,
        /// How many bytes follow them.
        extra: usize,
    },
    /// A value, format or index breaks a limit no stored cell can break.
    #[error("invalid cell content: {0}")]
    Invalid(#[from] ValidationError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_message_with_its_data() {
        let all = [
            (SnapshotError::BadMagic { expected: *b"SLTL", found: b"SL".to_vec() }, "[83, 76]"),
            (SnapshotError::UnsupportedVersion { what: "tile", found: 9, supported: 1 }, "tile format version 9"),
            (SnapshotError::ChecksumMismatch { stored: 1, computed: 0xabcd }, "0x0000abcd"),
            (SnapshotError::Truncated { offset: 17 }, "17"),
            (SnapshotError::LengthTooLarge { length: 1 << 40, remaining: 3, offset: 12 }, "1099511627776"),
            (SnapshotError::InvalidUtf8 { offset: 5 }, "byte 5"),
            (SnapshotError::UnknownTag { what: "cell value", tag: 7, offset: 30 }, "cell value tag 7"),
            (SnapshotError::VarintOverflow { offset: 11 }, "byte 11"),
            (SnapshotError::NotCanonical { what: "string table order", offset: 20 }, "string table order"),
            (
                SnapshotError::TableIndexOutOfRange { what: "format table", index: 4, len: 2, offset: 40 },
                "has 2 entries",
            ),
            (SnapshotError::OffsetOutsideTile { row_offset: 4, col_offset: 0, rows: 4, cols: 4 }, "(4, 0)"),
            (SnapshotError::BadTileSize { rows: 0, cols: 16 }, "0 x 16"),
            (SnapshotError::TileOutOfRange { tile_row: 1 << 60, tile_col: 0 }, "1152921504606846976"),
            (SnapshotError::CountTooLarge { what: "row count", count: 1 << 54 }, "row count 18014398509481984"),
            (SnapshotError::BadTransform { reason: "a range has width 0" }, "width 0"),
            (SnapshotError::TrailingBytes { offset: 9, extra: 2 }, "2 unexpected bytes"),
            (SnapshotError::Invalid(ValidationError::EmptyFormat), "format is empty"),
        ];
        for (error, needle) in all {
            let message = error.to_string();
            assert!(message.contains(needle), "{error:?} has message {message:?}");
        }
    }
}
