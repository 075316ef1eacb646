//! The event log conformance suite over `IdbEventLog`, in a real browser, at several page sizes.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::{dispose, fresh_db};
use sheetlog::browser::IdbEventLog;
use sheetlog::log::conformance;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! idb_case {
    ($case:ident) => {
        #[wasm_bindgen_test]
        async fn $case() {
            for page_size in [1, 3, 1000] {
                let (sheet, db) = fresh_db(page_size).await;
                conformance::$case(IdbEventLog::new(db.clone())).await;
                dispose(&sheet, db).await;
            }
        }
    };
}

sheetlog::for_each_event_log_case!(idb_case);
