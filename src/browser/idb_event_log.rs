//! [`IdbEventLog`]: the [`EventLog`] on IndexedDB, with group commit (DESIGN.md section 6).
//!
//! `add_entry` checks the last key and puts the entry in one readwrite transaction, so two
//! connections (two tabs) can never both write the same id: IndexedDB runs readwrite
//! transactions over the same store one at a time. Appends issued together (in the same turn of
//! the event loop, or while a commit is in flight) are written in one transaction: one commit,
//! one disk flush, each append still checked against the next free id on its own. A batch of
//! [`EventLog::add_entries`] is one such append: checked once, stored whole or not at all.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_channel::oneshot;
use futures_util::future::join;
use indexed_db_futures::cursor::CursorDirection;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyRange;
use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::database::{SheetDatabase, LOG_STORE, META_STORE, SNAPSHOT_INDEX};
use super::idb_error::{corrupt, from_idb, timed_write, WriteFailure};
use crate::error::{StorageError, StorageErrorKind};
use crate::log::{
    decode_entry, decode_metadata, encode_entry, replace_metadata, resolve_range, snapshot_to_report, AddEntryResult,
    Entry, EventLog, LogBounds, LogError, Metadata, MetadataUpdate, QueryFrom, QueryResult, QueryTo, SequenceId,
    SnapshotInfo,
};

const START_KEY: &str = "start";

/// One `add_entries` call waiting for the group commit: its encoded entries (with the path of
/// the snapshot each holds, if any), all or none of which are stored.
struct PendingAppend {
    entries: Vec<(Vec<u8>, Option<String>)>,
    seq: SequenceId,
    snapshot_hint: Option<SequenceId>,
    done: oneshot::Sender<Result<AddEntryResult, LogError>>,
}

struct Shared {
    db: SheetDatabase,
    queue: RefCell<Vec<PendingAppend>>,
    flushing: Cell<bool>,
    commits: Cell<u64>,
}

/// The event log of one sheet in IndexedDB. Clones share the connection and the group-commit
/// queue; two `IdbEventLog`s made from two [`SheetDatabase`]s on one sheet behave like two tabs.
#[derive(Clone)]
pub struct IdbEventLog {
    shared: Rc<Shared>,
}

impl std::fmt::Debug for IdbEventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdbEventLog").field("db", &self.shared.db).finish_non_exhaustive()
    }
}

impl IdbEventLog {
    /// The event log stored in `db`.
    pub fn new(db: SheetDatabase) -> Self {
        Self {
            shared: Rc::new(Shared {
                db,
                queue: RefCell::default(),
                flushing: Cell::new(false),
                commits: Cell::new(0),
            }),
        }
    }

    /// How many append transactions this log has committed (each may hold many appends).
    pub fn append_commits(&self) -> u64 {
        self.shared.commits.get()
    }
}

fn storage(e: indexed_db_futures::error::Error) -> StorageError {
    from_idb(e)
}

fn key(seq: SequenceId) -> f64 {
    // Sequence ids stay below 2^53 (one entry per microsecond would take 285 years).
    seq as f64
}

fn seq_of(value: &JsValue, what: &str) -> Result<SequenceId, StorageError> {
    match value.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n < 9_007_199_254_740_992.0 => Ok(n as u64),
        _ => Err(corrupt(format!("{what} is not a sequence id"))),
    }
}

/// The log record of entry `seq` encoded as `bytes`, holding the snapshot at path `snapshot`
/// if any (`{e, s?, p?}`, see [`super::database`]).
fn record(bytes: &[u8], seq: SequenceId, snapshot: Option<&str>) -> Result<JsValue, StorageError> {
    let object = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&object, &JsValue::from_str(k), v).map(drop);
    set("e", &Uint8Array::from(bytes).into()).map_err(|_| corrupt("cannot build a log record"))?;
    if let Some(path) = snapshot {
        set("s", &JsValue::from_f64(key(seq))).map_err(|_| corrupt("cannot build a log record"))?;
        set("p", &JsValue::from_str(path)).map_err(|_| corrupt("cannot build a log record"))?;
    }
    Ok(object.into())
}

