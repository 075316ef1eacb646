//! [`Block`]: the cells of one large write that fills a rectangle, kept as one row-major array
//! instead of one map entry per cell (DESIGN.md section 5, "Edit layer"). A paste of 500,000
//! cells recorded cell by cell took 100-140 ms natively, twice (in the pending overlay when made,
//! in the edit layer once durable), mostly hashing into a table of tens of megabytes
//! (BENCHMARKS.md, stop 32); as a block it is one pass over the writes, and a read is an index.
//! The edit layer and the overlay keep blocks with their large clears and imports, as
//! rectangles that answer for every cell inside them, newer per-cell changes winning.

use super::viewport_tiles::CellRect;
use crate::log::CellWrite;
use crate::snapshot::CellContent;

/// Least cells of a write kept as a block by default ([`crate::engine::EngineOptions::block_cells`]):
/// below it, one map entry per cell costs less than a rectangle every read must check.
pub const DEFAULT_BLOCK_CELLS: usize = 4096;

/// The cells of a rectangle, row by row, each as one write left it.
#[derive(Debug)]
pub(crate) struct Block {
    rect: CellRect,
    /// Columns per row of `rect`.
    width: u64,
    /// `width` cells per row, rows in order.
    cells: Vec<CellContent>,
}

impl Block {
    /// The block of `writes` (their contents copied) when they are at least `min_cells` (and at
    /// least one) and write every cell of their bounding rectangle (a cell written twice keeps
    /// the last write, as in an entry); `None` otherwise.
    pub(crate) fn of(writes: &[CellWrite], min_cells: usize) -> Option<Block> {
        Some(Self::from_writes(shape(writes, min_cells)?, writes.iter().cloned()))
    }

    /// As [`Self::of`], taking the writes' contents instead of copying them; the writes back
    /// when they make no block.
    pub(crate) fn take(writes: Vec<CellWrite>, min_cells: usize) -> Result<Block, Vec<CellWrite>> {
        match shape(&writes, min_cells) {
            Some(rect) => Ok(Self::from_writes(rect, writes)),
            None => Err(writes),
        }
    }

    /// The block of `writes` over `rect`, their shape: a write row by row in order (a paste) is
    /// pushed, one out of order is put at its place; the last write of a cell is kept.
    fn from_writes(rect: CellRect, writes: impl IntoIterator<Item = CellWrite>) -> Block {
        let width = rect.cols.1 - rect.cols.0 + 1;
        let area = usize::try_from((rect.rows.1 - rect.rows.0 + 1).saturating_mul(width)).unwrap_or(0);
        let mut cells = Vec::with_capacity(area);
        for w in writes {
            let Some(i) = index(&rect, width, w.row, w.col) else { continue };
            let content = CellContent { value: w.value, format: w.format };
            if i == cells.len() {
                cells.push(content);
                continue;
            }
            if i > cells.len() {
                cells.resize(area, CellContent::tombstone());
            }
            if let Some(cell) = cells.get_mut(i) {
                *cell = content;
            }
        }
        cells.resize(area, CellContent::tombstone());
        Block { rect, width, cells }
    }

    /// The rectangle the block fills.
    pub(crate) fn rect(&self) -> CellRect {
        self.rect
    }

    /// The content of cell (`row`, `col`), `None` outside the block.
    pub(crate) fn get(&self, row: u64, col: u64) -> Option<&CellContent> {
        self.cells.get(index(&self.rect, self.width, row, col)?)
    }

    /// Number of cells.
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// The block taken apart, one cell dropped per step (`super::retired`).
    pub(crate) fn into_drops(self) -> impl Iterator<Item = ()> {
        self.cells.into_iter().map(drop)
    }
}

/// The rectangle `writes` fill when they are at least `min_cells` (and at least one) and write
/// every cell of their bounding rectangle; `None` when they do not, or are too few. Writes row by
/// row in order (a paste) are recognised in one pass; others need one flag per cell of the
/// rectangle, at most one per write.
fn shape(writes: &[CellWrite], min_cells: usize) -> Option<CellRect> {
    if writes.is_empty() || writes.len() < min_cells {
        return None;
    }
    let mut rect = CellRect { rows: (u64::MAX, 0), cols: (u64::MAX, 0) };
    for w in writes {
        rect.rows = (rect.rows.0.min(w.row), rect.rows.1.max(w.row));
        rect.cols = (rect.cols.0.min(w.col), rect.cols.1.max(w.col));
    }
    let width = rect.cols.1 - rect.cols.0 + 1;
    let area = (rect.rows.1 - rect.rows.0 + 1).checked_mul(width)?;
    // More cells than writes: some cell has none. (Fewer is possible with repeats.)
    if area > writes.len() as u64 {
        return None;
    }
    if area == writes.len() as u64
        && writes.iter().enumerate().all(|(i, w)| index(&rect, width, w.row, w.col) == Some(i))
    {
        return Some(rect);
    }
    let mut written = vec![false; usize::try_from(area).ok()?];
    let mut filled = 0u64;
    for w in writes {
        let i = index(&rect, width, w.row, w.col)?;
        if !std::mem::replace(written.get_mut(i)?, true) {
            filled += 1;
        }
    }
    (filled == area).then_some(rect)
}

