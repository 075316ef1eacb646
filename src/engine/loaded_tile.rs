//! [`LoadedTile`]: a decoded tile arranged for reads. Reads are the hot path of a grid (DESIGN.md
//! section 8, read throughput), so a cell is found in O(1): through a dense slot table (4 bytes
//! per cell position: 32 KiB for a tile of the default 256 x 32) when the tile is small or well filled, else
//! through a hash map from position to cell, whose size follows the cells the tile holds.
//!
//! The tile's header alone must never decide a large allocation (issue 12): a blob of a few
//! bytes may claim 4,096 x 4,096 positions. The dense table is used only when it is at most
//! [`DENSE_MAX_POSITIONS`] positions and at most [`DENSE_FREE_POSITIONS`] or
//! [`DENSE_POSITIONS_PER_CELL`] positions per cell held, so a loaded tile takes memory in
//! proportion to its cells (hence to its blob's size) plus at most 32 KiB.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::CellValue;
use crate::snapshot::{CellContent, Tile};

/// Marks an empty position in a dense slot table.
const EMPTY: u32 = u32::MAX;

/// Most positions (`rows * cols`) a dense slot table may have: 256 KiB of slots.
const DENSE_MAX_POSITIONS: usize = 65_536;

/// Positions a dense slot table may have whatever the cell count: 32 KiB of slots, so tiles of
/// the default size (256 x 32, [`TileSize::DEFAULT`](crate::snapshot::TileSize::DEFAULT)) are
/// always dense.
const DENSE_FREE_POSITIONS: usize = 8_192;

/// Above [`DENSE_FREE_POSITIONS`], positions a dense table may have per cell held (64 bytes of
/// slots per cell, a small multiple of what a hash map entry costs).
const DENSE_POSITIONS_PER_CELL: usize = 16;

/// Heap bytes of one `Rc<str>` allocation besides the text: its strong and weak counts.
const RC_HEADER_BYTES: usize = 2 * std::mem::size_of::<usize>();

/// How positions map to indexes in [`LoadedTile::contents`].
#[derive(Debug)]
enum Slots {
    /// For each position `row_offset * cols + col_offset`, the index in `contents`, or `EMPTY`.
    Dense(Vec<u32>),
    /// For each populated position `(row_offset << 32) | col_offset`, the index in `contents`.
    Sparse(FxHashMap<u64, u32>),
}

/// A tile ready for reads.
#[derive(Debug)]
pub struct LoadedTile {
    cols: u32,
    rows: u32,
    slots: Slots,
    contents: Vec<CellContent>,
    /// Heap bytes of the distinct texts and formats the contents point at (shared ones once).
    text_bytes: usize,
}

impl LoadedTile {
    /// Arranges `tile` for reads.
    pub fn new(tile: Tile) -> Self {
        let (rows, cols) = (tile.size().rows(), tile.size().cols());
        let positions = (rows as usize).checked_mul(cols as usize);
        let dense_limit = DENSE_FREE_POSITIONS.max(tile.len().saturating_mul(DENSE_POSITIONS_PER_CELL));
        let mut slots = match positions {
            Some(n) if n <= DENSE_MAX_POSITIONS && n <= dense_limit => Slots::Dense(vec![EMPTY; n]),
            _ => Slots::Sparse(FxHashMap::with_capacity_and_hasher(tile.len(), Default::default())),
        };
        let mut contents = Vec::with_capacity(tile.len());
        let mut seen = FxHashSet::default();
        let mut text_bytes = 0;
        for ((row, col), content) in tile.cells() {
            if row >= rows || col >= cols {
                continue;
            }
            let Ok(index) = u32::try_from(contents.len()) else { break };
            match &mut slots {
                Slots::Dense(table) => match table.get_mut(row as usize * cols as usize + col as usize) {
                    Some(slot) => *slot = index,
                    None => continue,
                },
                Slots::Sparse(map) => {
                    map.insert(u64::from(row) << 32 | u64::from(col), index);
                }
            }
            let text = match &content.value {
                Some(CellValue::Text(text)) => Some(&**text),
                _ => None,
            };
            for s in text.into_iter().chain(content.format.as_ref().map(|f| f.as_str())) {
                if seen.insert(s.as_ptr() as usize) {
                    text_bytes += RC_HEADER_BYTES + s.len();
                }
            }
            contents.push(content.clone());
        }
        Self { cols, rows, slots, contents, text_bytes }
    }

