//! Undo, redo and time travel through the `SpreadsheetData` JS surface in a real browser, on
//! IndexedDB (the time-travel issue): undo and redo of a cell edit, a batch write, an import
//! and a deletion of 10,000 rows with data; the stacks surviving a reopen in the same tab; and
//! versions of the past across a truncation of the log, with the history listing.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::js::{call, object as options, prop, settle, snapshot};
use browser_common::unique_sheet;
use js_sys::{Array, BigInt};
use sheetlog::api::SpreadsheetData;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn open(sheet: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE)];
    pairs.extend(extra.iter().cloned());
    SpreadsheetData::open(options(&pairs).unchecked_into()).await.expect("open").into()
}

fn value_in(data: &JsValue, version: &JsValue, row: u32, col: u32) -> JsValue {
    call(data, "getCellValue", &[version.clone(), row.into(), col.into()]).unwrap()
}

fn value(data: &JsValue, row: u32, col: u32) -> JsValue {
    value_in(data, &snapshot(data), row, col)
}

fn can(data: &JsValue) -> (bool, bool) {
    let s = snapshot(data);
    let undo = call(data, "canUndo", std::slice::from_ref(&s)).unwrap().as_bool().unwrap();
    let redo = call(data, "canRedo", std::slice::from_ref(&s)).unwrap().as_bool().unwrap();
    (undo, redo)
}

async fn step(data: &JsValue, method: &str) -> JsValue {
    let result = match settle(call(data, method, &[]).unwrap()).await {
        Ok(result) => result,
        Err(e) => panic!("{method} failed: {:?}", prop(&e, "message")),
    };
    assert_eq!(prop(&result, "done"), JsValue::TRUE, "{method} did something");
    result
}

async fn write(data: &JsValue, method: &str, args: &[JsValue]) {
    settle(call(data, method, args).unwrap()).await.expect(method);
}

async fn close_and_delete(data: &JsValue, sheet: &str) {
    call(data, "close", &[]).unwrap();
    settle(SpreadsheetData::delete_sheet(JsValue::from_str(sheet).unchecked_into()).into()).await.unwrap();
}

/// A `bigint` as a number.
fn big(value: &JsValue) -> u64 {
    let text: String = BigInt::from(value.clone()).to_string(10).expect("a bigint").into();
    text.parse().expect("a non-negative bigint")
}

fn matrix(rows: u32, cols: u32, f: impl Fn(u32, u32) -> f64) -> JsValue {
    (0..rows).map(|r| (0..cols).map(|c| JsValue::from(f(r, c))).collect::<Array>()).collect::<Array>().into()
}

#[wasm_bindgen_test]
async fn undo_and_redo_a_cell_edit_a_batch_and_an_import() {
    let sheet = unique_sheet("undo-basic");
    let data = open(&sheet, &[]).await;
    assert_eq!(can(&data), (false, false));
    write(&data, "setCellValueAndFormat", &[0.into(), 0.into(), "first".into(), JsValue::UNDEFINED]).await;
    write(&data, "setCellValueAndFormat", &[0.into(), 0.into(), "second".into(), "@".into()]).await;
    write(&data, "setCellValuesAndFormats", &[1.into(), 0.into(), matrix(3, 2, |r, c| f64::from(r * 10 + c))]).await;
    let csv = "a,b\n1,2\n3,4\n";
    let import =
        call(&data, "importCsv", &[csv.into(), options(&[("startRow", 10.into()), ("batchCells", 2.into())])]).unwrap();
    settle(import).await.expect("import");
    assert_eq!(value(&data, 12, 1), 4);

    // The import (three batches) undoes as one step, shown before the promise settles.
    let pending = call(&data, "undo", &[]).unwrap();
    settle(pending).await.unwrap();
    assert!(value(&data, 10, 0).is_undefined() && value(&data, 12, 1).is_undefined(), "the whole import is undone");
    assert_eq!(value(&data, 3, 1), 21, "the batch before it stays");
    step(&data, "undo").await;
    assert!(value(&data, 1, 0).is_undefined() && value(&data, 3, 1).is_undefined(), "the batch is undone");
    step(&data, "undo").await;
    assert_eq!(value(&data, 0, 0), "first");
    assert!(call(&data, "getCellFormat", &[snapshot(&data), 0.into(), 0.into()]).unwrap().is_undefined());
    assert_eq!(can(&data), (true, true));
    step(&data, "redo").await;
    assert_eq!(value(&data, 0, 0), "second");
    assert_eq!(call(&data, "getCellFormat", &[snapshot(&data), 0.into(), 0.into()]).unwrap(), "@");
    step(&data, "redo").await;
    step(&data, "redo").await;
    assert_eq!((value(&data, 3, 1), value(&data, 11, 0)), (JsValue::from(21), JsValue::from(1)));
    assert_eq!(can(&data), (true, false));
    let none = settle(call(&data, "redo", &[]).unwrap()).await.unwrap();
    assert_eq!(prop(&none, "done"), JsValue::FALSE);
    close_and_delete(&data, &sheet).await;
}

