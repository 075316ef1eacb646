//! Tiles (DESIGN.md sections 5 and 5b): which tiles of the snapshot lie under the viewport, the
//! cache of loaded tiles by blob path (so tiles a new snapshot still references stay loaded
//! across a rebase), and eviction of tiles outside the viewport beyond the `tileCacheBytes`
//! budget, least recently used first. Versions hold the tiles they show through `Rc`, so an
//! eviction never changes what a held version reads; the memory goes when the version does.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::error::EngineError;
use super::loaded_tile::LoadedTile;
use super::open_hint::{OpenHint, MAX_HINT_TILES};
use super::state::{Core, Effect, TileResults};
use super::version::{LayerId, TileMap, Viewport};
use super::viewport_tiles::{import_tiles_under, tiles_under, CellRect};
use crate::log::SequenceId;
use crate::snapshot::{SheetSizes, SnapshotIndex, TileKey, Transform};

/// Default tile cache budget: 64 MiB.
pub const DEFAULT_TILE_CACHE_BYTES: usize = 64 << 20;

#[derive(Debug)]
struct Cached {
    tile: Rc<LoadedTile>,
    bytes: usize,
    /// When it was last under the viewport (a logical clock).
    used: u64,
}

/// The tile cache and what the current snapshot shows of it.
#[derive(Debug)]
pub(crate) struct Tiles {
    budget: usize,
    cache: FxHashMap<Rc<str>, Cached>,
    bytes: usize,
    clock: u64,
    loading: FxHashSet<Rc<str>>,
    /// Tiles whose last read failed, with the error.
    failed: FxHashMap<Rc<str>, EngineError>,
    /// The current snapshot's and the edit layer's imports' tiles under the viewport, with
    /// their paths.
    view: Vec<((LayerId, TileKey), Rc<str>)>,
    view_paths: FxHashSet<Rc<str>>,
    /// Paths a snapshot being adopted needs under the viewport.
    prefetch: FxHashSet<Rc<str>>,
    /// Loaded tiles of the current snapshot, as versions read them.
    pub(crate) map: Rc<TileMap>,
    /// Tiles under the viewport not in `map`.
    pub(crate) missing: usize,
}

