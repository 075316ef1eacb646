//! Shared helpers of the browser test files: a fresh, uniquely named database per test.
#![allow(dead_code)]

pub mod js;

use sheetlog::browser::{IdbOptions, SheetDatabase};

/// A new sheet name no other test uses.
pub fn unique_sheet(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e15) as u64)
}

/// Opens a fresh sheet database whose log queries and dir listings return at most `page_size`.
pub async fn fresh_db(page_size: usize) -> (String, SheetDatabase) {
    let sheet = unique_sheet("conformance");
    let options = IdbOptions { log_page_size: page_size, list_page_size: page_size, ..IdbOptions::default() };
    let db = SheetDatabase::open(&sheet, options).await.expect("open a fresh database");
    (sheet, db)
}

/// Closes and deletes a test database.
pub async fn dispose(sheet: &str, db: SheetDatabase) {
    db.close();
    SheetDatabase::delete(sheet).await.expect("delete the test database");
}
