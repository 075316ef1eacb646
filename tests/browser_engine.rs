//! The engine's concurrency and batch contracts through the JS surface on IndexedDB, in
//! Chromium and Firefox (DESIGN.md section 5b): two instances on one sheet, one inserting and
//! deleting rows while the other edits cells without waiting, every acknowledged edit at its
//! intended cell; batch writes and range clears as one entry, validated as a whole.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::js::{call, object as options, prop, settle, snapshot};
use browser_common::unique_sheet;
use js_sys::{Array, Math, Object};
use sheetlog::api::SpreadsheetData;
use sheetlog::browser::{IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::log::EventLog;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn open(sheet: &str) -> JsValue {
    let pairs = [("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE), ("snapshotInterval", 25.into())];
    SpreadsheetData::open(options(&pairs).unchecked_into()).await.expect("open").into()
}

fn value(data: &JsValue, row: u64, col: u64) -> JsValue {
    call(data, "getCellValue", &[snapshot(data), (row as f64).into(), (col as f64).into()]).unwrap()
}

fn rows(data: &JsValue) -> u64 {
    call(data, "getRowCount", &[snapshot(data)]).unwrap().as_f64().unwrap() as u64
}

async fn wait_ready(data: &JsValue) {
    for _ in 0..500 {
        if prop(&call(data, "getLoadStatus", &[snapshot(data)]).unwrap(), "state") == "ready" {
            return;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    panic!("never ready");
}

fn random(n: u64) -> u64 {
    (Math::random() * n as f64) as u64
}

async fn log_end(sheet: &str) -> u64 {
    let db = SheetDatabase::open(sheet, IdbOptions::default()).await.unwrap();
    let end = IdbEventLog::new(db.clone()).bounds().await.unwrap().end;
    db.close();
    end
}

#[wasm_bindgen_test]
async fn structural_edits_by_one_tab_and_cell_edits_by_another_land_where_meant() {
    let sheet = unique_sheet("ot");
    let (a, b) = (open(&sheet).await, open(&sheet).await);
    // Column A holds a label per row; labels identify logical rows.
    let labels: Array = (0..120).map(|i| Array::of1(&JsValue::from_str(&format!("L{i}")))).collect();
    settle(call(&a, "setCellValuesAndFormats", &[0.into(), 0.into(), labels.into()]).unwrap()).await.unwrap();
    call(&b, "setViewport", &[JsValue::UNDEFINED]).unwrap();
    for _ in 0..500 {
        if rows(&b) == 120 {
            break;
        }
        sheetlog::browser::timer::sleep(10).await; // B hears of A's write on the channel.
    }
    assert_eq!(rows(&b), 120, "the other tab synced");
    let mut written: Vec<(String, String)> = Vec::new();
    let (mut acknowledged, mut rejected, mut structural) = (0, 0, 0);
    for round in 0..100 {
        // B picks a labelled row in its view and writes next to it; A, without waiting, inserts
        // or deletes a row near the top, so B's edit often conflicts and must be transformed.
        let labelled: Vec<(u64, String)> =
            (0..rows(&b)).filter_map(|r| value(&b, r, 0).as_string().map(|l| (r, l))).collect();
        let unwritten: Vec<&(u64, String)> =
            labelled.iter().filter(|(_, l)| !written.iter().any(|(w, _)| w == l)).collect();
        let Some(&&(row, ref label)) = unwritten.get(random(unwritten.len() as u64) as usize) else { break };
        let text = format!("{label}-value{round}");
        let write = call(&b, "setCellValueAndFormat", &[(row as f64).into(), 1.into(), text.clone().into()]).unwrap();
        let at = random(rows(&a).min(30)) as f64;
        let edit = if round % 3 == 0 { "insertRows" } else { "deleteRows" };
        let shape = call(&a, edit, &[at.into(), 1.into()]).unwrap();
        let (write, shape) = futures_util::future::join(settle(write), settle(shape)).await;
        shape.expect("the structural edit");
        structural += 1;
        match write {
            Ok(_) => {
                acknowledged += 1;
                written.push((label.clone(), text));
            }
            Err(e) => {
                assert_eq!(prop(&e, "name"), "ConflictError", "only a deleted target rejects a write: {e:?}");
                rejected += 1;
                written.push((label.clone(), String::new()));
            }
        }
    }
    // A fresh instance reads the whole log: the authority on where every edit landed.
    let fresh = open(&sheet).await;
    call(&fresh, "setViewport", &[JsValue::UNDEFINED]).unwrap();
    wait_ready(&fresh).await;
    let mut present = 0;
    for r in 0..rows(&fresh) {
        let (label, cell) = (value(&fresh, r, 0), value(&fresh, r, 1));
        match (label.as_string(), cell.as_string()) {
            (Some(label), Some(cell)) => {
                let expected = written.iter().find(|(l, _)| *l == label).map(|(_, t)| t.clone());
                assert_eq!(Some(cell), expected, "row {r} ({label}) holds its own edit");
                present += 1;
            }
            (None, Some(cell)) => panic!("row {r} has no label but holds {cell}: an edit landed on a new row"),
            (Some(label), None) => {
                let expected = written.iter().find(|(l, _)| *l == label).map(|(_, t)| t.clone()).unwrap_or_default();
                assert_eq!(expected, "", "row {r} ({label}): an acknowledged edit is missing");
            }
            (None, None) => {}
        }
    }
    web_sys::console::log_1(
        &format!("{structural} structural edits; {acknowledged} cell edits acknowledged ({present} still on a row), {rejected} rejected")
            .into(),
    );
    assert!(acknowledged > 50, "most edits land: {acknowledged}");
    for data in [&a, &b, &fresh] {
        call(data, "close", &[]).unwrap();
    }
    SheetDatabase::delete(&sheet).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_batch_of_100_000_cells_is_one_entry_and_one_bad_value_rejects_it_whole() {
    let sheet = unique_sheet("batch");
    let data = open(&sheet).await;
    let matrix = |bad: bool| -> Array {
        (0..1000)
            .map(|r| {
                let row: Array = (0..100).map(|c| JsValue::from_f64((r * 100 + c) as f64)).collect();
                if bad && r == 500 {
                    row.set(37, JsValue::from_f64(f64::NAN));
                }
                JsValue::from(row)
            })
            .collect()
    };
    let error = settle(call(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), matrix(true).into()]).unwrap())
        .await
        .expect_err("one NaN rejects the batch");
    assert_eq!(prop(&error, "name"), "ValidationError");
    let message = prop(&error, "message").as_string().unwrap();
    assert!(message.starts_with("cell AL501:"), "the message names the cell: {message}");
    assert!(value(&data, 0, 0).is_undefined(), "nothing shown");
    assert_eq!(log_end(&sheet).await, 0, "nothing stored");

    let write =
        call(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), matrix(false).into(), "0.0".into()]).unwrap();
    assert_eq!(value(&data, 999, 99), 99_999.0, "visible at once");
    settle(write).await.unwrap();
    assert_eq!(log_end(&sheet).await, 1, "one entry");
    let format = call(&data, "getCellFormat", &[snapshot(&data), 3.into(), 3.into()]).unwrap();
    assert_eq!(format, "0.0");

    // Shapes and types are checked before anything is shown.
    for (values, formats) in [
        (JsValue::from_f64(1.0), JsValue::UNDEFINED),
        (Array::of1(&JsValue::from_f64(1.0)).into(), JsValue::UNDEFINED),
        (Array::of1(&Array::of1(&JsValue::from_f64(1.0))).into(), Array::of1(&Array::new()).into()),
        (Array::of1(&Array::of1(&Object::new().into())).into(), JsValue::UNDEFINED),
    ] {
        let e = settle(call(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), values, formats]).unwrap()).await;
        assert_eq!(prop(&e.expect_err("malformed"), "name"), "ValidationError");
    }

    // Clearing a range: one entry, loaded or not, A1 text or bounds.
    settle(call(&data, "clearRange", &["B2:C3".into()]).unwrap()).await.unwrap();
    let bounds = options(&[
        ("rowMin", 900.into()),
        ("columnMin", 0.into()),
        ("rowMax", 5_000_000.into()),
        ("columnMax", 99.into()),
    ]);
    settle(call(&data, "clearRange", &[bounds]).unwrap()).await.unwrap();
    assert_eq!(log_end(&sheet).await, 3);
    assert!(value(&data, 1, 1).is_undefined() && value(&data, 2, 2).is_undefined());
    assert_eq!(value(&data, 1, 3), 103.0);
    assert!(value(&data, 950, 50).is_undefined());
    assert_eq!(value(&data, 899, 50), 89_950.0);
    assert_eq!(rows(&data), 1000, "a clear leaves the counts");
    let bad = options(&[("rowMin", 5.into()), ("columnMin", 0.into()), ("rowMax", 4.into()), ("columnMax", 0.into())]);
    for range in [bad, "A0".into(), JsValue::from_f64(5.0)] {
        let e = settle(call(&data, "clearRange", &[range]).unwrap()).await.expect_err("bad range");
        assert_eq!(prop(&e, "name"), "ValidationError");
    }
    call(&data, "close", &[]).unwrap();
    let reopened = open(&sheet).await;
    call(&reopened, "setViewport", &[JsValue::UNDEFINED]).unwrap();
    wait_ready(&reopened).await;
    assert!(value(&reopened, 950, 50).is_undefined(), "cleared after reopen");
    assert_eq!(value(&reopened, 899, 50), 89_950.0);
    call(&reopened, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}
