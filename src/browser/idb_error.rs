//! Turns IndexedDB failures into [`StorageError`]s with messages a person understands
//! (DESIGN.md section 6): quota is status 507, a closing connection is retryable, and so on.

use indexed_db_futures::error::{Error as IdbError, OpenDbError, UnexpectedDataError};
use indexed_db_futures::transaction::{Transaction, TransactionDone};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast as _, JsValue};

use crate::error::{StorageError, StorageErrorKind};

/// Maps an error of an IndexedDB request or transaction.
pub fn from_idb(error: IdbError) -> StorageError {
    match error {
        IdbError::DomException(dom) => {
            let sys: web_sys::DomException = dom.into();
            StorageError::from_dom_exception(&sys.name(), &sys.message())
        }
        other => StorageError::new(StorageErrorKind::Other, other.to_string()),
    }
}

/// Maps the error of a readwrite transaction's commit. A commit the browser aborted (rather than
/// a request that failed) is, in practice, the origin's storage running full: Chromium reports
/// quota only by aborting the transaction at commit, with no error on the requests. When
/// `navigator.storage.estimate()` then shows the origin at (or within 1 MiB of) its quota, the
/// abort is reported as [`StorageErrorKind::QuotaExceeded`] (status 507, with a message a person
/// understands); otherwise as the abort it is.
pub async fn commit_failed(error: IdbError) -> StorageError {
    if !matches!(error, IdbError::MissingData(UnexpectedDataError::TransactionAborted)) {
        return from_idb(error);
    }
    match storage_estimate().await {
        Some((usage, quota)) if usage + (1 << 20) as f64 >= quota => StorageError::new(
            StorageErrorKind::QuotaExceeded,
            format!("the write was aborted with {usage:.0} of {quota:.0} bytes in use"),
        ),
        _ => StorageError::new(StorageErrorKind::Other, "the browser aborted the write"),
    }
}

/// Waits for a readwrite transaction to finish (it commits by itself once its requests are
/// done: no explicit commit, so that after an abort the transaction's `error`, a
/// `QuotaExceededError` say, can still be read) and gives its outcome. `requests` are its
/// requests' results: a request's own error explains a failure best (unless it is only the
/// `AbortError` every request gets when its transaction aborts), then the transaction's error,
/// then [`commit_failed`]'s guess.
pub async fn finish_write(
    tx: Transaction<'_>,
    done: TransactionDone,
    requests: impl IntoIterator<Item = Result<(), StorageError>>,
) -> Result<(), StorageError> {
    let finished = done.await;
    let request_error = requests.into_iter().filter_map(Result::err).find(|e| !e.detail.starts_with("AbortError"));
    if let Some(error) = request_error {
        return Err(error);
    }
    if finished.is_ok() {
        return Ok(());
    }
    match tx.error() {
        Some(reason) => Err(from_idb(reason)),
        None => Err(commit_failed(IdbError::MissingData(UnexpectedDataError::TransactionAborted)).await),
    }
}

/// `navigator.storage.estimate()` as (usage, quota) in bytes, where the browser has it.
async fn storage_estimate() -> Option<(f64, f64)> {
    let get = |object: &JsValue, key: &str| Reflect::get(object, &JsValue::from_str(key)).ok();
    let storage = get(&get(&js_sys::global(), "navigator")?, "storage")?;
    let estimate: Function = get(&storage, "estimate")?.dyn_into().ok()?;
    let promise: Promise = estimate.call0(&storage).ok()?.dyn_into().ok()?;
    let result = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    Some((get(&result, "usage")?.as_f64()?, get(&result, "quota")?.as_f64()?))
}

/// Maps an error of opening a database.
pub fn from_open(error: OpenDbError) -> StorageError {
    match error {
        OpenDbError::Base(e) => from_idb(e),
        OpenDbError::UnsupportedEnvironment | OpenDbError::NullFactory => {
            StorageError::new(StorageErrorKind::Unsupported, error.to_string())
        }
        other => StorageError::new(StorageErrorKind::Other, other.to_string()),
    }
}

/// The error for an operation that ran out of time.
pub fn timed_out(what: &str, milliseconds: u32) -> StorageError {
    StorageError::new(StorageErrorKind::Timeout, format!("{what} did not finish within {milliseconds} ms"))
}

/// The error for stored data of an unexpected shape.
pub fn corrupt(what: impl Into<String>) -> StorageError {
    StorageError::new(StorageErrorKind::Corrupt, what)
}
