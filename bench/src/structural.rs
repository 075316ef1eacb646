//! The structural-edit benchmark (the `sheetlog-bench` crate; issue 5): a sheet of 1,000,000 rows x 10
//! columns of numbers stored in a snapshot; then `insert_rows(0, 1)` until visible, the bytes of
//! the next snapshot against a full one, cold open-to-ready of the top viewport after 100
//! structural edits spread over the sheet, and reads through 8 layers against 1. Run with
//! `scripts/bench-structural.sh`.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::{js_error, line, runtime};
use sheetlog::browser::timer::{now_ms, sleep};
use sheetlog::browser::{IdbBlobStore, IdbEventLog, IdbOptions, SheetDatabase};
use sheetlog::engine::workflow::{index_path, read_index, tile_path, WorkflowConfig};
use sheetlog::engine::{
    run_workflow_with, write_path, ContentVersion, Engine, EngineOptions, InThreadHost, LoadStatus, Viewport,
};
use sheetlog::log::{Entry, EventLog, Operation};
use sheetlog::model::CellValue;
use sheetlog::snapshot::{encode_index, encode_tile, CellContent, Layer, SnapshotIndex, Tile, TileKey, TileSize};

/// Rows and columns of the benchmark sheet.
pub(super) const ROWS: u64 = 1_000_000;
pub(super) const COLS: u64 = 10;

type BenchEngine = Engine<IdbEventLog, IdbBlobStore>;

async fn open(sheet: &str) -> Result<(BenchEngine, f64), JsValue> {
    let db = SheetDatabase::open(sheet, IdbOptions::default()).await.map_err(js_error)?;
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db));
    let viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 1500.0, height: 1200.0 };
    let options =
        EngineOptions { snapshot_interval: u64::MAX / 4, viewport: Some(viewport), ..EngineOptions::default() };
    let host = Rc::new(InThreadHost::new(log.clone(), blobs.clone(), options.tile_size).with_max_layers(usize::MAX));
    let start = now_ms();
    let engine = Engine::open(log, blobs, host, runtime(), options).await.map_err(js_error)?;
    while *engine.snapshot().load_status() == LoadStatus::Loading {
        sleep(1).await;
    }
    if let LoadStatus::Error(e) = engine.snapshot().load_status() {
        return Err(js_error(e));
    }
    Ok((engine, now_ms() - start))
}

/// Reads the 40 x 15 top viewport `rounds` times; returns cells per second.
fn read_rate(version: &ContentVersion, rounds: u32) -> f64 {
    let start = now_ms();
    let mut sum = 0.0;
    for _ in 0..rounds {
        for row in 0..40 {
            for col in 0..15 {
                version.with_cell(row, col, |c| {
                    if let Some(CellContent { value: Some(CellValue::Number(n)), .. }) = c {
                        sum += n;
                    }
                });
            }
        }
    }
    let cells = f64::from(rounds) * 600.0;
    // Keep `sum` alive so the loop is not optimised away.
    if sum < 0.0 {
        web_sys::console::log_1(&sum.into());
    }
    cells / ((now_ms() - start) / 1000.0)
}

/// Writes the snapshot on a fresh entry (covering every entry before it) and returns its bytes.
async fn snapshot(engine: &BenchEngine) -> Result<usize, JsValue> {
    let log = engine.log();
    let end = log.bounds().await.map_err(js_error)?.end;
    log.add_entry(Entry::new(Operation::SetCells(Vec::new())), end, None).await.map_err(js_error)?;
    let config = WorkflowConfig { max_layers: usize::MAX, ..WorkflowConfig::default() };
    let report = run_workflow_with(log, engine.blobs(), end, sheetlog::log::Workflow::Snapshot, config, 0)
        .await
        .map_err(js_error)?
        .ok_or_else(|| js_error("no snapshot report"))?;
    engine.sync().await.map_err(js_error)?;
    Ok(report.bytes_written)
}

