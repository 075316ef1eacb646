//! Model-based property test of the engine (DESIGN.md sections 5b and 8): three engines on one
//! log make random cell writes, batch writes, range clears and structural edits, **without
//! waiting for each other**, so their appends conflict and their pending edits are transformed
//! through each other's structural edits; snapshots (by the interval, by an outside worker),
//! compactions, rebases onto them, syncs and reopens happen in between, and now and then a
//! client's workflow host reports that it cannot run (a worker that failed to load).
//!
//! The reference is naive: rows and columns have identities, and every edit's intent is fixed
//! when it is made (the logical cells it writes, the logical rows it deletes, the row it inserts
//! before). Entries are applied to the reference in log order, known from the sequence ids each
//! edit resolves with. After **every step** each engine's newest version must equal the
//! reference as that engine sees it (the log prefix it applied, plus its own pending edits), and
//! every version held from an earlier step must still read as it did. Every edit must end
//! acknowledged at its intended cells, or rejected exactly when another writer deleted all its
//! targets first; after a final sync all engines agree.
//!
//! The storage lifecycle runs throughout (DESIGN.md section 5b): every snapshot is followed by
//! its history and, when every client's lease has passed it, a truncation of the log; garbage
//! is collected every few entries. A client **sleeps** when the clock moves past its lease: the
//! log may then be truncated past it, and it catches up from history (transforming its pending
//! edits) or reloads. After every garbage collection no blob under `snapshots/` is left that no
//! kept snapshot or open client references; at the end the log is short again.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use engine_common::logical::{
    check_sizes, edit, import_csv, import_intent, make, write_layer, Axis, Edit, Id, Intent, Sheet,
};
use engine_common::{run_chain, small_tiles, test_retention, Harness};
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::{ContentVersion, Engine, EngineError, EngineOptions, LoadStatus, OpenHint, Viewport};
use sheetlog::log::{EventLog, MemoryEventLog, Operation, QueryFrom, QueryTo, SequenceId, Workflow};
use sheetlog::snapshot::TileSize;

/// Positions edits use; the check covers a few more.
const SIDE: u64 = 10;
const CHECKED: u64 = SIDE + 4;
/// Rows and columns the reference starts with (the sheet's axes are unbounded).
const AXIS: u64 = 400;
const CLIENTS: usize = 3;

#[derive(Debug, Clone)]
enum Step {
    /// A client makes an edit; nothing runs yet, so edits of several clients race.
    Edit {
        client: usize,
        edit: Edit,
    },
    /// Everything spawned runs until nothing can progress.
    Run,
    Sync {
        client: usize,
    },
    /// An outside worker snapshots the log's end (as another tab's worker would).
    Snapshot,
    Compact,
    /// A client closes and opens again, with the open hint (`EngineOptions::open_hint`) picked
    /// by `hint` among none and those of earlier reopens (stale ones too): the hint changes
    /// what is read early, never what is shown.
    Reopen {
        client: usize,
        hint: usize,
    },
    /// The clock moves past every lease: clients that do nothing until they next run count as
    /// closed, and the log may be truncated past them.
    Sleep,
    /// An outside worker collects garbage on the latest snapshot.
    Gc,
    Hold {
        client: usize,
    },
    /// A client imports a CSV as a layer: its tiles are written (as the worker would), then the
    /// client appends the one entry; `empty` picks the empty fields.
    Import {
        client: usize,
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
        empty: u64,
    },
    /// A client's workflow host says it cannot run workflows (a worker that failed to load,
    /// `Engine::report_host_failure`): its load status shows it at once, and nothing it reads or
    /// writes changes.
    HostFails {
        client: usize,
    },
    /// A client writes an import's tiles and never appends its entry (a crash, a closed tab, a
    /// killed worker): garbage collection takes them once they are older than the retention's
    /// `abandoned_import_ms`, and keeps them until then.
    Abandon {
        client: usize,
        rows: u64,
        cols: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let client = 0..CLIENTS;
    prop_oneof![
        14 => (client.clone(), edit(SIDE)).prop_map(|(client, edit)| Step::Edit { client, edit }),
        4 => Just(Step::Run),
        3 => client.clone().prop_map(|client| Step::Sync { client }),
        1 => Just(Step::Snapshot),
        1 => Just(Step::Compact),
        1 => (client.clone(), any::<usize>()).prop_map(|(client, hint)| Step::Reopen { client, hint }),
        1 => client.clone().prop_map(|client| Step::Hold { client }),
        1 => Just(Step::Sleep),
        1 => Just(Step::Gc),
        2 => (client, 0..SIDE, 0..SIDE, 1..6u64, 1..4u64, any::<u64>())
            .prop_map(|(client, row, col, rows, cols, empty)| Step::Import { client, row, col, rows, cols, empty }),
        1 => (0..CLIENTS, 1..9u64, 1..6u64).prop_map(|(client, rows, cols)| Step::Abandon { client, rows, cols }),
        1 => (0..CLIENTS).prop_map(|client| Step::HostFails { client }),
    ]
}

// ---- the reference: logical rows and columns (engine_common::logical) ----

/// What the reference expects of an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Committed as at least one entry.
    Committed,
    /// Nothing was left to do (its rows were already deleted): resolved with no entry.
    Nothing,
    /// Every target was deleted by another writer first: rejected.
    Rejected,
}

