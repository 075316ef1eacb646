//! Model-based property test of time travel and undo (the time-travel issue): two clients on
//! one log make random edits and CSV imports (as layers), undo and redo them, while snapshots, compactions, history,
//! truncation, garbage collection, sleeps past the leases and reopens happen in between. The
//! undo stacks' saves are held by the store through every step and let go only when a client
//! about to reopen asks `when_saved` (as a page that reloads itself), so the reopened client's
//! stacks, which the later undos are checked against, are the ones `when_saved` promised.
//!
//! The reference is the naive sheet of logical rows and columns (`engine_common::logical`),
//! kept after **every** entry: `states[p]` is the sheet after the entries before `p`. Edits are
//! made one at a time on a synced client, so each is one entry with an intent fixed in logical
//! terms. An undo in the reference inverts a step's entries newest first from the states around
//! them (previous contents for writes and clears; new rows holding the deleted rows' cells,
//! before the item that followed them; the inserted rows deleted; for an import, its rectangle
//! emptied, split where later entries inserted rows or columns inside it, in the order the
//! transform splits it, then what it held written back), then moves each
//! insertion point through the later entries one by one (to the next surviving item when an
//! entry deletes it) and applies the result to the current sheet, dropping writes to deleted
//! rows or columns; a step left with nothing but dropped writes is skipped. Each client keeps
//! its own undo and redo stacks; the other client's entries in between are what the undo is
//! transformed through.
//!
//! After every step: for a random entry `s`, `version_at(s)` on a random client equals
//! `states[s + 1]`; every client, synced, equals the newest state; `can_undo` and `can_redo`
//! match the reference's stacks. After a reopen the stacks are the saved ones.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::collections::HashMap;
use std::ops::Range;

use engine_common::logical::{
    check_sizes, edit, import_csv, import_intent, make, write_layer, Edit, Id, Intent, Sheet,
};
use engine_common::{run_chain, small_tiles, CountingBlobs, Harness};
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::{ContentVersion, Engine, EngineError, EngineOptions, LoadStatus, UndoOutcome};
use sheetlog::log::{EventLog, MemoryEventLog, QueryFrom, QueryTo, SequenceId, Workflow};
use sheetlog::snapshot::{CellContent, TileSize};

const SIDE: u64 = 8;
const CHECKED: u64 = SIDE + 4;
const AXIS: u64 = 300;
const CLIENTS: usize = 2;

