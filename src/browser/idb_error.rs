//! Turns IndexedDB failures into [`StorageError`]s with messages a person understands
//! (DESIGN.md section 6): quota is status 507, a closing connection is retryable, and so on.

use std::cell::RefCell;
use std::future::Future;

use indexed_db_futures::error::{Error as IdbError, OpenDbError, UnexpectedDataError};
use indexed_db_futures::internals::SystemRepr as _;
use indexed_db_futures::transaction::{Transaction, TransactionDone, TransactionFinishKind};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast as _, JsValue};

use super::database::SheetDatabase;
use super::timer::{now_ms, sleep, with_timeout};
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

/// The error of request `request`, read without a listener once its transaction ended: `Ok`
/// when it succeeded or is not done (a request after the one that failed).
pub fn request_error(request: &web_sys::IdbRequest) -> Result<(), StorageError> {
    match request.error() {
        Ok(Some(dom)) => Err(StorageError::from_dom_exception(&dom.name(), &dom.message())),
        Ok(None) | Err(_) => Ok(()),
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
    outcome(&tx, finished, requests.into_iter().collect()).await
}

/// The outcome of a readwrite transaction whose requests finished (`requests`: their results):
/// as [`finish_write`] explains.
async fn outcome(
    tx: &Transaction<'_>,
    finished: TransactionFinishKind,
    requests: Vec<Result<(), StorageError>>,
) -> Result<(), StorageError> {
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

/// Why a timed write did not end in a commit.
#[derive(Debug)]
pub enum WriteFailure {
    /// It did not commit: nothing of it is stored.
    Failed(StorageError),
    /// It ran out of time and the browser never said whether it committed (not even after a
    /// grace period): the caller can find out by reading what it wrote.
    Unknown(StorageError),
}

impl From<StorageError> for WriteFailure {
    fn from(error: StorageError) -> Self {
        Self::Failed(error)
    }
}

impl WriteFailure {
    /// The storage error, whatever the case.
    pub fn into_error(self) -> StorageError {
        match self {
            Self::Failed(e) | Self::Unknown(e) => e,
        }
    }
}

/// Runs the requests of readwrite transaction `tx` (`body`, which awaits them and returns its
/// value and their results) and waits for the transaction to finish, all within the database's
/// operation timeout; `what` names the operation in a timeout error.
///
/// A timeout never hides a commit (issue 12): when time runs out the transaction is aborted if it
/// still can be (then nothing of it is stored, and the error is the timeout, status 504); if it
/// is already committing, its outcome is awaited (for up to the timeout again, at least a
/// second), and a commit is a success. `issued` is what the transaction does once its writes
/// are issued (the body sets it right after issuing them): the value returned when the body ran
/// out of time but the transaction committed anyway. A body that issued nothing stored nothing.
pub async fn timed_write<T: Clone>(
    db: &SheetDatabase,
    what: &str,
    tx: &Transaction<'_>,
    mut done: TransactionDone,
    issued: &RefCell<Option<T>>,
    body: impl Future<Output = Result<(T, Vec<Result<(), StorageError>>), StorageError>>,
) -> Result<T, WriteFailure> {
    let timeout = db.options().timeout_ms;
    let start = now_ms();
    let remaining = || (f64::from(timeout) - (now_ms() - start)).max(0.0) as u32;
    let (value, requests) = match with_timeout(timeout, body).await {
        Some(result) => result?,
        None => {
            let issued = issued.borrow().clone();
            return settle_late(db, what, tx, done, issued).await;
        }
    };
    let late = db.late_commit_ms();
    if late > 0 {
        with_timeout(remaining(), sleep(late)).await;
    }
    match with_timeout(remaining(), &mut done).await {
        Some(finished) => Ok(outcome(tx, finished, requests).await.map(|()| value)?),
        None => settle_late(db, what, tx, done, Some(value)).await,
    }
}

/// Time ran out for `tx`: abort it if it still can be, else learn whether it committed.
async fn settle_late<T>(
    db: &SheetDatabase,
    what: &str,
    tx: &Transaction<'_>,
    done: TransactionDone,
    value: Option<T>,
) -> Result<T, WriteFailure> {
    let timeout = db.options().timeout_ms;
    let error = timed_out(what, timeout);
    // `abort()` throws when the transaction is already committing or finished; then it ends as
    // it was going to, and its `complete` event says whether it committed.
    let _ = tx.as_sys().abort();
    match with_timeout(timeout.max(1000), done).await {
        Some(TransactionFinishKind::Ok) => value.ok_or(WriteFailure::Failed(error)),
        Some(_) => Err(WriteFailure::Failed(error)),
        None => Err(WriteFailure::Unknown(error)),
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