fn entry_of(value: &JsValue, seq: SequenceId) -> Result<Entry, LogError> {
    sized_entry_of(value, seq).map(|(entry, _)| entry)
}

/// The entry of a log record and its size in stored bytes.
fn sized_entry_of(value: &JsValue, seq: SequenceId) -> Result<(Entry, usize), LogError> {
    let bytes = record_bytes(value, seq)?;
    let entry = decode_entry(&bytes).map_err(|error| LogError::Corrupt { seq, error })?;
    Ok((entry, bytes.len()))
}

/// The encoded entry of a log record (its `e`), copied out of the JS heap.
fn record_bytes(value: &JsValue, seq: SequenceId) -> Result<Vec<u8>, LogError> {
    Reflect::get(value, &JsValue::from_str("e"))
        .ok()
        .and_then(|e| e.dyn_into::<Uint8Array>().ok())
        .map(|bytes| bytes.to_vec())
        .ok_or_else(|| corrupt(format!("log record {seq} has no entry bytes")).into())
}

/// Entries read per request inside one query's transaction, so a page can stop at its byte
/// bound without reading far past it.
const QUERY_CHUNK: u64 = 256;

/// Reads the retained range inside a transaction over `log` and `meta`.
async fn read_bounds(log: &ObjectStore<'_>, meta: &ObjectStore<'_>) -> Result<LogBounds, StorageError> {
    let start_req = meta.get::<JsValue, _, _>(START_KEY).primitive().map_err(storage)?;
    let last_req = log.open_key_cursor().with_direction(CursorDirection::Prev).primitive().map_err(storage)?;
    let start = match start_req.await.map_err(storage)? {
        Some(v) if !v.is_undefined() => seq_of(&v, "the log start")?,
        _ => 0,
    };
    let last = match last_req.await.map_err(storage)? {
        Some(mut cursor) => cursor.next_key::<JsValue>().await.map_err(storage)?,
        None => None,
    };
    let end = match last {
        Some(k) => seq_of(&k, "a log key")? + 1,
        None => start,
    };
    Ok(LogBounds { start, end: end.max(start) })
}

/// The sequence id of the latest entry holding a snapshot, from the snapshot index's keys alone
/// (the entry's record is not read: it may be a large one).
async fn latest_snapshot_seq(log: &ObjectStore<'_>) -> Result<Option<SequenceId>, StorageError> {
    let index = log.index(SNAPSHOT_INDEX).map_err(storage)?;
    let request = index.open_key_cursor().with_direction(CursorDirection::Prev).primitive().map_err(storage)?;
    match request.await.map_err(storage)? {
        Some(mut cursor) => match cursor.next_key::<JsValue>().await.map_err(storage)? {
            Some(k) => Ok(Some(seq_of(&k, "a snapshot key")?)),
            None => Ok(None),
        },
        None => Ok(None),
    }
}

/// The latest snapshot for a caller that knows of the one at `hint`: read (its entry decoded)
/// only when the latest is another one, at `latest_seq` ([`latest_snapshot_seq`]).
async fn latest_snapshot_unless_known(
    log: &ObjectStore<'_>,
    latest_seq: Option<SequenceId>,
    hint: Option<SequenceId>,
) -> Result<Option<SnapshotInfo>, LogError> {
    if latest_seq.is_none() || latest_seq == hint {
        return Ok(None);
    }
    read_latest_snapshot(log).await
}

