//! [`MemoryBlobStore`]: the in-memory reference implementation of [`BlobStore`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

use super::error::{BlobError, EntryKind};
use super::path::{validate_name, Continuation, DirEntry, DirPrefix, ListPage};
use super::store::{BlobDir, BlobStore};

/// Default number of children one `list` call returns at most.
pub const DEFAULT_LIST_PAGE_SIZE: usize = 1000;

type Blobs = BTreeMap<String, Rc<[u8]>>;

/// A blob store held in memory, keyed by full path like the IndexedDB store. Clones share the
/// same blobs.
#[derive(Debug, Clone)]
pub struct MemoryBlobStore {
    blobs: Rc<RefCell<Blobs>>,
    page_size: usize,
}

impl Default for MemoryBlobStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBlobStore {
    /// An empty store listing at most [`DEFAULT_LIST_PAGE_SIZE`] children per page.
    pub fn new() -> Self {
        Self::with_page_size(DEFAULT_LIST_PAGE_SIZE)
    }

    /// An empty store listing at most `page_size` children per page (at least 1).
    pub fn with_page_size(page_size: usize) -> Self {
        Self { blobs: Rc::default(), page_size: page_size.max(1) }
    }

    /// Total bytes held in all blobs.
    pub fn total_bytes(&self) -> usize {
        self.blobs.borrow().values().map(|b| b.len()).sum()
    }
}

impl BlobStore for MemoryBlobStore {
    type Dir = MemoryBlobDir;

    fn root(&self) -> MemoryBlobDir {
        MemoryBlobDir { store: self.clone(), prefix: DirPrefix::root() }
    }
}

/// A dir of a [`MemoryBlobStore`].
#[derive(Debug, Clone)]
pub struct MemoryBlobDir {
    store: MemoryBlobStore,
    prefix: DirPrefix,
}

fn keys_in<'a>(blobs: &'a Blobs, dir: &DirPrefix, from: &str) -> impl Iterator<Item = String> + 'a {
    let upper = match dir.end_key() {
        Some(end) => Bound::Excluded(end),
        None => Bound::Unbounded,
    };
    blobs.range::<String, _>((Bound::Included(from.to_owned()), upper)).map(|(k, _)| k.clone())
}

fn is_dir(blobs: &Blobs, dir: &DirPrefix) -> bool {
    keys_in(blobs, dir, dir.as_str()).next().is_some()
}

impl MemoryBlobDir {
    fn check_child_is_not_dir(&self, blobs: &Blobs, name: &str) -> Result<(), BlobError> {
        if is_dir(blobs, &self.prefix.child_dir(name)) {
            return Err(BlobError::WrongKind { path: self.prefix.child_key(name), found: EntryKind::Dir });
        }
        Ok(())
    }
}

impl BlobDir for MemoryBlobDir {
    fn path(&self) -> String {
        self.prefix.as_str().trim_end_matches('/').to_owned()
    }

    async fn read(&self, name: &str) -> Result<Vec<u8>, BlobError> {
        validate_name(name)?;
        let blobs = self.store.blobs.borrow();
        let key = self.prefix.child_key(name);
        if let Some(bytes) = blobs.get(&key) {
            return Ok(bytes.to_vec());
        }
        self.check_child_is_not_dir(&blobs, name)?;
        Err(BlobError::NotFound { path: key })
    }

    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), BlobError> {
        validate_name(name)?;
        let mut blobs = self.store.blobs.borrow_mut();
        if let Some(blob) = self.prefix.ancestor_keys().find(|k| blobs.contains_key(*k)) {
            return Err(BlobError::WrongKind { path: blob.to_owned(), found: EntryKind::Blob });
        }
        self.check_child_is_not_dir(&blobs, name)?;
        blobs.insert(self.prefix.child_key(name), Rc::from(bytes));
        Ok(())
    }

    async fn remove(&self, name: &str) -> Result<(), BlobError> {
        validate_name(name)?;
        let mut blobs = self.store.blobs.borrow_mut();
        if blobs.remove(&self.prefix.child_key(name)).is_none() {
            self.check_child_is_not_dir(&blobs, name)?;
        }
        Ok(())
    }

    async fn dir(&self, name: &str) -> Result<Self, BlobError> {
        validate_name(name)?;
        let key = self.prefix.child_key(name);
        if self.store.blobs.borrow().contains_key(&key) {
            return Err(BlobError::WrongKind { path: key, found: EntryKind::Blob });
        }
        Ok(Self { store: self.store.clone(), prefix: self.prefix.child_dir(name) })
    }

    async fn list(&self, continuation: Option<&Continuation>) -> Result<ListPage, BlobError> {
        let mut from = match continuation {
            Some(c) => c.resume_in(&self.prefix)?.to_owned(),
            None => self.prefix.as_str().to_owned(),
        };
        let blobs = self.store.blobs.borrow();
        let mut entries = Vec::new();
        while let Some(key) = keys_in(&blobs, &self.prefix, &from).next() {
            if entries.len() == self.store.page_size {
                let continuation = Continuation { dir: self.prefix.clone(), resume_key: from };
                return Ok(ListPage { entries, continuation: Some(continuation) });
            }
            let Some((name, kind)) = self.prefix.classify(&key) else { break };
            from = self.prefix.resume_key(name, kind);
            entries.push(DirEntry { name: name.to_owned(), kind });
        }
        Ok(ListPage { entries, continuation: None })
    }

    async fn remove_all(&self) -> Result<(), BlobError> {
        let mut blobs = self.store.blobs.borrow_mut();
        let doomed: Vec<String> = keys_in(&blobs, &self.prefix, self.prefix.as_str()).collect();
        for key in doomed {
            blobs.remove(&key);
        }
        Ok(())
    }
}
