//! Optimistic edits not yet durable (DESIGN.md sections 3 and 5b, "Batching"): the list of
//! pending edits in submission order, and the **overlay** content versions read them through,
//! indexed by cell so a read costs `O(1)` in the number of pending edits (plus one mapping per
//! pending structural edit). A large write that fills a rectangle is one block there, as in the
//! edit layer (`super::block`).
//!
//! Every pending edit has an id, increasing in submission order. The overlay is shared by the
//! versions published while it grows: a version reads only the edits with ids in its own
//! `lo .. hi` (the edits pending when it was made), so appending to the overlay never changes
//! what an older version reads. Edits leave the list oldest first once durable (the version's
//! `lo` moves past them and the edit layer answers instead). Anything else (a rollback, an edit
//! dropped or transformed after a conflict) rebuilds the overlay as a new object, which the
//! versions made before it never see.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::block::{Block, DEFAULT_BLOCK_CELLS};
use super::cell_history::CellHistory;
use super::edit_layer::SMALL_CLEAR_CELLS;
use super::structural::{extent_after, sizes_after, structural_transform};
use super::undo_stack::EditKind;
use super::viewport_tiles::CellRect;
use crate::log::{CellWrite, Operation};
use crate::snapshot::{CellContent, SheetSizes, Transform};

/// Identifies a pending edit (and the caller waiting on it); increasing in submission order.
pub(crate) type EditId = u64;

/// One optimistic edit: the operations it stands for, in the coordinates after everything
/// committed and every earlier pending edit. One operation when submitted; a conflict can
/// transform it into none or several (a delete split around rows another writer inserted).
#[derive(Debug, Clone)]
pub(crate) struct PendingEdit {
    pub(crate) id: EditId,
    pub(crate) operations: Vec<Operation>,
    /// When it was made: milliseconds since the Unix epoch.
    pub(crate) time_ms: u64,
    /// A user's edit, or the inverse of an undo or redo step.
    pub(crate) kind: EditKind,
}

impl PendingEdit {
    /// Whether any of its operations inserts or deletes rows or columns.
    pub(crate) fn is_structural(&self) -> bool {
        self.operations.iter().any(Operation::is_structural)
    }
}

/// What the overlay says about a cell.
pub(crate) enum OverlayLookup<'a> {
    /// A pending edit wrote or cleared the cell.
    Found(&'a CellContent),
    /// No pending edit touched it; ask below at these coordinates.
    Below(u64, u64),
    /// Its row or column was inserted by a pending edit and never written: no value.
    Inserted,
}

#[derive(Debug)]
struct Segment {
    /// The structural edit that opened the segment; `None` for the first.
    opened_by: Option<EditId>,
    /// Maps the previous segment's coordinates into this one's.
    transform: Transform,
    /// Per cell, the pending writes to it as (edit id, content), increasing ids.
    cells: CellHistory,
    /// Large cleared rectangles (`None`) and large writes filling a rectangle (their [`Block`]),
    /// by edit id, increasing.
    masks: Vec<(EditId, CellRect, Option<Block>)>,
}

impl Segment {
    fn new(opened_by: Option<EditId>, transform: Transform) -> Self {
        Self { opened_by, transform, cells: CellHistory::default(), masks: Vec::new() }
    }
}

/// The pending edits as an index by cell, split into segments at each pending structural edit
/// (like the edit layer, DESIGN.md section 5).
#[derive(Debug)]
pub(crate) struct Overlay {
    segments: Vec<Segment>,
    tombstone: CellContent,
    /// Least cells of a write that fills a rectangle kept as one [`Block`].
    block_cells: usize,
}

impl Default for Overlay {
    fn default() -> Self {
        Self::new(DEFAULT_BLOCK_CELLS)
    }
}

impl Overlay {
    /// An empty overlay keeping writes of at least `block_cells` cells that fill a rectangle as
    /// one block (`EngineOptions::block_cells`).
    pub(crate) fn new(block_cells: usize) -> Self {
        Self {
            segments: vec![Segment::new(None, Transform::default())],
            tombstone: CellContent::tombstone(),
            block_cells,
        }
    }

