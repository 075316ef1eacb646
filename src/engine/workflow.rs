//! The snapshot workflow (DESIGN.md section 5): writes the state of the sheet before an entry
//! as tiles plus an index, **incrementally**: only tiles touched since the previous snapshot are
//! written; the index references the others where they already are. Runs in the worker (or in
//! thread with `worker: false`); pure async over the storage traits, so it is tested natively.
//! Idempotent: running it twice for one entry writes the same blobs and metadata.

use std::collections::BTreeMap;
use std::rc::Rc;

use futures_util::future::try_join_all;
use rustc_hash::FxHashMap;

use super::error::EngineError;
use super::lifecycle::Retention;
use super::structural::{extent_after, sizes_after, structural_transform};
use super::viewport_tiles::{tiles_under, CellRect};
use crate::blob::{read_blob, write_path};
use crate::blob::{BlobError, BlobStore};
use crate::log::{
    CellWrite, EventLog, ImportLayer, LogError, MetadataUpdate, Operation, QueryFrom, QueryResult, QueryTo, SequenceId,
    SnapshotInfo, Workflow,
};
use crate::snapshot::{
    decode_index, decode_tile, encode_index, encode_tile, CellContent, Layer, SheetSizes, SnapshotIndex, Tile, TileKey,
    TileSize, Transform,
};

/// A change of one cell: its (row, column) and its content after the segment.
type CellChange = ((u64, u64), CellContent);

/// The blob dir under which every snapshot writes its own dir, named by its sequence id.
pub const SNAPSHOT_DIR: &str = "snapshots";

/// Path of the index blob of the snapshot on entry `seq`.
pub fn index_path(seq: SequenceId) -> String {
    format!("{SNAPSHOT_DIR}/{seq}/index")
}

/// Path of a tile blob written by part `part` of the snapshot on entry `seq`: its changes
/// before the first import are part 0 ([`tile_path`]), those after the `k`-th import part `k`,
/// in a dir of their own, so that two layers of one snapshot never share a tile blob.
pub fn segment_tile_path(seq: SequenceId, part: usize, key: TileKey) -> String {
    match part {
        0 => tile_path(seq, key),
        _ => format!("{SNAPSHOT_DIR}/{seq}/{part}/{}-{}", key.tile_row, key.tile_col),
    }
}

/// Path of a tile blob written by the snapshot on entry `seq`.
pub fn tile_path(seq: SequenceId, key: TileKey) -> String {
    format!("{SNAPSHOT_DIR}/{seq}/{}-{}", key.tile_row, key.tile_col)
}

/// Reads and decodes the snapshot index at `path`.
///
/// # Errors
/// [`EngineError::Blob`], [`EngineError::Snapshot`].
pub async fn read_index<B: BlobStore>(blobs: &B, path: &str) -> Result<SnapshotIndex, EngineError> {
    let bytes = read_blob(blobs, path).await?;
    decode_index(&bytes).map_err(|error| EngineError::Snapshot { path: path.to_owned(), error })
}

/// Reads and decodes the tile blob at `path`.
///
/// # Errors
/// [`EngineError::Blob`], [`EngineError::Snapshot`].
pub async fn read_tile<B: BlobStore>(blobs: &B, path: &str) -> Result<Tile, EngineError> {
    let bytes = read_blob(blobs, path).await?;
    decode_tile(&bytes).map_err(|error| EngineError::Snapshot { path: path.to_owned(), error })
}

/// Reads and decodes the tile blobs at `paths`, batched by [`BlobStore::read_many`]; one result
/// per path, in order.
///
/// # Errors
/// Per path, as [`read_tile`].
pub async fn read_tiles<B: BlobStore, P: AsRef<str>>(blobs: &B, paths: &[P]) -> Vec<Result<Tile, EngineError>> {
    let refs: Vec<&str> = paths.iter().map(AsRef::as_ref).collect();
    let read = blobs.read_many(&refs).await;
    refs.iter()
        .zip(read)
        .map(|(path, bytes)| {
            decode_tile(&bytes?).map_err(|error| EngineError::Snapshot { path: (*path).to_owned(), error })
        })
        .collect()
}

