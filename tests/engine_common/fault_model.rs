//! The fault model shared by the model-based test `tests/engine_faults.rs` (proptest) and the
//! structure-aware fuzz target `fuzz/fuzz_targets/engine_faults.rs` (issue 12, item 6, after
//! redb's fuzzer): two clients write cells and batches and import CSV rectangles as snapshot
//! layers (tiles written through `write_import_layer`, then one `Import` entry appended by
//! `commit_import_layer`, as the worker and the page do) on one memory log and blob store whose
//! calls fail, time out, fail after committing, or return corrupted blobs, on command, with
//! snapshots, compactions, history and GC running through the same faulty stores, and reopens.
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
//! is lost. The live clients, synced, agree with it.

use std::collections::HashMap;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::csv::CsvImportError;
use sheetlog::engine::{ContentVersion, Engine, EngineError};
use sheetlog::log::{CellWrite, MemoryEventLog, SequenceId};
use sheetlog::model::CellValue;

use super::faulty::{Fault, Faults, FaultyBlobs, FaultyLog, Target};
use super::logical::write_layer_typed;
use super::{small_tiles, Harness};

pub const ROWS: u64 = 8;
pub const COLS: u64 = 6;
pub const CLIENTS: usize = 2;

pub type TestEngine = Engine<FaultyLog, FaultyBlobs>;
pub type Answer = Result<std::ops::Range<SequenceId>, EngineError>;

/// One step of the model.
#[derive(Debug, Clone)]
pub enum Step {
    Write {
        client: usize,
        row: u64,
        col: u64,
    },
    Batch {
        client: usize,
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
    },
    /// A CSV of `rows` x `cols` fields, all the write's number, imported at (`row`, `col`).
    Import {
        client: usize,
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
    },
    Arm {
        target: Target,
        fault: Fault,
        count: u32,
    },
    Settle,
    Heal,
    Reopen {
        client: usize,
    },
}

/// `Err(message())` unless `ok`.
fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(message())
    }
}

/// Reads steps from fuzzer bytes, four bytes a step (a kind, then its arguments reduced to their
/// ranges), so every input is a valid run and small changes to it make small changes to the run.
pub fn steps_from_bytes(bytes: &[u8]) -> Vec<Step> {
    const TARGETS: [Target; 2] = [Target::Log, Target::Blobs];
    const FAULTS: [Fault; 4] = [Fault::Fail, Fault::TimeOut, Fault::FailAfterCommit, Fault::Corrupt];
    bytes
        .chunks_exact(4)
        .take(200)
        .map(|b| {
            let client = usize::from(b[1]) % CLIENTS;
            let (row, col) = (u64::from(b[2]) % ROWS, u64::from(b[3]) % COLS);
            match b[0] % 18 {
                0..=5 => Step::Write { client, row, col },
                6..=8 => Step::Batch {
                    client,
                    row,
                    col,
                    rows: 1 + u64::from(b[1] >> 4) % 3,
                    cols: 1 + u64::from(b[2] >> 4) % 3,
                },
                9..=11 => Step::Arm {
                    target: TARGETS[usize::from(b[1]) % 2],
                    fault: FAULTS[usize::from(b[2]) % 4],
                    count: 1 + u32::from(b[3]) % 4,
                },
                12..=14 => Step::Settle,
                15 => Step::Heal,
                16 => Step::Reopen { client },
                _ => Step::Import {
                    client,
                    row,
                    col,
                    rows: 1 + u64::from(b[1] >> 4) % 3,
                    cols: 1 + u64::from(b[2] >> 4) % 3,
                },
            }
        })
        .collect()
}

