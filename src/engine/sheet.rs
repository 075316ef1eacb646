//! [`Engine`]: one client of one sheet. Event-sourced over an [`EventLog`] and a
//! [`BlobStore`] (DESIGN.md sections 3 and 5).
//!
//! All mutations (appends, sync, reloads, workflow bookkeeping) run one at a time through one
//! FIFO job queue, so interleaved async work cannot corrupt the state. Reads never wait: they go
//! through the current [`ContentVersion`]. Edits are optimistic: visible in the next version at
//! once, durable when the append resolves, rolled back on a storage failure, re-appended by
//! themselves after a conflict with another writer. Subscribers are told after every change of
//! the current version, never while the state is borrowed.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::{join_all, LocalBoxFuture};
use futures_util::FutureExt as _;
use rustc_hash::FxHashMap;

use super::edit_layer::EditLayer;
use super::error::EngineError;
use super::host::WorkflowHost;
use super::loaded_tile::LoadedTile;
use super::runtime::Runtime;
use super::structural::extent_after;
use super::version::{read_plan, ContentVersion, LoadStatus, LogInfo, Pending, PendingOp, PlanStep, Viewport};
use super::viewport_tiles::{tiles_under, CellRect};
use super::workflow::{latest_snapshot, read_tile};
use crate::blob::BlobStore;
use crate::log::{CellWrite, Entry, EventLog, LogError, Operation, QueryFrom, QueryTo, SequenceId, Workflow};
use crate::model::{CellValue, Format};
use crate::snapshot::{SnapshotIndex, TileKey, TileSize};

/// Options of an engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// A snapshot is requested when the entries since the last completed snapshot reach this
    /// many (default 1000).
    pub snapshot_interval: u64,
    /// Tile size of the first snapshot of a sheet (later snapshots keep theirs).
    pub tile_size: TileSize,
    /// The viewport to load at open; `None` loads the whole sheet.
    pub viewport: Option<Viewport>,
    /// Delays in milliseconds before retrying a failed workflow, one per retry.
    pub workflow_retry_delays_ms: Vec<u32>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            snapshot_interval: 1000,
            tile_size: TileSize::DEFAULT,
            viewport: None,
            workflow_retry_delays_ms: vec![500, 2_000, 8_000],
        }
    }
}

struct State {
    closed: bool,
    /// Entries before this id are applied.
    next_seq: SequenceId,
    snapshot: Option<Rc<SnapshotIndex>>,
    /// The read plan of `snapshot`.
    plan: Rc<Vec<PlanStep>>,
    /// The snapshot loaded from, or the latest seen completed.
    snapshot_seq: Option<SequenceId>,
    edits: Rc<RefCell<EditLayer>>,
    tiles: Rc<FxHashMap<(usize, TileKey), Rc<LoadedTile>>>,
    loading: HashSet<(usize, TileKey)>,
    /// Optimistic edits not yet durable, oldest first, by id.
    pending: Vec<(u64, Operation, Rc<PendingOp>)>,
    next_pending_id: u64,
    viewport: Option<Viewport>,
    syncing: bool,
    last_error: Option<EngineError>,
    workflow: Option<(SequenceId, Workflow)>,
    /// A snapshot asked for by [`Engine::request_snapshot`] while another workflow ran; starts
    /// when none runs.
    queued_snapshot: Option<SequenceId>,
    current: Rc<ContentVersion>,
}

type Job = Box<dyn FnOnce() -> LocalBoxFuture<'static, ()>>;
type Listeners = Vec<(u64, Rc<dyn Fn()>)>;

struct Inner<L, B> {
    log: L,
    blobs: B,
    host: Rc<dyn WorkflowHost>,
    runtime: Runtime,
    options: EngineOptions,
    state: RefCell<State>,
    jobs: RefCell<VecDeque<Job>>,
    draining: Cell<bool>,
    listeners: RefCell<Listeners>,
    next_listener: Cell<u64>,
}

/// One client of one sheet; cheap to clone (clones share everything).
pub struct Engine<L, B> {
    inner: Rc<Inner<L, B>>,
}

impl<L, B> Clone for Engine<L, B> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

