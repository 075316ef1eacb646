//! [`Core`]: the state of one engine and the one place that changes it (DESIGN.md section 5b,
//! "One owner"). Every change arrives as a [`Msg`] and is handled to completion, in order, by
//! [`Core::handle`], which never awaits and never calls out: it changes the state and lists the
//! [`Effect`]s (storage reads and writes, workflow runs, replies) for the shell
//! ([`super::queue`]) to carry out. Their results come back as messages.
//!
//! The handlers live in files by concern: `writes` (pending edits, appends, conflicts),
//! `sync` (log pages, reloads, adopting snapshots), `tiles` (the tile cache and the viewport),
//! `scheduler` (workflows) and `publish` (content versions and load status).

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use super::edit_layer::{EditLayer, Rebase};
use super::error::EngineError;
use super::loaded_tile::LoadedTile;
use super::open_hint::OpenHint;
use super::pending::{EditId, Pending};
use super::retired::Retired;
use super::sheet::EngineOptions;
use super::tiles::Tiles;
use super::undo_stack::{EditKind, UndoStacks};
use super::version::{ContentVersion, PlanStep, Viewport};
use crate::log::{AddEntryResult, Entry, LogError, Metadata, Operation, QueryResult, SequenceId, Workflow};
use crate::snapshot::{Lease, SnapshotIndex, UndoRecord};

/// Identifies a caller waiting for a reply (an edit's id doubles as its waiter).
pub(crate) type Waiter = u64;

/// What a waiting caller gets back.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// Done (open, sync).
    Done,
    /// The edit is durable as the entries with these sequence ids (empty: nothing was left to
    /// write, e.g. a delete of rows another writer deleted first).
    Committed(Range<SequenceId>),
    /// A snapshot was requested on this entry (`None`: nothing to do).
    Snapshot(Option<SequenceId>),
    /// A prepared edit was based on a position the engine can no longer transform from (it
    /// reloaded or rebased past it): prepare it again.
    Stale,
}

/// The result of a reload: the latest snapshot and the edit layer replayed over it.
pub(crate) struct Loaded {
    pub(crate) snapshot: Option<(String, Rc<SnapshotIndex>)>,
    pub(crate) edits: EditLayer,
    pub(crate) next: SequenceId,
    /// The last workflow left pending on an entry (by a crash, say): run again.
    pub(crate) pending_workflow: Option<(SequenceId, Workflow)>,
    /// This tab's saved undo and redo stacks, if it has a key and they were found.
    pub(crate) undo: Option<UndoRecord>,
    /// The tiles of the open hint that were read ([`super::open_hint`]): cached by path.
    pub(crate) hinted_tiles: Vec<(Rc<str>, Rc<LoadedTile>)>,
}

/// Tiles read, by path: each decoded, or why not.
pub(crate) type TileResults = Vec<(Rc<str>, Result<Rc<LoadedTile>, EngineError>)>;

