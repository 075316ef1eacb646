//! Shared harness of the native engine tests: a `LocalPool` runtime, memory stores, and store
//! wrappers that fail on demand or count reads.
#![allow(dead_code)]

pub mod fault_model;
pub mod faulty;
pub mod logical;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
use sheetlog::blob::{BlobDir, BlobError, BlobStore, Continuation, ListPage, MemoryBlobStore};
use sheetlog::engine::{Engine, EngineOptions, InThreadHost, LazyHost, Runtime};
use sheetlog::log::{
    AddEntryResult, Entry, EventLog, LogBounds, LogError, MemoryEventLog, MetadataUpdate, QueryFrom, QueryResult,
    QueryTo, SequenceId,
};
use sheetlog::snapshot::TileSize;
use sheetlog::{StorageError, StorageErrorKind};

/// A `MemoryEventLog` whose appends fail with a storage error while `fail` is set, and whose
/// queries wait while held ([`FlakyLog::hold_queries`]: a slow IndexedDB, so that a test sees
/// what an engine reads before the log answers).
#[derive(Clone, Default)]
pub struct FlakyLog {
    pub inner: MemoryEventLog,
    pub fail: Rc<Cell<bool>>,
    queries: Rc<Gate>,
}

impl FlakyLog {
    pub fn new(inner: MemoryEventLog) -> Self {
        Self { inner, ..Self::default() }
    }

    /// Queries wait from now on.
    pub fn hold_queries(&self) {
        self.queries.hold();
    }

    /// The held queries go on.
    pub fn release_queries(&self) {
        self.queries.release();
    }
}

impl EventLog for FlakyLog {
    async fn add_entry(&self, e: Entry, seq: SequenceId, hint: Option<SequenceId>) -> Result<AddEntryResult, LogError> {
        if self.fail.get() {
            return Err(StorageError::new(StorageErrorKind::QuotaExceeded, "test").into());
        }
        self.inner.add_entry(e, seq, hint).await
    }
    async fn add_entries(
        &self,
        entries: Vec<Entry>,
        seq: SequenceId,
        hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        if self.fail.get() {
            return Err(StorageError::new(StorageErrorKind::QuotaExceeded, "test").into());
        }
        self.inner.add_entries(entries, seq, hint).await
    }
    async fn set_metadata(&self, seq: SequenceId, update: MetadataUpdate) -> Result<(), LogError> {
        self.inner.set_metadata(seq, update).await
    }
    async fn query(&self, from: QueryFrom, to: QueryTo, hint: Option<SequenceId>) -> Result<QueryResult, LogError> {
        self.queries.pass().await;
        self.inner.query(from, to, hint).await
    }
    async fn truncate(&self, seq: SequenceId) -> Result<(), LogError> {
        self.inner.truncate(seq).await
    }
    async fn bounds(&self) -> Result<LogBounds, LogError> {
        self.inner.bounds().await
    }
}

/// A blob store that records the path of every blob read, and whose writes under `undo` wait
/// while held (a slow storage for the undo stack's save): [`CountingBlobs::hold`], then
/// [`CountingBlobs::release`].
#[derive(Clone, Default, Debug)]
pub struct CountingBlobs {
    pub inner: MemoryBlobStore,
    pub reads: Rc<RefCell<Vec<String>>>,
    gate: Rc<Gate>,
}

/// What a held operation waits on: [`Gate::pass`] is pending while the gate is held.
#[derive(Default, Debug)]
struct Gate {
    held: Cell<bool>,
    wakers: RefCell<Vec<std::task::Waker>>,
}

impl Gate {
    fn hold(&self) {
        self.held.set(true);
    }

    fn release(&self) {
        self.held.set(false);
        for waker in self.wakers.borrow_mut().drain(..) {
            waker.wake();
        }
    }

