//! The [`EventLog`] trait: an append-only log of entries with optimistic concurrency
//! (DESIGN.md section 4, after InfiniSheet's event log).

use super::entry::{Entry, Metadata, MetadataUpdate, SequenceId};
use super::error::LogError;

/// Where a query starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryFrom {
    /// The first retained entry.
    Start,
    /// The latest entry holding a snapshot, or the first retained entry if none does: where a
    /// client opening the sheet starts.
    Snapshot,
    /// This sequence id; must lie in `start ..= end`.
    Seq(SequenceId),
}

/// Where a query ends (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryTo {
    /// One past the last entry.
    End,
    /// This sequence id (exclusive); must lie in `from ..= end`.
    Seq(SequenceId),
}

/// The latest entry holding a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Sequence id of the entry; the snapshot reflects all entries before it.
    pub seq: SequenceId,
    /// Blob path of the snapshot index.
    pub snapshot: String,
}

/// The retained range of the log: entries `start .. end` exist; `end` is the next free id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogBounds {
    /// First retained sequence id (entries before it were truncated).
    pub start: SequenceId,
    /// One past the last entry: the id the next `add_entry` must use.
    pub end: SequenceId,
}

/// What `add_entry` reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddEntryResult {
    /// The latest snapshot, when one exists and its sequence id differs from the caller's hint.
    pub latest_snapshot: Option<SnapshotInfo>,
}

/// What `query` returns.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// Sequence id of `entries[0]` (the resolved start of the query, also when empty).
    pub first: SequenceId,
    /// Entries `first .. first + entries.len()`, in order.
    pub entries: Vec<Entry>,
    /// True exactly when every existing entry of the asked range was returned; when false, query
    /// again from `first + entries.len()`.
    pub is_complete: bool,
    /// The latest snapshot, when one exists and its sequence id differs from the caller's hint.
    pub latest_snapshot: Option<SnapshotInfo>,
}

impl QueryResult {
    /// One past the last returned entry: where the next page starts.
    pub fn next(&self) -> SequenceId {
        self.first + self.entries.len() as u64
    }

    /// The snapshot hint for the next page of a walk whose last hint was `hint`: the latest
    /// snapshot this page reported, else `hint`. A walk that passes it reads the latest
    /// snapshot's entry (possibly a large one) once, not once per page.
    pub fn snapshot_hint(&self, hint: Option<SequenceId>) -> Option<SequenceId> {
        self.latest_snapshot.as_ref().map_or(hint, |s| Some(s.seq))
    }
}