/// How many times [`latest_snapshot`] asks the log again when the index it was told of is gone.
const LATEST_SNAPSHOT_ATTEMPTS: usize = 4;

/// The newest snapshot of the log, with its index read, if there is one. An index not found
/// because another tab's compaction replaced it (a new path on the same entry) and its garbage
/// collection removed it between the log's answer and the read is looked up again: the log then
/// names the new path.
///
/// # Errors
/// [`EngineError`] from the log or blob store; [`BlobError::NotFound`] when the log still names
/// the missing index (or after 4 replaced ones, `LATEST_SNAPSHOT_ATTEMPTS`).
pub async fn latest_snapshot<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
) -> Result<Option<(SnapshotInfo, Rc<SnapshotIndex>)>, EngineError> {
    latest_snapshot_and_head(log, blobs).await.map(|(latest, _)| latest)
}

/// [`latest_snapshot`], with the first page of the log's answer that named it: the entries from
/// the snapshot's entry on (from the first retained entry when there is no snapshot), starting at
/// `head.first`. A reload replays that page instead of asking for it again (BENCHMARKS.md, stop
/// 34: one query, four round trips to IndexedDB, less on a reopen's way).
///
/// # Errors
/// As [`latest_snapshot`].
pub async fn latest_snapshot_and_head<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
) -> Result<(Option<(SnapshotInfo, Rc<SnapshotIndex>)>, QueryResult), EngineError> {
    let head = log.query(QueryFrom::Snapshot, QueryTo::End, None).await?;
    latest_snapshot_from(log, blobs, head, None).await
}

/// [`latest_snapshot_and_head`] from `head`, the answer of a query from the latest snapshot
/// already made; `known` holds the path and bytes of an index read before the log named it (an
/// open hint's, [`super::OpenHint`]), decoded instead of read when the log names that path.
///
/// # Errors
/// As [`latest_snapshot`].
pub(crate) async fn latest_snapshot_from<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    head: QueryResult,
    known: Option<(String, Vec<u8>)>,
) -> Result<(Option<(SnapshotInfo, Rc<SnapshotIndex>)>, QueryResult), EngineError> {
    let mut missing: Option<String> = None;
    let mut head = Some(head);
    let mut known = known;
    for attempt in 1..=LATEST_SNAPSHOT_ATTEMPTS {
        let head = match head.take() {
            Some(head) => head,
            None => log.query(QueryFrom::Snapshot, QueryTo::End, None).await?,
        };
        let Some(info) = head.latest_snapshot.clone() else { return Ok((None, head)) };
        let gone_again = missing.as_deref() == Some(info.snapshot.as_str());
        let read = match known.take().filter(|(path, _)| *path == info.snapshot) {
            Some((path, bytes)) => decode_index(&bytes).map_err(|error| EngineError::Snapshot { path, error }),
            None => read_index(blobs, &info.snapshot).await,
        };
        match read {
            Ok(index) => return Ok((Some((info, Rc::new(index))), head)),
            Err(EngineError::Blob(BlobError::NotFound { .. })) if !gone_again && attempt < LATEST_SNAPSHOT_ATTEMPTS => {
                missing = Some(info.snapshot);
            }
            Err(error) => return Err(error),
        }
    }
    Err(EngineError::Blob(BlobError::NotFound { path: missing.unwrap_or_default() }))
}

/// What a snapshot workflow did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotReport {
    /// The entry the snapshot is stored on (it reflects all entries before it).
    pub seq: SequenceId,
    /// False when a snapshot at or after `seq` already existed and nothing was written.
    pub written: bool,
    /// Tile blobs written (touched since the previous snapshot).
    pub tiles_written: usize,
    /// Tiles the index references from earlier snapshots.
    pub tiles_referenced: usize,
    /// Bytes written to the blob store, tiles and index.
    pub bytes_written: usize,
}

