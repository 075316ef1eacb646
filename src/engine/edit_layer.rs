//! The edit layer: cell changes since the last snapshot, each cell keeping its history by log
//! position (DESIGN.md section 5), so every content version in the segment reads correctly.
//!
//! Structural edits (inserting or deleting rows or columns) split the edit layer at their log
//! position into **segments**: each segment holds the cell changes made between two structural
//! edits, in the coordinates of its time, and the transform that maps the previous segment's
//! coordinates into its own. A read starts in the newest segment the version can see and, on a
//! miss, maps the cell down segment by segment to the snapshot's coordinates.
//!
//! A cleared rectangle of up to [`SMALL_CLEAR_CELLS`] cells is recorded as a tombstone per
//! cell; a larger one as one rectangle (a **mask**) of its segment, checked by reads after the
//! cell's own history. An import ([`Operation::Import`]) is a mask too, whose cells the
//! import's layer answers (DESIGN.md section 5b, "Import is a layer"). A write of at least
//! `EngineOptions::block_cells` cells that fills a rectangle (a paste, a fill) is a mask too, a
//! [`Block`] holding its cells row by row, rather than one history entry per cell. Row heights
//! and column widths are kept whole per entry that changed them (they are few: one run per
//! resize), so every version reads its own. When a snapshot completes, [`EditLayer::rebased`]
//! makes the edit layer over it, dropping the history the snapshot holds (DESIGN.md section 5b,
//! "Rebase"); the engine does a large layer's rebase in steps between tasks
//! ([`EditLayer::start_rebase`]), catching up at the end with the cells entries wrote between
//! its steps.

use super::block::{Block, DEFAULT_BLOCK_CELLS};
use super::cell_history::{Cell, CellHistory};
use std::rc::Rc;

use super::structural::{extent_after, grow_extent, sizes_after, structural_transform};
use super::viewport_tiles::CellRect;
use crate::log::{CellWrite, ImportLayer, Operation, SequenceId};
use crate::snapshot::{CellContent, SheetSizes, Transform};

/// Most cells of a cleared rectangle recorded as one tombstone each; larger ones are kept as a
/// rectangle.
pub const SMALL_CLEAR_CELLS: u64 = 4096;

/// What the edit layer says about a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup<'a> {
    /// The edit layer holds the cell's content (possibly a tombstone).
    Found(&'a CellContent),
    /// The edit layer did not touch the cell; the snapshot answers at these coordinates.
    Below {
        /// Row in the snapshot's coordinates.
        row: u64,
        /// Column in the snapshot's coordinates.
        col: u64,
    },
    /// The cell's row or column was inserted after the snapshot and never written: no value.
    Inserted,
    /// The cell lies in the rectangle of the import at `seq`, not written since: the import's
    /// layer answers, at (`row`, `col`) in its coordinates (those of the entry's position).
    Imported {
        /// The import entry.
        seq: SequenceId,
        /// Its layer.
        layer: &'a ImportLayer,
        /// Row in the layer's coordinates.
        row: u64,
        /// Column in the layer's coordinates.
        col: u64,
    },
}

/// A rectangle one entry replaced whole: cleared, imported from a layer, or written as a block.
#[derive(Debug, Clone)]
struct Mask {
    seq: SequenceId,
    rect: CellRect,
    source: MaskSource,
}

/// What answers for the cells of a [`Mask`].
#[derive(Debug, Clone)]
enum MaskSource {
    /// Nothing: the rectangle was cleared.
    Clear,
    /// The import's layer, read from storage.
    Import(Rc<ImportLayer>),
    /// The cells one large write left ([`Block`]).
    Cells(Rc<Block>),
}

#[derive(Debug, Clone)]
struct Segment {
    /// Entries at or after this id belong to the segment (the structural edit that opened it
    /// is its first entry).
    start: SequenceId,
    /// Maps the previous segment's coordinates (the snapshot's, for the first) into this one's.
    transform: Transform,
    /// Per cell (row, col), its changes as (sequence id, content after it), increasing ids.
    cells: CellHistory,
    /// Large cleared rectangles and imports, by the sequence id of their entry, increasing.
    masks: Vec<Mask>,
    /// Extent (one past the highest row and column in use) when the segment opened.
    initial_extent: (u64, u64),
    /// (sequence id, extent after it) for each entry that changed the extent.
    extents: Vec<(SequenceId, u64, u64)>,
}

impl Segment {
    fn new(start: SequenceId, transform: Transform, initial_extent: (u64, u64)) -> Self {
        Self { start, transform, cells: CellHistory::default(), masks: Vec::new(), initial_extent, extents: Vec::new() }
    }

    fn extent(&self, at: SequenceId) -> (u64, u64) {
        let index = self.extents.partition_point(|(seq, _, _)| *seq < at);
        index.checked_sub(1).and_then(|i| self.extents.get(i)).map_or(self.initial_extent, |&(_, r, c)| (r, c))
    }

    fn last_extent(&self) -> (u64, u64) {
        self.extents.last().map_or(self.initial_extent, |&(_, r, c)| (r, c))
    }

