//! Model-based test of the engine over a `FaultyStore` (issue 12, item 6): two clients write
//! cells and batches on one memory log and blob store whose calls fail, time out, fail after
//! committing, or return corrupted blobs, on command, with snapshots, compactions, history and
//! GC running through the same faulty stores, and reopens.
//!
//! Every write is a unique number, so each cell's value names the write it came from. After
//! every step:
//! - every answered write is `Ok`, or failed with a typed storage error (log, blob or damaged
//!   data), never anything else;
//! - every cell every client shows holds a value some write put there (no corrupted bytes
//!   shown as data).
//!
//! After a heal (and at the end) the faults are disarmed, everything settles, and a fresh
//! engine opened on the stores shows, in every cell, the acknowledged write to it that is last
//! in the log, or a write that landed after it (acknowledged later in the log, or reported as
//! failed: a timeout after commit may still land), never an older one: no acknowledged edit
//! is lost. The live clients, synced, agree
//! with it.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::collections::HashMap;

use engine_common::faulty::{Fault, Faults, FaultyBlobs, FaultyLog, Target};
use engine_common::{small_tiles, Harness};
use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use proptest::prelude::*;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::{ContentVersion, Engine, EngineError};
use sheetlog::log::{CellWrite, MemoryEventLog, SequenceId};
use sheetlog::model::CellValue;

const ROWS: u64 = 8;
const COLS: u64 = 6;
const CLIENTS: usize = 2;

type TestEngine = Engine<FaultyLog, FaultyBlobs>;
type Answer = Result<std::ops::Range<SequenceId>, EngineError>;

#[derive(Debug, Clone)]
enum Step {
    Write { client: usize, row: u64, col: u64 },
    Batch { client: usize, row: u64, col: u64, rows: u64, cols: u64 },
    Arm { target: Target, fault: Fault, count: u32 },
    Settle,
    Heal,
    Reopen { client: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let target = prop_oneof![Just(Target::Log), Just(Target::Blobs)];
    let fault =
        prop_oneof![Just(Fault::Fail), Just(Fault::TimeOut), Just(Fault::FailAfterCommit), Just(Fault::Corrupt)];
    prop_oneof![
        6 => (0..CLIENTS, 0..ROWS, 0..COLS).prop_map(|(client, row, col)| Step::Write { client, row, col }),
        3 => (0..CLIENTS, 0..ROWS, 0..COLS, 1..4u64, 1..4u64)
            .prop_map(|(client, row, col, rows, cols)| Step::Batch { client, row, col, rows, cols }),
        3 => (target, fault, 1..5u32).prop_map(|(target, fault, count)| Step::Arm { target, fault, count }),
        3 => Just(Step::Settle),
        1 => Just(Step::Heal),
        1 => (0..CLIENTS).prop_map(|client| Step::Reopen { client }),
    ]
}

/// One write issued: the cells it covers, and its answer once there is one.
struct Issued {
    cells: Vec<(u64, u64)>,
    future: Option<LocalBoxFuture<'static, Answer>>,
    answer: Option<Answer>,
}

/// Is `error` one a storage failure may cause?
fn typed_storage_error(error: &EngineError) -> bool {
    matches!(error, EngineError::Log(_) | EngineError::Blob(_) | EngineError::Snapshot { .. })
}

fn number(version: &ContentVersion, row: u64, col: u64) -> Option<u64> {
    match version.cell(row, col).and_then(|c| c.value) {
        Some(CellValue::Number(n)) => Some(n as u64),
        _ => None,
    }
}

struct World {
    h: Harness,
    log: FaultyLog,
    blobs: FaultyBlobs,
    faults: Faults,
    engines: Vec<TestEngine>,
    issued: Vec<Issued>,
    /// Write id -> the cells it wrote.
    writes: HashMap<u64, Vec<(u64, u64)>>,
}

impl World {
    fn new() -> Self {
        let faults = Faults::default();
        let log = FaultyLog { inner: MemoryEventLog::with_page_size(4), faults: faults.clone() };
        let blobs = FaultyBlobs { inner: MemoryBlobStore::with_page_size(3), faults: faults.clone() };
        let mut world = World {
            h: Harness::new(),
            log,
            blobs,
            faults,
            engines: Vec::new(),
            issued: Vec::new(),
            writes: HashMap::new(),
        };
        for _ in 0..CLIENTS {
            let engine = world.open();
            world.engines.push(engine);
        }
        world
    }

    /// Opens an engine on the stores, faults disarmed first (a failed open is a typed error the
    /// JS layer reports; what is tested here is what happens after).
    fn open(&mut self) -> TestEngine {
        self.faults.heal();
        self.h.open_layered(self.log.clone(), self.blobs.clone(), small_tiles(3), 2)
    }

    fn poll(&mut self) {
        for issued in &mut self.issued {
            if let Some(answer) = issued.future.as_mut().and_then(|f| f.now_or_never()) {
                issued.answer = Some(answer);
                issued.future = None;
            }
        }
    }

    fn settle(&mut self) {
        self.h.pool.run_until_stalled();
        self.poll();
    }

