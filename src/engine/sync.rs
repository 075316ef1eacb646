//! Sync (DESIGN.md section 5): bringing the engine up to the log's end page by page, reloading
//! from the latest snapshot when far behind, and **adopting** snapshots that complete while
//! the sheet is open, in this tab or another (section 5b, "Rebase"): the new index is read, the
//! tiles it needs under the viewport are loaded, then the edit layer is rebased onto it,
//! dropping the history the snapshot holds, and the engine swaps over in one step. A large edit
//! layer is copied in steps between tasks first; the swap copies again the cells entries wrote
//! meanwhile ([`EditLayer::finish_rebase`]). Versions still held keep the old edit layer.

use std::cell::RefCell;
use std::rc::Rc;

use super::edit_layer::{EditLayer, Rebase};
use super::error::EngineError;
use super::open_hint::OpenHint;
use super::state::{Adopt, Base, Core, Effect, Loaded, LogIo, Reply, Stepped, Waiter};
use super::version::read_plan;
use crate::log::{LogError, QueryResult, SequenceId};
use crate::snapshot::SnapshotIndex;

impl Core {
    /// A caller wants the engine synced: the next sync (started by `settle`) answers it.
    pub(crate) fn request_sync(&mut self, waiter: Waiter, fx: &mut Vec<Effect>) {
        self.sync_waiters.push(waiter);
        // Tiles under the viewport whose read failed are read again on each sync (the fallback
        // poll's, another tab's notice, the caller's), so a cell shows its value once the
        // storage recovers, without the user moving: a permanently damaged tile costs one read
        // a sync.
        self.tiles.retry_failed(fx);
    }

    /// Starts reading the log from this engine's position.
    pub(crate) fn start_sync(&mut self, fx: &mut Vec<Effect>) {
        self.sync_wanted = false;
        self.sync_running.append(&mut self.sync_waiters);
        self.log_io = LogIo::Querying;
        let hint = if std::mem::take(&mut self.relearn_snapshot) { None } else { self.snapshot_seq };
        fx.push(Effect::Query { from: self.next_seq, hint });
    }

    /// A blob of a snapshot was found missing: collected after a newer snapshot (or its
    /// compaction) replaced it. The next sync learns the latest snapshot's path again.
    pub(crate) fn relearn(&mut self) {
        self.relearn_snapshot = true;
        self.sync_wanted = true;
    }

    /// Starts a reload from the latest snapshot.
    pub(crate) fn start_reload(&mut self, fx: &mut Vec<Effect>) {
        self.loading = true;
        self.dirty = true;
        self.sync_running.append(&mut self.sync_waiters);
        self.log_io = LogIo::Reloading;
        fx.push(Effect::Reload { undo_key: None, hint: OpenHint::default() });
    }

    fn answer_syncs(&mut self, result: &Result<(), EngineError>, fx: &mut Vec<Effect>) {
        for waiter in self.sync_running.drain(..) {
            fx.push(Effect::Reply { waiter, result: result.clone().map(|()| Reply::Done) });
        }
    }

    /// A page of the log arrived: its entries (other writers') are applied, and the pending
    /// edits transformed through their structural edits.
    pub(crate) fn on_page(&mut self, from: SequenceId, result: Result<QueryResult, LogError>, fx: &mut Vec<Effect>) {
        if self.log_io != LogIo::Querying {
            return;
        }
        self.log_io = LogIo::Idle;
        let page = match result {
            Ok(page) if page.first == from && from == self.next_seq => page,
            Ok(_) => {
                self.sync_wanted = true; // A page for an older position: ask again.
                return;
            }
            Err(LogError::OutOfRange { start, .. }) if from < start => {
                // The log was truncated past this engine (it slept past its lease). With
                // nothing pending it starts again from the latest snapshot; with pending edits
                // it reads the entries it missed from history, to transform them.
                if self.pending.edits.is_empty() {
                    self.conflict = false;
                    self.reload_wanted = true;
                } else {
                    self.log_io = LogIo::Querying;
                    fx.push(Effect::ReadHistory { from, to: start });
                }
                return;
            }
            Err(error) => {
                let error = EngineError::Log(error);
                self.errors.sync = self.errors.stamp(error.clone());
                self.dirty = true;
                self.answer_syncs(&Err(error.clone()), fx);
                if self.conflict {
                    // After a conflict the pending edits cannot be placed without the entries
                    // that came first: they fail like any write the storage refused.
                    self.conflict = false;
                    self.pending.in_flight = self.pending.edits.len();
                    self.roll_back(error);
                }
                return;
            }
        };
        if let Some(latest) = &page.latest_snapshot {
            let far = latest.seq > from.saturating_add(self.options.snapshot_interval);
            if far && self.pending.edits.is_empty() {
                self.reload_wanted = true;
                return;
            }
        }
        self.apply_others(from, &page.entries, fx);
        if self.errors.sync.take().is_some() {
            self.dirty = true;
        }
        if let Some(latest) = page.latest_snapshot.clone() {
            self.consider_snapshot(latest.seq, latest.snapshot, fx);
        }
        if page.is_complete || page.entries.is_empty() {
            self.conflict = false;
            self.answer_syncs(&Ok(()), fx);
        } else {
            self.log_io = LogIo::Querying;
            fx.push(Effect::Query { from: self.next_seq, hint: self.snapshot_seq });
        }
    }

