//! Reading and writing blobs by full path (`"snapshots/12/t0-3"`), as snapshot indexes
//! reference them: the walk through [`BlobDir::dir`] that every backend shares, and the default
//! of [`BlobStore::read_many`].

use super::{BlobDir, BlobError, BlobStore};

/// The dir holding blob `path` and the blob's name in it.
async fn parent<B: BlobStore + ?Sized>(blobs: &B, path: &str) -> Result<(B::Dir, String), BlobError> {
    let mut dir = blobs.root();
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return Ok((dir, part.to_owned()));
        }
        dir = dir.dir(part).await?;
    }
    // `split` yields at least one part; an empty path is an invalid name.
    Err(BlobError::InvalidName { name: String::new(), problem: super::NameProblem::Empty })
}

/// Reads the blob at full path `path`.
///
/// # Errors
/// [`BlobError`] as from [`BlobDir::read`] and [`BlobDir::dir`].
pub async fn read_path<B: BlobStore + ?Sized>(blobs: &B, path: &str) -> Result<Vec<u8>, BlobError> {
    let (dir, name) = parent(blobs, path).await?;
    dir.read(&name).await
}

/// Writes the blob at full path `path`.
///
/// # Errors
/// [`BlobError`] as from [`BlobDir::write`] and [`BlobDir::dir`].
pub async fn write_path<B: BlobStore>(blobs: &B, path: &str, bytes: &[u8]) -> Result<(), BlobError> {
    let (dir, name) = parent(blobs, path).await?;
    dir.write(&name, bytes).await
}

/// Removes the blob at full path `path`; a missing blob is fine.
///
/// # Errors
/// [`BlobError`] as from [`BlobDir::remove`] and [`BlobDir::dir`].
pub async fn remove_path<B: BlobStore>(blobs: &B, path: &str) -> Result<(), BlobError> {
    let (dir, name) = parent(blobs, path).await?;
    dir.remove(&name).await
}

/// Reads the blobs at full paths `paths`, one read each, all in flight at once; the results in
/// the order of `paths`. The default of [`BlobStore::read_many`].
pub async fn read_each<B: BlobStore + ?Sized>(blobs: &B, paths: &[&str]) -> Vec<Result<Vec<u8>, BlobError>> {
    futures_util::future::join_all(paths.iter().map(|path| read_path(blobs, path))).await
}