/// A change for the engine's state, handled in order by [`Core::handle`].
pub(crate) enum Msg {
    /// A validated edit from the API, made at `time_ms` (ms since the Unix epoch).
    Submit { id: EditId, operation: Operation, time_ms: u64, kind: EditKind },
    /// Operations prepared in the coordinates of the committed position `based_on` (an undo's
    /// or redo's inverse): transformed through what was committed and submitted since, then
    /// handled as an edit; [`Reply::Stale`] when that is no longer known.
    SubmitPrepared { id: EditId, operations: Vec<Operation>, based_on: SequenceId, time_ms: u64, kind: EditKind },
    /// Reply when this client has no pending edit.
    WhenIdle { waiter: Waiter },
    /// Answer `waiter` once nothing of this client is left unsaved: no pending edit and the
    /// undo and redo stacks saved as they are ([`crate::engine::Engine::when_saved`]).
    WhenSaved { waiter: Waiter },
    /// An undo or redo step was skipped: off its stack.
    DropStep(EditKind),
    /// The save of the undo and redo stacks finished (successfully or not).
    UndoSaved,
    /// The viewport changed (`None`: the whole sheet).
    SetViewport(Option<Viewport>),
    /// Bring the engine up to the log's end; reply when done.
    Sync { waiter: Waiter },
    /// Mark the last entry for a snapshot and run it; reply with its sequence id.
    RequestSnapshot { waiter: Waiter },
    /// Stop: reply `Closed` to every waiter, ignore every later result.
    Close,
    /// The reload finished.
    Reloaded(Result<Loaded, EngineError>),
    /// An append of entries from `seq` finished.
    Appended { seq: SequenceId, result: Result<AddEntryResult, LogError> },
    /// A page of the log from `from` was read.
    Page { from: SequenceId, result: Result<QueryResult, LogError> },
    /// The entries `from ..` read from history (the log was truncated past this engine).
    HistoryRead { from: SequenceId, result: Result<Vec<Entry>, EngineError> },
    /// A snapshot index was read.
    IndexRead { path: String, result: Result<Rc<SnapshotIndex>, EngineError> },
    /// Tiles were read, by path.
    TilesRead { results: TileResults },
    /// The mark of entry `seq` as `pending = "snapshot"` was written.
    Marked { seq: SequenceId, waiter: Option<Waiter>, result: Result<(), LogError> },
    /// A workflow finished.
    WorkflowDone { seq: SequenceId, workflow: Workflow, result: Result<(), EngineError> },
    /// The metadata of entry `seq` was read after its workflow (`None`: truncated away).
    EntryRead { seq: SequenceId, result: Result<Option<Metadata>, LogError> },
    /// Time to retry a failed workflow.
    RetryWorkflow { seq: SequenceId, workflow: Workflow },
    /// The workflow host cannot run workflows (a worker that failed to load), for this reason.
    HostFailed(EngineError),
    /// Time to append the edits issued meanwhile (in the same turn of the event loop).
    FlushWrites,
    /// A rebase in steps of `layer` for the snapshot on entry `seq` copied its last cells (or
    /// was abandoned); the swap finishes it ([`EditLayer::finish_rebase`]).
    Rebased { seq: SequenceId, layer: Rc<RefCell<EditLayer>>, rebase: Box<Rebase> },
}

/// What the shell does for the core; results come back as [`Msg`]s.
pub(crate) enum Effect {
    /// Read the latest snapshot and replay the log after it, and the undo record under this
    /// key if one is given and the blobs of `hint` beside the log's query (the first load):
    /// [`Msg::Reloaded`].
    Reload { undo_key: Option<String>, hint: OpenHint },
    /// Append `entries` from `seq` atomically: [`Msg::Appended`].
    Append { seq: SequenceId, entries: Vec<Entry>, hint: Option<SequenceId> },
    /// Read one page of the log from `from`: [`Msg::Page`].
    Query { from: SequenceId, hint: Option<SequenceId> },
    /// Read the entries `from .. to` from the history blobs: [`Msg::HistoryRead`].
    ReadHistory { from: SequenceId, to: SequenceId },
    /// Read a snapshot index: [`Msg::IndexRead`].
    ReadIndex { path: String },
    /// Read tiles: [`Msg::TilesRead`].
    ReadTiles { paths: Vec<Rc<str>> },
    /// Mark entry `seq` `pending = "snapshot"`: [`Msg::Marked`].
    Mark { seq: SequenceId, waiter: Option<Waiter> },
    /// Run a workflow on the host: [`Msg::WorkflowDone`].
    RunWorkflow { seq: SequenceId, workflow: Workflow },
    /// Read entry `seq`'s metadata: [`Msg::EntryRead`].
    ReadEntry { seq: SequenceId },
    /// Send `then` after `ms` milliseconds.
    Sleep { ms: u32, then: Msg },
    /// Answer a waiting caller.
    Reply { waiter: Waiter, result: Result<Reply, EngineError> },
    /// Send the message once the code running now has finished (the next task).
    Defer(Msg),
    /// Write this client's lease (best effort: a failure only lets truncation pass it sooner).
    WriteLease(Lease),
    /// Remove this client's lease (closing).
    RemoveLease(u64),
    /// Save this tab's undo and redo stacks (best effort).
    SaveUndo(UndoRecord),
    /// Rebase `layer` onto the snapshot on entry `seq` in steps of `step` cells, letting other
    /// tasks run between them: [`Msg::Rebased`].
    Rebase { seq: SequenceId, layer: Rc<RefCell<EditLayer>>, step: usize },
}