impl Sheet {
    /// Whether `intent` would do anything now.
    fn outcome(&self, intent: &Intent) -> Outcome {
        match intent {
            Intent::Write(cells) if !cells.is_empty() && cells.iter().all(|(id, _)| !self.live(*id)) => {
                Outcome::Rejected
            }
            Intent::Clear { rows, cols }
                if rows.iter().all(|r| self.rows.dead.contains(r))
                    || cols.iter().all(|c| self.cols.dead.contains(c)) =>
            {
                Outcome::Nothing
            }
            Intent::Resize { rows, sizes } => {
                let axis = if *rows { &self.rows } else { &self.cols };
                if sizes.iter().all(|(id, _)| axis.dead.contains(id)) {
                    Outcome::Nothing
                } else {
                    Outcome::Committed
                }
            }
            Intent::Delete { rows, ids } => {
                let axis = if *rows { &self.rows } else { &self.cols };
                if ids.iter().all(|id| axis.dead.contains(id)) {
                    Outcome::Nothing
                } else {
                    Outcome::Committed
                }
            }
            // The import's tiles follow the grid at its rectangle: it lands only where it is.
            Intent::Import { row, col, rows, cols, .. } => {
                let in_place = |axis: &Axis, start: usize, ids: &[Id]| {
                    ids.iter().enumerate().all(|(k, id)| axis.position(*id) == Some(start + k))
                };
                if in_place(&self.rows, *row, rows) && in_place(&self.cols, *col, cols) {
                    Outcome::Committed
                } else {
                    Outcome::Rejected
                }
            }
            _ => Outcome::Committed,
        }
    }

    /// Another writer's `intent` is about to be applied before the pending intents of one
    /// client (oldest first): an insert whose anchor it deletes moves to the next surviving item
    /// of the view it was made in (this sheet with the earlier pending edits applied).
    fn move_anchors(&self, intent: &Intent, pending: &mut [Intent]) {
        let Intent::Delete { rows: deleted_rows, ids: deleted } = intent else { return };
        let before: Vec<Intent> = pending.to_vec();
        for (i, p) in pending.iter_mut().enumerate() {
            let Intent::Insert { rows, anchor, .. } = p else { continue };
            if rows != deleted_rows || !deleted.contains(anchor) {
                continue;
            }
            let mut view = self.clone();
            for earlier in &before[..i] {
                if matches!(earlier, Intent::Insert { .. } | Intent::Delete { .. }) {
                    view.apply(earlier);
                }
            }
            let axis = if *rows { &view.rows } else { &view.cols };
            let from = axis.position(*anchor).expect("anchor visible");
            *anchor = *axis.visible[from..].iter().find(|v| !deleted.contains(v)).expect("items never run out");
        }
    }
}

/// An edit made by a client, its intent, and what became of it.
struct Made {
    client: usize,
    intent: Intent,
    /// The log position the client's engine had applied when the edit was made.
    synced: SequenceId,
    /// The engine's answer, once it came.
    answer: Option<Result<Range<SequenceId>, EngineError>>,
    future: Option<LocalBoxFuture<'static, Result<Range<SequenceId>, EngineError>>>,
}

