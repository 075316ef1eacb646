//! Browser-only storage behaviour: persistence across close and reopen, two connections racing
//! for one sequence id, group commit, a 16 MiB blob, and calls on a closed database.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::{dispose, fresh_db, unique_sheet};
use futures_util::future::join_all;
use sheetlog::blob::{conformance as blob_conformance, BlobDir, BlobError, BlobStore};
use sheetlog::browser::{IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::log::conformance::{append_samples, query_all, sample_entry};
use sheetlog::log::{EventLog, LogBounds, LogError, MetadataUpdate, QueryFrom, QueryTo, Workflow};
use sheetlog::StorageErrorKind;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn data_survives_close_and_reopen() {
    let sheet = unique_sheet("reopen");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..6).await;
    log.set_metadata(
        4,
        MetadataUpdate::default().with_snapshot(Some("snap/4".into())).with_pending(Some(Workflow::History)),
    )
    .await
    .unwrap();
    log.truncate(1).await.unwrap();
    let blobs = IdbBlobStore::new(db.clone());
    blobs.root().dir("snap").await.unwrap().write("index", b"persisted").await.unwrap();
    db.close();

    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 1, end: 6 });
    let (first, entries) = query_all(&log, QueryFrom::Snapshot, QueryTo::End).await;
    assert_eq!(first, 4);
    assert_eq!(entries[0].operation, sample_entry(4).operation);
    assert_eq!(entries[0].metadata.snapshot.as_deref(), Some("snap/4"));
    assert_eq!(entries[0].metadata.pending, Some(Workflow::History));
    let blobs = IdbBlobStore::new(db.clone());
    assert_eq!(blobs.root().dir("snap").await.unwrap().read("index").await.unwrap(), b"persisted");
    match log.add_entry(sample_entry(0), 5, None).await {
        Err(LogError::Conflict { next: 6 }) => {}
        other => panic!("append at a used id after reopen: {other:?}"),
    }
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn two_connections_racing_for_one_id() {
    let sheet = unique_sheet("race");
    let db_a = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let db_b = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let (a, b) = (IdbEventLog::new(db_a.clone()), IdbEventLog::new(db_b.clone()));
    for round in 0..20u64 {
        let mut both = join_all(vec![
            a.add_entry(sample_entry(round), round, None),
            b.add_entry(sample_entry(100 + round), round, None),
        ])
        .await;
        let (rb, ra) = (both.pop().unwrap(), both.pop().unwrap());
        let (winner, loser) = match (&ra, &rb) {
            (Ok(_), Err(_)) => (round, &rb),
            (Err(_), Ok(_)) => (100 + round, &ra),
            _ => panic!("round {round}: exactly one append must win, got {ra:?} and {rb:?}"),
        };
        match loser {
            Err(LogError::Conflict { next }) => {
                assert_eq!(*next, round + 1, "round {round}: the loser learns the next id")
            }
            other => panic!("round {round}: loser got {other:?}"),
        }
        let stored = a.query(QueryFrom::Seq(round), QueryTo::Seq(round + 1), None).await.unwrap();
        assert_eq!(stored.entries, vec![sample_entry(winner)], "round {round}: the winner's entry is stored");
    }
    assert_eq!(b.bounds().await.unwrap(), LogBounds { start: 0, end: 20 });
    db_b.close();
    dispose(&sheet, db_a).await;
}

