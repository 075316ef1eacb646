//! The `SpreadsheetData` JS surface in a real browser, driven as JS would: methods are looked up
//! by name on the JS object and called with JS values (DESIGN.md section 3).
#![cfg(target_arch = "wasm32")]

mod browser_common;

use std::cell::Cell;
use std::rc::Rc;

use browser_common::js::{call, object as options, prop, settle, snapshot};
use browser_common::unique_sheet;
use js_sys::{Array, Function, Object};
use sheetlog::api::SpreadsheetData;
use sheetlog::browser::SheetDatabase;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn value(data: &JsValue, row: f64, col: f64) -> JsValue {
    call(data, "getCellValue", &[snapshot(data), row.into(), col.into()]).unwrap()
}

fn state(data: &JsValue) -> String {
    let status = call(data, "getLoadStatus", &[snapshot(data)]).unwrap();
    prop(&status, "state").as_string().unwrap()
}

async fn wait_ready(data: &JsValue) {
    for _ in 0..1000 {
        if state(data) == "ready" {
            return;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    panic!("never ready: {}", state(data));
}

async fn open(sheet: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE)];
    pairs.extend(extra.iter().cloned());
    let data = SpreadsheetData::open(options(&pairs).unchecked_into()).await.expect("open");
    data.into()
}

