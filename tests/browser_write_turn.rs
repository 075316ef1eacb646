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

/// Counts the readwrite transactions of this page that are unfinished at once, by wrapping
/// `IDBDatabase.prototype.transaction`: `globalThis.__readwrite = { open, max, total }`.
/// Returns the function that restores the prototype.
fn count_readwrite_transactions() -> Function {
    let install = Function::new_no_args(
        r#"
        const proto = IDBDatabase.prototype;
        const original = proto.transaction;
        const stats = (globalThis.__readwrite = { open: 0, max: 0, total: 0 });
        proto.transaction = function (...args) {
          const tx = original.apply(this, args);
          if (tx.mode === "readwrite") {
            stats.open++;
            stats.total++;
            stats.max = Math.max(stats.max, stats.open);
            let ended = false;
            const end = () => { if (!ended) { ended = true; stats.open--; } };
            tx.addEventListener("complete", end);
            tx.addEventListener("abort", end);
          }
          return tx;
        };
        return () => { proto.transaction = original; };
        "#,
    );
    install.call0(&JsValue::NULL).unwrap().unchecked_into()
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
    for _ in 0..500 {
        let done = opened.iter().all(|data| {
            let info = call(data, "getLogInfo", &[snapshot(data)]).unwrap();
            prop(&info, "snapshotSequenceId").as_f64().is_some_and(|seq| seq >= 36.0)
        });
        if done {
            break;
        }
        sleep(10).await;
    }
    let (max, total) = (readwrite_stat("max"), readwrite_stat("total"));
    restore.call0(&JsValue::NULL).unwrap();
    for data in &opened {
        call(data, "close", &[]).unwrap();
    }
    for sheet in &sheets {
        SheetDatabase::delete(sheet).await.unwrap();
    }
    web_sys::console::log_1(
        &format!("[write turn] {total} readwrite transactions, at most {max} unfinished at once").into(),
    );
    assert!(total >= 10.0, "the workload wrote ({total} readwrite transactions)");
    assert_eq!(max, 1.0, "at most one readwrite transaction unfinished at a time ({total} in all)");
}