#[derive(Debug, Clone)]
enum Step {
    Edit {
        client: usize,
        edit: Edit,
    },
    Undo {
        client: usize,
    },
    Redo {
        client: usize,
    },
    Snapshot,
    Compact,
    Gc,
    /// The clock moves past every lease: the log may be truncated past idle clients.
    Sleep,
    Reopen {
        client: usize,
    },
    /// A CSV of `rows` × `cols` numbers imported as a layer at (`row`, `col`) by `client`
    /// (`empty`: which fields are empty, as `import_csv` reads it): one entry, one undo step.
    Import {
        client: usize,
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
        empty: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let client = 0..CLIENTS;
    prop_oneof![
        10 => (client.clone(), edit(SIDE)).prop_map(|(client, edit)| Step::Edit { client, edit }),
        5 => client.clone().prop_map(|client| Step::Undo { client }),
        3 => client.clone().prop_map(|client| Step::Redo { client }),
        1 => Just(Step::Snapshot),
        1 => Just(Step::Compact),
        1 => Just(Step::Gc),
        1 => Just(Step::Sleep),
        1 => client.clone().prop_map(|client| Step::Reopen { client }),
        2 => (client, 0..SIDE, 0..SIDE, 1..6u64, 1..4u64, any::<u64>())
            .prop_map(|(client, row, col, rows, cols, empty)| Step::Import { client, row, col, rows, cols, empty }),
    ]
}

/// One client's stacks in the reference: steps as runs of sequence ids, the newest last.
#[derive(Debug, Clone, Default)]
struct Stacks {
    undo: Vec<Vec<Range<SequenceId>>>,
    redo: Vec<Vec<Range<SequenceId>>>,
}

/// The reference: the sheet after every entry, every entry's intent, each client's stacks.
struct Model {
    states: Vec<Sheet>,
    intents: Vec<Intent>,
    stacks: Vec<Stacks>,
    next_id: Id,
}

fn axis(sheet: &Sheet, rows: bool) -> &engine_common::logical::Axis {
    if rows {
        &sheet.rows
    } else {
        &sheet.cols
    }
}

/// What undoes `intent`, made on `before` and giving `after`, in logical terms. Deleted items
/// come back as new items (fresh ids from `next_id`) holding the deleted cells: to every other
/// edit they are new rows or columns, as to the engine's transform.
fn inverse(
    before: &Sheet,
    after: &Sheet,
    intent: &Intent,
    next_id: &mut Id,
    renamed: &mut HashMap<Id, Id>,
) -> Vec<Intent> {
    let previous = |id: &(Id, Id)| {
        before.cells.get(id).filter(|c| !c.is_tombstone()).cloned().unwrap_or_else(CellContent::tombstone)
    };
    match intent {
        Intent::Write(cells) => {
            let mut seen = std::collections::HashSet::new();
            vec![Intent::Write(
                cells.iter().filter(|(id, _)| seen.insert(*id)).map(|(id, _)| (*id, previous(id))).collect(),
            )]
        }
        Intent::Clear { rows, cols } => {
            let held = rows
                .iter()
                .flat_map(|r| cols.iter().map(move |c| (*r, *c)))
                .filter(|id| before.live(*id) && before.cells.get(id).is_some_and(|c| !c.is_tombstone()))
                .map(|id| (id, previous(&id)))
                .collect::<Vec<_>>();
            if held.is_empty() {
                Vec::new()
            } else {
                vec![Intent::Write(held)]
            }
        }
        // As the engine undoes an import: the rectangle emptied, then what it held written back.
        Intent::Import { rows, cols, .. } => {
            let held: Vec<((Id, Id), CellContent)> = rows
                .iter()
                .flat_map(|r| cols.iter().map(move |c| (*r, *c)))
                .filter(|id| before.cells.get(id).is_some_and(|c| !c.is_tombstone()))
                .map(|id| (id, previous(&id)))
                .collect();
            let mut out = vec![Intent::Clear { rows: rows.clone(), cols: cols.clone() }];
            if !held.is_empty() {
                out.push(Intent::Write(held));
            }
            out
        }
        Intent::Insert { rows, new, .. } => vec![Intent::Delete { rows: *rows, ids: new.clone() }],
        Intent::Delete { rows, ids } => {
            let at = axis(before, *rows).position(ids[0]).expect("deleted items were visible");
            let anchor = axis(after, *rows).visible[at];
            let others = axis(before, !*rows);
            let fresh: Vec<Id> = (0..ids.len() as u64).map(|i| *next_id + i).collect();
            *next_id += ids.len() as u64;
            renamed.extend(ids.iter().copied().zip(fresh.iter().copied()));
            let cell = |item: Id, other: Id| if *rows { (item, other) } else { (other, item) };
            let held: Vec<((Id, Id), CellContent)> = ids
                .iter()
                .zip(&fresh)
                .flat_map(|(id, new)| others.visible.iter().map(move |other| (cell(*id, *other), cell(*new, *other))))
                .filter(|(old, _)| before.cells.get(old).is_some_and(|c| !c.is_tombstone()))
                .map(|(old, new)| (new, previous(&old)))
                .collect();
            let sizes: Vec<(Id, Option<u32>)> = ids
                .iter()
                .zip(&fresh)
                .filter_map(|(id, new)| before.sizes.get(id).map(|px| (*new, Some(*px))))
                .collect();
            let mut out = vec![Intent::Insert { rows: *rows, anchor, new: fresh }];
            if !held.is_empty() {
                out.push(Intent::Write(held));
            }
            if !sizes.is_empty() {
                out.push(Intent::Resize { rows: *rows, sizes });
            }
            out
        }
        Intent::Resize { rows, sizes } => vec![Intent::Resize {
            rows: *rows,
            sizes: sizes.iter().map(|(id, _)| (*id, before.sizes.get(id).copied())).collect(),
        }],
    }
}

/// The items of `ids` still visible on `axis`, in runs of consecutive positions, in order.
fn visible_runs(axis: &engine_common::logical::Axis, ids: &[Id]) -> Vec<Vec<Id>> {
    let mut positions: Vec<usize> = ids.iter().filter_map(|id| axis.position(*id)).collect();
    positions.sort_unstable();
    let mut out: Vec<Vec<Id>> = Vec::new();
    let mut last: Option<usize> = None;
    for p in positions {
        match (out.last_mut(), last) {
            (Some(run), Some(l)) if l + 1 == p => run.push(axis.visible[p]),
            _ => out.push(vec![axis.visible[p]]),
        }
        last = Some(p);
    }
    out
}

/// `intent` with the items of `renamed` replaced.
fn rename(intent: Intent, renamed: &HashMap<Id, Id>) -> Intent {
    let id = |i: Id| renamed.get(&i).copied().unwrap_or(i);
    match intent {
        Intent::Write(cells) => Intent::Write(cells.into_iter().map(|((r, c), v)| ((id(r), id(c)), v)).collect()),
        Intent::Clear { rows, cols } => {
            Intent::Clear { rows: rows.into_iter().map(id).collect(), cols: cols.into_iter().map(id).collect() }
        }
        Intent::Insert { rows, anchor, new } => Intent::Insert { rows, anchor: id(anchor), new },
        Intent::Delete { rows, ids } => Intent::Delete { rows, ids: ids.into_iter().map(id).collect() },
        Intent::Resize { rows, sizes } => {
            Intent::Resize { rows, sizes: sizes.into_iter().map(|(i, size)| (id(i), size)).collect() }
        }
        Intent::Import { row, col, rows, cols, cells } => Intent::Import {
            row,
            col,
            rows: rows.into_iter().map(id).collect(),
            cols: cols.into_iter().map(id).collect(),
            cells: cells.into_iter().map(|((r, c), v)| ((id(r), id(c)), v)).collect(),
        },
    }
}

impl Model {
    fn now(&self) -> SequenceId {
        self.intents.len() as SequenceId
    }

