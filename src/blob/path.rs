//! Blob names, the flat key layout both backends share, and listing continuations.
//!
//! A blob is stored under its full path, its dir names and its own name joined by `/`
//! (`"snap-12/tiles/0-0"`). A dir is not stored: it exists while some key starts with its
//! prefix (`"snap-12/"`). Because names never contain `/`, the keys inside a dir with prefix
//! `p/` are exactly those in the half-open range `[p/, p0)` (`'0'` follows `'/'` in ASCII, so the
//! range is the same in UTF-8 byte order and in IndexedDB's UTF-16 order).

use super::error::{BlobError, EntryKind, NameProblem};

/// Longest blob or dir name, in UTF-8 bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Checks one name against the rules of DESIGN.md section 4.
///
/// # Errors
/// [`BlobError::InvalidName`] naming the rule broken.
pub fn validate_name(name: &str) -> Result<(), BlobError> {
    let problem = if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.len() > MAX_NAME_BYTES {
        Some(NameProblem::TooLong)
    } else if name == "." || name == ".." {
        Some(NameProblem::Dots)
    } else if name.contains('/') {
        Some(NameProblem::Slash)
    } else if name.chars().any(char::is_control) {
        Some(NameProblem::ControlCharacter)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BlobError::InvalidName { name: name.to_owned(), problem }),
        None => Ok(()),
    }
}

/// The key prefix of a dir: `""` for the root, else its path followed by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DirPrefix(String);

impl DirPrefix {
    /// The root dir.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// The prefix as stored, e.g. `"a/b/"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of child `name` (which must be valid).
    pub fn child_key(&self, name: &str) -> String {
        format!("{}{name}", self.0)
    }

    /// The prefix of child dir `name` (which must be valid).
    pub fn child_dir(&self, name: &str) -> DirPrefix {
        DirPrefix(format!("{}{name}/", self.0))
    }

    /// The keys of the ancestors of a child of this dir that must not be blobs: `"a"`, `"a/b"`
    /// for prefix `"a/b/"`.
    pub fn ancestor_keys(&self) -> impl Iterator<Item = &str> {
        self.0.match_indices('/').map(|(i, _)| &self.0[..i])
    }

    /// The exclusive upper bound of the keys inside this dir (`None` for the root: no bound).
    pub fn end_key(&self) -> Option<String> {
        self.0.strip_suffix('/').map(|p| format!("{p}0"))
    }

    /// Sorts a key inside this dir into the child it belongs to: a blob directly in the dir, or
    /// a dir holding it. `None` if the key is not inside this dir.
    pub fn classify<'k>(&self, key: &'k str) -> Option<(&'k str, EntryKind)> {
        let rest = key.strip_prefix(self.0.as_str())?;
        match rest.split_once('/') {
            Some((dir, _)) => Some((dir, EntryKind::Dir)),
            None => Some((rest, EntryKind::Blob)),
        }
    }

    /// Where to resume a listing after child `name` of kind `kind`: the first key after it and
    /// (for a dir) after everything inside it. Inclusive lower bound.
    pub fn resume_key(&self, name: &str, kind: EntryKind) -> String {
        match kind {
            // Names hold no control characters, so no key lies between `k` and `k\0`.
            EntryKind::Blob => format!("{}{name}\0", self.0),
            EntryKind::Dir => format!("{}{name}0", self.0),
        }
    }
}

/// One child of a dir, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DirEntry {
    /// The child's name.
    pub name: String,
    /// Blob or dir.
    pub kind: EntryKind,
}

impl PartialOrd for EntryKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EntryKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

/// An opaque position in a dir listing, returned with a page and passed back for the next one.
/// Only valid for the dir that made it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Continuation {
    pub(crate) dir: DirPrefix,
    pub(crate) resume_key: String,
}

impl Continuation {
    /// Checks that this continuation was made by `dir` and returns the key to resume at.
    ///
    /// # Errors
    /// [`BlobError::ForeignContinuation`].
    pub fn resume_in(&self, dir: &DirPrefix) -> Result<&str, BlobError> {
        if &self.dir == dir {
            Ok(&self.resume_key)
        } else {
            Err(BlobError::ForeignContinuation { expected: dir.as_str().to_owned() })
        }
    }
}

/// One page of a dir listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Children in key order, at most the store's page size.
    pub entries: Vec<DirEntry>,
    /// Pass to `list` for the next page; `None` when this was the last.
    pub continuation: Option<Continuation>,
}
