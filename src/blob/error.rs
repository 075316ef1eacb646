//! [`BlobError`]: everything a blob store call can fail with.

use crate::error::StorageError;

/// Whether a path names a blob or a dir.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// An immutable byte array.
    Blob,
    /// A directory; exists only while it holds blobs.
    Dir,
}

/// What is wrong with a blob or dir name (DESIGN.md section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum NameProblem {
    /// The name is the empty string.
    #[error("it is empty")]
    Empty,
    /// The name is longer than [`MAX_NAME_BYTES`](super::MAX_NAME_BYTES) UTF-8 bytes.
    #[error("it is longer than 255 UTF-8 bytes")]
    TooLong,
    /// The name contains `/`, which separates path components.
    #[error("it contains '/'")]
    Slash,
    /// The name contains a control character (U+0000..U+001F, U+007F..U+009F).
    #[error("it contains a control character")]
    ControlCharacter,
    /// The name is `.` or `..`.
    #[error("'.' and '..' are reserved")]
    Dots,
}

/// Why a blob store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// No blob at `path` (status 404).
    #[error("no blob at '{path}'")]
    NotFound {
        /// Full path of the missing blob.
        path: String,
    },
    /// `path` is a `found`, but the call needs the other kind (status 409).
    #[error("'{path}' is a {}, not a {}", kind_name(*found), kind_name(other(*found)))]
    WrongKind {
        /// Full path of the entry of the wrong kind.
        path: String,
        /// What the path actually is.
        found: EntryKind,
    },
    /// The name breaks the naming rules; nothing was read or stored (status 400).
    #[error("invalid blob name {name:?}: {problem}")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// The rule it breaks.
        problem: NameProblem,
    },
    /// A listing continuation was made by another dir, or is damaged (status 400).
    #[error("the listing continuation belongs to another directory ('{expected}' was listed)")]
    ForeignContinuation {
        /// Key prefix of the dir that was listed.
        expected: String,
    },
    /// The storage underneath failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Blob => "blob",
        EntryKind::Dir => "directory",
    }
}

fn other(kind: EntryKind) -> EntryKind {
    match kind {
        EntryKind::Blob => EntryKind::Dir,
        EntryKind::Dir => EntryKind::Blob,
    }
}

impl BlobError {
    /// The HTTP-like status code the JS API reports for this error (`statusCode`).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotFound { .. } => 404,
            Self::WrongKind { .. } => 409,
            Self::InvalidName { .. } | Self::ForeignContinuation { .. } => 400,
            Self::Storage(e) => e.status_code(),
        }
    }
}