    /// The content at offsets (`row_offset`, `col_offset`) within the tile.
    #[inline]
    pub fn get(&self, row_offset: u32, col_offset: u32) -> Option<&CellContent> {
        if row_offset >= self.rows || col_offset >= self.cols {
            return None;
        }
        let slot = match &self.slots {
            Slots::Dense(table) => *table.get(row_offset as usize * self.cols as usize + col_offset as usize)?,
            Slots::Sparse(map) => *map.get(&(u64::from(row_offset) << 32 | u64::from(col_offset)))?,
        };
        self.contents.get(slot as usize)
    }

    /// An estimate of the heap bytes this tile holds, for a tile cache budget: the slot table
    /// (or hash map, counted by capacity with its control bytes), the contents vector, and the
    /// texts and formats the contents point at, each distinct allocation once (texts shared with
    /// other tiles or versions are counted here too). Not counted: the allocator's own overhead
    /// and rounding, and the `LoadedTile` itself (a few dozen bytes, wherever it lives).
    pub fn bytes(&self) -> usize {
        let slots = match &self.slots {
            Slots::Dense(table) => table.capacity() * std::mem::size_of::<u32>(),
            Slots::Sparse(map) => {
                // hashbrown keeps at least 1/8 of its buckets free and one control byte per bucket.
                let buckets = map.capacity() + map.capacity() / 7;
                buckets * (std::mem::size_of::<(u64, u32)>() + 1)
            }
        };
        slots + self.contents.capacity() * std::mem::size_of::<CellContent>() + self.text_bytes
    }

