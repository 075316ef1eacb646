//! The origin's write turn (issue 12, item 5; `sheetlog::browser::web_locks`), in Chromium and
//! Firefox: every readwrite IndexedDB transaction of sheetlog holds the Web Lock
//! `sheetlog:idb-write` until it has finished, so at most one is unfinished at any moment. A
//! Chromium killed with two unfinished readwrite transactions deletes the origin's IndexedDB on
//! the next launch (BENCHMARKS.md, kill campaign of stop 20).
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::js::{call, object as options, prop, settle, snapshot};
use browser_common::unique_sheet;
use futures_util::future::{join, join_all, select, Either};
use js_sys::{Function, Promise};
use sheetlog::api::SpreadsheetData;
use sheetlog::blob::BlobStore;
use sheetlog::browser::timer::sleep;
use sheetlog::browser::web_locks::WRITE_LOCK_NAME;
use sheetlog::browser::{registry, IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::log::conformance::sample_entry;
use sheetlog::log::{EventLog, LogError};
use sheetlog::StorageErrorKind;
use std::pin::pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Takes the write lock from "another context" (this page's JS): resolves once it is held, and
/// gives the function that releases it.
async fn hold_write_lock() -> Function {
    let take = Function::new_with_args(
        "name",
        "return new Promise((held) => navigator.locks.request(name, () => new Promise((release) => held([release]))));",
    );
    let held =
        JsFuture::from(Promise::from(take.call1(&JsValue::NULL, &WRITE_LOCK_NAME.into()).unwrap())).await.unwrap();
    js_sys::Array::from(&held).get(0).unchecked_into()
}

/// Counts this page's IndexedDB writes that are unfinished at once, by wrapping
/// `IDBDatabase.prototype.transaction` (readwrite transactions, from creation to `complete` or
/// `abort`), `IDBFactory.prototype.open` (the `versionchange` transaction of an open that creates
/// or upgrades a database) and `IDBFactory.prototype.deleteDatabase` (from the call to `success`
/// or `error`): `globalThis.__readwrite = { open, max, total, versionchange, deletes }`. Returns
/// the function that restores the prototypes.
fn count_readwrite_transactions() -> Function {
    let install = Function::new_no_args(
        r#"
        const proto = IDBDatabase.prototype;
        const factory = IDBFactory.prototype;
        const original = { transaction: proto.transaction, open: factory.open, deleteDatabase: factory.deleteDatabase };
        const stats = (globalThis.__readwrite = { open: 0, max: 0, total: 0, versionchange: 0, deletes: 0 });
        const begin = () => {
          stats.open++;
          stats.total++;
          stats.max = Math.max(stats.max, stats.open);
          let ended = false;
          return () => { if (!ended) { ended = true; stats.open--; } };
        };
        const endWith = (target, events, end) => events.forEach((name) => target.addEventListener(name, end));
        proto.transaction = function (...args) {
          const tx = original.transaction.apply(this, args);
          if (tx.mode === "readwrite") endWith(tx, ["complete", "abort"], begin());
          return tx;
        };
        factory.open = function (...args) {
          const request = original.open.apply(this, args);
          request.addEventListener("upgradeneeded", () => {
            stats.versionchange++;
            endWith(request.transaction, ["complete", "abort"], begin());
          });
          return request;
        };
        factory.deleteDatabase = function (...args) {
          const request = original.deleteDatabase.apply(this, args);
          stats.deletes++;
          endWith(request, ["success", "error"], begin());
          return request;
        };
        return () => {
          proto.transaction = original.transaction;
          factory.open = original.open;
          factory.deleteDatabase = original.deleteDatabase;
        };
        "#,
    );
    install.call0(&JsValue::NULL).unwrap().unchecked_into()
}

/// A sequence id of `getLogInfo` (a `bigint`) of `data`'s current version; `None` when absent.
fn log_info_seq(data: &JsValue, field: &str) -> Option<u64> {
    let info = call(data, "getLogInfo", &[snapshot(data)]).expect("getLogInfo");
    u64::try_from(prop(&info, field)).ok()
}

/// Polls `done` every 10 ms, at most 500 times (5 s); the caller asserts afterwards.
async fn poll_until(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        sleep(10).await;
    }
}

/// Ends a test that counted readwrite transactions: restores `IDBDatabase.prototype.transaction`,
/// closes every client and deletes every sheet.
async fn restore_close_and_delete(restore: &Function, clients: &[JsValue], sheets: &[String]) {
    restore.call0(&JsValue::NULL).unwrap();
    for data in clients {
        call(data, "close", &[]).unwrap();
    }
    for sheet in sheets {
        SheetDatabase::delete(sheet).await.unwrap();
    }
}

fn readwrite_stat(name: &str) -> f64 {
    let stats = prop(&js_sys::global(), "__readwrite");
    prop(&stats, name).as_f64().unwrap()
}

/// An append and a blob write wait while another context holds the write turn, and both finish
/// once it is released.
#[wasm_bindgen_test]
async fn writes_wait_for_the_write_turn() {
    let sheet = unique_sheet("write-turn");
    let db = SheetDatabase::open(&sheet, IdbOptions { timeout_ms: 10_000, ..IdbOptions::default() }).await.unwrap();
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));
    let release = hold_write_lock().await;
    let batch = [("a/b", b"bytes".as_slice())];
    let writes = join(log.add_entry(sample_entry(0), 0, None), blobs.write_many(&batch));
    let mut writes = pin!(writes);
    match select(writes.as_mut(), pin!(sleep(400))).await {
        Either::Left(_) => panic!("a write finished while another context held the write turn"),
        Either::Right(((), _)) => {}
    }
    assert_eq!(log.bounds().await.unwrap().end, 0, "nothing was appended while the turn was held");
    release.call0(&JsValue::NULL).unwrap();
    let (appended, written) = writes.await;
    appended.expect("the append, once the turn was free");
    written.expect("the blob write, once the turn was free");
    assert_eq!(log.bounds().await.unwrap().end, 1);
    let read = blobs.read_many(&["a/b"]).await;
    assert_eq!(read[0].as_deref().unwrap(), b"bytes");
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// A turn held longer than the operation timeout gives a typed timeout (504, retryable) and
/// stores nothing.
#[wasm_bindgen_test]
async fn a_turn_held_past_the_timeout_gives_504_and_stores_nothing() {
    let sheet = unique_sheet("write-turn-timeout");
    let db = SheetDatabase::open(&sheet, IdbOptions { timeout_ms: 300, ..IdbOptions::default() }).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    let release = hold_write_lock().await;
    let error = log.add_entry(sample_entry(0), 0, None).await.expect_err("no turn within 300 ms");
    match error {
        LogError::Storage(e) => {
            assert_eq!(e.kind, StorageErrorKind::Timeout, "{e}");
            assert_eq!(e.status_code(), 504);
        }
        other => panic!("expected a storage timeout, got {other:?}"),
    }
    release.call0(&JsValue::NULL).unwrap();
    assert_eq!(log.bounds().await.unwrap().end, 0, "the timed-out append stored nothing");
    log.add_entry(sample_entry(0), 0, None).await.expect("the append once the turn is free");
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// Two sheets written at once through the API (edits, the snapshot workflow's tile writes, the
/// registry's records) never have two readwrite transactions unfinished at the same moment.
#[wasm_bindgen_test]
async fn at_most_one_readwrite_transaction_is_unfinished_at_a_time() {
    let restore = count_readwrite_transactions();
    let sheets = [unique_sheet("write-turn-a"), unique_sheet("write-turn-b")];
    let mut opened = Vec::new();
    for sheet in &sheets {
        let pairs = [("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE), ("snapshotInterval", 4.into())];
        opened.push(JsValue::from(SpreadsheetData::open(options(&pairs).unchecked_into()).await.unwrap()));
    }
    let mut writes = Vec::new();
    for round in 0..40u32 {
        for data in &opened {
            let value = JsValue::from(f64::from(round));
            writes.push(settle(
                call(data, "setCellValueAndFormat", &[round.into(), (round % 5).into(), value, JsValue::UNDEFINED])
                    .unwrap(),
            ));
        }
    }
    for result in join_all(writes).await {
        result.expect("every write is acknowledged");
    }
    // Let the snapshot workflows run, and the registry record what was acknowledged.
    for sheet in &sheets {
        registry::acknowledged_flushed(sheet).await;
    }
    poll_until(|| opened.iter().all(|data| log_info_seq(data, "snapshotSequenceId").is_some_and(|seq| seq >= 36)))
        .await;
    let (max, total) = (readwrite_stat("max"), readwrite_stat("total"));
    restore_close_and_delete(&restore, &opened, &sheets).await;
    web_sys::console::log_1(
        &format!("[write turn] {total} readwrite transactions, at most {max} unfinished at once").into(),
    );
    assert!(total >= 10.0, "the workload wrote ({total} readwrite transactions)");
    assert_eq!(max, 1.0, "at most one readwrite transaction unfinished at a time ({total} in all)");
}

/// Opens that create a database and deletes write too, and take the write turn as well: while
/// one sheet appends entry after entry, other sheets are created, written once and deleted, and at
/// no moment are two of these writes (readwrite transactions, `versionchange` transactions of the
/// creating opens, deletes) unfinished at once.
#[wasm_bindgen_test]
async fn opens_and_deletes_take_the_write_turn_too() {
    let restore = count_readwrite_transactions();
    let options = IdbOptions { timeout_ms: 10_000, ..IdbOptions::default() };
    let writer = unique_sheet("write-turn-writer");
    let db = SheetDatabase::open(&writer, options.clone()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    let appends = async {
        for seq in 0..60 {
            log.add_entry(sample_entry(seq), seq, None).await.expect("an append");
        }
    };
    let churn = async {
        for k in 0..6 {
            let sheet = unique_sheet(&format!("write-turn-churn-{k}"));
            let other = SheetDatabase::open(&sheet, options.clone()).await.expect("a creating open");
            IdbBlobStore::new(other.clone()).write_many(&[("a/b", b"bytes".as_slice())]).await.expect("a blob write");
            other.close();
            SheetDatabase::delete(&sheet).await.expect("a delete");
        }
    };
    join(appends, churn).await;
    assert_eq!(log.bounds().await.unwrap().end, 60, "every append landed");
    let (max, total) = (readwrite_stat("max"), readwrite_stat("total"));
    let (versionchange, deletes) = (readwrite_stat("versionchange"), readwrite_stat("deletes"));
    restore_close_and_delete(&restore, &[], &[]).await;
    db.close();
    SheetDatabase::delete(&writer).await.unwrap();
    web_sys::console::log_1(
        &format!(
            "[write turn] {total} writes ({versionchange} versionchange, {deletes} deletes), at most {max} unfinished at once"
        )
        .into(),
    );
    assert!(versionchange >= 6.0 && deletes >= 6.0, "the opens created and the deletes ran");
    assert_eq!(max, 1.0, "at most one write unfinished at a time ({total} in all)");
}

/// Makes `indexedDB.databases()` also list database `name` at version `version` (whether or not
/// it exists); returns the function that restores it.
fn list_database_too(name: &str, version: u32) -> Function {
    let install = Function::new_with_args(
        "name, version",
        r#"
        const factory = IDBFactory.prototype;
        const original = factory.databases;
        factory.databases = async function () {
          const listed = (await original.call(this)).filter((info) => info.name !== name);
          return [...listed, { name, version }];
        };
        return () => { factory.databases = original; };
        "#,
    );
    install.call2(&JsValue::NULL, &name.into(), &version.into()).unwrap().unchecked_into()
}

/// Creates database `name` at version `version` with no stores (as an older build's abandoned
/// open would have left it), and closes it.
async fn create_bare_database(name: &str, version: u32) {
    let create = Function::new_with_args(
        "name, version",
        r#"
        return new Promise((resolve, reject) => {
          const open = indexedDB.open(name, version);
          open.onsuccess = () => { open.result.close(); resolve(); };
          open.onerror = () => reject(open.error);
        });
        "#,
    );
    JsFuture::from(Promise::from(create.call2(&JsValue::NULL, &name.into(), &version.into()).unwrap())).await.unwrap();
}

/// Whether `open` is still pending after `ms` milliseconds; runs it to its end either way.
async fn pending_after<T>(open: impl std::future::Future<Output = T>, ms: u32) -> (bool, T) {
    let mut open = pin!(open);
    match select(open.as_mut(), pin!(sleep(ms))).await {
        Either::Left((result, _)) => (false, result),
        Either::Right(((), _)) => (true, open.await),
    }
}

/// A database that exists at this build's schema version opens without the write turn (it runs
/// no `versionchange` transaction; a Web Lock costs a page load 10-24 ms, BENCHMARKS.md stop 31):
/// the open finishes while another context holds the turn, and nothing is written.
#[wasm_bindgen_test]
async fn an_open_at_the_schema_version_needs_no_write_turn() {
    let options = IdbOptions { timeout_ms: 10_000, ..IdbOptions::default() };
    let sheet = unique_sheet("write-turn-lock-free");
    SheetDatabase::open(&sheet, options.clone()).await.unwrap().close();
    let restore = count_readwrite_transactions();
    let release = hold_write_lock().await;
    let (pending, opened) = pending_after(SheetDatabase::open(&sheet, options), 2_000).await;
    release.call0(&JsValue::NULL).unwrap();
    let versionchange = readwrite_stat("versionchange");
    restore.call0(&JsValue::NULL).unwrap();
    let db = opened.expect("the open of an existing database");
    assert!(!pending, "the open waited for the write turn");
    assert!(!db.created(), "the database existed");
    assert_eq!(versionchange, 0.0, "the open ran no versionchange transaction");
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// Opens that must write still take the turn: a database at an older version is upgraded under
/// it, and one listed at this version that is missing after all (deleted since it was listed)
/// has its upgrade refused, then is created under the turn, with its stores.
#[wasm_bindgen_test]
async fn opens_that_upgrade_or_create_still_wait_for_the_write_turn() {
    let options = IdbOptions { timeout_ms: 10_000, ..IdbOptions::default() };
    let older = unique_sheet("write-turn-older");
    create_bare_database(&SheetDatabase::database_name(&older), 1).await;
    let missing = unique_sheet("write-turn-listed-missing");
    let unlist = list_database_too(&SheetDatabase::database_name(&missing), sheetlog::browser::SCHEMA_VERSION);
    // The opens share a listing taken in the last 2 s: this one is taken after the change.
    sheetlog::browser::forget_database_listing();
    let restore = count_readwrite_transactions();
    for (sheet, created) in [(&older, false), (&missing, true)] {
        let release = hold_write_lock().await;
        let opened = std::cell::Cell::new(false);
        let open = async {
            let db = SheetDatabase::open(sheet, options.clone()).await.expect("the open, once the turn was free");
            opened.set(true);
            // Stores exist: a read of the log and a blob write work.
            assert_eq!(IdbEventLog::new(db.clone()).bounds().await.unwrap().end, 0);
            IdbBlobStore::new(db.clone()).write_many(&[("a/b", b"bytes".as_slice())]).await.unwrap();
            db
        };
        let held = async {
            sleep(400).await;
            let seen = (opened.get(), readwrite_stat("open"));
            release.call0(&JsValue::NULL).unwrap();
            seen
        };
        let (db, (opened_while_held, unfinished)) = join(open, held).await;
        assert!(!opened_while_held, "{sheet}: opened while another context held the turn");
        assert_eq!(unfinished, 0.0, "{sheet}: a write unfinished while another context held the turn");
        assert_eq!(db.created(), created, "{sheet}: created");
        db.close();
    }
    let (versionchange, max) = (readwrite_stat("versionchange"), readwrite_stat("max"));
    restore.call0(&JsValue::NULL).unwrap();
    unlist.call0(&JsValue::NULL).unwrap();
    // The older one's upgrade; the missing one's refused upgrade, then its creation.
    assert_eq!(versionchange, 3.0, "versionchange transactions");
    assert_eq!(max, 1.0, "at most one write unfinished at a time");
    for sheet in [older, missing] {
        SheetDatabase::delete(&sheet).await.unwrap();
    }
}

/// The clients of the model test and the sheet each one has open: two on sheet A (as two tabs
/// would be), one on sheet B.
const CLIENT_SHEET: [usize; 3] = [0, 0, 1];
/// Steps of one run of the model test.
const MODEL_STEPS: u32 = 100;

/// A small seeded generator (mulberry32), so a failing run can be replayed from its seed.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x6d2b_79f5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        t ^ (t >> 14)
    }

    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// One step of the model test.
#[derive(Debug, Clone, Copy)]
enum TurnStep {
    /// `client` sets one cell and awaits it.
    Write { client: usize, row: u32, col: u32, value: f64 },
    /// Both clients of sheet A and the client of sheet B issue `per_client` writes each without
    /// awaiting in between (A's two clients on disjoint columns, so the result does not depend on
    /// which append lands first), then await them all.
    Burst { per_client: u32, salt: u32 },
    /// `client` inserts `count` rows before `at`.
    InsertRows { client: usize, at: u32, count: u32 },
    /// `client` deletes `count` rows from `at`.
    DeleteRows { client: usize, at: u32, count: u32 },
    /// `client` closes its sheet and opens it again at once (the close's writes and the open's
    /// reads take turns with everything else).
    Reopen { client: usize },
}

/// The naive reference of one sheet: its cells.
type Cells = std::collections::BTreeMap<(u32, u32), f64>;

const MODEL_COLUMNS: u32 = 6;

fn model_step(rng: &mut Rng, rows_in_use: u32) -> TurnStep {
    let client = rng.below(3) as usize;
    match rng.below(10) {
        0..=3 => Write { client, row: rng.below(12), col: rng.below(MODEL_COLUMNS), value: f64::from(rng.below(1000)) },
        4..=5 => Burst { per_client: 2 + rng.below(6), salt: rng.below(1000) },
        6 if rows_in_use < 40 => InsertRows { client, at: rng.below(rows_in_use + 1), count: 1 + rng.below(3) },
        6 | 7 => DeleteRows { client, at: rng.below(rows_in_use.max(1)), count: 1 + rng.below(2) },
        _ => Reopen { client },
    }
}
use TurnStep::{Burst, DeleteRows, InsertRows, Reopen, Write};

/// The writes of a burst: `(client, row, col, value)`; sheet A's two clients write even and odd
/// columns.
fn burst_writes(per_client: u32, salt: u32) -> Vec<(usize, u32, u32, f64)> {
    let mut writes = Vec::new();
    for (client, &sheet) in CLIENT_SHEET.iter().enumerate() {
        for i in 0..per_client {
            let col = if sheet == 0 { (2 * i + client as u32) % MODEL_COLUMNS } else { i % MODEL_COLUMNS };
            let row = (salt + 3 * i) % 12;
            writes.push((client, row, col, f64::from(salt * 100 + i * 10 + client as u32)));
        }
    }
    writes
}

fn apply_to_reference(reference: &mut [Cells; 2], step: TurnStep) {
    let shift = |cells: &mut Cells, f: &dyn Fn(u32) -> Option<u32>| {
        *cells = cells.iter().filter_map(|(&(r, c), &v)| f(r).map(|r| ((r, c), v))).collect();
    };
    match step {
        Write { client, row, col, value } => {
            reference[CLIENT_SHEET[client]].insert((row, col), value);
        }
        Burst { per_client, salt } => {
            for (client, row, col, value) in burst_writes(per_client, salt) {
                reference[CLIENT_SHEET[client]].insert((row, col), value);
            }
        }
        InsertRows { client, at, count } => {
            shift(&mut reference[CLIENT_SHEET[client]], &|r| Some(if r >= at { r + count } else { r }));
        }
        DeleteRows { client, at, count } => shift(&mut reference[CLIENT_SHEET[client]], &|r| {
            if r < at {
                Some(r)
            } else if r < at + count {
                None
            } else {
                Some(r - count)
            }
        }),
        Reopen { .. } => {}
    }
}

async fn open_model_client(sheet: &str) -> JsValue {
    let pairs = [("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE), ("snapshotInterval", 4.into())];
    JsValue::from(SpreadsheetData::open(options(&pairs).unchecked_into()).await.expect("open"))
}

/// The numbers a client shows over the first `rows` rows and the model's columns (a value not
/// loaded or not synced yet is simply absent, so the caller polls until it matches).
fn shown_cells(data: &JsValue, rows: u32) -> Cells {
    let version = snapshot(data);
    let mut shown = Cells::new();
    for row in 0..rows {
        for col in 0..MODEL_COLUMNS {
            let value = call(data, "getCellValue", &[version.clone(), row.into(), col.into()]).expect("getCellValue");
            if let Some(v) = value.as_f64() {
                shown.insert((row, col), v);
            }
        }
    }
    shown
}

/// A model-based property test of the write turn across several clients (two on one sheet, one
/// on another, all in this page with the snapshot workflow in the page): random writes, bursts of
/// un-awaited writes from every client at once, row inserts and deletes, and close-then-reopen.
/// After every step, every client shows exactly the naive reference's cells of its sheet (waiting
/// for cross-client sync), and at no moment were two readwrite transactions unfinished at once.
#[wasm_bindgen_test]
async fn several_clients_match_a_reference_and_take_turns_after_every_step() {
    let seed = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let mut rng = Rng(seed);
    let restore = count_readwrite_transactions();
    let sheets = [unique_sheet("turn-model-a"), unique_sheet("turn-model-b")];
    let mut clients = Vec::new();
    for &sheet in &CLIENT_SHEET {
        clients.push(open_model_client(&sheets[sheet]).await);
    }
    let mut reference: [Cells; 2] = Default::default();
    let mut history = Vec::new();
    for _ in 0..MODEL_STEPS {
        let rows_in_use =
            reference.iter().flat_map(|cells| cells.keys().map(|&(r, _)| r + 1)).max().unwrap_or(0).max(12);
        let step = model_step(&mut rng, rows_in_use);
        history.push(step);
        let set = |client: usize, row: u32, col: u32, value: f64| {
            settle(
                call(
                    &clients[client],
                    "setCellValueAndFormat",
                    &[row.into(), col.into(), value.into(), JsValue::UNDEFINED],
                )
                .expect("setCellValueAndFormat"),
            )
        };
        match step {
            Write { client, row, col, value } => {
                set(client, row, col, value).await.unwrap_or_else(|e| panic!("seed {seed}, {history:?}: {e:?}"));
            }
            Burst { per_client, salt } => {
                let writes = burst_writes(per_client, salt).into_iter().map(|(c, r, col, v)| set(c, r, col, v));
                for result in join_all(writes.collect::<Vec<_>>()).await {
                    result.unwrap_or_else(|e| panic!("seed {seed}, {history:?}: {e:?}"));
                }
            }
            InsertRows { client, at, count } | DeleteRows { client, at, count } => {
                let method = if matches!(step, InsertRows { .. }) { "insertRows" } else { "deleteRows" };
                settle(call(&clients[client], method, &[at.into(), count.into()]).expect(method))
                    .await
                    .unwrap_or_else(|e| panic!("seed {seed}, {history:?}: {e:?}"));
            }
            Reopen { client } => {
                call(&clients[client], "close", &[]).expect("close");
                clients[client] = open_model_client(&sheets[CLIENT_SHEET[client]]).await;
            }
        }
        apply_to_reference(&mut reference, step);
        // Every client of a sheet catches up with the log's end (the largest position among them:
        // no write is in flight now) before the next step, so that the next step's edit is made
        // on a view holding every earlier one. Otherwise an edit would be concurrent with one the
        // client has not seen, and rebased over it: correct, but not what the reference does.
        for sheet in 0..sheets.len() {
            let of_sheet: Vec<&JsValue> =
                clients.iter().zip(CLIENT_SHEET).filter(|&(_, s)| s == sheet).map(|(c, _)| c).collect();
            poll_until(|| {
                let end = of_sheet.iter().filter_map(|c| log_info_seq(c, "sequenceId")).max();
                of_sheet.iter().all(|c| log_info_seq(c, "sequenceId") == end)
            })
            .await;
            let positions: Vec<_> = of_sheet.iter().map(|c| log_info_seq(c, "sequenceId")).collect();
            assert!(
                positions.windows(2).all(|w| w[0] == w[1]),
                "the clients of sheet {sheet} did not catch up ({positions:?}); seed {seed}, steps {history:?}"
            );
        }
        let rows = reference.iter().flat_map(|cells| cells.keys().map(|&(r, _)| r + 3)).max().unwrap_or(0).max(15);
        for (client, data) in clients.iter().enumerate() {
            let expected = &reference[CLIENT_SHEET[client]];
            poll_until(|| &shown_cells(data, rows) == expected).await;
            assert_eq!(&shown_cells(data, rows), expected, "client {client} after seed {seed}, steps {history:?}");
        }
        let max = readwrite_stat("max");
        assert!(max <= 1.0, "{max} readwrite transactions unfinished at once; seed {seed}, steps {history:?}");
    }
    let total = readwrite_stat("total");
    restore_close_and_delete(&restore, &clients, &sheets).await;
    web_sys::console::log_1(
        &format!("[write turn model] seed {seed}: {MODEL_STEPS} steps, {total} readwrite transactions").into(),
    );
    assert!(total >= f64::from(MODEL_STEPS), "the steps wrote ({total} readwrite transactions)");
}