#[wasm_bindgen_test]
async fn appends_issued_together_commit_together() {
    let (sheet, db) = fresh_db(1000).await;
    let log = IdbEventLog::new(db.clone());
    let appends = (0..50).map(|i| log.add_entry(sample_entry(i), i, None));
    let results = join_all(appends).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(log.append_commits() <= 2, "50 appends took {} commits", log.append_commits());
    // One conflicting append in a batch fails alone.
    let mixed = vec![
        log.add_entry(sample_entry(50), 50, None),
        log.add_entry(sample_entry(7), 7, None),
        log.add_entry(sample_entry(51), 51, None),
    ];
    let results = join_all(mixed).await;
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(matches!(results[1], Err(LogError::Conflict { next: 51 })), "{results:?}");
    let (_, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(entries, (0..52).map(sample_entry).collect::<Vec<_>>());
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn sixteen_mebibyte_blob_round_trip() {
    let (sheet, db) = fresh_db(1000).await;
    blob_conformance::large_blob_round_trip(IdbBlobStore::new(db.clone()), 16 << 20).await;
    dispose(&sheet, db).await;
}

#[wasm_bindgen_test]
async fn calls_on_a_closed_database_fail_with_closed() {
    let (sheet, db) = fresh_db(1000).await;
    let log = IdbEventLog::new(db.clone());
    let blobs = IdbBlobStore::new(db.clone());
    append_samples(&log, 0..1).await;
    db.close();
    match log.bounds().await {
        Err(LogError::Storage(e)) => {
            assert_eq!((e.kind, e.status_code()), (StorageErrorKind::Closed, 503));
        }
        other => panic!("bounds after close: {other:?}"),
    }
    match blobs.root().read("x").await {
        Err(BlobError::Storage(e)) => assert_eq!(e.kind, StorageErrorKind::Closed),
        other => panic!("read after close: {other:?}"),
    }
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// Opens `sheet`'s database with the raw IndexedDB API at `version` (as a newer build of the
/// app in another tab would), creating store `extra` in the upgrade.
async fn raw_open(sheet: &str, version: u32) -> indexed_db_futures::database::Database {
    use indexed_db_futures::prelude::*;
    indexed_db_futures::database::Database::open(SheetDatabase::database_name(sheet).as_str())
        .with_version(version)
        .with_on_upgrade_needed(|_, db| db.create_object_store("extra").build().map(drop))
        .await
        .expect("raw open")
}

#[wasm_bindgen_test]
async fn a_newer_schema_in_another_tab_is_not_blocked() {
    let sheet = unique_sheet("versionchange");
    let db = SheetDatabase::open(&sheet, IdbOptions { timeout_ms: 3000, ..IdbOptions::default() }).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..2).await;
    // Our connection closes on `versionchange`, so the upgrade goes through instead of waiting.
    let newer =
        sheetlog::browser::timer::with_timeout(2000, raw_open(&sheet, sheetlog::browser::SCHEMA_VERSION + 1)).await;
    let newer = newer.expect("the upgrade was blocked by our open connection");
    newer.close();
    // This build does not know the newer schema: a typed error (426) instead of hanging.
    match log.bounds().await {
        Err(LogError::Storage(e)) => {
            assert_eq!((e.kind, e.status_code()), (StorageErrorKind::NewerVersion, 426), "{e}");
            assert!(e.to_string().contains("a newer version of the app wrote this sheet"), "{e}");
        }
        other => panic!("bounds after a newer schema: {other:?}"),
    }
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

#[wasm_bindgen_test]
async fn an_append_stuck_behind_another_transaction_times_out_and_stores_nothing() {
    use indexed_db_futures::prelude::*;
    use indexed_db_futures::transaction::TransactionMode;
    let sheet = unique_sheet("timeout");
    let db = SheetDatabase::open(&sheet, IdbOptions { timeout_ms: 300, ..IdbOptions::default() }).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..1).await;
    // Another connection keeps a readwrite transaction on the log busy for about 1.2 s.
    let other =
        indexed_db_futures::database::Database::open(SheetDatabase::database_name(&sheet).as_str()).await.unwrap();
    let hold = async {
        let tx = other.transaction("log").with_mode(TransactionMode::Readwrite).build().unwrap();
        let store = tx.object_store("log").unwrap();
        let start = sheetlog::browser::timer::now_ms();
        while sheetlog::browser::timer::now_ms() - start < 1200.0 {
            let _: Option<wasm_bindgen::JsValue> = store.get(0.0f64).primitive().unwrap().await.unwrap();
        }
        tx.commit().await.unwrap();
    };
    let append = async {
        sheetlog::browser::timer::sleep(50).await;
        log.add_entry(sample_entry(1), 1, None).await
    };
    let ((), result) = futures_util::future::join(hold, append).await;
    match result {
        Err(LogError::Storage(e)) => assert_eq!((e.kind, e.status_code()), (StorageErrorKind::Timeout, 504), "{e}"),
        other => panic!("append behind a busy transaction: {other:?}"),
    }
    other.close();
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 1 }, "the timed-out append stored nothing");
    log.add_entry(sample_entry(1), 1, None).await.expect("appends work again once the store is free");
    dispose(&sheet, db).await;
}

