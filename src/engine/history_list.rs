//! The history listing (the time-travel issue, "History listing"): entries newest first, each
//! with when and by whom it was written and a one-line summary in A1 notation, for a history
//! panel. Reads the log and history blobs ([`super::time_travel`]), a page at a time.

use super::error::EngineError;
use super::sheet::Engine;
use super::time_travel::entries_between;
use crate::blob::BlobStore;
use crate::log::{Entry, EventLog, Operation, SequenceId};
use crate::model::{column_name, Axis, CellRange, CellRef};

/// Most items one page of the listing holds.
pub const MAX_HISTORY_PAGE: usize = 1000;

/// One entry of the history listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryItem {
    /// The entry's sequence id.
    pub sequence_id: SequenceId,
    /// When it was written, in milliseconds since the Unix epoch on the writer's clock; `None`
    /// for entries written before entries carried one.
    pub time_ms: Option<u64>,
    /// The id of the client that wrote it (random per `SpreadsheetData`); `None` as for
    /// `time_ms`.
    pub client_id: Option<u64>,
    /// What it did: `"cells"`, `"clear"`, `"insertRows"`, `"deleteRows"`, `"insertColumns"`,
    /// `"deleteColumns"`, `"resize"` (row heights or column widths) or `"import"` (a CSV
    /// imported as a layer).
    pub kind: &'static str,
    /// Where, in A1 notation (rows 1-based as a spreadsheet shows them): `"B2"`,
    /// `"B2:D40 (117 cells)"`, `"rows 4:6"`, `"columns C:E"`, `"columns B:B to 140 px"`.
    pub summary: String,
}

/// One page of the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPage {
    /// Entries, newest first.
    pub items: Vec<HistoryItem>,
    /// Pass as `to` for the next (older) page; `None` on the last page.
    pub next: Option<SequenceId>,
}

/// The kind and summary of an operation (see [`HistoryItem`]).
pub fn describe(operation: &Operation) -> (&'static str, String) {
    let rows = |at: u64, count: u64| format!("rows {}:{}", at + 1, at.saturating_add(count));
    let columns = |at: u64, count: u64| {
        format!("columns {}:{}", column_name(at), column_name(at.saturating_add(count.saturating_sub(1))))
    };
    match operation {
        Operation::SetCell(w) => ("cells", CellRef { row: w.row, col: w.col }.to_string()),
        Operation::SetCells(ws) => {
            let Some(first) = ws.first() else { return ("cells", "no cells".to_owned()) };
            let (mut lo, mut hi) = ((first.row, first.col), (first.row, first.col));
            for w in ws {
                lo = (lo.0.min(w.row), lo.1.min(w.col));
                hi = (hi.0.max(w.row), hi.1.max(w.col));
            }
            let range = CellRange::new(CellRef { row: lo.0, col: lo.1 }, CellRef { row: hi.0, col: hi.1 });
            let n = ws.len();
            ("cells", format!("{range} ({n} cell{})", if n == 1 { "" } else { "s" }))
        }
        Operation::ClearRange(range) => ("clear", range.to_string()),
        Operation::Import(layer) => ("import", format!("{} ({} cells)", layer.rect, layer.cells())),
        Operation::InsertRows { at, count } => ("insertRows", rows(*at, *count)),
        Operation::DeleteRows { at, count } => ("deleteRows", rows(*at, *count)),
        Operation::InsertColumns { at, count } => ("insertColumns", columns(*at, *count)),
        Operation::DeleteColumns { at, count } => ("deleteColumns", columns(*at, *count)),
        Operation::SetItemSizes { axis, runs } => {
            let (lo, hi) = runs.iter().fold((u64::MAX, 0), |(lo, hi), r| (lo.min(r.start), hi.max(r.end())));
            let span = if runs.is_empty() {
                "nothing".to_owned()
            } else if *axis == Axis::Row {
                rows(lo, hi - lo)
            } else {
                columns(lo, hi - lo)
            };
            let size = match runs.as_slice() {
                [one] => one.size.map_or_else(|| " to the default size".to_owned(), |px| format!(" to {px} px")),
                _ => String::new(),
            };
            ("resize", format!("{span}{size}"))
        }
    }
}

fn item(sequence_id: SequenceId, entry: &Entry) -> HistoryItem {
    let (kind, summary) = describe(&entry.operation);
    HistoryItem {
        sequence_id,
        time_ms: entry.origin.map(|o| o.time_ms),
        client_id: entry.origin.map(|o| o.client),
        kind,
        summary,
    }
}

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// The entries `from .. to` (default: the oldest kept to the log's end), newest first, at
    /// most `limit` (1 ..= [`MAX_HISTORY_PAGE`]) of them. Entries older than the history kept
    /// are not listed: the page ends at the oldest kept.
    ///
    /// A `limit` outside its range is clamped into it.
    ///
    /// # Errors
    /// [`EngineError`] from the log or the blob store.
    pub async fn history(
        &self,
        from: Option<SequenceId>,
        to: Option<SequenceId>,
        limit: usize,
    ) -> Result<HistoryPage, EngineError> {
        let (log, blobs) = (&*self.inner.log, &*self.inner.blobs);
        let bounds = log.bounds().await?;
        let chain = super::lifecycle::history_chain(blobs).await?;
        let oldest = chain.first().map_or(bounds.start, |(first, _, _)| (*first).min(bounds.start));
        let from = from.unwrap_or(0).max(oldest);
        let to = to.unwrap_or(bounds.end).min(bounds.end);
        if from >= to {
            return Ok(HistoryPage { items: Vec::new(), next: None });
        }
        let limit = limit.clamp(1, MAX_HISTORY_PAGE) as u64;
        let first = to.saturating_sub(limit).max(from);
        let entries = entries_between(log, blobs, first, to).await?;
        let items = entries.iter().enumerate().rev().map(|(i, e)| item(first + i as u64, e)).collect();
        Ok(HistoryPage { items, next: (first > from).then_some(first) })
    }
}