/// An append-only log of [`Entry`]s addressed by [`SequenceId`]. Single-threaded async: methods
/// take `&self` and may be called concurrently from one thread (calls issued together may be
/// committed together). Every implementation passes [`crate::log::conformance`].
#[allow(async_fn_in_trait)]
pub trait EventLog {
    /// Appends `entry` at `seq`, which must be the next free id. Validates the entry first and
    /// stores nothing if it is invalid.
    ///
    /// `snapshot_hint` is the sequence id of the latest snapshot the caller knows; the result
    /// reports the latest snapshot when it differs.
    ///
    /// # Errors
    /// [`LogError::Conflict`] with the next free id when `seq` is not it; [`LogError::Invalid`];
    /// [`LogError::Storage`].
    async fn add_entry(
        &self,
        entry: Entry,
        seq: SequenceId,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError>;

    /// Appends `entries` at `seq .. seq + entries.len()` **atomically**: all of them or none.
    /// `seq` must be the next free id. This is the group commit of DESIGN.md section 6 for one
    /// writer: many entries, one transaction. An empty batch stores nothing (and still reports
    /// a conflict when `seq` is not the next free id). Validates every entry first.
    ///
    /// # Errors
    /// As [`Self::add_entry`]; on any error nothing of the batch is stored.
    async fn add_entries(
        &self,
        entries: Vec<Entry>,
        seq: SequenceId,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError>;

    /// Atomically changes the metadata fields present in `update`, leaving the others.
    ///
    /// # Errors
    /// [`LogError::OutOfRange`] when `seq` is not in `start .. end`; [`LogError::Invalid`];
    /// [`LogError::Storage`].
    async fn set_metadata(&self, seq: SequenceId, update: MetadataUpdate) -> Result<(), LogError>;

    /// Returns entries from `from` up to `to` (exclusive), possibly fewer than asked (a page;
    /// see [`QueryResult::is_complete`]).
    ///
    /// # Errors
    /// [`LogError::OutOfRange`] for ids outside `start ..= end`; [`LogError::ReversedRange`] when
    /// `to < from`; [`LogError::Corrupt`]; [`LogError::Storage`].
    async fn query(
        &self,
        from: QueryFrom,
        to: QueryTo,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<QueryResult, LogError>;

    /// The metadata of entry `seq` alone: what a workflow's end reads to learn the snapshot it
    /// wrote and the follow-up it asks for. A store that keeps entries encoded reads it without
    /// decoding the entry's operation ([`crate::log::decode_metadata`]), so its cost does not
    /// follow the entry's size; by default, a query of that one entry.
    ///
    /// # Errors
    /// [`LogError::OutOfRange`] when `seq` is not in `start .. end`; [`LogError::Corrupt`];
    /// [`LogError::Storage`].
    async fn metadata(&self, seq: SequenceId) -> Result<Metadata, LogError> {
        let bounds = self.bounds().await?;
        if !(bounds.start..bounds.end).contains(&seq) {
            return Err(LogError::OutOfRange { seq, start: bounds.start, end: bounds.end });
        }
        let page = self.query(QueryFrom::Seq(seq), QueryTo::Seq(seq + 1), None).await?;
        page.entries.into_iter().next().map(|entry| entry.metadata).ok_or(LogError::OutOfRange {
            seq,
            start: bounds.start,
            end: bounds.end,
        })
    }

    /// Drops the entries before `seq`; survivors keep their ids and the next free id does not
    /// change. A `seq` at or before the current start does nothing.
    ///
    /// # Errors
    /// [`LogError::OutOfRange`] when `seq` is past the end; [`LogError::Storage`].
    async fn truncate(&self, seq: SequenceId) -> Result<(), LogError>;

    /// The retained range of the log.
    ///
    /// # Errors
    /// [`LogError::Storage`].
    async fn bounds(&self) -> Result<LogBounds, LogError>;
}

/// Resolves and checks a query range against `bounds`, given the latest snapshot's id.
/// Shared by every implementation so they agree on the edge cases.
///
/// # Errors
/// [`LogError::OutOfRange`], [`LogError::ReversedRange`].
pub fn resolve_range(
    bounds: LogBounds,
    latest_snapshot: Option<SequenceId>,
    from: QueryFrom,
    to: QueryTo,
) -> Result<(SequenceId, SequenceId), LogError> {
    let LogBounds { start, end } = bounds;
    let out_of_range = |seq| LogError::OutOfRange { seq, start, end };
    let from = match from {
        QueryFrom::Start => start,
        QueryFrom::Snapshot => latest_snapshot.unwrap_or(start),
        QueryFrom::Seq(seq) if (start..=end).contains(&seq) => seq,
        QueryFrom::Seq(seq) => return Err(out_of_range(seq)),
    };
    let to = match to {
        QueryTo::End => end,
        QueryTo::Seq(seq) if seq > end || seq < start => return Err(out_of_range(seq)),
        QueryTo::Seq(seq) if seq < from => return Err(LogError::ReversedRange { from, to: seq }),
        QueryTo::Seq(seq) => seq,
    };
    Ok((from, to))
}

/// The snapshot to report to a caller whose hint is `hint`: `latest` unless it matches.
pub fn snapshot_to_report(latest: Option<SnapshotInfo>, hint: Option<SequenceId>) -> Option<SnapshotInfo> {
    latest.filter(|s| Some(s.seq) != hint)
}