fn empty_version(viewport: Option<Viewport>) -> ContentVersion {
    ContentVersion {
        seq: 0,
        snapshot: None,
        plan: Rc::default(),
        tiles: Rc::default(),
        edits: Rc::default(),
        pending: Rc::default(),
        extent: (0, 0),
        viewport,
        load_status: LoadStatus::Loading,
        log_info: LogInfo { sequence_id: 0, snapshot_sequence_id: None, workflow: None },
    }
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
    ) -> (Self, LocalBoxFuture<'static, Result<(), EngineError>>) {
        let viewport = options.viewport;
        let state = State {
            closed: false,
            next_seq: 0,
            snapshot: None,
            plan: Rc::default(),
            snapshot_seq: None,
            edits: Rc::default(),
            tiles: Rc::default(),
            loading: HashSet::new(),
            pending: Vec::new(),
            next_pending_id: 0,
            viewport,
            syncing: true,
            last_error: None,
            workflow: None,
            queued_snapshot: None,
            current: Rc::new(empty_version(viewport)),
        };
        let engine = Self {
            inner: Rc::new(Inner {
                log,
                blobs,
                host,
                runtime,
                options,
                state: RefCell::new(state),
                jobs: RefCell::default(),
                draining: Cell::new(false),
                listeners: RefCell::default(),
                next_listener: Cell::new(0),
            }),
        };
        let this = engine.clone();
        let loaded = engine.enqueue(move || async move { this.reload().await });
        (engine, loaded)
    }

    /// The current content version: the same `Rc` until data, viewport or load status change.
    pub fn snapshot(&self) -> Rc<ContentVersion> {
        self.inner.state.borrow().current.clone()
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
    /// this returns**; the future resolves when the entry is durable.
    ///
    /// # Errors
    /// [`EngineError::Validation`]; [`EngineError::Log`] on storage failure (the edit is rolled
    /// back); [`EngineError::Closed`].
    pub fn set_cell(
        &self,
        row: u64,
        col: u64,
        value: Option<CellValue>,
        format: Option<Format>,
    ) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.set_cells(vec![CellWrite { row, col, value, format }])
    }

    /// Sets several cells in one entry (later writes to the same cell win), with the contract
    /// of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn set_cells(&self, writes: Vec<CellWrite>) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        let operation = match <[CellWrite; 1]>::try_from(writes) {
            Ok([write]) => Operation::SetCell(write),
            Err(writes) => Operation::SetCells(writes),
        };
        self.submit(operation)
    }

    /// Inserts `count` empty rows before row `at` (0-based); rows at and below move down. Same
    /// contract as [`Self::set_cell`]: visible at once, durable when the future resolves.
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn insert_rows(&self, at: u64, count: u64) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.submit(Operation::InsertRows { at, count })
    }

    /// Deletes rows `at .. at + count`; rows below move up. Contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn delete_rows(&self, at: u64, count: u64) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.submit(Operation::DeleteRows { at, count })
    }

    /// Inserts `count` empty columns before column `at`. Contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn insert_columns(&self, at: u64, count: u64) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.submit(Operation::InsertColumns { at, count })
    }

    /// Deletes columns `at .. at + count`. Contract of [`Self::set_cell`].
    ///
    /// # Errors
    /// As [`Self::set_cell`].
    pub fn delete_columns(&self, at: u64, count: u64) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        self.submit(Operation::DeleteColumns { at, count })
    }

    /// Validates `operation`, shows it at once as a pending edit, then appends it in order.
    fn submit(&self, operation: Operation) -> LocalBoxFuture<'static, Result<(), EngineError>> {
        if let Err(e) = operation.validate() {
            return async move { Err(e.into()) }.boxed_local();
        }
        let id = {
            let mut state = self.inner.state.borrow_mut();
            if state.closed {
                return async { Err(EngineError::Closed) }.boxed_local();
            }
            let id = state.next_pending_id;
            state.next_pending_id += 1;
            state.pending.push((id, operation.clone(), Rc::new(PendingOp::of(&operation))));
            id
        };
        if !matches!(operation, Operation::SetCell(_) | Operation::SetCells(_)) {
            self.load_viewport_tiles();
        }
        self.publish();
        let this = self.clone();
        self.enqueue(move || async move { this.append(id, operation).await })
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
        {
            let mut state = self.inner.state.borrow_mut();
            if state.viewport == viewport {
                return;
            }
            state.viewport = viewport;
        }
        self.load_viewport_tiles();
        self.publish();
    }

    /// Applies the entries other clients appended since this engine's position; reloads from
    /// the latest snapshot instead when far behind it.
    ///
    /// # Errors
    /// [`EngineError`] from the log or blob store (also shown in the load status).
    pub async fn sync(&self) -> Result<(), EngineError> {
        let this = self.clone();
        self.enqueue(move || async move { this.sync_now().await }).await
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
    pub fn request_snapshot(&self) -> LocalBoxFuture<'static, Result<Option<SequenceId>, EngineError>> {
        let this = self.clone();
        self.enqueue(move || async move { this.request_snapshot_now().await })
    }

    async fn request_snapshot_now(&self) -> Result<Option<SequenceId>, EngineError> {
        let (seq, busy) = {
            let state = self.inner.state.borrow();
            if state.closed {
                return Err(EngineError::Closed);
            }
            let Some(seq) = state.next_seq.checked_sub(1) else { return Ok(None) };
            let covered = state.snapshot_seq.is_some_and(|s| s >= seq)
                || matches!(state.workflow, Some((s, Workflow::Snapshot)) if s >= seq);
            if covered {
                return Ok(None);
            }
            (seq, state.workflow.is_some())
        };
        let mark = crate::log::MetadataUpdate::default().with_pending(Some(Workflow::Snapshot));
        self.inner.log.set_metadata(seq, mark).await?;
        if busy {
            self.inner.state.borrow_mut().queued_snapshot = Some(seq);
        }
        let _ = self.start_queued_snapshot();
        if !busy {
            self.start_workflow(seq, Workflow::Snapshot);
        }
        Ok(Some(seq))
    }

    /// Starts the snapshot queued by [`Self::request_snapshot`] once no workflow runs (dropped
    /// when a snapshot already covers it). True when it started one.
    fn start_queued_snapshot(&self) -> bool {
        let seq = {
            let mut state = self.inner.state.borrow_mut();
            if state.workflow.is_some() || state.closed {
                return false;
            }
            match state.queued_snapshot.take() {
                Some(seq) if state.snapshot_seq.is_none_or(|s| s < seq) => seq,
                _ => return false,
            }
        };
        self.start_workflow(seq, Workflow::Snapshot);
        true
    }

    /// Closes the engine: later calls fail with [`EngineError::Closed`], listeners are dropped.
    pub fn close(&self) {
        self.inner.state.borrow_mut().closed = true;
        self.inner.listeners.borrow_mut().clear();
    }

    /// True once [`Self::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state.borrow().closed
    }

    /// The engine's log, for tests and tools.
    pub fn log(&self) -> &L {
        &self.inner.log
    }

    /// The engine's blob store, for tests and tools.
    pub fn blobs(&self) -> &B {
        &self.inner.blobs
    }

    // ---- the job queue ----

    /// Runs `job` after every job enqueued before it, and returns its result.
    fn enqueue<T: 'static, F>(
        &self,
        job: impl FnOnce() -> F + 'static,
    ) -> LocalBoxFuture<'static, Result<T, EngineError>>
    where
        F: std::future::Future<Output = Result<T, EngineError>> + 'static,
    {
        let (done, result) = oneshot::channel();
        let closed = self.inner.state.borrow().closed;
        if closed {
            return async { Err(EngineError::Closed) }.boxed_local();
        }
        self.inner.jobs.borrow_mut().push_back(Box::new(move || {
            async move {
                let _ = done.send(job().await);
            }
            .boxed_local()
        }));
        if !self.inner.draining.replace(true) {
            let this = self.clone();
            (self.inner.runtime.spawn)(async move { this.drain().await }.boxed_local());
        }
        async move { result.await.unwrap_or(Err(EngineError::Closed)) }.boxed_local()
    }

    async fn drain(&self) {
        loop {
            let job = self.inner.jobs.borrow_mut().pop_front();
            match job {
                Some(job) => job().await,
                None => {
                    self.inner.draining.set(false);
                    return;
                }
            }
        }
    }

    // ---- jobs (run only from the queue) ----

    async fn reload(&self) -> Result<(), EngineError> {
        let result = self.reload_inner().await;
        self.finish_job(&result);
        result
    }

    async fn reload_inner(&self) -> Result<(), EngineError> {
        let log = &self.inner.log;
        let latest = latest_snapshot(log, &self.inner.blobs).await?;
        let bounds = log.bounds().await?;
        let (start, index) = match latest {
            Some((info, index)) => (info.seq, Some(index)),
            None if bounds.start > 0 => return Err(EngineError::MissingHistory { start: bounds.start }),
            None => (0, None),
        };
        let extent = index.as_ref().map_or((0, 0), |i| (i.row_count, i.col_count));
        let edits = Rc::new(RefCell::new(EditLayer::over(start, extent)));
        let (next, pending_workflow) = self.replay(&edits, start).await?;
        {
            let mut state = self.inner.state.borrow_mut();
            state.snapshot_seq = index.as_ref().map(|i| i.seq);
            state.plan = Rc::new(index.as_deref().map(read_plan).unwrap_or_default());
            state.snapshot = index;
            state.edits = edits;
            state.tiles = Rc::default();
            state.loading.clear();
            state.next_seq = next;
            state.syncing = false;
        }
        if let Some((seq, workflow)) = pending_workflow {
            self.start_workflow(seq, workflow);
        }
        self.load_viewport_tiles();
        Ok(())
    }

    /// Applies entries from `from` to the end of the log into `edits`; returns the next id and
    /// the last workflow left pending on an entry.
    async fn replay(
        &self,
        edits: &RefCell<EditLayer>,
        from: SequenceId,
    ) -> Result<(SequenceId, Option<(SequenceId, Workflow)>), EngineError> {
        let mut next = from;
        let mut pending = None;
        loop {
            let page = self.inner.log.query(QueryFrom::Seq(next), QueryTo::End, None).await?;
            for (i, entry) in page.entries.iter().enumerate() {
                let seq = next + i as u64;
                edits.borrow_mut().apply_operation(seq, &entry.operation);
                if let Some(workflow) = entry.metadata.pending {
                    pending = Some((seq, workflow));
                }
            }
            next = page.next();
            if page.is_complete || page.entries.is_empty() {
                return Ok((next, pending));
            }
        }
    }

    async fn sync_now(&self) -> Result<(), EngineError> {
        let result = self.sync_inner().await;
        self.finish_job(&result);
        result
    }

    async fn sync_inner(&self) -> Result<(), EngineError> {
        let (from, hint, edits) = {
            let state = self.inner.state.borrow();
            (state.next_seq, state.snapshot_seq, state.edits.clone())
        };
        let head = match self.inner.log.query(QueryFrom::Seq(from), QueryTo::End, hint).await {
            Ok(head) => head,
            // The log was truncated past our position: start again from the latest snapshot.
            Err(LogError::OutOfRange { .. }) => return self.reload_inner().await,
            Err(e) => return Err(e.into()),
        };
        if let Some(latest) = &head.latest_snapshot {
            if latest.seq > from.saturating_add(self.inner.options.snapshot_interval) {
                return self.reload_inner().await;
            }
            self.saw_snapshot(latest.seq);
        }
        let mut next = from;
        let mut page = head;
        loop {
            for (i, entry) in page.entries.iter().enumerate() {
                let seq = next + i as u64;
                edits.borrow_mut().apply_operation(seq, &entry.operation);
            }
            next = page.next();
            self.inner.state.borrow_mut().next_seq = next;
            if page.is_complete || page.entries.is_empty() {
                return Ok(());
            }
            page = self.inner.log.query(QueryFrom::Seq(next), QueryTo::End, hint).await?;
        }
    }

    fn saw_snapshot(&self, seq: SequenceId) {
        let mut state = self.inner.state.borrow_mut();
        if state.snapshot_seq.is_none_or(|s| s < seq) {
            state.snapshot_seq = Some(seq);
        }
    }

    async fn append(&self, id: u64, operation: Operation) -> Result<(), EngineError> {
        let result = self.append_inner(id, operation).await;
        if result.is_err() {
            self.inner.state.borrow_mut().pending.retain(|(p, _, _)| *p != id);
        }
        self.finish_job(&result);
        result
    }

    async fn append_inner(&self, id: u64, operation: Operation) -> Result<(), EngineError> {
        loop {
            let (seq, hint, mark) = {
                let state = self.inner.state.borrow();
                if state.closed {
                    return Err(EngineError::Closed);
                }
                let since = state.snapshot_seq.unwrap_or(0);
                let mark =
                    state.workflow.is_none() && state.next_seq + 1 >= since + self.inner.options.snapshot_interval;
                (state.next_seq, state.snapshot_seq, mark)
            };
            let mut entry = Entry::new(operation.clone());
            if mark {
                entry.metadata.pending = Some(Workflow::Snapshot);
            }
            match self.inner.log.add_entry(entry, seq, hint).await {
                Ok(result) => {
                    {
                        let mut state = self.inner.state.borrow_mut();
                        state.edits.borrow_mut().apply_operation(seq, &operation);
                        state.pending.retain(|(p, _, _)| *p != id);
                        state.next_seq = seq + 1;
                    }
                    if let Some(latest) = result.latest_snapshot {
                        self.saw_snapshot(latest.seq);
                    }
                    if mark {
                        self.start_workflow(seq, Workflow::Snapshot);
                    }
                    return Ok(());
                }
                Err(LogError::Conflict { .. }) => self.sync_inner().await?,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Records the outcome of a job in the load status and publishes a new version.
    fn finish_job(&self, result: &Result<(), EngineError>) {
        {
            let mut state = self.inner.state.borrow_mut();
            state.syncing = false;
            match result {
                Ok(()) => state.last_error = None,
                Err(EngineError::Validation(_) | EngineError::Closed) => {}
                Err(e) => state.last_error = Some(e.clone()),
            }
        }
        self.publish();
    }

    // ---- workflows ----

    fn start_workflow(&self, seq: SequenceId, workflow: Workflow) {
        {
            let mut state = self.inner.state.borrow_mut();
            if state.workflow.is_some() || state.closed {
                return;
            }
            state.workflow = Some((seq, workflow));
        }
        self.publish();
        let this = self.clone();
        (self.inner.runtime.spawn)(async move { this.run_workflow(seq, workflow).await }.boxed_local());
    }

    async fn run_workflow(&self, seq: SequenceId, workflow: Workflow) {
        let mut delays = self.inner.options.workflow_retry_delays_ms.clone().into_iter();
        let succeeded = loop {
            let result = self.inner.host.run(seq, workflow).await;
            let retry = {
                let mut state = self.inner.state.borrow_mut();
                match &result {
                    Ok(()) => {
                        // `workflow` stays set until the follow-up is decided below, so no
                        // version claims that nothing runs while a compaction is about to.
                        state.last_error = None;
                        if workflow == Workflow::Snapshot && state.snapshot_seq.is_none_or(|s| s < seq) {
                            state.snapshot_seq = Some(seq);
                        }
                        None
                    }
                    Err(e) => {
                        state.last_error = Some(e.clone());
                        let delay = if state.closed { None } else { delays.next() };
                        if delay.is_none() {
                            state.workflow = None;
                        }
                        delay
                    }
                }
            };
            self.publish();
            match retry {
                Some(delay) => (self.inner.runtime.sleep)(delay).await,
                None => break result.is_ok(),
            }
        };
        if succeeded {
            let open = !self.inner.state.borrow().closed;
            let mut follow_up = None;
            if workflow == Workflow::Snapshot && open {
                // A snapshot with too many layers leaves `compact` pending on its entry.
                let page = self.inner.log.query(QueryFrom::Seq(seq), QueryTo::Seq(seq + 1), None).await;
                let pending = page.ok().and_then(|p| p.entries.first().and_then(|e| e.metadata.pending));
                follow_up = pending.filter(|w| *w == Workflow::Compact);
            }
            // Hand over to the follow-up directly, or end the workflow.
            self.inner.state.borrow_mut().workflow = follow_up.map(|w| (seq, w));
            if let Some(next) = follow_up {
                self.publish();
                let this = self.clone();
                (self.inner.runtime.spawn)(async move { this.run_workflow(seq, next).await }.boxed_local());
                return;
            }
        }
        // A snapshot queued meanwhile starts at once; only if none does is the engine shown idle.
        if !self.start_queued_snapshot() && succeeded {
            self.publish();
        }
    }

    // ---- tiles ----

    /// The tiles of the current snapshot, per layer, under the viewport of the newest version
    /// (committed edits and pending structural edits included).
    fn viewport_tiles(state: &State) -> Vec<(usize, TileKey)> {
        let Some(index) = &state.snapshot else { return Vec::new() };
        let edits = state.edits.borrow();
        let pending = state.pending.iter().filter_map(|(_, _, op)| op.transform());
        let transforms: Vec<&crate::snapshot::Transform> = edits.transforms(state.next_seq).chain(pending).collect();
        tiles_under(index, &transforms, CellRect::of_viewport(state.viewport))
    }

    fn load_viewport_tiles(&self) {
        let (wanted, index) = {
            let mut state = self.inner.state.borrow_mut();
            let Some(index) = state.snapshot.clone() else { return };
            let wanted: Vec<((usize, TileKey), String)> = Self::viewport_tiles(&state)
                .into_iter()
                .filter(|k| !state.tiles.contains_key(k) && !state.loading.contains(k))
                .filter_map(|(i, k)| index.layers.get(i).and_then(|l| l.tiles.get(&k)).map(|p| ((i, k), p.clone())))
                .collect();
            state.loading.extend(wanted.iter().map(|(k, _)| *k));
            (wanted, index)
        };
        if wanted.is_empty() {
            return;
        }
        let this = self.clone();
        (self.inner.runtime.spawn)(
            async move {
                let blobs = &this.inner.blobs;
                let loads = wanted.iter().map(|(_, path)| read_tile(blobs, path));
                let results = join_all(loads).await;
                {
                    let mut state = this.inner.state.borrow_mut();
                    if !state.snapshot.as_ref().is_some_and(|s| Rc::ptr_eq(s, &index)) {
                        return; // A reload replaced the snapshot meanwhile.
                    }
                    for ((key, _), result) in wanted.into_iter().zip(results) {
                        state.loading.remove(&key);
                        match result {
                            Ok(tile) => {
                                Rc::make_mut(&mut state.tiles).insert(key, Rc::new(LoadedTile::new(tile)));
                            }
                            Err(e) => state.last_error = Some(e),
                        }
                    }
                }
                this.publish();
            }
            .boxed_local(),
        );
    }

    // ---- versions ----

    /// Makes a new current version from the state and tells the listeners.
    fn publish(&self) {
        {
            let mut state = self.inner.state.borrow_mut();
            let mut extent = state.edits.borrow().extent(state.next_seq);
            let mut ops = Vec::with_capacity(state.pending.len());
            for (_, operation, op) in &state.pending {
                extent = match &**op {
                    PendingOp::Writes { extent: written, .. } => (extent.0.max(written.0), extent.1.max(written.1)),
                    PendingOp::Structural(_) => extent_after(extent, operation),
                };
                ops.push(op.clone());
            }
            // Only tiles still loading need the viewport's tiles worked out (publish runs after
            // every edit, and a whole-sheet viewport lists every tile of every layer).
            let loading_in_view = || {
                let in_view: HashSet<(usize, TileKey)> = Self::viewport_tiles(&state).into_iter().collect();
                state.loading.iter().any(|k| in_view.contains(k))
            };
            let load_status = if let Some(e) = &state.last_error {
                LoadStatus::Error(e.clone())
            } else if state.syncing || (!state.loading.is_empty() && loading_in_view()) {
                LoadStatus::Loading
            } else {
                LoadStatus::Ready
            };
            let version = ContentVersion {
                seq: state.next_seq,
                snapshot: state.snapshot.clone(),
                plan: state.plan.clone(),
                tiles: state.tiles.clone(),
                edits: state.edits.clone(),
                pending: Rc::new(Pending { ops }),
                extent,
                viewport: state.viewport,
                load_status,
                log_info: LogInfo {
                    sequence_id: state.next_seq,
                    snapshot_sequence_id: state.snapshot_seq,
                    workflow: state.workflow.map(|(_, w)| w),
                },
            };
            state.current = Rc::new(version);
        }
        let listeners: Listeners = self.inner.listeners.borrow().clone();
        for (id, listener) in listeners {
            // A listener may unsubscribe another: never call one after its unsubscribe.
            let still = self.inner.listeners.borrow().iter().any(|(i, _)| *i == id);
            if still {
                listener();
            }
        }
    }
}
