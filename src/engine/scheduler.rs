//! Workflows of one engine (DESIGN.md sections 4, 5 and 7): when a snapshot is due, marking its
//! entry `pending = "snapshot"` (durably, so a crash runs it again at the next open), running it
//! on the host, retrying with backoff, handing over to a compaction the snapshot asked for, and
//! adopting what it wrote. One workflow at a time per engine (across tabs the host holds the
//! sheet's Web Lock). A snapshot that falls due while another workflow runs starts as soon as
//! that one ends, with no further write needed.

use super::error::EngineError;
use super::state::{Core, Effect, Phase, Reply, Running, Waiter};
use crate::log::{LogError, Metadata, SequenceId, Workflow};

impl Core {
    /// Whether a snapshot is due for a log of `end` entries, `more_cells` of them not yet in the
    /// edit layer: the entries since the last completed (or running) snapshot reach the
    /// interval, or the cells changed since then reach [`EngineOptions::snapshot_cells`].
    ///
    /// [`EngineOptions::snapshot_cells`]: super::EngineOptions::snapshot_cells
    pub(crate) fn snapshot_due(&self, end: SequenceId, more_cells: usize) -> bool {
        let running = self.running.filter(|r| r.workflow == Workflow::Snapshot).map(|r| r.seq);
        let since = self.snapshot_seq.max(running).unwrap_or(0);
        // The edit layer's cells count once it is rebased onto that snapshot (before, it still
        // holds what the snapshot wrote).
        let edits = self.edits.borrow();
        let layer_cells = if edits.start() >= since { edits.len() } else { 0 };
        let cells = layer_cells.saturating_add(more_cells) as u64;
        // The entry a snapshot would be on (`end - 1`) must be past the last one's, or the same
        // snapshot would be asked for again and again.
        end.saturating_sub(since) >= self.options.snapshot_interval
            || (end > since.saturating_add(1) && cells >= self.options.snapshot_cells)
    }

    /// Runs `workflow` for entry `seq` (already marked in the log), or, while another runs,
    /// queues a snapshot to start when it ends.
    pub(crate) fn start_workflow(&mut self, seq: SequenceId, workflow: Workflow, fx: &mut Vec<Effect>) {
        if self.closed {
            return;
        }
        if let Some(running) = self.running {
            if workflow == Workflow::Snapshot && running.seq != seq {
                self.queued_snapshot = self.queued_snapshot.max(Some(seq));
            }
            return;
        }
        if workflow == Workflow::Snapshot && self.gave_up.is_some_and(|(s, _)| s <= seq) {
            self.gave_up = None; // This snapshot covers the one given up on.
        }
        self.running = Some(Running { seq, workflow, phase: Phase::Running, failures: 0 });
        self.dirty = true;
        fx.push(Effect::RunWorkflow { seq, workflow });
    }

    /// A workflow finished: on success, its entry is read for the snapshot it wrote and the
    /// follow-up it asks for; on failure it is retried after the next delay, or given up.
    pub(crate) fn on_workflow_done(
        &mut self,
        seq: SequenceId,
        workflow: Workflow,
        result: Result<(), EngineError>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(running) = self.running.as_mut() else { return };
        if (running.seq, running.workflow, running.phase) != (seq, workflow, Phase::Running) {
            return;
        }
        self.dirty = true;
        match result {
            Ok(()) => {
                running.phase = Phase::Finishing;
                self.errors.workflow = None;
                if workflow == Workflow::Snapshot && self.snapshot_seq.is_none_or(|s| s < seq) {
                    self.snapshot_seq = Some(seq);
                }
                fx.push(Effect::ReadEntry { seq });
            }
            Err(error) => {
                let delay = self.options.workflow_retry_delays_ms.get(running.failures).copied();
                running.failures += 1;
                self.errors.workflow = self.errors.stamp(error);
                match delay {
                    Some(ms) => fx.push(Effect::Sleep { ms, then: super::state::Msg::RetryWorkflow { seq, workflow } }),
                    None => {
                        // Given up for now; tried again after the next successful write (storage
                        // full, say, and then freed).
                        self.running = None;
                        self.gave_up = Some((seq, workflow));
                        self.after_workflow(fx);
                    }
                }
            }
        }
    }

    /// The delay before a retry passed.
    pub(crate) fn retry_workflow(&mut self, seq: SequenceId, workflow: Workflow, fx: &mut Vec<Effect>) {
        if self.running.is_some_and(|r| (r.seq, r.workflow, r.phase) == (seq, workflow, Phase::Running)) {
            fx.push(Effect::RunWorkflow { seq, workflow });
        }
    }

