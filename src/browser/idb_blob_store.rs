//! [`IdbBlobStore`]: the [`BlobStore`] on IndexedDB's `blobs` store.
//!
//! Same key layout as the memory store ([`crate::blob::path`]): one record per blob under its
//! full path, dirs implied by key prefixes. Every call is one transaction, so the kind checks
//! (no blob on the path, no dir under the name) and the write are atomic.

use indexed_db_futures::database::Database;
use indexed_db_futures::internals::SystemRepr as _;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyRange;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::database::{SheetDatabase, BLOB_STORE};
use super::idb_error::{corrupt, finish_write, from_idb, request_error};
use crate::blob::path::DirPrefix;
use crate::blob::{
    validate_name, validate_paths, validate_write_batch, BlobDir, BlobError, BlobStore, Continuation, DirEntry,
    EntryKind, ListPage,
};
use crate::error::StorageError;

/// The blob store of one sheet in IndexedDB. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IdbBlobStore {
    db: SheetDatabase,
}

impl IdbBlobStore {
    /// The blob store kept in `db`.
    pub fn new(db: SheetDatabase) -> Self {
        Self { db }
    }
}

/// Blobs read in one read-only transaction by [`IdbBlobStore::read_many`]: enough to pay the
/// transaction's cost back many times, few enough to finish well within the request timeout.
const READS_PER_TRANSACTION: usize = 64;

/// About how many bytes [`IdbBlobStore::write_many`] puts in one transaction: enough that the
/// transaction's fixed cost is small next to the bytes, small enough to finish well within the
/// request timeout (issue 9, "bytes, not transactions").
const WRITE_BATCH_BYTES: usize = 1 << 20;
/// Most blobs one transaction of [`IdbBlobStore::write_many`] or
/// [`IdbBlobStore::remove_many`] holds, whatever their size.
const WRITE_BATCH_BLOBS: usize = 256;