/// One write issued: the cells it covers, and its answer once there is one.
pub struct Issued {
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

pub struct World {
    pub h: Harness,
    pub log: FaultyLog,
    pub blobs: FaultyBlobs,
    pub faults: Faults,
    pub engines: Vec<TestEngine>,
    pub issued: Vec<Issued>,
    /// Write id -> the cells it wrote.
    pub writes: HashMap<u64, Vec<(u64, u64)>>,
}

impl World {
    pub fn new() -> Self {
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
        // Snapshots fall due by entries (3) and by changed cells (5): batches bring them too.
        let options = sheetlog::engine::EngineOptions { snapshot_cells: 5, ..small_tiles(3) };
        self.h.open_layered(self.log.clone(), self.blobs.clone(), options, 2)
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

    fn check_step(&self, what: &str) -> Result<(), String> {
        for issued in &self.issued {
            if let Some(Err(e)) = &issued.answer {
                check(typed_storage_error(e), || format!("{what}: a write failed with {e:?}"))?;
            }
        }
        for (i, engine) in self.engines.iter().enumerate() {
            let version = engine.snapshot();
            for row in 0..ROWS {
                for col in 0..COLS {
                    if let Some(content) = version.cell(row, col) {
                        let id = match content.value {
                            Some(CellValue::Number(n)) => n as u64,
                            other => return Err(format!("{what}: client {i} ({row}, {col}) shows {other:?}")),
                        };
                        let wrote = self.writes.get(&id).is_some_and(|cells| cells.contains(&(row, col)));
                        check(wrote, || {
                            format!("{what}: client {i} shows {id} at ({row}, {col}), which no write put there")
                        })?;
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
    fn check_healed(&mut self, what: &str) -> Result<(), String> {
        self.faults.heal();
        self.settle();
        for engine in &self.engines {
            let sync = engine.sync();
            let _ = self.h.run(sync);
        }
        self.settle();
        check(self.issued.iter().all(|i| i.answer.is_some()), || {
            format!("{what}: a write never answered once healed")
        })?;
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
                    check(fine, || {
                        format!("{what}: ({row}, {col}) shows {shown:?} after reopening, but write {acked} was acknowledged")
                    })?;
                }
                for (i, engine) in self.engines.iter().enumerate() {
                    let live = number(&engine.snapshot(), row, col);
                    check(live == shown, || {
                        format!("{what}: client {i} at ({row}, {col}) shows {live:?}, a fresh engine {shown:?}")
                    })?;
                }
            }
        }
        fresh.close();
        self.settle();
        Ok(())
    }
}

/// The cells of the rectangle of `rows` by `cols` at (`row`, `col`) inside the model's sheet.
fn rectangle(row: u64, col: u64, rows: u64, cols: u64) -> Vec<(u64, u64)> {
    (row..(row + rows).min(ROWS)).flat_map(|r| (col..(col + cols).min(COLS)).map(move |c| (r, c))).collect()
}

/// Writes the tiles of a CSV layer holding number `id` in every cell of `cells` (a rectangle
/// whose top left cell is the first) into `engine`'s blob store, then submits its `Import`
/// entry: the answer is the entry's sequence id. A failed tile write is the answer too (no entry
/// is submitted then), and must be a typed storage error.
fn import(w: &mut World, client: usize, id: u64, cells: &[(u64, u64)], step: usize) -> Result<Issued, String> {
    let (Some(&(top, left)), Some(&(bottom, right))) = (cells.first(), cells.last()) else {
        return Err("an import of no cells".into());
    };
    let record = vec![id.to_string(); (right - left + 1) as usize].join(",");
    let text = format!("{record}\n").repeat((bottom - top + 1) as usize);
    let engine = w.engines[client].clone();
    let dir = format!("imports/{:013}-fault-{step}", w.h.clock.get());
    let cells = cells.to_vec();
    match write_layer_typed(&mut w.h, &engine, text, (top, left), dir, 5) {
        Ok(written) => {
            let future = engine.commit_import_layer(written).map(|report| {
                let seq = report?.entry.unwrap_or(0);
                Ok(seq..seq + 1)
            });
            Ok(Issued { cells, future: Some(future.boxed_local()), answer: None })
        }
        Err(CsvImportError::Engine { error, .. }) if typed_storage_error(&error) => {
            Ok(Issued { cells, future: None, answer: Some(Err(error)) })
        }
        Err(e) => Err(format!("the import's tiles failed with {e:?}")),
    }
}

pub fn run(steps: Vec<Step>) -> Result<(), String> {
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
                let cells = rectangle(row, col, rows, cols);
                let writes = cells
                    .iter()
                    .map(|&(row, col)| CellWrite { row, col, value: Some(CellValue::Number(id as f64)), format: None })
                    .collect();
                let future = w.engines[client].set_cells(writes);
                w.writes.insert(id, cells.clone());
                w.issued.push(Issued { cells, future: Some(future), answer: None });
            }
            Step::Import { client, row, col, rows, cols } => {
                let id = w.issued.len() as u64;
                let cells = rectangle(row, col, rows, cols);
                w.writes.insert(id, cells.clone());
                let issued = import(&mut w, client, id, &cells, i).map_err(|e| format!("{what}: {e}"))?;
                w.issued.push(issued);
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
