//! [`LogPages`]: reading a range of the event log page by page while truncation may remove its
//! start, the walk the lifecycle and time-travel readers share.

use crate::log::{EventLog, LogError, QueryFrom, QueryResult, QueryTo, SequenceId};

/// A cursor over the log's entries from a position up to `to` (exclusive), one query page at a
/// time. When truncation removed the entries at the cursor ([`LogError::OutOfRange`] with a
/// later start), it skips to the log's new start: callers that need those entries read them
/// from history instead.
#[derive(Debug, Clone)]
pub(crate) struct LogPages {
    next: SequenceId,
    to: SequenceId,
    /// The latest snapshot's sequence id as the pages reported it (their query hint).
    hint: Option<SequenceId>,
}

impl LogPages {
    /// A cursor over `from .. to`.
    pub(crate) fn new(from: SequenceId, to: SequenceId) -> Self {
        Self { next: from, to, hint: None }
    }

    /// The next page, or `None` once the cursor reached `to` or the log's end.
    ///
    /// # Errors
    /// [`LogError`] from the log, other than the range error truncation causes.
    pub(crate) async fn next_page<L: EventLog>(&mut self, log: &L) -> Result<Option<QueryResult>, LogError> {
        while self.next < self.to {
            match log.query(QueryFrom::Seq(self.next), QueryTo::Seq(self.to), self.hint).await {
                Ok(page) if page.entries.is_empty() => return Ok(None),
                Ok(page) => {
                    self.next = page.next();
                    self.hint = page.snapshot_hint(self.hint);
                    return Ok(Some(page));
                }
                Err(LogError::OutOfRange { start, .. }) if start > self.next => self.next = start,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}