#[wasm_bindgen_test]
async fn in_memory_contract() {
    let data: JsValue = SpreadsheetData::in_memory(None).unwrap().into();
    wait_ready(&data).await;
    let first = snapshot(&data);
    assert!(Object::is(&first, &snapshot(&data)), "the same object until something changes");
    assert_eq!(call(&data, "getRowCount", std::slice::from_ref(&first)).unwrap(), 0);
    assert!(value(&data, 0.0, 0.0).is_undefined());

    // Subscribe with the unbound function, count calls.
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let listener = Closure::<dyn Fn()>::new(move || c.set(c.get() + 1));
    let subscribe: Function = prop(&data, "subscribe").dyn_into().unwrap();
    assert!(Object::is(&subscribe, &prop(&data, "subscribe")), "a stable function");
    let unsubscribe: Function = subscribe.call1(&JsValue::UNDEFINED, listener.as_ref()).unwrap().dyn_into().unwrap();

    let write = call(&data, "setCellValueAndFormat", &[2.into(), 3.into(), 42.5.into(), "0.00".into()]).unwrap();
    assert_eq!(value(&data, 2.0, 3.0), 42.5, "visible before the promise settles");
    assert!(calls.get() >= 1, "subscribers told before it settles");
    settle(write).await.unwrap();
    let after = snapshot(&data);
    assert!(!Object::is(&first, &after));
    assert!(
        call(&data, "getCellValue", &[first.clone(), 2.into(), 3.into()]).unwrap().is_undefined(),
        "old version unchanged"
    );
    assert_eq!(call(&data, "getCellFormat", &[after.clone(), 2.into(), 3.into()]).unwrap(), "0.00");
    assert_eq!(call(&data, "getRowCount", std::slice::from_ref(&after)).unwrap(), 3);
    assert_eq!(call(&data, "getColumnCount", std::slice::from_ref(&after)).unwrap(), 4);

    for (v, expect_null) in [(JsValue::NULL, true), (JsValue::from_str("text"), false), (JsValue::TRUE, false)] {
        settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), v.clone(), JsValue::UNDEFINED]).unwrap())
            .await
            .unwrap();
        let got = value(&data, 0.0, 0.0);
        if expect_null {
            assert!(got.is_null(), "null is an explicitly empty cell");
        } else {
            assert_eq!(got, v);
        }
    }
    let error = options(&[("type", "CellError".into()), ("value", "#DIV/0!".into())]);
    settle(call(&data, "setCellValueAndFormat", &[0.into(), 1.into(), error, JsValue::UNDEFINED]).unwrap())
        .await
        .unwrap();
    assert_eq!(prop(&value(&data, 0.0, 1.0), "value"), "#DIV/0!");

    // Validation: rejected with a named error, nothing stored, nobody told.
    let before = snapshot(&data);
    let count = calls.get();
    for (row, v) in [
        (-1.0, JsValue::from(1)),
        (0.5, JsValue::from(1)),
        (0.0, JsValue::from_f64(f64::NAN)),
        (0.0, Object::new().into()),
    ] {
        let rejected = settle(
            call(&data, "setCellValueAndFormat", &[row.into(), 0.into(), v.clone(), JsValue::UNDEFINED]).unwrap(),
        )
        .await;
        let error = rejected.expect_err("bad input rejects");
        assert_eq!(prop(&error, "name"), "ValidationError");
        let checked = call(&data, "isValidCellValueAndFormat", &[row.into(), 0.into(), v, JsValue::UNDEFINED]).unwrap();
        assert_eq!(prop(&checked, "name"), "ValidationError", "isValid reports the same error");
    }
    assert!(Object::is(&before, &snapshot(&data)));
    assert_eq!(calls.get(), count);
    assert!(call(&data, "isValidCellValueAndFormat", &[1.into(), 1.into(), 5.into(), JsValue::UNDEFINED])
        .unwrap()
        .is_undefined());
    let thrown = call(&data, "getCellValue", &[before, (-3).into(), 0.into()]).expect_err("bad read index throws");
    assert_eq!(prop(&thrown, "name"), "ValidationError");

    // Viewport round trip; an equal viewport is a no-op.
    let vp = options(&[
        ("rowMinOffset", 0.into()),
        ("columnMinOffset", 0.into()),
        ("width", 400.into()),
        ("height", 300.into()),
    ]);
    call(&data, "setViewport", std::slice::from_ref(&vp)).unwrap();
    let with_vp = snapshot(&data);
    assert_eq!(prop(&call(&data, "getViewport", std::slice::from_ref(&with_vp)).unwrap(), "width"), 400);
    let count = calls.get();
    call(&data, "setViewport", &[vp]).unwrap();
    assert!(Object::is(&with_vp, &snapshot(&data)));
    assert_eq!(calls.get(), count);

    // Offset mappings.
    let rows = call(&data, "getRowItemOffsetMapping", std::slice::from_ref(&with_vp)).unwrap();
    assert_eq!(call(&rows, "itemOffset", &[3.into()]).unwrap(), 90);
    let hit: Array = call(&rows, "offsetToItem", &[95.into()]).unwrap().dyn_into().unwrap();
    assert_eq!((hit.get(0), hit.get(1)), (JsValue::from(3), JsValue::from(90)));
    let info = call(&data, "getLogInfo", &[with_vp]).unwrap();
    assert_eq!(prop(&info, "sequenceId"), JsValue::from(js_sys::BigInt::from(5u64)));

    // Unsubscribe: never called again; calling it twice is harmless.
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    let count = calls.get();
    settle(call(&data, "setCellValueAndFormat", &[9.into(), 9.into(), 1.into(), JsValue::UNDEFINED]).unwrap())
        .await
        .unwrap();
    assert_eq!(calls.get(), count);
    call(&data, "close", &[]).unwrap();
    let closed =
        settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), 1.into(), JsValue::UNDEFINED]).unwrap())
            .await;
    let error = closed.expect_err("edits after close reject");
    assert_eq!(prop(&error, "name"), "StorageError");
    assert_eq!(prop(&error, "statusCode"), 503);
}