/// Most layers a snapshot keeps before its entry is marked for a `compact` workflow.
pub const DEFAULT_MAX_LAYERS: usize = 8;

/// Settings of the workflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkflowConfig {
    /// Tile size of the first snapshot of a sheet (later snapshots keep theirs).
    pub tile_size: TileSize,
    /// A snapshot with more layers than this asks for compaction.
    pub max_layers: usize,
    /// What the history and GC workflows keep.
    pub retention: Retention,
}

impl Default for WorkflowConfig {
    fn default() -> Self {
        Self { tile_size: TileSize::DEFAULT, max_layers: DEFAULT_MAX_LAYERS, retention: Retention::default() }
    }
}

/// Writes the snapshot of all entries before `seq` and records it on entry `seq`, clearing its
/// `pending` in the same `set_metadata` (or setting it to `compact` when the snapshot has more
/// than `config.max_layers` layers).
///
/// Without structural edits since the previous snapshot, the touched tiles of its top layer are
/// rewritten and the others referenced. With structural edits, a new layer is added holding the
/// cells written since (tombstones included, so they mask older layers) and the transform
/// composed of those edits; no tile below is rewritten (DESIGN.md section 5).
///
/// # Errors
/// [`EngineError`] from the log or the blob store; [`EngineError::MissingHistory`] when the log
/// was truncated without a snapshot.
pub async fn write_snapshot<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    config: WorkflowConfig,
) -> Result<SnapshotReport, EngineError> {
    // One query gives the latest snapshot and the first page of the entries after it.
    let skipped = SnapshotReport { seq, written: false, tiles_written: 0, tiles_referenced: 0, bytes_written: 0 };
    let mut page = match log.query(QueryFrom::Snapshot, QueryTo::Seq(seq), None).await {
        Ok(page) => page,
        // The latest snapshot is past `seq`: nothing to write.
        Err(LogError::ReversedRange { .. }) => {
            clear_pending(log, seq, Workflow::Snapshot).await?;
            return Ok(skipped);
        }
        Err(e) => return Err(e.into()),
    };
    let mut hint = page.snapshot_hint(None);
    let base = match page.latest_snapshot.take() {
        Some(info) if info.seq >= seq => {
            clear_pending(log, seq, Workflow::Snapshot).await?;
            return Ok(skipped);
        }
        Some(info) => Some(Rc::new(read_index(blobs, &info.snapshot).await?)),
        None if page.first > 0 => return Err(EngineError::MissingHistory { start: page.first }),
        None => None,
    };

    // Replay the segment: the final content of every touched cell in the newest coordinates,
    // the transform composed of the structural edits, and the extent. An import closes the
    // changes before it into the layers and adds its own layer (DESIGN.md section 5b).
    let tile_size = base.as_ref().map_or(config.tile_size, |b| b.tile_size);
    let mut layers = base.as_ref().map(|b| b.layers.clone()).unwrap_or_default();
    let mut written = Written::default();
    // Which part of the snapshot is being written: the imports seen so far.
    let mut part = 0;
    let mut segment = SegmentChanges {
        extent: base.as_ref().map_or((0, 0), |b| (b.row_count, b.col_count)),
        sizes: base.as_ref().map(|b| b.sizes.clone()).unwrap_or_default(),
        ..SegmentChanges::default()
    };
    loop {
        for entry in &page.entries {
            let Operation::Import(import) = &entry.operation else {
                segment.apply(&entry.operation);
                continue;
            };
            let (extent, sizes) = (extent_after(segment.extent, &entry.operation), segment.sizes.clone());
            if !segment.is_empty() {
                let changes = std::mem::take(&mut segment);
                written.add(write_segment(blobs, seq, part, tile_size, &mut layers, changes).await?);
            }
            part += 1;
            segment = SegmentChanges { extent, sizes, ..SegmentChanges::default() };
            if import.tile_size() == tile_size {
                layers.push(Layer { transform: Transform::default(), tiles: import_tiles(import) });
            } else {
                // Another tile grid (a sheet whose first snapshot chose another size while the
                // import ran): its cells are written as changes.
                segment.import_cells(blobs, import).await?;
            }
        }
        let next = page.next();
        if next >= seq || page.entries.is_empty() {
            break;
        }
        page = log.query(QueryFrom::Seq(next), QueryTo::Seq(seq), hint).await?;
        hint = page.snapshot_hint(hint);
    }
    let (extent, sizes) = (segment.extent, segment.sizes.clone());
    if !segment.is_empty() || layers.is_empty() {
        written.add(write_segment(blobs, seq, part, tile_size, &mut layers, segment).await?);
    }
    let Written { tiles: tiles_written, bytes: mut bytes_written } = written;

    let tiles_referenced = layers.iter().map(|l| l.tiles.len()).sum::<usize>() - tiles_written;
    let compact = layers.len() > config.max_layers.max(1);
    let index = SnapshotIndex { seq, row_count: extent.0, col_count: extent.1, tile_size, layers, sizes };
    let encoded = encode_index(&index);
    bytes_written += encoded.len();
    let path = index_path(seq);
    write_path(blobs, &path, &encoded).await?;
    // Next on this entry: the compaction it needs, else its history (DESIGN.md section 5b).
    let pending = if compact { Workflow::Compact } else { Workflow::History };
    log.set_metadata(seq, MetadataUpdate::default().with_snapshot(Some(path)).with_pending(Some(pending))).await?;
    Ok(SnapshotReport { seq, written: true, tiles_written, tiles_referenced, bytes_written })
}

