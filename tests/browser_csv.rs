//! `importCsv` and `exportCsv` in a real browser, driven as JS would: methods looked up by name
//! and called with JS values (a `Blob`, an `AbortController`'s signal, an `onProgress` function).
#![cfg(target_arch = "wasm32")]

mod browser_common;

use std::cell::RefCell;
use std::rc::Rc;

use browser_common::js::{call, object, prop, settle, snapshot};
use browser_common::unique_sheet;
use js_sys::{Array, Object};
use sheetlog::api::SpreadsheetData;
use sheetlog::browser::SheetDatabase;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn value(data: &JsValue, row: u32, col: u32) -> JsValue {
    call(data, "getCellValue", &[snapshot(data), row.into(), col.into()]).unwrap()
}

fn count(data: &JsValue, what: &str) -> f64 {
    call(data, what, &[snapshot(data)]).unwrap().as_f64().unwrap()
}

fn blob(text: &str) -> JsValue {
    web_sys::Blob::new_with_str_sequence(&Array::of1(&JsValue::from_str(text))).unwrap().into()
}

async fn open(sheet: &str) -> JsValue {
    let options = object(&[("name", JsValue::from_str(sheet)), ("worker", JsValue::FALSE)]);
    SpreadsheetData::open(options.unchecked_into()).await.expect("open").into()
}

fn memory() -> JsValue {
    SpreadsheetData::in_memory(None).unwrap().into()
}

/// `rows` rows of 6 columns, the first a header; canonical (export writes it back the same):
/// zero-padded zip codes stay text, numbers, booleans, text needing quotes.
fn table(rows: usize) -> String {
    let mut out = String::from("zip,city,state,lat,lng,active\n");
    for r in 1..rows {
        let city = if r % 7 == 0 { format!("\"Saint \"\"{r}\"\", Town\"") } else { format!("City {r}") };
        let lat = 30.0 + r as f64 / 1000.0;
        let lng = -(70.0 + r as f64 / 250.0);
        let lat = sheetlog::engine::csv::value::js_number(lat);
        let lng = sheetlog::engine::csv::value::js_number(lng);
        let active = if r % 3 == 0 { "FALSE" } else { "TRUE" };
        out.push_str(&format!("{r:05},{city},S{},{lat},{lng},{active}\n", r % 50));
    }
    out
}

/// Calls `importCsv(source, options, onProgress)`; returns the settled promise and the progress
/// objects seen.
async fn import(data: &JsValue, source: JsValue, options: JsValue) -> (Result<JsValue, JsValue>, Vec<JsValue>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |p| s.borrow_mut().push(p));
    let result = settle(call(data, "importCsv", &[source, options, on_progress.as_ref().clone()]).unwrap()).await;
    let progress = seen.borrow().clone();
    (result, progress)
}

