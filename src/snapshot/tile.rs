//! Tiles: [`TileSize`], [`TileKey`], [`Tile`], and the tile blob format ([`encode_tile`],
//! [`decode_tile`]).
//!
//! A tile is a fixed rectangle of cells written as one blob; cells are addressed by their
//! offset from the tile's top-left cell. Layout (integers are minimal unsigned LEB128 varints
//! unless said otherwise; no `usize` on the wire):
//!
//! ```text
//! tile    = "SLTL" version:u8(=1) crc32:u32-LE body    the CRC-32 covers exactly `body`
//! body    = tile_row tile_col rows cols strings formats cells
//! strings = count string*count     every distinct text value, sorted by bytes, each used
//! formats = count string*count     every distinct format, sorted by bytes, each used
//! string  = byte-length UTF-8
//! cells   = count cell*count       in (row offset, col offset) order
//! cell    = row col value format
//!   row   = row offset minus the previous cell's row offset (first cell: the row offset)
//!   col   = the col offset if `row` is not 0 or this is the first cell,
//!           else col offset minus the previous cell's col offset minus 1
//! value   = 0 (no value) | 1 (explicit empty) | 2 string-index (text) | 3 f64-LE (number)
//!         | 4 (false) | 5 (true) | 6 code:u8 (error, ErrorCode::to_byte)
//! format  = 0 (no format) | format-index + 1
//! ```
//!
//! A text shared by many cells is stored once. The encoding is canonical: [`encode_tile`] has
//! one output per tile, and [`decode_tile`] accepts nothing else (minimal varints, sorted tables
//! without duplicates or unused entries, positions that are strictly increasing by
//! construction), so `encode_tile(&decode_tile(b)?) == b` for every blob that decodes.
//!
//! [`decode_tile`] never panics. It checks magic, version and checksum before parsing the body,
//! and every count against the bytes left before allocating (each table entry takes at least 1
//! byte, each cell at least 4), so the tables and cells it builds take a constant multiple of
//! the blob's length (a few dozen bytes of memory per blob byte at worst). Text and formats are
//! allocated once per table entry and shared by the cells that use them (`CellValue::Text` and
//! `Format` hold an `Rc<str>`), so cells sharing a long string cost a pointer each.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::cell::CellContent;
use super::error::SnapshotError;
use super::wire::{self, put_len, put_str, put_varint, PositionCodec, Reader};
use crate::model::{check_index, Axis, CellValue, ErrorCode, Format, MAX_INDEX};

/// The format version written by [`encode_tile`]; bump it when the layout changes and keep
/// decoding the old ones.
pub const TILE_FORMAT_VERSION: u8 = 1;

const TILE_MAGIC: [u8; 4] = *b"SLTL";

/// Largest number of rows or columns in a tile: 4,096. A tile's size comes from stored blobs and
/// from open options, so it must not let a few bytes demand a huge allocation; readers size
/// their per-tile structures from it (the engine's `LoadedTile` caps its dense table besides).
pub const MAX_TILE_SIDE: u32 = 4_096;

/// Smallest encoding of one cell: two position varints, a value tag, a format tag.
const MIN_CELL_BYTES: usize = 4;

/// The rows and columns of every tile of a snapshot, each 1 to [`MAX_TILE_SIDE`] (4,096).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileSize {
    rows: u32,
    cols: u32,
}

impl TileSize {
    /// 256 rows by 32 columns (8,192 cells): the grid of a sheet unless its options name
    /// another. A tile is the unit of a write and of a read, so its size sets how many records
    /// an import or a snapshot writes (one per tile: a stripe of 256 rows of up to 32 columns is
    /// one record) and how much a viewport loads (a screen of about 40 rows by 15 columns meets
    /// one to four tiles). The layer import of 6.4M cells ran 1.3-1.7 times faster in Chromium
    /// than with 64 x 16 tiles, whose 10,526 records cost more in IndexedDB's per-record work
    /// than in bytes (BENCHMARKS.md, "Stop 25").
    pub const DEFAULT: TileSize = TileSize { rows: 256, cols: 32 };

    /// A tile size of `rows` by `cols`.
    ///
    /// # Errors
    /// [`SnapshotError::BadTileSize`] unless both are in `1..=MAX_TILE_SIDE` (1 to 4,096).
    pub fn new(rows: u32, cols: u32) -> Result<TileSize, SnapshotError> {
        let side = 1..=MAX_TILE_SIDE;
        if side.contains(&rows) && side.contains(&cols) {
            Ok(TileSize { rows, cols })
        } else {
            Err(SnapshotError::BadTileSize { rows: rows.into(), cols: cols.into() })
        }
    }

    /// Rows per tile.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Columns per tile.
    pub fn cols(&self) -> u32 {
        self.cols
    }

