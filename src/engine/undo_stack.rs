//! This client's undo and redo stacks (the time-travel issue, "Undo and redo, per client"),
//! part of the engine's state ([`super::state::Core`]): a step is the entries one user action
//! became, and moves between the stacks as its inverse commits. Each step keeps only sequence
//! ids: the inverse is computed when it is needed, from the versions before its entries
//! (`super::undo`), so a step costs a few bytes however much it changed. Steps are kept in a
//! tab's blob (`undo/<key>`, [`UndoRecord`]) so they survive a reload.

use std::collections::VecDeque;
use std::ops::Range;

use super::state::{Core, Effect, Reply};
use crate::log::SequenceId;
use crate::snapshot::{UndoRecord, UndoStep};

/// Default of [`super::EngineOptions::undo_limit`]: steps kept on the undo stack.
pub const DEFAULT_UNDO_LIMIT: usize = 100;

/// What a pending edit is to the stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EditKind {
    /// A user's edit: a new undo step, or part of the open step of `group` (an import).
    Normal { group: Option<u64> },
    /// The inverse of undo step `step`.
    Undo { step: u64 },
    /// The inverse of redo step `step`.
    Redo { step: u64 },
}

/// One step: its id (stable while it is on a stack) and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) id: u64,
    /// Runs of sequence ids, increasing and disjoint.
    pub(crate) runs: Vec<Range<SequenceId>>,
    /// The group its edits were made in, if any: later edits of the group join it.
    group: Option<u64>,
}

impl Step {
    /// The step's entries before `end` as runs of consecutive sequence ids, oldest first
    /// (adjacent runs merged).
    pub(crate) fn contiguous_runs(&self, end: SequenceId) -> Vec<Range<SequenceId>> {
        let mut out: Vec<Range<SequenceId>> = Vec::new();
        for run in &self.runs {
            let run = run.start..run.end.min(end);
            if run.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.end == run.start => last.end = run.end,
                _ => out.push(run),
            }
        }
        out
    }

    /// The first sequence id of the step (0 for an empty one, which never is on a stack).
    pub(crate) fn first(&self) -> SequenceId {
        self.runs.first().map_or(0, |r| r.start)
    }
}

/// The undo and redo stacks.
#[derive(Debug, Default)]
pub(crate) struct UndoStacks {
    undo: VecDeque<Step>,
    redo: Vec<Step>,
    next_id: u64,
    /// Changed since last saved.
    pub(crate) unsaved: bool,
}

impl UndoStacks {
    /// The stacks of a saved record.
    pub(crate) fn from_record(record: &UndoRecord, limit: usize) -> Self {
        let mut stacks = Self::default();
        let to_step = |stacks: &mut Self, runs: &UndoStep| {
            stacks.next_id += 1;
            Step { id: stacks.next_id, runs: runs.iter().map(|&(s, e)| s..e).collect(), group: None }
        };
        for runs in record.undo.iter().rev().take(limit.max(1)).rev() {
            let step = to_step(&mut stacks, runs);
            stacks.undo.push_back(step);
        }
        for runs in &record.redo {
            let step = to_step(&mut stacks, runs);
            stacks.redo.push(step);
        }
        stacks
    }

    /// The record to save.
    pub(crate) fn to_record(&self) -> UndoRecord {
        let runs = |s: &Step| s.runs.iter().map(|r| (r.start, r.end)).collect();
        UndoRecord { undo: self.undo.iter().map(runs).collect(), redo: self.redo.iter().map(runs).collect() }
    }

    /// The step `undo()` would revert next.
    pub(crate) fn top_undo(&self) -> Option<&Step> {
        self.undo.back()
    }

    /// The step `redo()` would apply again next.
    pub(crate) fn top_redo(&self) -> Option<&Step> {
        self.redo.last()
    }

    /// Whether there is a step to undo, and one to redo.
    pub(crate) fn can(&self) -> (bool, bool) {
        (!self.undo.is_empty(), !self.redo.is_empty())
    }

    fn new_step(&mut self, runs: Vec<Range<SequenceId>>, group: Option<u64>) -> Step {
        self.next_id += 1;
        Step { id: self.next_id, runs, group }
    }

