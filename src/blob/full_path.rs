//! Reading and writing blobs by full path (`"snapshots/12/t0-3"`), as snapshot indexes
//! reference them: the walk through [`BlobDir::dir`] that every backend shares, and the defaults
//! of [`BlobStore::read_many`], [`BlobStore::write_many`] and [`BlobStore::remove_many`].

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

/// Reads the blob at full path `path` through [`BlobStore::read_many`]: the result of
/// [`read_path`], in one round trip where the store batches reads (IndexedDB reads the key at
/// once rather than checking each dir on the way: three transactions for `"snapshots/12/index"`),
/// which matters on the way to a ready viewport (BENCHMARKS.md, stop 31).
///
/// # Errors
/// As [`read_path`].
pub async fn read_blob<B: BlobStore + ?Sized>(blobs: &B, path: &str) -> Result<Vec<u8>, BlobError> {
    match blobs.read_many(&[path]).await.pop() {
        Some(result) => result,
        // A store answers one result per path; should one not, the walk answers.
        None => read_path(blobs, path).await,
    }
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

/// `Ok` if every name of every path in `paths` is valid; else the first [`BlobError::InvalidName`].
pub fn validate_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<(), BlobError> {
    for path in paths {
        for part in path.split('/') {
            super::validate_name(part)?;
        }
    }
    Ok(())
}

/// `Ok` if the paths of a write batch are valid and none of them lies under another (`"a"` and
/// `"a/b"` in one batch would make `"a"` both a blob and a dir).
///
/// # Errors
/// [`BlobError::InvalidName`]; [`BlobError::WrongKind`] naming the path that would be a blob
/// with another under it.
pub fn validate_write_batch<'a>(paths: impl IntoIterator<Item = &'a str> + Clone) -> Result<(), BlobError> {
    validate_paths(paths.clone())?;
    let all: std::collections::HashSet<&str> = paths.clone().into_iter().collect();
    for path in paths {
        if let Some((i, _)) = path.match_indices('/').find(|(i, _)| all.contains(&path[..*i])) {
            return Err(BlobError::WrongKind { path: path[..i].to_owned(), found: super::EntryKind::Blob });
        }
    }
    Ok(())
}

/// Writes each blob of `blobs` (full path, bytes) through [`write_path`], all in flight at once,
/// once the batch passes [`validate_write_batch`]. The default of [`BlobStore::write_many`].
///
/// # Errors
/// As [`validate_write_batch`] (nothing written), else the first error of a write.
pub async fn write_each<B: BlobStore + ?Sized>(blobs: &B, batch: &[(&str, &[u8])]) -> Result<(), BlobError> {
    validate_write_batch(batch.iter().map(|(path, _)| *path))?;
    let results = futures_util::future::join_all(batch.iter().map(|(path, bytes)| async move {
        let (dir, name) = parent(blobs, path).await?;
        dir.write(&name, bytes).await
    }))
    .await;
    results.into_iter().collect()
}

/// Removes each blob at `paths` through [`remove_path`], all in flight at once, once every path
/// is valid. The default of [`BlobStore::remove_many`].
///
/// # Errors
/// [`BlobError::InvalidName`] (nothing removed), else the first error of a removal.
pub async fn remove_each<B: BlobStore + ?Sized>(blobs: &B, paths: &[&str]) -> Result<(), BlobError> {
    validate_paths(paths.iter().copied())?;
    let results = futures_util::future::join_all(paths.iter().map(|path| async move {
        let (dir, name) = parent(blobs, path).await?;
        dir.remove(&name).await
    }))
    .await;
    results.into_iter().collect()
}