/// What the entries of a segment (since the previous snapshot) did, in the newest coordinates:
/// the final content of every cell written, the rectangles cleared (cells written after a clear
/// are in `touched`, not under it), the transform composed of the structural edits, and the
/// extent, and the row heights and column widths.
#[derive(Default)]
struct SegmentChanges {
    touched: FxHashMap<(u64, u64), CellContent>,
    cleared: Vec<CellRect>,
    transform: Transform,
    extent: (u64, u64),
    sizes: SheetSizes,
}

impl SegmentChanges {
    /// True when the segment changed no cell and moved no row or column.
    fn is_empty(&self) -> bool {
        self.touched.is_empty() && self.cleared.is_empty() && self.transform.is_identity()
    }

    /// Applies an import as a clear of its rectangle followed by a write of every cell its
    /// tiles hold there (tombstones included): for a layer whose tile grid is not the
    /// snapshot's. Reads the import's tiles one at a time; holds its cells.
    async fn import_cells<B: BlobStore>(&mut self, blobs: &B, import: &ImportLayer) -> Result<(), EngineError> {
        self.apply(&Operation::ClearRange(import.rect));
        let rect = CellRect::of_range(&import.rect);
        let size = import.tile_size();
        for (key, path) in import_tiles(import) {
            let tile = read_tile(blobs, &path).await?;
            let (origin_row, origin_col) = size.origin(key);
            for ((row_offset, col_offset), content) in tile.cells() {
                let cell = (origin_row + u64::from(row_offset), origin_col + u64::from(col_offset));
                if rect.contains(cell.0, cell.1) {
                    self.touched.insert(cell, content.clone());
                }
            }
        }
        Ok(())
    }