    /// Records `extent` as the extent after the entry at `seq`, if it changed.
    fn record_extent(&mut self, seq: SequenceId, (rows, cols): (u64, u64)) {
        if (rows, cols) != self.last_extent() {
            match self.extents.last_mut() {
                Some(last) if last.0 == seq => *last = (seq, rows, cols),
                _ => self.extents.push((seq, rows, cols)),
            }
        }
    }
}

impl Mask {
    /// The cells it holds: a block's; none for a clear or an import (read from storage).
    fn cells(&self) -> usize {
        match &self.source {
            MaskSource::Cells(block) => block.len(),
            MaskSource::Clear | MaskSource::Import(_) => 0,
        }
    }
}

/// Changes applied on top of a snapshot, in log order. Appending only: a change is never
/// altered once applied, so a content version reading at its own sequence id sees the same
/// values however many newer changes arrive.
#[derive(Debug)]
pub struct EditLayer {
    segments: Vec<Segment>,
    /// What a cleared rectangle answers.
    tombstone: CellContent,
    /// The snapshot's row heights and column widths.
    base_sizes: Rc<SheetSizes>,
    /// (sequence id, sizes after it) for each entry that changed them, increasing ids.
    size_changes: Vec<(SequenceId, Rc<SheetSizes>)>,
    /// The cells written to the segment a rebase in steps copies from since it started: the
    /// swap copies them again ([`Self::finish_rebase`]).
    watch: Option<Watch>,
    /// How many rebases in steps were started on this layer (names the newest's [`Watch`]).
    watches: u64,
    /// Least cells of a write that fills a rectangle kept as one [`Block`].
    block_cells: usize,
}

/// What a rebase in steps must copy again at its end: the cells written to its segment since it
/// started, so an entry landing between two steps (typing while a snapshot is adopted) neither
/// loses its change nor throws the steps away.
#[derive(Debug)]
struct Watch {
    /// The rebase's number ([`EditLayer::watches`] when it started).
    id: u64,
    /// The segment it copies from.
    segment: usize,
    /// The cells written there since, in order, repeats included; `None` once there were more
    /// than `limit` (the swap then rebases at once).
    cells: Option<Vec<Cell>>,
    limit: usize,
}

/// A rebase done in steps ([`EditLayer::start_rebase`]): the cells of the segment the snapshot
/// ends in, copied a slice at a time between tasks, so adopting a snapshot after a very large
/// entry never holds the thread for the whole copy (BENCHMARKS.md, "Stop 29").
#[derive(Debug)]
pub(crate) struct Rebase {
    at: SequenceId,
    /// Its [`Watch`]'s id; 0 for a rebase at once, which has none.
    watch: u64,
    /// The cells of segment `segment_at(at)` when the rebase started.
    keys: Vec<Cell>,
    /// How many of `keys` are copied.
    copied: usize,
    cells: CellHistory,
}

impl Default for EditLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl EditLayer {
    /// An empty edit layer over an empty sheet.
    pub fn new() -> Self {
        Self::over(0, (0, 0))
    }

    /// An empty edit layer over a snapshot reflecting the entries before `start`, whose extent
    /// is (`rows`, `cols`).
    pub fn over(start: SequenceId, extent: (u64, u64)) -> Self {
        Self {
            segments: vec![Segment::new(start, Transform::default(), extent)],
            tombstone: CellContent::tombstone(),
            base_sizes: Rc::default(),
            size_changes: Vec::new(),
            watch: None,
            watches: 0,
            block_cells: DEFAULT_BLOCK_CELLS,
        }
    }

    /// This layer keeping a write of at least `cells` cells that fills a rectangle as one block
    /// (default [`DEFAULT_BLOCK_CELLS`]; `EngineOptions::block_cells`).
    pub(crate) fn with_block_cells(mut self, cells: usize) -> Self {
        self.block_cells = cells;
        self
    }

    /// This layer over a snapshot whose row heights and column widths are `sizes` (the
    /// defaults unless set).
    pub fn with_sizes(mut self, sizes: SheetSizes) -> Self {
        self.base_sizes = Rc::new(sizes);
        self
    }

    /// The row heights and column widths of the version reflecting the entries before `at`.
    pub fn sizes(&self, at: SequenceId) -> Rc<SheetSizes> {
        let k = self.size_changes.partition_point(|(seq, _)| *seq < at);
        k.checked_sub(1)
            .and_then(|k| self.size_changes.get(k))
            .map_or_else(|| self.base_sizes.clone(), |(_, s)| s.clone())
    }

    /// The first entry not in the snapshot below: the layer reads correctly at every position
    /// from here to the end of what was applied.
    pub fn start(&self) -> SequenceId {
        self.segments.first().map_or(0, |s| s.start)
    }

