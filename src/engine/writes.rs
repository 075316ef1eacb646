//! Writes (DESIGN.md sections 3 and 5b): an edit is shown at once as a pending edit, appended
//! in order with the edits issued with it (**group commit**: every edit waiting when the log is
//! free goes in one atomic `add_entries`, one IndexedDB transaction), and becomes durable when
//! the append resolves. On a conflict the engine syncs, **transforms** its pending edits through
//! the other writers' structural edits (`structural::rebase_operation`), and appends again. On
//! a storage failure the batch is rolled back and rejected.

use super::error::EngineError;
use super::pending::{EditId, PendingEdit};
use super::state::{Core, Effect, LogIo, Reply};
use super::structural::{coalesce_deletes, rebase_operations, structural_transform};
use super::undo_stack::EditKind;
use crate::log::{AddEntryResult, Entry, LogError, Operation, Origin, SequenceId, Workflow, MAX_BATCH_CELLS};
use crate::snapshot::Transform;

/// Most entries one append carries.
pub(crate) const MAX_APPEND_ENTRIES: usize = 1000;

impl Core {
    /// A validated edit: shown at once (the next version overlays it), appended when the log
    /// is free.
    pub(crate) fn submit(&mut self, id: EditId, operations: Vec<Operation>, time_ms: u64, kind: EditKind) {
        let layout = operations.iter().any(Operation::changes_layout);
        self.extent = operations.iter().fold(self.extent, super::pending::shown_extent_after);
        self.pending.push(PendingEdit { id, operations, time_ms, kind });
        self.next_edit = self.next_edit.max(id + 1);
        self.view_stale |= layout;
        self.dirty = true;
    }

    /// Operations prepared against the committed position `based_on` (an undo's inverse, made
    /// while the engine went on): transformed through the structural edits committed since and
    /// those of the edits pending (DESIGN.md section 5b, "Transform on conflict"), then
    /// submitted. When `based_on` is older than the edit layer (a reload or rebase since), the
    /// caller is told to prepare again; when nothing is left, the step is skipped.
    pub(crate) fn submit_prepared(
        &mut self,
        id: EditId,
        operations: Vec<Operation>,
        based_on: SequenceId,
        time_ms: u64,
        kind: EditKind,
        fx: &mut Vec<Effect>,
    ) {
        let edits = self.edits.borrow();
        if based_on < edits.start() || based_on > self.next_seq || self.loading {
            drop(edits);
            fx.push(Effect::Reply { waiter: id, result: Ok(Reply::Stale) });
            return;
        }
        let committed: Vec<Transform> = edits.transforms_between(based_on, self.next_seq).cloned().collect();
        drop(edits);
        let writes = operations.iter().any(|op| matches!(op, Operation::SetCell(_) | Operation::SetCells(_)));
        // Through each structural edit in turn, as a conflict rebases pending edits.
        let (mut operations, mut dropped) = (operations, 0);
        for through in committed.into_iter().chain(self.pending.transforms()) {
            let (rebased, _) = rebase_operations(&operations, through);
            dropped += rebased.dropped_cells;
            operations = rebased.operations;
        }
        let rebased = crate::engine::Rebased { operations: coalesce_deletes(operations), dropped_cells: dropped };
        if rebased.operations.is_empty() {
            self.stacks.drop_step(kind);
            let result = if writes {
                Err(EngineError::TargetDeleted { cells: rebased.dropped_cells, by: self.next_seq.saturating_sub(1) })
            } else {
                Ok(Reply::Committed(self.next_seq..self.next_seq))
            };
            fx.push(Effect::Reply { waiter: id, result });
            return;
        }
        self.submit(id, rebased.operations, time_ms, kind);
    }

    /// Appends the pending edits waiting, oldest first, as one atomic batch of at most
    /// [`MAX_APPEND_ENTRIES`] entries (and about [`MAX_BATCH_CELLS`] cells). When a snapshot is
    /// due and none runs, the batch's last entry is marked for one.
    pub(crate) fn pump_writes(&mut self, fx: &mut Vec<Effect>) {
        if self.loading || self.conflict || self.log_io != LogIo::Idle || self.pending.edits.is_empty() {
            return;
        }
        let mut entries = Vec::new();
        let mut cells = 0;
        let mut taken = 0;
        for edit in &self.pending.edits {
            let edit_cells: usize = edit.operations.iter().map(Operation::cells_written).sum();
            let too_many =
                entries.len() + edit.operations.len() > MAX_APPEND_ENTRIES || cells + edit_cells > MAX_BATCH_CELLS;
            if taken > 0 && too_many {
                break;
            }
            let origin = Origin { time_ms: edit.time_ms, client: self.options.client_id };
            entries.extend(edit.operations.iter().cloned().map(|op| Entry::new(op).with_origin(origin)));
            cells += edit_cells;
            taken += 1;
        }
        let seq = self.next_seq;
        let count = entries.len() as u64;
        let last = seq + count.saturating_sub(1);
        let marked = (self.running.is_none() && count > 0 && self.snapshot_due(last + 1, cells)).then_some(last);
        if let (Some(_), Some(entry)) = (marked, entries.last_mut()) {
            entry.metadata.pending = Some(Workflow::Snapshot);
        }
        self.pending.in_flight = taken;
        self.log_io = LogIo::Appending { seq, count, marked };
        fx.push(Effect::Append { seq, entries, hint: self.snapshot_seq });
    }