    /// Applies one entry's operation: cell writes land in `touched`; a clear drops the touched
    /// cells under it and records its rectangle; a structural edit moves the touched cells and
    /// cleared rectangles (dropping deleted ones, splitting rectangles around inserted rows),
    /// composes onto `transform` and shifts `extent`.
    fn apply(&mut self, operation: &Operation) {
        self.extent = extent_after(self.extent, operation);
        if let Some(sizes) = sizes_after(&self.sizes, operation) {
            self.sizes = sizes;
        }
        let step = match (operation, structural_transform(operation)) {
            (Operation::SetCell(write), _) => return apply_writes(&mut self.touched, std::slice::from_ref(write)),
            (Operation::SetCells(writes), _) => return apply_writes(&mut self.touched, writes),
            (Operation::ClearRange(range), _) => {
                let rect = CellRect::of_range(range);
                self.touched.retain(|&(row, col), _| !rect.contains(row, col));
                self.cleared.push(rect);
                return;
            }
            (Operation::SetItemSizes { .. }, _) => return,
            (_, step) => step.unwrap_or_default(),
        };
        self.touched = std::mem::take(&mut self.touched)
            .into_iter()
            .filter_map(|((row, col), content)| {
                Some(((step.rows.old_to_new(row)?, step.cols.old_to_new(col)?), content))
            })
            .collect();
        self.cleared = self.cleared.iter().flat_map(|rect| rect.map_up(&step)).collect();
        self.transform = self.transform.compose(&step);
    }
}

/// Tiles and bytes a snapshot wrote.
#[derive(Default)]
struct Written {
    tiles: usize,
    bytes: usize,
}

impl Written {
    fn add(&mut self, other: Written) {
        self.tiles += other.tiles;
        self.bytes += other.bytes;
    }
}

/// The tiles of an import's layer by key, with their paths: every tile of its grid that meets
/// its rectangle (see [`crate::log::ImportLayer`]).
fn import_tiles(import: &ImportLayer) -> BTreeMap<TileKey, String> {
    import.tiles_meeting((0, u64::MAX), (0, u64::MAX)).map(|key| (key, import.tile_path(key))).collect()
}

/// Writes the changes of `segment` into `layers` (in place): without structural edits, the
/// touched tiles of the top layer are rewritten and the others referenced; with them, a new
/// layer holds the cells written (tombstones included, so they mask older layers) and the
/// transform composed of those edits. Cells with content under a cleared rectangle, in any
/// layer, are cleared unless written after the clear (the tiles under it are read,
/// `O(populated tiles)`).
async fn write_segment<B: BlobStore>(
    blobs: &B,
    seq: SequenceId,
    part: usize,
    tile_size: TileSize,
    layers: &mut Vec<Layer>,
    segment: SegmentChanges,
) -> Result<Written, EngineError> {
    let SegmentChanges { mut touched, transform, extent, cleared, .. } = segment;
    let new_layer = layers.is_empty() || !transform.is_identity();
    if new_layer {
        let layer_transform = if layers.is_empty() { Transform::default() } else { transform };
        layers.push(Layer { transform: layer_transform, tiles: BTreeMap::new() });
    }
    let keep_tombstones = layers.len() > 1;
    let top = layers.len() - 1;
    if !cleared.is_empty() {
        let probe = SnapshotIndex {
            seq,
            row_count: extent.0,
            col_count: extent.1,
            tile_size,
            layers: layers.clone(),
            sizes: SheetSizes::default(),
        };
        for cell in cells_under(blobs, &probe, &cleared).await? {
            touched.entry(cell).or_insert_with(CellContent::tombstone);
        }
    }
    let mut by_tile: BTreeMap<TileKey, Vec<CellChange>> = BTreeMap::new();
    for (cell, content) in touched {
        by_tile.entry(tile_size.tile_of(cell.0, cell.1)).or_default().push((cell, content));
    }
    let tiles = &mut layers[top].tiles;

    // Load the touched tiles that exist in the top layer, in parallel, and apply the changes.
    let loads = by_tile.keys().map(|key| {
        let path = tiles.get(key).cloned();
        async move {
            match path {
                Some(path) => read_tile(blobs, &path).await,
                None => Ok(Tile::new(*key, tile_size)),
            }
        }
    });
    let loaded = try_join_all(loads).await?;
    let mut writes = Vec::new();
    for ((key, changes), mut tile) in by_tile.into_iter().zip(loaded) {
        let (origin_row, origin_col) = tile_size.origin(key);
        for ((row, col), content) in changes {
            let offsets = ((row - origin_row) as u32, (col - origin_col) as u32);
            if content.is_tombstone() && !keep_tombstones {
                tile.remove(offsets.0, offsets.1);
            } else {
                tile.set(offsets.0, offsets.1, content)
                    .map_err(|error| EngineError::Snapshot { path: segment_tile_path(seq, part, key), error })?;
            }
        }
        if tile.is_empty() {
            tiles.remove(&key);
        } else {
            let path = segment_tile_path(seq, part, key);
            writes.push((path.clone(), encode_tile(&tile)));
            tiles.insert(key, path);
        }
    }
    let written = Written { tiles: writes.len(), bytes: writes.iter().map(|(_, bytes)| bytes.len()).sum() };
    write_all(blobs, &writes).await?;
    Ok(written)
}