/// Reads the latest entry holding a snapshot inside a transaction over `log`: its path from the
/// record's `p`, or, for a record written before `p` existed, from its decoded entry.
async fn read_latest_snapshot(log: &ObjectStore<'_>) -> Result<Option<SnapshotInfo>, LogError> {
    let index = log.index(SNAPSHOT_INDEX).map_err(storage)?;
    let cursor = index.open_cursor().with_direction(CursorDirection::Prev).primitive().map_err(storage)?;
    let Some(mut cursor) = cursor.await.map_err(storage)? else { return Ok(None) };
    let Some(value) = cursor.next_record::<JsValue>().await.map_err(storage)? else { return Ok(None) };
    let seq = seq_of(&Reflect::get(&value, &JsValue::from_str("s")).unwrap_or(JsValue::UNDEFINED), "a snapshot key")?;
    // The copy is checked as the entry's own path would be; one that fails is not trusted.
    let copied = Reflect::get(&value, &JsValue::from_str("p"))
        .ok()
        .and_then(|p| p.as_string())
        .map(|path| Metadata { snapshot: Some(path), ..Metadata::default() })
        .filter(|metadata| metadata.validate().is_ok());
    if let Some(Metadata { snapshot: Some(snapshot), .. }) = copied {
        return Ok(Some(SnapshotInfo { seq, snapshot }));
    }
    let entry = entry_of(&value, seq)?;
    Ok(entry.metadata.snapshot.map(|snapshot| SnapshotInfo { seq, snapshot }))
}

/// One page of entries `from .. to` inside a transaction over `log`: at most `page_size`
/// entries, ending after the entry that reaches `page_bytes` stored bytes, read in chunks of
/// [`QUERY_CHUNK`]. With how many entries the range holds (`to - from`).
async fn read_page(
    log: &ObjectStore<'_>,
    from: SequenceId,
    to: SequenceId,
    page_size: usize,
    page_bytes: usize,
) -> Result<Result<(Vec<Entry>, u64), LogError>, StorageError> {
    let wanted = to - from;
    let limit = wanted.min(page_size as u64);
    let mut entries = Vec::new();
    let mut bytes = 0usize;
    let mut next = from;
    while next < from + limit && bytes < page_bytes {
        let chunk = (from + limit - next).min(QUERY_CHUNK);
        let range = KeyRange::Bound(key(next), false, key(next + chunk), true);
        let values = log
            .get_all::<JsValue>()
            .with_query::<f64, _>(range)
            .primitive()
            .map_err(storage)?
            .await
            .map_err(storage)?;
        let mut read = 0;
        for value in values {
            let value = value.map_err(storage)?;
            match sized_entry_of(&value, next + read) {
                Ok((entry, size)) => {
                    entries.push(entry);
                    bytes += size;
                }
                Err(e) => return Ok(Err(e)),
            }
            read += 1;
            if bytes >= page_bytes {
                break;
            }
        }
        if read == 0 || (read < chunk && bytes < page_bytes) {
            return Err(corrupt(format!("log entries {next} .. {} have gaps", next + chunk)));
        }
        next += read;
    }
    Ok(Ok((entries, wanted)))
}

async fn flush(shared: Rc<Shared>) {
    loop {
        let batch = std::mem::take(&mut *shared.queue.borrow_mut());
        if batch.is_empty() {
            shared.flushing.set(false);
            return;
        }
        let outcome = append_batch(&shared.db, &batch).await;
        if outcome.is_ok() {
            shared.commits.set(shared.commits.get() + 1);
        }
        match outcome {
            Ok(results) => {
                for (pending, result) in batch.into_iter().zip(results) {
                    let _ = pending.done.send(result);
                }
            }
            Err(error) => {
                for pending in batch {
                    let _ = pending.done.send(Err(LogError::Storage(error.clone())));
                }
            }
        }
    }
}

/// What an append transaction does: per append, stored or conflicting, and the latest snapshot
/// after it when some caller's hint is stale.
type Appended = (Vec<Result<(), LogError>>, Option<SnapshotInfo>);