#[wasm_bindgen_test]
async fn a_blob_imports_in_batches_with_progress_reads_back_and_exports_the_same() {
    let sheet = unique_sheet("csv-import");
    let data = open(&sheet).await;
    let csv = table(2000);
    let options = object(&[("batchCells", 1200.into()), ("onError", "keep".into())]);
    let (result, progress) = import(&data, blob(&csv), options).await;
    let result = result.expect("imports");
    assert_eq!(prop(&result, "rows"), 2000);
    assert_eq!(prop(&result, "cells"), 12_000);
    assert_eq!(prop(&result, "entries"), 10, "1200 cells, 200 whole rows, per entry");
    assert_eq!(prop(&result, "cancelled"), false);
    assert_eq!(progress.len(), 10, "after each batch");
    let cells: Vec<f64> = progress.iter().map(|p| prop(p, "cells").as_f64().unwrap()).collect();
    assert!(cells.windows(2).all(|w| w[0] < w[1]), "{cells:?}");
    let last = progress.last().unwrap();
    assert_eq!(prop(last, "bytes"), csv.len() as f64);
    assert_eq!(prop(last, "totalBytes"), csv.len() as f64);
    assert_eq!(prop(last, "phase"), "importing");

    assert_eq!((count(&data, "getRowCount"), count(&data, "getColumnCount")), (2000.0, 6.0));
    assert_eq!(value(&data, 0, 0), "zip", "the header is row 0");
    assert_eq!(value(&data, 42, 0), "00042", "zip codes stay text");
    assert_eq!(value(&data, 42, 1), "Saint \"42\", Town");
    assert_eq!(value(&data, 42, 3), 30.0 + 42.0 / 1000.0);
    assert_eq!(value(&data, 42, 5), false);
    assert_eq!(value(&data, 43, 5), true);

    let exported = settle(call(&data, "exportCsv", &[snapshot(&data)]).unwrap()).await.unwrap();
    assert_eq!(exported.as_string().unwrap(), csv, "import then export gives the file back");
    let part = settle(call(&data, "exportCsv", &[snapshot(&data), "A2:C3".into()]).unwrap()).await.unwrap();
    assert_eq!(part, "00001,City 1,S1\n00002,City 2,S2\n");
    let bad = settle(call(&data, "exportCsv", &[snapshot(&data), "A0:B2".into()]).unwrap()).await.unwrap_err();
    assert_eq!(prop(&bad, "name"), "ValidationError");

    // After a reopen (tiles from the snapshot the import requested, or the log), the same.
    call(&data, "close", &[]).unwrap();
    let again = open(&sheet).await;
    let exported = settle(call(&again, "exportCsv", &[snapshot(&again)]).unwrap()).await.unwrap();
    assert_eq!(exported.as_string().unwrap(), csv);
    call(&again, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// `mode: "layer"` (issue 9, item 1): one entry replaces the target rectangle, empty fields
/// empty their cells, cells outside stay, and a second tab on the sheet reads the import.
#[wasm_bindgen_test]
async fn a_layer_import_is_one_entry_that_replaces_its_rectangle_and_another_tab_reads_it() {
    let sheet = unique_sheet("csv-layer");
    let data = open(&sheet).await;
    for (row, text) in [(5u32, "old"), (2500, "below")] {
        let set = call(&data, "setCellValueAndFormat", &[row.into(), 1.into(), text.into(), JsValue::UNDEFINED]);
        settle(set.unwrap()).await.expect("set");
    }
    let csv = table(2000);
    let options = object(&[("mode", "layer".into())]);
    let (result, progress) = import(&data, blob(&csv), options).await;
    let result = result.expect("imports");
    assert_eq!(prop(&result, "rows"), 2000);
    assert_eq!(prop(&result, "cells"), 12_000);
    assert_eq!(prop(&result, "entries"), 1, "one entry for the whole import");
    assert!(!progress.is_empty(), "progress is reported");
    assert_eq!(prop(progress.last().unwrap(), "rows"), 2000);
    assert_eq!(value(&data, 42, 0), "00042");
    assert_eq!(value(&data, 5, 1), "City 5", "the import replaced the cell");
    assert_eq!(value(&data, 2500, 1), "below", "cells outside the rectangle stay");
    let exported = settle(call(&data, "exportCsv", &[snapshot(&data), "A1:F2000".into()]).unwrap()).await.unwrap();
    assert_eq!(exported.as_string().unwrap(), csv, "the rectangle holds exactly the file");

    let options = object(&[("mode", "layer".into()), ("startRow", 5.into())]);
    let (result, _) = import(&data, blob("x,,z\n"), options).await;
    assert_eq!(prop(&result.expect("imports"), "entries"), 1);
    assert_eq!(value(&data, 5, 0), "x");
    let emptied = value(&data, 5, 1);
    assert!(emptied.is_undefined() || emptied.is_null(), "an empty field empties its cell: {emptied:?}");
    assert_eq!(value(&data, 5, 3), 30.0 + 5.0 / 1000.0, "columns past the file's stay");

    let other = open(&sheet).await;
    let read = settle(call(&other, "exportCsv", &[snapshot(&other), "A6:C6".into()]).unwrap()).await.unwrap();
    assert_eq!(read, "x,,z\n", "another tab reads both imports");
    let read = settle(call(&other, "exportCsv", &[snapshot(&other), "A44:B44".into()]).unwrap()).await.unwrap();
    assert_eq!(read, "00043,City 43\n");
    let bad = settle(call(&data, "importCsv", &["1\n".into(), object(&[("mode", "tiles".into())])]).unwrap()).await;
    assert_eq!(prop(&bad.unwrap_err(), "name"), "ValidationError");
    call(&other, "close", &[]).unwrap();
    call(&data, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}

/// `exportCsvBlob`: the same text as `exportCsv` in a `text/csv` Blob, read stripe by stripe and
/// written in parts (progress after each part, rows rising to the total), cancelled by a signal
/// between parts.
#[wasm_bindgen_test]
async fn a_streamed_export_gives_the_same_text_as_a_blob_and_a_signal_cancels_it() {
    let data = memory();
    // 12,000 rows x 6 columns: 8,192 / 6 / 64 * 64 = 1,344 rows a stripe, nine stripes, each
    // written in parts of 4,096 / 6 = 682 rows: two parts a stripe.
    let csv = table(12_000);
    let (result, _) = import(&data, blob(&csv), JsValue::UNDEFINED).await;
    result.expect("imports");
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |p| s.borrow_mut().push(p));
    let args = [snapshot(&data), JsValue::UNDEFINED, JsValue::UNDEFINED, on_progress.as_ref().clone()];
    let exported = settle(call(&data, "exportCsvBlob", &args).unwrap()).await.expect("exports");
    assert!(exported.is_instance_of::<web_sys::Blob>());
    assert_eq!(prop(&exported, "type"), "text/csv");
    let text = settle(call(&exported, "text", &[]).unwrap()).await.unwrap();
    assert_eq!(text.as_string().unwrap(), csv, "the same text as the file imported");
    let rows: Vec<f64> = seen.borrow().iter().map(|p| prop(p, "rows").as_f64().unwrap()).collect();
    let expected: Vec<f64> = (0..9)
        .flat_map(|k| {
            let (start, end) = (k * 1_344, ((k + 1) * 1_344).min(12_000));
            [(start + 682).min(end), end]
        })
        .map(f64::from)
        .collect();
    assert_eq!(rows, expected, "one report per part, parts within stripes");
    let last = seen.borrow().last().cloned().unwrap();
    assert_eq!(
        (prop(&last, "totalRows"), prop(&last, "bytes")),
        (JsValue::from(12_000), JsValue::from(csv.len() as f64))
    );

    // A range, guarded.
    let options = object(&[("guardFormulas", JsValue::TRUE)]);
    let part =
        settle(call(&data, "exportCsvBlob", &[snapshot(&data), "A2:C3".into(), options]).unwrap()).await.unwrap();
    let text = settle(call(&part, "text", &[]).unwrap()).await.unwrap();
    assert_eq!(text, "00001,City 1,S1\n00002,City 2,S2\n");

    // Aborted during the first part's progress: rejects with an AbortError.
    let controller = web_sys::AbortController::new().unwrap();
    let options = object(&[("signal", controller.signal().into())]);
    let abort = Closure::<dyn Fn(JsValue)>::new(move |_| controller.abort());
    let args = [snapshot(&data), JsValue::UNDEFINED, options, abort.as_ref().clone()];
    let error = settle(call(&data, "exportCsvBlob", &args).unwrap()).await.expect_err("cancelled");
    assert_eq!(prop(&error, "name"), "AbortError");
    let bad = settle(call(&data, "exportCsvBlob", &[snapshot(&data), "A0:B2".into()]).unwrap()).await.unwrap_err();
    assert_eq!(prop(&bad, "name"), "ValidationError");
}

#[wasm_bindgen_test]
async fn malformed_csv_rejects_with_its_line_and_rollback_leaves_the_sheet_unchanged() {
    let data = memory();
    settle(call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), "kept".into(), JsValue::UNDEFINED]).unwrap())
        .await
        .unwrap();
    let before = snapshot(&data);
    let mut csv = table(1500);
    csv.push_str("99999,\"unterminated,x,1,2,TRUE\n");
    for source in [blob(&csv), JsValue::from_str(&csv)] {
        let options = object(&[("onError", "rollback".into()), ("batchCells", 600.into())]);
        let (result, progress) = import(&data, source, options).await;
        let error = result.expect_err("malformed CSV rejects");
        assert_eq!(prop(&error, "name"), "ValidationError");
        assert_eq!(prop(&error, "line"), 1501);
        assert!(prop(&error, "message").as_string().unwrap().starts_with("line 1501"), "{error:?}");
        assert_eq!(prop(&prop(&error, "imported"), "entries"), 0);
        assert!(progress.iter().all(|p| prop(p, "phase") == "validating"));
        assert!(Object::is(&before, &snapshot(&data)), "nothing was written");
        assert_eq!(value(&data, 0, 0), "kept");
    }

    // Keep: the batches before the error stay; the one holding it does not.
    let csv = "a,b\n1,2\n3,4\n5,6\n7\"x,8\n9,10\n";
    let options = object(&[("onError", "keep".into()), ("batchCells", 6.into())]);
    let (result, _) = import(&data, blob(csv), options).await;
    let error = result.expect_err("bad quote");
    assert_eq!(prop(&error, "line"), 5);
    assert_eq!(prop(&prop(&error, "imported"), "rows"), 3);
    assert_eq!(value(&data, 2, 1), 4);
    assert!(value(&data, 3, 0).is_undefined(), "row 3 was in the failing batch");

    // Invalid UTF-8 in a file.
    let bytes = js_sys::Uint8Array::from(&b"ok\n\xFF\xFE\n"[..]);
    let file: JsValue = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&bytes)).unwrap().into();
    let (result, _) = import(&data, file, JsValue::UNDEFINED).await;
    assert_eq!(prop(&result.expect_err("invalid UTF-8"), "line"), 2);
}