    fn current(&self) -> &Sheet {
        self.states.last().expect("the empty sheet is always there")
    }

    fn append(&mut self, intent: Intent) {
        let mut next = self.current().clone();
        next.apply(&intent);
        self.states.push(next);
        self.intents.push(intent);
    }

    /// The entries the inverse of `step` becomes now, one intent each, and whether it wrote
    /// cells before any was dropped.
    fn undo_of(&mut self, step: &[Range<SequenceId>]) -> (Vec<Intent>, bool) {
        let now = self.now();
        let mut runs: Vec<Range<SequenceId>> = Vec::new();
        for run in step {
            match runs.last_mut() {
                Some(last) if last.end == run.start => last.end = run.end,
                _ => runs.push(run.clone()),
            }
        }
        let mut work = self.current().clone();
        let (mut out, mut wrote) = (Vec::new(), false);
        for run in runs.iter().rev() {
            // The chain's inverses, newest entry first. Items a newer entry deleted are back as
            // new items when an older entry's inverse applies: its intents name those.
            let mut chain = Vec::new();
            let mut renamed = HashMap::new();
            for e in run.clone().rev() {
                let e = e as usize;
                let earlier = renamed.clone();
                let inverses =
                    inverse(&self.states[e], &self.states[e + 1], &self.intents[e], &mut self.next_id, &mut renamed);
                chain.extend(inverses.into_iter().map(|i| rename(i, &earlier)));
            }
            wrote |= chain.iter().any(|i| matches!(i, Intent::Write(c) if !c.is_empty()));
            // Insertion points move through the later entries one by one.
            for intent in &mut chain {
                let Intent::Insert { rows, anchor, .. } = intent else { continue };
                for j in run.end..now {
                    let j = j as usize;
                    if let Intent::Delete { rows: r, ids } = &self.intents[j] {
                        if r == rows && ids.contains(anchor) {
                            let items = &axis(&self.states[j], *rows).visible;
                            let from = items.iter().position(|v| v == anchor).expect("deleted items were visible");
                            *anchor = *items[from..].iter().find(|v| !ids.contains(v)).expect("items never run out");
                        }
                    }
                }
            }
            for intent in chain {
                let entries = match intent {
                    Intent::Resize { rows, sizes } => {
                        let dead = &axis(&work, rows).dead;
                        let live: Vec<_> = sizes.into_iter().filter(|(id, _)| !dead.contains(id)).collect();
                        if live.is_empty() {
                            Vec::new()
                        } else {
                            vec![Intent::Resize { rows, sizes: live }]
                        }
                    }
                    Intent::Write(cells) => {
                        let live: Vec<_> = cells.into_iter().filter(|(id, _)| work.live(*id)).collect();
                        if live.is_empty() {
                            Vec::new()
                        } else {
                            vec![Intent::Write(live)]
                        }
                    }
                    Intent::Delete { rows, ids } => {
                        // The items still visible, in runs of consecutive positions, highest first.
                        let groups = visible_runs(axis(&work, rows), &ids);
                        groups.into_iter().rev().map(|ids| Intent::Delete { rows, ids }).collect()
                    }
                    // A rectangle that later entries inserted items into is cleared as the
                    // rectangles between those items (the transform splits it at each insert,
                    // and never joins the parts again): one entry each.
                    Intent::Clear { rows, cols } => {
                        self.split_by_inserts(rows, cols, run.end as usize..now as usize, &work)
                    }
                    other => vec![other],
                };
                for e in entries {
                    work.apply(&e);
                    out.push(e);
                }
            }
        }
        (out, wrote)
    }