    fn last(&mut self) -> &mut Segment {
        if self.segments.is_empty() {
            self.segments.push(Segment::new(None, Transform::default()));
        }
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    fn write(&mut self, id: EditId, writes: &[CellWrite]) {
        if let Some(block) = Block::of(writes, self.block_cells) {
            self.last().masks.push((id, block.rect(), Some(block)));
            return;
        }
        let segment = self.last();
        segment.cells.reserve(writes.len());
        for w in writes {
            segment.cells.set((w.row, w.col), id, CellContent { value: w.value.clone(), format: w.format.clone() });
        }
    }

    /// Adds the operations of edit `id` (the newest).
    pub(crate) fn push(&mut self, id: EditId, operations: &[Operation]) {
        for operation in operations {
            match operation {
                Operation::SetCell(w) => self.write(id, std::slice::from_ref(w)),
                Operation::SetCells(ws) => self.write(id, ws),
                Operation::ClearRange(range) => {
                    let rect = CellRect::of_range(range);
                    if range.row_count().saturating_mul(range.column_count()) <= SMALL_CLEAR_CELLS {
                        let writes: Vec<CellWrite> =
                            rect.cells().map(|(row, col)| CellWrite { row, col, value: None, format: None }).collect();
                        self.write(id, &writes);
                    } else {
                        self.last().masks.push((id, rect, None));
                    }
                }
                // An import shows once durable (its layer is read from storage).
                Operation::SetItemSizes { .. } | Operation::Import(_) => {}
                structural => {
                    let transform = structural_transform(structural).unwrap_or_default();
                    self.segments.push(Segment::new(Some(id), transform));
                }
            }
        }
    }

    /// The cell (`row`, `col`), in the coordinates after the pending edits `lo .. hi`, as those
    /// edits leave it.
    pub(crate) fn get(&self, row: u64, col: u64, lo: EditId, hi: EditId) -> OverlayLookup<'_> {
        let (mut row, mut col) = (row, col);
        for segment in self.segments.iter().rev() {
            if segment.opened_by.is_some_and(|id| id >= hi) {
                continue; // Newer than the version: its cells and transform do not apply.
            }
            let written = segment.cells.get((row, col), lo, hi);
            let masked =
                segment.masks.iter().rev().find(|(id, rect, _)| (lo..hi).contains(id) && rect.contains(row, col));
            match (written, masked) {
                (Some((w, content)), Some((m, _, _))) if w > *m => return OverlayLookup::Found(content),
                (_, Some((_, _, Some(block)))) => {
                    return OverlayLookup::Found(block.get(row, col).unwrap_or(&self.tombstone));
                }
                (_, Some((_, _, None))) => return OverlayLookup::Found(&self.tombstone),
                (Some((_, content)), None) => return OverlayLookup::Found(content),
                (None, None) => {}
            }
            match segment.opened_by {
                // The first segment, or one opened by an edit now durable: the committed state
                // is in these coordinates.
                None => break,
                Some(id) if id < lo => break,
                Some(_) => match (segment.transform.rows.new_to_old(row), segment.transform.cols.new_to_old(col)) {
                    (Some(r), Some(c)) => (row, col) = (r, c),
                    _ => return OverlayLookup::Inserted,
                },
            }
        }
        OverlayLookup::Below(row, col)
    }

    /// The transforms of the pending structural edits `lo .. hi`, oldest first.
    pub(crate) fn transforms(&self, lo: EditId, hi: EditId) -> Vec<Transform> {
        self.segments
            .iter()
            .filter(|s| s.opened_by.is_some_and(|id| (lo..hi).contains(&id)))
            .map(|s| s.transform.clone())
            .collect()
    }
}

/// The pending edits a content version shows: the shared overlay and the ids it may read.
#[derive(Debug, Clone, Default)]
pub(crate) struct PendingView {
    pub(crate) overlay: Rc<RefCell<Overlay>>,
    pub(crate) lo: EditId,
    pub(crate) hi: EditId,
}