fn apply_writes(touched: &mut FxHashMap<(u64, u64), CellContent>, writes: &[CellWrite]) {
    for write in writes {
        touched
            .insert((write.row, write.col), CellContent { value: write.value.clone(), format: write.format.clone() });
    }
}

/// The cells, in `index`'s top-layer coordinates, inside one of `rects` that hold content in
/// some layer of `index`. Reads only the tiles under the rectangles.
async fn cells_under<B: BlobStore>(
    blobs: &B,
    index: &SnapshotIndex,
    rects: &[CellRect],
) -> Result<Vec<(u64, u64)>, EngineError> {
    let size = index.tile_size;
    let mut out = Vec::new();
    for rect in rects {
        for (layer, key) in tiles_under(index, &[], *rect) {
            let Some(path) = index.layers.get(layer).and_then(|l| l.tiles.get(&key)) else { continue };
            let tile = read_tile(blobs, path).await?;
            let (origin_row, origin_col) = size.origin(key);
            for ((row_offset, col_offset), content) in tile.cells() {
                if content.is_tombstone() {
                    continue;
                }
                let mut cell = Some((origin_row + u64::from(row_offset), origin_col + u64::from(col_offset)));
                for above in index.layers.iter().skip(layer + 1) {
                    cell = cell.and_then(|(r, c)| {
                        Some((above.transform.rows.old_to_new(r)?, above.transform.cols.old_to_new(c)?))
                    });
                }
                if let Some((row, col)) = cell.filter(|&(r, c)| rect.contains(r, c)) {
                    out.push((row, col));
                }
            }
        }
    }
    Ok(out)
}

/// The keys, in the top layer's coordinates, of the tiles that the populated tiles of every
/// layer of `index` land on once mapped up through the newer layers' transforms, within the
/// index's extent: what a compaction must write. `O(populated tiles x tile side)` (each source
/// tile's rows and columns map to at most a tile side of runs), whatever the sheet's extent (issue
/// 12, item 2: one cell near row 2^53 made the old scan of every tile position run for ever).
fn output_tiles(index: &SnapshotIndex) -> std::collections::BTreeSet<TileKey> {
    let size = index.tile_size;
    let (tile_rows, tile_cols) = (u64::from(size.rows()), u64::from(size.cols()));
    let mut out = std::collections::BTreeSet::new();
    for (i, layer) in index.layers.iter().enumerate() {
        for key in layer.tiles.keys() {
            let (origin_row, origin_col) = size.origin(*key);
            let mut rows = vec![(origin_row, tile_rows)];
            let mut cols = vec![(origin_col, tile_cols)];
            for newer in index.layers.iter().skip(i + 1) {
                rows = newer.transform.rows.map_ranges(rows);
                cols = newer.transform.cols.map_ranges(cols);
            }
            let tile_span = |runs: &[(u64, u64)], side: u64, extent: u64| -> Vec<u64> {
                let mut keys: Vec<u64> = runs
                    .iter()
                    .filter(|(start, _)| *start < extent)
                    .flat_map(|&(start, width)| {
                        let last = start.saturating_add(width.saturating_sub(1)).min(extent.saturating_sub(1));
                        start / side..=last / side
                    })
                    .collect();
                keys.dedup();
                keys
            };
            let row_keys = tile_span(&rows, tile_rows, index.row_count);
            let col_keys = tile_span(&cols, tile_cols, index.col_count);
            for &tile_row in &row_keys {
                out.extend(col_keys.iter().map(|&tile_col| TileKey { tile_row, tile_col }));
            }
        }
    }
    out
}

