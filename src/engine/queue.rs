//! The engine's one queue (DESIGN.md section 5b, "One owner"): every change of state is a
//! [`Msg`] handled in order by [`Core::handle`]; this file is the shell around it. It carries out
//! the [`Effect`]s the core asks for (reads and writes of the log and blob store, workflow runs,
//! timers) as background futures whose results come back as messages, answers waiting callers,
//! and tells subscribers after a message changed the current version, never while the state
//! is borrowed.

use std::rc::Rc;

use futures_util::FutureExt as _;

use super::edit_layer::EditLayer;
use super::error::EngineError;
use super::lifecycle::{history_between, remove_lease, write_lease};
use super::loaded_tile::LoadedTile;
use super::open_hint::{read_hint, OpenHint};
use super::sheet::Engine;
use super::state::{Effect, Loaded, Msg};
use super::undo_stack::undo_path;
use super::workflow::{latest_snapshot_from, read_index, read_tiles};
use crate::blob::BlobStore;
use crate::blob::{read_blob, write_path};
use crate::log::{EventLog, LogError, MetadataUpdate, QueryFrom, QueryTo, Workflow};
use crate::snapshot::{decode_undo_record, encode_undo_record};

impl<L: EventLog + 'static, B: BlobStore + 'static> Engine<L, B> {
    /// Handles `msg`, carries out its effects, and tells subscribers when the current version
    /// changed. A message sent while one is being handled (impossible from the core, which never
    /// calls out) waits for it.
    pub(crate) fn dispatch(&self, msg: Msg) {
        let mut effects = Vec::new();
        let now_ms = (self.inner.runtime.now_ms)();
        let published = match self.inner.core.try_borrow_mut() {
            Ok(mut core) => {
                core.handle(msg, now_ms, &mut effects);
                core.publish_if_changed()
            }
            Err(_) => {
                self.inner.deferred.borrow_mut().push_back(msg);
                return;
            }
        };
        for effect in effects {
            self.carry_out(effect);
        }
        if published {
            self.notify();
        }
        let next = self.inner.deferred.borrow_mut().pop_front();
        if let Some(next) = next {
            self.dispatch(next);
        }
    }

    /// Runs `future` in the background and handles the message it yields.
    fn spawn_then(&self, future: impl std::future::Future<Output = Msg> + 'static) {
        let this = self.clone();
        (self.inner.runtime.spawn)(async move { this.dispatch(future.await) }.boxed_local());
    }

    /// Carries out one effect of the core.
    pub(crate) fn carry_out(&self, effect: Effect) {
        let (log, blobs) = (self.inner.log.clone(), self.inner.blobs.clone());
        match effect {
            Effect::Reply { waiter, result } => {
                if let Some(sender) = self.inner.waiters.borrow_mut().remove(&waiter) {
                    let _ = sender.send(result);
                }
            }
            Effect::Reload { undo_key, hint } => {
                let block_cells = self.inner.core.borrow().options.block_cells;
                self.spawn_then(async move {
                    Msg::Reloaded(reload(&*log, &*blobs, undo_key.as_deref(), hint, block_cells).await)
                })
            }
            Effect::SaveUndo(record) => {
                let Some(key) = self.inner.core.borrow().options.undo_key.clone() else { return };
                let (done, saved) = futures_channel::oneshot::channel();
                *self.inner.undo_saved.borrow_mut() = Some(saved);
                self.spawn_then(async move {
                    // Best effort: a failed save keeps the stacks in memory, saved at the next change.
                    let _ = write_path(&*blobs, &undo_path(&key), &encode_undo_record(&record)).await;
                    let _ = done.send(());
                    Msg::UndoSaved
                })
            }
            Effect::Append { seq, entries, hint } => {
                self.spawn_then(async move { Msg::Appended { seq, result: log.add_entries(entries, seq, hint).await } })
            }
            Effect::Query { from, hint } => self.spawn_then(async move {
                Msg::Page { from, result: log.query(QueryFrom::Seq(from), QueryTo::End, hint).await }
            }),
            Effect::ReadHistory { from, to } => self
                .spawn_then(async move { Msg::HistoryRead { from, result: history_between(&*blobs, from, to).await } }),
            Effect::ReadIndex { path } => self.spawn_then(async move {
                let result = read_index(&*blobs, &path).await.map(Rc::new);
                Msg::IndexRead { path, result }
            }),
            Effect::ReadTiles { paths } => self.spawn_then(async move {
                let tiles = read_tiles(&*blobs, &paths).await;
                let results =
                    paths.into_iter().zip(tiles).map(|(p, t)| (p, t.map(|t| Rc::new(LoadedTile::new(t))))).collect();
                Msg::TilesRead { results }
            }),
            Effect::Mark { seq, waiter } => self.spawn_then(async move {
                let mark = MetadataUpdate::default().with_pending(Some(Workflow::Snapshot));
                Msg::Marked { seq, waiter, result: log.set_metadata(seq, mark).await }
            }),
            Effect::RunWorkflow { seq, workflow } => {
                let run = self.inner.host.run(seq, workflow);
                self.spawn_then(async move { Msg::WorkflowDone { seq, workflow, result: run.await } })
            }
            Effect::ReadEntry { seq } => self.spawn_then(async move {
                // The metadata alone: the entry may be a 500,000-cell paste.
                let result = match log.metadata(seq).await {
                    Ok(metadata) => Ok(Some(metadata)),
                    Err(LogError::OutOfRange { .. }) => Ok(None),
                    Err(e) => Err(e),
                };
                Msg::EntryRead { seq, result }
            }),
            Effect::Defer(msg) => self.spawn_then(async move { msg }),
            Effect::Rebase { seq, layer, step } => {
                let pause = self.inner.runtime.pause.clone();
                self.spawn_then(async move {
                    // Writes landing between steps are noted and copied again at the swap, up
                    // to a step's worth.
                    let mut rebase = layer.borrow_mut().start_rebase(seq, step);
                    pause().await;
                    while !layer.borrow().rebase_step(&mut rebase, step) {
                        pause().await;
                    }
                    Msg::Rebased { seq, layer, rebase: Box::new(rebase) }
                })
            }
            Effect::WriteLease(lease) => (self.inner.runtime.spawn)(
                async move {
                    let _ = write_lease(&*blobs, &lease).await;
                }
                .boxed_local(),
            ),
            Effect::RemoveLease(client) => (self.inner.runtime.spawn)(
                async move {
                    let _ = remove_lease(&*blobs, client).await;
                }
                .boxed_local(),
            ),
            Effect::Sleep { ms, then } => {
                let sleep = (self.inner.runtime.sleep)(ms);
                self.spawn_then(async move {
                    sleep.await;
                    then
                })
            }
        }
    }