    /// The tile holding the cell at 0-based `(row, col)`.
    pub fn tile_of(&self, row: u64, col: u64) -> TileKey {
        TileKey { tile_row: row / u64::from(self.rows), tile_col: col / u64::from(self.cols) }
    }

    /// The 0-based (row, column) of the top-left cell of tile `key`. Saturates at `u64::MAX`
    /// for keys far beyond the sheet (see [`SnapshotError::TileOutOfRange`]).
    pub fn origin(&self, key: TileKey) -> (u64, u64) {
        (key.tile_row.saturating_mul(u64::from(self.rows)), key.tile_col.saturating_mul(u64::from(self.cols)))
    }

    /// Whether the top-left cell of `key` is on the sheet (at most [`MAX_INDEX`] on each axis).
    pub(super) fn check_key(&self, key: TileKey) -> Result<(), SnapshotError> {
        let (row, col) = self.origin(key);
        if row <= MAX_INDEX && col <= MAX_INDEX {
            Ok(())
        } else {
            Err(SnapshotError::TileOutOfRange { tile_row: key.tile_row, tile_col: key.tile_col })
        }
    }
}

/// A tile's coordinates: `row / size.rows()` and `col / size.cols()` of any cell in it. Ordered
/// by row, then column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileKey {
    /// The tile's row coordinate.
    pub tile_row: u64,
    /// The tile's column coordinate.
    pub tile_col: u64,
}

/// The cells of one tile of one layer, by offset from the tile's top-left cell.
///
/// Every cell it holds is valid (see [`Tile::set`]); it may hold tombstones, which mask older
/// layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    key: TileKey,
    size: TileSize,
    cells: BTreeMap<(u32, u32), CellContent>,
}

impl Tile {
    /// An empty tile. `key` should come from [`TileSize::tile_of`] for a cell of the sheet: a
    /// tile beyond [`MAX_INDEX`] can hold no cells and [`decode_tile`] refuses its blob.
    pub fn new(key: TileKey, size: TileSize) -> Tile {
        Tile { key, size, cells: BTreeMap::new() }
    }

    /// A tile holding `cells`, given in increasing `(row_offset, col_offset)` order (a bulk
    /// build, `O(n)`; other orders are accepted and sorted). A later entry for the same offsets
    /// replaces an earlier one.
    ///
    /// # Errors
    /// As [`Tile::set`], for the first bad cell.
    pub fn from_cells(
        key: TileKey,
        size: TileSize,
        cells: impl IntoIterator<Item = ((u32, u32), CellContent)>,
    ) -> Result<Tile, SnapshotError> {
        let probe = Tile::new(key, size);
        let mut checked = Vec::new();
        for (offsets, content) in cells {
            probe.check_cell(offsets, &content)?;
            checked.push((offsets, content));
        }
        Ok(Tile { key, size, cells: checked.into_iter().collect() })
    }

    /// The tile's coordinates.
    pub fn key(&self) -> TileKey {
        self.key
    }

    /// The tile's size.
    pub fn size(&self) -> TileSize {
        self.size
    }

    /// The content of the cell at `(row_offset, col_offset)` from the top-left cell, if this
    /// tile has an entry for it.
    pub fn get(&self, row_offset: u32, col_offset: u32) -> Option<&CellContent> {
        self.cells.get(&(row_offset, col_offset))
    }

    /// Sets the content of the cell at `(row_offset, col_offset)`, replacing any entry. A
    /// tombstone ([`CellContent::tombstone`]) is stored like any other content.
    ///
    /// # Errors
    /// Nothing changes on error:
    /// - [`SnapshotError::OffsetOutsideTile`] if an offset is not below the tile's size;
    /// - [`SnapshotError::Invalid`] with [`IndexTooLarge`](crate::model::ValidationError::IndexTooLarge)
    ///   if the cell's row or column is beyond [`MAX_INDEX`], or with the value's own error if
    ///   the value fails [`CellValue::validate`].
    pub fn set(&mut self, row_offset: u32, col_offset: u32, content: CellContent) -> Result<(), SnapshotError> {
        self.check_cell((row_offset, col_offset), &content)?;
        self.cells.insert((row_offset, col_offset), content);
        Ok(())
    }

    /// Removes the entry for the cell at `(row_offset, col_offset)`, returning it. Removing is
    /// not clearing: afterwards this tile says nothing about the cell (to mask older layers,
    /// [`set`](Tile::set) a tombstone instead).
    pub fn remove(&mut self, row_offset: u32, col_offset: u32) -> Option<CellContent> {
        self.cells.remove(&(row_offset, col_offset))
    }

    /// Every entry as `((row_offset, col_offset), content)`, in (row, col) order.
    pub fn cells(&self) -> impl Iterator<Item = ((u32, u32), &CellContent)> {
        self.cells.iter().map(|(&offsets, content)| (offsets, content))
    }

