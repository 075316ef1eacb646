//! [`ContentVersion`]: the immutable state a reader sees, returned by `getSnapshot()`
//! (DESIGN.md sections 1 and 3). Small: it shares the big structures (snapshot index, loaded
//! tiles, edit layer) with the engine and with other versions.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::edit_layer::EditLayer;
use super::error::EngineError;
use super::loaded_tile::LoadedTile;
use crate::log::{SequenceId, Workflow};
use crate::snapshot::{CellContent, SnapshotIndex, TileKey};

/// The part of the sheet the UI shows, in pixels; a hint for which tiles to load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Pixel offset of the top edge from the top of row 0.
    pub row_min_offset: f64,
    /// Pixel offset of the left edge from the left of column 0.
    pub column_min_offset: f64,
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
}

impl Viewport {
    /// True when every field is finite and not negative.
    pub fn is_valid(&self) -> bool {
        [self.row_min_offset, self.column_min_offset, self.width, self.height]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0)
    }
}

/// Whether a version shows everything it will show for its viewport.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStatus {
    /// Log sync or tiles under the viewport are outstanding.
    Loading,
    /// Everything under the viewport is loaded.
    Ready,
    /// The latest storage error; reads show what could be loaded.
    Error(EngineError),
}

/// Where a version stands in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogInfo {
    /// The version reflects the entries before this sequence id.
    pub sequence_id: SequenceId,
    /// The snapshot the engine loaded from or last saw completed.
    pub snapshot_sequence_id: Option<SequenceId>,
    /// The workflow running for this sheet, if any.
    pub workflow: Option<Workflow>,
}

/// One immutable content version. Reads through it never change while it is held.
#[derive(Debug, Clone)]
pub struct ContentVersion {
    pub(crate) seq: SequenceId,
    pub(crate) snapshot: Option<Rc<SnapshotIndex>>,
    pub(crate) tiles: Rc<FxHashMap<TileKey, Rc<LoadedTile>>>,
    pub(crate) edits: Rc<RefCell<EditLayer>>,
    pub(crate) pending: Rc<FxHashMap<(u64, u64), CellContent>>,
    pub(crate) pending_extent: (u64, u64),
    pub(crate) viewport: Option<Viewport>,
    pub(crate) load_status: LoadStatus,
    pub(crate) log_info: LogInfo,
}

impl ContentVersion {
    /// Calls `read` with the content of cell (`row`, `col`), 0-based: `None` when the cell has
    /// no value and no format, or sits in a tile not loaded yet (see [`Self::load_status`]).
    /// Looks in the pending (optimistic) edits, then the edit layer at this version's position,
    /// then the snapshot's tiles.
    pub fn with_cell<R>(&self, row: u64, col: u64, read: impl FnOnce(Option<&CellContent>) -> R) -> R {
        if !self.pending.is_empty() {
            if let Some(content) = self.pending.get(&(row, col)) {
                return read(Some(content));
            }
        }
        {
            let edits = self.edits.borrow();
            if let Some(content) = edits.get(row, col, self.seq) {
                return read(Some(content));
            }
        }
        read(self.tile_cell(row, col))
    }

    fn tile_cell(&self, row: u64, col: u64) -> Option<&CellContent> {
        let index = self.snapshot.as_ref()?;
        let size = index.tile_size;
        let key = size.tile_of(row, col);
        let tile = self.tiles.get(&key)?;
        let (origin_row, origin_col) = size.origin(key);
        tile.get((row - origin_row) as u32, (col - origin_col) as u32)
    }

    /// The cell's content, cloned (see [`Self::with_cell`]).
    pub fn cell(&self, row: u64, col: u64) -> Option<CellContent> {
        self.with_cell(row, col, |c| c.filter(|c| !c.is_tombstone()).cloned())
    }

    /// One past the highest row index written (snapshot, edits and pending edits).
    pub fn row_count(&self) -> u64 {
        self.extent().0
    }

    /// One past the highest column index written.
    pub fn column_count(&self) -> u64 {
        self.extent().1
    }

    fn extent(&self) -> (u64, u64) {
        let (snap_rows, snap_cols) = self.snapshot.as_ref().map_or((0, 0), |s| (s.row_count, s.col_count));
        let (edit_rows, edit_cols) = self.edits.borrow().extent(self.seq);
        let (pending_rows, pending_cols) = self.pending_extent;
        (snap_rows.max(edit_rows).max(pending_rows), snap_cols.max(edit_cols).max(pending_cols))
    }

    /// The viewport in force for this version (`None`: the whole sheet).
    pub fn viewport(&self) -> Option<Viewport> {
        self.viewport
    }

    /// Loading, ready, or the latest error.
    pub fn load_status(&self) -> &LoadStatus {
        &self.load_status
    }

    /// The log position this version reflects, its snapshot and the running workflow.
    pub fn log_info(&self) -> LogInfo {
        self.log_info
    }

    /// True while this version shows optimistic edits not yet durable in the log.
    pub fn has_pending_edits(&self) -> bool {
        !self.pending.is_empty()
    }
}
