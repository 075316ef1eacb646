//! Undo and redo, per client (the time-travel issue; DESIGN.md section 5b). Undoing never
//! rewrites history: it appends the **inverse** of the step's entries as a new edit.
//!
//! The inverse of an entry is computed from the version it replaced (the version at its
//! position, [`super::time_travel`]), so entries carry nothing extra: the previous contents for
//! cell writes and range clears, the removed cells (restored from history and snapshots) for
//! deleted rows and columns, a delete for inserted ones ([`inverse_operations`]). A step's
//! entries are inverted newest first; a run of consecutive entries inverts as one chain (each
//! inverse in the coordinates the inverses before it lead back to), which is then
//! **transformed** through every entry after the run, other clients' included, one structural
//! edit at a time with the operational transform of conflicts (`super::structural`), so it
//! acts on the cells the user sees now. A step whose inverse
//! writes cells that were all deleted since is skipped ([`EngineError::TargetDeleted`]), as is
//! one whose history is no longer kept ([`EngineError::BeforeRetention`]); the next is tried.
//!
//! The inverse is prepared against the engine's position at the time and submitted as an edit
//! of kind undo (or redo), which the engine transforms through anything committed meanwhile;
//! when it commits, the step moves to the other stack (`super::undo_stack`). Undo and redo run
//! one at a time, after this client's pending edits are durable.

use std::ops::Range;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use rustc_hash::FxHashSet;

use super::error::EngineError;
use super::sheet::Engine;
use super::state::{Msg, Reply};
use super::structural::{coalesce_deletes, rebase_operations, structural_transform};
use super::time_travel::entries_between;
use super::undo_stack::{EditKind, Step};
use super::version::ContentVersion;
use super::viewport_tiles::CellRect;
use crate::blob::BlobStore;
use crate::log::{CellWrite, EventLog, Operation, SequenceId, MAX_BATCH_CELLS, MAX_SIZE_RUNS};
use crate::model::{Axis, SizeRun};
use crate::snapshot::{TileSize, Transform};

/// What an `undo()` or `redo()` did.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoOutcome {
    /// The entries the inverse became (empty when the step had nothing left to change);
    /// `None` when no step was left to undo (or redo).
    pub committed: Option<Range<SequenceId>>,
    /// The steps skipped on the way, newest first, each with why:
    /// [`EngineError::TargetDeleted`] (another writer deleted every cell it would restore) or
    /// [`EngineError::BeforeRetention`] (its history is no longer kept).
    pub skipped: Vec<EngineError>,
}

/// Which stack a call works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Undo,
    Redo,
}

