//! The JS boundary never traps and never throws untyped (issue 12, item 3), in Chromium and
//! Firefox: hostile arguments (a BigInt, a Symbol, a Proxy, a throwing getter or `valueOf`, a
//! function, the wrong type) to every method give a `ValidationError` whose message names the
//! argument, the module stays usable after each, and lone surrogates are rejected, never altered.
//! Also the CSV import limits (columns, bytes a row, field length) and `exportCsv`'s formula
//! guard, through the JS surface.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::js::{call, object, prop, settle, snapshot};
use browser_common::unique_sheet;
use js_sys::{Function, Promise};
use sheetlog::api::SpreadsheetData;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The value of JS expression `expr`.
fn js(expr: &str) -> JsValue {
    Function::new_no_args(&format!("return ({expr});")).call0(&JsValue::UNDEFINED).expect("a JS expression")
}

/// The hostile values every argument is tried with, each with its label.
fn hostile() -> Vec<(&'static str, JsValue)> {
    vec![
        ("bigint", js("10n")),
        ("symbol", js("Symbol('s')")),
        ("function", js("function f() { return 1; }")),
        ("throwing valueOf", js("({ valueOf() { throw new Error('valueOf ran'); }, toString() { throw new Error('toString ran'); } })")),
        ("proxy that throws", js("new Proxy({}, { get() { throw new Error('get trap'); }, has() { throw new Error('has trap'); }, getPrototypeOf() { throw new Error('proto trap'); }, ownKeys() { throw new Error('keys trap'); } })")),
        ("revoked proxy", js("(() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; })()")),
        ("plain object", js("({})")),
        ("array", js("[1, 2]")),
    ]
}

/// What calling `object.method(...args)` threw or its promise rejected with; panics when it
/// succeeded.
async fn failure(object: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    match call(object, method, args) {
        Err(error) => error,
        Ok(result) if result.is_instance_of::<Promise>() => match settle(result).await {
            Err(error) => error,
            Ok(value) => panic!("{method}: accepted, resolved with {value:?}"),
        },
        Ok(value) => panic!("{method}: accepted, returned {value:?}"),
    }
}

/// Asserts that `error` is a `ValidationError` (an instance of the package's class, not a
/// `TypeError`, a caller's error or a `RuntimeError` of a trap) whose message mentions `names`.
fn assert_validation(error: &JsValue, names: &str, context: &str) {
    let name = prop(error, "name").as_string().unwrap_or_default();
    let message = prop(error, "message").as_string().unwrap_or_default();
    assert_eq!(name, "ValidationError", "{context}: {name}: {message}");
    assert!(error.is_instance_of::<js_sys::Error>(), "{context}: an Error");
    assert!(
        message.to_lowercase().contains(&names.to_lowercase()),
        "{context}: the message {message:?} does not name {names:?}"
    );
    for leaked in ["valueOf ran", "toString ran", "get trap", "has trap", "proto trap", "keys trap"] {
        assert!(!message.contains(leaked), "{context}: the caller's error passed through: {message}");
    }
}

/// The module still works: a write, a read back through a fresh snapshot.
async fn assert_usable(data: &JsValue, context: &str) {
    settle(call(data, "setCellValueAndFormat", &[7.into(), 7.into(), "alive".into()]).unwrap())
        .await
        .unwrap_or_else(|e| panic!("{context}: a write after it failed: {e:?}"));
    let value = call(data, "getCellValue", &[snapshot(data), 7.into(), 7.into()])
        .unwrap_or_else(|e| panic!("{context}: a read after it failed: {e:?}"));
    assert_eq!(value, "alive", "{context}");
}

fn memory() -> JsValue {
    SpreadsheetData::in_memory(None).unwrap().into()
}

/// The `SpreadsheetData` class as JS sees it (its static methods go through the glue).
fn class(data: &JsValue) -> JsValue {
    prop(data, "constructor")
}

