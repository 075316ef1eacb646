//! Which tiles a viewport needs (DESIGN.md appendix): the viewport's rectangle, in the
//! version's coordinates, is mapped down through the edit layer's transforms and then through
//! each snapshot layer's, shrinking where rows were inserted and growing where they were
//! deleted; in each layer, the tiles under the mapped rectangle are the ones to load.

use std::rc::Rc;

use super::edit_layer::EditLayer;
use super::offsets::{ItemOffsetMapping, DEFAULT_COLUMN_WIDTH, DEFAULT_ROW_HEIGHT};
use super::version::{LayerId, Viewport};
use crate::log::SequenceId;
use crate::model::{Axis, MAX_INDEX};
use crate::snapshot::{AxisTransform, SheetSizes, SnapshotIndex, TileKey, Transform};

/// An inclusive rectangle of cells: rows `rows.0 ..= rows.1`, columns `cols.0 ..= cols.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRect {
    /// First and last row.
    pub rows: (u64, u64),
    /// First and last column.
    pub cols: (u64, u64),
}

impl CellRect {
    /// The cells of an A1 range.
    pub fn of_range(range: &crate::model::CellRange) -> Self {
        Self { rows: (range.start().row, range.end().row), cols: (range.start().col, range.end().col) }
    }

    /// Whether cell (`row`, `col`) lies inside, edges included.
    pub fn contains(&self, row: u64, col: u64) -> bool {
        (self.rows.0..=self.rows.1).contains(&row) && (self.cols.0..=self.cols.1).contains(&col)
    }

    /// Every cell, row by row (use on small rectangles only).
    pub fn cells(self) -> impl Iterator<Item = (u64, u64)> {
        (self.rows.0..=self.rows.1).flat_map(move |r| (self.cols.0..=self.cols.1).map(move |c| (r, c)))
    }

    /// The cells a viewport in pixels covers, rows and columns being the sizes of `sizes` (30 px
    /// rows and 100 px columns unless resized); `None`: every cell.
    pub fn of_viewport(viewport: Option<Viewport>, sizes: &Rc<SheetSizes>) -> Self {
        let Some(vp) = viewport else { return Self { rows: (0, MAX_INDEX), cols: (0, MAX_INDEX) } };
        let rows = ItemOffsetMapping::new(DEFAULT_ROW_HEIGHT, Axis::Row, sizes.clone());
        let cols = ItemOffsetMapping::new(DEFAULT_COLUMN_WIDTH, Axis::Column, sizes.clone());
        Self {
            rows: (rows.offset_to_item(vp.row_min_offset).0, rows.offset_to_item(vp.row_min_offset + vp.height).0),
            cols: (cols.offset_to_item(vp.column_min_offset).0, cols.offset_to_item(vp.column_min_offset + vp.width).0),
        }
    }

    /// The cells of this rectangle that survive `transform`, in the coordinates after it: one
    /// rectangle per pair of row and column runs (rows inserted among them split it).
    pub fn map_up(self, transform: &Transform) -> Vec<Self> {
        let rows = transform.rows.map_range(self.rows.0, self.rows.1 - self.rows.0 + 1);
        let cols = transform.cols.map_range(self.cols.0, self.cols.1 - self.cols.0 + 1);
        rows.iter()
            .flat_map(|&(r, h)| cols.iter().map(move |&(c, w)| Self { rows: (r, r + h - 1), cols: (c, c + w - 1) }))
            .collect()
    }

    /// This rectangle in the coordinates before `transform`; `None` when every row or every
    /// column in it is new (no older layer holds any of its cells).
    pub fn map_down(self, transform: &Transform) -> Option<Self> {
        Some(Self {
            rows: map_range_down(&transform.rows, self.rows)?,
            cols: map_range_down(&transform.cols, self.cols)?,
        })
    }
}

/// The inserted range holding `index`, as (start, width).
fn inserted_range(t: &AxisTransform, index: u64) -> Option<(u64, u64)> {
    t.inserted().find(|&(start, width)| start <= index && index - start < width)
}