/// Most times an inverse is prepared again because the engine moved past its base meanwhile.
const MAX_PREPARES: usize = 8;

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// Reverts this client's latest step not yet undone: appends its inverse, transformed
    /// through what other clients appended since (module docs). Shows at once like any edit;
    /// resolves when durable. Steps skipped on the way are listed in the outcome.
    ///
    /// # Errors
    /// [`EngineError::Log`] or [`EngineError::Blob`] on a storage failure (the step stays);
    /// [`EngineError::Closed`].
    pub fn undo(&self) -> LocalBoxFuture<'static, Result<UndoOutcome, EngineError>> {
        let this = self.clone();
        async move { this.step(Direction::Undo).await }.boxed_local()
    }

    /// Applies again the latest step undone (the inverse of its undo), as [`Self::undo`]. A
    /// new edit of this client (not an undo or redo) empties the redo stack.
    ///
    /// # Errors
    /// As [`Self::undo`].
    pub fn redo(&self) -> LocalBoxFuture<'static, Result<UndoOutcome, EngineError>> {
        let this = self.clone();
        async move { this.step(Direction::Redo).await }.boxed_local()
    }

    /// Resolves once nothing of this client is left unsaved: every edit durable and the undo
    /// and redo stacks saved under [`super::EngineOptions::undo_key`] as they are then (their
    /// save follows each step's commit, so an edit's promise can resolve a little before its
    /// undo step is stored). What a page awaits before it reloads or navigates itself, so that
    /// `undo` after the reload reverts the last step (DESIGN.md section 3: "the stack survives
    /// reload").
    ///
    /// # Errors
    /// [`EngineError::Closed`] when the engine is closed first.
    pub fn when_saved(&self) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let (waiter, reply) = self.register();
        self.dispatch(Msg::WhenSaved { waiter });
        async move { reply.await.map(drop) }.boxed_local()
    }

    /// Resolves when this client has no pending edit.
    async fn when_idle(&self) -> Result<(), EngineError> {
        let (waiter, reply) = self.register();
        self.dispatch(Msg::WhenIdle { waiter });
        reply.await.map(drop)
    }

    async fn step(&self, direction: Direction) -> Result<UndoOutcome, EngineError> {
        let _turn = self.inner.undo_turn.lock().await;
        let mut skipped = Vec::new();
        let mut prepares = 0;
        loop {
            if self.is_closed() {
                return Err(EngineError::Closed);
            }
            self.when_idle().await?;
            let (step, now) = {
                let core = self.inner.core.borrow();
                let step = match direction {
                    Direction::Undo => core.stacks.top_undo().cloned(),
                    Direction::Redo => core.stacks.top_redo().cloned(),
                };
                (step, core.next_seq)
            };
            let Some(step) = step else { return Ok(UndoOutcome { committed: None, skipped }) };
            let kind = match direction {
                Direction::Undo => EditKind::Undo { step: step.id },
                Direction::Redo => EditKind::Redo { step: step.id },
            };
            let operations = match self.inverse_of_step(&step, now).await {
                Ok(operations) => operations,
                Err(e @ (EngineError::TargetDeleted { .. } | EngineError::BeforeRetention { .. })) => {
                    self.dispatch(Msg::DropStep(kind));
                    skipped.push(e);
                    continue;
                }
                Err(EngineError::Blob(crate::blob::BlobError::NotFound { .. })) if prepares < MAX_PREPARES => {
                    // A snapshot a cached frame read from was collected: build it again.
                    prepares += 1;
                    self.forget_frames();
                    continue;
                }
                Err(EngineError::MissingHistory { start }) => {
                    self.dispatch(Msg::DropStep(kind));
                    skipped.push(EngineError::BeforeRetention { target: step.first(), oldest: start });
                    continue;
                }
                Err(e) => return Err(e),
            };
            if operations.is_empty() {
                // The step changed nothing (a clear of empty cells): undone as it is.
                self.dispatch(Msg::DropStep(kind));
                return Ok(UndoOutcome { committed: Some(now..now), skipped });
            }
            let (id, reply) = self.register();
            let time_ms = (self.inner.runtime.now_ms)();
            self.dispatch(Msg::SubmitPrepared { id, operations, based_on: now, time_ms, kind });
            match reply.await {
                Ok(Reply::Committed(range)) => return Ok(UndoOutcome { committed: Some(range), skipped }),
                Ok(Reply::Stale) if prepares < MAX_PREPARES => prepares += 1,
                Ok(_) => return Err(EngineError::Closed),
                Err(e @ EngineError::TargetDeleted { .. }) => skipped.push(e),
                Err(e) => return Err(e),
            }
        }
    }

    /// The inverse of `step`, in the coordinates at position `now` (module docs).
    ///
    /// # Errors
    /// [`EngineError::TargetDeleted`] when every cell it would write was deleted since;
    /// [`EngineError::BeforeRetention`] or [`EngineError::MissingHistory`] when its history is
    /// gone; storage errors.
    async fn inverse_of_step(&self, step: &Step, now: SequenceId) -> Result<Vec<Operation>, EngineError> {
        let runs = step.contiguous_runs(now);
        let (Some(first), Some(last)) = (runs.first().map(|r| r.start), runs.last().map(|r| r.end)) else {
            return Ok(Vec::new());
        };
        let entries = entries_between(&*self.inner.log, &*self.inner.blobs, first, last).await?;
        let frame = self.frame_covering(first, now).await?;
        let tile_size = frame.index.as_ref().map_or(TileSize::DEFAULT, |i| i.tile_size);
        let mut out = Vec::new();
        // The structural edits of the inverse so far: the next run's inverse comes after them.
        let mut after_out: Vec<Transform> = Vec::new();
        let (mut writes, mut dropped) = (false, 0);
        for run in runs.iter().rev() {
            // The run's inverses, newest entry first: each in the coordinates right after its
            // entry, which the inverses before it in the chain lead back to.
            let mut chain = Vec::new();
            for seq in run.clone().rev() {
                let Some(entry) = entries.get((seq - first) as usize) else { continue };
                let extent = frame.edits.borrow().extent(seq);
                let rects = affected_rects(&entry.operation, extent, tile_size);
                let (tiles, error) = self.load_tiles(frame.tiles_under(seq, &rects)).await;
                if let Some(error) = error {
                    return Err(error);
                }
                let before = frame.version(seq, tiles, None, super::version::LoadStatus::Ready);
                chain.extend(inverse_operations(&entry.operation, &before));
            }
            writes |= chain.iter().any(|op| op.cells_written() > 0);
            // Through each later structural edit in turn, as a conflict rebases pending edits.
            let later: Vec<Transform> = frame.edits.borrow().transforms_between(run.end, now).cloned().collect();
            for through in later.iter().chain(&after_out) {
                let (rebased, _) = rebase_operations(&chain, through.clone());
                dropped += rebased.dropped_cells;
                chain = rebased.operations;
            }
            let chain = coalesce_deletes(chain);
            after_out.extend(chain.iter().filter_map(structural_transform));
            out.extend(chain);
        }
        if out.is_empty() && writes {
            return Err(EngineError::TargetDeleted { cells: dropped, by: now.saturating_sub(1) });
        }
        Ok(out)
    }
}