#[wasm_bindgen_test]
async fn an_abort_signal_cancels_between_batches() {
    let data = memory();
    let controller = web_sys::AbortController::new().unwrap();
    let signal = controller.signal();
    let options = object(&[("batchCells", 600.into()), ("signal", signal.into()), ("onError", "keep".into())]);
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |_| controller.abort());
    let promise = call(&data, "importCsv", &[blob(&table(1000)), options, on_progress.as_ref().clone()]).unwrap();
    let result = settle(promise).await.expect("a cancel resolves");
    assert_eq!(prop(&result, "cancelled"), true);
    assert_eq!(prop(&result, "entries"), 1, "stopped after the batch whose progress aborted");
    assert_eq!(prop(&result, "rows"), 100);
    assert_eq!(count(&data, "getRowCount"), 100.0);

    // An already aborted signal writes nothing.
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let options = object(&[("signal", controller.signal().into())]);
    let result = settle(call(&data, "importCsv", &[JsValue::from_str("x,y\n"), options]).unwrap()).await.unwrap();
    assert_eq!((prop(&result, "cancelled"), prop(&result, "entries")), (JsValue::TRUE, JsValue::from(0)));
}

#[wasm_bindgen_test]
async fn bad_arguments_reject_with_validation_errors() {
    let data = memory();
    for (source, options) in [
        (JsValue::from(42), JsValue::UNDEFINED),
        (JsValue::from_str("a"), object(&[("onError", "maybe".into())])),
        (JsValue::from_str("a"), object(&[("batchCells", 0.into())])),
        (JsValue::from_str("a"), object(&[("startRow", (-1).into())])),
        (JsValue::from_str("a"), object(&[("signal", "no".into())])),
    ] {
        let error = settle(call(&data, "importCsv", &[source, options]).unwrap()).await.unwrap_err();
        assert_eq!(prop(&error, "name"), "ValidationError", "{error:?}");
    }
    // No options and no callback at all; a start offset.
    let result = settle(call(&data, "importCsv", &["1,2\n".into()]).unwrap()).await.unwrap();
    assert_eq!(prop(&result, "cells"), 2);
    let options = object(&[("startRow", 5.into()), ("startColumn", 2.into())]);
    settle(call(&data, "importCsv", &["7\n".into(), options]).unwrap()).await.unwrap();
    assert_eq!(value(&data, 5, 2), 7);
}