/// Which use of the log is in flight: one at a time, so a page never holds this engine's own
/// appends and an append never races a sync (DESIGN.md section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogIo {
    Idle,
    Reloading,
    /// Appending the `in_flight` oldest pending edits as `count` entries from `seq`; `marked`
    /// is the entry of the batch marked for a snapshot.
    Appending {
        seq: SequenceId,
        count: u64,
        marked: Option<SequenceId>,
    },
    Querying,
}

/// The snapshot the engine reads from: its index, where it is stored, and its read plan.
#[derive(Debug, Default)]
pub(crate) struct Base {
    pub(crate) index: Option<Rc<SnapshotIndex>>,
    pub(crate) path: Option<String>,
    pub(crate) plan: Rc<Vec<PlanStep>>,
}

/// A completed snapshot being adopted (DESIGN.md section 5b, "Rebase"): its index is read, the
/// tiles under the viewport are loaded, then the engine swaps over in one step.
#[derive(Debug)]
pub(crate) struct Adopt {
    pub(crate) seq: SequenceId,
    pub(crate) path: String,
    pub(crate) index: Option<Rc<SnapshotIndex>>,
    /// The rebase onto it, when done in steps (an edit layer of more than
    /// `EngineOptions::rebase_step_cells` cells).
    pub(crate) rebase: Stepped,
}

/// Where the rebase in steps for the snapshot being adopted is.
#[derive(Debug, Default)]
pub(crate) enum Stepped {
    /// Not started (or not needed: a small layer rebases in the swap).
    #[default]
    NotStarted,
    /// Copying, between tasks: [`Effect::Rebase`].
    Running,
    /// Every cell copied: the swap copies again those written meanwhile (or, when the rebase
    /// was abandoned, rebases at once).
    Done { layer: Rc<RefCell<EditLayer>>, rebase: Box<Rebase> },
}

/// Where the running workflow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Its entry's `pending` mark is being written.
    Marking,
    /// The host runs it.
    Running,
    /// Done; reading its entry for the follow-up (a compaction) and the new snapshot's path.
    Finishing,
}

/// The workflow this engine runs (one at a time per engine; across tabs, the host's lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Running {
    pub(crate) seq: SequenceId,
    pub(crate) workflow: Workflow,
    pub(crate) phase: Phase,
    /// Failed attempts so far.
    pub(crate) failures: usize,
}

/// The latest error of each source; the load status shows the newest one. A source clears only
/// its own error, so a success elsewhere never hides a failure that still holds.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    stamp: u64,
    pub(crate) load: Option<(u64, EngineError)>,
    pub(crate) sync: Option<(u64, EngineError)>,
    pub(crate) append: Option<(u64, EngineError)>,
    pub(crate) tiles: Option<(u64, EngineError)>,
    pub(crate) workflow: Option<(u64, EngineError)>,
}

impl Errors {
    /// Stamps `error` as the newest.
    pub(crate) fn stamp(&mut self, error: EngineError) -> Option<(u64, EngineError)> {
        self.stamp += 1;
        Some((self.stamp, error))
    }