/// Every argument of every instance method, tried with every hostile value: a typed
/// `ValidationError` naming the argument, and the module usable after each (no trap).
#[wasm_bindgen_test]
async fn hostile_arguments_give_validation_errors_naming_the_argument_and_no_trap() {
    let data = memory();
    let snap = || snapshot(&data);
    let u = || JsValue::UNDEFINED;
    let mut tried = 0;
    for (label, bad) in hostile() {
        let b = || bad.clone();
        // An empty object, an array and an object with a throwing `valueOf` are valid (empty)
        // options; for every other argument each hostile value is wrong.
        let valid_options = matches!(label, "plain object" | "array" | "throwing valueOf");
        // (method, arguments, what the message must name)
        let mut cases: Vec<(&str, Vec<JsValue>, &str)> = vec![
            ("getCellValue", vec![b(), 0.into(), 0.into()], "snapshot"),
            ("getCellValue", vec![snap(), b(), 0.into()], "row"),
            ("getCellValue", vec![snap(), 0.into(), b()], "column"),
            ("getCellFormat", vec![b(), 0.into(), 0.into()], "snapshot"),
            ("getCellFormat", vec![snap(), b(), 0.into()], "row"),
            ("getCellFormat", vec![snap(), 0.into(), b()], "column"),
            ("getLoadStatus", vec![b()], "snapshot"),
            ("getRowCount", vec![b()], "snapshot"),
            ("getColumnCount", vec![b()], "snapshot"),
            ("getViewport", vec![b()], "snapshot"),
            ("getLogInfo", vec![b()], "snapshot"),
            ("getRowItemOffsetMapping", vec![b()], "snapshot"),
            ("getColumnItemOffsetMapping", vec![b()], "snapshot"),
            ("setCellValueAndFormat", vec![b(), 0.into(), 1.into()], "row"),
            ("setCellValueAndFormat", vec![0.into(), b(), 1.into()], "column"),
            ("setCellValueAndFormat", vec![0.into(), 0.into(), b()], "cell value"),
            ("setCellValueAndFormat", vec![0.into(), 0.into(), 1.into(), b()], "number format"),
            ("setCellValuesAndFormats", vec![b(), 0.into(), js("[[1]]")], "row"),
            ("setCellValuesAndFormats", vec![0.into(), b(), js("[[1]]")], "column"),
            ("setCellValuesAndFormats", vec![0.into(), 0.into(), b()], "values"),
            ("setCellValuesAndFormats", vec![0.into(), 0.into(), js("[[1]]"), b()], "formats"),
            ("setViewport", vec![b()], "viewport"),
            ("clearRange", vec![b()], "range"),
            ("insertRows", vec![b(), 1.into()], "at"),
            ("insertRows", vec![0.into(), b()], "count"),
            ("deleteRows", vec![b(), 1.into()], "at"),
            ("insertColumns", vec![0.into(), b()], "count"),
            ("deleteColumns", vec![b(), 1.into()], "at"),
            ("setRowHeights", vec![b(), 1.into(), 40.into()], "start"),
            ("setRowHeights", vec![0.into(), b(), 40.into()], "count"),
            ("setColumnWidths", vec![0.into(), 1.into(), b()], "size"),
            ("exportCsv", vec![b()], "snapshot"),
            ("exportCsv", vec![snap(), b()], "range"),
            ("exportCsvBlob", vec![b()], "snapshot"),
            ("exportCsvBlob", vec![snap(), b()], "range"),
            ("importCsv", vec![b()], "source"),
        ];
        if !valid_options {
            cases.push(("exportCsv", vec![snap(), "A1:B2".into(), b()], "option"));
            cases.push(("exportCsvBlob", vec![snap(), "A1:B2".into(), b()], "option"));
            cases.push(("importCsv", vec!["1,2\n".into(), b()], "option"));
        }
        for (method, args, names) in cases {
            let context = format!("{method} with a {label} ({names})");
            let error = failure(&data, method, &args).await;
            assert_validation(&error, names, &context);
            tried += 1;
        }
        // isValidCellValueAndFormat never throws: it returns the error.
        for (args, names) in [
            (vec![b(), 0.into(), 1.into()], "row"),
            (vec![0.into(), b(), 1.into()], "column"),
            (vec![0.into(), 0.into(), b()], "cell value"),
        ] {
            let context = format!("isValidCellValueAndFormat with a {label} ({names})");
            let returned = call(&data, "isValidCellValueAndFormat", &args)
                .unwrap_or_else(|e| panic!("{context}: threw {:?}", prop(&e, "message")));
            assert_validation(&returned, names, &context);
            tried += 1;
        }
        // The offset mappings.
        let rows = call(&data, "getRowItemOffsetMapping", &[snap()]).unwrap();
        for (method, names) in [("itemSize", "index"), ("itemOffset", "index"), ("offsetToItem", "offset")] {
            let error = call(&rows, method, &[b()]).expect_err("rejected");
            assert_validation(&error, names, &format!("{method} with a {label}"));
            tried += 1;
        }
        // subscribe's listener.
        if label != "function" {
            let subscribe: Function = prop(&data, "subscribe").dyn_into().unwrap();
            let error = subscribe.call1(&JsValue::UNDEFINED, &b()).expect_err("a listener that is no function");
            assert_validation(&error, "listener", &format!("subscribe with a {label}"));
            tried += 1;
        }
        assert_usable(&data, label).await;
    }
    // Throwing getters and Proxies inside arguments that are objects.
    let getter = |name: &str| js(&format!("({{ get {name}() {{ throw new Error('get trap'); }} }})"));
    for (method, args, names) in [
        ("clearRange", vec![getter("rowMin")], "rowMin"),
        ("setViewport", vec![getter("width")], "width"),
        ("setCellValueAndFormat", vec![0.into(), 0.into(), getter("type")], "type"),
        ("setCellValueAndFormat", vec![0.into(), 0.into(), js("({ type: 'CellError', value: 10n })")], "CellError"),
        ("setCellValuesAndFormats", vec![0.into(), 0.into(), js("[[1, 10n]]")], "B1"),
        (
            "setCellValuesAndFormats",
            vec![0.into(), 0.into(), js("[new Proxy([], { get() { throw new Error('get trap'); } })]")],
            "values",
        ),
        (
            "setCellValuesAndFormats",
            vec![0.into(), 0.into(), js("new Proxy([], { get(t, k) { return k === 'length' ? 1e12 : undefined; } })")],
            "values",
        ),
        ("setCellValuesAndFormats", vec![0.into(), 0.into(), js("[[1, 2], 5]")], "values[1]"),
        ("exportCsv", vec![snap(), u(), getter("guardFormulas")], "guardFormulas"),
        ("exportCsv", vec![snap(), u(), js("({ guardFormulas: 'yes' })")], "guardFormulas"),
        ("exportCsv", vec![snap(), 5.into()], "range"),
        ("exportCsv", vec![js("new Proxy({}, {})")], "snapshot"),
        ("importCsv", vec!["1\n".into(), getter("signal")], "signal"),
        ("importCsv", vec!["1\n".into(), getter("startRow")], "startRow"),
        ("importCsv", vec!["1\n".into(), object(&[("maxColumns", js("10n"))])], "maxColumns"),
        ("importCsv", vec!["1\n".into(), object(&[("signal", js("({ aborted: true })"))])], "signal"),
        ("importCsv", vec![js("({ size: 3, slice() { throw new Error('get trap'); } })")], "source"),
        ("getHistory", vec![getter("from")], "from"),
        ("getHistory", vec![getter("to")], "to"),
        ("getHistory", vec![js("({ to: 10n ** 30n })")], "to"),
    ] {
        let context = format!("{method} ({names})");
        let error = failure(&data, method, &args).await;
        assert_validation(&error, names, &context);
        tried += 1;
        assert_usable(&data, &context).await;
    }
    // A Proxy around a genuine snapshot is not one (its identity is what counts).
    let wrapped =
        js("(s => new Proxy(s, {}))").dyn_into::<Function>().unwrap().call1(&JsValue::UNDEFINED, &snap()).unwrap();
    assert_validation(&failure(&data, "getRowCount", &[wrapped]).await, "snapshot", "a Proxy of a snapshot");
    web_sys::console::log_1(&format!("{tried} hostile calls, each a ValidationError naming the argument").into());
    assert!(tried > 250, "{tried}");
    call(&data, "close", &[]).unwrap();
}