    /// An edit of this client committed as the entries `range` (empty: nothing was left to
    /// write). A user's edit opens a step (or joins its group's open step) and clears the redo
    /// stack; an undo's or redo's inverse moves its step to the other stack as these entries.
    /// The undo stack keeps the newest `limit` steps.
    pub(crate) fn committed(&mut self, kind: EditKind, range: Range<SequenceId>, limit: usize) {
        match kind {
            EditKind::Normal { group } => {
                if range.is_empty() {
                    return;
                }
                self.redo.clear();
                match self.undo.back_mut() {
                    Some(top) if group.is_some() && top.group == group => top.runs.push(range),
                    _ => {
                        let step = self.new_step(vec![range], group);
                        self.undo.push_back(step);
                    }
                }
            }
            EditKind::Undo { .. } => {
                self.drop_step(kind);
                if !range.is_empty() {
                    let inverse = self.new_step(vec![range], None);
                    self.redo.push(inverse);
                }
            }
            EditKind::Redo { .. } => {
                self.drop_step(kind);
                if !range.is_empty() {
                    let inverse = self.new_step(vec![range], None);
                    self.undo.push_back(inverse);
                }
            }
        }
        while self.undo.len() > limit.max(1) {
            self.undo.pop_front();
        }
        self.unsaved = true;
    }

    /// Removes the step an undo or redo edit stands for (it was skipped: nothing of its inverse
    /// is left to write). A user's edit names no step: nothing happens.
    pub(crate) fn drop_step(&mut self, kind: EditKind) {
        match kind {
            EditKind::Undo { step } => self.undo.retain(|s| s.id != step),
            EditKind::Redo { step } => self.redo.retain(|s| s.id != step),
            EditKind::Normal { .. } => return,
        }
        self.unsaved = true;
    }
}

/// The blob holding the undo record of the tab with `key`: `undo/` and the key's bytes in hex,
/// so any key makes a valid path.
pub(crate) fn undo_path(key: &str) -> String {
    let mut path = String::with_capacity(5 + 2 * key.len());
    path.push_str("undo/");
    for b in key.bytes() {
        path.push_str(&format!("{b:02x}"));
    }
    path
}

impl Core {
    /// What every message ends with for undo: callers waiting for no pending edit are answered,
    /// and the stacks are saved after a change (one save in flight at a time: changes made
    /// meanwhile are saved when it finishes).
    pub(crate) fn settle_undo(&mut self, fx: &mut Vec<Effect>) {
        if self.pending.edits.is_empty() && !self.loading {
            for waiter in self.idle_waiters.drain(..) {
                fx.push(Effect::Reply { waiter, result: Ok(Reply::Done) });
            }
        }
        if self.options.undo_key.is_none() {
            self.stacks.unsaved = false;
        } else if !self.saving_undo {
            self.save_undo(fx);
        }
        if self.pending.edits.is_empty() && !self.loading && !self.saving_undo && !self.stacks.unsaved {
            for waiter in self.saved_waiters.drain(..) {
                fx.push(Effect::Reply { waiter, result: Ok(Reply::Done) });
            }
        }
    }

    /// Saves the stacks now if they changed since last saved.
    pub(crate) fn save_undo(&mut self, fx: &mut Vec<Effect>) {
        if self.stacks.unsaved && self.options.undo_key.is_some() {
            self.stacks.unsaved = false;
            self.saving_undo = true;
            fx.push(Effect::SaveUndo(self.stacks.to_record()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_move_between_the_stacks() {
        let mut s = UndoStacks::default();
        s.committed(EditKind::Normal { group: None }, 0..1, 10);
        s.committed(EditKind::Normal { group: Some(7) }, 1..2, 10);
        s.committed(EditKind::Normal { group: Some(7) }, 3..5, 10);
        let top = s.top_undo().cloned().unwrap();
        assert_eq!(top.runs, vec![1..2, 3..5], "a group is one step");
        assert_eq!(top.contiguous_runs(100), vec![1..2, 3..5]);
        assert_eq!(top.contiguous_runs(4), vec![1..2, 3..4]);
        s.committed(EditKind::Undo { step: top.id }, 5..6, 10);
        assert_eq!(s.top_undo().map(|t| t.runs.clone()), Some(std::iter::once(0..1).collect::<Vec<_>>()));
        let redo = s.top_redo().cloned().unwrap();
        assert_eq!(redo.runs, vec![5..6]);
        s.committed(EditKind::Redo { step: redo.id }, 6..7, 10);
        assert_eq!(
            (s.can(), s.top_undo().map(|t| t.runs.clone())),
            ((true, false), Some(std::iter::once(6..7).collect::<Vec<_>>()))
        );
        s.committed(EditKind::Normal { group: None }, 7..8, 2);
        assert_eq!(s.to_record().undo, vec![vec![(6, 7)], vec![(7, 8)]], "the limit drops the oldest");
        let undo_top = s.top_undo().unwrap().id;
        s.drop_step(EditKind::Undo { step: undo_top });
        assert_eq!(s.to_record().undo, vec![vec![(6, 7)]]);
        let back = UndoStacks::from_record(&s.to_record(), 10);
        assert_eq!(back.to_record(), s.to_record());
        s.committed(EditKind::Normal { group: None }, 8..8, 10);
        assert_eq!(s.to_record().undo.len(), 1, "an edit that wrote nothing is no step");
    }
}