    /// The rectangle of `rows` × `cols` (consecutive when its entry was made) split where
    /// entries `later` inserted rows or columns inside it, in the order the transform splits it
    /// (each part in two, in place, entry by entry; parts are never joined again), each part
    /// left with the items still visible in `work`.
    fn split_by_inserts(&self, rows: Vec<Id>, cols: Vec<Id>, later: Range<usize>, work: &Sheet) -> Vec<Intent> {
        let mut parts = vec![(rows, cols)];
        for j in later {
            let Intent::Insert { rows: on_rows, new, .. } = &self.intents[j] else { continue };
            let items = &axis(&self.states[j + 1], *on_rows).visible;
            let Some(at) = new.first().and_then(|first| items.iter().position(|v| v == first)) else { continue };
            let (Some(before), Some(after)) = (at.checked_sub(1).map(|p| items[p]), items.get(at + new.len())) else {
                continue;
            };
            // Items deleted before entry `j` no longer separate two others.
            let visible = |v: &Id| axis(&self.states[j + 1], *on_rows).position(*v).is_some();
            let mut split = Vec::with_capacity(parts.len() + 1);
            for (rows, cols) in parts {
                let list = if *on_rows { &rows } else { &cols };
                let live: Vec<Id> = list.iter().copied().filter(visible).collect();
                let b = live.iter().position(|v| *v == before);
                let a = live.iter().position(|v| v == after);
                if !matches!((b, a), (Some(b), Some(a)) if a == b + 1) {
                    split.push((rows, cols));
                    continue;
                }
                let cut = list.iter().position(|v| v == after).expect("a live item of the part");
                if *on_rows {
                    let (top, bottom) = rows.split_at(cut);
                    split.push((top.to_vec(), cols.clone()));
                    split.push((bottom.to_vec(), cols));
                } else {
                    let (left, right) = cols.split_at(cut);
                    split.push((rows.clone(), left.to_vec()));
                    split.push((rows, right.to_vec()));
                }
            }
            parts = split;
        }
        parts
            .into_iter()
            .flat_map(|(rows, cols)| {
                let row_runs = visible_runs(&work.rows, &rows);
                let col_runs = visible_runs(&work.cols, &cols);
                row_runs.into_iter().flat_map(move |r| {
                    col_runs.clone().into_iter().map(move |c| Intent::Clear { rows: r.clone(), cols: c })
                })
            })
            .collect()
    }

    /// The reference's undo (or redo) for `client`: steps skipped, and the intents of the step
    /// undone (`None`: no step was left).
    fn undo(&mut self, client: usize, redo: bool) -> (usize, Option<Vec<Intent>>) {
        let mut skipped = 0;
        loop {
            let stacks = &self.stacks[client];
            let Some(step) = (if redo { stacks.redo.last() } else { stacks.undo.last() }).cloned() else {
                return (skipped, None);
            };
            let (intents, wrote) = self.undo_of(&step);
            if intents.is_empty() && wrote {
                self.pop(client, redo);
                skipped += 1;
                continue;
            }
            return (skipped, Some(intents));
        }
    }

