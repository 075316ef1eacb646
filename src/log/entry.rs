//! Log entries: one operation plus the mutable metadata `snapshot`, `history`, `pending`
//! (DESIGN.md sections 1 and 4), and the [`Origin`] saying when and by whom it was written.

use super::ImportLayer;
use crate::model::{check_index, Axis, CellRange, CellRef, CellValue, Format, SizeRun, ValidationError, MAX_INDEX};

/// Position of an entry in the log. Starts at 0, no gaps, never reused (DESIGN.md section 1).
pub type SequenceId = u64;

/// Longest blob path accepted in [`Metadata::snapshot`] and [`Metadata::history`], in UTF-8 bytes.
pub const MAX_METADATA_PATH_BYTES: usize = 4096;

/// Most cells in one [`Operation::SetCells`] batch.
pub const MAX_BATCH_CELLS: usize = 1 << 20;

/// Most runs in one [`Operation::SetItemSizes`].
pub const MAX_SIZE_RUNS: usize = 1 << 16;

/// A write of one cell: its new value and number format.
#[derive(Debug, Clone, PartialEq)]
pub struct CellWrite {
    /// 0-based row index, at most [`MAX_INDEX`].
    pub row: u64,
    /// 0-based column index, at most [`MAX_INDEX`].
    pub col: u64,
    /// The new value; `None` clears the cell (JS `undefined`), `Some(CellValue::Empty)` makes it
    /// explicitly empty (JS `null`).
    pub value: Option<CellValue>,
    /// The new number format; `None` removes it.
    pub format: Option<Format>,
}

impl CellWrite {
    /// Checks the indexes and the value against the limits of DESIGN.md section 3.
    ///
    /// # Errors
    /// [`ValidationError`] naming the first limit broken.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_index(Axis::Row, self.row)?;
        check_index(Axis::Column, self.col)?;
        if let Some(value) = &self.value {
            value.validate()?;
        }
        Ok(())
    }
}

/// The operation an entry records. Structural edits (`Insert*`/`Delete*`) take a 0-based `at`
/// and a `count` of at least 1; the range `at .. at + count` must stay within [`MAX_INDEX`].
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Set one cell's value and format.
    SetCell(CellWrite),
    /// Set many cells at once (CSV import, paste); applied in order, so a later write to the same
    /// cell wins. At most [`MAX_BATCH_CELLS`] cells.
    SetCells(Vec<CellWrite>),
    /// Insert `count` empty rows before row `at`; rows at and below `at` move down.
    InsertRows {
        /// First 0-based index affected.
        at: u64,
        /// How many rows or columns, at least 1.
        count: u64,
    },
    /// Delete rows `at .. at + count`; rows below move up.
    DeleteRows {
        /// First 0-based index affected.
        at: u64,
        /// How many rows or columns, at least 1.
        count: u64,
    },
    /// Insert `count` empty columns before column `at`; columns at and right of `at` move right.
    InsertColumns {
        /// First 0-based index affected.
        at: u64,
        /// How many rows or columns, at least 1.
        count: u64,
    },
    /// Delete columns `at .. at + count`; columns to the right move left.
    DeleteColumns {
        /// First 0-based index affected.
        at: u64,
        /// How many rows or columns, at least 1.
        count: u64,
    },
    /// Clear every cell of a rectangle, corners included: value and format removed, as a
    /// `SetCell` with no value would, whatever its size (one entry for a whole column). Does
    /// not change the row or column count. Added in wire tag 6 of entry format 1 (older builds
    /// refuse entries holding it with an unknown-tag error rather than misreading them).
    ClearRange(CellRange),
    /// Set the height of rows (`axis` [`Axis::Row`]) or the width of columns
    /// ([`Axis::Column`]): each run gives its items one size in whole CSS pixels, or the axis
    /// default (`None`). Applied in order, so a later run wins where runs overlap. 1 to
    /// [`MAX_SIZE_RUNS`] runs. Sizes move with their rows and columns under structural edits
    /// (the variable-size items of the InfiniSheet design; DESIGN.md section 3). Added in wire
    /// tag 7 of entry format 2.
    SetItemSizes {
        /// Rows or columns.
        axis: Axis,
        /// The runs, in the order they apply.
        runs: Vec<SizeRun>,
    },
    /// Replace the cells of a rectangle with the tiles an import wrote (DESIGN.md section 5b,
    /// "Import is a layer"): one entry however many cells, the import's commit point. Inside
    /// the rectangle every cell takes the layer's content (an empty CSV field leaves the cell
    /// empty); outside nothing changes. Grows the row and column count to cover the rectangle.
    /// Added in wire tag 8 of entry format 2.
    Import(ImportLayer),
}