/// Writes a batch of appends in one transaction; per append, its own result. A timeout that
/// fires after the transaction committed is no failure (see [`timed_write`]); when the browser
/// never tells whether it committed, the log is read back to find out.
async fn append_batch(
    db: &SheetDatabase,
    batch: &[PendingAppend],
) -> Result<Vec<Result<AddEntryResult, LogError>>, StorageError> {
    let conn = db.connection().await?;
    let (turn, tx) = db.begin_write(&conn, &[LOG_STORE, META_STORE]).await?;
    let done = tx.on_done().map_err(storage)?;
    let issued: RefCell<Option<Appended>> = RefCell::new(None);
    let body = async {
        let log = tx.object_store(LOG_STORE).map_err(storage)?;
        let meta = tx.object_store(META_STORE).map_err(storage)?;
        let LogBounds { mut end, .. } = read_bounds(&log, &meta).await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut puts = Vec::new();
        for pending in batch {
            if pending.seq != end {
                outcomes.push(Err(LogError::Conflict { next: end }));
                continue;
            }
            for (bytes, snapshot) in &pending.entries {
                let value = record(bytes, end, snapshot.as_deref())?;
                puts.push(log.put(value).with_key(key(end)).primitive().map_err(storage)?);
                end += 1;
            }
            outcomes.push(Ok(()));
        }
        *issued.borrow_mut() = Some((outcomes.clone(), None));
        // The latest snapshot after the puts (a batch may hold one): its key only, read with
        // the puts in flight; its record only for a caller whose hint is stale.
        let latest_seq = latest_snapshot_seq(&log).await?;
        let stale = batch.iter().any(|p| latest_seq.is_some() && p.snapshot_hint != latest_seq);
        let latest = if stale {
            match read_latest_snapshot(&log).await {
                Ok(latest) => latest,
                Err(LogError::Storage(e)) => return Err(e),
                // A damaged snapshot record must not stop appends: report no snapshot.
                Err(_) => None,
            }
        } else {
            None
        };
        let mut results = Vec::with_capacity(puts.len());
        for put in puts {
            results.push(put.await.map(drop).map_err(storage));
        }
        Ok(((outcomes, latest), results))
    };
    let (outcomes, latest) = match timed_write(db, "appending to the log", &tx, done, &issued, body).await {
        Ok(appended) => appended,
        Err(WriteFailure::Failed(error)) => return Err(error),
        Err(WriteFailure::Unknown(error)) => {
            // Given up on: the turn goes back before the log is read, which may reopen the
            // connection, and an open takes the turn too.
            drop(turn);
            let Some(appended) = issued.borrow().clone() else { return Err(error) };
            if !stored(db, batch, &appended.0).await.unwrap_or(false) {
                return Err(error);
            }
            appended
        }
    };
    Ok(outcomes
        .into_iter()
        .zip(batch)
        .map(|(outcome, pending)| {
            outcome
                .map(|()| AddEntryResult { latest_snapshot: snapshot_to_report(latest.clone(), pending.snapshot_hint) })
        })
        .collect())
}

