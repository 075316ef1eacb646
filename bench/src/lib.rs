//! The browser benchmark programs of sheetlog (BENCHMARKS.md), a crate of their own so the
//! published package holds no benchmark code (issue 12, item 8). Built by
//! `scripts/build-pkg.sh www/bench-pkg bench` into a wasm module that holds the whole package
//! (every export of `sheetlog`) plus these entry points, for the pages of `www/bench`:
//! - [`storage`]: raw IndexedDB puts against the log's appends, blob batch writes, engine memory
//!   figures and a sheet's bytes by kind;
//! - [`structural`]: structural edits on a sheet of 1,000,000 rows;
//! - [`history`]: versions of the past and undo over 100,000 entries of history.
#![cfg(target_arch = "wasm32")]

use sheetlog::engine::Runtime;
use wasm_bindgen::prelude::*;

pub mod history;
pub mod storage;
pub mod structural;

/// A storage or engine error as a JS `Error`.
fn js_error(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

/// Logs a line of figures to the console and keeps it for the report.
fn line(report: &mut Vec<String>, text: String) {
    web_sys::console::log_1(&JsValue::from_str(&text));
    report.push(text);
}

/// The engine runtime of the browser: `spawn_local`, `setTimeout`, `Date.now()`.
fn runtime() -> Runtime {
    sheetlog::api::browser_runtime()
}