    /// The newest error still standing.
    pub(crate) fn newest(&self) -> Option<&EngineError> {
        [&self.load, &self.sync, &self.append, &self.tiles, &self.workflow]
            .into_iter()
            .flatten()
            .max_by_key(|(stamp, _)| *stamp)
            .map(|(_, e)| e)
    }
}

/// The state of one engine (see the module docs).
pub(crate) struct Core {
    pub(crate) options: EngineOptions,
    pub(crate) closed: bool,
    /// True until the first reload is installed, and during a reload.
    pub(crate) loading: bool,
    /// Entries before this id are applied.
    pub(crate) next_seq: SequenceId,
    pub(crate) base: Base,
    /// The latest completed snapshot this engine saw (or loaded from).
    pub(crate) snapshot_seq: Option<SequenceId>,
    pub(crate) edits: Rc<RefCell<EditLayer>>,
    /// Where replaced edit layers (and those of versions let go) are freed a slice at a time;
    /// inert until the engine gives it its runtime.
    pub(crate) retired: Retired,
    pub(crate) log_io: LogIo,
    /// A sync is wanted (a caller asked, a conflict happened, a snapshot is ahead).
    pub(crate) sync_wanted: bool,
    /// Callers waiting for the next sync to start, and for the one running.
    pub(crate) sync_waiters: Vec<Waiter>,
    pub(crate) sync_running: Vec<Waiter>,
    /// An append conflicted: sync to the end before appending again.
    pub(crate) conflict: bool,
    /// A reload is wanted (far behind a newer snapshot, or the log was truncated past us).
    pub(crate) reload_wanted: bool,
    /// The next sync asks the log for its latest snapshot whatever this engine knows (a blob
    /// of the snapshot it reads from or was adopting was collected: a newer one replaced it).
    pub(crate) relearn_snapshot: bool,
    /// A snapshot index found missing: not adopted again.
    pub(crate) missing_index: Option<String>,
    pub(crate) pending: Pending,
    /// One past the newest pending edit's id.
    pub(crate) next_edit: EditId,
    /// The extent after the committed entries and the pending edits.
    pub(crate) extent: (u64, u64),
    pub(crate) tiles: Tiles,
    pub(crate) adopt: Option<Adopt>,
    pub(crate) running: Option<Running>,
    /// A snapshot requested while another workflow ran.
    pub(crate) queued_snapshot: Option<SequenceId>,
    /// A workflow that failed every retry: run again after the next successful append.
    pub(crate) gave_up: Option<(SequenceId, Workflow)>,
    /// A [`Msg::FlushWrites`] is on its way: edits issued until it arrives share its append.
    pub(crate) flush_deferred: bool,
    /// Whether this engine appended since it opened: only writers trigger snapshots.
    pub(crate) wrote: bool,
    pub(crate) errors: Errors,
    /// When this client's lease was last written (ms since the Unix epoch), for which position
    /// and base snapshot.
    pub(crate) lease: Option<(u64, SequenceId, Option<String>)>,
    /// The wall clock when the message being handled arrived.
    pub(crate) now_ms: u64,
    /// Callers to answer with an error once the message is handled.
    pub(crate) rejected: Vec<(Waiter, EngineError)>,
    /// The tiles under the viewport must be worked out again (the viewport, a structural edit
    /// or the snapshot changed).
    pub(crate) view_stale: bool,
    pub(crate) viewport: Option<Viewport>,
    /// What a reader could observe changed since the last published version.
    pub(crate) dirty: bool,
    pub(crate) current: Rc<ContentVersion>,
    /// This client's undo and redo stacks.
    pub(crate) stacks: UndoStacks,
    /// Callers waiting until no edit of this client is pending.
    pub(crate) idle_waiters: Vec<Waiter>,
    /// Callers of `when_saved`: answered once idle with the undo and redo stacks saved.
    pub(crate) saved_waiters: Vec<Waiter>,
    /// A save of the undo and redo stacks is in flight.
    pub(crate) saving_undo: bool,
}