/// Splits `items` into runs of at most `WRITE_BATCH_BLOBS` items and about
/// `WRITE_BATCH_BYTES` bytes (a run closes once it reaches the limit), given each item's size.
/// A rest under a quarter of the byte limit that fits joins the run before it, rather than
/// costing a transaction of its own (a batch of a little over the limit is one transaction).
fn batches<T>(items: &[T], size: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut rest: usize = items.iter().map(&size).sum();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let item_bytes = size(item);
        bytes += item_bytes;
        rest -= item_bytes;
        let full = bytes >= WRITE_BATCH_BYTES || i + 1 - start >= WRITE_BATCH_BLOBS;
        let small_rest = rest < WRITE_BATCH_BYTES / 4 && items.len() - start <= WRITE_BATCH_BLOBS;
        if full && !small_rest {
            out.push(&items[start..=i]);
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

/// The dir holding full path `path` and the blob's name in it, every name validated.
fn split_path(path: &str) -> Result<(DirPrefix, &str), BlobError> {
    let mut prefix = DirPrefix::root();
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        validate_name(part)?;
        if parts.peek().is_none() {
            return Ok((prefix, part));
        }
        prefix = prefix.child_dir(part);
    }
    // `split` yields at least one part.
    Err(BlobError::InvalidName { name: String::new(), problem: crate::blob::NameProblem::Empty })
}

/// Most keys [`check_kinds`] reads from a dir to check in memory which names of a batch are
/// dirs; a span of a dir holding more is checked name by name.
const DIR_SCAN_KEYS: usize = 1024;

/// The kind checks of a write batch against what is stored: no ancestor of any path is a blob
/// (each distinct ancestor asked once) and no path names a dir. For each distinct parent dir one
/// `getAllKeys` reads the keys between the batch's first and last name in that dir (a fresh
/// snapshot's dir is empty, and a stripe of tiles written into a big import dir spans only its
/// own names: nothing to check); only where that span holds more than [`DIR_SCAN_KEYS`] keys is
/// each name asked on its own. All requests of a round are issued before any is awaited. The
/// first violation, or `Ok`.
async fn check_kinds(
    store: &ObjectStore<'_>,
    paths: &[(DirPrefix, &str)],
) -> Result<Result<(), BlobError>, StorageError> {
    let mut ancestors: Vec<&str> = paths.iter().flat_map(|(prefix, _)| prefix.ancestor_keys()).collect();
    ancestors.sort_unstable();
    ancestors.dedup();
    let parents = name_spans(paths);
    let mut ancestor_requests = Vec::with_capacity(ancestors.len());
    for key in &ancestors {
        ancestor_requests
            .push(store.get_key::<String, _>(KeyRange::Only((*key).to_owned())).primitive().map_err(storage)?);
    }
    let mut scans = Vec::with_capacity(parents.len());
    for (prefix, (first, last)) in &parents {
        // Every key inside child dir `name/` of the batch, for `first <= name <= last`, lies in
        // [`first`, `last` + "0"): `/` sorts right before `0`, in UTF-16 as in UTF-8.
        let span = KeyRange::Bound(prefix.child_key(first), false, format!("{}0", prefix.child_key(last)), true);
        let request = store
            .get_all_keys::<String>()
            .with_query::<String, _>(span)
            .with_limit(u32::try_from(DIR_SCAN_KEYS + 1).unwrap_or(u32::MAX))
            .primitive()
            .map_err(storage)?;
        scans.push(request);
    }
    let mut first_error = None;
    for (key, request) in ancestors.iter().zip(ancestor_requests) {
        if request.await.map_err(storage)?.is_some() && first_error.is_none() {
            first_error = Some(BlobError::WrongKind { path: (*key).to_owned(), found: EntryKind::Blob });
        }
    }
    // The keys of each parent dir, sorted, where it holds few enough to have them all.
    let mut known: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    for ((prefix, _), request) in parents.iter().zip(scans) {
        let mut keys = request.await.map_err(storage)?.collect::<Result<Vec<String>, _>>().map_err(storage)?;
        if keys.len() <= DIR_SCAN_KEYS {
            // IndexedDB orders by UTF-16 code units; the search below needs Rust's order.
            keys.sort_unstable();
            known.insert(prefix.as_str(), keys);
        }
    }
    let mut dir_requests = Vec::new();
    for (prefix, name) in paths {
        let child = prefix.child_dir(name);
        match known.get(prefix.as_str()) {
            Some(keys) => {
                let at = keys.partition_point(|k| k.as_str() < child.as_str());
                if keys.get(at).is_some_and(|k| k.starts_with(child.as_str())) && first_error.is_none() {
                    first_error = Some(BlobError::WrongKind { path: prefix.child_key(name), found: EntryKind::Dir });
                }
            }
            None => {
                let request =
                    store.get_key::<String, _>(range_in(&child, child.as_str())).primitive().map_err(storage)?;
                dir_requests.push((prefix.child_key(name), request));
            }
        }
    }
    for (key, request) in dir_requests {
        if request.await.map_err(storage)?.is_some() && first_error.is_none() {
            first_error = Some(BlobError::WrongKind { path: key, found: EntryKind::Dir });
        }
    }
    Ok(first_error.map_or(Ok(()), Err))
}

/// The distinct parent dirs of `paths`, each with the first and last of the batch's names in it
/// in IndexedDB's key order (UTF-16 code units, which differs from `str`'s order above U+FFFF).
fn name_spans<'p>(paths: &'p [(DirPrefix, &'p str)]) -> Vec<(&'p DirPrefix, (&'p str, &'p str))> {
    let utf16_order = |a: &str, b: &str| a.encode_utf16().cmp(b.encode_utf16());
    let mut spans: std::collections::HashMap<&str, (&DirPrefix, (&str, &str))> = std::collections::HashMap::new();
    for (prefix, name) in paths {
        let span = spans.entry(prefix.as_str()).or_insert((prefix, (name, name)));
        if utf16_order(name, span.1 .0).is_lt() {
            span.1 .0 = name;
        }
        if utf16_order(name, span.1 .1).is_gt() {
            span.1 .1 = name;
        }
    }
    spans.into_values().collect()
}

/// The record key of full path `path` (`"a/b/c"`), its names validated; `None` for a bad name.
fn full_key(path: &str) -> Option<String> {
    let mut prefix = DirPrefix::root();
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        validate_name(part).ok()?;
        if parts.peek().is_none() {
            return Some(prefix.child_key(part));
        }
        prefix = prefix.child_dir(part);
    }
    None
}

impl IdbBlobStore {
    /// The blobs at `keys` read in one read-only transaction: all requests issued at once, then
    /// awaited. `None` for a key with no record.
    async fn get_all(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let conn = self.db.connection().await?;
        self.db
            .timed("reading blobs", async {
                let tx = self.db.begin(&conn, &[BLOB_STORE], TransactionMode::Readonly)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                let mut requests = Vec::with_capacity(keys.len());
                for key in keys {
                    requests.push(store.get::<JsValue, _, _>(*key).primitive().map_err(storage)?);
                }
                let mut out = Vec::with_capacity(keys.len());
                for (key, request) in keys.iter().zip(requests) {
                    out.push(match request.await.map_err(storage)? {
                        Some(value) => Some(
                            value
                                .dyn_into::<Uint8Array>()
                                .map_err(|_| corrupt(format!("blob '{key}' is not bytes")))?
                                .to_vec(),
                        ),
                        None => None,
                    });
                }
                Ok(out)
            })
            .await
    }
}

impl BlobStore for IdbBlobStore {
    type Dir = IdbBlobDir;

    fn root(&self) -> IdbBlobDir {
        IdbBlobDir { db: self.db.clone(), prefix: DirPrefix::root() }
    }

    /// Reads in read-only transactions of up to `READS_PER_TRANSACTION` blobs, every request of
    /// one transaction issued at once, rather than three transactions per blob (two
    /// [`BlobDir::dir`] checks and the read). A path with no record, or a bad name, is read again
    /// the slow way for its exact error ([`BlobError::NotFound`], [`BlobError::WrongKind`],
    /// [`BlobError::InvalidName`]).
    async fn read_many(&self, paths: &[&str]) -> Vec<Result<Vec<u8>, BlobError>> {
        let mut out = Vec::with_capacity(paths.len());
        for chunk in paths.chunks(READS_PER_TRANSACTION) {
            let keys: Vec<Option<String>> = chunk.iter().map(|path| full_key(path)).collect();
            let valid: Vec<&str> = keys.iter().flatten().map(String::as_str).collect();
            let mut found = match self.get_all(&valid).await {
                Ok(found) => found.into_iter(),
                Err(e) => {
                    out.extend(chunk.iter().map(|_| Err(BlobError::Storage(e.clone()))));
                    continue;
                }
            };
            for (path, key) in chunk.iter().zip(&keys) {
                let bytes = if key.is_some() { found.next().flatten() } else { None };
                out.push(match bytes {
                    Some(bytes) => Ok(bytes),
                    None => crate::blob::read_path(self, path).await,
                });
            }
        }
        out
    }

    /// Writes in read-write transactions of about `WRITE_BATCH_BYTES` (at most
    /// `WRITE_BATCH_BLOBS` blobs), each checking the kinds of its paths with all requests
    /// issued at once, then putting every blob at once: a handful of transactions for a
    /// snapshot's tiles rather than one per tile with a round trip per check.
    async fn write_many(&self, batch: &[(&str, &[u8])]) -> Result<(), BlobError> {
        validate_write_batch(batch.iter().map(|(path, _)| *path))?;
        if batch.is_empty() {
            return Ok(());
        }
        let conn = self.db.connection().await?;
        for run in batches(batch, |(_, bytes)| bytes.len()) {
            self.write_batch(&conn, run).await?;
        }
        Ok(())
    }

    /// Removes in read-write transactions of at most `WRITE_BATCH_BLOBS` paths, each checking
    /// that no path names a dir, then deleting every key at once.
    async fn remove_many(&self, paths: &[&str]) -> Result<(), BlobError> {
        validate_paths(paths.iter().copied())?;
        if paths.is_empty() {
            return Ok(());
        }
        let conn = self.db.connection().await?;
        for run in batches(paths, |_| 0) {
            self.remove_batch(&conn, run).await?;
        }
        Ok(())
    }
}

impl IdbBlobStore {
    /// One transaction of [`BlobStore::write_many`]: the kind checks of every path, then, if all
    /// pass, every put issued at once.
    async fn write_batch(&self, conn: &Database, batch: &[(&str, &[u8])]) -> Result<(), BlobError> {
        let paths = batch.iter().map(|(path, _)| split_path(path)).collect::<Result<Vec<_>, _>>()?;
        self.db
            .timed("writing blobs", async {
                let (_turn, tx) = self.db.begin_write(conn, &[BLOB_STORE]).await?;
                let done = tx.on_done().map_err(storage)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                if let Err(e) = check_kinds(&store, &paths).await? {
                    // Nothing was put: the transaction commits no change.
                    return Ok(Err(e));
                }
                let mut puts = Vec::with_capacity(batch.len());
                for ((prefix, name), (_, bytes)) in paths.iter().zip(batch) {
                    // `Uint8Array::from` copies out of wasm memory: the store keeps its own bytes.
                    let value: JsValue = Uint8Array::from(*bytes).into();
                    puts.push(store.put(value).with_key(prefix.child_key(name)).primitive().map_err(storage)?);
                }
                // Not awaited one by one (no listener each, issue 9): a put that fails aborts the
                // transaction, and its error is read from it once the transaction ended.
                finish_write(tx, done, puts.iter().map(|put| request_error(put.as_sys()))).await?;
                Ok(Ok(()))
            })
            .await?
    }

    /// One transaction of [`BlobStore::remove_many`]: no path may name a dir, then every delete
    /// issued at once (deleting a missing key changes nothing).
    async fn remove_batch(&self, conn: &Database, paths: &[&str]) -> Result<(), BlobError> {
        let split = paths.iter().map(|path| split_path(path)).collect::<Result<Vec<_>, _>>()?;
        self.db
            .timed("removing blobs", async {
                let (_turn, tx) = self.db.begin_write(conn, &[BLOB_STORE]).await?;
                let done = tx.on_done().map_err(storage)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                let mut dir_requests = Vec::with_capacity(split.len());
                for (prefix, name) in &split {
                    let child = prefix.child_dir(name);
                    dir_requests.push(
                        store.get_key::<String, _>(range_in(&child, child.as_str())).primitive().map_err(storage)?,
                    );
                }
                for ((prefix, name), request) in split.iter().zip(dir_requests) {
                    if request.await.map_err(storage)?.is_some() {
                        return Ok(Err(BlobError::WrongKind { path: prefix.child_key(name), found: EntryKind::Dir }));
                    }
                }
                let mut deletes = Vec::with_capacity(split.len());
                for (prefix, name) in &split {
                    deletes.push(store.delete::<String, _>(prefix.child_key(name)).primitive().map_err(storage)?);
                }
                let mut results = Vec::with_capacity(deletes.len());
                for delete in deletes {
                    results.push(delete.await.map(drop).map_err(storage));
                }
                finish_write(tx, done, results).await?;
                Ok(Ok(()))
            })
            .await?
    }
}

/// A dir of an [`IdbBlobStore`].
#[derive(Debug, Clone)]
pub struct IdbBlobDir {
    db: SheetDatabase,
    prefix: DirPrefix,
}

fn storage(e: indexed_db_futures::error::Error) -> StorageError {
    from_idb(e)
}

/// The key range of everything from `from` up to the end of `dir`.
fn range_in(dir: &DirPrefix, from: &str) -> KeyRange<String> {
    match dir.end_key() {
        Some(end) => KeyRange::Bound(from.to_owned(), false, end, true),
        None => KeyRange::LowerBound(from.to_owned(), false),
    }
}

/// The first key in `dir` at or after `from`.
async fn first_key_from(store: &ObjectStore<'_>, dir: &DirPrefix, from: &str) -> Result<Option<String>, StorageError> {
    let request = store.get_key::<String, _>(range_in(dir, from)).primitive().map_err(storage)?;
    request.await.map_err(storage)
}

async fn exists(store: &ObjectStore<'_>, key: &str) -> Result<bool, StorageError> {
    let request = store.get_key::<String, _>(KeyRange::Only(key.to_owned())).primitive().map_err(storage)?;
    Ok(request.await.map_err(storage)?.is_some())
}

/// `WrongKind` if child `name` of `dir` is a dir.
async fn check_not_dir(
    store: &ObjectStore<'_>,
    dir: &DirPrefix,
    name: &str,
) -> Result<Result<(), BlobError>, StorageError> {
    let child = dir.child_dir(name);
    Ok(match first_key_from(store, &child, child.as_str()).await? {
        Some(_) => Err(BlobError::WrongKind { path: dir.child_key(name), found: EntryKind::Dir }),
        None => Ok(()),
    })
}

impl IdbBlobDir {
    async fn connection(&self) -> Result<Database, BlobError> {
        Ok(self.db.connection().await?)
    }
}

impl BlobDir for IdbBlobDir {
    fn path(&self) -> String {
        self.prefix.as_str().trim_end_matches('/').to_owned()
    }

    async fn read(&self, name: &str) -> Result<Vec<u8>, BlobError> {
        validate_name(name)?;
        let conn = self.connection().await?;
        let key = self.prefix.child_key(name);
        self.db
            .timed("reading a blob", async {
                let tx = self.db.begin(&conn, &[BLOB_STORE], TransactionMode::Readonly)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                let value =
                    store.get::<JsValue, _, _>(key.as_str()).primitive().map_err(storage)?.await.map_err(storage)?;
                if let Some(value) = value {
                    let bytes =
                        value.dyn_into::<Uint8Array>().map_err(|_| corrupt(format!("blob '{key}' is not bytes")))?;
                    return Ok(Ok(bytes.to_vec()));
                }
                Ok(check_not_dir(&store, &self.prefix, name).await?.and(Err(BlobError::NotFound { path: key.clone() })))
            })
            .await?
    }

    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), BlobError> {
        validate_name(name)?;
        let conn = self.connection().await?;
        self.db
            .timed("writing a blob", async {
                let (_turn, tx) = self.db.begin_write(&conn, &[BLOB_STORE]).await?;
                let done = tx.on_done().map_err(storage)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                for ancestor in self.prefix.ancestor_keys() {
                    if exists(&store, ancestor).await? {
                        return Ok(Err(BlobError::WrongKind { path: ancestor.to_owned(), found: EntryKind::Blob }));
                    }
                }
                if let Err(e) = check_not_dir(&store, &self.prefix, name).await? {
                    return Ok(Err(e));
                }
                // `Uint8Array::from` copies out of wasm memory: the store keeps its own bytes.
                let value: JsValue = Uint8Array::from(bytes).into();
                let put = store.put(value).with_key(self.prefix.child_key(name)).primitive().map_err(storage)?;
                let put = put.await.map(drop).map_err(storage);
                finish_write(tx, done, [put]).await?;
                Ok(Ok(()))
            })
            .await?
    }

    async fn remove(&self, name: &str) -> Result<(), BlobError> {
        validate_name(name)?;
        let conn = self.connection().await?;
        let key = self.prefix.child_key(name);
        self.db
            .timed("removing a blob", async {
                let (_turn, tx) = self.db.begin_write(&conn, &[BLOB_STORE]).await?;
                let done = tx.on_done().map_err(storage)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                if !exists(&store, &key).await? {
                    return check_not_dir(&store, &self.prefix, name).await;
                }
                let delete = store.delete::<String, _>(key.clone()).primitive().map_err(storage)?;
                let delete = delete.await.map(drop).map_err(storage);
                finish_write(tx, done, [delete]).await?;
                Ok(Ok(()))
            })
            .await?
    }

    async fn dir(&self, name: &str) -> Result<Self, BlobError> {
        validate_name(name)?;
        let conn = self.connection().await?;
        let key = self.prefix.child_key(name);
        let is_blob = self
            .db
            .timed("opening a blob dir", async {
                let tx = self.db.begin(&conn, &[BLOB_STORE], TransactionMode::Readonly)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                exists(&store, &key).await
            })
            .await?;
        if is_blob {
            return Err(BlobError::WrongKind { path: key, found: EntryKind::Blob });
        }
        Ok(Self { db: self.db.clone(), prefix: self.prefix.child_dir(name) })
    }

    async fn list(&self, continuation: Option<&Continuation>) -> Result<ListPage, BlobError> {
        let mut from = match continuation {
            Some(c) => c.resume_in(&self.prefix)?.to_owned(),
            None => self.prefix.as_str().to_owned(),
        };
        let page_size = self.db.options().list_page_size.max(1);
        let conn = self.connection().await?;
        let page = self
            .db
            .timed("listing a blob dir", async {
                let tx = self.db.begin(&conn, &[BLOB_STORE], TransactionMode::Readonly)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                // Keys are fetched a page at a time (`getAllKeys` with a limit): one request
                // per page of blobs. A dir's keys are skipped by asking again after it, one
                // request per child dir.
                let mut entries: Vec<DirEntry> = Vec::new();
                'requests: loop {
                    let want = page_size + 1 - entries.len();
                    let keys = store
                        .get_all_keys::<String>()
                        .with_query::<String, _>(range_in(&self.prefix, &from))
                        .with_limit(u32::try_from(want).unwrap_or(u32::MAX))
                        .primitive()
                        .map_err(storage)?
                        .await
                        .map_err(storage)?;
                    let mut got = 0;
                    for key in keys {
                        let key = key.map_err(storage)?;
                        got += 1;
                        if entries.len() == page_size {
                            let continuation = Continuation { dir: self.prefix.clone(), resume_key: from };
                            return Ok(ListPage { entries, continuation: Some(continuation) });
                        }
                        let Some((name, kind)) = self.prefix.classify(&key) else { break 'requests };
                        from = self.prefix.resume_key(name, kind);
                        entries.push(DirEntry { name: name.to_owned(), kind });
                        if kind == EntryKind::Dir {
                            continue 'requests;
                        }
                    }
                    if got < want {
                        break;
                    }
                }
                Ok(ListPage { entries, continuation: None })
            })
            .await?;
        Ok(page)
    }

    async fn remove_all(&self) -> Result<(), BlobError> {
        let conn = self.connection().await?;
        self.db
            .timed("removing a blob dir", async {
                let (_turn, tx) = self.db.begin_write(&conn, &[BLOB_STORE]).await?;
                let done = tx.on_done().map_err(storage)?;
                let store = tx.object_store(BLOB_STORE).map_err(storage)?;
                let delete = store
                    .delete::<String, _>(range_in(&self.prefix, self.prefix.as_str()))
                    .primitive()
                    .map_err(storage)?;
                let delete = delete.await.map(drop).map_err(storage);
                finish_write(tx, done, [delete]).await?;
                Ok(())
            })
            .await?;
        Ok(())
    }
}