    /// Applies other writers' entries from `from` (this engine's position): into the edit
    /// layer, and the pending edits transformed through their structural edits.
    fn apply_others(&mut self, from: SequenceId, entries: &[crate::log::Entry], fx: &mut Vec<Effect>) {
        if entries.is_empty() {
            return;
        }
        for (i, entry) in entries.iter().enumerate() {
            let seq = from + i as u64;
            self.edits.borrow_mut().apply_operation(seq, &entry.operation);
            if entry.operation.is_structural() {
                self.rebase_pending(&entry.operation, seq, fx);
            }
            self.view_stale |= entry.operation.changes_view();
        }
        self.next_seq = from + entries.len() as u64;
        self.recompute_extent();
        self.dirty = true;
    }

    /// The entries this engine missed came from history: applied like a page, then the sync
    /// goes on in the log. Without history, pending edits fail and the engine reloads.
    pub(crate) fn on_history_read(
        &mut self,
        from: SequenceId,
        result: Result<Vec<crate::log::Entry>, EngineError>,
        fx: &mut Vec<Effect>,
    ) {
        if self.log_io != LogIo::Querying || from != self.next_seq {
            return;
        }
        self.log_io = LogIo::Idle;
        match result {
            Ok(entries) => {
                self.apply_others(from, &entries, fx);
                self.sync_wanted = true;
            }
            Err(error) => {
                self.pending.in_flight = self.pending.edits.len();
                self.roll_back(error);
                self.conflict = false;
                self.reload_wanted = true;
            }
        }
    }

    /// The reload finished: the engine now reads from the latest snapshot and the entries after
    /// it. Pending edits (made while loading) are appended next.
    pub(crate) fn on_reloaded(&mut self, result: Result<Loaded, EngineError>, fx: &mut Vec<Effect>) {
        if self.log_io != LogIo::Reloading {
            return;
        }
        self.log_io = LogIo::Idle;
        self.loading = false;
        self.dirty = true;
        let loaded = match result {
            Ok(loaded) => loaded,
            Err(error) => {
                self.errors.load = self.errors.stamp(error.clone());
                self.answer_syncs(&Err(error), fx);
                return;
            }
        };
        self.errors.load = None;
        self.errors.sync = None;
        let (path, index) = loaded.snapshot.map_or((None, None), |(p, i)| (Some(p), Some(i)));
        if let Some(index) = &index {
            self.snapshot_seq = self.snapshot_seq.max(Some(index.seq));
        }
        if self.adopt.as_ref().is_some_and(|a| index.as_ref().is_some_and(|i| a.seq <= i.seq)) {
            self.adopt = None;
        }
        self.base = Base { plan: Rc::new(index.as_deref().map(read_plan).unwrap_or_default()), index, path };
        let old = std::mem::replace(&mut self.edits, Rc::new(RefCell::new(loaded.edits)));
        self.retired.retire(old);
        self.next_seq = loaded.next;
        self.tiles.reset_map();
        self.tiles.insert_read(loaded.hinted_tiles);
        self.recompute_extent();
        self.view_stale = true;
        if let Some(record) = &loaded.undo {
            self.stacks = super::undo_stack::UndoStacks::from_record(record, self.options.undo_limit);
        }
        self.answer_syncs(&Ok(()), fx);
        if let Some((seq, workflow)) = loaded.pending_workflow {
            self.start_workflow(seq, workflow, fx);
        }
    }