    /// The entry of a finished workflow was read: adopt the snapshot it names, hand over to a
    /// compaction it asks for, or end (and start what waited).
    pub(crate) fn on_entry_read(
        &mut self,
        seq: SequenceId,
        result: Result<Option<Metadata>, LogError>,
        fx: &mut Vec<Effect>,
    ) {
        let Some(running) = self.running.filter(|r| r.seq == seq && r.phase == Phase::Finishing) else { return };
        if let Ok(Some(metadata)) = result {
            if let Some(path) = metadata.snapshot {
                self.consider_snapshot(seq, path, fx);
            }
            // The workflow asked for a follow-up on its entry (snapshot -> compact -> history ->
            // gc): hand over directly, so no version claims that nothing runs in between.
            if let Some(next) = metadata.pending.filter(|w| *w != running.workflow && *w != Workflow::Snapshot) {
                self.running = Some(Running { seq, workflow: next, phase: Phase::Running, failures: 0 });
                self.dirty = true;
                fx.push(Effect::RunWorkflow { seq, workflow: next });
                return;
            }
        }
        self.running = None;
        self.dirty = true;
        self.after_workflow(fx);
    }

    /// A write succeeded: a workflow given up on (its entry still marked) runs again.
    pub(crate) fn retry_given_up(&mut self, fx: &mut Vec<Effect>) {
        if self.running.is_none() {
            if let Some((seq, workflow)) = self.gave_up.take() {
                self.start_workflow(seq, workflow, fx);
            }
        }
    }

    /// No workflow runs any more: start a queued snapshot, or one that fell due meanwhile.
    fn after_workflow(&mut self, fx: &mut Vec<Effect>) {
        if let Some(queued) = self.queued_snapshot.take() {
            if self.snapshot_seq.is_none_or(|s| s < queued) {
                return self.start_workflow(queued, Workflow::Snapshot, fx);
            }
        }
        // After giving up, nothing starts again before a write succeeds.
        if self.gave_up.is_none() && self.wrote && self.next_seq > 0 && self.snapshot_due(self.next_seq, 0) {
            self.mark_snapshot(self.next_seq - 1, None, fx);
        }
    }

    /// Marks entry `seq` for a snapshot, to run it once the mark is durable.
    fn mark_snapshot(&mut self, seq: SequenceId, waiter: Option<Waiter>, fx: &mut Vec<Effect>) {
        if self.running.is_none() {
            self.running = Some(Running { seq, workflow: Workflow::Snapshot, phase: Phase::Marking, failures: 0 });
            self.dirty = true;
        }
        fx.push(Effect::Mark { seq, waiter });
    }

    /// A caller asks for a snapshot of every entry before the last one (as the interval
    /// trigger would); answered with its sequence id once the mark is durable, or `None` when a
    /// snapshot there or later exists, runs or waits.
    pub(crate) fn request_snapshot(&mut self, waiter: Waiter, fx: &mut Vec<Effect>) {
        let Some(seq) = self.next_seq.checked_sub(1) else {
            return fx.push(Effect::Reply { waiter, result: Ok(Reply::Snapshot(None)) });
        };
        let running = self.running.filter(|r| r.workflow == Workflow::Snapshot).map(|r| r.seq);
        if self.snapshot_seq.max(running).max(self.queued_snapshot).is_some_and(|s| s >= seq) {
            return fx.push(Effect::Reply { waiter, result: Ok(Reply::Snapshot(None)) });
        }
        self.mark_snapshot(seq, Some(waiter), fx);
    }

    /// The mark of entry `seq` was written (or failed).
    pub(crate) fn on_marked(
        &mut self,
        seq: SequenceId,
        waiter: Option<Waiter>,
        result: Result<(), LogError>,
        fx: &mut Vec<Effect>,
    ) {
        let marking = self.running.is_some_and(|r| (r.seq, r.phase) == (seq, Phase::Marking));
        match result {
            Ok(()) => {
                if let Some(waiter) = waiter {
                    fx.push(Effect::Reply { waiter, result: Ok(Reply::Snapshot(Some(seq))) });
                }
                if marking {
                    self.running = None;
                }
                // Runs now, or queued behind the workflow that runs.
                self.start_workflow(seq, Workflow::Snapshot, fx);
            }
            Err(error) => {
                let error = EngineError::Log(error);
                if let Some(waiter) = waiter {
                    fx.push(Effect::Reply { waiter, result: Err(error.clone()) });
                }
                if marking {
                    self.running = None;
                    self.dirty = true;
                }
                self.errors.workflow = self.errors.stamp(error);
            }
        }
    }
}