    /// Number of entries (tombstones included).
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the tile has no entries.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Checks what [`Tile::set`] checks: offsets inside the tile naming a cell of the sheet, and
    /// a valid value.
    fn check_cell(&self, (row_offset, col_offset): (u32, u32), content: &CellContent) -> Result<(), SnapshotError> {
        self.check_offsets(row_offset.into(), col_offset.into())?;
        if let Some(value) = &content.value {
            value.validate()?;
        }
        Ok(())
    }

    /// Checks that offsets are inside the tile and name a cell of the sheet; returns them as
    /// `u32`.
    fn check_offsets(&self, row_offset: u64, col_offset: u64) -> Result<(u32, u32), SnapshotError> {
        let (rows, cols) = (self.size.rows, self.size.cols);
        let outside = SnapshotError::OffsetOutsideTile { row_offset, col_offset, rows, cols };
        let (Ok(r), Ok(c)) = (u32::try_from(row_offset), u32::try_from(col_offset)) else {
            return Err(outside);
        };
        if r >= rows || c >= cols {
            return Err(outside);
        }
        let (origin_row, origin_col) = self.size.origin(self.key);
        check_index(Axis::Row, origin_row.saturating_add(row_offset))?;
        check_index(Axis::Column, origin_col.saturating_add(col_offset))?;
        Ok((r, c))
    }
}

/// Encodes `tile` as a tile blob (layout in the module docs).
pub fn encode_tile(tile: &Tile) -> Vec<u8> {
    encode_entries(
        tile.key,
        tile.size,
        tile.cells.len(),
        tile.cells.iter().map(|(&offsets, content)| (offsets, content)),
    )
}

/// The blob [`encode_tile`] gives for the tile `key` of `size` holding, at each offset of the
/// rectangle `rows` x `cols` (offsets in the tile), the content `slots[row * size.cols() + col]`,
/// or a tombstone where that is `None` or past the end of `slots` (a slice that may be empty):
/// the tile of a layer import's rectangle, where an empty field replaces what lies below (issue 9,
/// "import as a snapshot layer"). Encoded straight from `slots`, row-major, without building a
/// [`Tile`] or moving any content.
///
/// # Errors
/// As [`Tile::from_cells`] of those cells in row-major order, for the first bad cell: an offset
/// outside the tile or past the sheet's last index, or an invalid value.
pub fn encode_tile_rect(
    key: TileKey,
    size: TileSize,
    rows: std::ops::Range<u32>,
    cols: std::ops::Range<u32>,
    slots: &[Option<CellContent>],
) -> Result<Vec<u8>, SnapshotError> {
    let probe = Tile::new(key, size);
    let tombstone = CellContent::tombstone();
    let width = size.cols as usize;
    let at = |(row, col): (u32, u32)| {
        let slot = (row as usize).saturating_mul(width).saturating_add(col as usize);
        slots.get(slot).and_then(Option::as_ref).unwrap_or(&tombstone)
    };
    let offsets = rows.clone().flat_map(|row| cols.clone().map(move |col| (row, col)));
    // Every offset of the rectangle is inside the tile and the sheet when its last (the largest
    // row and column) is: then only the values need a check; else each cell, to report the
    // first bad one as `Tile::from_cells` does.
    let inside =
        rows.is_empty() || cols.is_empty() || probe.check_offsets((rows.end - 1).into(), (cols.end - 1).into()).is_ok();
    for row in rows.clone() {
        for col in cols.clone() {
            let content = at((row, col));
            if !inside {
                probe.check_cell((row, col), content)?;
            } else if let Some(value) = &content.value {
                value.validate()?;
            }
        }
    }
    let len = rows.len().saturating_mul(cols.len());
    Ok(encode_entries(key, size, len, offsets.map(|offsets| (offsets, at(offsets)))))
}