impl Operation {
    /// Checks every index, value and count against the limits of DESIGN.md section 3.
    ///
    /// # Errors
    /// [`ValidationError`] naming the first limit broken; for a `SetCells` batch, a
    /// [`ValidationError::InCell`] naming the first bad cell.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Self::SetCell(write) => write.validate(),
            Self::SetCells(writes) => {
                if writes.len() > MAX_BATCH_CELLS {
                    return Err(ValidationError::BatchTooLarge { cells: writes.len(), limit: MAX_BATCH_CELLS });
                }
                writes.iter().try_for_each(|w| {
                    w.validate().map_err(|error| ValidationError::InCell {
                        cell: CellRef { row: w.row, col: w.col },
                        error: Box::new(error),
                    })
                })
            }
            Self::ClearRange(range) => {
                CellRef::new(range.end().row, range.end().col)?;
                Ok(())
            }
            Self::SetItemSizes { axis, runs } => {
                if runs.is_empty() {
                    return Err(ValidationError::EmptySpan { axis: *axis });
                }
                if runs.len() > MAX_SIZE_RUNS {
                    return Err(ValidationError::TooManySizeRuns {
                        axis: *axis,
                        runs: runs.len(),
                        limit: MAX_SIZE_RUNS,
                    });
                }
                runs.iter().try_for_each(|run| run.validate(*axis))
            }
            Self::Import(layer) => layer.validate(),
            Self::InsertRows { at, count } | Self::DeleteRows { at, count } => check_span(Axis::Row, *at, *count),
            Self::InsertColumns { at, count } | Self::DeleteColumns { at, count } => {
                check_span(Axis::Column, *at, *count)
            }
        }
    }

    /// Whether the operation inserts or deletes rows or columns.
    pub fn is_structural(&self) -> bool {
        matches!(
            self,
            Self::InsertRows { .. } | Self::DeleteRows { .. } | Self::InsertColumns { .. } | Self::DeleteColumns { .. }
        )
    }

    /// Whether the operation moves cells on screen: a structural edit, or a change of row
    /// heights or column widths (what a viewport in pixels covers changes).
    pub fn changes_layout(&self) -> bool {
        self.is_structural() || matches!(self, Self::SetItemSizes { .. })
    }

    /// Whether the tiles a viewport needs may change once the entry applies: a layout change,
    /// or an import (whose layer's tiles are read).
    pub fn changes_view(&self) -> bool {
        self.changes_layout() || matches!(self, Self::Import(_))
    }

    /// How many cells the operation writes (1 for `SetCell`, the batch size for `SetCells`,
    /// 0 for the others): a measure of its size.
    pub fn cells_written(&self) -> usize {
        match self {
            Self::SetCell(_) => 1,
            Self::SetCells(writes) => writes.len(),
            _ => 0,
        }
    }
}

fn check_span(axis: Axis, at: u64, count: u64) -> Result<(), ValidationError> {
    check_index(axis, at)?;
    if count == 0 {
        return Err(ValidationError::EmptySpan { axis });
    }
    // The last index touched, at + count - 1, must be a valid index too.
    match at.checked_add(count - 1) {
        Some(last) if last <= MAX_INDEX => Ok(()),
        _ => Err(ValidationError::IndexTooLarge { axis, index: at.saturating_add(count - 1) }),
    }
}

/// A background job named in an entry's `pending` metadata (DESIGN.md section 1, "workflow").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workflow {
    /// Write a snapshot of all entries before this one.
    Snapshot,
    /// Write the entries since the previous history blob, up to this one, as a history blob
    /// recorded in this entry's `history`, then truncate the log before this entry when every
    /// open client has passed it (DESIGN.md section 5b, "Lifecycle").
    History,
    /// Merge the snapshot's layers into one.
    Compact,
    /// Remove the blobs no retained snapshot references (DESIGN.md section 5b, "Lifecycle").
    Gc,
}

impl Workflow {
    /// The name used in the JS API and in messages: `"snapshot"`, `"history"`, `"compact"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Snapshot => "snapshot",
            Self::History => "history",
            Self::Compact => "compact",
            Self::Gc => "gc",
        }
    }

    /// Stable wire number in the entry encoding; never renumber.
    pub(crate) fn to_byte(self) -> u8 {
        match self {
            Self::Snapshot => 0,
            Self::History => 1,
            Self::Compact => 2,
            Self::Gc => 3,
        }
    }

    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(Self::Snapshot),
            1 => Some(Self::History),
            2 => Some(Self::Compact),
            3 => Some(Self::Gc),
            _ => None,
        }
    }
}

