//! The blob store conformance suite over `IdbBlobStore`, in a real browser, at several page sizes.
#![cfg(target_arch = "wasm32")]

mod browser_common;

use browser_common::{dispose, fresh_db};
use sheetlog::blob::{conformance, read_path, BlobError, BlobStore};
use sheetlog::browser::IdbBlobStore;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! idb_case {
    ($case:ident) => {
        #[wasm_bindgen_test]
        async fn $case() {
            for page_size in [1, 2, 1000] {
                let (sheet, db) = fresh_db(page_size).await;
                conformance::$case(IdbBlobStore::new(db.clone())).await;
                dispose(&sheet, db).await;
            }
        }
    };
}

sheetlog::for_each_blob_store_case!(idb_case);

/// A put of a batch that fails after it was issued (here `add` of a key that exists, a
/// `ConstraintError`: `IDBObjectStore.prototype.put` is swapped for the test) aborts the batch's
/// transaction: `write_many` gives a storage error naming the cause, and no blob of that
/// transaction is stored (the puts are not awaited one by one; the transaction's error says why).
#[wasm_bindgen_test]
async fn a_put_failing_in_a_batch_aborts_it_with_its_error() {
    let (sheet, db) = fresh_db(1000).await;
    let blobs = IdbBlobStore::new(db.clone());
    blobs.write_many(&[("t/old", b"old".as_slice())]).await.expect("first write");
    let swap = js_sys::Function::new_no_args(
        r#"
        const proto = IDBObjectStore.prototype;
        const original = proto.put;
        proto.put = function (value, key) { return this.add(value, key); };
        return () => { proto.put = original; };
        "#,
    );
    let restore: js_sys::Function = swap.call0(&JsValue::NULL).expect("swap put").unchecked_into();
    let batch: Vec<(&str, &[u8])> = vec![("t/a", b"a"), ("t/b", b"b"), ("t/old", b"new"), ("t/c", b"c")];
    let result = blobs.write_many(&batch).await;
    restore.call0(&JsValue::NULL).expect("restore put");
    match &result {
        Err(BlobError::Storage(error)) => assert!(error.detail.contains("ConstraintError"), "{error:?}"),
        other => panic!("expected a storage error, got {other:?}"),
    }
    for path in ["t/a", "t/b", "t/c"] {
        assert!(matches!(read_path(&blobs, path).await, Err(BlobError::NotFound { .. })), "{path} not stored");
    }
    assert_eq!(read_path(&blobs, "t/old").await.expect("old kept"), b"old");
    dispose(&sheet, db).await;
}
