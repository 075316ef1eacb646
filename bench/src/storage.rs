//! The storage benchmark (the `sheetlog-bench` crate, never in the published package): raw IndexedDB puts
//! against group-committed `IdbEventLog` appends, for entries of about 64 bytes. Run with
//! `scripts/bench-storage.sh`; figures go to `BENCHMARKS.md`.

use futures_util::future::join_all;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{TransactionDurability, TransactionMode, TransactionOptions};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::js_error;
use sheetlog::browser::timer::now_ms;
use sheetlog::browser::{Durability, IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::log::{encode_entry, CellWrite, Entry, EventLog, Operation};
use sheetlog::model::CellValue;

/// Each configuration runs batches until this many milliseconds have passed (at least 3 batches).
const RUN_MS: f64 = 1500.0;
const BATCHES: [usize; 4] = [1, 10, 100, 1000];

fn entry(i: u64) -> Entry {
    let text = format!("bench value {i:012} padded to about sixty-four bytes");
    Entry::new(Operation::SetCell(CellWrite {
        row: i,
        col: 3,
        value: Some(CellValue::Text(text.into())),
        format: None,
    }))
}

fn log_line(line: &str) {
    web_sys::console::log_1(&JsValue::from_str(line));
}

async fn raw_puts(batch: usize, durability: TransactionDurability) -> Result<f64, JsValue> {
    let name = format!("sheetlog-bench-raw-{}", (js_sys::Math::random() * 1e12) as u64);
    let db = Database::open(name.as_str())
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db| db.create_object_store("log").build().map(drop))
        .await
        .map_err(js_error)?;
    let value: Vec<u8> = encode_entry(&entry(0));
    let (mut done, start) = (0u64, now_ms());
    let mut batches = 0;
    while batches < 3 || now_ms() - start < RUN_MS {
        let options = TransactionOptions::new().with_durability(durability);
        let tx = db
            .transaction("log")
            .with_mode(TransactionMode::Readwrite)
            .with_options(options)
            .build()
            .map_err(js_error)?;
        let store = tx.object_store("log").map_err(js_error)?;
        let mut puts = Vec::with_capacity(batch);
        for _ in 0..batch {
            let bytes: JsValue = Uint8Array::from(value.as_slice()).into();
            puts.push(store.put(bytes).with_key(done as f64).primitive().map_err(js_error)?);
            done += 1;
        }
        tx.commit().await.map_err(js_error)?;
        for put in puts {
            put.await.map_err(js_error)?;
        }
        batches += 1;
    }
    let rate = done as f64 / ((now_ms() - start) / 1000.0);
    db.close();
    Database::delete_by_name(&name).map_err(js_error)?.await.map_err(js_error)?;
    Ok(rate)
}

async fn log_appends(batch: usize, durability: Durability) -> Result<(f64, f64), JsValue> {
    let sheet = format!("bench-log-{}", (js_sys::Math::random() * 1e12) as u64);
    let db = SheetDatabase::open(&sheet, IdbOptions { durability, ..IdbOptions::default() }).await.map_err(js_error)?;
    let log = IdbEventLog::new(db.clone());
    let (mut next, start) = (0u64, now_ms());
    let mut batches = 0;
    while batches < 3 || now_ms() - start < RUN_MS {
        let appends = (next..next + batch as u64).map(|seq| log.add_entry(entry(seq), seq, None));
        for result in join_all(appends).await {
            result.map_err(js_error)?;
        }
        next += batch as u64;
        batches += 1;
    }
    let rate = next as f64 / ((now_ms() - start) / 1000.0);
    let per_commit = next as f64 / log.append_commits().max(1) as f64;
    db.close();
    SheetDatabase::delete(&sheet).await.map_err(js_error)?;
    Ok((rate, per_commit))
}

/// Raw IndexedDB put transactions of `batch` puts each (strict durability) for about 1.5 s:
/// puts per second. The physical limit the write benchmarks compare with.
///
/// # Errors
/// A JS `Error` when IndexedDB fails.
#[wasm_bindgen(js_name = benchRawPuts)]
pub async fn bench_raw_puts(batch: usize) -> Result<f64, JsValue> {
    raw_puts(batch.max(1), TransactionDurability::Strict).await
}

/// `IdbEventLog` appends issued `batch` at a time (strict durability, group-committed) for
/// about 1.5 s: appends per second.
///
/// # Errors
/// A JS `Error` when IndexedDB fails.
#[wasm_bindgen(js_name = benchLogAppends)]
pub async fn bench_log_appends(batch: usize) -> Result<f64, JsValue> {
    Ok(log_appends(batch.max(1), Durability::Strict).await?.0)
}