/// Maps the inclusive range `lo ..= hi` of new indexes to the smallest range of old indexes
/// holding every surviving one. Survivors map in order, so the ends decide.
fn map_range_down(t: &AxisTransform, (lo, hi): (u64, u64)) -> Option<(u64, u64)> {
    if t.is_identity() {
        return Some((lo, hi));
    }
    let first = match t.new_to_old(lo) {
        Some(old) => old,
        None => {
            let (start, width) = inserted_range(t, lo)?;
            let next = start.checked_add(width).filter(|n| *n <= hi)?;
            t.new_to_old(next)?
        }
    };
    let last = match t.new_to_old(hi) {
        Some(old) => old,
        None => {
            let (start, _) = inserted_range(t, hi)?;
            let before = start.checked_sub(1).filter(|b| *b >= lo)?;
            t.new_to_old(before)?
        }
    };
    Some((first, last))
}

/// The tiles of `index`, per layer (index in `index.layers`), under `rect` given in the
/// coordinates after `edit_transforms` (oldest first) are applied to the snapshot.
pub fn tiles_under(index: &SnapshotIndex, edit_transforms: &[&Transform], rect: CellRect) -> Vec<(usize, TileKey)> {
    let mut rect = Some(rect);
    for transform in edit_transforms.iter().rev() {
        rect = rect.and_then(|r| r.map_down(transform));
    }
    let size = index.tile_size;
    let mut out = Vec::new();
    for (i, layer) in index.layers.iter().enumerate().rev() {
        let Some(r) = rect else { break };
        let first = size.tile_of(r.rows.0, r.cols.0);
        let last = size.tile_of(r.rows.1, r.cols.1);
        out.extend(
            layer
                .tiles
                .range(TileKey { tile_row: first.tile_row, tile_col: 0 }..)
                .map(|(k, _)| *k)
                .take_while(|k| k.tile_row <= last.tile_row)
                .filter(|k| (first.tile_col..=last.tile_col).contains(&k.tile_col))
                .map(|k| (i, k)),
        );
        rect = r.map_down(&layer.transform);
    }
    out
}

/// The tiles of the imports in `edits` that reads of `rect` need at the version reflecting the
/// entries before `at`, `rect` given in the coordinates after `pending` (transforms of edits
/// not in `edits`, oldest first), with their blob paths. Every tile of an import's grid that
/// meets its rectangle exists (see [`crate::log::ImportLayer`]), so no index is read.
/// `O(tiles returned)`, at most the imports' tiles.
pub(crate) fn import_tiles_under(
    edits: &EditLayer,
    at: SequenceId,
    pending: &[Transform],
    rect: CellRect,
) -> Vec<((LayerId, TileKey), Rc<str>)> {
    let mut out = Vec::new();
    for (seq, layer, after) in edits.imports(at) {
        let mut mapped = Some(rect);
        for transform in pending.iter().rev().chain(after.into_iter().rev()) {
            mapped = mapped.and_then(|r| r.map_down(transform));
        }
        let Some(r) = mapped else { continue };
        for key in layer.tiles_meeting(r.rows, r.cols) {
            out.push(((LayerId::Import(seq), key), Rc::from(layer.tile_path(key))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_shrink_over_inserts_and_grow_over_deletes() {
        let mut t = AxisTransform::identity();
        t.insert(10, 5); // new 10..15 are inserted
        assert_eq!(map_range_down(&t, (0, 9)), Some((0, 9)));
        assert_eq!(map_range_down(&t, (10, 14)), None, "only inserted rows");
        assert_eq!(map_range_down(&t, (12, 20)), Some((10, 15)));
        assert_eq!(map_range_down(&t, (5, 12)), Some((5, 9)));
        assert_eq!(
            map_range_down(&t, (0, MAX_INDEX)),
            Some((0, MAX_INDEX - 5)),
            "the whole sheet maps to the whole sheet"
        );
        let mut d = AxisTransform::identity();
        d.delete(3, 4); // old 3..7 deleted
        assert_eq!(map_range_down(&d, (2, 3)), Some((2, 7)), "grows over the deleted rows");
    }
}