impl PendingView {
    /// Whether the version shows no pending edit.
    pub(crate) fn is_empty(&self) -> bool {
        self.lo >= self.hi
    }
}

/// The pending edits of an engine, oldest first, and their overlay.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) edits: VecDeque<PendingEdit>,
    /// How many of the oldest edits an append in flight carries.
    pub(crate) in_flight: usize,
    overlay: Rc<RefCell<Overlay>>,
    /// Operations in the overlay of edits no longer pending (durable).
    dead: usize,
    /// Operations in the overlay of edits still pending.
    live: usize,
    /// What [`Overlay::new`] takes.
    block_cells: usize,
}

impl Default for Pending {
    fn default() -> Self {
        Self::new(DEFAULT_BLOCK_CELLS)
    }
}

impl Pending {
    /// No pending edit; the overlay keeps writes of at least `block_cells` cells that fill a
    /// rectangle as one block.
    pub(crate) fn new(block_cells: usize) -> Self {
        Self {
            edits: VecDeque::new(),
            in_flight: 0,
            overlay: Rc::new(RefCell::new(Overlay::new(block_cells))),
            dead: 0,
            live: 0,
            block_cells,
        }
    }

    /// Adds a newly submitted edit.
    pub(crate) fn push(&mut self, edit: PendingEdit) {
        self.overlay.borrow_mut().push(edit.id, &edit.operations);
        self.live += edit.operations.len();
        self.edits.push_back(edit);
    }

    /// Removes the `count` oldest edits, now durable. The overlay keeps them until it is
    /// rebuilt (versions made before they were durable still read them there).
    pub(crate) fn take_durable(&mut self, count: usize) -> Vec<PendingEdit> {
        let durable: Vec<PendingEdit> = self.edits.drain(..count.min(self.edits.len())).collect();
        let ops: usize = durable.iter().map(|e| e.operations.len()).sum();
        self.live -= ops.min(self.live);
        self.dead += ops;
        self.in_flight = self.in_flight.saturating_sub(count);
        if self.edits.is_empty() || self.dead > 2 * self.live + 64 {
            self.rebuild();
        }
        durable
    }

    /// Makes a new overlay from the edits still pending (after a rollback, a drop or a
    /// transform): versions made before keep the old one.
    pub(crate) fn rebuild(&mut self) {
        let mut overlay = Overlay::new(self.block_cells);
        for edit in &self.edits {
            overlay.push(edit.id, &edit.operations);
        }
        self.overlay = Rc::new(RefCell::new(overlay));
        self.live = self.edits.iter().map(|e| e.operations.len()).sum();
        self.dead = 0;
    }

    /// What a version made now shows.
    pub(crate) fn view(&self, next_id: EditId) -> PendingView {
        let lo = self.edits.front().map_or(next_id, |e| e.id);
        PendingView { overlay: self.overlay.clone(), lo, hi: next_id }
    }

    /// The extent after the pending edits, from the committed extent.
    pub(crate) fn extent_after(&self, committed: (u64, u64)) -> (u64, u64) {
        self.edits.iter().flat_map(|e| &e.operations).fold(committed, shown_extent_after)
    }

    /// The row heights and column widths after the pending edits, from the committed ones
    /// (the same `Rc` when no pending edit changes them).
    pub(crate) fn sizes_after(&self, committed: Rc<SheetSizes>) -> Rc<SheetSizes> {
        self.edits.iter().flat_map(|e| &e.operations).fold(committed, |sizes, op| match sizes_after(&sizes, op) {
            Some(changed) => Rc::new(changed),
            None => sizes,
        })
    }

    /// The transforms of the pending structural edits, oldest first.
    pub(crate) fn transforms(&self) -> Vec<Transform> {
        self.edits.iter().flat_map(|e| &e.operations).filter_map(structural_transform).collect()
    }
}