/// Runs the storage benchmark and returns its report as text (also logged line by line).
///
/// # Errors
/// A JS `Error` when IndexedDB fails.
#[wasm_bindgen(js_name = runStorageBenchmark)]
pub async fn run_storage_benchmark() -> Result<String, JsValue> {
    let mut report = Vec::new();
    let mut emit = |line: String| {
        log_line(&line);
        report.push(line);
    };
    emit(format!("entry size: {} bytes encoded; each figure runs >= {RUN_MS} ms", encode_entry(&entry(0)).len()));
    for (label, raw_durability, log_durability) in [
        ("strict", TransactionDurability::Strict, Durability::Strict),
        ("relaxed", TransactionDurability::Relaxed, Durability::Relaxed),
    ] {
        emit(format!("durability {label}"));
        emit("batch | raw puts/s | IdbEventLog appends/s | appends per commit | appends/raw".to_owned());
        for batch in BATCHES {
            let raw = raw_puts(batch, raw_durability).await?;
            let (log, per_commit) = log_appends(batch, log_durability).await?;
            emit(format!("{batch:>5} | {raw:>10.0} | {log:>21.0} | {per_commit:>18.1} | {:>11.2}", log / raw));
        }
    }
    Ok(report.join("\n"))
}

/// `count` blobs of `size` incompressible bytes each (a xorshift stream seeded by `seed`).
fn random_blobs(count: usize, size: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut state = seed | 1;
    (0..count)
        .map(|_| {
            (0..size)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        })
        .collect()
}

/// Raw IndexedDB puts of `blobs` (strict durability), `per_transaction` puts per transaction,
/// into a fresh database: bytes per second. The physical limit of the blob write figures.
async fn raw_blob_puts(blobs: &[Vec<u8>], per_transaction: usize) -> Result<f64, JsValue> {
    let name = format!("sheetlog-bench-rawblobs-{}", (js_sys::Math::random() * 1e12) as u64);
    let db = Database::open(name.as_str())
        .with_version(1u32)
        .with_on_upgrade_needed(|_, db| db.create_object_store("blobs").build().map(drop))
        .await
        .map_err(js_error)?;
    let start = now_ms();
    for (chunk_index, chunk) in blobs.chunks(per_transaction.max(1)).enumerate() {
        let tx = db.transaction("blobs").with_mode(TransactionMode::Readwrite).build().map_err(js_error)?;
        let store = tx.object_store("blobs").map_err(js_error)?;
        let mut puts = Vec::with_capacity(chunk.len());
        for (i, bytes) in chunk.iter().enumerate() {
            let value: JsValue = Uint8Array::from(bytes.as_slice()).into();
            let key = format!("snapshots/1/{chunk_index}-{i}");
            puts.push(store.put(value).with_key(key).primitive().map_err(js_error)?);
        }
        tx.commit().await.map_err(js_error)?;
        for put in puts {
            put.await.map_err(js_error)?;
        }
    }
    let bytes: usize = blobs.iter().map(Vec::len).sum();
    let rate = bytes as f64 / ((now_ms() - start) / 1000.0);
    db.close();
    Database::delete_by_name(&name).map_err(js_error)?.await.map_err(js_error)?;
    Ok(rate)
}

/// `blobs` written into a fresh sheet's `IdbBlobStore` as tiles of one snapshot, either each
/// with its own `write_path` (all in flight at once: what snapshots did before `write_many`) or
/// with one `write_many`: bytes per second.
async fn store_blob_writes(blobs: &[Vec<u8>], many: bool) -> Result<f64, JsValue> {
    use sheetlog::blob::{write_path, BlobStore};
    let sheet = format!("bench-blobs-{}", (js_sys::Math::random() * 1e12) as u64);
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.map_err(js_error)?;
    let store = sheetlog::browser::IdbBlobStore::new(db.clone());
    let paths: Vec<String> = (0..blobs.len()).map(|i| format!("snapshots/1/{}-{}", i / 64, i % 64)).collect();
    let start = now_ms();
    if many {
        let batch: Vec<(&str, &[u8])> = paths.iter().zip(blobs).map(|(p, b)| (p.as_str(), b.as_slice())).collect();
        store.write_many(&batch).await.map_err(js_error)?;
    } else {
        for result in join_all(paths.iter().zip(blobs).map(|(p, b)| write_path(&store, p, b))).await {
            result.map_err(js_error)?;
        }
    }
    let bytes: usize = blobs.iter().map(Vec::len).sum();
    let rate = bytes as f64 / ((now_ms() - start) / 1000.0);
    db.close();
    SheetDatabase::delete(&sheet).await.map_err(js_error)?;
    Ok(rate)
}