impl Core {
    /// A core that is loading: the caller starts with [`Effect::Reload`].
    pub(crate) fn new(options: EngineOptions) -> Self {
        let viewport = options.viewport;
        let tiles = Tiles::new(options.tile_cache_bytes);
        let block_cells = options.block_cells;
        let mut core = Core {
            options,
            closed: false,
            loading: true,
            next_seq: 0,
            base: Base::default(),
            snapshot_seq: None,
            edits: Rc::default(),
            retired: Retired::default(),
            log_io: LogIo::Reloading,
            sync_wanted: false,
            sync_waiters: Vec::new(),
            sync_running: Vec::new(),
            conflict: false,
            reload_wanted: false,
            relearn_snapshot: false,
            missing_index: None,
            pending: Pending::new(block_cells),
            next_edit: 0,
            extent: (0, 0),
            tiles,
            adopt: None,
            running: None,
            queued_snapshot: None,
            gave_up: None,
            flush_deferred: false,
            wrote: false,
            errors: Errors::default(),
            lease: None,
            now_ms: 0,
            rejected: Vec::new(),
            view_stale: false,
            viewport,
            dirty: true,
            current: Rc::new(ContentVersion::empty(viewport)),
            stacks: UndoStacks::default(),
            idle_waiters: Vec::new(),
            saved_waiters: Vec::new(),
            saving_undo: false,
        };
        core.publish_if_changed();
        core
    }

    /// Handles one message, arrived at `now_ms`, to completion; the effects to carry out are
    /// pushed on `fx`.
    pub(crate) fn handle(&mut self, msg: Msg, now_ms: u64, fx: &mut Vec<Effect>) {
        self.now_ms = now_ms;
        if self.closed {
            return self.after_close(msg, fx);
        }
        match msg {
            Msg::Submit { id, operation, time_ms, kind } => self.submit(id, vec![operation], time_ms, kind),
            Msg::SubmitPrepared { id, operations, based_on, time_ms, kind } => {
                self.submit_prepared(id, operations, based_on, time_ms, kind, fx)
            }
            Msg::WhenIdle { waiter } => self.idle_waiters.push(waiter),
            Msg::WhenSaved { waiter } => self.saved_waiters.push(waiter),
            Msg::DropStep(kind) => self.stacks.drop_step(kind),
            Msg::UndoSaved => self.saving_undo = false,
            Msg::SetViewport(viewport) => self.set_viewport(viewport),
            Msg::Sync { waiter } => self.request_sync(waiter, fx),
            Msg::RequestSnapshot { waiter } => self.request_snapshot(waiter, fx),
            Msg::Close => self.close(fx),
            Msg::Reloaded(result) => self.on_reloaded(result, fx),
            Msg::Appended { seq, result } => self.on_appended(seq, result, fx),
            Msg::Page { from, result } => self.on_page(from, result, fx),
            Msg::HistoryRead { from, result } => self.on_history_read(from, result, fx),
            Msg::IndexRead { path, result } => self.on_index_read(path, result),
            Msg::TilesRead { results } => self.on_tiles_read(results),
            Msg::Marked { seq, waiter, result } => self.on_marked(seq, waiter, result, fx),
            Msg::WorkflowDone { seq, workflow, result } => self.on_workflow_done(seq, workflow, result, fx),
            Msg::EntryRead { seq, result } => self.on_entry_read(seq, result, fx),
            Msg::RetryWorkflow { seq, workflow } => self.retry_workflow(seq, workflow, fx),
            Msg::HostFailed(error) => self.errors.workflow = self.errors.stamp(error),
            Msg::FlushWrites => {
                self.flush_deferred = false;
                self.pump_writes(fx);
            }
            Msg::Rebased { seq, layer, rebase } => self.on_rebased(seq, layer, rebase),
        }
        self.settle(fx);
    }

