//! Storage failures shared by every backend, and the crate's umbrella [`Error`].
//!
//! Each family of operations has its own error enum ([`crate::log::LogError`],
//! [`crate::blob::BlobError`], [`crate::model::ValidationError`]); a failure of the storage
//! underneath any of them is a [`StorageError`], which carries an HTTP-like status code because
//! that is what the JS API exposes as `statusCode` (DESIGN.md section 3).

use std::fmt;

/// What kind of storage failure happened; decides the status code and whether a retry can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageErrorKind {
    /// The thing asked for does not exist (status 404).
    NotFound,
    /// Another connection holds the database open at an older schema version and did not close
    /// it (IndexedDB `blocked`); retrying after the other tab closes helps (status 503).
    Blocked,
    /// The browser's storage quota for this site is used up (status 507).
    QuotaExceeded,
    /// The operation did not finish within its timeout (status 504).
    Timeout,
    /// The store was closed (the IndexedDB store's `close`, in `crate::browser` on wasm) or by a
    /// schema upgrade in another tab; it reopens on the next call (status 503).
    Closed,
    /// Stored bytes could not be decoded: the data is damaged or from an unknown format (status 500).
    Corrupt,
    /// The storage API is missing in this environment (status 501).
    Unsupported,
    /// The sheet's storage was deleted while it was open (by another tab, or by the browser when
    /// site data was cleared), or is missing although the sheet is known to have held data
    /// (status 410). Nothing is written any more: writing would re-create an empty sheet.
    Deleted,
    /// The stored data was written by a newer version of the app, whose format or schema this
    /// build does not know (status 426); reloading the page loads the newer app.
    NewerVersion,
    /// Any other failure reported by the storage engine (status 500).
    Other,
}

impl StorageErrorKind {
    /// The HTTP-like status code shown to JS as `statusCode`.
    pub fn status_code(self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::Blocked | Self::Closed => 503,
            Self::QuotaExceeded => 507,
            Self::Timeout => 504,
            Self::Unsupported => 501,
            Self::Deleted => 410,
            Self::NewerVersion => 426,
            Self::Corrupt | Self::Other => 500,
        }
    }

    /// True when the same call may succeed if tried again later.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Blocked | Self::Timeout | Self::Closed)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::NotFound => "the requested data is not in storage",
            Self::Blocked => "the database is held open by another tab at an older version; close other tabs of this app and try again",
            Self::QuotaExceeded => "the browser's storage for this site is full; free some space or allow this site more storage",
            Self::Timeout => "the storage operation took too long",
            Self::Closed => "the database connection was closed",
            Self::Corrupt => "stored data is damaged or in an unknown format",
            Self::Unsupported => "this environment has no IndexedDB",
            Self::Deleted => "this sheet's stored data was deleted (in another tab, or when the site's data was cleared); it no longer stores edits",
            Self::NewerVersion => "a newer version of the app wrote this sheet; reload the page to use the newer version",
            Self::Other => "the storage engine failed",
        }
    }
}

/// A failure of the storage underneath a log or blob store: a kind plus the engine's own words
/// (for IndexedDB, the `DOMException` name and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError {
    /// What happened.
    pub kind: StorageErrorKind,
    /// Detail from the storage engine, for people; empty when there is none.
    pub detail: String,
}

impl StorageError {
    /// A storage error of `kind` with the engine's `detail`.
    pub fn new(kind: StorageErrorKind, detail: impl Into<String>) -> Self {
        Self { kind, detail: detail.into() }
    }

    /// The storage error for a `DOMException` named `name` (from IndexedDB, WebIDL names):
    /// `QuotaExceededError` is [`StorageErrorKind::QuotaExceeded`] (507), `InvalidStateError` (a
    /// closing connection) is [`StorageErrorKind::Closed`], `TimeoutError` is
    /// [`StorageErrorKind::Timeout`], a `VersionError` (the database was upgraded by a newer
    /// build) is [`StorageErrorKind::NewerVersion`] (426), data errors are
    /// [`StorageErrorKind::Corrupt`]; anything else is `Other`.
    pub fn from_dom_exception(name: &str, message: &str) -> Self {
        let kind = match name {
            "QuotaExceededError" => StorageErrorKind::QuotaExceeded,
            "InvalidStateError" => StorageErrorKind::Closed,
            "TimeoutError" => StorageErrorKind::Timeout,
            "VersionError" => StorageErrorKind::NewerVersion,
            "DataError" | "DataCloneError" | "NotFoundError" => StorageErrorKind::Corrupt,
            _ => StorageErrorKind::Other,
        };
        Self::new(kind, format!("{name}: {message}"))
    }

    /// The HTTP-like status code of [`Self::kind`].
    pub fn status_code(&self) -> u16 {
        self.kind.status_code()
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for StorageError {}

/// Any error of this crate; each family converts into it with `?`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input, rejected before anything was stored.
    #[error(transparent)]
    Validation(#[from] crate::model::ValidationError),
    /// An event log operation failed.
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
    /// A blob store operation failed.
    #[error(transparent)]
    Blob(#[from] crate::blob::BlobError),
    /// The storage underneath failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dom_exceptions_map_to_kinds_and_status_codes() {
        let quota = StorageError::from_dom_exception("QuotaExceededError", "The quota has been exceeded.");
        assert_eq!((quota.kind, quota.status_code()), (StorageErrorKind::QuotaExceeded, 507));
        assert!(quota.to_string().contains("storage for this site is full"), "{quota}");
        assert!(quota.to_string().contains("The quota has been exceeded."), "{quota}");
        let closed = StorageError::from_dom_exception("InvalidStateError", "The database connection is closing.");
        assert_eq!(
            (closed.kind, closed.status_code(), closed.kind.is_retryable()),
            (StorageErrorKind::Closed, 503, true)
        );
        let newer = StorageError::from_dom_exception(
            "VersionError",
            "The requested version (1) is less than the existing version (2).",
        );
        assert_eq!((newer.kind, newer.status_code()), (StorageErrorKind::NewerVersion, 426));
        assert!(newer.to_string().contains("a newer version of the app"), "{newer}");
        assert_eq!(StorageError::from_dom_exception("UnknownError", "disk").status_code(), 500);
    }

    #[test]
    fn every_kind_has_a_status_and_a_sentence() {
        use StorageErrorKind::*;
        for (kind, status) in [
            (NotFound, 404),
            (Blocked, 503),
            (QuotaExceeded, 507),
            (Timeout, 504),
            (Closed, 503),
            (Corrupt, 500),
            (Unsupported, 501),
            (Deleted, 410),
            (NewerVersion, 426),
            (Other, 500),
        ] {
            let error = StorageError::new(kind, "");
            assert_eq!(error.status_code(), status, "{kind:?}");
            assert!(error.to_string().len() > 10, "{kind:?}");
        }
        assert!(Blocked.is_retryable() && Timeout.is_retryable() && !QuotaExceeded.is_retryable());
    }
}