#[wasm_bindgen_test]
async fn undo_of_a_ten_thousand_row_delete_restores_its_cells() {
    let sheet = unique_sheet("undo-rows");
    let data = open(&sheet, &[("snapshotInterval", 4.into())]).await;
    for block in 0..10u32 {
        let values = matrix(1000, 3, move |r, c| f64::from((block * 1000 + r) * 10 + c));
        write(&data, "setCellValuesAndFormats", &[(block * 1000).into(), 0.into(), values]).await;
    }
    write(&data, "setCellValueAndFormat", &[10_000.into(), 0.into(), "below".into(), JsValue::UNDEFINED]).await;
    write(&data, "deleteRows", &[0.into(), 10_000.into()]).await;
    assert_eq!(value(&data, 0, 0), "below");
    let result = step(&data, "undo").await;
    let ids = Array::from(&prop(&result, "sequenceIds"));
    let count = big(&ids.get(1)) - big(&ids.get(0));
    assert!(count >= 2, "the rows back, then their 30,000 cells: {count} entries");
    for row in [0u32, 1, 4_999, 9_999] {
        assert_eq!(value(&data, row, 2), f64::from(row * 10 + 2), "row {row}");
    }
    assert_eq!(value(&data, 10_000, 0), "below");
    step(&data, "redo").await;
    assert_eq!(value(&data, 0, 0), "below");
    close_and_delete(&data, &sheet).await;
}

#[wasm_bindgen_test]
async fn the_undo_stack_survives_a_reopen_in_the_same_tab() {
    let sheet = unique_sheet("undo-reload");
    let data = open(&sheet, &[]).await;
    write(&data, "setCellValueAndFormat", &[2.into(), 2.into(), 1.into(), JsValue::UNDEFINED]).await;
    write(&data, "setCellValueAndFormat", &[2.into(), 2.into(), 2.into(), JsValue::UNDEFINED]).await;
    step(&data, "undo").await;
    call(&data, "close", &[]).unwrap();
    // Opened again in this tab (the default undo key comes from the tab's sessionStorage).
    let data = open(&sheet, &[]).await;
    assert_eq!(value(&data, 2, 2), 1);
    assert_eq!(can(&data), (true, true), "both stacks came back");
    step(&data, "redo").await;
    assert_eq!(value(&data, 2, 2), 2);
    step(&data, "undo").await;
    step(&data, "undo").await;
    assert!(value(&data, 2, 2).is_undefined());
    // Another key is another stack.
    call(&data, "close", &[]).unwrap();
    let other = open(&sheet, &[("undoKey", "someone-else".into())]).await;
    assert_eq!(can(&other), (false, false));
    close_and_delete(&other, &sheet).await;
}

#[wasm_bindgen_test]
async fn versions_of_the_past_across_a_truncation_and_the_history_listing() {
    let sheet = unique_sheet("time-travel");
    let data = open(&sheet, &[("snapshotInterval", 10.into())]).await;
    for i in 0..60u32 {
        write(&data, "setCellValueAndFormat", &[(i % 7).into(), 0.into(), i.into(), JsValue::UNDEFINED]).await;
    }
    // The history workflow truncates the log behind the snapshots.
    let mut entries = f64::MAX;
    for _ in 0..500 {
        let info = settle(call(&data, "getStorageInfo", &[]).unwrap()).await.unwrap();
        entries = prop(&info, "logEntries").as_f64().unwrap();
        if entries < 30.0 {
            break;
        }
        sheetlog::browser::timer::sleep(10).await;
    }
    assert!(entries < 30.0, "the log was truncated: {entries} entries");
    // Entry 3 wrote 3 to row 3; entry 10 wrote 10 to row 3.
    let v3 = settle(call(&data, "versionAt", &[BigInt::from(3u64).into()]).unwrap()).await.expect("versionAt(3)");
    assert_eq!(value_in(&data, &v3, 3, 0), 3);
    assert!(value_in(&data, &v3, 4, 0).is_undefined(), "entry 4 is after it");
    let info = call(&data, "getLogInfo", std::slice::from_ref(&v3)).unwrap();
    assert_eq!(big(&prop(&info, "sequenceId")), 4);
    let v12 = settle(call(&data, "versionAt", &[12.into()]).unwrap()).await.expect("versionAt(12)");
    assert_eq!((value_in(&data, &v12, 3, 0), value_in(&data, &v12, 5, 0)), (JsValue::from(10), JsValue::from(12)));
    let late = settle(call(&data, "versionAt", &[60.into()]).unwrap()).await.unwrap_err();
    assert_eq!(prop(&late, "name"), "SheetRangeError");
    let page = settle(call(&data, "getHistory", &[options(&[("limit", 2.into())])]).unwrap()).await.unwrap();
    let items = Array::from(&prop(&page, "items"));
    assert_eq!(items.length(), 2);
    let first = items.get(0);
    assert_eq!(big(&prop(&first, "sequenceId")), 59);
    assert_eq!((prop(&first, "kind"), prop(&first, "summary")), (JsValue::from("cells"), JsValue::from("A4")));
    assert_eq!(prop(&first, "clientId"), prop(&data, "clientId"));
    assert!(prop(&first, "time").as_f64().is_some_and(|t| t > 1.7e12));
    let old = settle(call(&data, "getHistory", &[options(&[("to", 2.into())])]).unwrap()).await.unwrap();
    let items = Array::from(&prop(&old, "items"));
    assert_eq!(items.length(), 2, "entries 1 and 0, from history blobs");
    assert!(prop(&old, "next").is_undefined());
    close_and_delete(&data, &sheet).await;
}