/// Replays the log known so far to work out the sheet after the entries before `upto` and, for
/// `client`, with its edits not yet in that prefix applied on top (what its engine shows). Also
/// returns the outcome the reference expects for each edit it could decide.
fn replay(made: &[Made], client: Option<usize>, upto: SequenceId) -> Result<(Sheet, HashMap<usize, Outcome>), String> {
    let mut by_seq: Vec<(SequenceId, usize)> = made
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match &m.answer {
            Some(Ok(range)) if !range.is_empty() => Some((range.start, i)),
            _ => None,
        })
        .collect();
    by_seq.sort_unstable();
    let mut sheet = Sheet::new(AXIS);
    let mut outcomes = HashMap::new();
    // Per client, its edits not yet applied or decided, in the order it made them.
    let mut pending: Vec<Vec<(usize, Intent)>> = vec![Vec::new(); CLIENTS];
    for (i, m) in made.iter().enumerate() {
        pending[m.client].push((i, m.intent.clone()));
    }
    for (seq, i) in by_seq.into_iter().take_while(|(seq, _)| *seq < upto) {
        let writer = made[i].client;
        let Some(slot) = pending[writer].iter().position(|(j, _)| *j == i) else {
            return Err(format!(
                "edit {i} committed at {seq}, but the reference had decided it: {:?}",
                outcomes.get(&i)
            ));
        };
        let (_, intent) = pending[writer].remove(slot);
        for (other, list) in pending.iter_mut().enumerate() {
            if other == writer {
                continue;
            }
            // Only the edits made before their client applied this entry are transformed by it.
            let split = list.iter().take_while(|(j, _)| made[*j].synced <= seq).count();
            let mut intents: Vec<Intent> = list[..split].iter().map(|(_, t)| t.clone()).collect();
            sheet.move_anchors(&intent, &mut intents);
            for ((_, t), moved) in list[..split].iter_mut().zip(intents) {
                *t = moved;
            }
        }
        sheet.apply(&intent);
        outcomes.insert(i, Outcome::Committed);
        // Edits this entry left with nothing to do are decided now.
        for list in pending.iter_mut() {
            list.retain(|(j, t)| match sheet.outcome(t) {
                // An import's rectangle is positions in the sheet its client had synced to:
                // checked only once the replay reached that point.
                _ if matches!(t, Intent::Import { .. }) && seq + 1 < made[*j].synced => true,
                Outcome::Committed => true,
                other => {
                    outcomes.insert(*j, other);
                    false
                }
            });
        }
    }
    if let Some(client) = client {
        // A pending import is not shown: its layer is read once its entry is durable.
        for (_, intent) in pending[client].iter().filter(|(_, t)| !matches!(t, Intent::Import { .. })) {
            sheet.apply(intent);
        }
    }
    Ok((sheet, outcomes))
}

fn check(version: &ContentVersion, sheet: &Sheet, what: &str) -> Result<(), TestCaseError> {
    for row in 0..CHECKED {
        for col in 0..CHECKED {
            let expected = sheet.cell(row, col);
            let actual = version.cell(row, col);
            prop_assert_eq!(actual.as_ref(), expected, "{} cell ({}, {})", what, row, col);
        }
    }
    prop_assert_eq!((version.row_count(), version.column_count()), sheet.extent(), "{} counts", what);
    check_sizes(version, sheet, CHECKED, what)
}

type TestEngine = Engine<MemoryEventLog, MemoryBlobStore>;