/// The rectangles whose cells the inverse of `operation` reads, at a version of extent
/// `extent`: tile-sized blocks around written cells, the cleared range or the deleted rows or
/// columns (both within the extent). Insertions read nothing.
fn affected_rects(operation: &Operation, (rows, cols): (u64, u64), tile: TileSize) -> Vec<CellRect> {
    let (th, tw) = (u64::from(tile.rows()).max(1), u64::from(tile.cols()).max(1));
    let block = |row: u64, col: u64| {
        let (r, c) = (row / th * th, col / tw * tw);
        CellRect { rows: (r, r + th - 1), cols: (c, c + tw - 1) }
    };
    let within = |rect: CellRect| {
        (rect.rows.0 < rows && rect.cols.0 < cols).then(|| CellRect {
            rows: (rect.rows.0, rect.rows.1.min(rows - 1)),
            cols: (rect.cols.0, rect.cols.1.min(cols - 1)),
        })
    };
    match operation {
        Operation::SetCell(w) => vec![block(w.row, w.col)],
        Operation::SetCells(ws) => {
            let blocks: FxHashSet<(u64, u64)> = ws.iter().map(|w| (w.row / th, w.col / tw)).collect();
            blocks.into_iter().map(|(r, c)| block(r * th, c * tw)).collect()
        }
        Operation::ClearRange(range) => within(CellRect::of_range(range)).into_iter().collect(),
        Operation::Import(layer) => within(CellRect::of_range(&layer.rect)).into_iter().collect(),
        Operation::DeleteRows { at, count } => {
            within(CellRect { rows: (*at, at.saturating_add(count.saturating_sub(1))), cols: (0, u64::MAX) })
                .into_iter()
                .collect()
        }
        Operation::DeleteColumns { at, count } => {
            within(CellRect { rows: (0, u64::MAX), cols: (*at, at.saturating_add(count.saturating_sub(1))) })
                .into_iter()
                .collect()
        }
        Operation::InsertRows { .. } | Operation::InsertColumns { .. } | Operation::SetItemSizes { .. } => Vec::new(),
    }
}