/// Encodes the `len` entries of `cells`, valid and in strictly increasing (row, col) order, as
/// the blob of tile `key` of `size`.
fn encode_entries<'c>(
    key: TileKey,
    size: TileSize,
    len: usize,
    cells: impl Iterator<Item = ((u32, u32), &'c CellContent)> + Clone,
) -> Vec<u8> {
    // Both string tables in one pass over the cells.
    let (mut texts, mut formats) = (StringTable::default(), StringTable::default());
    for (_, content) in cells.clone() {
        if let Some(CellValue::Text(text)) = &content.value {
            texts.add(text);
        }
        if let Some(format) = &content.format {
            formats.add(format.as_str());
        }
    }
    let (texts, formats) = (texts.sort(), formats.sort());
    let mut out = wire::start(TILE_MAGIC, TILE_FORMAT_VERSION);
    // Room for all of it at once (at most 12 bytes a cell: position, tag, a number, a format),
    // rather than growing by copies.
    let table_bytes: usize = texts.sorted.iter().chain(&formats.sorted).map(|s| s.len() + 3).sum();
    out.reserve(32 + table_bytes + len.saturating_mul(12));
    put_varint(&mut out, key.tile_row);
    put_varint(&mut out, key.tile_col);
    put_varint(&mut out, size.rows.into());
    put_varint(&mut out, size.cols.into());
    texts.put(&mut out);
    formats.put(&mut out);
    put_len(&mut out, len);
    let (mut text_indexes, mut format_indexes) = (texts.indexes.iter(), formats.indexes.iter());
    let mut positions = PositionCodec::default();
    for ((row, col), content) in cells {
        positions.put(&mut out, row.into(), col.into());
        match &content.value {
            None => out.push(0),
            Some(CellValue::Empty) => out.push(1),
            Some(CellValue::Text(_)) => {
                out.push(2);
                put_varint(&mut out, text_indexes.next().copied().unwrap_or_default().into());
            }
            Some(CellValue::Number(n)) => {
                out.push(3);
                out.extend_from_slice(&n.to_le_bytes());
            }
            Some(CellValue::Boolean(b)) => out.push(if *b { 5 } else { 4 }),
            Some(CellValue::Error(code)) => {
                out.push(6);
                out.push(code.to_byte());
            }
        }
        match &content.format {
            None => out.push(0),
            Some(_) => put_varint(&mut out, u64::from(format_indexes.next().copied().unwrap_or_default()) + 1),
        }
    }
    wire::finish(out)
}

/// A tile's string table (of texts or of formats): its distinct strings, sorted (the order the
/// format requires), and for each occurrence, in the order added, its index in the table.
/// Distinct strings are found first, by hash, so that only they are sorted: a tile's column
/// often repeats a few strings (issue 9: sorting every occurrence was 5% of a layer import).
/// Built by [`Self::add`] for each occurrence, then [`Self::sort`].
#[derive(Default)]
struct StringTable<'t> {
    /// The distinct strings, in the order first added until [`Self::sort`], sorted after.
    sorted: Vec<&'t str>,
    /// Each occurrence's slot in `sorted`.
    indexes: Vec<u32>,
    /// Slots by string, while adding.
    slots: FxHashMap<&'t str, u32>,
}

impl<'t> StringTable<'t> {
    /// Adds an occurrence of `s`.
    fn add(&mut self, s: &'t str) {
        let distinct = &mut self.sorted;
        let slot = *self.slots.entry(s).or_insert_with(|| {
            distinct.push(s);
            // At most a tile's cells: 4,096^2 = 2^24 at the largest tile size.
            (distinct.len() - 1) as u32
        });
        self.indexes.push(slot);
    }

    /// Sorts the distinct strings and renumbers the occurrences to match.
    fn sort(mut self) -> Self {
        let distinct = std::mem::take(&mut self.sorted);
        let mut order: Vec<u32> = (0..distinct.len() as u32).collect();
        order.sort_unstable_by_key(|&slot| distinct[slot as usize]);
        let mut rank = vec![0u32; distinct.len()];
        for (sorted_at, &slot) in order.iter().enumerate() {
            rank[slot as usize] = sorted_at as u32;
        }
        for index in &mut self.indexes {
            *index = rank[*index as usize];
        }
        self.sorted = order.iter().map(|&slot| distinct[slot as usize]).collect();
        self.slots = FxHashMap::default();
        self
    }

    /// Writes the table: its length, then each string.
    fn put(&self, out: &mut Vec<u8>) {
        put_len(out, self.sorted.len());
        for s in &self.sorted {
            put_str(out, s);
        }
    }
}