/// The static methods: `open`, `inMemory` and `delete` with hostile options and names.
#[wasm_bindgen_test]
async fn hostile_options_of_open_in_memory_and_delete_are_validation_errors() {
    let data = memory();
    let class = class(&data);
    let getter = |name: &str| js(&format!("({{ get {name}() {{ throw new Error('get trap'); }} }})"));
    let named = |extra: &str| js(&format!("({{ name: 'hostile-{}', worker: false, {extra} }})", unique_sheet("x")));
    for (label, bad) in hostile() {
        let valid_options = matches!(label, "plain object" | "array" | "throwing valueOf");
        // open() needs a name: any of these fails, naming the options or the option name.
        assert_validation(
            &failure(&class, "open", std::slice::from_ref(&bad)).await,
            "option",
            &format!("open({label})"),
        );
        assert_validation(
            &failure(&class, "delete", std::slice::from_ref(&bad)).await,
            "name",
            &format!("delete({label})"),
        );
        let options = object(&[("name", bad.clone()), ("worker", false.into())]);
        assert_validation(&failure(&class, "open", &[options]).await, "name", &format!("open({{name: {label}}})"));
        if !valid_options {
            assert_validation(
                &failure(&class, "inMemory", std::slice::from_ref(&bad)).await,
                "option",
                &format!("inMemory({label})"),
            );
        }
    }
    for (options, names) in [
        (getter("name"), "name"),
        (named("get tileRows() { throw new Error('get trap'); }"), "tileRows"),
        (named("get timeoutMs() { throw new Error('get trap'); }"), "timeoutMs"),
        (named("get durability() { throw new Error('get trap'); }"), "durability"),
        (named("get viewport() { throw new Error('get trap'); }"), "viewport"),
        (named("snapshotInterval: 10n"), "snapshotInterval"),
        (named("workerUrl: Symbol('u'), worker: true"), "workerUrl"),
        (named("durability: 10n"), "durability"),
        (js("new Proxy({}, { get() { throw new Error('get trap'); } })"), "name"),
    ] {
        let context = format!("open({names})");
        assert_validation(&failure(&class, "open", &[options]).await, names, &context);
    }
    for (options, names) in [
        (getter("tileColumns"), "tileColumns"),
        (getter("maxLayers"), "maxLayers"),
        (js("({ viewport: 10n })"), "viewport"),
    ] {
        assert_validation(&failure(&class, "inMemory", &[options]).await, names, &format!("inMemory({names})"));
    }
    assert_usable(&data, "after the static methods").await;
    call(&data, "close", &[]).unwrap();
}