/// The mutable part of an entry, changed with [`EventLog::set_metadata`](super::EventLog::set_metadata).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// Blob path of a snapshot index reflecting **all entries before** this one.
    pub snapshot: Option<String>,
    /// Blob path of the cell history of the segment ending at this entry.
    pub history: Option<String>,
    /// The workflow requested on this entry and not yet finished.
    pub pending: Option<Workflow>,
}

impl Metadata {
    /// Checks the blob paths against [`MAX_METADATA_PATH_BYTES`] (and that they are not empty).
    ///
    /// # Errors
    /// [`ValidationError::BadMetadataPath`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_path(self.snapshot.as_deref())?;
        check_path(self.history.as_deref())
    }
}

fn check_path(path: Option<&str>) -> Result<(), ValidationError> {
    match path {
        Some(p) if p.is_empty() || p.len() > MAX_METADATA_PATH_BYTES => {
            Err(ValidationError::BadMetadataPath { bytes: p.len(), limit: MAX_METADATA_PATH_BYTES })
        }
        _ => Ok(()),
    }
}

/// When and by whom an entry was written (issue 11: history listing, undo per client).
///
/// Plain data, set by the writer and never checked: any pair of numbers is a valid origin. The
/// writer's clock may be wrong or go backwards, so neither field orders entries (the sequence id
/// does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    /// Milliseconds since the Unix epoch (1970-01-01T00:00:00Z) on the writer's clock, as JS
    /// `Date.now()` gives it.
    pub time_ms: u64,
    /// The writing client's id: random per `SpreadsheetData` instance, stable for its life.
    pub client: u64,
}

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// What happened.
    pub operation: Operation,
    /// Snapshot, history and pending-workflow markers.
    pub metadata: Metadata,
    /// When and by whom the entry was written; `None` for entries written without one, among
    /// them every entry of format version 1 (written before origins existed).
    pub origin: Option<Origin>,
}

impl Entry {
    /// An entry for `operation` with empty metadata and no origin.
    pub fn new(operation: Operation) -> Self {
        Self { operation, metadata: Metadata::default(), origin: None }
    }

    /// The same entry, written at `origin.time_ms` by `origin.client`.
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Validates operation and metadata; every log implementation calls this before storing.
    ///
    /// # Errors
    /// [`ValidationError`] naming the first limit broken.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.operation.validate()?;
        self.metadata.validate()
    }
}

/// A change of some metadata fields: a field left `None` is not touched; `Some(None)` clears it,
/// `Some(Some(x))` sets it. Build with the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetadataUpdate {
    /// New value of [`Metadata::snapshot`], if it changes.
    pub snapshot: Option<Option<String>>,
    /// New value of [`Metadata::history`], if it changes.
    pub history: Option<Option<String>>,
    /// New value of [`Metadata::pending`], if it changes.
    pub pending: Option<Option<Workflow>>,
}

impl MetadataUpdate {
    /// Also set (or with `None`, clear) the snapshot path.
    pub fn with_snapshot(mut self, snapshot: Option<String>) -> Self {
        self.snapshot = Some(snapshot);
        self
    }

    /// Also set (or with `None`, clear) the history path.
    pub fn with_history(mut self, history: Option<String>) -> Self {
        self.history = Some(history);
        self
    }

    /// Also set (or with `None`, clear) the pending workflow.
    pub fn with_pending(mut self, pending: Option<Workflow>) -> Self {
        self.pending = Some(pending);
        self
    }

    /// Applies the present fields to `metadata`, leaving the others as they are.
    pub fn apply_to(&self, metadata: &mut Metadata) {
        if let Some(snapshot) = &self.snapshot {
            metadata.snapshot.clone_from(snapshot);
        }
        if let Some(history) = &self.history {
            metadata.history.clone_from(history);
        }
        if let Some(pending) = self.pending {
            metadata.pending = pending;
        }
    }

    /// Checks the paths it would set.
    ///
    /// # Errors
    /// [`ValidationError::BadMetadataPath`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_path(self.snapshot.as_ref().and_then(|s| s.as_deref()))?;
        check_path(self.history.as_ref().and_then(|s| s.as_deref()))
    }
}
