//! The storage lifecycle on IndexedDB, in Chromium and Firefox (DESIGN.md section 5b): two
//! engines on one sheet, as two tabs; one writes while the other sleeps past its lease. Every
//! snapshot is followed by its history and a truncation of the log; the sleeping one, behind the
//! log's new start, reloads from the latest snapshot when it wakes and reads what the writer
//! wrote. Garbage collection keeps the blob store bounded.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use std::rc::Rc;

use browser_common::unique_sheet;
use futures_util::FutureExt as _;
use sheetlog::browser::{IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::engine::{Engine, EngineOptions, InThreadHost, LoadStatus, Retention, Runtime};
use sheetlog::log::EventLog;
use sheetlog::model::CellValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn runtime() -> Runtime {
    Runtime {
        spawn: Rc::new(wasm_bindgen_futures::spawn_local),
        sleep: Rc::new(|ms| sheetlog::browser::timer::sleep(ms).boxed_local()),
        pause: Rc::new(|| sheetlog::browser::timer::yield_task().boxed_local()),
        now_ms: Rc::new(|| js_sys::Date::now() as u64),
    }
}

type IdbEngine = Engine<IdbEventLog, IdbBlobStore>;

async fn open(sheet: &str, lease_ms: u64) -> (IdbEngine, SheetDatabase) {
    let db = SheetDatabase::open(sheet, IdbOptions::default()).await.expect("open the database");
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));
    let options = EngineOptions { snapshot_interval: 10, lease_ms, ..EngineOptions::default() };
    let host = InThreadHost::new(log.clone(), blobs.clone(), options.tile_size)
        .with_retention(Retention { keep_snapshots: 2, gc_every: 20, ..Retention::default() })
        .with_clock(Rc::new(|| js_sys::Date::now() as u64));
    let engine = Engine::open(log, blobs, Rc::new(host), runtime(), options).await.expect("open the engine");
    (engine, db)
}

async fn settle(engine: &IdbEngine) {
    for _ in 0..500 {
        let v = engine.snapshot();
        if v.log_info().workflow.is_none() && *v.load_status() == LoadStatus::Ready {
            return;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    panic!("never settled: {:?}", engine.snapshot().load_status());
}

fn number(engine: &IdbEngine, row: u64, col: u64) -> Option<f64> {
    match engine.snapshot().cell(row, col)?.value? {
        CellValue::Number(n) => Some(n),
        _ => None,
    }
}

#[wasm_bindgen_test]
async fn a_tab_asleep_past_truncation_reloads_from_the_snapshot_and_storage_stays_bounded() {
    let sheet = unique_sheet("lifecycle");
    let (writer, writer_db) = open(&sheet, 60_000).await;
    // The other tab reads the first edits, then sleeps: its lease lasts 200 ms.
    let (sleeper, sleeper_db) = open(&sheet, 200).await;
    writer.set_cell(0, 0, Some(CellValue::Number(-1.0)), None).await.unwrap();
    sleeper.sync().await.unwrap();
    let asleep_at = sleeper.snapshot().log_info().sequence_id;
    assert_eq!(number(&sleeper, 0, 0), Some(-1.0));
    sheetlog::browser::timer::sleep(300).await;

    for i in 0..80u64 {
        writer.set_cell(i / 4, i % 4, Some(CellValue::Number(i as f64)), None).await.unwrap();
        settle(&writer).await;
    }
    let bounds = writer.log().bounds().await.unwrap();
    assert!(bounds.start > asleep_at, "truncated past the sleeping tab ({asleep_at}): {bounds:?}");
    let info = writer.storage_info().await.unwrap();
    assert!(info.log_entries <= 21, "the log stays about an interval long: {info:?}");

    // The sleeping tab wakes: it is behind the log's start, reloads from the snapshot, and
    // reads every cell the writer wrote.
    sleeper.sync().await.unwrap();
    settle(&sleeper).await;
    assert_eq!(sleeper.snapshot().log_info().sequence_id, bounds.end);
    for i in 0..80u64 {
        assert_eq!(number(&sleeper, i / 4, i % 4), Some(i as f64), "edit {i} after the reload");
    }
    // And it writes again, landing after the writer's entries.
    sleeper.set_cell(30, 0, Some(CellValue::Number(30.0)), None).await.unwrap();
    writer.sync().await.unwrap();
    assert_eq!(number(&writer, 30, 0), Some(30.0));

    // Storage stays bounded: the blobs of superseded snapshots are collected.
    let before = writer.storage_info().await.unwrap();
    for i in 0..60u64 {
        writer.set_cell(i % 5, 0, Some(CellValue::Number(1000.0 + i as f64)), None).await.unwrap();
        settle(&writer).await;
    }
    let after = writer.storage_info().await.unwrap();
    assert!(after.blobs <= before.blobs + 12, "blobs grow by history only: {before:?} -> {after:?}");
    writer.close();
    sleeper.close();
    writer_db.close();
    sleeper_db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}
