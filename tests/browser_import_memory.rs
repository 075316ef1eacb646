//! The memory of a large import as a snapshot layer (issue 9, "Tests: Memory"): 5,000,000
//! generated cells imported with `mode: "layer"` into IndexedDB keep this page's wasm memory
//! at most 128 MiB. Its own test binary, so the page's wasm memory (which never shrinks) holds
//! nothing but this import. Prints the figures; the assertion is on the bound, never on time.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::js::{call, object, prop, settle, snapshot};
use browser_common::unique_sheet;
use sheetlog::api::SpreadsheetData;
use sheetlog::browser::SheetDatabase;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Bytes of this module's wasm memory (its peak: wasm memory never shrinks).
fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
}

/// A CSV of 1,000,000 rows by 5 fields (an id, a decimal, a code, a boolean, a tail number),
/// built in JS as Blob parts so that none of it passes through wasm memory before the import.
fn generated_csv() -> JsValue {
    let body = "const parts = [];
        for (let b = 0; b < 100; b++) {
          let s = '';
          for (let r = b * 10000; r < (b + 1) * 10000; r++) {
            s += r + ',' + (r * 0.5) + ',code' + (r % 97) + ',' + (r % 2 ? 'TRUE' : 'FALSE') + ',N' + (r % 4000) + 'X\\n';
          }
          parts.push(s);
        }
        return new Blob(parts, { type: 'text/csv' });";
    js_sys::Function::new_no_args(body).call0(&JsValue::UNDEFINED).expect("the CSV is generated")
}

#[wasm_bindgen_test]
async fn five_million_cells_imported_as_a_layer_stay_under_128_mib_of_wasm_memory() {
    let start_bytes = wasm_memory_bytes();
    let sheet = unique_sheet("import-memory");
    let options = object(&[("name", JsValue::from_str(&sheet)), ("worker", JsValue::FALSE)]);
    let data: JsValue = SpreadsheetData::open(options.unchecked_into()).await.expect("open").into();
    let viewport = object(&[
        ("rowMinOffset", 0.into()),
        ("columnMinOffset", 0.into()),
        ("width", 1200.into()),
        ("height", 800.into()),
    ]);
    call(&data, "setViewport", &[viewport]).unwrap();
    let csv = generated_csv();
    let started = js_sys::Date::now();
    let options = object(&[("mode", "layer".into())]);
    let result = settle(call(&data, "importCsv", &[csv, options]).unwrap()).await.expect("imports");
    let seconds = (js_sys::Date::now() - started) / 1000.0;
    assert_eq!(prop(&result, "rows"), 1_000_000);
    assert_eq!(prop(&result, "cells"), 5_000_000);
    assert_eq!(prop(&result, "entries"), 1);
    let read = settle(call(&data, "exportCsv", &[snapshot(&data), "A1000000:E1000000".into()]).unwrap()).await.unwrap();
    assert_eq!(read, "999999,499999.5,code26,TRUE,N3999X\n", "the last row reads back");
    let peak = wasm_memory_bytes();
    console_log!(
        "5,000,000 cells imported as a layer in {seconds:.1} s (debug build): wasm memory {:.1} MiB before, {:.1} MiB after (peak)",
        start_bytes / 1_048_576.0,
        peak / 1_048_576.0
    );
    assert!(peak <= 128.0 * 1_048_576.0, "peak wasm memory {:.1} MiB is over 128 MiB", peak / 1_048_576.0);
    call(&data, "close", &[]).unwrap();
    SheetDatabase::delete(&sheet).await.unwrap();
}
