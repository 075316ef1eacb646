//! The event log conformance suite over `MemoryEventLog`, natively, at several page sizes.
#![cfg(not(target_arch = "wasm32"))]

use futures::executor::block_on;
use sheetlog::log::{conformance, MemoryEventLog};

macro_rules! memory_case {
    ($case:ident) => {
        #[test]
        fn $case() {
            for page_size in [1, 3, 1000] {
                block_on(conformance::$case(MemoryEventLog::with_page_size(page_size)));
            }
        }
    };
}

sheetlog::for_each_event_log_case!(memory_case);