/// Decodes a blob written by [`encode_tile`].
///
/// # Errors
/// A [`SnapshotError`] for any input that is not exactly the canonical encoding of a valid tile:
/// wrong magic, unknown version, checksum mismatch (checked before anything else is parsed),
/// truncation, counts larger than the blob, bad UTF-8, unknown tags, table indexes out of range,
/// unsorted, duplicated or unused table entries, offsets outside the tile, invalid values or
/// formats, trailing bytes. Never panics.
pub fn decode_tile(bytes: &[u8]) -> Result<Tile, SnapshotError> {
    let mut r = wire::open(bytes, TILE_MAGIC, TILE_FORMAT_VERSION, "tile")?;
    let key = TileKey { tile_row: r.varint()?, tile_col: r.varint()? };
    let (rows, cols) = (r.varint()?, r.varint()?);
    let size = match (u32::try_from(rows), u32::try_from(cols)) {
        (Ok(rows), Ok(cols)) => TileSize::new(rows, cols)?,
        _ => return Err(SnapshotError::BadTileSize { rows, cols }),
    };
    size.check_key(key)?;
    let text = |s: String| {
        let text = CellValue::Text(s.into());
        text.validate()?;
        Ok(text)
    };
    let mut texts = Table::read(&mut r, 1, "string table", text, text_key)?;
    let mut formats = Table::read(&mut r, 2, "format table", |s| Ok(Format::new(s)?), Format::as_str)?;

    let mut tile = Tile::new(key, size);
    let count = r.count(MIN_CELL_BYTES)?;
    let mut positions = PositionCodec::default();
    for _ in 0..count {
        let offsets = positions.get(&mut r)?.unwrap_or((u64::MAX, u64::MAX));
        let offsets = tile.check_offsets(offsets.0, offsets.1)?;
        let value = read_value(&mut r, &mut texts)?;
        let format_at = r.pos();
        let format = match r.varint()? {
            0 => None,
            i => Some(formats.take(i - 1, format_at)?),
        };
        tile.cells.insert(offsets, CellContent { value, format });
    }
    texts.check_all_used()?;
    formats.check_all_used()?;
    r.end()?;
    Ok(tile)
}

/// The string a text table entry was made from.
fn text_key(value: &CellValue) -> &str {
    match value {
        CellValue::Text(s) => s,
        _ => "",
    }
}

fn read_value(r: &mut Reader<'_>, texts: &mut Table<CellValue>) -> Result<Option<CellValue>, SnapshotError> {
    let tag_at = r.pos();
    let value = match r.byte()? {
        0 => return Ok(None),
        1 => CellValue::Empty,
        2 => {
            let at = r.pos();
            let index = r.varint()?;
            texts.take(index, at)?
        }
        3 => {
            let number = CellValue::Number(f64::from_le_bytes(r.array::<8>()?));
            number.validate()?;
            number
        }
        4 => CellValue::Boolean(false),
        5 => CellValue::Boolean(true),
        6 => {
            let at = r.pos();
            let b = r.byte()?;
            let code =
                ErrorCode::from_byte(b).ok_or(SnapshotError::UnknownTag { what: "error code", tag: b, offset: at })?;
            CellValue::Error(code)
        }
        tag => return Err(SnapshotError::UnknownTag { what: "cell value", tag, offset: tag_at }),
    };
    Ok(Some(value))
}

/// A decoded string or format table: its entries, where each starts, and which cells used.
struct Table<T> {
    what: &'static str,
    entries: Vec<(T, usize, bool)>,
}

impl<T: Clone> Table<T> {
    /// Reads `count string*count`, converting each string with `convert` and checking, through
    /// `key` (the string an entry was made from), that they are strictly increasing: sorted,
    /// without duplicates.
    fn read(
        r: &mut Reader<'_>,
        min_item_bytes: usize,
        what: &'static str,
        convert: impl Fn(String) -> Result<T, SnapshotError>,
        key: fn(&T) -> &str,
    ) -> Result<Table<T>, SnapshotError> {
        let count = r.count(min_item_bytes)?;
        let mut entries: Vec<(T, usize, bool)> = Vec::with_capacity(count);
        for _ in 0..count {
            let at = r.pos();
            let s = r.string()?;
            if entries.last().is_some_and(|(prev, _, _)| key(prev) >= s.as_str()) {
                return Err(SnapshotError::NotCanonical { what: "table order (sorted, no duplicates)", offset: at });
            }
            entries.push((convert(s)?, at, false));
        }
        Ok(Table { what, entries })
    }

    /// A copy of entry `index`, marking it used; `at` is where the index was read.
    fn take(&mut self, index: u64, at: usize) -> Result<T, SnapshotError> {
        let len = self.entries.len();
        let entry = usize::try_from(index).ok().and_then(|i| self.entries.get_mut(i));
        let entry = entry.ok_or(SnapshotError::TableIndexOutOfRange { what: self.what, index, len, offset: at })?;
        entry.2 = true;
        Ok(entry.0.clone())
    }