    /// What every message ends with: the viewport's tiles worked out again if needed, callers
    /// rejected, the log put to its next use, a snapshot being adopted moved on.
    fn settle(&mut self, fx: &mut Vec<Effect>) {
        if self.view_stale {
            self.view_stale = false;
            self.refresh_view(fx);
        }
        self.flush_rejections(fx);
        self.kick_log(fx);
        self.try_adopt(fx);
        self.renew_lease(fx);
        self.settle_undo(fx);
    }

    /// Publishes this client's lease (DESIGN.md section 5b, "Lifecycle"): how far it has read
    /// and the snapshot it reads from, so the log is not truncated past it and its snapshot is
    /// not collected. Written when the base changes, when the position moved an interval, and
    /// when a third of its lifetime passed (on any message: the fallback poll is one).
    fn renew_lease(&mut self, fx: &mut Vec<Effect>) {
        if self.loading || self.closed {
            return;
        }
        let (lifetime, now) = (self.options.lease_ms, self.now_ms);
        let base = self.base.path.clone();
        let stale = match &self.lease {
            None => true,
            Some((written, position, written_base)) => {
                *written_base != base
                    || now >= written.saturating_add(lifetime / 3)
                    || self.next_seq >= position.saturating_add(self.options.snapshot_interval)
            }
        };
        if stale {
            self.lease = Some((now, self.next_seq, base.clone()));
            let client = self.options.client_id;
            fx.push(Effect::WriteLease(Lease { client, position: self.next_seq, base, expires_ms: now + lifetime }));
        }
    }

    /// After close, requests are answered `Closed` and results are dropped; a snapshot request
    /// whose mark was being written when the engine closed is answered with the mark's outcome
    /// (its caller waits on nothing else).
    fn after_close(&mut self, msg: Msg, fx: &mut Vec<Effect>) {
        let (waiter, result) = match msg {
            Msg::Submit { id, .. }
            | Msg::SubmitPrepared { id, .. }
            | Msg::WhenIdle { waiter: id }
            | Msg::WhenSaved { waiter: id } => (id, Err(EngineError::Closed)),
            Msg::Sync { waiter } | Msg::RequestSnapshot { waiter } => (waiter, Err(EngineError::Closed)),
            Msg::Marked { seq, waiter: Some(waiter), result } => {
                (waiter, result.map(|()| Reply::Snapshot(Some(seq))).map_err(EngineError::Log))
            }
            _ => return,
        };
        fx.push(Effect::Reply { waiter, result });
    }

    /// Closes: every waiting caller gets `Closed`; nothing runs any more.
    fn close(&mut self, fx: &mut Vec<Effect>) {
        self.closed = true;
        self.save_undo(fx);
        if self.lease.is_some() {
            fx.push(Effect::RemoveLease(self.options.client_id));
        }
        let waiters = self
            .pending
            .edits
            .drain(..)
            .map(|e| e.id)
            .chain(self.sync_waiters.drain(..))
            .chain(self.idle_waiters.drain(..))
            .chain(self.saved_waiters.drain(..))
            .chain(self.sync_running.drain(..));
        for waiter in waiters.collect::<Vec<_>>() {
            fx.push(Effect::Reply { waiter, result: Err(EngineError::Closed) });
        }
        self.pending.in_flight = 0;
    }

    /// Starts the next use of the log if none is in flight: a reload, a sync, or an append.
    pub(crate) fn kick_log(&mut self, fx: &mut Vec<Effect>) {
        if self.closed || self.log_io != LogIo::Idle {
            return;
        }
        if self.reload_wanted && self.pending.edits.is_empty() {
            self.reload_wanted = false;
            self.start_reload(fx);
        } else if self.sync_wanted || self.conflict || !self.sync_waiters.is_empty() {
            self.start_sync(fx);
        } else if !self.pending.edits.is_empty() && !self.flush_deferred {
            // Group commit: the append waits for the edits issued in the same turn.
            self.flush_deferred = true;
            fx.push(Effect::Defer(Msg::FlushWrites));
        }
    }
}