/// The operations that undo `operation`, given `before`, the version it replaced (with the
/// tiles under [`affected_rects`] loaded), in the coordinates right after it: previous
/// contents for written and cleared cells, the rows or columns back with their cells and sizes
/// for a delete, a delete for an insert, the previous sizes for a resize. Large restores are split into entries of at most
/// [`MAX_BATCH_CELLS`] cells.
pub(crate) fn inverse_operations(operation: &Operation, before: &ContentVersion) -> Vec<Operation> {
    let previous = |row: u64, col: u64| {
        let content = before.cell(row, col);
        CellWrite {
            row,
            col,
            value: content.as_ref().and_then(|c| c.value.clone()),
            format: content.and_then(|c| c.format),
        }
    };
    // The cells of `rect` (within the extent) that hold something, as writes restoring them.
    let held = |rect: Option<CellRect>| -> Vec<CellWrite> {
        let Some(rect) = rect else { return Vec::new() };
        let mut out = Vec::new();
        for row in rect.rows.0..=rect.rows.1 {
            for col in rect.cols.0..=rect.cols.1 {
                if before.with_cell(row, col, |c| c.is_some_and(|c| !c.is_tombstone())) {
                    out.push(previous(row, col));
                }
            }
        }
        out
    };
    let (rows, cols) = (before.row_count(), before.column_count());
    let within = |r: (u64, u64), c: (u64, u64)| {
        (r.0 < rows && c.0 < cols && r.0 <= r.1 && c.0 <= c.1)
            .then(|| CellRect { rows: (r.0, r.1.min(rows - 1)), cols: (c.0, c.1.min(cols - 1)) })
    };
    let chunks = |writes: Vec<CellWrite>| -> Vec<Operation> {
        writes.chunks(MAX_BATCH_CELLS).map(|c| Operation::SetCells(c.to_vec())).collect()
    };
    // The sizes `spans` of `axis` had, as entries restoring them; `only_set` leaves out the
    // spans that had the default (for rows a delete's inverse inserts, which have it).
    let sizes = |axis: Axis, spans: &mut dyn Iterator<Item = (u64, u64)>, only_set: bool| -> Vec<Operation> {
        let table = match axis {
            Axis::Row => &before.sizes().rows,
            Axis::Column => &before.sizes().cols,
        };
        let runs: Vec<SizeRun> = spans
            .flat_map(|(start, count)| table.runs_over(start, count))
            .filter(|r| !only_set || r.size.is_some())
            .collect();
        runs.chunks(MAX_SIZE_RUNS).map(|c| Operation::SetItemSizes { axis, runs: c.to_vec() }).collect()
    };
    match operation {
        Operation::SetCell(w) => vec![Operation::SetCell(previous(w.row, w.col))],
        Operation::SetCells(ws) => {
            let mut seen = FxHashSet::default();
            chunks(ws.iter().filter(|w| seen.insert((w.row, w.col))).map(|w| previous(w.row, w.col)).collect())
        }
        Operation::ClearRange(range) => {
            let (s, e) = (range.start(), range.end());
            chunks(held(within((s.row, e.row), (s.col, e.col))))
        }
        // The rectangle is emptied, then what it held before is written back.
        Operation::Import(layer) => {
            let (s, e) = (layer.rect.start(), layer.rect.end());
            let mut ops = vec![Operation::ClearRange(layer.rect)];
            ops.extend(chunks(held(within((s.row, e.row), (s.col, e.col)))));
            ops
        }
        Operation::InsertRows { at, count } => vec![Operation::DeleteRows { at: *at, count: *count }],
        Operation::InsertColumns { at, count } => vec![Operation::DeleteColumns { at: *at, count: *count }],
        Operation::DeleteRows { at, count } => {
            let cells = held(within((*at, at.saturating_add(count.saturating_sub(1))), (0, u64::MAX)));
            let mut ops = vec![Operation::InsertRows { at: *at, count: *count }];
            ops.extend(chunks(cells));
            ops.extend(sizes(Axis::Row, &mut std::iter::once((*at, *count)), true));
            ops
        }
        Operation::DeleteColumns { at, count } => {
            let cells = held(within((0, u64::MAX), (*at, at.saturating_add(count.saturating_sub(1)))));
            let mut ops = vec![Operation::InsertColumns { at: *at, count: *count }];
            ops.extend(chunks(cells));
            ops.extend(sizes(Axis::Column, &mut std::iter::once((*at, *count)), true));
            ops
        }
        Operation::SetItemSizes { axis, runs } => sizes(*axis, &mut runs.iter().map(|r| (r.start, r.count)), false),
    }
}
