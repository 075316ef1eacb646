//! Storage that stays bounded (DESIGN.md section 5b, "Lifecycle"): the workflows that follow a
//! snapshot. After the snapshot on entry N (and its compaction, if any):
//!
//! 1. **History** ([`write_history`]): the entries since the previous history blob, up to N,
//!    are written as one chained, checksummed history blob (`history/<first>-<N>`) recorded in
//!    entry N's `history` and in the [`Catalog`]. Then the log is **truncated** up to N (the
//!    snapshot and the history hold everything before it), but not past the lowest position an
//!    open client reports in its [`Lease`] under `clients/` (an expired lease does not count).
//! 2. **GC** ([`collect_garbage`]), every `gc_every` entries: the snapshots to keep are chosen
//!    (the latest `keep_snapshots`, plus checkpoints spaced by powers of two in sequence ids
//!    that stay put as the sheet grows, [`retained_snapshots`],
//!    plus the snapshot each open client reads from), recorded in the catalog, and every blob
//!    under `snapshots/` that none of them references is removed: layers merged by compaction,
//!    superseded snapshots, orphans of a crashed snapshot. So is the dir of every CSV import
//!    (`imports/`) that never committed and is older than [`Retention::abandoned_import_ms`];
//!    the history step marks an import committed before its entry leaves the log, and
//!    committed imports stay (history and time travel read them). History blobs are kept.
//!
//! Each step marks the next on entry N (`pending`), so a crash runs it again at the next open;
//! each is idempotent. They run where the snapshot runs (the worker, under the sheet's Web
//! Lock), pure async over the storage traits.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;

use super::csv::{import_started_ms, IMPORT_COMMITTED, IMPORT_DIR};
use super::error::EngineError;
use super::log_pages::LogPages;
use super::workflow::{read_index, SNAPSHOT_DIR};
use crate::blob::{read_path, remove_path, write_path};
use crate::blob::{BlobDir, BlobError, BlobStore, EntryKind};
use crate::log::{
    decode_entry, encode_entry, Entry, EventLog, LogError, Metadata, MetadataUpdate, Operation, QueryFrom, QueryTo,
    SequenceId, Workflow,
};
use crate::snapshot::{
    decode_catalog, decode_history, decode_lease, encode_catalog, encode_history, encode_lease, Catalog, HistoryBlob,
    Lease, SnapshotIndex,
};

/// The blob holding the [`Catalog`].
pub const CATALOG_PATH: &str = "catalog";

/// Most blobs the GC hands to one [`BlobStore::remove_many`]: its memory stays bounded by this
/// many paths beyond the listing, however many blobs are dead.
const GC_REMOVE_BATCH: usize = 4096;
/// The dir of the history blobs.
pub const HISTORY_DIR: &str = "history";
/// The dir of the clients' leases, one blob per client id.
pub const CLIENTS_DIR: &str = "clients";

/// How much the lifecycle workflows keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// The latest snapshots kept whole (default 4), besides the power-of-two checkpoints.
    pub keep_snapshots: usize,
    /// Garbage is collected when this many entries passed since the last collection (default
    /// 4000: every few snapshots at the default interval).
    pub gc_every: u64,
    /// How old (in milliseconds, by the name of its dir) an import must be before garbage
    /// collection takes its tiles when its entry never committed (default 24 hours): an import
    /// still running in some tab is younger than that. Committed imports are never taken.
    pub abandoned_import_ms: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Self { keep_snapshots: 4, gc_every: 4000, abandoned_import_ms: 24 * 60 * 60 * 1000 }
    }
}

/// What a lifecycle workflow did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifecycleReport {
    /// The history blob written, if any.
    pub history: Option<String>,
    /// The log was truncated before this entry.
    pub truncated: Option<SequenceId>,
    /// Blobs removed by garbage collection.
    pub removed: usize,
    /// Snapshots kept, by entry.
    pub retained: Vec<SequenceId>,
    /// Dirs of imports that never committed removed by garbage collection (their tiles are
    /// not counted in `removed`).
    pub abandoned_imports: usize,
}