fn run_steps(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut h = Harness::new();
    let log = MemoryEventLog::with_page_size(5);
    let blobs = MemoryBlobStore::with_page_size(3);
    let tiles = TileSize::new(4, 4).unwrap();
    let open = |h: &mut Harness, open_hint: OpenHint| -> TestEngine {
        h.open_layered(log.clone(), blobs.clone(), EngineOptions { open_hint, ..small_tiles(4) }, 2)
    };
    let mut engines: Vec<TestEngine> = (0..CLIENTS).map(|_| open(&mut h, OpenHint::default())).collect();
    // Hints made by clients at their reopens, of a viewport of a few tiles picked by the step.
    let mut hints: Vec<OpenHint> = Vec::new();
    let mut made: Vec<Made> = Vec::new();
    // Abandoned imports: their dir and when they started (the harness clock).
    let mut abandoned: Vec<(String, u64)> = Vec::new();
    let mut held: Vec<(Rc<ContentVersion>, Sheet, String)> = Vec::new();
    let mut next_id: Id = 10_000_000;
    let mut counter = 0.0;
    let mut slept = false;
    // Clients told their host failed (until they reopen): their load status may stay `error`
    // until one of their workflows succeeds.
    let mut host_failed = [false; CLIENTS];
    let poll_answers = |made: &mut Vec<Made>| {
        for m in made.iter_mut() {
            if let Some(result) = m.future.as_mut().and_then(|f| f.now_or_never()) {
                m.answer = Some(result);
                m.future = None;
            }
        }
    };
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Edit { client, edit } => {
                let engine = &engines[*client];
                let synced = engine.snapshot().log_info().sequence_id;
                let (view, _) = replay(&made, Some(*client), synced).map_err(TestCaseError::fail)?;
                let (future, intent) = make(engine, &view, edit, &mut next_id, &mut counter);
                made.push(Made { client: *client, intent, synced, answer: None, future: Some(future) });
                // The edit shows at once, before anything runs: read through the pending overlay
                // (where a batch of 2 or more cells filling a rectangle is a block).
                let version = engine.snapshot();
                let seq = version.log_info().sequence_id;
                let (sheet, _) = replay(&made, Some(*client), seq).map_err(TestCaseError::fail)?;
                check(&version, &sheet, &format!("step {i} {step:?}: client {client} before anything ran"))?;
            }
            Step::Run => h.run(async {}),
            Step::Sync { client } => {
                let sync = engines[*client].sync();
                h.run(sync).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
            }
            Step::Snapshot => {
                h.run(async {});
                let end = h.run(log.bounds()).unwrap().end;
                if end > 0 {
                    run_chain(&mut h, &log, &blobs, end - 1, Workflow::Snapshot, tiles);
                }
            }
            Step::Compact => {
                let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
                if let Some(info) = latest {
                    run_chain(&mut h, &log, &blobs, info.seq, Workflow::Compact, tiles);
                }
            }
            Step::Sleep => h.clock.set(h.clock.get() + 301_000),
            Step::Gc => {
                h.run(async {});
                let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
                if let Some(info) = latest {
                    run_chain(&mut h, &log, &blobs, info.seq, Workflow::Gc, tiles);
                    no_unreferenced_blobs(&mut h, &blobs)?;
                    abandoned_imports_collected(&mut h, &blobs, &abandoned)?;
                }
            }
            Step::Reopen { client, hint } => {
                h.run(async {});
                poll_answers(&mut made);
                let idle = made.iter().all(|m| m.client != *client || m.answer.is_some());
                if idle {
                    let (rows, cols) = ((hint % 7) as f64 * 30.0, (hint / 7 % 5) as f64 * 100.0);
                    let viewport =
                        Viewport { row_min_offset: rows, column_min_offset: cols, width: 250.0, height: 150.0 };
                    hints.push(engines[*client].open_hint(Some(viewport)));
                    let pick = hint % (hints.len() + 1);
                    let chosen = pick.checked_sub(1).map(|k| hints[k].clone()).unwrap_or_default();
                    engines[*client].close();
                    engines[*client] = open(&mut h, chosen);
                    host_failed[*client] = false;
                }
            }
            // Made by an idle client only: its rectangle is then fixed in the committed sheet,
            // where the reference checks it stays whole and in place as others' entries land
            // (a client's own pending edits would move the frame its intent is written in).
            Step::Import { client, .. } if made.iter().any(|m| m.client == *client && m.answer.is_none()) => {}
            Step::Import { client, row, col, rows, cols, empty } => {
                let engine = &engines[*client];
                let (text, values) = import_csv(*rows, *cols, *empty, &mut counter);
                let dir = format!("imports/{:013}-model-{i}", h.clock.get());
                let written = write_layer(&mut h, engine, text, (*row, *col), dir, 7).map_err(TestCaseError::fail)?;
                let synced = engine.snapshot().log_info().sequence_id;
                let (view, _) = replay(&made, Some(*client), synced).map_err(TestCaseError::fail)?;
                prop_assert!(written.layer.is_some(), "every row is a record: the import has a layer");
                let intent = import_intent(&view, *row, *col, *cols, values);
                // The commit itself (`commit_import_layer` also requests a snapshot after it).
                let layer = written.layer.expect("checked above");
                let future = engine.submit(Operation::Import(layer));
                made.push(Made { client: *client, intent, synced, answer: None, future: Some(future) });
            }
            Step::Abandon { client, rows, cols } => {
                let engine = &engines[*client];
                let (text, _) = import_csv(*rows, *cols, 0, &mut counter);
                let dir = format!("imports/{:013}-abandoned-{i}", h.clock.get());
                let written =
                    write_layer(&mut h, engine, text, (0, 0), dir.clone(), 11).map_err(TestCaseError::fail)?;
                prop_assert!(written.layer.is_some(), "the abandoned import wrote tiles");
                abandoned.push((dir, h.clock.get()));
            }
            Step::HostFails { client } => {
                let message = format!("the worker of step {i} did not load");
                engines[*client]
                    .report_host_failure(EngineError::Worker { workflow: "snapshot", message: message.clone() });
                host_failed[*client] = true;
                let status = engines[*client].snapshot().load_status().clone();
                prop_assert!(
                    matches!(&status, LoadStatus::Error(EngineError::Worker { message: m, .. }) if *m == message),
                    "step {}: client {} shows its host's failure at once: {:?}",
                    i,
                    client,
                    status
                );
            }
            Step::Hold { client } => {
                let version = engines[*client].snapshot();
                let (sheet, _) =
                    replay(&made, Some(*client), version.log_info().sequence_id).map_err(TestCaseError::fail)?;
                held.push((version, sheet, format!("held at step {i} by client {client}")));
            }
        }
        poll_answers(&mut made);
        slept |= matches!(step, Step::Sleep);
        let start = h.run(log.bounds()).unwrap().start;
        // What that run made durable is answered too (a pending import shows only once durable).
        poll_answers(&mut made);
        for (c, engine) in engines.iter().enumerate() {
            let version = engine.snapshot();
            let seq = version.log_info().sequence_id;
            // Until a client sleeps past its lease, the log is never truncated past it.
            prop_assert!(
                slept || start <= seq,
                "step {}: the log starts at {}, past client {} at {}",
                i,
                start,
                c,
                seq
            );
            let (sheet, _) = replay(&made, Some(c), seq).map_err(TestCaseError::fail)?;
            check(&version, &sheet, &format!("step {i} {step:?}: client {c} at {seq}"))?;
        }
        for (version, sheet, what) in &held {
            check(version, sheet, what)?;
        }
    }
    // Everything settles: every edit answered, every engine synced, all agree with the log.
    h.run(async {});
    for engine in &engines {
        h.run(engine.sync()).unwrap();
    }
    poll_answers(&mut made);
    let end = h.run(log.bounds()).unwrap().end;
    let (truth, outcomes) = replay(&made, None, end).map_err(TestCaseError::fail)?;
    for (c, engine) in engines.iter().enumerate() {
        let version = engine.snapshot();
        // A reported host failure stands until a workflow of that client succeeds.
        let settled = match version.load_status() {
            LoadStatus::Ready => true,
            LoadStatus::Error(EngineError::Worker { .. }) => host_failed[c],
            _ => false,
        };
        prop_assert!(settled, "client {} settled: {:?}", c, version.load_status());
        prop_assert_eq!(version.log_info().sequence_id, end, "client {} at the end", c);
        check(&version, &truth, &format!("client {c} after the final sync"))?;
    }
    for (i, m) in made.iter().enumerate() {
        let answer = m.answer.as_ref().expect("every edit is answered once all is synced");
        let expected = outcomes.get(&i).copied();
        match (answer, expected) {
            (Ok(range), Some(Outcome::Committed)) if !range.is_empty() => {}
            (Ok(range), Some(Outcome::Nothing)) if range.is_empty() => {}
            (Err(EngineError::TargetDeleted { .. }), Some(Outcome::Rejected)) => {}
            (answer, expected) => {
                prop_assert!(
                    false,
                    "edit {} by client {} ({:?}): answered {:?}, expected {:?}",
                    i,
                    m.client,
                    m.intent,
                    answer,
                    expected
                )
            }
        }
    }
    // The hint of a client before the log's truncation and GC, given to both fresh clients: the
    // blobs it names may be gone by the second.
    let viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 250.0, height: 150.0 };
    let last_hint = engines[0].open_hint(Some(viewport));
    let fresh = open(&mut h, last_hint.clone());
    check(&fresh.snapshot(), &truth, "a fresh client")?;
    // Once every client has caught up, the history workflow on the latest snapshot truncates
    // the log up to it.
    let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
    if let Some(info) = &latest {
        run_chain(&mut h, &log, &blobs, info.seq, Workflow::History, tiles);
        let bounds = h.run(log.bounds()).unwrap();
        prop_assert_eq!(bounds.start, info.seq, "the log is truncated to the latest snapshot");
    }
    if let Some(info) = &latest {
        run_chain(&mut h, &log, &blobs, info.seq, Workflow::Gc, tiles);
        no_unreferenced_blobs(&mut h, &blobs)?;
    }
    let fresh = open(&mut h, last_hint);
    check(&fresh.snapshot(), &truth, "a fresh client after truncation and GC")?;
    Ok(())
}

