//! Storage failures a sheet recovers from (issue 12, item 4), in Chromium and Firefox: an open
//! that times out while the database is being created, a database left without its stores, a
//! newer schema, a timeout that fires after the append committed, concurrent and blocked opens,
//! and a database deleted under an open sheet.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::js::{call, object as options, prop, settle, snapshot};
use browser_common::unique_sheet;
use futures_util::future::join3;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use sheetlog::api::SpreadsheetData;
use sheetlog::blob::{BlobDir, BlobStore};
use sheetlog::browser::timer::{sleep, with_timeout};
use sheetlog::browser::{IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase, SCHEMA_VERSION};
use sheetlog::log::conformance::{append_samples, query_all, sample_entry};
use sheetlog::log::{EventLog, LogBounds, LogError, QueryFrom, QueryTo};
use sheetlog::StorageErrorKind;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn open_js(sheet: &str, extra: &[(&str, JsValue)]) -> Result<JsValue, JsValue> {
    let mut pairs = vec![("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE)];
    pairs.extend(extra.iter().cloned());
    SpreadsheetData::open(options(&pairs).unchecked_into()).await.map(Into::into)
}

fn status_code(error: &JsValue) -> f64 {
    prop(error, "statusCode").as_f64().unwrap_or(f64::NAN)
}

/// The brick of issue 12: `open({timeoutMs})` timing out while the database is being created
/// left a version-1 database without object stores, and every later open failed. Whatever the
/// timed-out open left, the next open works and the sheet keeps what is written to it.
#[wasm_bindgen_test]
async fn an_open_that_times_out_during_creation_does_not_brick_the_sheet() {
    let mut timed_out = 0;
    for round in 0..6 {
        let sheet = unique_sheet("open-timeout");
        match open_js(&sheet, &[("timeoutMs", 1.into())]).await {
            Ok(data) => {
                call(&data, "close", &[]).unwrap();
            }
            Err(error) => {
                assert_eq!(prop(&error, "name"), "StorageError", "round {round}");
                assert_eq!(status_code(&error), 504.0, "round {round}: {:?}", prop(&error, "message"));
                timed_out += 1;
            }
        }
        let data = open_js(&sheet, &[]).await.unwrap_or_else(|e| {
            panic!("round {round}: the open after a timed-out one failed: {:?}", prop(&e, "message"))
        });
        settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), "kept".into(), JsValue::UNDEFINED]).unwrap())
            .await
            .expect("a write after the recovered open");
        call(&data, "close", &[]).unwrap();
        let data = open_js(&sheet, &[]).await.expect("reopen");
        let value = call(&data, "getCellValue", &[snapshot(&data), 0.into(), 0.into()]).unwrap();
        assert_eq!(value, "kept", "round {round}");
        call(&data, "close", &[]).unwrap();
        SheetDatabase::delete(&sheet).await.unwrap();
    }
    web_sys::console::log_1(&format!("{timed_out} of 6 opens with timeoutMs 1 timed out").into());
}

/// Opens `sheet`'s database with the raw IndexedDB API at `version`, creating nothing.
async fn raw_open_empty(sheet: &str, version: u32) -> Database {
    Database::open(SheetDatabase::database_name(sheet).as_str()).with_version(version).await.expect("raw open")
}

/// Opens `sheet`'s database with the raw IndexedDB API at `version`, creating the stores of
/// schema 1, as an older (or newer) build of the app would.
async fn raw_open_with_stores(sheet: &str, version: u32) -> Database {
    Database::open(SheetDatabase::database_name(sheet).as_str())
        .with_version(version)
        .with_on_upgrade_needed(|_, db| {
            let log = db.create_object_store("log").build()?;
            log.create_index("snapshot", indexed_db_futures::KeyPath::One("s")).build()?;
            db.create_object_store("blobs").build()?;
            db.create_object_store("meta").build().map(drop)
        })
        .await
        .expect("raw open")
}

/// The names of the databases of this origin.
async fn database_names() -> Vec<String> {
    let factory = prop(&js_sys::global(), "indexedDB");
    let promise = call(&factory, "databases", &[]).expect("indexedDB.databases()");
    let list = settle(promise).await.unwrap();
    js_sys::Array::from(&list).iter().filter_map(|info| prop(&info, "name").as_string()).collect()
}