/// Path of the history blob of entries `first .. end`.
pub fn history_path(first: SequenceId, end: SequenceId) -> String {
    format!("{HISTORY_DIR}/{first}-{end}")
}

/// Path of the lease of `client`.
pub fn lease_path(client: u64) -> String {
    format!("{CLIENTS_DIR}/{client}")
}

fn damaged(path: &str, error: crate::snapshot::SnapshotError) -> EngineError {
    EngineError::Snapshot { path: path.to_owned(), error }
}

/// The sheet's catalog; an empty one when none was written yet.
///
/// # Errors
/// [`EngineError`] when it cannot be read or is damaged.
pub async fn read_catalog<B: BlobStore>(blobs: &B) -> Result<Catalog, EngineError> {
    match read_path(blobs, CATALOG_PATH).await {
        Ok(bytes) => decode_catalog(&bytes).map_err(|e| damaged(CATALOG_PATH, e)),
        Err(BlobError::NotFound { .. }) => Ok(Catalog::default()),
        Err(e) => Err(e.into()),
    }
}

/// The entries of the history blob at `path`, and the blob (for its `previous` and `first`).
///
/// # Errors
/// [`EngineError`] when the blob cannot be read, or it or one of its entries is damaged.
pub async fn read_history<B: BlobStore>(blobs: &B, path: &str) -> Result<(HistoryBlob, Vec<Entry>), EngineError> {
    let bytes = read_path(blobs, path).await?;
    let blob = decode_history(&bytes).map_err(|e| damaged(path, e))?;
    let mut entries = Vec::with_capacity(blob.entries.len());
    for (i, bytes) in blob.entries.iter().enumerate() {
        let seq = blob.first + i as u64;
        entries.push(decode_entry(bytes).map_err(|error| EngineError::Log(LogError::Corrupt { seq, error }))?);
    }
    Ok((blob, entries))
}

/// Every lease under `clients/`, with its path; damaged ones are returned as `None` (they
/// count as expired).
async fn leases<B: BlobStore>(blobs: &B) -> Result<Vec<(String, Option<Lease>)>, EngineError> {
    let dir = blobs.root().dir(CLIENTS_DIR).await?;
    let mut out = Vec::new();
    for name in list_blobs(&dir, "").await? {
        let path = format!("{CLIENTS_DIR}/{name}");
        let lease = match dir.read(&name).await {
            Ok(bytes) => decode_lease(&bytes).ok(),
            Err(BlobError::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        out.push((path, lease));
    }
    Ok(out)
}

/// The paths (relative to `dir`, prefixed by `prefix`) of every blob inside `dir`, recursively.
async fn list_blobs<D: BlobDir>(dir: &D, prefix: &str) -> Result<Vec<String>, EngineError> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.clone(), prefix.to_owned())];
    while let Some((dir, prefix)) = pending.pop() {
        let mut continuation = None;
        loop {
            let page = dir.list(continuation.as_ref()).await?;
            for entry in page.entries {
                let path = if prefix.is_empty() { entry.name.clone() } else { format!("{prefix}/{}", entry.name) };
                match entry.kind {
                    EntryKind::Blob => out.push(path),
                    EntryKind::Dir => pending.push((dir.dir(&entry.name).await?, path)),
                }
            }
            match page.continuation {
                Some(next) => continuation = Some(next),
                None => break,
            }
        }
    }
    Ok(out)
}