    /// Whether reads go through the dense slot table (tests only).
    #[cfg(test)]
    fn is_dense(&self) -> bool {
        matches!(self.slots, Slots::Dense(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Format;
    use crate::snapshot::{TileKey, TileSize};

    fn number(n: f64) -> CellContent {
        CellContent { value: Some(CellValue::Number(n)), format: None }
    }

    /// Every read of `loaded`, inside the tile and one row and column past it, equals `tile`'s.
    fn assert_reads_match(loaded: &LoadedTile, tile: &Tile) {
        let (rows, cols) = (tile.size().rows(), tile.size().cols());
        for row in 0..=rows {
            for col in 0..=cols {
                assert_eq!(loaded.get(row, col), tile.get(row, col), "({row}, {col})");
            }
        }
        assert_eq!(loaded.get(u32::MAX, 0), None);
        assert_eq!(loaded.get(0, u32::MAX), None);
    }

    #[test]
    fn reads_match_the_tile() {
        let size = TileSize::new(4, 3).unwrap();
        let mut tile = Tile::new(TileKey { tile_row: 2, tile_col: 5 }, size);
        tile.set(0, 0, number(1.0)).unwrap();
        tile.set(3, 2, CellContent { value: Some(CellValue::Text("x".into())), format: None }).unwrap();
        tile.set(1, 1, CellContent::tombstone()).unwrap();
        let loaded = LoadedTile::new(tile.clone());
        assert!(loaded.is_dense());
        assert_reads_match(&loaded, &tile);
    }

    #[test]
    fn default_size_tiles_are_dense_even_when_empty() {
        let loaded = LoadedTile::new(Tile::new(TileKey { tile_row: 0, tile_col: 0 }, TileSize::DEFAULT));
        assert!(loaded.is_dense());
        assert_eq!(loaded.get(0, 0), None);
        assert_eq!(loaded.bytes(), 256 * 32 * 4);
    }

    #[test]
    fn large_sparse_tiles_use_a_map_and_read_the_same() {
        let size = TileSize::new(4_096, 4_096).unwrap();
        let mut tile = Tile::new(TileKey { tile_row: 1, tile_col: 1 }, size);
        for (i, (row, col)) in [(0, 0), (0, 4_095), (4_095, 0), (4_095, 4_095), (1_000, 2_000)].into_iter().enumerate()
        {
            tile.set(row, col, number(i as f64)).unwrap();
        }
        let loaded = LoadedTile::new(tile.clone());
        assert!(!loaded.is_dense());
        for ((row, col), content) in tile.cells() {
            assert_eq!(loaded.get(row, col), Some(content));
        }
        for (row, col) in [(0, 1), (1, 0), (4_095, 4_094), (2_000, 1_000), (4_096, 0), (0, 4_096)] {
            assert_eq!(loaded.get(row, col), None, "({row}, {col})");
        }
        // A few hundred bytes, not the 64 MiB a dense table would take.
        assert!(loaded.bytes() < 1_000, "{}", loaded.bytes());
    }

    #[test]
    fn a_tiny_blob_of_the_largest_tile_loads_small() {
        let size = TileSize::new(4_096, 4_096).unwrap();
        let mut tile = Tile::new(TileKey { tile_row: 0, tile_col: 0 }, size);
        tile.set(4_095, 4_095, number(1.0)).unwrap();
        let blob = crate::snapshot::encode_tile(&tile);
        assert!(blob.len() <= 32, "{}", blob.len());
        let loaded = LoadedTile::new(crate::snapshot::decode_tile(&blob).unwrap());
        assert!(!loaded.is_dense());
        assert!(loaded.bytes() < 200, "{}", loaded.bytes());
        assert_eq!(loaded.get(4_095, 4_095), tile.get(4_095, 4_095));
    }

    #[test]
    fn the_dense_table_is_chosen_by_size_and_fill() {
        let key = TileKey { tile_row: 0, tile_col: 0 };
        let filled = |rows, cols, cells: u32| {
            let mut tile = Tile::new(key, TileSize::new(rows, cols).unwrap());
            for i in 0..cells {
                tile.set(i / cols, i % cols, number(f64::from(i))).unwrap();
            }
            let loaded = LoadedTile::new(tile.clone());
            assert_reads_match(&loaded, &tile);
            loaded.is_dense()
        };
        // Up to 8,192 positions (the default tile): always dense.
        assert!(filled(256, 32, 0));
        assert!(filled(4_096, 2, 1));
        // Above: dense once there is a cell per 16 positions, up to 65,536 positions.
        assert!(!filled(256, 64, 1_023));
        assert!(filled(256, 64, 1_024));
        assert!(filled(256, 256, 4_096));
        assert!(!filled(512, 256, 8_192), "131,072 positions is too many whatever the fill");
    }

    #[test]
    fn bytes_counts_slots_contents_and_each_text_once() {
        let size = TileSize::new(8, 8).unwrap();
        let mut tile = Tile::new(TileKey { tile_row: 0, tile_col: 0 }, size);
        let shared: CellContent =
            CellContent { value: Some(CellValue::Text("shared text".into())), format: Format::new("0.00").ok() };
        tile.set(0, 0, shared.clone()).unwrap();
        tile.set(0, 1, shared).unwrap();
        tile.set(5, 5, CellContent { value: Some(CellValue::Text("other".into())), format: None }).unwrap();
        tile.set(7, 7, number(2.0)).unwrap();
        let loaded = LoadedTile::new(tile);
        assert!(loaded.is_dense());
        let texts = 3 * RC_HEADER_BYTES + "shared text".len() + "0.00".len() + "other".len();
        let expected = 64 * 4 + 4 * std::mem::size_of::<CellContent>() + texts;
        assert_eq!(loaded.bytes(), expected);

        // The sparse estimate grows with the cells, not with the tile's size.
        let size = TileSize::new(4_096, 4_096).unwrap();
        let mut small = Tile::new(TileKey { tile_row: 0, tile_col: 0 }, size);
        let mut large = small.clone();
        small.set(9, 9, number(1.0)).unwrap();
        for i in 0..1_000 {
            large.set(i * 4, i, number(f64::from(i))).unwrap();
        }
        let (small, large) = (LoadedTile::new(small), LoadedTile::new(large));
        assert!(!small.is_dense() && !large.is_dense());
        assert!(small.bytes() < 200, "{}", small.bytes());
        let per_cell = std::mem::size_of::<CellContent>() + std::mem::size_of::<(u64, u32)>() + 1;
        assert!(large.bytes() >= 1_000 * per_cell, "{}", large.bytes());
        assert!(large.bytes() < 4 * 1_000 * per_cell, "{}", large.bytes());
    }
}
