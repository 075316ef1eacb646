//! Turns IndexedDB failures into [`StorageError`]s with messages a person understands
//! (DESIGN.md section 6): quota is status 507, a closing connection is retryable, and so on.

use indexed_db_futures::error::{Error as IdbError, OpenDbError};

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