/// True when every append of `batch` that `outcomes` says was written is in the log, byte for
/// byte: how an append whose commit the browser never confirmed is resolved.
async fn stored(
    db: &SheetDatabase,
    batch: &[PendingAppend],
    outcomes: &[Result<(), LogError>],
) -> Result<bool, StorageError> {
    let conn = db.connection().await?;
    db.timed("checking an append", async {
        let tx = db.begin(&conn, &[LOG_STORE], TransactionMode::Readonly)?;
        let log = tx.object_store(LOG_STORE).map_err(storage)?;
        for (pending, outcome) in batch.iter().zip(outcomes) {
            if outcome.is_err() {
                continue;
            }
            for (i, (bytes, _)) in pending.entries.iter().enumerate() {
                let seq = pending.seq + i as u64;
                let value = log.get::<JsValue, _, _>(key(seq)).primitive().map_err(storage)?.await.map_err(storage)?;
                let found = value
                    .and_then(|v| Reflect::get(&v, &JsValue::from_str("e")).ok())
                    .and_then(|e| e.dyn_into::<Uint8Array>().ok())
                    .map(|e| e.to_vec());
                if found.as_deref() != Some(bytes.as_slice()) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    })
    .await
}

impl EventLog for IdbEventLog {
    async fn add_entry(
        &self,
        entry: Entry,
        seq: SequenceId,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        self.add_entries(vec![entry], seq, snapshot_hint).await
    }

    async fn add_entries(
        &self,
        entries: Vec<Entry>,
        seq: SequenceId,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<AddEntryResult, LogError> {
        entries.iter().try_for_each(Entry::validate)?;
        let (done, result) = oneshot::channel();
        let entries = entries.iter().map(|e| (encode_entry(e), e.metadata.snapshot.clone())).collect();
        self.shared.queue.borrow_mut().push(PendingAppend { entries, seq, snapshot_hint, done });
        if !self.shared.flushing.replace(true) {
            wasm_bindgen_futures::spawn_local(flush(self.shared.clone()));
        }
        result.await.unwrap_or_else(|_| {
            Err(LogError::Storage(StorageError::new(
                StorageErrorKind::Other,
                "the append was dropped before it committed",
            )))
        })
    }

    async fn set_metadata(&self, seq: SequenceId, update: MetadataUpdate) -> Result<(), LogError> {
        update.validate()?;
        let db = &self.shared.db;
        let conn = db.connection().await?;
        let (_turn, tx) = db.begin_write(&conn, &[LOG_STORE, META_STORE]).await?;
        let done = tx.on_done().map_err(storage)?;
        let issued: RefCell<Option<Result<(), LogError>>> = RefCell::new(None);
        let body = async {
            let log = tx.object_store(LOG_STORE).map_err(storage)?;
            let meta = tx.object_store(META_STORE).map_err(storage)?;
            let LogBounds { start, end } = read_bounds(&log, &meta).await?;
            if !(start..end).contains(&seq) {
                return Ok((Err(LogError::OutOfRange { seq, start, end }), Vec::new()));
            }
            let value = log.get::<JsValue, _, _>(key(seq)).primitive().map_err(storage)?.await.map_err(storage)?;
            let value = value.ok_or_else(|| corrupt(format!("log entry {seq} is missing")))?;
            // The entry's bytes up to its metadata are kept as they are: no decoding of a
            // large entry's cells to change its marks (`replace_metadata`).
            let replaced = record_bytes(&value, seq)
                .and_then(|bytes| replace_metadata(&bytes, &update).map_err(|error| LogError::Corrupt { seq, error }));
            let (bytes, metadata) = match replaced {
                Ok(replaced) => replaced,
                Err(e) => return Ok((Err(e), Vec::new())),
            };
            let value = record(&bytes, seq, metadata.snapshot.as_deref())?;
            let put = log.put(value).with_key(key(seq)).primitive().map_err(storage)?;
            *issued.borrow_mut() = Some(Ok(()));
            let put = put.await.map(drop).map_err(storage);
            Ok((Ok(()), vec![put]))
        };
        timed_write(db, "updating entry metadata", &tx, done, &issued, body).await.map_err(WriteFailure::into_error)?
    }

    async fn query(
        &self,
        from: QueryFrom,
        to: QueryTo,
        snapshot_hint: Option<SequenceId>,
    ) -> Result<QueryResult, LogError> {
        let page_size = self.shared.db.options().log_page_size.max(1);
        let page_bytes = self.shared.db.options().log_page_bytes.max(1);
        let db = &self.shared.db;
        let conn = db.connection().await?;
        let result = db
            .timed("reading the log", async {
                let tx = db.begin(&conn, &[LOG_STORE, META_STORE], TransactionMode::Readonly)?;
                let log = tx.object_store(LOG_STORE).map_err(storage)?;
                let meta = tx.object_store(META_STORE).map_err(storage)?;
                // Two stages of requests, each all in flight at once: every round trip waits for
                // the page's main thread, busy with the page's own start while a page reopens
                // (BENCHMARKS.md, stop 34). First the bounds and the latest snapshot's sequence
                // id from its key; its entry, which may be a large one, is decoded only for a
                // caller that does not know it yet (a poll of new entries knows it: decoding it on
                // every poll held the main thread ~100 ms for a 500,000-cell entry, BENCHMARKS.md
                // "Stop 26").
                let (bounds, latest_seq) = join(read_bounds(&log, &meta), latest_snapshot_seq(&log)).await;
                let (bounds, latest_seq) = (bounds?, latest_seq?);
                let latest = latest_snapshot_unless_known(&log, latest_seq, snapshot_hint);
                let (from, to) = match resolve_range(bounds, latest_seq, from, to) {
                    Ok(range) => range,
                    // The snapshot's error first, as when it was read before the range.
                    Err(e) => {
                        return match latest.await {
                            Err(LogError::Storage(storage)) => Err(storage),
                            Err(other) => Ok(Err(other)),
                            Ok(_) => Ok(Err(e)),
                        }
                    }
                };
                // Then the snapshot's entry and the page's entries.
                let (latest, page) = join(latest, read_page(&log, from, to, page_size, page_bytes)).await;
                let latest = match latest {
                    Ok(latest) => latest,
                    Err(LogError::Storage(e)) => return Err(e),
                    Err(other) => return Ok(Err(other)),
                };
                let (entries, wanted) = match page? {
                    Ok(page) => page,
                    Err(e) => return Ok(Err(e)),
                };
                let taken = entries.len() as u64;
                Ok(Ok(QueryResult { first: from, entries, is_complete: taken == wanted, latest_snapshot: latest }))
            })
            .await?;
        result
    }

    /// Reads entry `seq`'s record and decodes only its metadata ([`decode_metadata`]): the
    /// end of a workflow on a 500,000-cell entry read the whole entry on the page's main thread,
    /// 40-80 ms each time (BENCHMARKS.md, "Stop 30").
    async fn metadata(&self, seq: SequenceId) -> Result<Metadata, LogError> {
        let db = &self.shared.db;
        let conn = db.connection().await?;
        let result = db
            .timed("reading an entry's metadata", async {
                let tx = db.begin(&conn, &[LOG_STORE, META_STORE], TransactionMode::Readonly)?;
                let log = tx.object_store(LOG_STORE).map_err(storage)?;
                let meta = tx.object_store(META_STORE).map_err(storage)?;
                let LogBounds { start, end } = read_bounds(&log, &meta).await?;
                if !(start..end).contains(&seq) {
                    return Ok(Err(LogError::OutOfRange { seq, start, end }));
                }
                let value = log.get::<JsValue, _, _>(key(seq)).primitive().map_err(storage)?.await.map_err(storage)?;
                let value = value.ok_or_else(|| corrupt(format!("log entry {seq} is missing")))?;
                Ok(record_bytes(&value, seq)
                    .and_then(|bytes| decode_metadata(&bytes).map_err(|error| LogError::Corrupt { seq, error })))
            })
            .await?;
        result
    }

    async fn truncate(&self, seq: SequenceId) -> Result<(), LogError> {
        let db = &self.shared.db;
        let conn = db.connection().await?;
        let (_turn, tx) = db.begin_write(&conn, &[LOG_STORE, META_STORE]).await?;
        let done = tx.on_done().map_err(storage)?;
        let issued: RefCell<Option<Result<(), LogError>>> = RefCell::new(None);
        let body = async {
            let log = tx.object_store(LOG_STORE).map_err(storage)?;
            let meta = tx.object_store(META_STORE).map_err(storage)?;
            let LogBounds { start, end } = read_bounds(&log, &meta).await?;
            if seq > end {
                return Ok((Err(LogError::OutOfRange { seq, start, end }), Vec::new()));
            }
            if seq <= start {
                return Ok((Ok(()), Vec::new()));
            }
            let delete = log
                .delete::<f64, _>(KeyRange::Bound(key(start), false, key(seq), true))
                .primitive()
                .map_err(storage)?;
            let put = meta.put(JsValue::from_f64(key(seq))).with_key(START_KEY).primitive().map_err(storage)?;
            *issued.borrow_mut() = Some(Ok(()));
            let delete = delete.await.map(drop).map_err(storage);
            let put = put.await.map(drop).map_err(storage);
            Ok((Ok(()), vec![delete, put]))
        };
        timed_write(db, "truncating the log", &tx, done, &issued, body).await.map_err(WriteFailure::into_error)?
    }

    async fn bounds(&self) -> Result<LogBounds, LogError> {
        let db = &self.shared.db;
        let conn = db.connection().await?;
        let bounds = db
            .timed("reading the log bounds", async {
                let tx = db.begin(&conn, &[LOG_STORE, META_STORE], TransactionMode::Readonly)?;
                let log = tx.object_store(LOG_STORE).map_err(storage)?;
                let meta = tx.object_store(META_STORE).map_err(storage)?;
                read_bounds(&log, &meta).await
            })
            .await?;
        Ok(bounds)
    }
}