/// The blob write benchmark (issue 9, item 5): snapshot-sized batches of incompressible tiles
/// written one `write_path` each, with one `BlobStore::write_many`, and as raw IndexedDB puts of
/// 64 KiB records 16 per transaction (the physical limit), in MB/s, three rounds each,
/// interleaved. Returns the report as text (also logged line by line).
///
/// # Errors
/// A JS `Error` when IndexedDB fails.
#[wasm_bindgen(js_name = runBlobWriteBenchmark)]
pub async fn run_blob_write_benchmark() -> Result<String, JsValue> {
    let mut report = Vec::new();
    let mut emit = |line: String| {
        log_line(&line);
        report.push(line);
    };
    let raw = random_blobs(128, 64 * 1024, 7);
    emit("round | tile size | tiles | raw 64 KiB x16 MB/s | write_path each MB/s | write_many MB/s | each/raw | many/raw".to_owned());
    for round in 1..=3 {
        for (size, count) in [(4 * 1024, 1024), (16 * 1024, 512), (64 * 1024, 128)] {
            let tiles = random_blobs(count, size, round * 1000 + size as u64);
            let limit = raw_blob_puts(&raw, 16).await? / 1e6;
            let each = store_blob_writes(&tiles, false).await? / 1e6;
            let many = store_blob_writes(&tiles, true).await? / 1e6;
            emit(format!(
                "{round:>5} | {:>6} KiB | {count:>5} | {limit:>19.1} | {each:>20.1} | {many:>15.1} | {:>8.2} | {:>8.2}",
                size / 1024,
                each / limit,
                many / limit
            ));
        }
    }
    Ok(report.join("\n"))
}

/// What the engine behind `data` holds in memory (benchmark builds only): edit layer changes,
/// pending edits, cached tiles and their bytes, as text.
#[wasm_bindgen(js_name = engineStats)]
pub fn engine_stats(data: &sheetlog::api::SpreadsheetData) -> String {
    format!("{:?}", data.engine_stats())
}

/// Bytes sheet `name` stores, by kind (benchmark builds only), read through a connection of its
/// own to the sheet's database, as a JSON object:
/// `{logEntries, logBytes, snapshotBytes, snapshotBlobs, historyBytes, historyBlobs, otherBytes,
/// latestSnapshotBytes}`, the last being one snapshot of the sheet as it is (the latest index and
/// the tiles it references). Reads every blob.
///
/// # Errors
/// A JS `Error` when storage fails.
#[wasm_bindgen(js_name = storageBreakdown)]
pub async fn storage_breakdown(name: String) -> Result<String, JsValue> {
    let db = SheetDatabase::open(&name, IdbOptions::default()).await.map_err(js_error)?;
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));
    let result = breakdown(&log, &blobs).await.map_err(js_error);
    db.close();
    result
}

async fn breakdown<L: sheetlog::log::EventLog, B: sheetlog::blob::BlobStore>(
    log: &L,
    blobs: &B,
) -> Result<String, sheetlog::engine::EngineError> {
    use sheetlog::blob::{BlobDir, EntryKind};
    let info = sheetlog::engine::lifecycle::storage_info(log, blobs).await?;
    let log_bytes = {
        let bounds = log.bounds().await?;
        let mut bytes = 0u64;
        let mut next = bounds.start;
        while next < bounds.end {
            let page = log.query(sheetlog::log::QueryFrom::Seq(next), sheetlog::log::QueryTo::End, None).await?;
            if page.entries.is_empty() {
                break;
            }
            bytes += page.entries.iter().map(|e| encode_entry(e).len() as u64).sum::<u64>();
            next = page.next();
        }
        bytes
    };
    let mut totals = std::collections::BTreeMap::<String, (u64, u64)>::new();
    let mut dirs = vec![(blobs.root(), String::new())];
    while let Some((dir, top)) = dirs.pop() {
        let mut continuation = None;
        loop {
            let page = dir.list(continuation.as_ref()).await?;
            for entry in page.entries {
                let top = if top.is_empty() { entry.name.clone() } else { top.clone() };
                match entry.kind {
                    EntryKind::Blob => {
                        let bytes = dir.read(&entry.name).await?.len() as u64;
                        let slot = totals.entry(top).or_default();
                        slot.0 += 1;
                        slot.1 += bytes;
                    }
                    EntryKind::Dir => dirs.push((dir.dir(&entry.name).await?, top)),
                }
            }
            match page.continuation {
                Some(next) => continuation = Some(next),
                None => break,
            }
        }
    }
    // One snapshot of the sheet as it is: the latest index and the tiles it references.
    let mut latest_bytes = 0u64;
    if let Some((info, index)) = sheetlog::engine::workflow::latest_snapshot(log, blobs).await? {
        latest_bytes += sheetlog::engine::read_path(blobs, &info.snapshot).await?.len() as u64;
        for path in index.layers.iter().flat_map(|l| l.tiles.values()) {
            latest_bytes += sheetlog::engine::read_path(blobs, path).await?.len() as u64;
        }
    }
    let get = |k: &str| totals.get(k).copied().unwrap_or_default();
    let other: u64 =
        totals.iter().filter(|(k, _)| k.as_str() != "snapshots" && k.as_str() != "history").map(|(_, v)| v.1).sum();
    Ok(format!(
        "{{\"logEntries\":{},\"logBytes\":{},\"snapshotBlobs\":{},\"snapshotBytes\":{},\"historyBlobs\":{},\"historyBytes\":{},\"otherBytes\":{},\"latestSnapshotBytes\":{}}}",
        info.log_entries,
        log_bytes,
        get("snapshots").0,
        get("snapshots").1,
        get("history").0,
        get("history").1,
        other,
        latest_bytes
    ))
}
