//! The [`BlobStore`] and [`BlobDir`] traits (DESIGN.md section 4).

use super::error::BlobError;
use super::path::{Continuation, ListPage};

/// A store of immutable byte arrays ("blobs") under `/`-separated paths. Single-threaded
/// async. Every implementation passes [`crate::blob::conformance`].
pub trait BlobStore {
    /// The dir handle type.
    type Dir: BlobDir;

    /// The root dir.
    fn root(&self) -> Self::Dir;

    /// Reads the blobs at full paths `paths` (`"snapshots/12/3-0"`, as from
    /// [`read_path`](super::read_path)); one result per path, in the order of `paths`.
    ///
    /// The default reads each path on its own, all in flight at once. A backend where a request
    /// has a fixed cost overrides it to batch the reads: IndexedDB reads them in a few read-only
    /// transactions rather than three per blob (issue 9, "batch blob operations"). Either way the
    /// results are those of [`read_path`](super::read_path) on each path.
    ///
    /// # Errors
    /// Per path, as [`read_path`](super::read_path): [`BlobError::NotFound`],
    /// [`BlobError::WrongKind`], [`BlobError::InvalidName`], [`BlobError::Storage`].
    #[allow(async_fn_in_trait)]
    async fn read_many(&self, paths: &[&str]) -> Vec<Result<Vec<u8>, BlobError>> {
        super::full_path::read_each(self, paths).await
    }

    /// Writes (creates or replaces) each blob of `batch`, given as (full path, bytes), as
    /// [`write_path`](super::write_path) would; a path given twice keeps its last bytes.
    ///
    /// The default writes each path on its own, all in flight at once. IndexedDB writes them in
    /// transactions of about a megabyte each, with the kind checks of a transaction issued
    /// together rather than one round trip each (issue 9, "bytes, not transactions"). The batch
    /// is not atomic as a whole: after an error, blobs of the batch other than the failing one may
    /// or may not be written. Snapshots and compactions only reference their tiles once every
    /// write succeeded, so a failed batch leaves blobs nothing references (DESIGN.md section 5b).
    ///
    /// # Errors
    /// [`BlobError::InvalidName`] if any name of any path is bad: nothing is written.
    /// [`BlobError::WrongKind`] if a path crosses a blob or names a dir (that blob is not
    /// written); [`BlobError::Storage`].
    #[allow(async_fn_in_trait)]
    async fn write_many(&self, batch: &[(&str, &[u8])]) -> Result<(), BlobError> {
        super::full_path::write_each(self, batch).await
    }

    /// Removes the blobs at full paths `paths`, as [`remove_path`](super::remove_path) would; a
    /// missing blob is fine. Batched like [`write_many`](Self::write_many), and likewise not
    /// atomic as a whole.
    ///
    /// # Errors
    /// [`BlobError::InvalidName`] if any name of any path is bad: nothing is removed.
    /// [`BlobError::WrongKind`] if a path names a dir; [`BlobError::Storage`].
    #[allow(async_fn_in_trait)]
    async fn remove_many(&self, paths: &[&str]) -> Result<(), BlobError> {
        super::full_path::remove_each(self, paths).await
    }
}

/// A handle on one dir of a [`BlobStore`]. Cheap to clone. A dir exists only while it holds
/// blobs; a handle on an empty dir is fine and writing through it makes the dir appear.
///
/// Names are validated by [`validate_name`](super::validate_name) on every call: a bad name is
/// [`BlobError::InvalidName`] and touches nothing.
#[allow(async_fn_in_trait)]
pub trait BlobDir: Clone + std::fmt::Debug {
    /// This dir's path from the root, `""` for the root itself, else like `"a/b"`.
    fn path(&self) -> String;

    /// Reads blob `name`.
    ///
    /// # Errors
    /// [`BlobError::NotFound`] (status 404) if absent; [`BlobError::WrongKind`] if `name` is a
    /// dir; [`BlobError::InvalidName`]; [`BlobError::Storage`].
    async fn read(&self, name: &str) -> Result<Vec<u8>, BlobError>;

    /// Writes (creates or replaces) blob `name` with a copy of `bytes`.
    ///
    /// # Errors
    /// [`BlobError::WrongKind`] if `name` is a dir or this dir's path crosses a blob;
    /// [`BlobError::InvalidName`]; [`BlobError::Storage`].
    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), BlobError>;

    /// Removes blob `name`; removing a missing blob is fine.
    ///
    /// # Errors
    /// [`BlobError::WrongKind`] if `name` is a dir; [`BlobError::InvalidName`];
    /// [`BlobError::Storage`].
    async fn remove(&self, name: &str) -> Result<(), BlobError>;

    /// A handle on child dir `name` (which need not exist yet).
    ///
    /// # Errors
    /// [`BlobError::WrongKind`] if `name` is a blob; [`BlobError::InvalidName`];
    /// [`BlobError::Storage`].
    async fn dir(&self, name: &str) -> Result<Self, BlobError>;

    /// One page of this dir's children (blobs and dirs) in key order; pass the returned
    /// continuation to get the next page.
    ///
    /// # Errors
    /// [`BlobError::ForeignContinuation`] for a continuation made by another dir;
    /// [`BlobError::Storage`].
    async fn list(&self, continuation: Option<&Continuation>) -> Result<ListPage, BlobError>;

    /// Removes everything inside this dir, recursively; the dir then no longer exists.
    ///
    /// # Errors
    /// [`BlobError::Storage`].
    async fn remove_all(&self) -> Result<(), BlobError>;
}