/// The metadata of entry `seq`; `None` when the log no longer holds it.
async fn metadata_of<L: EventLog>(log: &L, seq: SequenceId) -> Result<Option<Metadata>, EngineError> {
    match log.metadata(seq).await {
        Ok(metadata) => Ok(Some(metadata)),
        Err(LogError::OutOfRange { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn set_pending<L: EventLog>(log: &L, seq: SequenceId, update: MetadataUpdate) -> Result<(), EngineError> {
    match log.set_metadata(seq, update).await {
        Ok(()) | Err(LogError::OutOfRange { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The History workflow on entry `seq` (module docs, step 1): writes the history of the entries
/// before `seq` not yet in a history blob, records it, truncates the log before `seq` when every
/// live lease (one that expires after `now_ms`) has passed it, and marks `gc` when due.
///
/// # Errors
/// [`EngineError`] from the log or the blob store; [`EngineError::MissingHistory`] when entries
/// before `seq` are neither in the log nor in history.
pub async fn write_history<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    retention: Retention,
    now_ms: u64,
) -> Result<LifecycleReport, EngineError> {
    let mut report = LifecycleReport::default();
    let mut catalog = read_catalog(blobs).await?;
    let bounds = log.bounds().await?;
    let from = catalog.history.as_ref().map_or(bounds.start, |(end, _)| *end);
    if from < bounds.start {
        return Err(EngineError::MissingHistory { start: bounds.start });
    }
    let path = if from < seq {
        let mut entries = Vec::with_capacity((seq - from) as usize);
        let mut committed_imports = Vec::new();
        let mut next = from;
        let mut hint = None;
        while next < seq {
            let page = log.query(QueryFrom::Seq(next), QueryTo::Seq(seq), hint).await?;
            if page.entries.is_empty() {
                break;
            }
            next = page.next();
            hint = page.snapshot_hint(hint);
            for entry in page.entries {
                if let Operation::Import(layer) = &entry.operation {
                    committed_imports.push(format!("{}/{IMPORT_COMMITTED}", layer.dir));
                }
                entries.push(encode_entry(&Entry { metadata: Metadata::default(), ..entry }));
            }
        }
        // Before any of these entries can leave the log: their imports committed (GC keeps them).
        if !committed_imports.is_empty() {
            let markers: Vec<(&str, &[u8])> = committed_imports.iter().map(|p| (p.as_str(), &[][..])).collect();
            blobs.write_many(&markers).await?;
        }
        let previous = catalog.history.as_ref().map(|(_, p)| p.clone());
        let path = history_path(from, seq);
        write_path(blobs, &path, &encode_history(&HistoryBlob { previous, first: from, entries })).await?;
        catalog.history = Some((seq, path.clone()));
        write_path(blobs, CATALOG_PATH, &encode_catalog(&catalog)).await?;
        report.history = Some(path.clone());
        Some(path)
    } else {
        catalog.history.as_ref().filter(|(end, _)| *end == seq).map(|(_, p)| p.clone())
    };
    // Truncate up to `seq` (the snapshot on it and the history hold everything before), but
    // not past an open client: before the lowest position a live lease reports.
    let snapshot_here = metadata_of(log, seq).await?.is_some_and(|m| m.snapshot.is_some());
    let covered = catalog.history.as_ref().is_some_and(|(end, _)| *end >= seq);
    if snapshot_here && covered {
        let live = leases(blobs).await?.into_iter().filter_map(|(_, l)| l).filter(|l| l.expires_ms > now_ms);
        let to = live.map(|l| l.position).fold(seq, SequenceId::min);
        if to > bounds.start {
            log.truncate(to).await?;
            report.truncated = Some(to);
        }
    }
    let gc_due = seq.saturating_sub(catalog.gc_at) >= retention.gc_every;
    let mut update = MetadataUpdate::default().with_pending(gc_due.then_some(Workflow::Gc));
    if let Some(path) = path {
        update = update.with_history(Some(path));
    }
    set_pending(log, seq, update).await?;
    Ok(report)
}

/// Removes the dir of every import that never committed and started at least `after_ms`
/// before `now_ms` (by its name, [`import_started_ms`]): a crash, a closed tab or a killed
/// worker before its `Import` entry landed left its tiles behind (issue 9, item 1). An import
/// is kept while its entry is in the log (`in_log`) or once the history step marked it
/// committed ([`IMPORT_COMMITTED`]); dirs of other names are never taken. Gives the number of
/// dirs removed. Cost: one listing of `imports/` and one read per old, unlisted dir.
///
/// # Errors
/// [`EngineError`] from the blob store.
async fn remove_abandoned_imports<B: BlobStore>(
    blobs: &B,
    in_log: &HashSet<String>,
    now_ms: u64,
    after_ms: u64,
) -> Result<usize, EngineError> {
    let imports = blobs.root().dir(IMPORT_DIR).await?;
    let mut names = Vec::new();
    let mut continuation = None;
    loop {
        let page = imports.list(continuation.as_ref()).await?;
        names.extend(page.entries.into_iter().filter(|e| e.kind == EntryKind::Dir).map(|e| e.name));
        match page.continuation {
            Some(next) => continuation = Some(next),
            None => break,
        }
    }
    let mut removed = 0;
    for name in names {
        let Some(started) = import_started_ms(&name) else { continue };
        if now_ms.saturating_sub(started) < after_ms || in_log.contains(&format!("{IMPORT_DIR}/{name}")) {
            continue;
        }
        let dir = imports.dir(&name).await?;
        match dir.read(IMPORT_COMMITTED).await {
            Ok(_) => continue,
            Err(BlobError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        dir.remove_all().await?;
        removed += 1;
    }
    Ok(removed)
}

/// Checkpoints kept per doubling of age (see [`retained_snapshots`]): a version this many
/// entries old is rebuilt from a checkpoint at most about `2 × age / 8` entries before it.
pub const CHECKPOINTS_PER_DOUBLING: u64 = 8;

/// The snapshots to keep, by entry: the latest `keep`, and checkpoints for time travel, thinner
/// the further back. `seqs` in any order.
///
/// The checkpoints are chosen so that a kept one stays kept until a wider bucket swallows it,
/// whatever the latest is: a snapshot `age` entries before the latest is kept when it is the
/// first snapshot of its aligned bucket of width `2^⌊log2 age⌋ / CHECKPOINTS_PER_DOUBLING`
/// (at least 1). Aligned power-of-two buckets nest, so a bucket that once held a snapshot
/// always holds one: about [`CHECKPOINTS_PER_DOUBLING`] checkpoints per power of two of age,
/// `O(log n)` in all, and the gap before any target is at most twice its bucket width plus the
/// snapshot interval. (A choice relative to the latest, "the newest snapshot `2^k` entries
/// back", drifts with every snapshot and leaves almost nothing old; DESIGN.md section 5b.)
pub fn retained_snapshots(seqs: impl IntoIterator<Item = SequenceId>, keep: usize) -> BTreeSet<SequenceId> {
    let all: BTreeSet<SequenceId> = seqs.into_iter().collect();
    let Some(&latest) = all.iter().next_back() else { return BTreeSet::new() };
    let mut kept: BTreeSet<SequenceId> = all.iter().rev().take(keep.max(1)).copied().collect();
    for &s in &all {
        let age = latest - s;
        if age == 0 {
            continue;
        }
        let width = ((1u64 << (63 - age.leading_zeros())) / CHECKPOINTS_PER_DOUBLING).max(1);
        let bucket_start = s - s % width;
        if all.range(bucket_start..s).next().is_none() {
            kept.insert(s);
        }
    }
    kept
}

/// The GC workflow on entry `seq` (module docs, step 2): keeps the retained snapshots and the
/// snapshots live leases read from, removes every other blob under `snapshots/`, removes
/// expired leases, and forgets (in the log's metadata) the snapshots it removed.
///
/// # Errors
/// [`EngineError`] from the log or the blob store.
pub async fn collect_garbage<L: EventLog, B: BlobStore>(
    log: &L,
    blobs: &B,
    seq: SequenceId,
    retention: Retention,
    now_ms: u64,
) -> Result<LifecycleReport, EngineError> {
    let mut catalog = read_catalog(blobs).await?;
    // Every snapshot known: the catalog's, then the log's (a compaction changes an entry's path).
    let mut known: BTreeMap<SequenceId, String> = catalog.snapshots.iter().cloned().collect();
    let mut in_log = Vec::new();
    let mut imports_in_log: HashSet<String> = HashSet::new();
    let mut page = log.query(QueryFrom::Start, QueryTo::End, None).await?;
    let mut hint = page.snapshot_hint(None);
    loop {
        for (i, entry) in page.entries.iter().enumerate() {
            if let Operation::Import(layer) = &entry.operation {
                imports_in_log.insert(layer.dir.clone());
            }
            if let Some(path) = &entry.metadata.snapshot {
                known.insert(page.first + i as u64, path.clone());
                in_log.push(page.first + i as u64);
            }
        }
        if page.is_complete || page.entries.is_empty() {
            break;
        }
        page = log.query(QueryFrom::Seq(page.next()), QueryTo::End, hint).await?;
        hint = page.snapshot_hint(hint);
    }
    let keep = retained_snapshots(known.keys().copied(), retention.keep_snapshots);
    let leased: Vec<(String, Option<Lease>)> = leases(blobs).await?;
    let live_bases: Vec<String> = leased
        .iter()
        .filter_map(|(_, l)| l.as_ref())
        .filter(|l| l.expires_ms > now_ms)
        .filter_map(|l| l.base.clone())
        .collect();
    // The blobs the kept snapshots reference.
    let mut live: HashSet<String> = HashSet::new();
    let mut retained = Vec::new();
    let kept_paths = known.iter().filter(|(s, _)| keep.contains(s)).map(|(s, p)| (Some(*s), p.clone()));
    let leased_paths = live_bases.into_iter().map(|p| (None, p));
    for (seq, path) in kept_paths.chain(leased_paths).collect::<Vec<_>>() {
        let index: Rc<SnapshotIndex> = match read_index(blobs, &path).await {
            Ok(index) => Rc::new(index),
            // A retained snapshot whose index is gone cannot be kept.
            Err(EngineError::Blob(BlobError::NotFound { .. })) => continue,
            Err(e) => return Err(e),
        };
        live.insert(path.clone());
        live.extend(index.layers.iter().flat_map(|l| l.tiles.values().cloned()));
        if let Some(seq) = seq {
            retained.push((seq, path));
        }
    }
    catalog.snapshots = retained.clone();
    catalog.gc_at = seq;
    write_path(blobs, CATALOG_PATH, &encode_catalog(&catalog)).await?;
    // Entries still in the log whose snapshot was not kept forget it.
    for s in in_log.into_iter().filter(|s| !keep.contains(s)) {
        set_pending(log, s, MetadataUpdate::default().with_snapshot(None)).await?;
    }
    let snapshots = blobs.root().dir(SNAPSHOT_DIR).await?;
    let mut dead: Vec<String> = list_blobs(&snapshots, "")
        .await?
        .into_iter()
        .map(|name| format!("{SNAPSHOT_DIR}/{name}"))
        .filter(|path| !live.contains(path))
        .collect();
    dead.extend(
        leased
            .into_iter()
            .filter(|(_, lease)| lease.as_ref().is_none_or(|l| l.expires_ms <= now_ms))
            .map(|(path, _)| path),
    );
    let removed = dead.len();
    // In batches of at most GC_REMOVE_BATCH paths (a few transactions each).
    for chunk in dead.chunks(GC_REMOVE_BATCH) {
        blobs.remove_many(&chunk.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    }
    let abandoned_imports =
        remove_abandoned_imports(blobs, &imports_in_log, now_ms, retention.abandoned_import_ms).await?;
    set_pending(log, seq, MetadataUpdate::default().with_pending(None)).await?;
    Ok(LifecycleReport {
        removed,
        retained: retained.into_iter().map(|(s, _)| s).collect(),
        abandoned_imports,
        ..LifecycleReport::default()
    })
}

/// The history blobs that together hold the entries before `end` back to the oldest one
/// recorded, oldest first, as (first, end, path): the chain from the catalog's newest blob,
/// followed by name (`history/<first>-<end>`: each blob's predecessor ends where it starts),
/// so finding it reads no blob but the catalog. Empty before the first history.
///
/// # Errors
/// [`EngineError`] when the catalog or the `history/` dir cannot be read.
pub async fn history_chain<B: BlobStore>(blobs: &B) -> Result<Vec<(SequenceId, SequenceId, String)>, EngineError> {
    let catalog = read_catalog(blobs).await?;
    let Some((newest_end, newest)) = catalog.history else { return Ok(Vec::new()) };
    let dir = blobs.root().dir(HISTORY_DIR).await?;
    // By end: the smallest first of the blobs ending there (orphans of a crashed run may
    // overlap; any blob ending where the chain needs holds the same entries).
    let mut by_end: BTreeMap<SequenceId, (SequenceId, String)> = BTreeMap::new();
    for name in list_blobs(&dir, "").await? {
        let Some((first, end)) = name.split_once('-').and_then(|(f, e)| Some((f.parse().ok()?, e.parse().ok()?)))
        else {
            continue;
        };
        if first < end && by_end.get(&end).is_none_or(|(f, _)| first < *f) {
            by_end.insert(end, (first, format!("{HISTORY_DIR}/{name}")));
        }
    }
    let newest_first = by_end.get(&newest_end).filter(|(_, p)| *p == newest).map_or_else(
        || newest.rsplit_once('/').and_then(|(_, n)| n.split_once('-')).and_then(|(f, _)| f.parse().ok()),
        |(f, _)| Some(*f),
    );
    let Some(mut first) = newest_first else { return Ok(Vec::new()) };
    let mut chain = vec![(first, newest_end, newest)];
    while let Some((before, path)) = by_end.get(&first) {
        chain.push((*before, first, path.clone()));
        first = *before;
    }
    chain.reverse();
    Ok(chain)
}

/// The entries `from .. to` as the history blobs hold them, reading only the blobs of the
/// chain ([`history_chain`]) that overlap the range (DESIGN.md section 5b): for a client the
/// log was truncated past, and for versions of the past.
///
/// # Errors
/// [`EngineError::MissingHistory`] when the history does not reach back to `from` or does not
/// cover up to `to`; [`EngineError`] when a blob cannot be read or is damaged.
pub async fn history_between<B: BlobStore>(
    blobs: &B,
    from: SequenceId,
    to: SequenceId,
) -> Result<Vec<Entry>, EngineError> {
    let chain = history_chain(blobs).await?;
    let missing = EngineError::MissingHistory { start: chain.first().map_or(to, |(first, _, _)| *first) };
    if from >= to {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity((to - from).min(1 << 16) as usize);
    // The blobs are read together (batched by the store); only the entries in the range are
    // decoded.
    let wanted: Vec<&(SequenceId, SequenceId, String)> =
        chain.iter().filter(|(first, end, _)| *end > from && *first < to).collect();
    let paths: Vec<&str> = wanted.iter().map(|(_, _, path)| path.as_str()).collect();
    let reads = blobs.read_many(&paths).await;
    for ((first, end, path), bytes) in wanted.into_iter().zip(reads) {
        let blob = decode_history(&bytes?).map_err(|e| damaged(path, e))?;
        if blob.first != *first || blob.first + blob.entries.len() as u64 != *end {
            return Err(damaged(
                path,
                crate::snapshot::SnapshotError::NotCanonical { what: "history blob range", offset: 0 },
            ));
        }
        for (i, bytes) in blob.entries.iter().enumerate() {
            let seq = first + i as u64;
            if seq >= from && seq < to && seq == from + out.len() as u64 {
                out.push(decode_entry(bytes).map_err(|error| EngineError::Log(LogError::Corrupt { seq, error }))?);
            }
        }
    }
    if out.len() as u64 != to - from {
        return Err(missing);
    }
    Ok(out)
}

/// What a sheet holds in storage: log entries, blobs, and an estimate of their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageInfo {
    /// Entries the log retains.
    pub log_entries: u64,
    /// Blobs in the blob store (tiles, indexes, history, records).
    pub blobs: u64,
    /// Estimated bytes: the log's entries as encoded, plus the blobs (exact up to
    /// [`STORAGE_SAMPLE`] blobs, else their count times the mean size of a sample).
    pub bytes: u64,
}

/// Blobs read to estimate the blob store's bytes.
pub const STORAGE_SAMPLE: usize = 64;

/// What the sheet in `log` and `blobs` holds ([`StorageInfo`]). Lists every blob's path and
/// reads every log entry (both bounded by the lifecycle workflows) and a sample of blobs.
///
/// # Errors
/// [`EngineError`] from the log or the blob store.
pub async fn storage_info<L: EventLog, B: BlobStore>(log: &L, blobs: &B) -> Result<StorageInfo, EngineError> {
    let bounds = log.bounds().await?;
    let mut bytes = 0u64;
    let mut pages = LogPages::new(bounds.start, bounds.end);
    while let Some(page) = pages.next_page(log).await? {
        bytes += page.entries.iter().map(|e| encode_entry(e).len() as u64).sum::<u64>();
    }
    let paths = list_blobs(&blobs.root(), "").await?;
    let step = paths.len().div_ceil(STORAGE_SAMPLE).max(1);
    let (mut sampled, mut sample_bytes) = (0u64, 0u64);
    for path in paths.iter().step_by(step) {
        match read_path(blobs, path).await {
            Ok(blob) => {
                sampled += 1;
                sample_bytes += blob.len() as u64;
            }
            Err(BlobError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let count = paths.len() as u64;
    bytes += if step == 1 { sample_bytes } else { (sample_bytes * count).checked_div(sampled).unwrap_or(0) };
    Ok(StorageInfo { log_entries: bounds.end - bounds.start, blobs: count, bytes })
}

/// Writes `lease` under `clients/<client>`.
///
/// # Errors
/// [`EngineError::Blob`].
pub async fn write_lease<B: BlobStore>(blobs: &B, lease: &Lease) -> Result<(), EngineError> {
    Ok(write_path(blobs, &lease_path(lease.client), &encode_lease(lease)).await?)
}

/// Removes the lease of `client` (a client closing).
///
/// # Errors
/// [`EngineError::Blob`].
pub async fn remove_lease<B: BlobStore>(blobs: &B, client: u64) -> Result<(), EngineError> {
    Ok(remove_path(blobs, &lease_path(client)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_keeps_the_latest_and_power_of_two_checkpoints() {
        let seqs: Vec<u64> = (1..=100).map(|i| i * 1000 - 1).collect();
        let kept = retained_snapshots(seqs.iter().copied(), 4);
        let latest = 99_999;
        for s in [latest, 98_999, 97_999, 96_999] {
            assert!(kept.contains(&s), "the latest four: {s}");
        }
        assert!(kept.len() <= 4 + 17 * CHECKPOINTS_PER_DOUBLING as usize, "logarithmically many: {kept:?}");
        assert!(kept.len() < seqs.len() / 2, "most are dropped: {kept:?}");
        assert!(kept.contains(&999), "the oldest is the first of its bucket: {kept:?}");
        assert_eq!(retained_snapshots([], 4), BTreeSet::new());
        assert_eq!(retained_snapshots([7], 4), BTreeSet::from([7]));
    }

    /// A sheet growing by a snapshot every `interval` entries with a GC every `gc` entries (as
    /// the workflows run it): after every GC, every past target has a kept checkpoint at most
    /// about twice its bucket width plus an interval before it, and the number kept stays
    /// logarithmic. This fails for a choice relative to the latest, which keeps almost nothing
    /// old.
    #[test]
    fn checkpoints_stay_dense_as_the_sheet_grows() {
        for (interval, gc) in [(1000u64, 4000u64), (100, 400), (37, 1000)] {
            let mut alive = BTreeSet::new();
            let mut latest = 0;
            while latest < 200_000 {
                latest += interval;
                alive.insert(latest);
                if latest % gc < interval {
                    alive = retained_snapshots(alive.iter().copied(), 4);
                    let bound = 4 + (64 - latest.leading_zeros() as usize) * (CHECKPOINTS_PER_DOUBLING as usize + 1);
                    assert!(alive.len() <= bound, "{} kept at {latest}, bound {bound}", alive.len());
                    for target in (interval..latest).step_by(997) {
                        let Some(&cp) = alive.range(..=target).next_back() else {
                            panic!("nothing kept at or before {target} (latest {latest}): {alive:?}")
                        };
                        let age = latest - target;
                        let width = ((1u64 << (63 - age.leading_zeros())) / CHECKPOINTS_PER_DOUBLING).max(1);
                        assert!(
                            target - cp <= 4 * width + interval,
                            "target {target} at latest {latest}: checkpoint {cp} is {} back, width {width}",
                            target - cp
                        );
                    }
                }
            }
        }
    }
}