    /// Calls every subscriber once; one unsubscribed by an earlier one is not called.
    fn notify(&self) {
        let listeners = self.inner.listeners.borrow().clone();
        for (id, listener) in listeners {
            let still = self.inner.listeners.borrow().iter().any(|(i, _)| *i == id);
            if still {
                listener();
            }
        }
    }
}

/// Reads the latest snapshot's index and replays the entries after it into a new edit layer
/// (DESIGN.md section 5, "Open"), page by page; writes of at least `block_cells` cells that fill
/// a rectangle become blocks. The blobs of `hint` are read beside the log's first query: its
/// index is used when the log names it, its tiles are handed over to be cached.
async fn reload<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    undo_key: Option<&str>,
    hint: OpenHint,
    block_cells: usize,
) -> Result<Loaded, EngineError> {
    // The undo record is this tab's convenience: missing or damaged, the stacks start empty.
    let undo = async {
        match undo_key {
            Some(key) => read_blob(blobs, &undo_path(key)).await.ok().and_then(|b| decode_undo_record(&b).ok()),
            None => None,
        }
    };
    // Independent reads, in flight at once: each round trip waits for a main thread that is
    // busy with the page's own start while a page loads (BENCHMARKS.md, stop 31).
    let head = log.query(QueryFrom::Snapshot, QueryTo::End, None);
    let (undo, head, hinted) = futures_util::future::join3(undo, head, read_hint(blobs, hint)).await;
    let (latest, head) = latest_snapshot_from(log, blobs, head?, hinted.index).await?;
    let (start, snapshot) = match latest {
        Some((info, index)) => (info.seq, Some((info.snapshot, index))),
        // Without a snapshot the log's answer starts at its first retained entry.
        None if head.first > 0 => return Err(EngineError::MissingHistory { start: head.first }),
        None => (0, None),
    };
    // The answer that named the snapshot holds the first page to replay (stop 34).
    let mut first_page = (head.first == start).then_some(head);
    let extent = snapshot.as_ref().map_or((0, 0), |(_, i)| (i.row_count, i.col_count));
    let sizes = snapshot.as_ref().map(|(_, i)| i.sizes.clone()).unwrap_or_default();
    let mut edits = EditLayer::over(start, extent).with_sizes(sizes).with_block_cells(block_cells);
    let mut next = start;
    let mut pending_workflow = None;
    loop {
        let page = match first_page.take() {
            Some(page) => page,
            None => log.query(QueryFrom::Seq(next), QueryTo::End, None).await?,
        };
        let (following, last) = (page.next(), page.is_complete || page.entries.is_empty());
        for (i, entry) in page.entries.into_iter().enumerate() {
            let seq = next + i as u64;
            if let Some(workflow) = entry.metadata.pending {
                pending_workflow = Some((seq, workflow));
            }
            edits.apply_owned(seq, entry.operation);
        }
        next = following;
        if last {
            return Ok(Loaded { snapshot, edits, next, pending_workflow, undo, hinted_tiles: hinted.tiles });
        }
    }
}
