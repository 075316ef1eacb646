//! The wasm-bindgen surface (wasm32 only). For now only [`version`]; `SpreadsheetData` comes
//! with the engine (DESIGN.md section 3).

use wasm_bindgen::prelude::*;

#[cfg(feature = "bench")]
mod bench;

/// The version of the sheetlog package, e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