/// The extent a pending operation shows: as [`extent_after`], except that a pending import
/// grows nothing (its cells show once durable, when its layer can be read).
pub(crate) fn shown_extent_after(extent: (u64, u64), operation: &Operation) -> (u64, u64) {
    match operation {
        Operation::Import(_) => extent,
        _ => extent_after(extent, operation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellValue;

    fn set(row: u64, col: u64, n: f64) -> Operation {
        Operation::SetCell(CellWrite { row, col, value: Some(CellValue::Number(n)), format: None })
    }

    fn number(overlay: &Overlay, row: u64, col: u64, lo: EditId, hi: EditId) -> Option<f64> {
        match overlay.get(row, col, lo, hi) {
            OverlayLookup::Found(CellContent { value: Some(CellValue::Number(n)), .. }) => Some(*n),
            _ => None,
        }
    }

    #[test]
    fn a_version_reads_only_the_edits_pending_when_it_was_made() {
        let mut overlay = Overlay::default();
        overlay.push(3, &[set(0, 0, 1.0)]);
        overlay.push(4, &[set(0, 0, 2.0), set(1, 1, 5.0)]);
        assert_eq!(number(&overlay, 0, 0, 3, 4), Some(1.0), "edit 4 is newer than the version");
        assert_eq!(number(&overlay, 0, 0, 3, 5), Some(2.0));
        assert_eq!(number(&overlay, 1, 1, 5, 5), None, "nothing pending");
        assert!(matches!(overlay.get(0, 0, 5, 6), OverlayLookup::Below(0, 0)), "durable edits are not read here");
        assert!(matches!(overlay.get(1, 1, 4, 4), OverlayLookup::Below(1, 1)));
    }

    #[test]
    fn structural_edits_move_reads_below_them() {
        let mut overlay = Overlay::default();
        overlay.push(1, &[set(2, 0, 7.0)]);
        overlay.push(2, &[Operation::InsertRows { at: 1, count: 2 }]);
        overlay.push(3, &[set(1, 0, 9.0)]);
        assert_eq!(number(&overlay, 4, 0, 1, 4), Some(7.0), "row 2 moved to 4");
        assert_eq!(number(&overlay, 1, 0, 1, 4), Some(9.0));
        assert!(matches!(overlay.get(2, 0, 1, 4), OverlayLookup::Inserted));
        assert!(matches!(overlay.get(5, 3, 1, 4), OverlayLookup::Below(3, 3)));
        // Before the insert: no move.
        assert_eq!(number(&overlay, 2, 0, 1, 2), Some(7.0));
        // Once the insert is durable the committed state is in the new coordinates.
        assert!(matches!(overlay.get(5, 3, 3, 4), OverlayLookup::Below(5, 3)));
        assert_eq!(number(&overlay, 1, 0, 3, 4), Some(9.0));
    }

    /// One write of `rows` x `cols` cells from (`row`, `col`), numbered from `first` row by row.
    fn rectangle(row: u64, col: u64, rows: u64, cols: u64, first: f64) -> Operation {
        let writes = (0..rows * cols)
            .map(|i| CellWrite {
                row: row + i / cols,
                col: col + i % cols,
                value: Some(CellValue::Number(first + i as f64)),
                format: None,
            })
            .collect();
        Operation::SetCells(writes)
    }

    #[test]
    fn a_large_write_is_a_block_that_later_writes_and_clears_cover() {
        let mut overlay = Overlay::new(4);
        overlay.push(1, &[rectangle(0, 0, 2, 2, 10.0)]);
        overlay.push(2, &[set(0, 1, 99.0)]);
        overlay.push(
            3,
            &[Operation::ClearRange(crate::model::CellRange::new(
                crate::model::CellRef { row: 1, col: 1 },
                crate::model::CellRef { row: 1, col: 1 },
            ))],
        );
        assert_eq!(overlay.segments[0].masks.len(), 1, "the 2 x 2 write is one block");
        assert_eq!(overlay.segments[0].cells.cells(), 2, "the others cell by cell");
        assert_eq!(number(&overlay, 0, 0, 1, 4), Some(10.0));
        assert_eq!(number(&overlay, 1, 0, 1, 4), Some(12.0));
        assert_eq!(number(&overlay, 0, 1, 1, 4), Some(99.0), "a later write wins over the block");
        assert_eq!(number(&overlay, 0, 1, 1, 2), Some(11.0), "a version before it reads the block");
        assert!(matches!(overlay.get(1, 1, 1, 4), OverlayLookup::Found(c) if c.is_tombstone()), "cleared after");
        assert_eq!(number(&overlay, 1, 1, 1, 3), Some(13.0));
        assert!(matches!(overlay.get(1, 0, 2, 4), OverlayLookup::Below(1, 0)), "the block's edit is durable");
        assert!(matches!(overlay.get(2, 0, 1, 4), OverlayLookup::Below(2, 0)), "outside the block");
        // Below the threshold: cell by cell.
        let mut small = Overlay::new(5);
        small.push(1, &[rectangle(0, 0, 2, 2, 10.0)]);
        assert_eq!((small.segments[0].masks.len(), small.segments[0].cells.cells()), (0, 4));
        assert_eq!(number(&small, 1, 1, 1, 2), Some(13.0));
    }

    #[test]
    fn a_block_moves_with_the_structural_edits_after_it() {
        let mut overlay = Overlay::new(2);
        overlay.push(1, &[rectangle(2, 0, 2, 2, 10.0)]);
        overlay.push(2, &[Operation::InsertRows { at: 3, count: 2 }]);
        assert_eq!(number(&overlay, 2, 1, 1, 3), Some(11.0));
        assert_eq!(number(&overlay, 5, 0, 1, 3), Some(12.0), "row 3 moved to 5");
        assert!(matches!(overlay.get(3, 0, 1, 3), OverlayLookup::Inserted));
        assert_eq!(number(&overlay, 3, 0, 1, 2), Some(12.0), "before the insert");
    }

    #[test]
    fn clears_mask_and_later_writes_win() {
        use crate::model::{CellRange, CellRef};
        let big = CellRange::new(CellRef { row: 0, col: 0 }, CellRef { row: 9_999, col: 9 });
        let mut overlay = Overlay::default();
        overlay.push(0, &[set(5, 5, 1.0)]);
        overlay.push(1, &[Operation::ClearRange(big)]);
        overlay.push(2, &[set(6, 6, 2.0)]);
        assert!(matches!(overlay.get(5, 5, 0, 3), OverlayLookup::Found(c) if c.is_tombstone()));
        assert!(matches!(overlay.get(9_000, 0, 0, 3), OverlayLookup::Found(c) if c.is_tombstone()));
        assert_eq!(number(&overlay, 6, 6, 0, 3), Some(2.0));
        assert_eq!(number(&overlay, 5, 5, 0, 1), Some(1.0));
    }

    #[test]
    fn durable_edits_leave_and_the_overlay_is_rebuilt_when_empty() {
        let mut pending = Pending::default();
        pending.push(PendingEdit {
            id: 0,
            operations: vec![set(0, 0, 1.0)],
            time_ms: 0,
            kind: EditKind::Normal { group: None },
        });
        pending.push(PendingEdit {
            id: 1,
            operations: vec![set(0, 1, 2.0)],
            time_ms: 0,
            kind: EditKind::Normal { group: None },
        });
        let before = pending.view(2);
        assert_eq!((before.lo, before.hi), (0, 2));
        pending.in_flight = 1;
        let durable = pending.take_durable(1);
        assert_eq!(durable.len(), 1);
        let after = pending.view(2);
        assert_eq!((after.lo, after.hi), (1, 2));
        assert!(Rc::ptr_eq(&before.overlay, &after.overlay), "appending and acknowledging share the overlay");
        pending.take_durable(1);
        assert!(pending.view(2).is_empty());
        assert!(!Rc::ptr_eq(&before.overlay, &pending.view(2).overlay), "a new overlay once nothing is pending");
        assert_eq!(number(&before.overlay.borrow(), 0, 1, 0, 2), Some(2.0), "an old version still reads its edits");
    }
}
