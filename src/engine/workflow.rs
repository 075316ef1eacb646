//! The snapshot workflow (DESIGN.md section 5): writes the state of the sheet before an entry
//! as tiles plus an index, **incrementally**: only tiles touched since the previous snapshot are
//! written; the index references the others where they already are. Runs in the worker (or in
//! thread with `worker: false`); pure async over the storage traits, so it is tested natively.
//! Idempotent: running it twice for one entry writes the same blobs and metadata.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use futures_util::future::{join_all, try_join_all};

use super::blob_path::{read_path, write_path};
use super::error::EngineError;
use crate::blob::BlobStore;
use crate::log::{
    CellWrite, EventLog, LogError, MetadataUpdate, Operation, QueryFrom, QueryTo, SequenceId, SnapshotInfo,
};
use crate::snapshot::{
    decode_index, decode_tile, encode_index, encode_tile, CellContent, Layer, SnapshotIndex, Tile, TileKey, TileSize,
};

/// A change of one cell: its (row, column) and its content after the segment.
type CellChange = ((u64, u64), CellContent);

/// The blob dir under which every snapshot writes its own dir, named by its sequence id.
pub const SNAPSHOT_DIR: &str = "snapshots";

/// Path of the index blob of the snapshot on entry `seq`.
pub fn index_path(seq: SequenceId) -> String {
    format!("{SNAPSHOT_DIR}/{seq}/index")
}

/// Path of a tile blob written by the snapshot on entry `seq`.
pub fn tile_path(seq: SequenceId, key: TileKey) -> String {
    format!("{SNAPSHOT_DIR}/{seq}/{}-{}", key.tile_row, key.tile_col)
}

/// The cell writes of an entry's operation.
///
/// # Errors
/// [`EngineError::Unsupported`] for structural edits, which this build does not apply yet.
pub fn operation_writes(seq: SequenceId, operation: &Operation) -> Result<&[CellWrite], EngineError> {
    match operation {
        Operation::SetCell(write) => Ok(std::slice::from_ref(write)),
        Operation::SetCells(writes) => Ok(writes),
        Operation::InsertRows { .. } | Operation::DeleteRows { .. } => {
            Err(EngineError::Unsupported { seq, what: "a row insert or delete" })
        }
        Operation::InsertColumns { .. } | Operation::DeleteColumns { .. } => {
            Err(EngineError::Unsupported { seq, what: "a column insert or delete" })
        }
    }
}

/// Reads and decodes the snapshot index at `path`.
///
/// # Errors
/// [`EngineError::Blob`], [`EngineError::Snapshot`].
pub async fn read_index<B: BlobStore>(blobs: &B, path: &str) -> Result<SnapshotIndex, EngineError> {
    let bytes = read_path(blobs, path).await?;
    decode_index(&bytes).map_err(|error| EngineError::Snapshot { path: path.to_owned(), error })
}

/// Reads and decodes the tile blob at `path`.
///
/// # Errors
/// [`EngineError::Blob`], [`EngineError::Snapshot`].
pub async fn read_tile<B: BlobStore>(blobs: &B, path: &str) -> Result<Tile, EngineError> {
    let bytes = read_path(blobs, path).await?;
    decode_tile(&bytes).map_err(|error| EngineError::Snapshot { path: path.to_owned(), error })
}

