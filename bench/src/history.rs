//! The time-travel benchmark (the `sheetlog-bench` crate; the time-travel issue): the 1,000,000 x 10 sheet
//! of the structural benchmark, then 100,000 entries of history written through the engine
//! (cell writes to random cells of the first 20,000 rows, appended 1,000 per transaction) with
//! its snapshots, compactions, history blobs, truncation and garbage collection running in
//! thread at the default retention. Then: `version_at` to 20 random past sequence ids until the
//! top viewport is ready (median and max, with the entries each replayed), next to reading the
//! same entries from storage alone; and `undo()` of a 10,000-row deletion, visible and
//! durable. Run with `scripts/bench-history.sh`.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::structural::{write_full_sheet, COLS, ROWS};
use super::{js_error, line, runtime};
use sheetlog::browser::timer::{now_ms, sleep};
use sheetlog::browser::{IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::engine::lifecycle::history_between;
use sheetlog::engine::{Engine, EngineOptions, InThreadHost, LoadStatus, Viewport};
use sheetlog::log::EventLog;
use sheetlog::model::CellValue;

/// Rows the history's writes fall in.
const EDITED_ROWS: u64 = 20_000;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % below.max(1)
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs the time-travel benchmark and returns its report (also logged line by line).
///
/// # Errors
/// A JS `Error` when IndexedDB fails.
#[wasm_bindgen(js_name = runHistoryBenchmark)]
pub async fn run_history_benchmark(history: u32) -> Result<String, JsValue> {
    let history = u64::from(history.max(2_000));
    let mut report = Vec::new();
    let sheet = format!("bench-history-{}", (js_sys::Math::random() * 1e12) as u64);
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.map_err(js_error)?;
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));
    let start = now_ms();
    let full_bytes = write_full_sheet(&log, &blobs).await?;
    line(
        &mut report,
        format!("sheet: {ROWS} x {COLS}, snapshot {full_bytes} bytes, written in {:.1} s", (now_ms() - start) / 1000.0),
    );

    let viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 1500.0, height: 1200.0 };
    let options = EngineOptions { viewport: Some(viewport), ..EngineOptions::default() };
    let clock: sheetlog::engine::Clock = Rc::new(|| js_sys::Date::now() as u64);
    let host = Rc::new(InThreadHost::new(log.clone(), blobs.clone(), options.tile_size).with_clock(clock));
    let engine = Engine::open(log.clone(), blobs.clone(), host, runtime(), options).await.map_err(js_error)?;

    // 100,000 entries, 1,000 issued at a time (one append each), each batch followed by the
    // workflows it made due (snapshot, history, GC), as they keep up at a person's pace.
    let start = now_ms();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut written = 0u64;
    while written < history {
        let mut last = None;
        for _ in 0..1000 {
            let (row, col) = (rng.next(EDITED_ROWS), rng.next(COLS));
            let value = Some(CellValue::Number(-(written as f64)));
            last = Some(engine.set_cell(row, col, value, None));
            written += 1;
        }
        if let Some(last) = last {
            last.await.map_err(js_error)?;
        }
        sleep(20).await;
        while engine.snapshot().log_info().workflow.is_some() {
            sleep(5).await;
        }
    }
    let end = engine.snapshot().log_info().sequence_id;
    let info = engine.storage_info().await.map_err(js_error)?;
    line(
        &mut report,
        format!(
            "history: {history} entries written in {:.1} s; log keeps {} entries, {} blobs, {:.1} MiB",
            (now_ms() - start) / 1000.0,
            info.log_entries,
            info.blobs,
            info.bytes as f64 / 1_048_576.0
        ),
    );
    let catalog = sheetlog::engine::lifecycle::read_catalog(&blobs).await.map_err(js_error)?;
    let kept: Vec<String> = catalog.snapshots.iter().map(|(seq, _)| seq.to_string()).collect();
    line(&mut report, format!("checkpoints kept: {} ({})", kept.len(), kept.join(" ")));

    // versionAt to random past entries until the top viewport is ready.
    let mut times = Vec::new();
    let mut reads = Vec::new();
    let mut rng = Rng(42);
    for _ in 0..20 {
        let target = 1 + rng.next(end - 2);
        // Cold: no frame built for an earlier target helps this one.
        engine.forget_frames();
        let t = now_ms();
        let version = engine.version_at(target).await.map_err(js_error)?;
        let ms = now_ms() - t;
        if *version.load_status() != LoadStatus::Ready {
            return Err(js_error(format!("version at {target} not ready: {:?}", version.load_status())));
        }
        let checkpoint = version.log_info().snapshot_sequence_id.unwrap_or(0);
        let replayed = target + 1 - checkpoint;
        // The physical part: reading and decoding those entries from storage alone.
        let t = now_ms();
        let bounds = log.bounds().await.map_err(js_error)?;
        let from_history = bounds.start.min(target + 1).saturating_sub(checkpoint);
        if from_history > 0 {
            history_between(&blobs, checkpoint, checkpoint + from_history).await.map_err(js_error)?;
        }
        let read_ms = now_ms() - t;
        line(
            &mut report,
            format!(
                "versionAt({target}): {ms:.1} ms; checkpoint {checkpoint}, {replayed} entries replayed; reading them from history alone {read_ms:.1} ms"
            ),
        );
        times.push(ms);
        reads.push(read_ms);
    }
    let max = times.iter().copied().fold(0.0, f64::max);
    line(
        &mut report,
        format!(
            "versionAt, 20 random targets: median {:.1} ms, max {max:.1} ms (target < 100 ms); reading their entries alone: median {:.1} ms",
            median(times.clone()),
            median(reads)
        ),
    );

    // undo() of a 10,000-row deletion in the middle of the sheet.
    let at = ROWS / 2;
    let expected =
        Some(sheetlog::snapshot::CellContent { value: Some(CellValue::Number((at * COLS + 3) as f64)), format: None });
    engine.delete_rows(at, 10_000).await.map_err(js_error)?;
    let visible_at = Rc::new(Cell::new(0.0));
    let watch = {
        let (engine, visible_at) = (engine.clone(), visible_at.clone());
        Rc::new(move || {
            if visible_at.get() == 0.0 && engine.snapshot().cell(at, 3) == expected {
                visible_at.set(now_ms());
            }
        })
    };
    let listener = engine.subscribe(watch);
    let t = now_ms();
    let outcome = engine.undo().await.map_err(js_error)?;
    let durable = now_ms() - t;
    engine.unsubscribe(listener);
    let visible = visible_at.get() - t;
    let restored = engine.snapshot().cell(at + 9_999, 9)
        == Some(sheetlog::snapshot::CellContent {
            value: Some(CellValue::Number(((at + 9_999) * COLS + 9) as f64)),
            format: None,
        });
    line(
        &mut report,
        format!(
            "undo() of delete_rows({at}, 10000): visible {visible:.1} ms (target < 50 ms), durable {durable:.1} ms, {} entries, cells restored: {restored}",
            outcome.committed.map_or(0, |r| r.end - r.start)
        ),
    );
    engine.close();
    db.close();
    SheetDatabase::delete(&sheet).await.map_err(js_error)?;
    Ok(report.join("\n"))
}