#[wasm_bindgen_test]
async fn open_edit_close_reopen() {
    let sheet = unique_sheet("api-reopen");
    let data = open(&sheet, &[]).await;
    wait_ready(&data).await;
    for i in 0..5 {
        settle(call(&data, "setCellValueAndFormat", &[i.into(), 1.into(), (i * 10).into(), "0".into()]).unwrap())
            .await
            .unwrap();
    }
    call(&data, "close", &[]).unwrap();
    let again = open(&sheet, &[]).await;
    wait_ready(&again).await;
    for i in 0..5 {
        assert_eq!(value(&again, f64::from(i), 1.0), i * 10);
    }
    call(&again, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// Column widths and row heights through IndexedDB: the mappings follow them at once and keep
/// their identity while they do not change, a snapshot keeps them, a reopen reads them back,
/// undo restores the previous size, and bad sizes are refused with nothing stored.
#[wasm_bindgen_test]
async fn item_sizes_survive_a_snapshot_and_a_reopen() {
    let sheet = unique_sheet("api-sizes");
    let data = open(&sheet, &[("snapshotInterval", 2.into())]).await;
    wait_ready(&data).await;
    let columns = |data: &JsValue| call(data, "getColumnItemOffsetMapping", &[snapshot(data)]).unwrap();
    let before = columns(&data);
    assert!(Object::is(&before, &columns(&data)), "the same mapping while nothing changes");
    settle(call(&data, "setColumnWidths", &[1.into(), 2.into(), 250.into()]).unwrap()).await.unwrap();
    settle(call(&data, "setRowHeights", &[0.into(), 1.into(), 60.into()]).unwrap()).await.unwrap();
    settle(call(&data, "setCellValueAndFormat", &[5.into(), 5.into(), 1.into()]).unwrap()).await.unwrap();
    let after = columns(&data);
    assert!(!Object::is(&before, &after), "a new mapping once the widths changed");
    assert_eq!(call(&after, "itemSize", &[2.into()]).unwrap(), 250);
    assert_eq!(call(&after, "itemOffset", &[3.into()]).unwrap(), 600);
    let hit: Array = call(&after, "offsetToItem", &[349.into()]).unwrap().dyn_into().unwrap();
    assert_eq!((hit.get(0), hit.get(1)), (JsValue::from(1), JsValue::from(100)));
    for bad in [0.5, 0.0, 10_001.0, f64::NAN] {
        let error = settle(call(&data, "setColumnWidths", &[0.into(), 1.into(), bad.into()]).unwrap()).await;
        assert_eq!(prop(&error.expect_err("refused"), "name"), "ValidationError", "width {bad}");
    }
    let error = settle(call(&data, "setRowHeights", &[0.into(), 0.into(), 40.into()]).unwrap()).await;
    assert_eq!(prop(&error.expect_err("a count of 0"), "name"), "ValidationError");
    // The snapshot after the third entry holds the sizes (interval 2).
    let snapshotted = |data: &JsValue| {
        let info = call(data, "getLogInfo", &[snapshot(data)]).unwrap();
        u64::try_from(prop(&info, "snapshotSequenceId")).ok()
    };
    for _ in 0..1000 {
        if snapshotted(&data).is_some_and(|seq| seq >= 2) {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    assert!(snapshotted(&data).is_some_and(|seq| seq >= 2), "a snapshot after the sizes");
    call(&data, "close", &[]).unwrap();

    let again = open(&sheet, &[]).await;
    wait_ready(&again).await;
    let cols = columns(&again);
    assert_eq!(call(&cols, "itemSize", &[1.into()]).unwrap(), 250);
    assert_eq!(call(&cols, "itemSize", &[3.into()]).unwrap(), 100);
    let rows = call(&again, "getRowItemOffsetMapping", &[snapshot(&again)]).unwrap();
    assert_eq!(call(&rows, "itemOffset", &[2.into()]).unwrap(), 90);
    // Undo of this tab's last step would be the cell; reset a width and undo that.
    settle(call(&again, "setColumnWidths", &[1.into(), 1.into(), JsValue::NULL]).unwrap()).await.unwrap();
    assert_eq!(call(&columns(&again), "itemSize", &[1.into()]).unwrap(), 100);
    settle(call(&again, "undo", &[]).unwrap()).await.unwrap();
    assert_eq!(call(&columns(&again), "itemSize", &[1.into()]).unwrap(), 250, "undo restores the width");
    call(&again, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}

#[wasm_bindgen_test]
async fn bad_open_options_are_validation_errors() {
    for bad in [
        options(&[("name", "".into())]),
        options(&[("name", "x".into()), ("snapshotInterval", 0.into())]),
        options(&[("name", "x".into()), ("durability", "soft".into())]),
    ] {
        let error = SpreadsheetData::open(bad.unchecked_into()).await.err().expect("rejected");
        assert_eq!(prop(&error, "name"), "ValidationError");
    }
}

#[wasm_bindgen_test]
async fn two_instances_writing_interleaved_end_identical() {
    let sheet = unique_sheet("api-two");
    let a = open(&sheet, &[("snapshotInterval", 50.into())]).await;
    let b = open(&sheet, &[("snapshotInterval", 50.into())]).await;
    let mut writes = Vec::new();
    for i in 0..200 {
        let (data, col) = if i % 2 == 0 { (&a, 0) } else { (&b, 1) };
        writes.push(settle(
            call(data, "setCellValueAndFormat", &[(i / 2).into(), col.into(), i.into(), JsValue::UNDEFINED]).unwrap(),
        ));
    }
    for result in futures_util::future::join_all(writes).await {
        result.expect("every edit is acknowledged");
    }
    // Both sync (the channel announces appends; sync again to be sure).
    for _ in 0..500 {
        let (sa, sb) = (snapshot(&a), snapshot(&b));
        let (ia, ib) = (call(&a, "getLogInfo", &[sa]).unwrap(), call(&b, "getLogInfo", &[sb]).unwrap());
        if prop(&ia, "sequenceId") == JsValue::from(js_sys::BigInt::from(200u64))
            && prop(&ib, "sequenceId") == JsValue::from(js_sys::BigInt::from(200u64))
        {
            break;
        }
        sheetlog::browser::timer::sleep(20).await;
    }
    for i in 0..200 {
        let (row, col) = (f64::from(i / 2), f64::from(i % 2));
        assert_eq!(value(&a, row, col), i, "edit {i} in a");
        assert_eq!(value(&b, row, col), i, "edit {i} in b");
    }
    call(&a, "close", &[]).unwrap();
    call(&b, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}

fn wasm_memory_bytes() -> u32 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().dyn_into().unwrap();
    let buffer: js_sys::ArrayBuffer = memory.buffer().dyn_into().unwrap();
    buffer.byte_length()
}

#[wasm_bindgen_test]
async fn reads_and_subscriptions_leave_wasm_memory_flat() {
    let data: JsValue = SpreadsheetData::in_memory(None).unwrap().into();
    for i in 0..20 {
        settle(call(&data, "setCellValueAndFormat", &[i.into(), 0.into(), i.into(), JsValue::UNDEFINED]).unwrap())
            .await
            .unwrap();
        settle(
            call(&data, "setCellValueAndFormat", &[i.into(), 1.into(), format!("text {i}").into(), JsValue::UNDEFINED])
                .unwrap(),
        )
        .await
        .unwrap();
    }
    wait_ready(&data).await;
    let get_snapshot: Function = prop(&data, "getSnapshot").dyn_into().unwrap();
    let get_cell_value: Function = prop(&data, "getCellValue").dyn_into().unwrap();
    let subscribe: Function = prop(&data, "subscribe").dyn_into().unwrap();
    let listener = Closure::<dyn Fn()>::new(|| {});
    // Warm up, so that one-time allocations are not counted.
    for i in 0..1000 {
        let s = get_snapshot.call0(&JsValue::UNDEFINED).unwrap();
        get_cell_value.call3(&data, &s, &JsValue::from(i % 20), &JsValue::from(i % 2)).unwrap();
        let unsubscribe: Function =
            subscribe.call1(&JsValue::UNDEFINED, listener.as_ref()).unwrap().dyn_into().unwrap();
        unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    }
    let before = wasm_memory_bytes();
    for i in 0..1_000_000 {
        let s = get_snapshot.call0(&JsValue::UNDEFINED).unwrap();
        get_cell_value.call3(&data, &s, &JsValue::from(i % 20), &JsValue::from(i % 2)).unwrap();
    }
    for _ in 0..1000 {
        let unsubscribe: Function =
            subscribe.call1(&JsValue::UNDEFINED, listener.as_ref()).unwrap().dyn_into().unwrap();
        unsubscribe.call0(&JsValue::UNDEFINED).unwrap();
    }
    assert_eq!(wasm_memory_bytes(), before, "wasm memory grew");
}

#[wasm_bindgen_test]
async fn the_max_layers_option_compacts_snapshots() {
    use sheetlog::browser::IdbEventLog;
    use sheetlog::log::{EventLog, QueryFrom, QueryTo};
    let sheet = unique_sheet("api-layers");
    let data = open(&sheet, &[("snapshotInterval", 3.into()), ("maxLayers", 2.into())]).await;
    for i in 0..12 {
        settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), i.into(), JsValue::UNDEFINED]).unwrap())
            .await
            .unwrap();
        settle(call(&data, "insertRows", &[0.into(), 1.into()]).unwrap()).await.unwrap();
    }
    for _ in 0..2000 {
        let info = call(&data, "getLogInfo", &[snapshot(&data)]).unwrap();
        if prop(&info, "workflow").is_undefined() {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    // Value i was written at row 0, then 12 - i rows were inserted above it.
    for i in 0..12 {
        assert_eq!(value(&data, f64::from(12 - i), 0.0), i, "value {i}");
    }
    let db = SheetDatabase::open(&sheet, sheetlog::browser::IdbOptions::default()).await.unwrap();
    let log = IdbEventLog::new(db.clone());
    let latest = log.query(QueryFrom::Snapshot, QueryTo::End, None).await.unwrap().latest_snapshot.unwrap();
    let index =
        sheetlog::engine::workflow::read_index(&sheetlog::browser::IdbBlobStore::new(db.clone()), &latest.snapshot)
            .await
            .unwrap();
    assert!(index.layers.len() <= 2, "compacted to the bound: {} layers", index.layers.len());
    let bad = SpreadsheetData::open(options(&[("name", "x".into()), ("maxLayers", 0.into())]).unchecked_into()).await;
    assert_eq!(prop(&bad.err().expect("maxLayers 0 is rejected"), "name"), "ValidationError");
    call(&data, "close", &[]).unwrap();
    db.close();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// The class name of `value` and of its class's parent (`constructor.name`).
fn class_names(value: &JsValue) -> (String, String) {
    let constructor = prop(value, "constructor");
    let parent = js_sys::Object::get_prototype_of(&prop(&constructor, "prototype"));
    let parent_name = prop(&prop(&parent.into(), "constructor"), "name");
    (prop(&constructor, "name").as_string().unwrap(), parent_name.as_string().unwrap())
}

#[wasm_bindgen_test]
async fn errors_are_instances_of_the_error_classes() {
    let data: JsValue = SpreadsheetData::in_memory(None).unwrap().into();
    // Optional trailing arguments: no format.
    settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), 42.into()]).unwrap()).await.unwrap();
    assert_eq!(value(&data, 0.0, 0.0), 42);
    let rejected = settle(call(&data, "setCellValueAndFormat", &[(-1).into(), 0.into(), 1.into()]).unwrap())
        .await
        .expect_err("a negative row rejects");
    assert!(rejected.is_instance_of::<js_sys::Error>(), "an Error");
    assert_eq!(class_names(&rejected), ("ValidationError".to_owned(), "SheetlogError".to_owned()));
    assert_eq!(prop(&rejected, "name"), "ValidationError");
    let thrown = call(&data, "setViewport", &[options(&[("width", (-1).into())])]).expect_err("a bad viewport throws");
    assert_eq!(class_names(&thrown).0, "ValidationError");
    call(&data, "close", &[]).unwrap();
    let closed = settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), 1.into()]).unwrap())
        .await
        .expect_err("a closed sheet rejects");
    assert_eq!(class_names(&closed).0, "StorageError");
    assert_eq!(prop(&closed, "statusCode"), 503);
}