/// A lone surrogate in a value, a format, a range, a sheet name or a CSV source is a
/// `ValidationError`, and nothing is stored; well-formed astral text round-trips unchanged.
#[wasm_bindgen_test]
async fn lone_surrogates_are_rejected_never_altered() {
    let data = memory();
    let lone_high = js("'a\\uD800b'");
    let lone_low = js("'\\uDC00'");
    let high_at_end = js("'x\\uD83D'");
    for (label, text) in [("high", &lone_high), ("low", &lone_low), ("high at the end", &high_at_end)] {
        let context = |what: &str| format!("a lone {label} surrogate in {what}");
        let error = failure(&data, "setCellValueAndFormat", &[0.into(), 0.into(), text.clone()]).await;
        assert_validation(&error, "lone surrogate", &context("a value"));
        let error = failure(&data, "setCellValueAndFormat", &[0.into(), 1.into(), "v".into(), text.clone()]).await;
        assert_validation(&error, "lone surrogate", &context("a format"));
        let values = js("[[1, 2]]");
        let row = js_sys::Array::of2(&"ok".into(), text);
        js_sys::Reflect::set(&values, &0.into(), &row).unwrap();
        let error = failure(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), values]).await;
        assert_validation(&error, "lone surrogate", &context("a batch"));
        let returned = call(&data, "isValidCellValueAndFormat", &[0.into(), 0.into(), text.clone()]).unwrap();
        assert_validation(&returned, "lone surrogate", &context("isValidCellValueAndFormat"));
        let error = failure(&data, "clearRange", std::slice::from_ref(text)).await;
        assert_validation(&error, "lone surrogate", &context("a range"));
        let error = failure(&data, "exportCsv", &[snapshot(&data), text.clone()]).await;
        assert_validation(&error, "lone surrogate", &context("an export range"));
        let csv = js_sys::JsString::from("1,").concat(text);
        let error = failure(&data, "importCsv", &[csv.into()]).await;
        assert_validation(&error, "lone surrogate", &context("a CSV source"));
        let class = class(&data);
        let options = object(&[("name", text.clone()), ("worker", false.into())]);
        let error = failure(&class, "open", &[options]).await;
        assert_validation(&error, "lone surrogate", &context("a sheet name"));
        let error = failure(&class, "delete", std::slice::from_ref(text)).await;
        assert_validation(&error, "lone surrogate", &context("delete's name"));
    }
    let v = snapshot(&data);
    assert!(call(&data, "getCellValue", &[v.clone(), 0.into(), 0.into()]).unwrap().is_undefined(), "nothing stored");
    assert!(call(&data, "getCellValue", &[v.clone(), 0.into(), 1.into()]).unwrap().is_undefined(), "nothing stored");
    assert_eq!(call(&data, "getRowCount", &[v]).unwrap(), 0, "no row written");
    // Surrogate pairs (astral characters) are well formed: stored and read back unchanged.
    let astral = js("'\\uD83D\\uDE00 ok \\uD834\\uDD1E'");
    settle(
        call(&data, "setCellValueAndFormat", &[0.into(), 0.into(), astral.clone(), "0.00\u{1F600}".into()]).unwrap(),
    )
    .await
    .expect("astral text is stored");
    let back = call(&data, "getCellValue", &[snapshot(&data), 0.into(), 0.into()]).unwrap();
    assert_eq!(back, astral, "read back unchanged");
    let format = call(&data, "getCellFormat", &[snapshot(&data), 0.into(), 0.into()]).unwrap();
    assert_eq!(format, "0.00\u{1F600}");
    // A CSV string is converted 524,288 UTF-16 units at a time: a surrogate pair on that edge
    // is kept whole (never split into two lone halves, each altered to U+FFFD).
    let edge = js("('x'.repeat(29999) + '\\n').repeat(17) + 'y'.repeat(14287) + '\\uD83D\\uDE00\\n'");
    assert_eq!(
        js_sys::JsString::from(edge.clone()).char_code_at(524_287),
        f64::from(0xD83D_u32),
        "the pair's high half is the last unit of the first slice"
    );
    let result = settle(call(&data, "importCsv", &[edge, object(&[("startRow", 100.into())])]).unwrap())
        .await
        .expect("rows of 30,000 units import");
    assert_eq!(prop(&result, "cells"), 18);
    let last = call(&data, "getCellValue", &[snapshot(&data), 117.into(), 0.into()]).unwrap();
    assert_eq!(last, js("'y'.repeat(14287) + '\\uD83D\\uDE00'"), "the pair on the slice edge is unchanged");
    assert_usable(&data, "after the surrogates").await;
    call(&data, "close", &[]).unwrap();
}

