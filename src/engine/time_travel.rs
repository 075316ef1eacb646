//! Versions of the past (the time-travel issue; DESIGN.md sections 1 and 5b). Event sourcing's
//! promise: applying the entries before position `p` to an empty sheet gives the sheet as it
//! was at `p`. Replaying from the start costs the whole history, so a past version starts from
//! the nearest **checkpoint** at or before `p` (a retained snapshot, or the empty sheet before
//! entry 0) and replays only the entries after it, read from history blobs and the log
//! ([`entries_between`]).
//!
//! The replayed edit layer keeps every cell's history by position, so one [`Frame`] (a
//! checkpoint and the entries after it replayed up to `end`) reads correctly at **every**
//! position from the checkpoint to `end`. The engine's own state is such a frame (its base
//! snapshot and edit layer, [`Core::frame`]), so recent positions cost nothing to reach.
//! Frames built from storage are cached by the range they cover, and versions by position.
//!
//! A past version is a [`ContentVersion`] like any other: it reads through the same getters and
//! loads only the tiles under the rectangles asked for (the viewport), from the engine's tile
//! cache or the blob store.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::edit_layer::EditLayer;
use super::error::EngineError;
use super::lifecycle::{history_between, history_chain, read_catalog};
use super::loaded_tile::LoadedTile;
use super::log_pages::LogPages;
use super::pending::PendingView;
use super::retired::Retired;
use super::sheet::Engine;
use super::state::{Core, Msg};
use super::version::{read_plan, ContentVersion, LayerId, LoadStatus, LogInfo, PlanStep, TileMap, Viewport};
use super::viewport_tiles::{import_tiles_under, tiles_under, CellRect};
use super::workflow::{read_index, read_tiles};
use crate::blob::{BlobError, BlobStore};
use crate::log::{Entry, EventLog, LogError, QueryFrom, QueryTo, SequenceId};
use crate::snapshot::{SnapshotIndex, TileKey, Transform};

/// Frames built from storage kept for later versions.
const CACHED_FRAMES: usize = 4;
/// Past versions kept, by position.
const CACHED_VERSIONS: usize = 8;

/// A checkpoint and the entries after it replayed: reads correctly at every position
/// `start ..= end` (module docs).
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    /// The checkpoint's position: its snapshot reflects the entries before it (0 and no
    /// snapshot: the empty sheet).
    pub(crate) start: SequenceId,
    /// The entries before this position are replayed.
    pub(crate) end: SequenceId,
    pub(crate) index: Option<Rc<SnapshotIndex>>,
    pub(crate) plan: Rc<Vec<PlanStep>>,
    pub(crate) edits: Rc<RefCell<EditLayer>>,
    /// Where the edit layer goes when this frame (or a version built from it) is its last
    /// holder: the engine's queue, which frees a large one a slice at a time.
    pub(crate) retired: Retired,
}

impl Drop for Frame {
    fn drop(&mut self) {
        self.retired.let_go(&mut self.edits);
    }
}

impl Frame {
    fn covers(&self, from: SequenceId, to: SequenceId) -> bool {
        self.start <= from && to <= self.end
    }

    /// The transforms from this frame's checkpoint to `position`'s coordinates, oldest first.
    pub(crate) fn transforms(&self, position: SequenceId) -> Vec<Transform> {
        self.edits.borrow().transforms(position).cloned().collect()
    }

    /// The tiles (by layer and key, with their paths) that cells of `rects`, given in the
    /// coordinates at `position`, live in.
    pub(crate) fn tiles_under(&self, position: SequenceId, rects: &[CellRect]) -> Vec<((LayerId, TileKey), Rc<str>)> {
        let transforms = self.transforms(position);
        let refs: Vec<&Transform> = transforms.iter().collect();
        let mut seen = FxHashSet::default();
        let mut out = Vec::new();
        for rect in rects {
            if let Some(index) = &self.index {
                for (layer, key) in tiles_under(index, &refs, *rect) {
                    if seen.insert((LayerId::Snapshot(layer), key)) {
                        if let Some(path) = index.layers.get(layer).and_then(|l| l.tiles.get(&key)) {
                            out.push(((LayerId::Snapshot(layer), key), Rc::from(path.as_str())));
                        }
                    }
                }
            }
            for (key, path) in import_tiles_under(&self.edits.borrow(), position, &[], *rect) {
                if seen.insert(key) {
                    out.push((key, path));
                }
            }
        }
        out
    }