/// Sets `name` of log record `seq` of `sheet` to `value` (or removes it when `None`), with the
/// raw IndexedDB API.
async fn edit_log_record(sheet: &str, seq: f64, name: &str, value: Option<JsValue>) {
    use indexed_db_futures::prelude::*;
    let db = indexed_db_futures::database::Database::open(SheetDatabase::database_name(sheet).as_str())
        .await
        .expect("raw open");
    let tx =
        db.transaction("log").with_mode(indexed_db_futures::transaction::TransactionMode::Readwrite).build().unwrap();
    let store = tx.object_store("log").unwrap();
    let record: JsValue = store.get(seq).primitive().unwrap().await.unwrap().expect("the record");
    match value {
        Some(value) => js_sys::Reflect::set(&record, &name.into(), &value).unwrap(),
        None => js_sys::Reflect::delete_property(&record.clone().into(), &name.into()).unwrap(),
    };
    store.put(record).with_key(seq).primitive().unwrap().await.unwrap();
    tx.commit().await.unwrap();
    db.close();
}

/// The latest snapshot is found without decoding its entry, which can be a large one (a poll of
/// the log decoded a 500,000-cell entry each time, BENCHMARKS.md "Stop 26"): its record keeps a
/// copy of the path (`p`). A record without the copy (written before it existed), or with one
/// that is not a valid path, is read from its entry.
#[wasm_bindgen_test]
async fn the_latest_snapshot_is_read_from_its_records_copy_of_the_path() {
    let sheet = unique_sheet("snapshot-path");
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    append_samples(&log, 0..4).await;
    log.set_metadata(2, MetadataUpdate::default().with_snapshot(Some("snap/2".into()))).await.unwrap();
    let reported = |page: &sheetlog::log::QueryResult| page.latest_snapshot.clone().map(|s| (s.seq, s.snapshot));
    let page = log.query(QueryFrom::Seq(3), QueryTo::End, None).await.unwrap();
    assert_eq!(reported(&page), Some((2, "snap/2".to_owned())));
    // Its entry's bytes replaced by ones that do not decode (a version 2 header whose CRC-32
    // does not match): the snapshot is still reported from the copy, so the entry was not
    // decoded; reading the entry itself is the error.
    let damaged = js_sys::Uint8Array::from(&[2u8, 0, 0, 0, 0, 0][..]);
    edit_log_record(&sheet, 2.0, "e", Some(damaged.into())).await;
    let page = log.query(QueryFrom::Seq(3), QueryTo::End, None).await.unwrap();
    assert_eq!(reported(&page), Some((2, "snap/2".to_owned())), "found from the copy");
    assert!(matches!(log.query(QueryFrom::Seq(2), QueryTo::End, None).await, Err(LogError::Corrupt { seq: 2, .. })));
    // Without the copy (an older record), or with an empty one, the entry is decoded: here the
    // damaged one, an error.
    for copy in [None, Some(JsValue::from_str(""))] {
        edit_log_record(&sheet, 2.0, "p", copy).await;
        let result = log.query(QueryFrom::Seq(3), QueryTo::End, None).await;
        assert!(matches!(result, Err(LogError::Corrupt { seq: 2, .. })), "{result:?}");
    }
    // An older record with an intact entry: the path from the entry, and the hint still applies.
    log.set_metadata(3, MetadataUpdate::default().with_snapshot(Some("snap/3".into()))).await.unwrap();
    edit_log_record(&sheet, 3.0, "p", None).await;
    let page = log.query(QueryFrom::Seq(3), QueryTo::End, None).await.unwrap();
    assert_eq!(reported(&page), Some((3, "snap/3".to_owned())), "found from the entry");
    let page = log.query(QueryFrom::Seq(3), QueryTo::End, Some(3)).await.unwrap();
    assert_eq!(reported(&page), None, "known to the caller");
    dispose(&sheet, db).await;
}