    /// Fails on the first entry no cell used: the encoder never writes one.
    fn check_all_used(&self) -> Result<(), SnapshotError> {
        match self.entries.iter().find(|entry| !entry.2) {
            Some(&(_, offset, _)) => Err(SnapshotError::NotCanonical { what: "unused table entry", offset }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ValidationError;

    fn text(s: &str) -> CellContent {
        CellContent { value: Some(CellValue::Text(s.into())), format: None }
    }

    #[test]
    fn from_cells_builds_what_set_builds_and_refuses_what_set_refuses() -> Result<(), SnapshotError> {
        let (key, size) = (TileKey { tile_row: 3, tile_col: 1 }, TileSize::new(4, 4)?);
        let cells =
            vec![((0, 0), text("a")), ((0, 3), CellContent::tombstone()), ((2, 1), text("b")), ((0, 0), text("c"))];
        let mut by_set = Tile::new(key, size);
        for ((r, c), content) in cells.clone() {
            by_set.set(r, c, content)?;
        }
        assert_eq!(Tile::from_cells(key, size, cells)?, by_set, "a later entry for the same cell wins");
        let outside = Tile::from_cells(key, size, [((4, 0), text("x"))]);
        assert!(matches!(outside, Err(SnapshotError::OffsetOutsideTile { row_offset: 4, .. })), "{outside:?}");
        let long = CellContent { value: Some(CellValue::Text("x".repeat(40_000).into())), format: None };
        let invalid = Tile::from_cells(key, size, [((1, 1), long)]);
        assert!(matches!(invalid, Err(SnapshotError::Invalid(ValidationError::TextTooLong { .. }))), "{invalid:?}");
        Ok(())
    }

    fn sample() -> Result<Tile, SnapshotError> {
        let size = TileSize::new(4, 4)?;
        let mut tile = Tile::new(TileKey { tile_row: 3, tile_col: 1 }, size);
        tile.set(0, 0, text("shared"))?;
        tile.set(0, 3, text("shared"))?;
        tile.set(1, 2, CellContent { value: Some(CellValue::Number(-0.5)), format: Some(Format::new("0.00")?) })?;
        tile.set(2, 0, CellContent::tombstone())?;
        tile.set(2, 1, CellContent { value: Some(CellValue::Empty), format: None })?;
        tile.set(3, 0, CellContent { value: Some(CellValue::Boolean(true)), format: Some(Format::new("@")?) })?;
        tile.set(3, 1, CellContent { value: Some(CellValue::Boolean(false)), format: Some(Format::new("0.00")?) })?;
        tile.set(3, 3, CellContent { value: Some(CellValue::Error(ErrorCode::Div0)), format: None })?;
        tile.set(3, 2, CellContent { value: None, format: Some(Format::new("@")?) })?;
        Ok(tile)
    }

    /// Re-frames a body with a valid header, so tests can reach the checks after the checksum.
    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = wire::start(TILE_MAGIC, TILE_FORMAT_VERSION);
        out.extend_from_slice(body);
        wire::finish(out)
    }

    #[test]
    fn tile_size_limits() {
        assert!(TileSize::new(1, 1).is_ok());
        assert!(TileSize::new(4_096, 4_096).is_ok());
        assert_eq!(TileSize::new(0, 4), Err(SnapshotError::BadTileSize { rows: 0, cols: 4 }));
        assert_eq!(TileSize::new(4, 4_097), Err(SnapshotError::BadTileSize { rows: 4, cols: 4_097 }));
        assert_eq!(TileSize::new(65_536, 1), Err(SnapshotError::BadTileSize { rows: 65_536, cols: 1 }));
        assert_eq!(TileSize::new(u32::MAX, 1), Err(SnapshotError::BadTileSize { rows: u64::from(u32::MAX), cols: 1 }));
        assert_eq!((TileSize::DEFAULT.rows(), TileSize::DEFAULT.cols()), (256, 32));
    }

    #[test]
    fn tile_of_and_origin() {
        let size = TileSize::new(64, 16).unwrap();
        let key = size.tile_of(130, 15);
        assert_eq!(key, TileKey { tile_row: 2, tile_col: 0 });
        assert_eq!(size.origin(key), (128, 0));
        let last = size.tile_of(MAX_INDEX, MAX_INDEX);
        assert_eq!(size.origin(last), (MAX_INDEX - 63, MAX_INDEX - 15));
        assert_eq!(size.origin(TileKey { tile_row: u64::MAX, tile_col: 0 }), (u64::MAX, 0));
    }

    #[test]
    fn set_get_remove() -> Result<(), SnapshotError> {
        let mut tile = sample()?;
        assert_eq!(tile.len(), 9);
        assert_eq!(tile.get(0, 3), Some(&text("shared")));
        assert_eq!(tile.get(1, 1), None);
        assert!(tile.get(2, 0).is_some_and(CellContent::is_tombstone));
        assert_eq!(tile.remove(0, 3), Some(text("shared")));
        assert_eq!(tile.remove(0, 3), None);
        let order: Vec<(u32, u32)> = tile.cells().map(|(offsets, _)| offsets).collect();
        assert_eq!(order, [(0, 0), (1, 2), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (3, 3)]);
        Ok(())
    }

    #[test]
    fn set_refuses_bad_offsets_and_values() -> Result<(), SnapshotError> {
        let mut tile = Tile::new(TileKey { tile_row: 0, tile_col: 0 }, TileSize::new(4, 4)?);
        assert_eq!(
            tile.set(4, 0, text("x")),
            Err(SnapshotError::OffsetOutsideTile { row_offset: 4, col_offset: 0, rows: 4, cols: 4 })
        );
        let nan = CellContent { value: Some(CellValue::Number(f64::NAN)), format: None };
        assert!(matches!(tile.set(0, 0, nan), Err(SnapshotError::Invalid(ValidationError::NonFiniteNumber { .. }))));
        assert!(matches!(
            tile.set(0, 0, text(&"a".repeat(40_000))),
            Err(SnapshotError::Invalid(ValidationError::TextTooLong { .. }))
        ));
        assert!(tile.is_empty());
        Ok(())
    }

    #[test]
    fn set_refuses_cells_beyond_the_sheet() -> Result<(), SnapshotError> {
        // 2^53 is not a multiple of 3, so the last tile of 3 rows pokes past MAX_INDEX.
        let size = TileSize::new(3, 1)?;
        let key = size.tile_of(MAX_INDEX, 0);
        let mut tile = Tile::new(key, size);
        let (origin, _) = size.origin(key);
        let last = u32::try_from(MAX_INDEX - origin).unwrap_or(u32::MAX);
        assert!(tile.set(last, 0, text("edge")).is_ok());
        assert_eq!(
            tile.set(last + 1, 0, text("past")),
            Err(SnapshotError::Invalid(ValidationError::IndexTooLarge { axis: Axis::Row, index: MAX_INDEX + 1 }))
        );
        Ok(())
    }

    #[test]
    fn round_trip_and_shared_text_is_stored_once() -> Result<(), SnapshotError> {
        let tile = sample()?;
        let bytes = encode_tile(&tile);
        assert_eq!(&bytes[..5], b"SLTL\x01");
        assert_eq!(bytes.windows(6).filter(|w| w == b"shared").count(), 1);
        assert_eq!(bytes.windows(4).filter(|w| w == b"0.00").count(), 1);
        assert_eq!(decode_tile(&bytes), Ok(tile));
        Ok(())
    }

    #[test]
    fn empty_tile_round_trips() -> Result<(), SnapshotError> {
        let tile = Tile::new(TileKey { tile_row: 0, tile_col: 7 }, TileSize::DEFAULT);
        assert_eq!(decode_tile(&encode_tile(&tile)), Ok(tile));
        Ok(())
    }

    #[test]
    fn pinned_bytes_of_a_small_tile() -> Result<(), SnapshotError> {
        // A blob written by version 1: if this test has to change, stored tiles break.
        let mut tile = Tile::new(TileKey { tile_row: 1, tile_col: 2 }, TileSize::new(4, 4)?);
        tile.set(0, 1, text("hi"))?;
        tile.set(0, 3, CellContent { value: Some(CellValue::Boolean(true)), format: Some(Format::new("@")?) })?;
        tile.set(2, 0, text("hi"))?;
        let body = [
            1, 2, 4, 4, // key and size
            1, 2, b'h', b'i', // string table
            1, 1, b'@', // format table
            3,    // cells
            0, 1, 2, 0, 0, // (0, 1) text 0, no format
            0, 1, 5, 1, // (0, 3): same row, 3 - 1 - 1 = 1; true; format 0
            2, 0, 2, 0, 0, // (2, 0): row + 2, col 0; text 0
        ];
        let bytes = encode_tile(&tile);
        assert_eq!(bytes, framed(&body));
        let crc = crc32fast::hash(&body).to_le_bytes();
        assert_eq!(bytes[..9], [b'S', b'L', b'T', b'L', 1, crc[0], crc[1], crc[2], crc[3]]);
        assert_eq!(decode_tile(&bytes), Ok(tile));
        Ok(())
    }

    #[test]
    fn rejects_damage_in_the_body_by_checksum() -> Result<(), SnapshotError> {
        let bytes = encode_tile(&sample()?);
        for i in wire::HEADER_LEN..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x10;
            assert!(matches!(decode_tile(&damaged), Err(SnapshotError::ChecksumMismatch { .. })), "byte {i}");
        }
        Ok(())
    }

    #[test]
    fn rejects_non_canonical_bodies() {
        let unsorted = [0, 0, 4, 4, 2, 1, b'b', 1, b'a', 0, 2, 0, 0, 2, 1, 0, 0, 0, 2, 0, 0];
        assert!(matches!(decode_tile(&framed(&unsorted)), Err(SnapshotError::NotCanonical { offset: 16, .. })));
        let duplicate = [0, 0, 4, 4, 2, 1, b'a', 1, b'a', 0, 2, 0, 0, 2, 1, 0, 0, 0, 2, 0, 0];
        assert!(matches!(decode_tile(&framed(&duplicate)), Err(SnapshotError::NotCanonical { .. })));
        let unused = [0, 0, 4, 4, 2, 1, b'a', 1, b'b', 0, 1, 0, 0, 2, 0, 0];
        assert_eq!(
            decode_tile(&framed(&unused)),
            Err(SnapshotError::NotCanonical { what: "unused table entry", offset: 16 })
        );
        let overlong = [0x80, 0x00, 0, 4, 4, 0, 0, 0];
        assert!(matches!(decode_tile(&framed(&overlong)), Err(SnapshotError::NotCanonical { offset: 9, .. })));
    }

    #[test]
    fn rejects_bad_references_and_values() {
        type Check = fn(&SnapshotError) -> bool;
        let cases: [(&[u8], Check); 8] = [
            (&[0, 0, 4, 4, 0, 0, 1, 0, 0, 2, 0, 0], |e| matches!(e, SnapshotError::TableIndexOutOfRange { .. })),
            (&[0, 0, 4, 4, 0, 0, 1, 0, 0, 0, 1], |e| matches!(e, SnapshotError::TableIndexOutOfRange { .. })),
            (&[0, 0, 4, 4, 0, 0, 1, 4, 0, 0, 0], |e| matches!(e, SnapshotError::OffsetOutsideTile { .. })),
            (&[0, 0, 4, 4, 0, 0, 1, 0, 0, 7, 0], |e| matches!(e, SnapshotError::UnknownTag { tag: 7, .. })),
            (&[0, 0, 4, 4, 0, 0, 1, 0, 0, 6, 12, 0], |e| matches!(e, SnapshotError::UnknownTag { tag: 12, .. })),
            (&[0, 0, 4, 4, 1, 1, 0xff, 0, 0], |e| matches!(e, SnapshotError::InvalidUtf8 { offset: 15 })),
            (&[0, 0, 4, 4, 0, 1, 0, 0], |e| matches!(e, SnapshotError::Invalid(ValidationError::EmptyFormat))),
            (&[0, 0, 0, 4, 0, 0, 0], |e| matches!(e, SnapshotError::BadTileSize { rows: 0, cols: 4 })),
        ];
        for (body, check) in cases {
            let result = decode_tile(&framed(body));
            assert!(result.as_ref().err().is_some_and(check), "{body:?}: {result:?}");
        }
        let mut nan = vec![0, 0, 4, 4, 0, 0, 1, 0, 0, 3];
        nan.extend_from_slice(&f64::NAN.to_le_bytes());
        nan.push(0);
        assert!(matches!(
            decode_tile(&framed(&nan)),
            Err(SnapshotError::Invalid(ValidationError::NonFiniteNumber { .. }))
        ));
    }

    #[test]
    fn rejects_out_of_range_keys_and_trailing_bytes() {
        let mut far = Vec::new();
        put_varint(&mut far, 1 << 60);
        far.extend_from_slice(&[0, 4, 4, 0, 0, 0]);
        assert_eq!(decode_tile(&framed(&far)), Err(SnapshotError::TileOutOfRange { tile_row: 1 << 60, tile_col: 0 }));
        let trailing = [0, 0, 4, 4, 0, 0, 0, 9];
        assert_eq!(decode_tile(&framed(&trailing)), Err(SnapshotError::TrailingBytes { offset: 16, extra: 1 }));
    }

    #[test]
    fn huge_tile_sides_are_refused() {
        // 65,536 x 65,536 asked a 16 GiB slot table of the engine from a 20-byte blob (its size
        // wrapped to 0 on wasm32); 4,096 x 4,096 asks 64 MiB from 18 bytes, so the engine caps
        // its dense table as well (`engine::loaded_tile`).
        let mut body = vec![0, 0];
        put_varint(&mut body, 65_536);
        put_varint(&mut body, 65_536);
        body.extend_from_slice(&[0, 0, 0]);
        let blob = framed(&body);
        assert_eq!(blob.len(), 20);
        assert_eq!(decode_tile(&blob), Err(SnapshotError::BadTileSize { rows: 65_536, cols: 65_536 }));
        let mut body = vec![0, 0];
        put_varint(&mut body, 4_096);
        put_varint(&mut body, 4_097);
        body.extend_from_slice(&[0, 0, 0]);
        assert_eq!(decode_tile(&framed(&body)), Err(SnapshotError::BadTileSize { rows: 4_096, cols: 4_097 }));
    }

    #[test]
    fn huge_counts_are_refused_before_allocating() {
        let mut body = vec![0, 0, 4, 4];
        put_varint(&mut body, 1 << 40);
        assert!(matches!(
            decode_tile(&framed(&body)),
            Err(SnapshotError::LengthTooLarge { length: 1_099_511_627_776, .. })
        ));
        let mut body = vec![0, 0, 4, 4, 0, 0];
        put_varint(&mut body, 1 << 40);
        assert!(matches!(decode_tile(&framed(&body)), Err(SnapshotError::LengthTooLarge { .. })));
    }
}