/// Imports have a column limit (16,384 unless `maxColumns` says otherwise) and a bound on the
/// bytes a row may take (`maxRowBytes`): a wider or longer row is a `ValidationError` with its
/// line, found without holding the row whole; nothing of a rolled-back import stays.
#[wasm_bindgen_test]
async fn csv_imports_are_bounded_in_columns_and_row_bytes() {
    let data = memory();
    let wide = format!("1,2\n{}\n", vec!["x"; 16_385].join(","));
    let error = failure(&data, "importCsv", &[wide.clone().into()]).await;
    assert_validation(&error, "16384", "16,385 columns");
    assert_eq!(prop(&error, "line"), 2, "the line of the wide row");
    assert!(call(&data, "getCellValue", &[snapshot(&data), 0.into(), 0.into()]).unwrap().is_undefined(), "rolled back");
    let exactly = format!("{}\n", vec!["y"; 16_384].join(","));
    let result = settle(call(&data, "importCsv", &[exactly.into()]).unwrap()).await.expect("16,384 columns are fine");
    assert_eq!(prop(&result, "cells"), 16_384);
    let narrow = object(&[("maxColumns", 3.into())]);
    let error = failure(&data, "importCsv", &["a,b,c\n\"d,e\",f,g,h\n".into(), narrow]).await;
    assert_validation(&error, "maxColumns", "maxColumns 3");
    assert_eq!(prop(&error, "line"), 2);
    let quoted = object(&[("maxColumns", 3.into()), ("startRow", 5.into())]);
    settle(call(&data, "importCsv", &["\"a,b,c,d\",e\n".into(), quoted]).unwrap())
        .await
        .expect("commas inside quotes are not fields");
    assert_eq!(call(&data, "getCellValue", &[snapshot(&data), 5.into(), 0.into()]).unwrap(), "a,b,c,d");
    let short = object(&[("maxRowBytes", 10.into()), ("startRow", 6.into())]);
    let error = failure(&data, "importCsv", &["ok\n0123456789abc\n".into(), short]).await;
    assert_validation(&error, "maxRowBytes", "maxRowBytes 10");
    assert_eq!(prop(&error, "line"), 2);
    // A Blob of one huge field: refused after the first slice, naming the line.
    let huge = js("new Blob(['1\\n\"', 'z'.repeat(4 * 1024 * 1024)])");
    let error = failure(&data, "importCsv", &[huge, object(&[("startRow", 7.into())])]).await;
    assert_validation(&error, "line 2", "a 4 MiB field");
    for bad in [0.into(), (-1).into(), 1.5.into(), js("10n"), "3".into()] {
        let error = failure(&data, "importCsv", &["1\n".into(), object(&[("maxColumns", bad)])]).await;
        assert_validation(&error, "maxColumns", "a bad maxColumns");
    }
    assert_usable(&data, "after the limits").await;
    call(&data, "close", &[]).unwrap();
}