    /// The version at `position` (which the frame covers) showing `tiles`.
    pub(crate) fn version(
        &self,
        position: SequenceId,
        tiles: TileMap,
        viewport: Option<Viewport>,
        load_status: LoadStatus,
    ) -> ContentVersion {
        let (extent, sizes) = {
            let edits = self.edits.borrow();
            (edits.extent(position), edits.sizes(position))
        };
        ContentVersion {
            seq: position,
            snapshot: self.index.clone(),
            plan: self.plan.clone(),
            tiles: Rc::new(tiles),
            edits: self.edits.clone(),
            pending: PendingView::default(),
            extent,
            viewport,
            load_status,
            log_info: LogInfo {
                sequence_id: position,
                snapshot_sequence_id: self.index.as_ref().map(|i| i.seq),
                workflow: None,
            },
            undo: (false, false),
            sizes,
            retired: self.retired.clone(),
        }
    }
}

impl Core {
    /// The engine's own state as a frame: its base snapshot and edit layer, covering the
    /// positions from the base to the engine's; `None` while loading.
    pub(crate) fn frame(&self) -> Option<Frame> {
        if self.loading {
            return None;
        }
        let start = self.edits.borrow().start();
        let base_seq = self.base.index.as_ref().map_or(0, |i| i.seq);
        (base_seq == start).then(|| Frame {
            start,
            end: self.next_seq,
            index: self.base.index.clone(),
            plan: self.base.plan.clone(),
            edits: self.edits.clone(),
            retired: self.retired.clone(),
        })
    }
}

/// Frames and versions of the past an engine keeps (module docs).
#[derive(Debug, Default)]
pub(crate) struct PastCache {
    frames: VecDeque<Frame>,
    versions: VecDeque<(SequenceId, Rc<ContentVersion>)>,
}

/// The entries `from .. to` wherever they are: the log from its start, history blobs before
/// it (DESIGN.md section 5b, "Lifecycle"). A truncation racing the read is followed into
/// history.
///
/// # Errors
/// [`EngineError::MissingHistory`] when history does not reach back to `from`;
/// [`EngineError::Log`] (out of range) when `to` is past the log's end; other storage errors.
pub(crate) async fn entries_between<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    from: SequenceId,
    to: SequenceId,
) -> Result<Vec<Entry>, EngineError> {
    let bounds = log.bounds().await?;
    if to > bounds.end {
        return Err(LogError::OutOfRange { seq: to, start: bounds.start, end: bounds.end }.into());
    }
    let mut out = Vec::with_capacity(to.saturating_sub(from).min(1 << 16) as usize);
    let mut next = from;
    if next < bounds.start.min(to) {
        out.extend(history_between(blobs, next, bounds.start.min(to)).await?);
        next = bounds.start.min(to);
    }
    let mut hint = None;
    while next < to {
        match log.query(QueryFrom::Seq(next), QueryTo::Seq(to), hint).await {
            Ok(page) if page.entries.is_empty() => break,
            Ok(page) => {
                next = page.next();
                hint = page.snapshot_hint(hint);
                out.extend(page.entries);
            }
            Err(LogError::OutOfRange { start, .. }) if start > next => {
                let upto = start.min(to);
                out.extend(history_between(blobs, next, upto).await?);
                next = upto;
            }
            Err(e) => return Err(e.into()),
        }
    }
    if out.len() as u64 != to - from {
        return Err(EngineError::MissingHistory { start: from + out.len() as u64 });
    }
    Ok(out)
}