    /// An append finished: the batch is durable (applied to the edit layer, callers told), or
    /// conflicted (sync, transform, append again), or failed (rolled back).
    pub(crate) fn on_appended(
        &mut self,
        seq: SequenceId,
        result: Result<AddEntryResult, LogError>,
        fx: &mut Vec<Effect>,
    ) {
        let LogIo::Appending { seq: expected, marked, .. } = self.log_io else { return };
        if seq != expected {
            return;
        }
        self.log_io = LogIo::Idle;
        match result {
            Ok(added) => {
                let durable = self.pending.take_durable(self.pending.in_flight);
                let mut next = seq;
                {
                    let mut edits = self.edits.borrow_mut();
                    for edit in durable {
                        let first = next;
                        // Taken, not copied: a large write becomes a block of its own cells.
                        for operation in edit.operations {
                            self.view_stale |= operation.changes_view();
                            edits.apply_owned(next, operation);
                            next += 1;
                        }
                        self.stacks.committed(edit.kind, first..next, self.options.undo_limit);
                        fx.push(Effect::Reply { waiter: edit.id, result: Ok(Reply::Committed(first..next)) });
                    }
                }
                self.next_seq = next;
                // A pending import grew nothing (it was not shown); durable, it does.
                self.recompute_extent();
                self.wrote = true;
                self.errors.append = None;
                self.dirty = true;
                if let Some(latest) = added.latest_snapshot {
                    self.consider_snapshot(latest.seq, latest.snapshot, fx);
                }
                if let Some(marked) = marked {
                    self.start_workflow(marked, Workflow::Snapshot, fx);
                }
                self.retry_given_up(fx);
            }
            Err(LogError::Conflict { .. }) => {
                self.pending.in_flight = 0;
                self.conflict = true;
            }
            Err(error) => self.roll_back(EngineError::Log(error)),
        }
    }

    /// Rejects the batch in flight with `error` and drops it from the view. Edits after a
    /// failed structural edit were made in the coordinates it created: they fail with it.
    pub(crate) fn roll_back(&mut self, error: EngineError) {
        let mut count = self.pending.in_flight;
        if self.pending.edits.iter().take(count).any(PendingEdit::is_structural) {
            count = self.pending.edits.len();
        }
        let failed: Vec<PendingEdit> = self.pending.edits.drain(..count.min(self.pending.edits.len())).collect();
        self.pending.in_flight = 0;
        self.pending.rebuild();
        self.rejected.extend(failed.iter().map(|e| (e.id, error.clone())));
        self.errors.append = self.errors.stamp(error);
        self.recompute_extent();
        if failed.iter().flat_map(|e| &e.operations).any(Operation::changes_layout) {
            self.view_stale = true;
        }
        self.dirty = true;
    }

    /// Transforms every pending edit through `operation`, another writer's structural edit
    /// just applied (DESIGN.md section 5b, "Transform on conflict"). Cell writes whose rows or
    /// columns it deleted are dropped; an edit left with nothing to write is rejected with
    /// [`EngineError::TargetDeleted`] (writes) or resolved at once (a delete of rows already
    /// gone).
    pub(crate) fn rebase_pending(&mut self, operation: &Operation, seq: SequenceId, fx: &mut Vec<Effect>) {
        let Some(mut through) = structural_transform(operation) else { return };
        let mut kept = std::collections::VecDeque::with_capacity(self.pending.edits.len());
        for mut edit in std::mem::take(&mut self.pending.edits) {
            let writes = edit
                .operations
                .iter()
                .any(|op| matches!(op, Operation::SetCell(_) | Operation::SetCells(_) | Operation::Import(_)));
            let (rebased, after) = rebase_operations(&edit.operations, through);
            through = after;
            edit.operations = rebased.operations;
            if !edit.operations.is_empty() {
                kept.push_back(edit);
            } else if writes {
                self.stacks.drop_step(edit.kind);
                self.rejected.push((edit.id, EngineError::TargetDeleted { cells: rebased.dropped_cells, by: seq }));
            } else {
                self.stacks.drop_step(edit.kind);
                fx.push(Effect::Reply { waiter: edit.id, result: Ok(Reply::Committed(self.next_seq..self.next_seq)) });
            }
        }
        self.pending.edits = kept;
        self.pending.rebuild();
        self.view_stale = true;
    }

    /// Sends the rejections collected while handling a message.
    pub(crate) fn flush_rejections(&mut self, fx: &mut Vec<Effect>) {
        for (waiter, error) in self.rejected.drain(..) {
            fx.push(Effect::Reply { waiter, result: Err(error) });
        }
    }

    /// The extent after the committed entries and the pending edits, worked out again.
    pub(crate) fn recompute_extent(&mut self) {
        let committed = self.edits.borrow().extent(self.next_seq);
        self.extent = self.pending.extent_after(committed);
    }
}