/// A database an older build bricked (version 1, no object stores) is completed by the next open.
#[wasm_bindgen_test]
async fn a_database_without_its_stores_is_completed_on_the_next_open() {
    let sheet = unique_sheet("bricked");
    raw_open_empty(&sheet, 1).await.close();
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.expect("open completes the database");
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..3).await;
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 3 });
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// A sheet written by a newer version of the app (a newer schema) does not open as damaged:
/// status 426, saying so.
#[wasm_bindgen_test]
async fn a_newer_schema_fails_open_with_426() {
    let sheet = unique_sheet("newer");
    raw_open_with_stores(&sheet, SCHEMA_VERSION + 1).await.close();
    let error = open_js(&sheet, &[]).await.expect_err("a newer schema must not open");
    assert_eq!(prop(&error, "name"), "StorageError");
    assert_eq!(status_code(&error), 426.0);
    let message = prop(&error, "message").as_string().unwrap();
    assert!(message.contains("a newer version of the app wrote this sheet"), "{message}");
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// A sheet of the previous schema (version 1) is upgraded in place and keeps its entries.
#[wasm_bindgen_test]
async fn a_sheet_of_schema_1_opens_and_keeps_its_entries() {
    let sheet = unique_sheet("schema1");
    raw_open_with_stores(&sheet, 1).await.close();
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    append_samples(&IdbEventLog::new(db.clone()), 0..2).await;
    db.close();
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    assert!(!db.created());
    assert_eq!(IdbEventLog::new(db.clone()).bounds().await.unwrap(), LogBounds { start: 0, end: 2 });
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// The timeout of an append fires after its transaction committed (the browser is late to say
/// so): the append is durable, so it succeeds, instead of being rolled back as a timeout.
#[wasm_bindgen_test]
async fn a_timeout_after_the_commit_keeps_the_durable_append() {
    let sheet = unique_sheet("late-commit");
    let db = SheetDatabase::open(&sheet, IdbOptions { timeout_ms: 200, ..IdbOptions::default() }).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..1).await;
    db.set_late_commit_ms(600);
    log.add_entry(sample_entry(1), 1, None).await.expect("a committed append is not a timeout");
    db.set_late_commit_ms(0);
    let (_, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(entries, vec![sample_entry(0), sample_entry(1)]);
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// Calls that need the connection while it is being opened share one open request.
#[wasm_bindgen_test]
async fn concurrent_calls_share_one_open() {
    let sheet = unique_sheet("single-flight");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    assert_eq!(db.opens(), 1);
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));
    db.simulate_forced_close();
    let root = blobs.root();
    let (a, b, c) = join3(log.bounds(), log.bounds(), root.read("missing")).await;
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    assert!(c.is_err());
    assert_eq!(db.opens(), 2, "three calls, one open");
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// An open blocked by another tab holding the previous schema open reports `blocked` (503,
/// retryable) and leaves no connection behind when it completes later: the database can then be
/// deleted (an orphan connection would block that forever).
#[wasm_bindgen_test]
async fn a_blocked_open_leaves_no_orphan_connection() {
    let sheet = unique_sheet("blocked");
    // An "older tab" that never closes on versionchange.
    let older = raw_open_with_stores(&sheet, 1).await;
    let result = SheetDatabase::open(&sheet, IdbOptions { timeout_ms: 3000, ..IdbOptions::default() }).await;
    match result {
        Err(e) => assert_eq!((e.kind, e.status_code()), (StorageErrorKind::Blocked, 503), "{e}"),
        Ok(_) => panic!("the open should be blocked"),
    }
    // The older tab goes away: the blocked request completes, and its connection is closed.
    older.close();
    sleep(300).await;
    let deleted = with_timeout(3000, SheetDatabase::delete(&sheet)).await;
    assert!(matches!(deleted, Some(Ok(()))), "the delete was blocked by an orphan connection: {deleted:?}");
}

/// A database deleted under an open sheet by another tab (not through `SpreadsheetData.delete`)
/// is not re-created: the sheet shows a `StorageError` 410 and its writes reject with it.
#[wasm_bindgen_test]
async fn a_database_deleted_by_another_tab_gives_410_and_is_not_recreated() {
    let sheet = unique_sheet("deleted-under");
    let data = open_js(&sheet, &[]).await.unwrap();
    settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), 1.into(), JsValue::UNDEFINED]).unwrap())
        .await
        .unwrap();
    let deleted = with_timeout(3000, SheetDatabase::delete(&sheet)).await;
    assert!(matches!(deleted, Some(Ok(()))), "the open sheet blocked the deletion: {deleted:?}");
    sleep(50).await;
    let status = call(&data, "getLoadStatus", &[snapshot(&data)]).unwrap();
    assert_eq!(prop(&status, "state"), "error");
    assert_eq!(status_code(&prop(&status, "error")), 410.0);
    let write =
        settle(call(&data, "setCellValueAndFormat", &[1.into(), 0.into(), 2.into(), JsValue::UNDEFINED]).unwrap());
    let error = write.await.expect_err("a write after the deletion must fail");
    assert_eq!((prop(&error, "name"), status_code(&error)), (JsValue::from("StorageError"), 410.0));
    sleep(100).await;
    let name = SheetDatabase::database_name(&sheet);
    assert!(!database_names().await.contains(&name), "the database was re-created");
    call(&data, "close", &[]).unwrap();
}

/// The same when the browser closed the connection first (site data cleared): the reopen finds
/// no database, and fails with 410 instead of creating an empty one.
#[wasm_bindgen_test]
async fn a_reopen_that_finds_no_database_gives_410() {
    let sheet = unique_sheet("vanished");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..2).await;
    db.simulate_forced_close();
    SheetDatabase::delete(&sheet).await.unwrap();
    match log.add_entry(sample_entry(2), 2, None).await {
        Err(LogError::Storage(e)) => assert_eq!((e.kind, e.status_code()), (StorageErrorKind::Deleted, 410), "{e}"),
        other => panic!("append after the database vanished: {other:?}"),
    }
    assert!(db.is_deleted());
    assert!(!database_names().await.contains(&SheetDatabase::database_name(&sheet)), "re-created");
    db.close();
}