/// The newest snapshot of the log, with its index read, if there is one.
///
/// # Errors
/// [`EngineError`] from the log or blob store.
pub async fn latest_snapshot<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
) -> Result<Option<(SnapshotInfo, Rc<SnapshotIndex>)>, EngineError> {
    let head = log.query(QueryFrom::Snapshot, QueryTo::End, None).await?;
    match head.latest_snapshot {
        Some(info) => {
            let index = read_index(blobs, &info.snapshot).await?;
            Ok(Some((info, Rc::new(index))))
        }
        None => Ok(None),
    }
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

/// Writes the snapshot of all entries before `seq` and records it on entry `seq`, clearing its
/// `pending` in the same `set_metadata`. `tile_size` applies to the first snapshot of a sheet;
/// later ones keep the size of the previous snapshot.
///
/// # Errors
/// [`EngineError`] from the log or the blob store; [`EngineError::MissingHistory`] when the log
/// was truncated without a snapshot; [`EngineError::Unsupported`] for structural edits.
pub async fn write_snapshot<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    tile_size: TileSize,
) -> Result<SnapshotReport, EngineError> {
    let latest = latest_snapshot(log, blobs).await?;
    if let Some((info, _)) = &latest {
        if info.seq >= seq {
            clear_pending(log, seq).await?;
            return Ok(SnapshotReport { seq, written: false, tiles_written: 0, tiles_referenced: 0, bytes_written: 0 });
        }
    }
    let bounds = log.bounds().await?;
    if seq > bounds.end {
        return Err(LogError::OutOfRange { seq, start: bounds.start, end: bounds.end }.into());
    }
    let (base_seq, base) = match latest {
        Some((info, index)) => (info.seq, Some(index)),
        None if bounds.start > 0 => return Err(EngineError::MissingHistory { start: bounds.start }),
        None => (0, None),
    };

    // Replay the segment: the final content of every touched cell, last write wins.
    let mut touched: HashMap<(u64, u64), CellContent> = HashMap::new();
    let (mut rows, mut cols) = base.as_ref().map_or((0, 0), |b| (b.row_count, b.col_count));
    let mut next = base_seq;
    while next < seq {
        let page = log.query(QueryFrom::Seq(next), QueryTo::Seq(seq), None).await?;
        for (i, entry) in page.entries.iter().enumerate() {
            for write in operation_writes(next + i as u64, &entry.operation)? {
                touched.insert(
                    (write.row, write.col),
                    CellContent { value: write.value.clone(), format: write.format.clone() },
                );
                rows = rows.max(write.row + 1);
                cols = cols.max(write.col + 1);
            }
        }
        if page.entries.is_empty() {
            break;
        }
        next = page.next();
    }

    let tile_size = base.as_ref().map_or(tile_size, |b| b.tile_size);
    let mut tiles: BTreeMap<TileKey, String> = match base.as_deref() {
        Some(SnapshotIndex { layers, .. }) if layers.len() > 1 => {
            return Err(EngineError::Unsupported { seq, what: "a snapshot with several layers" })
        }
        Some(index) => index.layers.first().map(|l| l.tiles.clone()).unwrap_or_default(),
        None => BTreeMap::new(),
    };
    let mut by_tile: BTreeMap<TileKey, Vec<CellChange>> = BTreeMap::new();
    for (cell, content) in touched {
        by_tile.entry(tile_size.tile_of(cell.0, cell.1)).or_default().push((cell, content));
    }

    // Load the touched tiles that exist, in parallel, and apply the changes.
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
            if content.is_tombstone() {
                tile.remove(offsets.0, offsets.1);
            } else {
                tile.set(offsets.0, offsets.1, content)
                    .map_err(|error| EngineError::Snapshot { path: tile_path(seq, key), error })?;
            }
        }
        if tile.is_empty() {
            tiles.remove(&key);
        } else {
            let path = tile_path(seq, key);
            writes.push((path.clone(), encode_tile(&tile)));
            tiles.insert(key, path);
        }
    }
    let tiles_written = writes.len();
    let mut bytes_written: usize = writes.iter().map(|(_, bytes)| bytes.len()).sum();
    for result in join_all(writes.iter().map(|(path, bytes)| write_path(blobs, path, bytes))).await {
        result?;
    }

    let tiles_referenced = tiles.len() - tiles_written;
    let index = SnapshotIndex {
        seq,
        row_count: rows,
        col_count: cols,
        tile_size,
        layers: vec![Layer { tiles, ..Layer::default() }],
    };
    let encoded = encode_index(&index);
    bytes_written += encoded.len();
    let path = index_path(seq);
    write_path(blobs, &path, &encoded).await?;
    log.set_metadata(seq, MetadataUpdate::default().with_snapshot(Some(path)).with_pending(None)).await?;
    Ok(SnapshotReport { seq, written: true, tiles_written, tiles_referenced, bytes_written })
}

async fn clear_pending<L: EventLog>(log: &L, seq: SequenceId) -> Result<(), EngineError> {
    match log.set_metadata(seq, MetadataUpdate::default().with_pending(None)).await {
        // The entry was truncated away: nothing left to clear.
        Ok(()) | Err(LogError::OutOfRange { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