/// A worker script that cannot load does not fail `open()` (the worker starts once the sheet
/// is shown, `src/api/lazy_worker.rs`): it shows moments later as the load status `error`, the
/// message naming the script. Edits are stored all the same, and a layer import (which needs the
/// worker) rejects naming it.
#[wasm_bindgen_test]
async fn a_missing_worker_script_shows_in_the_load_status_naming_it() {
    let sheet = unique_sheet("missing-worker");
    let script = "/no-such-sheetlog-worker.js";
    let data = open(&sheet, &[("worker", JsValue::TRUE), ("workerUrl", script.into())]).await;
    let error_message = |data: &JsValue| {
        let status = call(data, "getLoadStatus", &[snapshot(data)]).unwrap();
        let error = prop(&status, "error");
        (!error.is_undefined()).then(|| (class_names(&error).0, prop(&error, "message").as_string().unwrap()))
    };
    for _ in 0..1000 {
        if error_message(&data).is_some() {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    let (class, message) = error_message(&data).expect("the load status shows the worker's failure");
    assert_eq!(state(&data), "error");
    assert_eq!(class, "StorageError");
    assert!(message.contains(script), "{message}");

    settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), "kept".into()]).unwrap()).await.unwrap();
    let layer = options(&[("mode", "layer".into())]);
    let import = settle(call(&data, "importCsv", &["1,2\n".into(), layer]).unwrap()).await;
    let error = import.expect_err("a layer import needs the worker");
    assert_eq!(class_names(&error).0, "StorageError");
    let message = prop(&error, "message").as_string().unwrap();
    assert!(message.contains(script), "{message}");
    call(&data, "close", &[]).unwrap();

    let again = open(&sheet, &[]).await;
    wait_ready(&again).await;
    assert_eq!(value(&again, 0.0, 0.0), "kept", "the edit was stored");
    assert_eq!(value(&again, 0.0, 1.0), JsValue::UNDEFINED, "the import stored nothing");
    call(&again, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}