/// `exportCsv(snapshot, range, { guardFormulas: true })` prefixes `'` to text a spreadsheet
/// program would run; without the option the text is exported exactly.
#[wasm_bindgen_test]
async fn export_guards_formulas_when_asked() {
    let data = memory();
    let values = js("[['=HYPERLINK(\"http://evil.example\")', '+1', -2], ['@x', '\\tt', 'plain']]");
    settle(call(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), values]).unwrap()).await.unwrap();
    let guard = object(&[("guardFormulas", true.into())]);
    let guarded =
        settle(call(&data, "exportCsv", &[snapshot(&data), JsValue::UNDEFINED, guard]).unwrap()).await.unwrap();
    assert_eq!(guarded, "\"'=HYPERLINK(\"\"http://evil.example\"\")\",'+1,-2\n'@x,'\tt,plain\n");
    let plain = settle(call(&data, "exportCsv", &[snapshot(&data)]).unwrap()).await.unwrap();
    assert_eq!(plain, "\"=HYPERLINK(\"\"http://evil.example\"\")\",+1,-2\n@x,\tt,plain\n");
    let off = object(&[("guardFormulas", false.into())]);
    let same = settle(call(&data, "exportCsv", &[snapshot(&data), "A2:C2".into(), off]).unwrap()).await.unwrap();
    assert_eq!(same, "@x,\tt,plain\n");
    call(&data, "close", &[]).unwrap();
}

/// A batch of every kind of value (texts with astral characters, combining marks and empty ones
/// among numbers, booleans, `null`, `undefined` and a `CellError`) reads back cell by cell as it
/// was written, and a lone surrogate after many good texts is reported at its own cell: the
/// values cross into wasm packed (`packCells` in `js/boundary.js`), the texts joined.
#[wasm_bindgen_test]
async fn a_batch_of_every_kind_reads_back_as_written() {
    let data = memory();
    let values = js("[['a', '', '\\u{1F600}x', 1.5, -0, 1e300, true, false, null, undefined], \
                     [{ type: 'CellError', value: '#N/A' }, 'e\\u0301', '\\u{1D11E}\\u{1D11E}', '', 'z', 0, 'last']]");
    settle(call(&data, "setCellValuesAndFormats", &[0.into(), 0.into(), values.clone()]).unwrap()).await.unwrap();
    let stringify = |v: &JsValue| js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string());
    for r in 0..2u32 {
        let row: js_sys::Array = js_sys::Reflect::get(&values, &r.into()).unwrap().into();
        for c in 0..row.length() {
            let want = row.get(c);
            let got = call(&data, "getCellValue", &[snapshot(&data), r.into(), c.into()]).unwrap();
            let same =
                if want.is_object() { stringify(&got) == stringify(&want) } else { js_sys::Object::is(&got, &want) };
            assert!(same, "cell ({r}, {c}): wrote {want:?}, read {got:?}");
        }
    }
    // A lone surrogate after texts, numbers and an astral character: named at its own cell.
    let bad = js("[['\\u{1F600}', 'ok', 2, 'fine'], ['x', 'y', 'a\\uD800b', 'never']]");
    let error = failure(&data, "setCellValuesAndFormats", &[5.into(), 0.into(), bad]).await;
    assert_validation(&error, "cell C7", "a lone surrogate in the second row");
    assert_validation(&error, "lone surrogate", "a lone surrogate in the second row");
    let untouched = call(&data, "getCellValue", &[snapshot(&data), 5.into(), 0.into()]).unwrap();
    assert!(untouched.is_undefined(), "nothing of the rejected batch is stored: {untouched:?}");
    call(&data, "close", &[]).unwrap();
}