/// Where cell (`row`, `col`) lies in the cells of a block over `rect` with `width` columns.
fn index(rect: &CellRect, width: u64, row: u64, col: u64) -> Option<usize> {
    if !rect.contains(row, col) {
        return None;
    }
    usize::try_from((row - rect.rows.0) * width + (col - rect.cols.0)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellValue;

    fn write(row: u64, col: u64, n: f64) -> CellWrite {
        CellWrite { row, col, value: Some(CellValue::Number(n)), format: None }
    }

    fn number(block: &Block, row: u64, col: u64) -> Option<f64> {
        match block.get(row, col)?.value {
            Some(CellValue::Number(n)) => Some(n),
            _ => None,
        }
    }

    #[test]
    fn writes_filling_a_rectangle_in_any_order_make_a_block() {
        let writes = vec![write(3, 5, 1.0), write(2, 6, 2.0), write(2, 5, 3.0), write(3, 6, 4.0)];
        let block = Block::take(writes, 4).expect("a 2 x 2 rectangle");
        assert_eq!((block.rect().rows, block.rect().cols), ((2, 3), (5, 6)));
        assert_eq!(block.len(), 4);
        assert_eq!(
            [number(&block, 2, 5), number(&block, 2, 6), number(&block, 3, 5), number(&block, 3, 6)],
            [Some(3.0), Some(2.0), Some(1.0), Some(4.0)]
        );
        assert!(block.get(1, 5).is_none() && block.get(2, 7).is_none(), "outside");
    }

    #[test]
    fn too_few_writes_or_a_hole_make_none() {
        let square = vec![write(0, 0, 1.0), write(0, 1, 1.0), write(1, 0, 1.0), write(1, 1, 1.0)];
        assert!(shape(&square, 5).is_none(), "below the threshold");
        assert_eq!(Block::take(square.clone(), 5).err(), Some(square), "the writes given back");
        assert!(shape(&[], 0).is_none(), "nothing written");
        let holed = vec![write(0, 0, 1.0), write(0, 1, 1.0), write(1, 1, 1.0)];
        assert!(shape(&holed, 1).is_none(), "3 writes, 4 cells");
        // As many writes as cells, one repeated: a hole all the same.
        let repeated = vec![write(0, 0, 1.0), write(0, 0, 2.0), write(0, 1, 1.0), write(1, 1, 1.0)];
        assert!(shape(&repeated, 1).is_none());
    }

    #[test]
    fn a_repeated_write_keeps_the_last() {
        let writes = vec![write(0, 0, 1.0), write(0, 1, 1.0), write(0, 0, 9.0)];
        let block = Block::of(&writes, 1).expect("one row of two");
        assert_eq!(number(&block, 0, 0), Some(9.0));
        assert_eq!(number(&block, 0, 1), Some(1.0));
    }

    #[test]
    fn a_huge_rectangle_of_few_writes_is_refused_without_allocating() {
        let writes = vec![write(0, 0, 1.0), write(1 << 40, 1 << 40, 1.0)];
        assert!(shape(&writes, 1).is_none());
    }

    #[test]
    fn writes_row_by_row_or_partly_so_land_at_their_cells() {
        let in_order: Vec<CellWrite> = (0..6u64).map(|i| write(4 + i / 3, 7 + i % 3, i as f64)).collect();
        // In order, then the last two swapped, then the first three after the rest.
        let mut swapped = in_order.clone();
        swapped.swap(4, 5);
        let mut rotated = in_order.clone();
        rotated.rotate_left(3);
        for writes in [in_order, swapped, rotated] {
            let block = Block::of(&writes, 6).expect("a 2 x 3 rectangle");
            for (i, w) in writes.iter().enumerate() {
                assert_eq!(
                    number(&block, w.row, w.col),
                    w.value.as_ref().and(Some(match w.value {
                        Some(CellValue::Number(n)) => n,
                        _ => f64::NAN,
                    })),
                    "write {i} of {writes:?}"
                );
            }
            assert_eq!(block.len(), 6);
        }
    }
}