    fn check_step(&self, what: &str) -> Result<(), TestCaseError> {
        for issued in &self.issued {
            if let Some(Err(e)) = &issued.answer {
                prop_assert!(typed_storage_error(e), "{}: a write failed with {:?}", what, e);
            }
        }
        for (i, engine) in self.engines.iter().enumerate() {
            let version = engine.snapshot();
            for row in 0..ROWS {
                for col in 0..COLS {
                    if let Some(content) = version.cell(row, col) {
                        let id = match content.value {
                            Some(CellValue::Number(n)) => n as u64,
                            other => {
                                return Err(TestCaseError::fail(format!(
                                    "{what}: client {i} ({row}, {col}) shows {other:?}"
                                )))
                            }
                        };
                        let wrote = self.writes.get(&id).is_some_and(|cells| cells.contains(&(row, col)));
                        prop_assert!(
                            wrote,
                            "{}: client {} shows {} at ({}, {}), which no write put there",
                            what,
                            i,
                            id,
                            row,
                            col
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// For each cell, the acknowledged write to it that came last in the log: `(sequence id, write id)`.
    fn last_acknowledged(&self) -> HashMap<(u64, u64), (SequenceId, u64)> {
        let mut last: HashMap<(u64, u64), (SequenceId, u64)> = HashMap::new();
        for (id, issued) in self.issued.iter().enumerate() {
            if let Some(Ok(range)) = &issued.answer {
                let Some(seq) = range.end.checked_sub(1) else { continue };
                for &cell in &issued.cells {
                    if last.get(&cell).is_none_or(|&(s, _)| seq > s) {
                        last.insert(cell, (seq, id as u64));
                    }
                }
            }
        }
        last
    }

    /// The sequence id of acknowledged write `id`, if it was acknowledged.
    fn acknowledged_at(&self, id: u64) -> Option<SequenceId> {
        match self.issued.get(id as usize)?.answer.as_ref()? {
            Ok(range) => range.end.checked_sub(1),
            Err(_) => None,
        }
    }

    /// Heals, settles, and checks that a fresh engine keeps every acknowledged edit and the
    /// live clients agree with it.
    fn check_healed(&mut self, what: &str) -> Result<(), TestCaseError> {
        self.faults.heal();
        self.settle();
        for engine in &self.engines {
            let sync = engine.sync();
            let _ = self.h.run(sync);
        }
        self.settle();
        prop_assert!(self.issued.iter().all(|i| i.answer.is_some()), "{}: a write never answered once healed", what);
        let fresh = self.open();
        self.settle();
        let version = fresh.snapshot();
        let last = self.last_acknowledged();
        for row in 0..ROWS {
            for col in 0..COLS {
                let shown = number(&version, row, col);
                if let Some(&(seq, acked)) = last.get(&(row, col)) {
                    // The last acknowledged write, or one that landed after it: acknowledged
                    // later in the log, or reported failed (a timeout after commit may land).
                    let fine = shown.is_some_and(|id| id == acked || self.acknowledged_at(id).is_none_or(|s| s > seq));
                    prop_assert!(
                        fine,
                        "{}: ({}, {}) shows {:?} after reopening, but write {} was acknowledged",
                        what,
                        row,
                        col,
                        shown,
                        acked
                    );
                }
                for (i, engine) in self.engines.iter().enumerate() {
                    let live = number(&engine.snapshot(), row, col);
                    prop_assert_eq!(
                        live,
                        shown,
                        "{}: client {} at ({}, {}) disagrees with a fresh engine",
                        what,
                        i,
                        row,
                        col
                    );
                }
            }
        }
        fresh.close();
        self.settle();
        Ok(())
    }
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut w = World::new();
    for (i, step) in steps.iter().enumerate() {
        let what = format!("step {i} {step:?}");
        match *step {
            Step::Write { client, row, col } => {
                let id = w.issued.len() as u64;
                let future = w.engines[client].set_cell(row, col, Some(CellValue::Number(id as f64)), None);
                w.writes.insert(id, vec![(row, col)]);
                w.issued.push(Issued { cells: vec![(row, col)], future: Some(future), answer: None });
            }
            Step::Batch { client, row, col, rows, cols } => {
                let id = w.issued.len() as u64;
                let cells: Vec<(u64, u64)> = (row..(row + rows).min(ROWS))
                    .flat_map(|r| (col..(col + cols).min(COLS)).map(move |c| (r, c)))
                    .collect();
                let writes = cells
                    .iter()
                    .map(|&(row, col)| CellWrite { row, col, value: Some(CellValue::Number(id as f64)), format: None })
                    .collect();
                let future = w.engines[client].set_cells(writes);
                w.writes.insert(id, cells.clone());
                w.issued.push(Issued { cells, future: Some(future), answer: None });
            }
            Step::Arm { target, fault, count } => w.faults.arm(target, fault, count),
            Step::Settle => w.settle(),
            Step::Heal => w.check_healed(&what)?,
            Step::Reopen { client } => {
                w.settle();
                w.engines[client].close();
                w.settle();
                let engine = w.open();
                w.engines[client] = engine;
            }
        }
        w.poll();
        w.check_step(&what)?;
    }
    w.check_healed("at the end")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn no_acknowledged_edit_is_lost_and_every_failure_is_typed(steps in prop::collection::vec(step(), 1..60)) {
        run(steps)?;
    }
}

/// The plan itself: a fault fires on its target only, `count` times, and heal disarms it.
#[test]
fn faults_fire_on_their_target_and_run_out() {
    let mut w = World::new();
    w.faults.arm(Target::Log, Fault::Fail, 2);
    let first = w.engines[0].set_cell(0, 0, Some(CellValue::Number(1.0)), None);
    let first = w.h.run(first);
    assert!(matches!(first, Err(EngineError::Log(_))), "{first:?}");
    let fired = w.faults.fired();
    assert!(fired >= 1);
    w.faults.heal();
    let second = w.engines[0].set_cell(0, 0, Some(CellValue::Number(2.0)), None);
    assert!(w.h.run(second).is_ok());
    assert_eq!(w.faults.fired(), fired, "healed: no more faults");
}