    /// A snapshot on entry `seq` stored at `path` is complete (seen in a log result or written
    /// by this engine's workflow): note it, and adopt it if it is newer than the one read from.
    pub(crate) fn consider_snapshot(&mut self, seq: SequenceId, path: String, fx: &mut Vec<Effect>) {
        if self.snapshot_seq.is_none_or(|s| s < seq) {
            self.snapshot_seq = Some(seq);
            self.dirty = true;
        }
        if self.base.path.as_deref() == Some(path.as_str()) {
            return;
        }
        if self.base.index.as_ref().is_some_and(|i| i.seq > seq) {
            return;
        }
        if self.adopt.as_ref().is_some_and(|a| a.path == path || a.seq > seq) {
            return;
        }
        if self.missing_index.as_deref() == Some(path.as_str()) {
            return;
        }
        self.adopt = Some(Adopt { seq, path: path.clone(), index: None, rebase: Stepped::NotStarted });
        fx.push(Effect::ReadIndex { path });
    }

    /// The index of the snapshot being adopted arrived.
    pub(crate) fn on_index_read(&mut self, path: String, result: Result<Rc<SnapshotIndex>, EngineError>) {
        let Some(adopt) = self.adopt.as_mut().filter(|a| a.path == path) else { return };
        let result = result.and_then(|index| {
            if index.seq == adopt.seq {
                Ok(index)
            } else {
                Err(EngineError::MisplacedSnapshot { path: path.clone(), entry: adopt.seq, index: index.seq })
            }
        });
        match result {
            Ok(index) => adopt.index = Some(index),
            Err(EngineError::Blob(crate::blob::BlobError::NotFound { .. })) => {
                // Collected after a newer snapshot replaced it: learn the latest again.
                self.missing_index = Some(path);
                self.adopt = None;
                self.relearn();
            }
            Err(error) => {
                self.errors.sync = self.errors.stamp(error);
                self.adopt = None;
                self.dirty = true;
            }
        }
    }

    /// Moves the adoption on: once the engine has applied every entry before the snapshot and
    /// the tiles the snapshot needs under the viewport are loaded (or failed), swaps over.
    pub(crate) fn try_adopt(&mut self, fx: &mut Vec<Effect>) {
        let Some(adopt) = &self.adopt else { return };
        let Some(index) = adopt.index.clone() else { return };
        if self.loading || self.log_io == LogIo::Reloading {
            return;
        }
        if adopt.seq > self.next_seq {
            self.sync_wanted = true;
            return;
        }
        let seq = adopt.seq;
        let transforms = self.transforms_after(seq);
        let sizes = self.current_sizes();
        if !self.tiles.prefetch(&index, &transforms, self.viewport, &sizes, fx) {
            return;
        }
        // A large layer is rebased in steps first (`Effect::Rebase`); the swap waits for it.
        let step = self.options.rebase_step_cells.max(1);
        if let Some(adopt) = self.adopt.as_mut() {
            match adopt.rebase {
                Stepped::NotStarted if self.edits.borrow().len() > step => {
                    adopt.rebase = Stepped::Running;
                    fx.push(Effect::Rebase { seq, layer: self.edits.clone(), step });
                    return;
                }
                Stepped::Running => return,
                _ => {}
            }
        }
        let Some(adopt) = self.adopt.take() else { return };
        // The layer rebased in steps, caught up with the writes since, if it is still this
        // layer and the rebase was not abandoned; else at once.
        let stepped = match adopt.rebase {
            Stepped::Done { layer, rebase } if Rc::ptr_eq(&layer, &self.edits) => {
                self.edits.borrow_mut().finish_rebase(*rebase)
            }
            _ => None,
        };
        let rebased = match stepped {
            Some(rebased) => rebased,
            None => self.edits.borrow().rebased(seq),
        };
        let old = std::mem::replace(&mut self.edits, Rc::new(RefCell::new(rebased)));
        self.retired.retire(old);
        self.base = Base { plan: Rc::new(read_plan(&index)), index: Some(index), path: Some(adopt.path) };
        // Readers see the same values before and after the swap when the viewport showed every
        // tile before it and does after it: nothing to publish then (the next version published
        // shares the smaller edit layer). A view with a gap before (a tile whose read failed)
        // shows more after it, and one with a gap after shows less: published.
        let shown_whole = self.tiles.missing == 0;
        self.tiles.reset_map();
        let dirty = self.dirty;
        self.refresh_view(fx);
        if shown_whole && self.tiles.missing == 0 {
            self.dirty = dirty;
        }
    }

    /// A rebase in steps ended ([`Msg::Rebased`]): kept for the swap if it is for the snapshot
    /// being adopted.
    pub(crate) fn on_rebased(&mut self, seq: SequenceId, layer: Rc<RefCell<EditLayer>>, rebase: Box<Rebase>) {
        let Some(adopt) = self.adopt.as_mut().filter(|a| a.seq == seq && matches!(a.rebase, Stepped::Running)) else {
            return;
        };
        adopt.rebase = Stepped::Done { layer, rebase };
    }
}