impl Tiles {
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            budget,
            cache: FxHashMap::default(),
            bytes: 0,
            clock: 0,
            loading: FxHashSet::default(),
            failed: FxHashMap::default(),
            view: Vec::new(),
            view_paths: FxHashSet::default(),
            prefetch: FxHashSet::default(),
            map: Rc::default(),
            missing: 0,
        }
    }

    /// The current snapshot changed: its tiles are looked up again (from the cache).
    pub(crate) fn reset_map(&mut self) {
        self.map = Rc::default();
        self.view.clear();
    }

    /// Caches tiles read before they were asked for (an open hint's), by path; none is shown
    /// until the view asks for it. Evicts beyond the budget.
    pub(crate) fn insert_read(&mut self, read: Vec<(Rc<str>, Rc<LoadedTile>)>) {
        for (path, tile) in read {
            self.cache_tile(path, tile);
        }
        self.evict();
    }

    /// Caches `tile` under `path`, as used now.
    fn cache_tile(&mut self, path: Rc<str>, tile: Rc<LoadedTile>) {
        let bytes = tile.bytes();
        if let Some(old) = self.cache.insert(path, Cached { tile, bytes, used: self.clock }) {
            self.bytes -= old.bytes;
        }
        self.bytes += bytes;
    }

    /// Bytes of the loaded tiles held by the cache (an estimate, see [`LoadedTile::bytes`]).
    pub(crate) fn cached_bytes(&self) -> usize {
        self.bytes
    }

    /// The cached tile at `path`, if loaded.
    pub(crate) fn cached(&self, path: &str) -> Option<Rc<LoadedTile>> {
        self.cache.get(path).map(|c| c.tile.clone())
    }

    /// Number of tiles in the cache.
    pub(crate) fn cached_tiles(&self) -> usize {
        self.cache.len()
    }

    /// Reads again the tiles under the viewport whose last read failed and that are not being
    /// read. Their error stays shown until a read succeeds (no flicker while retrying).
    pub(crate) fn retry_failed(&mut self, fx: &mut Vec<Effect>) {
        let paths: Vec<Rc<str>> = self
            .view
            .iter()
            .map(|(_, p)| p)
            .filter(|p| self.failed.contains_key(*p) && !self.loading.contains(*p))
            .cloned()
            .collect();
        if !paths.is_empty() {
            self.loading.extend(paths.iter().cloned());
            fx.push(Effect::ReadTiles { paths });
        }
    }

    /// The error of a failed tile still under the viewport, if any.
    fn failure_in_view(&self) -> Option<&EngineError> {
        self.view.iter().find_map(|(_, p)| self.failed.get(p))
    }

    /// Requests the paths not cached and not loading; returns whether every path is cached or
    /// failed.
    fn request(&mut self, paths: &[Rc<str>], fx: &mut Vec<Effect>) -> bool {
        let wanted: Vec<Rc<str>> = paths
            .iter()
            .filter(|p| !self.cache.contains_key(*p) && !self.loading.contains(*p) && !self.failed.contains_key(*p))
            .cloned()
            .collect();
        self.loading.extend(wanted.iter().cloned());
        let done = paths.iter().all(|p| self.cache.contains_key(p) || self.failed.contains_key(p));
        if !wanted.is_empty() {
            fx.push(Effect::ReadTiles { paths: wanted });
        }
        done
    }

    /// For a snapshot being adopted: requests its tiles under the viewport; true once they are
    /// all loaded (or failed), so the swap shows no gap.
    pub(crate) fn prefetch(
        &mut self,
        index: &SnapshotIndex,
        transforms: &[Transform],
        viewport: Option<Viewport>,
        sizes: &Rc<SheetSizes>,
        fx: &mut Vec<Effect>,
    ) -> bool {
        let paths: Vec<Rc<str>> = view_of(index, transforms, viewport, sizes).into_iter().map(|(_, p)| p).collect();
        self.prefetch = paths.iter().cloned().collect();
        let done = self.request(&paths, fx);
        if done {
            self.prefetch.clear();
        }
        done
    }

    /// Evicts the least recently used tiles outside the viewport (and not wanted by an
    /// adoption) until the cache is within budget (to 7/8 of it, so evictions come in batches).
    fn evict(&mut self) {
        if self.bytes <= self.budget {
            return;
        }
        let mut candidates: Vec<(u64, Rc<str>)> = self
            .cache
            .iter()
            .filter(|(p, _)| !self.view_paths.contains(*p) && !self.prefetch.contains(*p))
            .map(|(p, c)| (c.used, p.clone()))
            .collect();
        candidates.sort_unstable();
        let target = self.budget / 8 * 7;
        let mut evicted = FxHashSet::default();
        for (_, path) in candidates {
            if self.bytes <= target {
                break;
            }
            if let Some(cached) = self.cache.remove(&path) {
                self.bytes -= cached.bytes;
                evicted.insert(Rc::as_ptr(&cached.tile));
            }
        }
        if !evicted.is_empty() {
            Rc::make_mut(&mut self.map).retain(|_, tile| !evicted.contains(&Rc::as_ptr(tile)));
        }
    }
}

/// The tiles of `index` under `viewport`, given in the coordinates after `transforms` (oldest
/// first) where rows and columns have the sizes of `sizes`, with their paths.
fn view_of(
    index: &SnapshotIndex,
    transforms: &[Transform],
    viewport: Option<Viewport>,
    sizes: &Rc<SheetSizes>,
) -> Vec<((LayerId, TileKey), Rc<str>)> {
    let refs: Vec<&Transform> = transforms.iter().collect();
    tiles_under(index, &refs, CellRect::of_viewport(viewport, sizes))
        .into_iter()
        .filter_map(|(layer, key)| {
            let path = index.layers.get(layer)?.tiles.get(&key)?;
            Some(((LayerId::Snapshot(layer), key), Rc::from(path.as_str())))
        })
        .collect()
}

impl Core {
    /// The viewport changed: its tiles are worked out and loaded.
    pub(crate) fn set_viewport(&mut self, viewport: Option<Viewport>) {
        if self.viewport == viewport {
            return;
        }
        self.viewport = viewport;
        // A tile that failed to load is tried again when the user moves.
        self.tiles.failed.clear();
        self.view_stale = true;
        self.dirty = true;
    }

    /// The transforms from the snapshot on entry `seq` to this engine's newest coordinates:
    /// the edit layer's structural edits from `seq` on, then the pending ones.
    pub(crate) fn transforms_after(&self, seq: SequenceId) -> Vec<Transform> {
        let edits = self.edits.borrow();
        let mut transforms: Vec<Transform> = edits.transforms_between(seq, self.next_seq).cloned().collect();
        transforms.extend(self.pending.transforms());
        transforms
    }

