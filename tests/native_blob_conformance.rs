//! The blob store conformance suite over `MemoryBlobStore`, natively, at several page sizes.
#![cfg(not(target_arch = "wasm32"))]

use futures::executor::block_on;
use sheetlog::blob::{conformance, MemoryBlobStore};

macro_rules! memory_case {
    ($case:ident) => {
        #[test]
        fn $case() {
            for page_size in [1, 2, 1000] {
                block_on(conformance::$case(MemoryBlobStore::with_page_size(page_size)));
            }
        }
    };
}

sheetlog::for_each_blob_store_case!(memory_case);
