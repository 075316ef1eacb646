//! [`ContentVersion`]: the immutable state a reader sees, returned by `getSnapshot()`
//! (DESIGN.md sections 1 and 3). Small: it shares the big structures (snapshot index, loaded
//! tiles, edit layer) with the engine and with other versions.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::edit_layer::{EditLayer, Lookup};
use super::error::EngineError;
use super::loaded_tile::LoadedTile;
use super::offsets::{ItemOffsetMapping, DEFAULT_COLUMN_WIDTH, DEFAULT_ROW_HEIGHT};
use super::pending::{OverlayLookup, PendingView};
use super::retired::Retired;
use crate::log::{SequenceId, Workflow};
use crate::model::Axis;
use crate::snapshot::{CellContent, SheetSizes, SnapshotIndex, TileKey, Transform};

/// Which layer a loaded tile belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum LayerId {
    /// A layer of the snapshot index, by its position in [`SnapshotIndex::layers`].
    Snapshot(usize),
    /// The layer of the import entry with this sequence id (in the edit layer).
    Import(SequenceId),
}

/// Loaded tiles by (layer, tile).
pub(crate) type TileMap = FxHashMap<(LayerId, TileKey), Rc<LoadedTile>>;

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

/// One layer a read visits: the layer's index and the transform from the top layer's
/// coordinates down to it (all transforms of the layers above composed).
#[derive(Debug)]
pub(crate) struct PlanStep {
    pub(crate) layer: usize,
    pub(crate) from_top: Transform,
    pub(crate) identity: bool,
}

/// The layers of `index` that hold tiles, newest first, each with the composed transform from
/// the top layer. Layers without tiles (structural edits only) cost nothing at read time.
pub(crate) fn read_plan(index: &SnapshotIndex) -> Vec<PlanStep> {
    let mut plan = Vec::new();
    // `above` maps layer i's coordinates to the top layer's.
    let mut above = Transform::default();
    for (i, layer) in index.layers.iter().enumerate().rev() {
        if !layer.tiles.is_empty() {
            plan.push(PlanStep { layer: i, identity: above.is_identity(), from_top: above.clone() });
        }
        above = layer.transform.compose(&above);
    }
    plan
}

/// One immutable content version. Reads through it never change while it is held.
#[derive(Debug, Clone)]
pub struct ContentVersion {
    pub(crate) seq: SequenceId,
    pub(crate) snapshot: Option<Rc<SnapshotIndex>>,
    /// How reads walk the snapshot's layers (see [`read_plan`]).
    pub(crate) plan: Rc<Vec<PlanStep>>,
    /// Loaded tiles by (layer, tile): the snapshot's and the imports' of the edit layer.
    pub(crate) tiles: Rc<TileMap>,
    pub(crate) edits: Rc<RefCell<EditLayer>>,
    pub(crate) pending: PendingView,
    /// One past the highest (row, column) in use, pending edits included.
    pub(crate) extent: (u64, u64),
    pub(crate) viewport: Option<Viewport>,
    pub(crate) load_status: LoadStatus,
    pub(crate) log_info: LogInfo,
    /// Whether the client had a step to undo, and one to redo, when the version was made.
    pub(crate) undo: (bool, bool),
    /// Row heights and column widths, pending edits included.
    pub(crate) sizes: Rc<SheetSizes>,
    /// Where the edit layer goes when this is its last holder: freed a slice at a time.
    pub(crate) retired: Retired,
}

impl Drop for ContentVersion {
    fn drop(&mut self) {
        // The last holder of a large edit layer hands it to the engine instead of freeing it in
        // one task here (which, for a version of the page, is the garbage collector's).
        self.retired.let_go(&mut self.edits);
    }
}

impl ContentVersion {
    /// The version of a sheet not loaded yet: no cells, status loading.
    pub(crate) fn empty(viewport: Option<Viewport>) -> Self {
        ContentVersion {
            seq: 0,
            snapshot: None,
            plan: Rc::default(),
            tiles: Rc::default(),
            edits: Rc::default(),
            pending: PendingView::default(),
            extent: (0, 0),
            viewport,
            load_status: LoadStatus::Loading,
            log_info: LogInfo { sequence_id: 0, snapshot_sequence_id: None, workflow: None },
            undo: (false, false),
            sizes: Rc::default(),
            retired: Retired::default(),
        }
    }

