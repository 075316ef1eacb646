//! [`Engine`]: one client of one sheet. Event-sourced over an [`EventLog`] and a
//! [`BlobStore`] (DESIGN.md sections 3, 5 and 5b).
//!
//! This file is the public face: each call validates its input, then sends one message to the
//! engine's one queue ([`super::queue`]), where [`super::state::Core`] handles it in order with
//! every other change of state (an append completing, a sync page, a tile arriving, a workflow
//! result, a viewport change, close). Reads never wait: they go through the current
//! [`ContentVersion`]. Edits are optimistic: shown in the version the call publishes (and
//! subscribers told) before it returns, durable when its future resolves, rolled back on a
//! storage failure, transformed and appended again after a conflict with another writer.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use rustc_hash::FxHashMap;

use super::block::DEFAULT_BLOCK_CELLS;
use super::error::EngineError;
use super::host::WorkflowHost;
use super::lifecycle::{storage_info, StorageInfo};
use super::open_hint::OpenHint;
use super::pending::EditId;
use super::retired::Retired;
use super::runtime::Runtime;
use super::state::{Core, Effect, Msg, Reply, Waiter};
use super::tiles::DEFAULT_TILE_CACHE_BYTES;
use super::time_travel::PastCache;
use super::undo_stack::{EditKind, DEFAULT_UNDO_LIMIT};
use super::version::{ContentVersion, Viewport};
use crate::blob::BlobStore;
use crate::log::{CellWrite, EventLog, Operation, SequenceId};
use crate::model::{Axis, CellRange, CellValue, Format, SizeRun};
use crate::snapshot::TileSize;

/// Default of [`EngineOptions::snapshot_cells`]: 100,000 cells, a few MB of edit layer, written
/// as a snapshot in well under a second.
pub const DEFAULT_SNAPSHOT_CELLS: u64 = 100_000;

/// Options of an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// A snapshot is requested when the entries since the last completed snapshot reach this
    /// many (default 1000)...
    pub snapshot_interval: u64,
    /// ...or when the cells changed since then (the edit layer's cells, plus those of the batch
    /// being appended) reach this many (default [`DEFAULT_SNAPSHOT_CELLS`]): one huge batch
    /// cannot make the next snapshot, or the edit layer in memory, unbounded (issue 9, item 2).
    pub snapshot_cells: u64,
    /// Tile size of the first snapshot of a sheet (later snapshots keep theirs).
    pub tile_size: TileSize,
    /// The viewport to load at open; `None` loads the whole sheet.
    pub viewport: Option<Viewport>,
    /// Delays in milliseconds before retrying a failed workflow, one per retry.
    pub workflow_retry_delays_ms: Vec<u32>,
    /// Budget in bytes of loaded tiles outside the viewport (default 64 MiB): beyond it the
    /// least recently shown are evicted (DESIGN.md section 5b). Tiles under the viewport are
    /// always kept.
    pub tile_cache_bytes: usize,
    /// This client's id, stamped on every entry it writes with the time and naming its lease
    /// (DESIGN.md section 5b); the JS API picks a random one per `SpreadsheetData`. 0 (the
    /// default) makes the engine pick one unique in this process.
    pub client_id: u64,
    /// How long this client's lease lasts without renewal, in milliseconds (default 5
    /// minutes): a tab asleep longer may find the log truncated past it, and then reloads from
    /// the latest snapshot.
    pub lease_ms: u64,
    /// Steps kept on the undo stack (default [`DEFAULT_UNDO_LIMIT`], 100); older ones are
    /// forgotten.
    pub undo_limit: usize,
    /// Where this client's undo and redo stacks are kept so they survive a reload: the blob
    /// `undo/<key>` ([`crate::snapshot::UndoRecord`]). `None` (the default) keeps them in memory
    /// only. The JS API uses one key per browser tab and sheet. At most 64 characters from
    /// `A-Z a-z 0-9 - _`; others are rejected by [`Engine::open`] as a validation error.
    pub undo_key: Option<String>,
    /// Cells a rebase copies per task when a snapshot is adopted (default
    /// [`DEFAULT_REBASE_STEP_CELLS`], at least 1): an edit layer with more cells than this is
    /// rebased in steps between tasks, so a snapshot landing after a very large entry does not
    /// hold the thread for the whole copy (DESIGN.md section 5b, "Rebase"; BENCHMARKS.md,
    /// "Stop 29"). The swap itself stays one step.
    pub rebase_step_cells: usize,
    /// Cells of an edit layer no longer read that are freed per task (default
    /// [`DEFAULT_FREE_SLICE_CELLS`], at least 1): a layer with more cells than this, once its
    /// last holder lets go of it (the swap that adopts a snapshot, or the drop of the last
    /// [`ContentVersion`] reading it), is freed a slice per task rather than in one
    /// (BENCHMARKS.md, "Stop 31").
    pub free_slice_cells: usize,
    /// Least cells of one write (a paste, a fill) kept, when they fill a rectangle, as one block
    /// in the pending overlay and the edit layer rather than one entry per cell (default
    /// [`DEFAULT_BLOCK_CELLS`]; 1 or 0 makes every rectangular write a block): recording a
    /// 500,000-cell paste cell by cell took 100-140 ms natively, twice (BENCHMARKS.md, "Stop 32").
    pub block_cells: usize,
    /// Blobs the first load reads beside the log's query ([`OpenHint`], made by
    /// [`Engine::open_hint`] when the sheet was last open): only what is read early changes, never
    /// what is shown (BENCHMARKS.md, stop 37). Empty by default.
    pub open_hint: OpenHint,
}