/// Batches of random values of every kind, each compared with the same values written one at
/// a time (`setCellValueAndFormat`, which converts each value on its own): a batch whose values
/// all convert reads back cell for cell as the one-at-a-time sheet does; a batch with a bad
/// value (a lone surrogate, a bigint, a symbol, NaN) is rejected with a `ValidationError` naming
/// its first bad cell, and nothing of it is stored. 150 batches of up to 4 x 5 cells from a fixed
/// seed: a differential test of the values' packed crossing (`packCells`).
#[wasm_bindgen_test]
async fn random_batches_read_back_as_their_values_written_one_at_a_time() {
    let batched = memory();
    let single = memory();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let texts = ["", "a", "naïve", "e\u{301}", "\u{1F600}", "\u{1D11E}x\u{1F600}", "tab\there", "日本語"];
    let bad = ["'a\\uD800'", "10n", "Symbol('s')", "NaN"];
    for batch in 0..150u64 {
        let (rows, cols) = (1 + next(4) as u32, 1 + next(5) as u32);
        let (top, left) = (batch as u32 * 5, 0u32);
        let matrix = js_sys::Array::new();
        for _ in 0..rows {
            let row = js_sys::Array::new();
            for _ in 0..cols {
                let value = match next(40) {
                    0..=9 => JsValue::from_f64((next(2001) as f64 - 1000.0) / 8.0),
                    10..=21 => JsValue::from_str(texts[next(texts.len() as u64) as usize]),
                    22..=24 => JsValue::from_bool(next(2) == 0),
                    25..=26 => JsValue::NULL,
                    27..=28 => JsValue::UNDEFINED,
                    29..=30 => js("({ type: 'CellError', value: '#DIV/0!' })"),
                    31 if next(4) == 0 => js(bad[next(bad.len() as u64) as usize]),
                    31 => js("-0"),
                    _ => JsValue::from_str(&format!("t{}", next(1000))),
                };
                row.push(&value);
            }
            matrix.push(&row);
        }
        // The reference: each value on its own, the first rejected one noted.
        let mut first_bad = None;
        for r in 0..rows {
            let row: js_sys::Array = matrix.get(r).into();
            for c in 0..cols {
                let written =
                    call(&single, "setCellValueAndFormat", &[(top + r).into(), (left + c).into(), row.get(c)]);
                let result = match written {
                    Ok(promise) => settle(promise).await,
                    Err(error) => Err(error),
                };
                if result.is_err() && first_bad.is_none() {
                    first_bad = Some((top + r, left + c));
                }
            }
        }
        let result = match call(&batched, "setCellValuesAndFormats", &[top.into(), left.into(), matrix.clone().into()])
        {
            Ok(promise) => settle(promise).await,
            Err(error) => Err(error),
        };
        let context = format!(
            "batch {batch} ({rows} x {cols}): {}",
            js_sys::JSON::stringify(&matrix).map(String::from).unwrap_or_default()
        );
        match (first_bad, result) {
            (None, Ok(_)) => {
                for r in 0..rows {
                    for c in 0..cols {
                        let at = [snapshot(&batched), (top + r).into(), (left + c).into()];
                        let got = call(&batched, "getCellValue", &at).unwrap();
                        let want =
                            call(&single, "getCellValue", &[snapshot(&single), (top + r).into(), (left + c).into()])
                                .unwrap();
                        let same = if want.is_object() {
                            js_sys::JSON::stringify(&got).ok().map(String::from)
                                == js_sys::JSON::stringify(&want).ok().map(String::from)
                        } else {
                            js_sys::Object::is(&got, &want)
                        };
                        assert!(same, "{context}: cell ({r}, {c}) read {got:?}, one at a time {want:?}");
                    }
                }
            }
            (Some((row, col)), Err(error)) => {
                let name = format!("cell {}", sheetlog::model::CellRef { row: row.into(), col: col.into() });
                assert_validation(&error, &name, &context);
                for r in 0..rows {
                    for c in 0..cols {
                        let got =
                            call(&batched, "getCellValue", &[snapshot(&batched), (top + r).into(), (left + c).into()])
                                .unwrap();
                        assert!(got.is_undefined(), "{context}: a rejected batch stored ({r}, {c}) = {got:?}");
                    }
                }
            }
            (first_bad, result) => {
                panic!("{context}: one at a time the first bad cell is {first_bad:?}, the batch gave {result:?}")
            }
        }
    }
    call(&batched, "close", &[]).unwrap();
    call(&single, "close", &[]).unwrap();
}