    fn pop(&mut self, client: usize, redo: bool) {
        let stacks = &mut self.stacks[client];
        if redo {
            stacks.redo.pop();
        } else {
            stacks.undo.pop();
        }
    }
}

fn check(version: &ContentVersion, sheet: &Sheet, what: &str) -> Result<(), TestCaseError> {
    for row in 0..CHECKED {
        for col in 0..CHECKED {
            let actual = version.cell(row, col);
            prop_assert_eq!(actual.as_ref(), sheet.cell(row, col), "{} cell ({}, {})", what, row, col);
        }
    }
    prop_assert_eq!((version.row_count(), version.column_count()), sheet.extent(), "{} counts", what);
    check_sizes(version, sheet, CHECKED, what)?;
    Ok(())
}

type TestEngine = Engine<MemoryEventLog, CountingBlobs>;

fn options(client: usize) -> EngineOptions {
    EngineOptions { undo_key: Some(format!("client-{client}")), ..small_tiles(4) }
}

fn run_steps(steps: Vec<(Step, u64)>) -> Result<(), TestCaseError> {
    let mut h = Harness::new();
    let log = MemoryEventLog::with_page_size(5);
    // Undo saves are held through every step and let go only at a reopen, once the client asks
    // `when_saved`: a reopened client must find the stacks the model has.
    let blobs = CountingBlobs::over(MemoryBlobStore::with_page_size(3));
    blobs.hold();
    let tiles = TileSize::new(4, 4).unwrap();
    let open = |h: &mut Harness, c: usize| -> TestEngine { h.open_layered(log.clone(), blobs.clone(), options(c), 2) };
    let mut engines: Vec<TestEngine> = (0..CLIENTS).map(|c| open(&mut h, c)).collect();
    let mut model = Model {
        states: vec![Sheet::new(AXIS)],
        intents: Vec::new(),
        stacks: vec![Stacks::default(); CLIENTS],
        next_id: 20_000_000,
    };
    let mut next_id: Id = 10_000_000;
    let mut counter = 0.0;
    for (i, (step, probe)) in steps.iter().enumerate() {
        let what = format!("step {i} {step:?}");
        match step {
            Step::Edit { client, edit } => {
                let engine = &engines[*client];
                h.run(engine.sync()).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
                let (future, intent) = make(engine, model.current(), edit, &mut next_id, &mut counter);
                let range = h.run(future).map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
                prop_assert_eq!(range.clone(), model.now()..model.now() + 1, "{}: one entry at the end", what);
                model.append(intent);
                let stacks = &mut model.stacks[*client];
                stacks.undo.push(vec![range]);
                stacks.redo.clear();
            }
            Step::Import { client, row, col, rows, cols, empty } => {
                let engine = &engines[*client];
                h.run(engine.sync()).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
                let (text, values) = import_csv(*rows, *cols, *empty, &mut counter);
                let dir = format!("imports/{:013}-time-travel-{i}", h.clock.get());
                let written = write_layer(&mut h, engine, text, (*row, *col), dir, 5).map_err(TestCaseError::fail)?;
                let intent = import_intent(model.current(), *row, *col, *cols, values);
                let report = h
                    .run(engine.commit_import_layer(written))
                    .map_err(|e| TestCaseError::fail(format!("{what}: commit: {e}")))?;
                prop_assert_eq!(report.entry, Some(model.now()), "{}: one entry at the end", what);
                let range = model.now()..model.now() + 1;
                model.append(intent);
                let stacks = &mut model.stacks[*client];
                stacks.undo.push(vec![range]);
                stacks.redo.clear();
            }
            Step::Undo { client } | Step::Redo { client } => {
                let redo = matches!(step, Step::Redo { .. });
                let engine = &engines[*client];
                h.run(engine.sync()).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
                let outcome: UndoOutcome = h
                    .run(if redo { engine.redo() } else { engine.undo() })
                    .map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
                let (skipped, expected) = model.undo(*client, redo);
                prop_assert_eq!(outcome.skipped.len(), skipped, "{}: steps skipped ({:?})", what, outcome);
                prop_assert!(
                    outcome.skipped.iter().all(|e| matches!(e, EngineError::TargetDeleted { .. })),
                    "{}: skipped for a deleted target: {:?}",
                    what,
                    outcome.skipped
                );
                match (outcome.committed, expected) {
                    (None, None) => {}
                    (Some(range), Some(intents)) => {
                        prop_assert_eq!(
                            range.clone(),
                            model.now()..model.now() + intents.len() as u64,
                            "{}: the inverse's entries ({:?})",
                            what,
                            intents
                        );
                        model.pop(*client, redo);
                        for intent in intents {
                            model.append(intent);
                        }
                        if !range.is_empty() {
                            let stacks = &mut model.stacks[*client];
                            if redo {
                                stacks.undo.push(vec![range]);
                            } else {
                                stacks.redo.push(vec![range]);
                            }
                        }
                    }
                    (got, expected) => prop_assert!(false, "{}: committed {:?}, expected {:?}", what, got, expected),
                }
            }
            Step::Snapshot => {
                h.run(async {});
                let end = h.run(log.bounds()).unwrap().end;
                if end > 0 {
                    run_chain(&mut h, &log, &blobs, end - 1, Workflow::Snapshot, tiles);
                }
            }
            Step::Compact | Step::Gc => {
                h.run(async {});
                let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot;
                if let Some(info) = latest {
                    let workflow = if matches!(step, Step::Gc) { Workflow::Gc } else { Workflow::Compact };
                    run_chain(&mut h, &log, &blobs, info.seq, workflow, tiles);
                }
            }
            Step::Sleep => h.clock.set(h.clock.get() + 301_000),
            Step::Reopen { client } => {
                // As a page that reloads itself: whenSaved, then at once the reload (the saves
                // held again, so one still in flight would be lost).
                let saved = engines[*client].when_saved();
                blobs.release();
                h.pool.run_until(saved).map_err(|e| TestCaseError::fail(format!("{what}: when_saved: {e}")))?;
                blobs.hold();
                engines[*client].close();
                engines[*client] = open(&mut h, *client);
            }
        }
        h.run(async {});
        // Every client, synced, shows the newest state, and knows what it can undo.
        for (c, engine) in engines.iter().enumerate() {
            h.run(engine.sync()).map_err(|e| TestCaseError::fail(format!("sync: {e}")))?;
            let version = engine.snapshot();
            check(&version, model.current(), &format!("{what}: client {c}"))?;
            let stacks = &model.stacks[c];
            prop_assert_eq!(
                (version.can_undo(), version.can_redo()),
                (!stacks.undo.is_empty(), !stacks.redo.is_empty()),
                "{}: client {} can undo, redo",
                what,
                c
            );
        }
        // A random past version equals the reference after that entry.
        let end = model.now();
        if end > 0 {
            let s = probe % end;
            let engine = &engines[(*probe as usize / 7) % CLIENTS];
            let version = h
                .run(engine.version_at(s))
                .map_err(|e| TestCaseError::fail(format!("{what}: version_at({s}): {e}")))?;
            prop_assert_eq!(version.load_status(), &LoadStatus::Ready, "{}: version after entry {}", what, s);
            check(&version, &model.states[s as usize + 1], &format!("{what}: version after entry {s}"))?;
            prop_assert!(!version.can_undo() && !version.can_redo(), "a past version offers no undo");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn time_travel_and_undo_match_a_naive_logical_grid(
        steps in prop::collection::vec((step(), any::<u64>()), 1..60)
    ) {
        run_steps(steps)?;
    }
}

/// `when_saved` resolves only once the stored undo stack holds the last step: a tab that then
/// reloads undoes that step, not the one before. The undo stack's save is held (a slow storage)
/// after each write is durable: `when_saved` must wait for it, where an answer at the edits'
/// durability alone would let a reload lose the step.
#[test]
fn when_saved_resolves_once_the_last_undo_step_is_stored() {
    use futures_util::FutureExt as _;
    use sheetlog::engine::read_path;
    use sheetlog::log::{CellWrite, Operation};
    use sheetlog::model::CellValue;
    use sheetlog::snapshot::decode_undo_record;
    let mut h = Harness::new();
    let log = MemoryEventLog::new();
    let blobs = CountingBlobs::default();
    let engine = h.open(log.clone(), blobs.clone(), options(0));
    let write = |row: u64| {
        Operation::SetCell(CellWrite { row, col: 0, value: Some(CellValue::Number(row as f64)), format: None })
    };
    // `undo/` and the key's bytes in hex.
    let path = format!("undo/{}", "client-0".bytes().map(|b| format!("{b:02x}")).collect::<String>());
    let stored_steps = |h: &mut Harness| {
        let bytes = h.pool.run_until(read_path(&blobs.inner, &path));
        bytes.ok().and_then(|b| decode_undo_record(&b).ok()).map_or(0, |r| r.undo.len())
    };
    for row in 0..3 {
        blobs.hold();
        h.run(engine.submit(write(row))).expect("durable");
        let mut saved = engine.when_saved();
        h.run(async {});
        assert_eq!(stored_steps(&mut h), row as usize, "step {row} durable, its undo save held");
        assert!((&mut saved).now_or_never().is_none(), "step {row}: not saved while the undo save is held");
        blobs.release();
        h.run(saved).expect("saved");
        assert_eq!(stored_steps(&mut h), row as usize + 1, "the stored stack holds step {row}");
    }
    // Reopened right then (as after a reload), undo reverts the last write.
    engine.close();
    let again = h.open(log.clone(), blobs.clone(), options(0));
    h.run(again.undo()).expect("undo");
    let version = again.snapshot();
    assert_eq!(version.cell(2, 0).and_then(|c| c.value), None, "the last write is undone");
    assert_eq!(version.cell(1, 0).and_then(|c| c.value), Some(CellValue::Number(1.0)));
}