/// The checkpoints a version at or before `upto` can start from, by position (`None`: the
/// empty sheet), and the oldest position whose entries are still kept.
async fn checkpoints<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    upto: SequenceId,
    known: Option<(SequenceId, String)>,
) -> Result<(BTreeMap<SequenceId, Option<String>>, SequenceId), EngineError> {
    let bounds = log.bounds().await?;
    let chain = history_chain(blobs).await?;
    let kept_from = chain.first().map_or(bounds.start, |(first, _, _)| (*first).min(bounds.start));
    let catalog = read_catalog(blobs).await?;
    let mut found: BTreeMap<SequenceId, Option<String>> =
        catalog.snapshots.into_iter().map(|(seq, path)| (seq, Some(path))).collect();
    found.extend(known.map(|(seq, path)| (seq, Some(path))));
    // Snapshots recorded in the log since the catalog was last written.
    let mut pages = LogPages::new(bounds.start, upto.saturating_add(1).min(bounds.end));
    while let Some(page) = pages.next_page(log).await? {
        for (i, entry) in page.entries.iter().enumerate() {
            if let Some(path) = &entry.metadata.snapshot {
                found.insert(page.first + i as u64, Some(path.clone()));
            }
        }
    }
    if kept_from == 0 {
        found.entry(0).or_insert(None);
    }
    found.retain(|seq, _| *seq >= kept_from);
    Ok((found, kept_from))
}