/// Every blob under `snapshots/` is referenced by a snapshot the catalog keeps or by the
/// snapshot a live lease reads from.
/// After a GC: every abandoned import older than the retention's `abandoned_import_ms` is gone,
/// and every younger one is whole. (Committed imports are checked by the reads: their cells,
/// the held versions and time travel read their tiles.)
fn abandoned_imports_collected(
    h: &mut Harness,
    blobs: &MemoryBlobStore,
    abandoned: &[(String, u64)],
) -> Result<(), TestCaseError> {
    use sheetlog::blob::{BlobDir, BlobStore};
    let after = test_retention().abandoned_import_ms;
    for (dir, started) in abandoned {
        let name = dir.strip_prefix("imports/").expect("import dirs are under imports/");
        let imports = h.run(blobs.root().dir("imports")).unwrap();
        let handle = h.run(imports.dir(name)).unwrap();
        let left = h.run(handle.list(None)).unwrap().entries.len();
        if h.clock.get() - started >= after {
            prop_assert_eq!(left, 0, "{} is abandoned and {} ms old: collected", dir, h.clock.get() - started);
        } else {
            prop_assert!(left > 0, "{} is abandoned but only {} ms old: kept", dir, h.clock.get() - started);
        }
    }
    Ok(())
}

fn no_unreferenced_blobs(h: &mut Harness, blobs: &MemoryBlobStore) -> Result<(), TestCaseError> {
    use sheetlog::blob::{BlobDir, BlobStore, EntryKind};
    use sheetlog::engine::lifecycle::read_catalog;
    use sheetlog::engine::workflow::read_index;
    let catalog = h.run(read_catalog(blobs)).unwrap();
    let mut live = std::collections::HashSet::new();
    let mut indexes: Vec<String> = catalog.snapshots.iter().map(|(_, p)| p.clone()).collect();
    let clients = h.run(blobs.root().dir("clients")).unwrap();
    let page = h.run(clients.list(None)).unwrap();
    for entry in page.entries {
        let lease = sheetlog::snapshot::decode_lease(&h.run(clients.read(&entry.name)).unwrap()).unwrap();
        if lease.expires_ms > h.clock.get() {
            indexes.extend(lease.base);
        }
    }
    for path in indexes {
        // A lease may name a snapshot collected while its client was adopting it (the client
        // then adopts the newer one); it references nothing then.
        let Ok(index) = h.run(read_index(blobs, &path)) else { continue };
        live.insert(path);
        live.extend(index.layers.iter().flat_map(|l| l.tiles.values().cloned()));
    }
    let mut dirs = vec![(h.run(blobs.root().dir("snapshots")).unwrap(), "snapshots".to_owned())];
    while let Some((dir, prefix)) = dirs.pop() {
        let mut continuation = None;
        loop {
            let page = h.run(dir.list(continuation.as_ref())).unwrap();
            for entry in page.entries {
                let path = format!("{prefix}/{}", entry.name);
                match entry.kind {
                    EntryKind::Blob => prop_assert!(live.contains(&path), "{} is referenced by nothing kept", path),
                    EntryKind::Dir => dirs.push((h.run(dir.dir(&entry.name)).unwrap(), path)),
                }
            }
            match page.continuation {
                Some(next) => continuation = Some(next),
                None => break,
            }
        }
    }
    let _ = test_retention();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn engines_match_a_naive_logical_grid(steps in prop::collection::vec(step(), 1..70)) {
        run_steps(steps)?;
    }
}