#[wasm_bindgen_test]
async fn list_and_delete_sheets() {
    let sheet = unique_sheet("listed");
    let data = open(&sheet, &[]).await;
    let other = open(&sheet, &[]).await;
    settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), "kept".into()]).unwrap()).await.unwrap();
    let listed = |list: &JsValue| {
        Array::from(list).iter().any(|s| prop(&s, "name").as_string().as_deref() == Some(sheet.as_str()))
    };
    let list = settle(SpreadsheetData::list().into()).await.unwrap();
    assert!(listed(&list), "an opened sheet is listed");
    let entry = Array::from(&list).iter().find(|s| prop(s, "name") == sheet.as_str()).unwrap();
    assert!(prop(&entry, "openedAt").as_f64().is_some());

    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let listener = Closure::<dyn Fn()>::new(move || c.set(c.get() + 1));
    let subscribe: Function = prop(&other, "subscribe").dyn_into().unwrap();
    subscribe.call1(&JsValue::UNDEFINED, listener.as_ref()).unwrap();

    settle(SpreadsheetData::delete_sheet(JsValue::from_str(&sheet).unchecked_into()).into())
        .await
        .expect("delete resolves");
    for _ in 0..100 {
        if state(&other) == "error" {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    let status = call(&other, "getLoadStatus", &[snapshot(&other)]).unwrap();
    let error = prop(&status, "error");
    assert_eq!((class_names(&error).0, prop(&error, "statusCode")), ("StorageError".to_owned(), JsValue::from(410)));
    assert!(calls.get() >= 1, "subscribers are told");
    let write = settle(call(&other, "setCellValueAndFormat", &[1.into(), 0.into(), 2.into()]).unwrap())
        .await
        .expect_err("a deleted sheet takes no writes");
    assert_eq!(prop(&write, "statusCode"), 410);
    let list = settle(SpreadsheetData::list().into()).await.unwrap();
    assert!(!listed(&list), "a deleted sheet is not listed");
    // Opening it again starts an empty sheet.
    let again = open(&sheet, &[]).await;
    wait_ready(&again).await;
    assert!(value(&again, 0.0, 0.0).is_undefined());
    call(&again, "close", &[]).unwrap();
    settle(SpreadsheetData::delete_sheet(JsValue::from_str(&sheet).unchecked_into()).into()).await.unwrap();
}

/// `open()` records the sheet in the list in the background (BENCHMARKS.md stop 31): `list()`
/// right after it shows the sheet, and a delete right after it is not undone by the record
/// landing late.
#[wasm_bindgen_test]
async fn the_background_record_of_an_open_is_listed_at_once_and_stays_deleted() {
    let listed = |list: &JsValue, sheet: &str| {
        Array::from(list).iter().any(|s| prop(&s, "name").as_string().as_deref() == Some(sheet))
    };
    let shown = unique_sheet("recorded-listed");
    let data = open(&shown, &[]).await;
    let list = settle(SpreadsheetData::list().into()).await.unwrap();
    assert!(listed(&list, &shown), "listed as soon as open resolved");
    call(&data, "close", &[]).unwrap();
    settle(SpreadsheetData::delete_sheet(JsValue::from_str(&shown).unchecked_into()).into()).await.unwrap();

    let gone = unique_sheet("recorded-deleted");
    let data = open(&gone, &[]).await;
    sheetlog::browser::registry::record_open(&gone);
    settle(SpreadsheetData::delete_sheet(JsValue::from_str(&gone).unchecked_into()).into()).await.unwrap();
    sheetlog::browser::timer::sleep(300).await;
    let list = settle(SpreadsheetData::list().into()).await.unwrap();
    assert!(!listed(&list, &gone), "a sheet deleted right after its open stays deleted");
    call(&data, "close", &[]).unwrap();
}

/// Text values read through the string cache (issue 9, item 6) are always the cell's own text:
/// read twice, after an overwrite of the same cells, and after more text than the cache holds
/// (6 MiB of distinct strings through a 4 MiB cache) was read in between.
#[wasm_bindgen_test]
async fn text_reads_stay_right_through_the_string_cache() {
    let data: JsValue = SpreadsheetData::in_memory(None).unwrap().into();
    wait_ready(&data).await;
    let text = |round: u32, row: u32| format!("{round}:{row}:{}", "é".repeat(10_000));
    for round in 0..3 {
        let rows = Array::new();
        for row in 0..300 {
            rows.push(&Array::of1(&text(round, row).into()));
        }
        settle(call(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), rows.into()]).unwrap()).await.unwrap();
        for pass in 0..2 {
            for row in 0..300 {
                let got = value(&data, f64::from(row), 0.0).as_string();
                assert_eq!(got.as_deref(), Some(text(round, row).as_str()), "round {round}, pass {pass}, row {row}");
            }
        }
    }
}