/// Cells a rebase copies per task by default: about 5 ms of work in the browser.
pub const DEFAULT_REBASE_STEP_CELLS: usize = 16_384;

/// Cells of a retired edit layer freed per task by default: at most 6.5-7.6 ms natively for text
/// cells (BENCHMARKS.md, "Stop 31").
pub const DEFAULT_FREE_SLICE_CELLS: usize = 16_384;

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            snapshot_interval: 1000,
            snapshot_cells: DEFAULT_SNAPSHOT_CELLS,
            tile_size: TileSize::DEFAULT,
            viewport: None,
            workflow_retry_delays_ms: vec![500, 2_000, 8_000],
            tile_cache_bytes: DEFAULT_TILE_CACHE_BYTES,
            client_id: 0,
            lease_ms: 300_000,
            undo_limit: DEFAULT_UNDO_LIMIT,
            undo_key: None,
            rebase_step_cells: DEFAULT_REBASE_STEP_CELLS,
            free_slice_cells: DEFAULT_FREE_SLICE_CELLS,
            block_cells: DEFAULT_BLOCK_CELLS,
            open_hint: OpenHint::default(),
        }
    }
}

/// Edits that undo and redo as one step ([`Engine::undo_group`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndoGroup(u64);

/// What an engine holds in memory, for tests, benchmarks and status displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineStats {
    /// Changes in the edit layer (cell history entries, cleared rectangles, segments): bounded
    /// by the snapshot interval once snapshots keep up.
    pub edit_layer_changes: usize,
    /// Edits not yet durable.
    pub pending_edits: usize,
    /// Tiles in the cache.
    pub cached_tiles: usize,
    /// Estimated bytes of the cached tiles.
    pub cached_tile_bytes: usize,
}

type Listeners = Vec<(u64, Rc<dyn Fn()>)>;
type Sender = oneshot::Sender<Result<Reply, EngineError>>;

pub(crate) struct Inner<L, B> {
    pub(crate) log: Rc<L>,
    pub(crate) blobs: Rc<B>,
    pub(crate) host: Rc<dyn WorkflowHost>,
    pub(crate) runtime: Runtime,
    pub(crate) core: RefCell<Core>,
    /// Messages sent while one was being handled.
    pub(crate) deferred: RefCell<VecDeque<Msg>>,
    pub(crate) waiters: RefCell<FxHashMap<Waiter, Sender>>,
    next_waiter: Cell<u64>,
    pub(crate) listeners: RefCell<Listeners>,
    next_listener: Cell<u64>,
    /// Frames and versions of the past (`super::time_travel`).
    pub(crate) past: RefCell<PastCache>,
    /// Resolves when the latest save of the undo stacks finished.
    pub(crate) undo_saved: RefCell<Option<oneshot::Receiver<()>>>,
    /// Held by the undo or redo running: they run one at a time.
    pub(crate) undo_turn: futures_util::lock::Mutex<()>,
}