    /// Resolves at once, or once released when held.
    async fn pass(&self) {
        std::future::poll_fn(|cx| {
            if self.held.get() {
                self.wakers.borrow_mut().push(cx.waker().clone());
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await
    }
}

#[derive(Clone, Debug)]
pub struct CountingDir {
    inner: sheetlog::blob::MemoryBlobDir,
    reads: Rc<RefCell<Vec<String>>>,
    gate: Rc<Gate>,
}

impl CountingBlobs {
    /// Over `inner` (e.g. a memory store with small list pages).
    pub fn over(inner: MemoryBlobStore) -> Self {
        Self { inner, ..Self::default() }
    }

    /// Writes under `undo` wait from now on.
    pub fn hold(&self) {
        self.gate.hold();
    }

    /// The held writes go on.
    pub fn release(&self) {
        self.gate.release();
    }
}

impl BlobStore for CountingBlobs {
    type Dir = CountingDir;
    fn root(&self) -> CountingDir {
        CountingDir { inner: self.inner.root(), reads: self.reads.clone(), gate: self.gate.clone() }
    }
}

impl BlobDir for CountingDir {
    fn path(&self) -> String {
        self.inner.path()
    }
    async fn read(&self, name: &str) -> Result<Vec<u8>, BlobError> {
        self.reads.borrow_mut().push(format!("{}/{name}", self.inner.path()));
        self.inner.read(name).await
    }
    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), BlobError> {
        if self.inner.path().starts_with("undo") {
            self.gate.pass().await;
        }
        self.inner.write(name, bytes).await
    }
    async fn remove(&self, name: &str) -> Result<(), BlobError> {
        self.inner.remove(name).await
    }
    async fn dir(&self, name: &str) -> Result<Self, BlobError> {
        Ok(Self { inner: self.inner.dir(name).await?, reads: self.reads.clone(), gate: self.gate.clone() })
    }
    async fn list(&self, continuation: Option<&Continuation>) -> Result<ListPage, BlobError> {
        self.inner.list(continuation).await
    }
    async fn remove_all(&self) -> Result<(), BlobError> {
        self.inner.remove_all().await
    }
}

/// The harness's `pause`: pending once (waking itself), so the pool runs every other ready task
/// before the paused one goes on, as a browser runs other tasks between an engine's steps (a
/// rebase in steps, an export's parts).
struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// A single-threaded executor plus the engine runtime over it (timers resolve at once; the wall
/// clock stands still until a test moves it).
pub struct Harness {
    pub pool: LocalPool,
    pub clock: Rc<Cell<u64>>,
}

impl Harness {
    pub fn new() -> Self {
        Self { pool: LocalPool::new(), clock: Rc::new(Cell::new(1_764_590_400_000)) }
    }

    /// The wall clock of this harness, as engines and hosts read it.
    pub fn clock_fn(&self) -> Rc<dyn Fn() -> u64> {
        let clock = self.clock.clone();
        Rc::new(move || clock.get())
    }

    pub fn runtime(&self) -> Runtime {
        let spawner = self.pool.spawner();
        Runtime {
            spawn: Rc::new(move |future: LocalBoxFuture<'static, ()>| {
                // Only a pool already dropped refuses: a task spawned while a test's world is
                // torn down (an engine's last version handing its edit layer to be freed in
                // slices) cannot run any more, and is dropped with what it holds.
                let _ = spawner.spawn_local(future);
            }),
            sleep: Rc::new(|_ms| async {}.boxed_local()),
            pause: Rc::new(|| YieldNow(false).boxed_local()),
            now_ms: self.clock_fn(),
        }
    }

    /// Runs `future` and everything it spawned until nothing can progress.
    pub fn run<T>(&mut self, future: impl std::future::Future<Output = T>) -> T {
        let out = self.pool.run_until(future);
        self.pool.run_until_stalled();
        out
    }

    /// Opens an engine on `log` and `blobs` with workflows run in thread.
    pub fn open<L, B>(&mut self, log: L, blobs: B, options: EngineOptions) -> Engine<L, B>
    where
        L: EventLog + Clone + 'static,
        B: BlobStore + Clone + 'static,
    {
        self.open_layered(log, blobs, options, sheetlog::engine::WorkflowConfig::default().max_layers)
    }

    /// Like `open`, compacting snapshots with more than `max_layers` layers; the in-thread host
    /// is started at the first workflow.
    pub fn open_layered<L, B>(&mut self, log: L, blobs: B, options: EngineOptions, max_layers: usize) -> Engine<L, B>
    where
        L: EventLog + Clone + 'static,
        B: BlobStore + Clone + 'static,
    {
        // Started at the first workflow, as the browser's worker is (`LazyHost`): the model tests
        // run every client's workflows through it.
        let (stores, tile_size, clock) = ((log.clone(), blobs.clone()), options.tile_size, self.clock_fn());
        let host = Rc::new(LazyHost::new(move || {
            let host = InThreadHost::new(stores.0.clone(), stores.1.clone(), tile_size)
                .with_max_layers(max_layers)
                .with_retention(test_retention())
                .with_clock(clock.clone());
            Ok(Rc::new(host))
        }));
        let runtime = self.runtime();
        self.run(Engine::open(log, blobs, host, runtime, options)).expect("open")
    }
}

/// What tests keep: 2 snapshots, garbage collected every 8 entries (so it runs often).
pub fn test_retention() -> sheetlog::engine::Retention {
    sheetlog::engine::Retention { keep_snapshots: 2, gc_every: 8, abandoned_import_ms: 600_000 }
}

/// Runs `workflow` on entry `seq` and every follow-up it marks on that entry (snapshot ->
/// compact -> history -> gc), as a worker would, with the harness's clock.
pub fn run_chain<L: EventLog, B: BlobStore>(
    h: &mut Harness,
    log: &L,
    blobs: &B,
    seq: SequenceId,
    workflow: sheetlog::log::Workflow,
    tile_size: TileSize,
) {
    let config = sheetlog::engine::WorkflowConfig { tile_size, max_layers: 2, retention: test_retention() };
    let mut next = Some(workflow);
    while let Some(w) = next {
        let now = h.clock.get();
        h.run(sheetlog::engine::run_workflow_with(log, blobs, seq, w, config, now)).expect("workflow");
        let page = h.run(log.query(QueryFrom::Seq(seq), QueryTo::Seq(seq + 1), None));
        next = page.ok().and_then(|p| p.entries.first().and_then(|e| e.metadata.pending)).filter(|p| *p != w);
    }
}

/// Options with small tiles (4 x 4) and the given snapshot interval; rebases onto a new
/// snapshot are done in steps of 2 cells (`rebase_step_cells`), edit layers let go are freed 2
/// cells per task (`free_slice_cells`), and every write of 2 or more cells that fills a
/// rectangle is kept as a block (`block_cells`), so the model tests interleave all three with
/// everything else.
pub fn small_tiles(interval: u64) -> EngineOptions {
    EngineOptions {
        snapshot_interval: interval,
        tile_size: TileSize::new(4, 4).expect("4 x 4 tiles"),
        rebase_step_cells: 2,
        free_slice_cells: 2,
        block_cells: 2,
        ..EngineOptions::default()
    }
}