/// A zipcodes.csv look-alike: a header and `rows` records of 6 quoted fields.
fn zipcodes(rows: usize) -> String {
    let mut out = String::from("\"zip\",\"city\",\"state\",\"latitude\",\"longitude\",\"county\"\n");
    let cities = ["Holtsville", "Agawam", "Amherst", "Barre", "Belchertown", "Saint Paul", "New York", "Springfield"];
    let states = ["NY", "MA", "PR", "VT", "NH", "MN", "TX", "CA"];
    for r in 0..rows {
        let lat = 18.0 + (r * 7919 % 30000) as f64 / 1000.0 + 0.000123;
        let lng = -(65.0 + (r * 104729 % 90000) as f64 / 1000.0 + 0.000321);
        out.push_str(&format!(
            "\"{:05}\",\"{}\",\"{}\",\"{:.6}\",\"{:.6}\",\"{} County\"\n",
            (r * 2 + 501) % 100_000,
            cities[r % cities.len()],
            states[r % states.len()],
            lat,
            lng,
            cities[(r / 3) % cities.len()]
        ));
    }
    out
}

/// Prints import throughput for a 42,000-row, 6-column file (a benchmark, no assertion on time).
#[wasm_bindgen_test]
#[ignore]
async fn import_throughput() {
    let csv = zipcodes(42_000);
    for (label, on_error, idb, mode) in [
        ("memory keep", "keep", false, "entries"),
        ("idb keep", "keep", true, "entries"),
        ("idb rollback", "rollback", true, "entries"),
        ("idb layer", "rollback", true, "layer"),
    ] {
        let sheet = unique_sheet("csv-bench");
        let data = if idb { open(&sheet).await } else { memory() };
        let start = js_sys::Date::now();
        let options = object(&[("onError", on_error.into()), ("mode", mode.into())]);
        let result = settle(call(&data, "importCsv", &[blob(&csv), options]).unwrap()).await.unwrap();
        let ms = js_sys::Date::now() - start;
        let cells = prop(&result, "cells").as_f64().unwrap();
        let export_start = js_sys::Date::now();
        let exported = settle(call(&data, "exportCsv", &[snapshot(&data)]).unwrap()).await.unwrap();
        let export_ms = js_sys::Date::now() - export_start;
        console_log!(
            "{label}: {cells} cells in {ms:.0} ms = {:.0} cells/s; export {} bytes in {export_ms:.0} ms",
            cells / ms * 1000.0,
            exported.as_string().unwrap().len()
        );
        call(&data, "close", &[]).unwrap();
        if idb {
            SheetDatabase::delete(&sheet).await.unwrap();
        }
    }
}