    /// The tiles of the current snapshot and of the edit layer's imports under `viewport`,
    /// with their paths.
    fn tiles_in(&self, viewport: Option<Viewport>) -> Vec<((LayerId, TileKey), Rc<str>)> {
        let sizes = self.current_sizes();
        let mut view = match self.base.index.clone() {
            Some(index) => view_of(&index, &self.transforms_after(index.seq), viewport, &sizes),
            None => Vec::new(),
        };
        let pending = self.pending.transforms();
        let rect = CellRect::of_viewport(viewport, &sizes);
        view.extend(import_tiles_under(&self.edits.borrow(), self.next_seq, &pending, rect));
        view
    }

    /// The open hint of `viewport` ([`OpenHint`]): the current snapshot's index path and the
    /// paths of the tiles under `viewport` (none for `None`, the whole sheet), at most
    /// [`MAX_HINT_TILES`].
    pub(crate) fn open_hint(&self, viewport: Option<Viewport>) -> OpenHint {
        let tiles = match viewport {
            Some(_) => self.tiles_in(viewport).into_iter().map(|(_, p)| p.to_string()).take(MAX_HINT_TILES).collect(),
            None => Vec::new(),
        };
        OpenHint { index: self.base.path.clone(), tiles }
    }

    /// Works out the tiles under the viewport, shows the cached ones, loads the others, and
    /// evicts beyond the budget.
    pub(crate) fn refresh_view(&mut self, fx: &mut Vec<Effect>) {
        let view = self.tiles_in(self.viewport);
        let tiles = &mut self.tiles;
        tiles.clock += 1;
        let mut shown = Vec::new();
        for (key, path) in &view {
            if let Some(cached) = tiles.cache.get_mut(path) {
                cached.used = tiles.clock;
                if !tiles.map.contains_key(key) {
                    shown.push((*key, cached.tile.clone()));
                }
            }
        }
        if !shown.is_empty() {
            Rc::make_mut(&mut tiles.map).extend(shown);
            self.dirty = true;
        }
        tiles.view_paths = view.iter().map(|(_, p)| p.clone()).collect();
        let paths: Vec<Rc<str>> = view.iter().map(|(_, p)| p.clone()).collect();
        tiles.view = view;
        tiles.request(&paths, fx);
        tiles.evict();
        self.update_missing();
    }

    /// Counts the tiles under the viewport not shown, and the error of a failed one.
    fn update_missing(&mut self) {
        let missing = self.tiles.view.iter().filter(|(k, _)| !self.tiles.map.contains_key(k)).count();
        if missing != self.tiles.missing {
            self.tiles.missing = missing;
            self.dirty = true;
        }
        let failure = self.tiles.failure_in_view().cloned();
        match (failure, &self.errors.tiles) {
            (Some(e), Some((_, shown))) if e == *shown => {}
            (Some(e), _) => {
                self.errors.tiles = self.errors.stamp(e);
                self.dirty = true;
            }
            (None, Some(_)) => {
                self.errors.tiles = None;
                self.dirty = true;
            }
            (None, None) => {}
        }
    }

    /// Tiles arrived (or failed): cached by path, shown when under the viewport.
    pub(crate) fn on_tiles_read(&mut self, results: TileResults) {
        let tiles = &mut self.tiles;
        tiles.clock += 1;
        let in_view: FxHashMap<Rc<str>, (LayerId, TileKey)> = tiles.view.iter().map(|(k, p)| (p.clone(), *k)).collect();
        let mut shown = Vec::new();
        let mut lost = false;
        for (path, result) in results {
            tiles.loading.remove(&path);
            match result {
                Ok(tile) => {
                    tiles.failed.remove(&path);
                    if let Some(key) = in_view.get(&path) {
                        shown.push((*key, tile.clone()));
                    }
                    tiles.cache_tile(path, tile);
                }
                Err(error) => {
                    lost |= matches!(error, EngineError::Blob(crate::blob::BlobError::NotFound { .. }));
                    tiles.failed.insert(path, error);
                }
            }
        }
        if !shown.is_empty() {
            Rc::make_mut(&mut tiles.map).extend(shown);
            self.dirty = true;
        }
        self.tiles.evict();
        self.update_missing();
        if lost {
            // The snapshot read from lost a tile: a newer snapshot may have replaced it.
            self.relearn();
        }
    }
}