/// A frame covering `from ..= to` built from storage: the newest checkpoint at or before
/// `from` whose snapshot can still be read, and the entries after it up to `to` replayed (a
/// write of at least `block_cells` cells that fills a rectangle kept as a block, as in the
/// engine's own edit layer).
///
/// # Errors
/// [`EngineError::BeforeRetention`] when no checkpoint reaches back to `from`; storage errors.
async fn build_frame<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    from: SequenceId,
    to: SequenceId,
    known: Option<(SequenceId, String)>,
    block_cells: usize,
) -> Result<Frame, EngineError> {
    let (candidates, _) = checkpoints(log, blobs, from, known).await?;
    for (&start, path) in candidates.range(..=from).rev() {
        let index = match path {
            None => None,
            Some(path) => match read_index(blobs, path).await {
                Ok(index) if index.seq == start => Some(Rc::new(index)),
                // Collected since it was listed, or misfiled: an older checkpoint will do.
                Ok(_) | Err(EngineError::Blob(BlobError::NotFound { .. })) => continue,
                Err(e) => return Err(e),
            },
        };
        let entries = match entries_between(log, blobs, start, to).await {
            Ok(entries) => entries,
            Err(EngineError::MissingHistory { .. }) => break,
            Err(e) => return Err(e),
        };
        let extent = index.as_ref().map_or((0, 0), |i| (i.row_count, i.col_count));
        let sizes = index.as_ref().map(|i| i.sizes.clone()).unwrap_or_default();
        let mut edits = EditLayer::over(start, extent).with_sizes(sizes).with_block_cells(block_cells);
        for (i, entry) in entries.into_iter().enumerate() {
            edits.apply_owned(start + i as u64, entry.operation);
        }
        let plan = Rc::new(index.as_deref().map(read_plan).unwrap_or_default());
        let edits = Rc::new(RefCell::new(edits));
        return Ok(Frame { start, end: to, index, plan, edits, retired: Retired::default() });
    }
    let oldest = candidates.keys().next().copied().unwrap_or(to);
    Err(EngineError::BeforeRetention { target: from.saturating_sub(1), oldest: oldest.saturating_sub(1) })
}

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// A frame covering positions `from ..= to` (both at most the engine's position): the
    /// engine's own state when it does, else a cached frame, else one built from storage.
    ///
    /// # Errors
    /// As [`build_frame`].
    pub(crate) async fn frame_covering(&self, from: SequenceId, to: SequenceId) -> Result<Frame, EngineError> {
        let (own, known, block_cells) = {
            let core = self.inner.core.borrow();
            let known = core.base.index.as_ref().zip(core.base.path.clone()).map(|(i, p)| (i.seq, p));
            (core.frame(), known, core.options.block_cells)
        };
        if let Some(frame) = own.filter(|f| f.covers(from, to)) {
            return Ok(frame);
        }
        if let Some(frame) = self.inner.past.borrow().frames.iter().find(|f| f.covers(from, to)) {
            return Ok(frame.clone());
        }
        let mut frame = build_frame(&*self.inner.log, &*self.inner.blobs, from, to, known, block_cells).await?;
        frame.retired = self.inner.core.borrow().retired.clone();
        let mut past = self.inner.past.borrow_mut();
        past.frames.push_front(frame.clone());
        past.frames.truncate(CACHED_FRAMES);
        Ok(frame)
    }

    /// The tiles at `paths`, from the engine's tile cache or read (and then cached there).
    /// Returns the tiles by key, and the first error.
    pub(crate) async fn load_tiles(
        &self,
        wanted: Vec<((LayerId, TileKey), Rc<str>)>,
    ) -> (TileMap, Option<EngineError>) {
        let mut map = TileMap::default();
        let mut missing = Vec::new();
        {
            let core = self.inner.core.borrow();
            for (key, path) in wanted {
                match core.tiles.cached(&path) {
                    Some(tile) => {
                        map.insert(key, tile);
                    }
                    None => missing.push((key, path)),
                }
            }
        }
        let blobs = self.inner.blobs.clone();
        let paths: Vec<&str> = missing.iter().map(|(_, path)| &**path).collect();
        let results = read_tiles(&*blobs, &paths).await;
        let mut error = None;
        let mut read = Vec::new();
        for ((key, path), result) in missing.into_iter().zip(results) {
            match result {
                Ok(tile) => {
                    let tile = Rc::new(LoadedTile::new(tile));
                    map.insert(key, tile.clone());
                    read.push((path, Ok(tile)));
                }
                Err(e) => error = error.or(Some(e)),
            }
        }
        if !read.is_empty() {
            self.dispatch(Msg::TilesRead { results: read });
        }
        (map, error)
    }

    /// Forgets the cached frames of past versions, so the next [`Self::version_at`] builds its
    /// frame from storage: after a frame's snapshot was collected, and for benchmarks timing a
    /// cold `version_at`.
    pub fn forget_frames(&self) {
        self.inner.past.borrow_mut().frames.clear();
    }

    /// The version at position `position` (after the entries before it), with the tiles under
    /// `rects` loaded (in its coordinates; `None`: the cells under `viewport`, with the row
    /// heights and column widths of that position). A tile found missing (its snapshot collected since
    /// the frame was built) makes it build the frame again from a checkpoint still kept.
    ///
    /// # Errors
    /// As [`Self::frame_covering`].
    pub(crate) async fn past_version(
        &self,
        position: SequenceId,
        rects: Option<&[CellRect]>,
        viewport: Option<Viewport>,
    ) -> Result<ContentVersion, EngineError> {
        let mut attempts = 0;
        loop {
            let frame = self.frame_covering(position, position).await?;
            // By default the viewport's cells, with the row heights and widths of that time.
            let sizes = frame.edits.borrow().sizes(position);
            let viewed = [CellRect::of_viewport(viewport, &sizes)];
            let (tiles, error) = self.load_tiles(frame.tiles_under(position, rects.unwrap_or(&viewed))).await;
            if matches!(error, Some(EngineError::Blob(BlobError::NotFound { .. }))) && attempts < 2 {
                attempts += 1;
                self.forget_frames();
                continue;
            }
            let status = error.map_or(LoadStatus::Ready, LoadStatus::Error);
            return Ok(frame.version(position, tiles, viewport, status));
        }
    }

    /// The sheet exactly as it was after entry `sequence_id`: a read-only content version,
    /// read through the same calls as any other. Resolves once the tiles under the engine's
    /// current viewport are loaded for it (reads outside that viewport show no value, as for a
    /// tile not loaded yet). Built from the nearest retained checkpoint at or before it plus
    /// the entries after that from history and the log; versions are cached by position.
    ///
    /// # Errors
    /// [`EngineError::Log`] (out of range) when the entry is past the log's end;
    /// [`EngineError::BeforeRetention`] naming the oldest entry a version can be shown after,
    /// when it is older than the history kept; storage errors.
    pub async fn version_at(&self, sequence_id: SequenceId) -> Result<Rc<ContentVersion>, EngineError> {
        if self.is_closed() {
            return Err(EngineError::Closed);
        }
        let position = sequence_id.saturating_add(1);
        if position > self.snapshot().seq {
            self.sync().await?;
            let end = self.snapshot().seq;
            if position > end {
                let start = self.inner.log.bounds().await.map_or(0, |b| b.start);
                return Err(LogError::OutOfRange { seq: sequence_id, start, end }.into());
            }
        }
        let viewport = self.inner.core.borrow().viewport;
        let cached = {
            let past = self.inner.past.borrow();
            past.versions.iter().find(|(p, v)| *p == position && v.viewport == viewport).map(|(_, v)| v.clone())
        };
        if let Some(version) = cached.filter(|v| v.load_status == LoadStatus::Ready) {
            return Ok(version);
        }
        let version = Rc::new(self.past_version(position, None, viewport).await?);
        let mut past = self.inner.past.borrow_mut();
        past.versions.retain(|(p, _)| *p != position);
        past.versions.push_front((position, version.clone()));
        past.versions.truncate(CACHED_VERSIONS);
        Ok(version)
    }

    /// The sheet as it was at `time_ms` (milliseconds since the Unix epoch): the version after
    /// the newest entry, in log order, stamped at or before that time ([`Self::version_at`]).
    /// Entries are stamped by their writers' clocks, which may disagree a little; entries
    /// written before entries carried a time count as stamped at 0. Reads entries back from
    /// the newest until it finds one (the log, then history blobs, newest first).
    ///
    /// # Errors
    /// [`EngineError::BeforeRetention`] when every entry kept is newer than `time_ms`; as
    /// [`Self::version_at`].
    pub async fn version_at_time(&self, time_ms: u64) -> Result<Rc<ContentVersion>, EngineError> {
        if self.is_closed() {
            return Err(EngineError::Closed);
        }
        self.sync().await?;
        let end = self.snapshot().seq;
        let stamped = |e: &Entry| e.origin.map_or(0, |o| o.time_ms);
        let (log, blobs) = (&*self.inner.log, &*self.inner.blobs);
        let bounds = log.bounds().await?;
        // Newest first: pages of the log, then the history chain.
        let mut to = end.min(bounds.end);
        const PAGE: u64 = 1000;
        while to > bounds.start {
            let from = to.saturating_sub(PAGE).max(bounds.start);
            let entries = entries_between(log, blobs, from, to).await?;
            if let Some(i) = entries.iter().rposition(|e| stamped(e) <= time_ms) {
                return self.version_at(from + i as u64).await;
            }
            to = from;
        }
        let chain = history_chain(blobs).await?;
        for (first, end, _) in chain.iter().rev().filter(|(first, _, _)| *first < to) {
            let upto = (*end).min(to);
            let entries = history_between(blobs, *first, upto).await?;
            if let Some(i) = entries.iter().rposition(|e| stamped(e) <= time_ms) {
                return self.version_at(first + i as u64).await;
            }
        }
        let oldest = chain.first().map_or(bounds.start, |(first, _, _)| *first);
        Err(EngineError::TimeBeforeHistory { time_ms, oldest })
    }
}