    fn last_mut(&mut self) -> &mut Segment {
        if self.segments.is_empty() {
            self.segments.push(Segment::new(0, Transform::default(), (0, 0)));
        }
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    /// Records the cell writes of the entry at `seq`. Entries must be applied in increasing
    /// `seq`; several writes of one entry to one cell leave the last.
    pub fn apply(&mut self, seq: SequenceId, writes: &[CellWrite]) {
        self.note_written(writes.iter().map(|w| (w.row, w.col)));
        let segment = self.last_mut();
        let before = segment.last_extent();
        segment.cells.reserve(writes.len());
        for write in writes {
            let content = CellContent { value: write.value.clone(), format: write.format.clone() };
            segment.cells.set((write.row, write.col), seq, content);
        }
        segment.record_extent(seq, grow_extent(before, writes));
    }

    /// Records the writes of the entry at `seq` that fill `block`'s rectangle, as one mask.
    fn apply_block(&mut self, seq: SequenceId, block: Block) {
        let segment = self.last_mut();
        let before = segment.last_extent();
        let rect = block.rect();
        segment.masks.push(Mask { seq, rect, source: MaskSource::Cells(Rc::new(block)) });
        segment.record_extent(seq, (before.0.max(rect.rows.1 + 1), before.1.max(rect.cols.1 + 1)));
    }

    /// Records the entry at `seq`, as [`Self::apply_operation`], taking its writes: a large
    /// write that fills a rectangle becomes a [`Block`] of them without copying a cell.
    pub(crate) fn apply_owned(&mut self, seq: SequenceId, operation: Operation) {
        match operation {
            Operation::SetCells(writes) => match Block::take(writes, self.block_cells) {
                Ok(block) => self.apply_block(seq, block),
                Err(writes) => self.apply(seq, &writes),
            },
            other => self.apply_operation(seq, &other),
        }
    }

    /// Records the entry at `seq`, whatever its operation: cell writes, or a structural edit
    /// that opens a new segment.
    pub fn apply_operation(&mut self, seq: SequenceId, operation: &Operation) {
        let current = self.size_changes.last().map_or(&self.base_sizes, |(_, s)| s);
        if let Some(sizes) = sizes_after(current, operation) {
            self.size_changes.push((seq, Rc::new(sizes)));
        }
        match (operation, structural_transform(operation)) {
            (Operation::SetItemSizes { .. }, _) => {}
            (Operation::SetCell(write), _) => self.apply(seq, std::slice::from_ref(write)),
            (Operation::SetCells(writes), _) => match Block::of(writes, self.block_cells) {
                Some(block) => self.apply_block(seq, block),
                None => self.apply(seq, writes),
            },
            (Operation::ClearRange(range), _) => {
                let rect = CellRect::of_range(range);
                if range.row_count().saturating_mul(range.column_count()) <= SMALL_CLEAR_CELLS {
                    self.note_written(rect.cells());
                    let segment = self.last_mut();
                    for cell in rect.cells() {
                        segment.cells.set(cell, seq, CellContent::tombstone());
                    }
                } else {
                    self.last_mut().masks.push(Mask { seq, rect, source: MaskSource::Clear });
                }
            }
            (Operation::Import(layer), _) => {
                let segment = self.last_mut();
                let before = segment.last_extent();
                let rect = CellRect::of_range(&layer.rect);
                segment.masks.push(Mask { seq, rect, source: MaskSource::Import(Rc::new(layer.clone())) });
                let after = extent_after(before, operation);
                if after != before {
                    segment.extents.push((seq, after.0, after.1));
                }
            }
            (_, transform) => {
                let extent = extent_after(self.last_mut().last_extent(), operation);
                self.segments.push(Segment::new(seq, transform.unwrap_or_default(), extent));
            }
        }
    }

    /// The index of the newest segment a version reflecting the entries before `at` sees.
    fn segment_at(&self, at: SequenceId) -> usize {
        // Segment k > 0 opens with the structural edit at `start`, seen by versions past it.
        self.segments.partition_point(|s| s.start < at).saturating_sub(1)
    }

    /// The content of cell (`row`, `col`), in the coordinates of the version reflecting the
    /// entries before `at`: found here, or where to look in the snapshot, or inserted since.
    /// Binary search on each cell's history.
    pub fn get(&self, row: u64, col: u64, at: SequenceId) -> Lookup<'_> {
        let (mut row, mut col) = (row, col);
        let mut k = self.segment_at(at);
        loop {
            let Some(segment) = self.segments.get(k) else { return Lookup::Below { row, col } };
            let written = segment.cells.get((row, col), 0, at);
            let masked = segment.masks.iter().rev().find(|m| m.seq < at && m.rect.contains(row, col));
            match (written, masked) {
                (Some((w, content)), Some(mask)) if w > mask.seq => return Lookup::Found(content),
                (_, Some(Mask { seq, source: MaskSource::Import(layer), .. })) => {
                    return Lookup::Imported { seq: *seq, layer, row, col };
                }
                (_, Some(Mask { source: MaskSource::Cells(block), .. })) => {
                    return Lookup::Found(block.get(row, col).unwrap_or(&self.tombstone));
                }
                (_, Some(Mask { source: MaskSource::Clear, .. })) => return Lookup::Found(&self.tombstone),
                (Some((_, content)), None) => return Lookup::Found(content),
                (None, None) => {}
            }
            if k == 0 {
                return Lookup::Below { row, col };
            }
            match (segment.transform.rows.new_to_old(row), segment.transform.cols.new_to_old(col)) {
                (Some(r), Some(c)) => (row, col) = (r, c),
                _ => return Lookup::Inserted,
            }
            k -= 1;
        }
    }