/// The open hint (BENCHMARKS.md stop 37): a second after the first viewport is shown, the sheet's
/// registry record keeps the blobs it needed (its snapshot's index, the tiles under the viewport),
/// and the next open reads them beside the log's query. A damaged hint in the record changes
/// nothing shown, and `list()` shows none of this bookkeeping.
#[wasm_bindgen_test]
async fn the_open_hint_is_kept_and_a_damaged_one_changes_nothing() {
    let sheet = unique_sheet("api-hint");
    let viewport = options(&[
        ("rowMinOffset", 0.into()),
        ("columnMinOffset", 0.into()),
        ("width", 400.into()),
        ("height", 300.into()),
    ]);
    let extra = [("snapshotInterval", 2.into()), ("viewport", viewport)];
    let data = open(&sheet, &extra).await;
    wait_ready(&data).await;
    for row in 0..3 {
        settle(call(&data, "setCellValueAndFormat", &[row.into(), 1.into(), (row * 7).into()]).unwrap()).await.unwrap();
    }
    let snapshotted = |data: &JsValue| {
        let info = call(data, "getLogInfo", &[snapshot(data)]).unwrap();
        u64::try_from(prop(&info, "snapshotSequenceId")).ok()
    };
    let mut hint = sheetlog::engine::OpenHint::default();
    for _ in 0..500 {
        hint = sheetlog::browser::registry::open_record(&sheet).await.unwrap().hint;
        if snapshotted(&data).is_some() && hint.index.is_some() {
            break;
        }
        sheetlog::browser::timer::sleep(20).await;
    }
    let index = hint.index.clone().expect("the record keeps the snapshot's index path");
    assert!(index.starts_with("snapshots/") && index.ends_with("index"), "{index}");
    assert!(!hint.tiles.is_empty(), "and the tiles under the viewport: {hint:?}");
    call(&data, "close", &[]).unwrap();

    let check = |data: &JsValue| {
        for row in 0..3 {
            assert_eq!(value(data, row as f64, 1.0), JsValue::from(row * 7), "row {row}");
        }
    };
    let again = open(&sheet, &extra).await;
    wait_ready(&again).await;
    check(&again);
    call(&again, "close", &[]).unwrap();

    // Damaged hints, as another version or a broken store might leave them.
    let damaged: [JsValue; 4] = [
        42.into(),
        options(&[("index", 7.into()), ("tiles", "snapshots/1/0-0".into())]),
        options(&[("index", "../x".into()), ("tiles", Array::of3(&1.into(), &JsValue::NULL, &"".into()).into())]),
        options(&[("index", hint.tiles[0].clone().into()), ("tiles", Array::of1(&index.clone().into()).into())]),
    ];
    for bad in damaged {
        let fields = options(&[("openHint", bad.clone())]);
        sheetlog::browser::registry::update(&sheet, fields.unchecked_ref()).await.unwrap();
        assert!(sheetlog::browser::registry::open_record(&sheet).await.unwrap().hint.index.as_deref() != Some(&*index));
        let data = open(&sheet, &extra).await;
        wait_ready(&data).await;
        check(&data);
        call(&data, "close", &[]).unwrap();
    }
    let list = settle(SpreadsheetData::list().into()).await.unwrap();
    let entry = Array::from(&list).iter().find(|s| prop(s, "name") == sheet.as_str()).expect("listed");
    let keys: Vec<String> =
        Object::keys(entry.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
    assert_eq!(keys, ["name", "createdAt", "openedAt"], "list() shows the documented fields only");
    settle(SpreadsheetData::delete_sheet(JsValue::from_str(&sheet).unchecked_into()).into()).await.unwrap();
}