/// Writes the 1,000,000 x 10 sheet of numbers (cell (r, c) holds `r * 10 + c`) as a snapshot in
/// 64 x 16 tiles on entry 0 of an empty log; returns the snapshot's bytes.
pub(super) async fn write_full_sheet(log: &IdbEventLog, blobs: &IdbBlobStore) -> Result<usize, JsValue> {
    let size = TileSize::DEFAULT;
    let mut tiles = std::collections::BTreeMap::new();
    let mut full_bytes = 0usize;
    for tile_row in 0..ROWS.div_ceil(u64::from(size.rows())) {
        let key = TileKey { tile_row, tile_col: 0 };
        let mut tile = Tile::new(key, size);
        for r in 0..size.rows() {
            let row = tile_row * u64::from(size.rows()) + u64::from(r);
            if row >= ROWS {
                break;
            }
            for c in 0..COLS as u32 {
                let value = Some(CellValue::Number((row * COLS + u64::from(c)) as f64));
                tile.set(r, c, CellContent { value, format: None }).map_err(js_error)?;
            }
        }
        let bytes = encode_tile(&tile);
        full_bytes += bytes.len();
        let path = tile_path(0, key);
        write_path(blobs, &path, &bytes).await.map_err(js_error)?;
        tiles.insert(key, path);
    }
    let index = SnapshotIndex {
        seq: 0,
        row_count: ROWS,
        col_count: COLS,
        tile_size: size,
        layers: vec![Layer { tiles, ..Layer::default() }],
        sizes: Default::default(),
    };
    let encoded = encode_index(&index);
    full_bytes += encoded.len();
    write_path(blobs, &index_path(0), &encoded).await.map_err(js_error)?;
    let mut entry = Entry::new(Operation::SetCells(Vec::new()));
    entry.metadata.snapshot = Some(index_path(0));
    log.add_entry(entry, 0, None).await.map_err(js_error)?;
    Ok(full_bytes)
}

/// Runs the structural-edit benchmark and returns its report (also logged line by line).
///
/// # Errors
/// A JS `Error` when IndexedDB fails.
#[wasm_bindgen(js_name = runStructuralBenchmark)]
pub async fn run_structural_benchmark() -> Result<String, JsValue> {
    let mut report = Vec::new();
    let sheet = format!("bench-structural-{}", (js_sys::Math::random() * 1e12) as u64);
    let db = SheetDatabase::open(&sheet, IdbOptions::default()).await.map_err(js_error)?;
    let (log, blobs) = (IdbEventLog::new(db.clone()), IdbBlobStore::new(db.clone()));

    let start = now_ms();
    let full_bytes = write_full_sheet(&log, &blobs).await?;
    db.close();
    line(
        &mut report,
        format!(
            "sheet: {ROWS} rows x {COLS} columns; full snapshot {full_bytes} bytes, written in {:.1} s",
            (now_ms() - start) / 1000.0
        ),
    );

    let (engine, open_one) = open(&sheet).await?;
    line(&mut report, format!("cold open-to-ready, top viewport, 1 layer: {open_one:.1} ms"));
    let one_layer = read_rate(&engine.snapshot(), 2000);

    // insertRows(0, 1): visible in the next version, before it is durable.
    let before = engine.snapshot().cell(0, 0);
    let t = now_ms();
    let durable = engine.insert_rows(0, 1);
    let visible = engine.snapshot().cell(1, 0) == before && engine.snapshot().cell(0, 0).is_none();
    let visible_ms = now_ms() - t;
    durable.await.map_err(js_error)?;
    line(&mut report, format!("insert_rows(0, 1) visible in snapshot(): {visible_ms:.3} ms (shifted: {visible})"));
    let next_bytes = snapshot(&engine).await?;
    line(
        &mut report,
        format!(
            "next snapshot after the insert: {next_bytes} bytes = {:.4}% of the full snapshot",
            next_bytes as f64 * 100.0 / full_bytes as f64
        ),
    );

    // 99 more structural edits spread over the sheet, a snapshot after every 17: 8 layers.
    for i in 1..100u64 {
        let at = i * (ROWS / 100);
        let edit = match i % 4 {
            0 => engine.insert_rows(at, 2),
            1 => engine.delete_rows(at, 1),
            2 => engine.insert_columns(3, 1),
            _ => engine.delete_columns(3, 1),
        };
        edit.await.map_err(js_error)?;
        if i % 17 == 0 {
            snapshot(&engine).await?;
        }
    }
    snapshot(&engine).await?;
    let latest = engine
        .log()
        .query(sheetlog::log::QueryFrom::Snapshot, sheetlog::log::QueryTo::End, None)
        .await
        .map_err(js_error)?;
    let layers = match latest.latest_snapshot {
        Some(info) => read_index(engine.blobs(), &info.snapshot).await.map_err(js_error)?.layers.len(),
        None => 0,
    };
    engine.close();
    let (fresh, open_layers) = open(&sheet).await?;
    line(
        &mut report,
        format!("cold open-to-ready, top viewport, after 100 structural edits ({layers} layers): {open_layers:.1} ms"),
    );
    let many_layers = read_rate(&fresh.snapshot(), 2000);
    line(
        &mut report,
        format!(
            "reads of the top viewport: 1 layer {one_layer:.0} cells/s, {layers} layers {many_layers:.0} cells/s, ratio {:.2}",
            many_layers / one_layer
        ),
    );
    fresh.close();
    SheetDatabase::delete(&sheet).await.map_err(js_error)?;
    Ok(report.join("\n"))
}
