//! [`LoadedTile`]: a decoded tile arranged for reads, each cell found in O(1) through a dense
//! slot table (4 bytes per cell position: 4 KiB for a 64 x 16 tile) instead of the tile's
//! ordered map. Reads are the hot path of a grid (DESIGN.md section 8, read throughput).

use crate::snapshot::{CellContent, Tile};

/// Marks an empty position in [`LoadedTile::slots`].
const EMPTY: u32 = u32::MAX;

/// A tile ready for reads.
#[derive(Debug)]
pub struct LoadedTile {
    cols: u32,
    rows: u32,
    /// For each position `row_offset * cols + col_offset`, the index in `contents`, or `EMPTY`.
    slots: Vec<u32>,
    contents: Vec<CellContent>,
}

impl LoadedTile {
    /// Arranges `tile` for reads.
    pub fn new(tile: Tile) -> Self {
        let (rows, cols) = (tile.size().rows(), tile.size().cols());
        let mut slots = vec![EMPTY; rows as usize * cols as usize];
        let mut contents = Vec::with_capacity(tile.len());
        for ((row, col), content) in tile.cells() {
            if let Some(slot) = slots.get_mut(row as usize * cols as usize + col as usize) {
                *slot = contents.len() as u32;
                contents.push(content.clone());
            }
        }
        Self { cols, rows, slots, contents }
    }

    /// An estimate of the heap bytes the tile holds: the slot table, the contents and their
    /// text and format bytes (shared strings counted once per cell).
    pub fn bytes(&self) -> usize {
        let text = |c: &CellContent| {
            let value = match &c.value {
                Some(crate::model::CellValue::Text(t)) => t.len(),
                _ => 0,
            };
            value + c.format.as_ref().map_or(0, |f| f.as_str().len())
        };
        self.slots.len() * std::mem::size_of::<u32>()
            + self.contents.len() * std::mem::size_of::<CellContent>()
            + self.contents.iter().map(text).sum::<usize>()
    }

    /// The content at offsets (`row_offset`, `col_offset`) within the tile.
    pub fn get(&self, row_offset: u32, col_offset: u32) -> Option<&CellContent> {
        if row_offset >= self.rows || col_offset >= self.cols {
            return None;
        }
        let slot = *self.slots.get(row_offset as usize * self.cols as usize + col_offset as usize)?;
        self.contents.get(slot as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellValue;
    use crate::snapshot::{TileKey, TileSize};

    #[test]
    fn reads_match_the_tile() {
        let size = TileSize::new(4, 3).unwrap();
        let mut tile = Tile::new(TileKey { tile_row: 2, tile_col: 5 }, size);
        tile.set(0, 0, CellContent { value: Some(CellValue::Number(1.0)), format: None }).unwrap();
        tile.set(3, 2, CellContent { value: Some(CellValue::Text("x".into())), format: None }).unwrap();
        let loaded = LoadedTile::new(tile.clone());
        for row in 0..5 {
            for col in 0..4 {
                assert_eq!(loaded.get(row, col), tile.get(row, col), "({row}, {col})");
            }
        }
    }
}
