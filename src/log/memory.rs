//! [`MemoryEventLog`]: the in-memory reference implementation of [`EventLog`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use super::entry::{Entry, Metadata, MetadataUpdate, SequenceId};
use super::error::LogError;
use super::event_log::{
    resolve_range, snapshot_to_report, AddEntryResult, EventLog, LogBounds, QueryFrom, QueryResult, QueryTo,
    SnapshotInfo,
};

/// Default number of entries one `query` returns at most.
pub const DEFAULT_PAGE_SIZE: usize = 1000;

#[derive(Debug, Default)]
struct State {
    /// Sequence id of `entries[0]`.
    start: SequenceId,
    entries: VecDeque<Entry>,
}

impl State {
    fn bounds(&self) -> LogBounds {
        LogBounds { start: self.start, end: self.start + self.entries.len() as u64 }
    }

    fn latest_snapshot(&self) -> Option<SnapshotInfo> {
        self.entries.iter().enumerate().rev().find_map(|(i, e)| {
            e.metadata.snapshot.as_ref().map(|s| SnapshotInfo { seq: self.start + i as u64, snapshot: s.clone() })
        })
    }
}

/// An event log held in memory. Clones share the same log (like two connections to one
/// database), so tests can model several clients.
#[derive(Debug, Clone)]
pub struct MemoryEventLog {
    state: Rc<RefCell<State>>,
    page_size: usize,
}

impl Default for MemoryEventLog {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryEventLog {
    /// An empty log returning at most [`DEFAULT_PAGE_SIZE`] entries per query.
    pub fn new() -> Self {
        Self::with_page_size(DEFAULT_PAGE_SIZE)
    }

    /// An empty log returning at most `page_size` entries per query (at least 1).
    pub fn with_page_size(page_size: usize) -> Self {
        Self { state: Rc::default(), page_size: page_size.max(1) }
    }
}

impl EventLog for MemoryEventLog {
    async fn add_entry(
        &self,
        entry: Entry,
        seq: SequenceId,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        self.add_entries(vec![entry], seq, snapshot_hint).await
    }

    async fn add_entries(
        &self,
        entries: Vec<Entry>,
        seq: SequenceId,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        entries.iter().try_for_each(Entry::validate)?;
        let mut state = self.state.borrow_mut();
        let next = state.bounds().end;
        if seq != next {
            return Err(LogError::Conflict { next });
        }
        state.entries.extend(entries);
        Ok(AddEntryResult { latest_snapshot: snapshot_to_report(state.latest_snapshot(), snapshot_hint) })
    }

    async fn set_metadata(&self, seq: SequenceId, update: MetadataUpdate) -> Result<(), LogError> {
        update.validate()?;
        let mut state = self.state.borrow_mut();
        let LogBounds { start, end } = state.bounds();
        if !(start..end).contains(&seq) {
            return Err(LogError::OutOfRange { seq, start, end });
        }
        let index = (seq - start) as usize;
        if let Some(entry) = state.entries.get_mut(index) {
            update.apply_to(&mut entry.metadata);
        }
        Ok(())
    }

    /// The entry's metadata, cloned without its operation.
    async fn metadata(&self, seq: SequenceId) -> Result<Metadata, LogError> {
        let state = self.state.borrow();
        let LogBounds { start, end } = state.bounds();
        let entry = (start..end).contains(&seq).then(|| state.entries.get((seq - start) as usize)).flatten();
        entry.map(|e| e.metadata.clone()).ok_or(LogError::OutOfRange { seq, start, end })
    }

    async fn query(
        &self,
        from: QueryFrom,
        to: QueryTo,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<QueryResult, LogError> {
        let state = self.state.borrow();
        let latest = state.latest_snapshot();
        let (from, to) = resolve_range(state.bounds(), latest.as_ref().map(|s| s.seq), from, to)?;
        let wanted = (to - from) as usize;
        let taken = wanted.min(self.page_size);
        let skip = (from - state.start) as usize;
        let entries = state.entries.iter().skip(skip).take(taken).cloned().collect();
        Ok(QueryResult {
            first: from,
            entries,
            is_complete: taken == wanted,
            latest_snapshot: snapshot_to_report(latest, snapshot_hint),
        })
    }

    async fn truncate(&self, seq: SequenceId) -> Result<(), LogError> {
        let mut state = self.state.borrow_mut();
        let LogBounds { start, end } = state.bounds();
        if seq > end {
            return Err(LogError::OutOfRange { seq, start, end });
        }
        if seq > start {
            state.entries.drain(..(seq - start) as usize);
            state.start = seq;
        }
        Ok(())
    }

    async fn bounds(&self) -> Result<LogBounds, LogError> {
        Ok(self.state.borrow().bounds())
    }
}