/// One client of one sheet; cheap to clone (clones share everything).
pub struct Engine<L, B> {
    pub(crate) inner: Rc<Inner<L, B>>,
}

impl<L, B> Clone for Engine<L, B> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

type Done<T> = LocalBoxFuture<'static, Result<T, EngineError>>;

fn fail<T: 'static>(error: EngineError) -> Done<T> {
    async move { Err(error) }.boxed_local()
}

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// Opens the sheet stored in `log` and `blobs`: loads the latest snapshot's index, replays
    /// the entries after it, starts loading the tiles under `options.viewport`, and runs again a
    /// workflow left pending (by a crash, say). Resolves once the log is replayed.
    ///
    /// # Errors
    /// [`EngineError`] when the log or the snapshot cannot be read.
    pub async fn open(
        log: L,
        blobs: B,
        host: Rc<dyn WorkflowHost>,
        runtime: Runtime,
        options: EngineOptions,
    ) -> Result<Self, EngineError> {
        let (engine, loaded) = Self::start(log, blobs, host, runtime, options);
        loaded.await?;
        Ok(engine)
    }

    /// Like [`Self::open`], but returns at once with a version whose load status is
    /// `Loading`; the returned future resolves when the initial load finished (its error is also
    /// shown in the load status).
    pub fn start(
        log: L,
        blobs: B,
        host: Rc<dyn WorkflowHost>,
        runtime: Runtime,
        options: EngineOptions,
    ) -> (Self, Done<()>) {
        let mut options = options;
        if options.client_id == 0 {
            options.client_id = next_client_id((runtime.now_ms)());
        }
        let free_slice_cells = options.free_slice_cells.max(1);
        let mut core = Core::new(options);
        core.retired = Retired::new(&runtime, free_slice_cells);
        let engine = Self {
            inner: Rc::new(Inner {
                log: Rc::new(log),
                blobs: Rc::new(blobs),
                host,
                runtime,
                core: RefCell::new(core),
                deferred: RefCell::default(),
                waiters: RefCell::default(),
                next_waiter: Cell::new(0),
                listeners: RefCell::default(),
                next_listener: Cell::new(0),
                past: RefCell::default(),
                undo_saved: RefCell::default(),
                undo_turn: futures_util::lock::Mutex::new(()),
            }),
        };
        let (waiter, reply) = engine.register();
        // The core starts reloading; its first effect, the reload, answers this waiter.
        engine.inner.core.borrow_mut().sync_running.push(waiter);
        let (undo_key, hint) = {
            let mut core = engine.inner.core.borrow_mut();
            (core.options.undo_key.clone(), std::mem::take(&mut core.options.open_hint))
        };
        engine.carry_out(Effect::Reload { undo_key, hint });
        let loaded = async move { reply.await.map(drop) }.boxed_local();
        (engine, loaded)
    }

    /// A waiter id and the future of its reply.
    pub(crate) fn register(&self) -> (Waiter, Done<Reply>) {
        let id = self.inner.next_waiter.get();
        self.inner.next_waiter.set(id + 1);
        let (sender, receiver) = oneshot::channel();
        self.inner.waiters.borrow_mut().insert(id, sender);
        (id, async move { receiver.await.unwrap_or(Err(EngineError::Closed)) }.boxed_local())
    }

    /// The current content version: the same `Rc` until something a reader can observe
    /// changes.
    pub fn snapshot(&self) -> Rc<ContentVersion> {
        self.inner.core.borrow().current.clone()
    }

    /// Calls `listener` after every change of [`Self::snapshot`]; returns an id for
    /// [`Self::unsubscribe`].
    pub fn subscribe(&self, listener: Rc<dyn Fn()>) -> u64 {
        let id = self.inner.next_listener.get();
        self.inner.next_listener.set(id + 1);
        self.inner.listeners.borrow_mut().push((id, listener));
        id
    }

    /// Stops calls to the listener `id`; unknown ids are ignored.
    pub fn unsubscribe(&self, id: u64) {
        self.inner.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    /// Number of subscribed listeners.
    pub fn listener_count(&self) -> usize {
        self.inner.listeners.borrow().len()
    }

    /// Sets one cell's value and format (`value: None` clears it). Validates first (nothing
    /// stored on error); the edit shows in [`Self::snapshot`] and listeners are told **before
    /// this returns**; the future resolves when the entry is durable, with the sequence ids of
    /// the entries it became (empty when a conflict left nothing to write).
    ///
    /// # Errors
    /// [`EngineError::Validation`]; [`EngineError::Log`] on storage failure (the edit is rolled
    /// back); [`EngineError::TargetDeleted`] when another writer deleted its row or column
    /// first; [`EngineError::Closed`].
    pub fn set_cell(
        &self,
        row: u64,
        col: u64,
        value: Option<CellValue>,
        format: Option<Format>,
    ) -> Done<Range<SequenceId>> {
        self.submit(Operation::SetCell(CellWrite { row, col, value, format }))
    }

    /// Sets several cells in one entry (later writes to the same cell win), validated as a
    /// whole (the error names the first bad cell), with the contract of [`Self::set_cell`].
    /// Cells whose row or column another writer deleted first are dropped; only when all are
    /// is the edit rejected.
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn set_cells(&self, writes: Vec<CellWrite>) -> Done<Range<SequenceId>> {
        self.submit(Operation::SetCells(writes))
    }

    /// Clears every cell of `range` (values and formats) in one entry, whatever its size,
    /// including cells only snapshots hold. Contract of [`Self::set_cell`]; does not change
    /// the row or column count.
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn clear_range(&self, range: CellRange) -> Done<Range<SequenceId>> {
        self.submit(Operation::ClearRange(range))
    }

    /// Inserts `count` empty rows before row `at` (0-based); rows at and below move down. Same
    /// contract as [`Self::set_cell`]: visible at once, durable when the future resolves.
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn insert_rows(&self, at: u64, count: u64) -> Done<Range<SequenceId>> {
        self.submit(Operation::InsertRows { at, count })
    }

    /// Deletes rows `at .. at + count`; rows below move up. Contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn delete_rows(&self, at: u64, count: u64) -> Done<Range<SequenceId>> {
        self.submit(Operation::DeleteRows { at, count })
    }

    /// Inserts `count` empty columns before column `at`. Contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn insert_columns(&self, at: u64, count: u64) -> Done<Range<SequenceId>> {
        self.submit(Operation::InsertColumns { at, count })
    }

    /// Deletes columns `at .. at + count`. Contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn delete_columns(&self, at: u64, count: u64) -> Done<Range<SequenceId>> {
        self.submit(Operation::DeleteColumns { at, count })
    }

    /// Sets the height of rows (`axis` [`Axis::Row`]) or the width of columns `start .. start
    /// + count` to `size` whole CSS pixels, or back to the default with `None`, as one entry
    /// ([`Operation::SetItemSizes`]). Contract of [`Self::set_cell`]; undone like any edit.
    ///
    /// # Errors
    /// As [`Self::set_cell`]: a count of 0, a run past [`crate::model::MAX_INDEX`] or a size
    /// outside 1..=10,000 px is a validation error and stores nothing.
    pub fn set_item_sizes(&self, axis: Axis, start: u64, count: u64, size: Option<u32>) -> Done<Range<SequenceId>> {
        self.submit(Operation::SetItemSizes { axis, runs: vec![SizeRun { start, count, size }] })
    }

    /// Submits any operation with the write contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn submit(&self, operation: Operation) -> Done<Range<SequenceId>> {
        self.submit_in_group(operation, None)
    }

    /// A new undo group: edits submitted in it ([`Self::submit_in_group`]) one after another
    /// undo and redo as one step (an import, say), until an edit outside it is made.
    pub fn undo_group(&self) -> UndoGroup {
        let id = self.inner.next_waiter.get();
        self.inner.next_waiter.set(id + 1);
        UndoGroup(id)
    }

    /// Submits an operation as [`Self::submit`] does, as part of the undo step of `group`
    /// (`None`: a step of its own).
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn submit_in_group(&self, operation: Operation, group: Option<UndoGroup>) -> Done<Range<SequenceId>> {
        let group = group.map(|g| g.0);
        if let Err(e) = operation.validate() {
            return fail(e.into());
        }
        if self.is_closed() {
            return fail(EngineError::Closed);
        }
        let (id, reply): (EditId, _) = self.register();
        let time_ms = (self.inner.runtime.now_ms)();
        self.dispatch(Msg::Submit { id, operation, time_ms, kind: EditKind::Normal { group } });
        async move {
            match reply.await? {
                Reply::Committed(range) => Ok(range),
                other => unreachable_reply(other),
            }
        }
        .boxed_local()
    }

    /// Checks a value and format as [`Self::set_cell`] would, storing nothing.
    ///
    /// # Errors
    /// The [`EngineError::Validation`] `set_cell` would return.
    pub fn validate_cell(
        &self,
        row: u64,
        col: u64,
        value: Option<CellValue>,
        format: Option<Format>,
    ) -> Result<(), EngineError> {
        Ok(CellWrite { row, col, value, format }.validate()?)
    }

    /// Sets the viewport (`None`: the whole sheet) and starts loading the tiles under it. An
    /// equal viewport does nothing.
    pub fn set_viewport(&self, viewport: Option<Viewport>) {
        self.dispatch(Msg::SetViewport(viewport));
    }

    /// Tells the engine that its workflow host cannot run workflows, with why (a worker that
    /// failed to load, DESIGN.md section 7): the load status shows `error` with it, as after a
    /// failed workflow, until a workflow succeeds. Ignored once closed.
    pub fn report_host_failure(&self, error: EngineError) {
        self.dispatch(Msg::HostFailed(error));
    }

    /// Applies the entries other clients appended since this engine's position (transforming
    /// its pending edits through their structural edits); reloads from the latest snapshot
    /// instead when far behind it with nothing pending. Resolves when a sync that started after
    /// this call reached the end of the log.
    ///
    /// # Errors
    /// [`EngineError`] from the log or blob store (also shown in the load status).
    pub fn sync(&self) -> Done<()> {
        if self.is_closed() {
            return fail(EngineError::Closed);
        }
        let (waiter, reply) = self.register();
        self.dispatch(Msg::Sync { waiter });
        async move { reply.await.map(drop) }.boxed_local()
    }

    /// Asks for a snapshot of every entry before the log's last one (a snapshot on entry N
    /// reflects the entries before N), as the interval trigger does: marks that entry
    /// `pending = "snapshot"` durably (a crash runs it again at the next open), then starts the
    /// workflow, or, while another workflow runs (one at a time), starts it when that one ends.
    /// Resolves once the mark is durable, with the entry's sequence id; `None` when there is
    /// nothing to do (an empty log, or a snapshot on that entry or later exists or runs).
    ///
    /// # Errors
    /// [`EngineError::Log`] when the mark cannot be written; [`EngineError::Closed`].
    pub fn request_snapshot(&self) -> Done<Option<SequenceId>> {
        if self.is_closed() {
            return fail(EngineError::Closed);
        }
        let (waiter, reply) = self.register();
        self.dispatch(Msg::RequestSnapshot { waiter });
        async move {
            match reply.await? {
                Reply::Snapshot(seq) => Ok(seq),
                other => unreachable_reply(other),
            }
        }
        .boxed_local()
    }

    /// Closes the engine: pending calls and later ones fail with [`EngineError::Closed`],
    /// listeners are dropped; held versions stay readable.
    pub fn close(&self) {
        self.dispatch(Msg::Close);
        self.inner.listeners.borrow_mut().clear();
    }

    /// Resolves once the last save of the undo and redo stacks started so far has finished:
    /// after [`Self::close`], when the storage can be released without losing them.
    pub fn undo_saved(&self) -> LocalBoxFuture<'static, ()> {
        let saved = self.inner.undo_saved.borrow_mut().take();
        async move {
            if let Some(saved) = saved {
                let _ = saved.await;
            }
        }
        .boxed_local()
    }

    /// True once [`Self::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.core.borrow().closed
    }

    /// This client's id, stamped on the entries it writes.
    pub fn client_id(&self) -> u64 {
        self.inner.core.borrow().options.client_id
    }

    /// The sheet's tile grid: its latest snapshot's, or the one its first snapshot will use.
    pub fn tile_size(&self) -> TileSize {
        let core = self.inner.core.borrow();
        core.base.index.as_ref().map_or(core.options.tile_size, |index| index.tile_size)
    }

    /// A name no other import of this engine, or of another client, uses, for the blob dir of a
    /// layer import: the clock's milliseconds (13 decimal digits, read back by
    /// [`import_started_ms`](super::csv::import_started_ms) so that garbage collection can tell
    /// an abandoned import from a running one), the client id and a counter.
    pub(crate) fn unique_name(&self) -> String {
        let id = self.inner.next_waiter.get();
        self.inner.next_waiter.set(id + 1);
        let now = (self.inner.runtime.now_ms)();
        format!("{now:013}-{:016x}-{id}", self.client_id())
    }

    /// The open hint of `viewport` for the next open of this sheet ([`EngineOptions::open_hint`]):
    /// the index path of the snapshot this engine reads from, and the paths of the tiles under
    /// `viewport` (none for `None`), at most [`super::MAX_HINT_TILES`]. Cost: the tiles under
    /// `viewport` are worked out, as for a change of viewport.
    pub fn open_hint(&self, viewport: Option<Viewport>) -> OpenHint {
        self.inner.core.borrow().open_hint(viewport)
    }

    /// The index path of the snapshot this engine reads from (the latest it adopted), if any.
    pub fn snapshot_path(&self) -> Option<String> {
        self.inner.core.borrow().base.path.clone()
    }

    /// What the engine holds in memory now.
    pub fn stats(&self) -> EngineStats {
        let core = self.inner.core.borrow();
        let edit_layer_changes = core.edits.borrow().changes();
        EngineStats {
            edit_layer_changes,
            pending_edits: core.pending.edits.len(),
            cached_tiles: core.tiles.cached_tiles(),
            cached_tile_bytes: core.tiles.cached_bytes(),
        }
    }

    /// What the sheet holds in storage: log entries, blobs and an estimate of their bytes
    /// (see [`super::lifecycle::storage_info`]).
    ///
    /// # Errors
    /// [`EngineError`] from the log or the blob store.
    pub fn storage_info(&self) -> Done<StorageInfo> {
        let this = self.clone();
        async move { storage_info(&*this.inner.log, &*this.inner.blobs).await }.boxed_local()
    }

    /// The engine's log, for tests and tools.
    pub fn log(&self) -> &L {
        &self.inner.log
    }

    /// The engine's blob store, for tests and tools.
    pub fn blobs(&self) -> &B {
        &self.inner.blobs
    }
}

/// A client id unique in this process: the clock's milliseconds and a counter.
fn next_client_id(now_ms: u64) -> u64 {
    thread_local! {
        static COUNTER: Cell<u64> = const { Cell::new(0) };
    }
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    (now_ms << 12 | (n & 0xfff)).max(1)
}

/// A reply of the wrong kind: the core answers each waiter with the kind its call expects, so
/// this never happens; it is reported as a closed engine rather than a panic.
fn unreachable_reply<T>(_: Reply) -> Result<T, EngineError> {
    Err(EngineError::Closed)
}
