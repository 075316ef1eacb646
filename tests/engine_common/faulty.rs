//! `FaultyStore`: a memory event log and blob store that fail, fail after committing, or
//! corrupt what they read, on command (issue 12, item 6; after redb's fault-injecting backend).
//!
//! One [`Faults`] plan is shared by the log and the blob store of a sheet. A fault is armed for
//! the next `count` calls of one kind of store and is used up call by call, so a retry loop
//! always gets through in the end.

use std::cell::RefCell;
use std::rc::Rc;

use sheetlog::blob::{BlobDir, BlobError, BlobStore, Continuation, ListPage, MemoryBlobDir, MemoryBlobStore};
use sheetlog::log::{
    AddEntryResult, Entry, EventLog, LogBounds, LogError, MemoryEventLog, MetadataUpdate, QueryFrom, QueryResult,
    QueryTo, SequenceId,
};
use sheetlog::{StorageError, StorageErrorKind};

/// What an armed fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The call fails with a storage error and changes nothing.
    Fail,
    /// The call fails with a timeout, and changes nothing.
    TimeOut,
    /// A write is carried out, then reported as failed (a timeout that fires after the commit).
    /// Reads fail as with [`Fault::Fail`].
    FailAfterCommit,
    /// A blob read returns its bytes with one byte flipped (log reads fail as with
    /// [`Fault::Fail`]: the log hands out decoded entries).
    Corrupt,
}

/// Which store a fault is armed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Log,
    Blobs,
}

#[derive(Debug, Default)]
struct Plan {
    armed: Option<(Target, Fault, u32)>,
    /// Faults fired so far, by target.
    fired: u32,
}

/// The fault plan a [`FaultyLog`] and a [`FaultyBlobs`] share.
#[derive(Debug, Clone, Default)]
pub struct Faults(Rc<RefCell<Plan>>);

impl Faults {
    /// Arms `fault` for the next `count` calls on `target` (replacing any armed fault).
    pub fn arm(&self, target: Target, fault: Fault, count: u32) {
        self.0.borrow_mut().armed = (count > 0).then_some((target, fault, count));
    }

    /// Disarms every fault.
    pub fn heal(&self) {
        self.0.borrow_mut().armed = None;
    }

    /// How many calls a fault has hit so far.
    pub fn fired(&self) -> u32 {
        self.0.borrow().fired
    }

    /// The fault for this call on `target`, used up.
    fn take(&self, target: Target) -> Option<Fault> {
        let mut plan = self.0.borrow_mut();
        let (t, fault, count) = plan.armed?;
        if t != target {
            return None;
        }
        plan.armed = (count > 1).then_some((t, fault, count - 1));
        plan.fired += 1;
        Some(fault)
    }
}

fn storage_error(fault: Fault) -> StorageError {
    match fault {
        Fault::TimeOut | Fault::FailAfterCommit => StorageError::new(StorageErrorKind::Timeout, "injected timeout"),
        Fault::Fail | Fault::Corrupt => StorageError::new(StorageErrorKind::Other, "injected failure"),
    }
}

/// A [`MemoryEventLog`] under a [`Faults`] plan.
#[derive(Clone)]
pub struct FaultyLog {
    pub inner: MemoryEventLog,
    pub faults: Faults,
}

impl FaultyLog {
    /// Runs write `op` under the plan.
    async fn write<T>(&self, op: impl std::future::Future<Output = Result<T, LogError>>) -> Result<T, LogError> {
        match self.faults.take(Target::Log) {
            None => op.await,
            Some(Fault::FailAfterCommit) => {
                op.await?;
                Err(storage_error(Fault::FailAfterCommit).into())
            }
            Some(fault) => Err(storage_error(fault).into()),
        }
    }

    /// Runs read `op` under the plan.
    async fn read<T>(&self, op: impl std::future::Future<Output = Result<T, LogError>>) -> Result<T, LogError> {
        match self.faults.take(Target::Log) {
            None => op.await,
            Some(fault) => Err(storage_error(fault).into()),
        }
    }
}

impl EventLog for FaultyLog {
    async fn add_entry(&self, e: Entry, seq: SequenceId, hint: Option<SequenceId>) -> Result<AddEntryResult, LogError> {
        self.write(self.inner.add_entry(e, seq, hint)).await
    }
    async fn add_entries(
        &self,
        entries: Vec<Entry>,
        seq: SequenceId,
        hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        self.write(self.inner.add_entries(entries, seq, hint)).await
    }
    async fn set_metadata(&self, seq: SequenceId, update: MetadataUpdate) -> Result<(), LogError> {
        self.write(self.inner.set_metadata(seq, update)).await
    }
    async fn query(&self, from: QueryFrom, to: QueryTo, hint: Option<SequenceId>) -> Result<QueryResult, LogError> {
        self.read(self.inner.query(from, to, hint)).await
    }
    async fn truncate(&self, seq: SequenceId) -> Result<(), LogError> {
        self.write(self.inner.truncate(seq)).await
    }
    async fn bounds(&self) -> Result<LogBounds, LogError> {
        self.read(self.inner.bounds()).await
    }
}

/// A [`MemoryBlobStore`] under a [`Faults`] plan.
#[derive(Clone, Debug)]
pub struct FaultyBlobs {
    pub inner: MemoryBlobStore,
    pub faults: Faults,
}

/// A dir of a [`FaultyBlobs`].
#[derive(Clone, Debug)]
pub struct FaultyDir {
    inner: MemoryBlobDir,
    faults: Faults,
}

impl BlobStore for FaultyBlobs {
    type Dir = FaultyDir;
    fn root(&self) -> FaultyDir {
        FaultyDir { inner: self.inner.root(), faults: self.faults.clone() }
    }
}

impl FaultyDir {
    async fn write_op(&self, op: impl std::future::Future<Output = Result<(), BlobError>>) -> Result<(), BlobError> {
        match self.faults.take(Target::Blobs) {
            None => op.await,
            Some(Fault::FailAfterCommit) => {
                op.await?;
                Err(storage_error(Fault::FailAfterCommit).into())
            }
            Some(fault) => Err(storage_error(fault).into()),
        }
    }
}

impl BlobDir for FaultyDir {
    fn path(&self) -> String {
        self.inner.path()
    }
    async fn read(&self, name: &str) -> Result<Vec<u8>, BlobError> {
        match self.faults.take(Target::Blobs) {
            None => self.inner.read(name).await,
            Some(Fault::Corrupt) => {
                let mut bytes = self.inner.read(name).await?;
                let at = bytes.len() / 2;
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 0x5a;
                }
                Ok(bytes)
            }
            Some(fault) => Err(storage_error(fault).into()),
        }
    }
    async fn write(&self, name: &str, bytes: &[u8]) -> Result<(), BlobError> {
        self.write_op(self.inner.write(name, bytes)).await
    }
    async fn remove(&self, name: &str) -> Result<(), BlobError> {
        self.write_op(self.inner.remove(name)).await
    }
    async fn dir(&self, name: &str) -> Result<Self, BlobError> {
        Ok(Self { inner: self.inner.dir(name).await?, faults: self.faults.clone() })
    }
    async fn list(&self, continuation: Option<&Continuation>) -> Result<ListPage, BlobError> {
        match self.faults.take(Target::Blobs) {
            None => self.inner.list(continuation).await,
            Some(fault) => Err(storage_error(fault).into()),
        }
    }
    async fn remove_all(&self) -> Result<(), BlobError> {
        self.write_op(self.inner.remove_all()).await
    }
}