/// About how many bytes of tiles a compaction holds before writing them in one
/// [`BlobStore::write_many`]: its memory is the source-tile cache plus this (issue 9).
const COMPACT_WRITE_BYTES: usize = 1 << 20;

/// Writes (path, bytes) pairs with one [`BlobStore::write_many`].
async fn write_all<B: BlobStore>(blobs: &B, writes: &[(String, Vec<u8>)]) -> Result<(), EngineError> {
    let batch: Vec<(&str, &[u8])> = writes.iter().map(|(path, bytes)| (path.as_str(), bytes.as_slice())).collect();
    Ok(blobs.write_many(&batch).await?)
}

/// Path of a tile blob written by the compaction of the snapshot on entry `seq`.
pub fn compact_tile_path(seq: SequenceId, key: TileKey) -> String {
    format!("{SNAPSHOT_DIR}/{seq}/compact/{}-{}", key.tile_row, key.tile_col)
}

/// Merges the layers of the snapshot on entry `seq` into one, writes it as a new index (tiles
/// and index under `snapshots/<seq>/compact/`), records it on the entry and clears `pending`.
/// The old blobs stay: engines that loaded the old index keep reading correctly.
///
/// Works one output tile at a time: the tile's rectangle is mapped down through the layers,
/// the source tiles it needs are loaded (a bounded cache), and each cell is read top-down.
///
/// # Errors
/// [`EngineError`] from the log or the blob store.
pub async fn compact_snapshot<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
) -> Result<SnapshotReport, EngineError> {
    let done = SnapshotReport { seq, written: false, tiles_written: 0, tiles_referenced: 0, bytes_written: 0 };
    let metadata = match log.metadata(seq).await {
        Ok(metadata) => metadata,
        Err(LogError::OutOfRange { .. }) => return Ok(done),
        Err(e) => return Err(e.into()),
    };
    let Some(path) = metadata.snapshot else {
        clear_pending(log, seq, Workflow::Compact).await?;
        return Ok(done);
    };
    let index = read_index(blobs, &path).await?;
    if index.layers.len() <= 1 {
        log.set_metadata(seq, MetadataUpdate::default().with_pending(Some(Workflow::History))).await?;
        return Ok(done);
    }
    let size = index.tile_size;
    let mut cache: FxHashMap<(usize, TileKey), Rc<Tile>> = FxHashMap::default();
    let mut tiles = BTreeMap::new();
    let mut bytes_written = 0;
    // Tiles encoded but not yet written: flushed in batches of about COMPACT_WRITE_BYTES.
    let mut unwritten: Vec<(String, Vec<u8>)> = Vec::new();
    let mut unwritten_bytes = 0;
    // Only the output tiles some source tile lands on: O(populated tiles), never O(extent).
    for key in output_tiles(&index) {
        let (origin_row, origin_col) = size.origin(key);
        let rect = CellRect {
            rows: (origin_row, origin_row + u64::from(size.rows()) - 1),
            cols: (origin_col, origin_col + u64::from(size.cols()) - 1),
        };
        let sources = tiles_under(&index, &[], rect);
        if sources.is_empty() {
            continue;
        }
        if cache.len() > 512 {
            cache.clear();
        }
        for (layer, source) in sources {
            if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry((layer, source)) {
                if let Some(source_path) = index.layers.get(layer).and_then(|l| l.tiles.get(&source)) {
                    slot.insert(Rc::new(read_tile(blobs, source_path).await?));
                }
            }
        }
        let mut tile = Tile::new(key, size);
        for row_offset in 0..size.rows() {
            for col_offset in 0..size.cols() {
                let (row, col) = (origin_row + u64::from(row_offset), origin_col + u64::from(col_offset));
                if let Some(content) = read_through_layers(&index, &cache, row, col) {
                    if !content.is_tombstone() {
                        tile.set(row_offset, col_offset, content.clone())
                            .map_err(|error| EngineError::Snapshot { path: compact_tile_path(seq, key), error })?;
                    }
                }
            }
        }
        if !tile.is_empty() {
            let tile_path = compact_tile_path(seq, key);
            let bytes = encode_tile(&tile);
            bytes_written += bytes.len();
            unwritten_bytes += bytes.len();
            tiles.insert(key, tile_path.clone());
            unwritten.push((tile_path, bytes));
            if unwritten_bytes >= COMPACT_WRITE_BYTES {
                write_all(blobs, &unwritten).await?;
                unwritten.clear();
                unwritten_bytes = 0;
            }
        }
    }
    write_all(blobs, &unwritten).await?;
    let tiles_written = tiles.len();
    let compacted = SnapshotIndex { layers: vec![Layer { transform: Transform::default(), tiles }], ..index };
    let encoded = encode_index(&compacted);
    bytes_written += encoded.len();
    let compact_index = format!("{SNAPSHOT_DIR}/{seq}/compact/index");
    write_path(blobs, &compact_index, &encoded).await?;
    let update = MetadataUpdate::default().with_snapshot(Some(compact_index)).with_pending(Some(Workflow::History));
    log.set_metadata(seq, update).await?;
    Ok(SnapshotReport { seq, written: true, tiles_written, tiles_referenced: 0, bytes_written })
}