    /// Calls `read` with the content of cell (`row`, `col`), 0-based: `None` when the cell has
    /// no value and no format, or sits in a tile not loaded yet (see [`Self::load_status`]).
    /// Looks in the pending (optimistic) edits, then the edit layer at this version's position,
    /// then the snapshot's tiles.
    pub fn with_cell<R>(&self, row: u64, col: u64, read: impl FnOnce(Option<&CellContent>) -> R) -> R {
        let (row, col) = if self.pending.is_empty() {
            (row, col)
        } else {
            let overlay = self.pending.overlay.borrow();
            match overlay.get(row, col, self.pending.lo, self.pending.hi) {
                OverlayLookup::Found(content) => return read(Some(content)),
                OverlayLookup::Inserted => return read(None),
                OverlayLookup::Below(row, col) => (row, col),
            }
        };
        let (row, col) = {
            let edits = self.edits.borrow();
            match edits.get(row, col, self.seq) {
                Lookup::Found(content) => return read(Some(content)),
                Lookup::Inserted => return read(None),
                Lookup::Imported { seq, layer, row, col } => {
                    let size = layer.tile_size();
                    let key = size.tile_of(row, col);
                    let Some(tile) = self.tiles.get(&(LayerId::Import(seq), key)) else { return read(None) };
                    let (origin_row, origin_col) = size.origin(key);
                    // A cell of the rectangle the tile does not hold was an empty field.
                    let content = tile.get((row - origin_row) as u32, (col - origin_col) as u32);
                    let tombstone = CellContent::tombstone();
                    return read(Some(content.unwrap_or(&tombstone)));
                }
                Lookup::Below { row, col } => (row, col),
            }
        };
        read(self.snapshot_cell(row, col))
    }

    /// The snapshot's content of a cell given in its top layer's coordinates: the newest layer
    /// holding the cell (a value or a tombstone) answers (DESIGN.md appendix). Walks the read
    /// plan: only layers with tiles, each reached from the top in one mapping. `None` also for a
    /// tile not loaded yet.
    fn snapshot_cell(&self, row: u64, col: u64) -> Option<&CellContent> {
        let index = self.snapshot.as_ref()?;
        let size = index.tile_size;
        for step in self.plan.iter() {
            let (r, c) = if step.identity {
                (row, col)
            } else {
                // A row or column inserted above this layer: no older layer holds it either.
                (step.from_top.rows.new_to_old(row)?, step.from_top.cols.new_to_old(col)?)
            };
            let key = size.tile_of(r, c);
            match self.tiles.get(&(LayerId::Snapshot(step.layer), key)) {
                Some(tile) => {
                    let (origin_row, origin_col) = size.origin(key);
                    if let Some(content) = tile.get((r - origin_row) as u32, (c - origin_col) as u32) {
                        return Some(content);
                    }
                }
                None if index.layers.get(step.layer).is_some_and(|l| l.tiles.contains_key(&key)) => return None,
                None => {}
            }
        }
        None
    }

    /// The transforms from this version's snapshot to its coordinates, oldest first: the
    /// structural edits of its edit layer, then its pending ones.
    pub(crate) fn transforms(&self) -> Vec<Transform> {
        let mut transforms: Vec<Transform> = self.edits.borrow().transforms(self.seq).cloned().collect();
        transforms.extend(self.pending.overlay.borrow().transforms(self.pending.lo, self.pending.hi));
        transforms
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
        self.extent
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

    /// Whether `undo()` had a step to revert when this version was made (always false for a
    /// version of the past).
    pub fn can_undo(&self) -> bool {
        self.undo.0
    }

    /// Whether `redo()` had a step to apply again when this version was made (always false
    /// for a version of the past).
    pub fn can_redo(&self) -> bool {
        self.undo.1
    }

    /// Row heights and column widths that are not the defaults, as of this version.
    pub fn sizes(&self) -> &Rc<SheetSizes> {
        &self.sizes
    }

    /// Where rows start, in pixels: 30 px each unless resized (`O(log n)` lookups in the
    /// number of resized runs).
    pub fn row_offsets(&self) -> ItemOffsetMapping {
        ItemOffsetMapping::new(DEFAULT_ROW_HEIGHT, Axis::Row, self.sizes.clone())
    }

    /// Where columns start, in pixels: 100 px each unless resized.
    pub fn column_offsets(&self) -> ItemOffsetMapping {
        ItemOffsetMapping::new(DEFAULT_COLUMN_WIDTH, Axis::Column, self.sizes.clone())
    }

    /// True while this version shows optimistic edits not yet durable in the log.
    pub fn has_pending_edits(&self) -> bool {
        !self.pending.is_empty()
    }
}