    /// One past the highest (row, column) in use as of the version reflecting entries before
    /// `at`: the snapshot's extent, grown by writes and shifted by structural edits.
    pub fn extent(&self, at: SequenceId) -> (u64, u64) {
        self.segments.get(self.segment_at(at)).map_or((0, 0), |s| s.extent(at))
    }

    /// The transforms of the segments a version at `at` sees, oldest first: together they map
    /// snapshot coordinates to the version's.
    pub fn transforms(&self, at: SequenceId) -> impl Iterator<Item = &Transform> + '_ {
        self.segments.iter().take(self.segment_at(at) + 1).skip(1).map(|s| &s.transform)
    }

    /// The transforms of the structural edits from entry `from` on that a version at `at`
    /// sees, oldest first: they map the coordinates of a snapshot on entry `from` to the
    /// version's.
    pub fn transforms_between(&self, from: SequenceId, at: SequenceId) -> impl Iterator<Item = &Transform> + '_ {
        self.segments
            .iter()
            .take(self.segment_at(at) + 1)
            .skip(1)
            .filter(move |s| s.start >= from)
            .map(|s| &s.transform)
    }

    /// The imports a version at `at` sees, oldest first, each with the transforms (oldest
    /// first) that map its layer's coordinates to the version's.
    pub fn imports(&self, at: SequenceId) -> Vec<(SequenceId, Rc<ImportLayer>, Vec<&Transform>)> {
        let top = self.segment_at(at);
        let mut out = Vec::new();
        for (k, segment) in self.segments.iter().enumerate().take(top + 1) {
            for mask in segment.masks.iter().filter(|m| m.seq < at) {
                if let MaskSource::Import(layer) = &mask.source {
                    let after = self.segments[k + 1..=top].iter().map(|s| &s.transform).collect();
                    out.push((mask.seq, layer.clone(), after));
                }
            }
        }
        out
    }

    /// Number of cells with at least one change, over all segments: those changed one by one,
    /// and the cells of blocks (a cell in both counts twice).
    pub fn len(&self) -> usize {
        self.segments.iter().map(|s| s.cells.cells() + s.masks.iter().map(Mask::cells).sum::<usize>()).sum()
    }

    /// The layer taken apart, for a layer nobody reads any more (`retired`): each step of the
    /// iterator drops one cell's changes ([`CellHistory::into_drops`], segment by segment) or
    /// one cell of a block only this layer holds; the rest of the layer (other masks, extents,
    /// sizes) goes when the iterator does.
    pub(crate) fn into_drops(self) -> impl Iterator<Item = ()> {
        self.segments.into_iter().flat_map(|segment| {
            let blocks = segment.masks.into_iter().filter_map(|mask| match mask.source {
                MaskSource::Cells(block) => Rc::try_unwrap(block).ok(),
                MaskSource::Clear | MaskSource::Import(_) => None,
            });
            segment.cells.into_drops().chain(blocks.flat_map(Block::into_drops))
        })
    }

    /// Number of changes held: every cell's history entries, the cells of blocks, other masks
    /// and segments (a measure of the layer's memory, which a rebase bounds).
    pub fn changes(&self) -> usize {
        self.segments
            .iter()
            .map(|s| s.cells.changes() + s.masks.iter().map(|m| m.cells().max(1)).sum::<usize>() + 1)
            .sum()
    }

    /// The edit layer over the snapshot that reflects the entries before `at` (which must be
    /// at or after this layer's start): the changes from `at` on, in the snapshot's
    /// coordinates, the earlier ones dropped (the snapshot holds them). `O(changes)`.
    pub fn rebased(&self, at: SequenceId) -> EditLayer {
        let mut rebase = self.rebase_keys(at, 0);
        if let Some(segment) = self.segments.get(self.segment_at(at)) {
            segment.cells.copy_since(&rebase.keys, at, &mut rebase.cells);
        }
        self.layer_after(at, rebase.cells)
    }

    fn rebase_keys(&self, at: SequenceId, watch: u64) -> Rebase {
        let keys = self.segments.get(self.segment_at(at)).map(|s| s.cells.keys()).unwrap_or_default();
        Rebase { at, watch, keys, copied: 0, cells: CellHistory::default() }
    }

    /// Starts [`Self::rebased`]`(at)` to be done in steps: [`Self::rebase_step`] until it says
    /// done, then [`Self::finish_rebase`]. Collects the keys of the cells to walk (one pass),
    /// and from now on notes the cells entries write to the segment it copies from (at most
    /// `catch_up` of them, which the finish copies again; past that, the finish gives up).
    /// Starting another rebase abandons this one.
    pub(crate) fn start_rebase(&mut self, at: SequenceId, catch_up: usize) -> Rebase {
        self.watches += 1;
        let rebase = self.rebase_keys(at, self.watches);
        let segment = self.segment_at(at);
        self.watch = Some(Watch { id: self.watches, segment, cells: Some(Vec::new()), limit: catch_up });
        rebase
    }

    /// Notes cells written to the last segment for the rebase in steps watching it.
    fn note_written(&mut self, cells: impl Iterator<Item = Cell>) {
        let last = self.segments.len().saturating_sub(1);
        let Some(watch) = self.watch.as_mut().filter(|w| w.segment == last) else { return };
        if let Some(noted) = watch.cells.as_mut() {
            // At most one past the limit, however large the entry.
            noted.extend(cells.take(watch.limit.saturating_sub(noted.len()).saturating_add(1)));
            if noted.len() > watch.limit {
                watch.cells = None;
            }
        }
    }

    /// Whether `rebase` is still the one this layer watches, with the writes since it started
    /// noted.
    fn watching(&self, rebase: &Rebase) -> bool {
        self.watch.as_ref().is_some_and(|w| w.id == rebase.watch && w.cells.is_some())
    }

    /// Copies the changes of up to `cells` more cells into `rebase`; true when it is done (or
    /// abandoned: too many writes since it started, or another rebase started, which
    /// [`Self::finish_rebase`] then reports).
    pub(crate) fn rebase_step(&self, rebase: &mut Rebase, cells: usize) -> bool {
        if !self.watching(rebase) {
            return true;
        }
        let end = rebase.copied.saturating_add(cells).min(rebase.keys.len());
        if let (Some(segment), Some(keys)) =
            (self.segments.get(self.segment_at(rebase.at)), rebase.keys.get(rebase.copied..end))
        {
            segment.cells.copy_since(keys, rebase.at, &mut rebase.cells);
        }
        rebase.copied = end;
        end == rebase.keys.len()
    }

    /// The layer [`Self::rebased`] would give now, from a finished `rebase`: the cells written
    /// to its segment since it started are copied again (their changes until now), and the
    /// masks, extents, sizes and segments are taken as they are now. `None` when the rebase was
    /// abandoned (more writes than its `catch_up`, or another rebase started); the caller then
    /// rebases at once. Ends the watch.
    pub(crate) fn finish_rebase(&mut self, mut rebase: Rebase) -> Option<EditLayer> {
        let watch = self.watch.take_if(|w| w.id == rebase.watch)?;
        let mut written = watch.cells.filter(|_| rebase.copied == rebase.keys.len())?;
        written.sort_unstable();
        written.dedup();
        for cell in &written {
            rebase.cells.remove(*cell);
        }
        if let Some(segment) = self.segments.get(watch.segment) {
            segment.cells.copy_since(&written, rebase.at, &mut rebase.cells);
        }
        Some(self.layer_after(rebase.at, rebase.cells))
    }

    /// The layer over the snapshot at `at`, whose segment at `at` keeps `cells` (its changes
    /// from `at` on).
    fn layer_after(&self, at: SequenceId, cells: CellHistory) -> EditLayer {
        let k = self.segment_at(at);
        let mut segments: Vec<Segment> = self.segments.get(k + 1..).unwrap_or_default().to_vec();
        let base = self.segments.get(k);
        let mut first = Segment::new(at, Transform::default(), self.extent(at));
        if let Some(base) = base {
            first.cells = cells;
            first.masks = base.masks.iter().filter(|m| m.seq >= at).cloned().collect();
            first.extents = base.extents.iter().filter(|(s, _, _)| *s >= at).copied().collect();
        }
        segments.insert(0, first);
        EditLayer {
            segments,
            tombstone: CellContent::tombstone(),
            base_sizes: self.sizes(at),
            size_changes: self.size_changes.iter().filter(|(s, _)| *s >= at).cloned().collect(),
            watch: None,
            watches: 0,
            block_cells: self.block_cells,
        }
    }

    /// True when no cell was changed and no structural edit applied.
    pub fn is_empty(&self) -> bool {
        self.segments.len() <= 1 && self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CellRange, CellRef, CellValue};

    fn write(row: u64, col: u64, n: f64) -> CellWrite {
        CellWrite { row, col, value: Some(CellValue::Number(n)), format: None }
    }

    fn number(layer: &EditLayer, row: u64, col: u64, at: SequenceId) -> Option<f64> {
        match layer.get(row, col, at) {
            Lookup::Found(CellContent { value: Some(CellValue::Number(n)), .. }) => Some(*n),
            _ => None,
        }
    }

    /// How a layer answers for a cell, for comparing two layers.
    fn read(layer: &EditLayer, row: u64, col: u64, at: SequenceId) -> String {
        match layer.get(row, col, at) {
            Lookup::Found(content) => format!("{content:?}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_large_write_is_one_block_that_reads_like_its_cells() {
        let rectangle = Operation::SetCells(
            (0..12u64).map(|i| write(1 + i / 4, 1 + i % 4, i as f64)).rev().collect(), // any order
        );
        let later = [
            Operation::SetCell(write(2, 2, 99.0)),
            Operation::InsertRows { at: 2, count: 1 },
            Operation::ClearRange(CellRange::new(CellRef { row: 3, col: 3 }, CellRef { row: 3, col: 3 })),
        ];
        let mut blocks = EditLayer::over(0, (2, 2)).with_block_cells(12);
        let mut cells = EditLayer::over(0, (2, 2)).with_block_cells(usize::MAX);
        blocks.apply_owned(0, rectangle.clone());
        cells.apply_operation(0, &rectangle);
        for (seq, op) in (1..).zip(&later) {
            blocks.apply_operation(seq, op);
            cells.apply_operation(seq, op);
        }
        assert_eq!((blocks.segments[0].masks.len(), blocks.segments[0].cells.cells()), (1, 1), "one block, one cell");
        assert_eq!(cells.segments[0].cells.cells(), 12);
        for at in 0..=4 {
            assert_eq!(blocks.extent(at), cells.extent(at), "extent at {at}");
            for row in 0..7 {
                for col in 0..7 {
                    assert_eq!(read(&blocks, row, col, at), read(&cells, row, col, at), "({row}, {col}) at {at}");
                }
            }
        }
        assert_eq!(number(&blocks, 3, 2, 4), Some(99.0), "the later write wins (a row down since)");
        assert_eq!(number(&blocks, 4, 4, 4), Some(11.0), "the block's last cell, a row down");
        // 12 block cells and 2 cells one by one (the write and the small clear's tombstone).
        assert_eq!((blocks.len(), blocks.changes()), (14, 12 + 2 + 2));
        // A snapshot holding the block drops it; one before it keeps it (shared, not copied).
        let kept = blocks.rebased(0);
        assert_eq!(kept.len(), 14);
        assert_eq!(read(&kept, 4, 4, 4), read(&blocks, 4, 4, 4));
        assert_eq!(blocks.rebased(1).len(), 2, "the block is in the snapshot; the write and the clear are not");
        assert_eq!(kept.into_drops().count(), 2, "a block another layer holds is not taken apart");
        assert_eq!(blocks.into_drops().count(), 14, "a cell per step, the block's too");
    }

    #[test]
    fn a_write_below_the_threshold_or_with_a_hole_stays_cell_by_cell() {
        let mut layer = EditLayer::new().with_block_cells(4);
        layer.apply_owned(0, Operation::SetCells(vec![write(0, 0, 1.0), write(0, 1, 2.0), write(1, 0, 3.0)]));
        layer.apply_owned(1, Operation::SetCells((0..5).map(|c| write(5, c, 1.0)).collect()));
        let holed = vec![write(7, 0, 1.0), write(7, 1, 1.0), write(8, 0, 1.0), write(8, 0, 2.0)];
        layer.apply_owned(2, Operation::SetCells(holed));
        assert_eq!(layer.segments[0].masks.len(), 1, "only the row of five is a block");
        assert_eq!(layer.segments[0].cells.cells(), 3 + 3);
        assert_eq!(number(&layer, 8, 0, 3), Some(2.0));
        assert_eq!(number(&layer, 5, 4, 3), Some(1.0));
        assert_eq!(layer.extent(3), (9, 5));
    }

    #[test]
    fn each_version_reads_its_own_history() {
        let mut layer = EditLayer::new();
        layer.apply(10, &[write(0, 0, 1.0)]);
        layer.apply(12, &[write(0, 0, 2.0), write(3, 1, 9.0)]);
        layer.apply(15, &[CellWrite { row: 0, col: 0, value: None, format: None }]);
        assert_eq!(layer.get(0, 0, 10), Lookup::Below { row: 0, col: 0 }, "version 10 reflects entries before 10");
        assert_eq!(number(&layer, 0, 0, 11), Some(1.0));
        assert_eq!(number(&layer, 0, 0, 13), Some(2.0));
        assert!(matches!(layer.get(0, 0, 16), Lookup::Found(c) if c.is_tombstone()), "a clear masks older layers");
        assert_eq!(layer.extent(10), (0, 0));
        assert_eq!(layer.extent(11), (1, 1));
        assert_eq!(layer.extent(13), (4, 2));
        assert_eq!(layer.extent(100), (4, 2));
    }

    #[test]
    fn last_write_of_an_entry_wins_and_long_histories_search() {
        let mut layer = EditLayer::new();
        layer.apply(0, &[write(1, 1, 1.0), write(1, 1, 2.0)]);
        assert_eq!(number(&layer, 1, 1, 1), Some(2.0));
        for seq in 1..5000 {
            layer.apply(seq, &[write(1, 1, seq as f64)]);
        }
        for at in [1, 2, 777, 4999, 5000] {
            assert_eq!(number(&layer, 1, 1, at), Some(if at == 1 { 2.0 } else { (at - 1) as f64 }));
        }
        assert_eq!(layer.len(), 1);
    }

    #[test]
    fn structural_edits_split_the_layer_and_old_versions_keep_old_positions() {
        let mut layer = EditLayer::over(0, (3, 4));
        layer.apply(0, &[write(2, 1, 7.0)]);
        layer.apply_operation(1, &Operation::InsertRows { at: 1, count: 2 });
        layer.apply(2, &[write(1, 0, 5.0)]);
        layer.apply_operation(3, &Operation::DeleteColumns { at: 0, count: 1 });
        // Before the insert: the cell is at row 2.
        assert_eq!(number(&layer, 2, 1, 1), Some(7.0));
        assert_eq!(layer.extent(1), (3, 4));
        // After the insert: it moved to row 4; rows 1 and 2 are new.
        assert_eq!(number(&layer, 4, 1, 2), Some(7.0));
        assert_eq!(layer.get(2, 1, 2), Lookup::Inserted);
        assert_eq!(layer.get(0, 3, 2), Lookup::Below { row: 0, col: 3 });
        assert_eq!(layer.extent(2), (5, 4));
        assert_eq!(number(&layer, 1, 0, 3), Some(5.0));
        // After deleting column A: everything moves left by one.
        assert_eq!(number(&layer, 4, 0, 4), Some(7.0));
        assert_eq!(layer.get(1, 0, 4), Lookup::Inserted, "row 1 was inserted; its column A (and the 5) was deleted");
        assert_eq!(layer.get(3, 2, 4), Lookup::Below { row: 1, col: 3 });
        assert_eq!(layer.extent(4), (5, 3));
        assert_eq!(layer.transforms(4).count(), 2);
        assert_eq!(layer.transforms(2).count(), 1);
    }

    fn clear(r0: u64, c0: u64, r1: u64, c1: u64) -> Operation {
        use crate::model::{CellRange, CellRef};
        Operation::ClearRange(CellRange::new(CellRef { row: r0, col: c0 }, CellRef { row: r1, col: c1 }))
    }

    #[test]
    fn clears_mask_older_writes_and_later_writes_win() {
        let mut layer = EditLayer::over(0, (10, 10));
        layer.apply(0, &[write(2, 2, 1.0), write(5_000, 3, 2.0)]);
        layer.apply_operation(1, &clear(0, 0, 3, 3)); // small: a tombstone per cell
        layer.apply_operation(2, &clear(0, 0, 9_999, 5)); // large: one rectangle
        layer.apply(3, &[write(7_000, 4, 3.0)]);
        assert_eq!(number(&layer, 2, 2, 1), Some(1.0));
        assert!(matches!(layer.get(2, 2, 2), Lookup::Found(c) if c.is_tombstone()));
        assert!(matches!(layer.get(5_000, 3, 3), Lookup::Found(c) if c.is_tombstone()));
        assert!(matches!(layer.get(9_000, 0, 3), Lookup::Found(c) if c.is_tombstone()), "masks the snapshot too");
        assert_eq!(layer.get(10_000, 0, 3), Lookup::Below { row: 10_000, col: 0 });
        assert_eq!(number(&layer, 7_000, 4, 4), Some(3.0), "written after the clear");
        assert_eq!(layer.extent(4), (7_001, 10), "a clear leaves the extent");
    }

    /// Reads of every cell of a 12 x 12 area at positions `from .. to`.
    fn reads(layer: &EditLayer, from: SequenceId, to: SequenceId) -> Vec<String> {
        let mut out = Vec::new();
        for at in from..to {
            for row in 0..12 {
                for col in 0..12 {
                    out.push(format!("{at} {row} {col} {:?}", layer.get(row, col, at)));
                }
            }
        }
        out
    }

    /// Entries 0..12: writes, a row insert at 10, writes after it.
    fn layer_for_rebase() -> EditLayer {
        let mut layer = EditLayer::over(0, (0, 0));
        for seq in 0..10 {
            layer.apply(seq, &[write(seq % 3, 0, seq as f64), write(seq, 1, 1.0), write(seq, seq, 2.0)]);
        }
        layer.apply_operation(10, &Operation::InsertRows { at: 2, count: 1 });
        layer.apply(11, &[write(0, 0, 50.0), write(5, 5, 5.0)]);
        layer
    }

    /// Finishes a rebase in steps of `step`, with `during` applied after `after_steps` steps.
    fn stepped(
        layer: &mut EditLayer,
        at: SequenceId,
        step: usize,
        after_steps: usize,
        during: &[Operation],
    ) -> Option<EditLayer> {
        let mut rebase = layer.start_rebase(at, 64);
        let mut steps = 0;
        let mut applied = false;
        loop {
            if steps == after_steps {
                for (k, op) in during.iter().enumerate() {
                    layer.apply_operation(12 + k as SequenceId, op);
                }
                applied = true;
            }
            steps += 1;
            if layer.rebase_step(&mut rebase, step) {
                break;
            }
        }
        if !applied {
            for (k, op) in during.iter().enumerate() {
                layer.apply_operation(12 + k as SequenceId, op);
            }
        }
        layer.finish_rebase(rebase)
    }

    #[test]
    fn a_rebase_in_steps_gives_the_rebased_layer() {
        let mut layer = layer_for_rebase();
        for at in [0, 4, 10, 11, 12] {
            let whole = layer.rebased(at);
            for step in [1, 2, 5, usize::MAX] {
                let mut rebase = layer.start_rebase(at, 0);
                let mut steps = 1;
                while !layer.rebase_step(&mut rebase, step) {
                    steps += 1;
                }
                assert!(step == usize::MAX || steps > 1 || whole.len() <= step, "{at} {step}: in steps");
                let stepped = layer.finish_rebase(rebase).expect("the layer did not change");
                assert_eq!(reads(&stepped, at, 13), reads(&whole, at, 13), "at {at}, steps of {step}");
                assert_eq!(stepped.changes(), whole.changes());
            }
        }
    }

    #[test]
    fn a_rebase_in_steps_catches_up_with_entries_applied_between_its_steps() {
        let set = |row, col, n| Operation::SetCells(vec![write(row, col, n)]);
        let cases: Vec<Vec<Operation>> = vec![
            // Cells copied early, copied late, never written before; one of them twice.
            vec![set(0, 0, 60.0), set(9, 9, 61.0), set(11, 3, 62.0), set(0, 0, 63.0)],
            // A small clear (tombstones), then a write inside it.
            vec![clear(0, 0, 3, 3), set(1, 1, 70.0)],
            // A large clear (a mask) and writes after it.
            vec![set(4, 4, 80.0), clear(0, 0, 100, 100), set(2, 1, 81.0)],
            // A structural edit (a new segment) between writes.
            vec![set(3, 1, 90.0), Operation::DeleteRows { at: 1, count: 2 }, set(0, 0, 91.0)],
        ];
        for (c, during) in cases.iter().enumerate() {
            for at in [0, 4, 10, 11, 12] {
                for step in [1, 2, 5] {
                    for after_steps in 0..4 {
                        let mut layer = layer_for_rebase();
                        let stepped = stepped(&mut layer, at, step, after_steps, during);
                        let stepped = stepped.expect("caught up");
                        let end = 12 + during.len() as SequenceId + 1;
                        let whole = layer.rebased(at);
                        let what = format!("case {c}, at {at}, steps of {step}, entries after {after_steps} steps");
                        assert_eq!(reads(&stepped, at, end), reads(&whole, at, end), "{what}");
                        assert_eq!(stepped.changes(), whole.changes(), "{what}");
                        assert_eq!(stepped.extent(end), layer.extent(end), "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_rebase_in_steps_is_abandoned_past_its_catch_up_or_by_another() {
        // More cells written meanwhile than it may copy again: the finish gives up.
        let mut layer = layer_for_rebase();
        layer.apply(12, &(0..10).map(|col| write(10, col, 1.0)).collect::<Vec<_>>());
        let mut rebase = layer.start_rebase(11, 3);
        assert!(!layer.rebase_step(&mut rebase, 1), "the segment at 11 has 12 cells");
        layer.apply(13, &[write(7, 7, 7.0), write(7, 8, 7.0), write(7, 9, 7.0)]);
        assert!(!layer.rebase_step(&mut rebase, 1), "three cells are within its catch-up");
        layer.apply(14, &[write(8, 8, 8.0)]);
        assert!(layer.rebase_step(&mut rebase, 1), "four are not: it stops");
        assert!(layer.finish_rebase(rebase).is_none(), "and reports it");
        // A second rebase started abandons the first.
        let mut first = layer.start_rebase(4, 100);
        let mut second = layer.start_rebase(5, 100);
        assert!(layer.rebase_step(&mut first, 1), "the first stops");
        while !layer.rebase_step(&mut second, 1) {}
        assert!(layer.finish_rebase(first).is_none());
        let second = layer.finish_rebase(second).expect("the second is good");
        assert_eq!(reads(&second, 5, 15), reads(&layer.rebased(5), 5, 15));
    }

    #[test]
    fn rebased_keeps_only_what_the_snapshot_does_not_hold() {
        let mut layer = EditLayer::over(0, (0, 0));
        for seq in 0..10 {
            layer.apply(seq, &[write(0, 0, seq as f64), write(seq, 1, 1.0)]);
        }
        layer.apply_operation(10, &Operation::InsertRows { at: 0, count: 1 });
        layer.apply(11, &[write(0, 0, 50.0)]);
        layer.apply_operation(12, &clear(0, 0, 100, 100));
        layer.apply(13, &[write(3, 3, 7.0)]);
        let rebased = layer.rebased(5);
        assert_eq!(layer.changes(), 25, "10 + 10 + 1 + 1 + 1 changes and 2 segments");
        assert!(rebased.changes() < layer.changes());
        // A snapshot at 5 holds entries 0..5; reads from 5 on agree with the full layer wherever
        // the full layer answers from changes at or after 5.
        assert_eq!(number(&rebased, 0, 0, 6), Some(5.0));
        assert_eq!(rebased.get(1, 1, 6), Lookup::Below { row: 1, col: 1 }, "held by the snapshot");
        assert_eq!(number(&rebased, 7, 1, 8), Some(1.0));
        assert_eq!(rebased.get(0, 5, 11), Lookup::Inserted);
        assert_eq!(number(&rebased, 0, 0, 12), Some(50.0));
        assert!(matches!(rebased.get(8, 1, 13), Lookup::Found(c) if c.is_tombstone()));
        assert_eq!(number(&rebased, 3, 3, 14), Some(7.0));
        assert_eq!(rebased.extent(14), layer.extent(14));
        assert_eq!(rebased.transforms(14).count(), 1);
        let at_snapshot = layer.rebased(11);
        assert_eq!(at_snapshot.transforms(14).count(), 0, "the insert is in the snapshot");
        assert_eq!(number(&at_snapshot, 0, 0, 12), Some(50.0));
    }
}