/// A cell of a layered snapshot, in its top layer's coordinates, read from loaded tiles: the
/// newest layer holding it answers; an inserted row or column means no value.
fn read_through_layers<'t>(
    index: &SnapshotIndex,
    tiles: &'t FxHashMap<(usize, TileKey), Rc<Tile>>,
    row: u64,
    col: u64,
) -> Option<&'t CellContent> {
    let size = index.tile_size;
    let (mut row, mut col) = (row, col);
    for (i, layer) in index.layers.iter().enumerate().rev() {
        let key = size.tile_of(row, col);
        if let Some(tile) = tiles.get(&(i, key)) {
            let (origin_row, origin_col) = size.origin(key);
            if let Some(content) = tile.get((row - origin_row) as u32, (col - origin_col) as u32) {
                return Some(content);
            }
        }
        if i == 0 {
            return None;
        }
        row = layer.transform.rows.new_to_old(row)?;
        col = layer.transform.cols.new_to_old(col)?;
    }
    None
}

/// Clears entry `seq`'s `pending` mark when it still asks for `workflow` (a workflow found
/// nothing to do); a follow-up marked meanwhile (by another run of the same workflow, in
/// another tab) is left for whoever runs it.
async fn clear_pending<L: EventLog>(log: &L, seq: SequenceId, workflow: Workflow) -> Result<(), EngineError> {
    let pending = match log.metadata(seq).await {
        Ok(metadata) => metadata.pending,
        // The entry was truncated away: nothing left to clear.
        Err(LogError::OutOfRange { .. }) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if pending != Some(workflow) {
        return Ok(());
    }
    match log.set_metadata(seq, MetadataUpdate::default().with_pending(None)).await {
        Ok(()) | Err(LogError::OutOfRange { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
