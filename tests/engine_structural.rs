//! Structural edits (DESIGN.md section 5 and appendix), natively over the memory stores.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use engine_common::{small_tiles, Harness};
use sheetlog::blob::MemoryBlobStore;
use sheetlog::engine::workflow::read_index;
use sheetlog::engine::{run_workflow, ContentVersion, Engine};
use sheetlog::log::{EventLog, MemoryEventLog, QueryFrom, QueryTo, Workflow};
use sheetlog::model::CellValue;
use sheetlog::snapshot::TileSize;

fn text(s: &str) -> Option<CellValue> {
    Some(CellValue::Text(s.into()))
}

fn num(n: f64) -> Option<CellValue> {
    Some(CellValue::Number(n))
}

fn row(v: &ContentVersion, r: u64, cols: u64) -> Vec<Option<CellValue>> {
    (0..cols).map(|c| v.cell(r, c).and_then(|c| c.value)).collect()
}

async fn set(e: &Engine<MemoryEventLog, MemoryBlobStore>, a1: &str, value: Option<CellValue>) {
    let cell: sheetlog::model::CellRef = a1.parse().unwrap();
    e.set_cell(cell.row, cell.col, value, None).await.unwrap();
}

async fn snapshot_now(log: &MemoryEventLog, blobs: &MemoryBlobStore) -> u64 {
    // The snapshot goes on the last entry and reflects the entries before it; append a no-op
    // entry first so that it covers everything.
    let end = log.bounds().await.unwrap().end;
    let last = sheetlog::log::Entry::new(sheetlog::log::Operation::SetCells(Vec::new()));
    log.add_entry(last, end, None).await.unwrap();
    run_workflow(log, blobs, end, Workflow::Snapshot, TileSize::new(4, 4).unwrap()).await.unwrap();
    end
}

#[test]
fn the_worked_example_of_the_design() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    let first = h.run(async {
        for (a1, v) in [("A1", "Mon"), ("C1", "Wed"), ("B2", "Feb"), ("D2", "Apr")] {
            set(&engine, a1, text(v)).await;
        }
        set(&engine, "A3", num(2020.0)).await;
        set(&engine, "C3", num(2022.0)).await;
        snapshot_now(&log, &blobs).await
    });
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    let second = h.run(async {
        for (a1, v) in [("B1", "Tue"), ("D1", "Thu"), ("A2", "Jan"), ("C2", "Mar")] {
            set(&engine, a1, text(v)).await;
        }
        engine.insert_rows(1, 1).await.unwrap();
        for (a1, v) in [("A2", "Red"), ("B2", "Orange"), ("C2", "Yellow"), ("D2", "Green")] {
            set(&engine, a1, text(v)).await;
        }
        set(&engine, "B4", num(2021.0)).await;
        engine.delete_columns(2, 1).await.unwrap();
        set(&engine, "C4", num(2023.0)).await;
        snapshot_now(&log, &blobs).await
    });
    let expected = [
        vec![text("Mon"), text("Tue"), text("Thu")],
        vec![text("Red"), text("Orange"), text("Green")],
        vec![text("Jan"), text("Feb"), text("Apr")],
        vec![num(2020.0), num(2021.0), num(2023.0)],
    ];
    let check = |v: &ContentVersion, who: &str| {
        for (r, want) in expected.iter().enumerate() {
            assert_eq!(&row(v, r as u64, 3), want, "{who}: row {}", r + 1);
        }
        assert_eq!((v.row_count(), v.column_count()), (4, 3), "{who}: counts");
    };
    check(&engine.snapshot(), "the writer");
    let fresh = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    assert_eq!(fresh.snapshot().log_info().snapshot_sequence_id, Some(second));
    check(&fresh.snapshot(), "a fresh client");

    // The second snapshot added a layer with the transform; the first layer's tile was kept.
    let index = h.run(read_index(&blobs, &format!("snapshots/{second}/index"))).unwrap();
    assert_eq!(index.layers.len(), 2);
    assert_eq!(index.layers[0].tiles.values().collect::<Vec<_>>(), vec![&format!("snapshots/{first}/0-0")]);
    let transform = &index.layers[1].transform;
    assert_eq!(transform.rows.inserted().collect::<Vec<_>>(), vec![(1, 1)]);
    assert_eq!(transform.cols.deleted().collect::<Vec<_>>(), vec![(2, 1)]);
    // New C4 (row 3, column 2) maps to old row 2, column 3: the old layer's D3.
    assert_eq!((transform.rows.new_to_old(3), transform.cols.new_to_old(2)), (Some(2), Some(3)));

    // Compacting keeps every value and leaves one layer.
    h.run(run_workflow(&log, &blobs, second, Workflow::Compact, TileSize::new(4, 4).unwrap())).unwrap();
    let entry = h.run(log.query(QueryFrom::Seq(second), QueryTo::Seq(second + 1), None)).unwrap().entries.remove(0);
    let compacted = h.run(read_index(&blobs, entry.metadata.snapshot.as_deref().unwrap())).unwrap();
    assert_eq!(compacted.layers.len(), 1);
    check(&h.open(log, blobs, small_tiles(1000)).snapshot(), "a client after compaction");
}

#[test]
fn an_insert_is_visible_at_once_and_held_versions_keep_old_positions() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    h.run(engine.set_cell(5, 0, num(7.0), None)).unwrap();
    let before = engine.snapshot();
    let inserted = engine.insert_rows(2, 3);
    let pending = engine.snapshot();
    assert_eq!(pending.cell(8, 0).and_then(|c| c.value), num(7.0), "visible before it is durable");
    assert_eq!(pending.cell(5, 0), None);
    assert_eq!(pending.row_count(), 9);
    h.run(inserted).unwrap();
    let after = engine.snapshot();
    assert_eq!(after.cell(8, 0).and_then(|c| c.value), num(7.0));
    assert_eq!(before.cell(5, 0).and_then(|c| c.value), num(7.0), "the held version keeps the old position");
    assert_eq!(before.row_count(), 6);
    h.run(engine.delete_rows(0, 8)).unwrap();
    assert_eq!(engine.snapshot().cell(0, 0).and_then(|c| c.value), num(7.0));
    assert_eq!(engine.snapshot().row_count(), 1);
    assert!(h.run(engine.insert_rows(0, 0)).is_err(), "a count of 0 is a validation error");
}

#[test]
fn snapshots_past_the_layer_bound_are_compacted_by_a_workflow() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open_layered(log.clone(), blobs.clone(), small_tiles(2), 3);
    for i in 0..12u64 {
        h.run(engine.set_cell(0, 0, num(i as f64), None)).unwrap();
        h.run(engine.insert_rows(0, 1)).unwrap();
    }
    let latest = h.run(log.query(QueryFrom::Snapshot, QueryTo::End, None)).unwrap().latest_snapshot.unwrap();
    let index = h.run(read_index(&blobs, &latest.snapshot)).unwrap();
    assert!(index.layers.len() <= 3, "compaction keeps the layers bounded: {}", index.layers.len());
    let fresh = h.open(log, blobs, small_tiles(2));
    let v = fresh.snapshot();
    // Value i was written at row 0, then 12 - i rows were inserted above it.
    for i in 0..12u64 {
        assert_eq!(v.cell(12 - i, 0).and_then(|c| c.value), num(i as f64), "value {i}");
    }
    assert_eq!(v.cell(0, 0), None);
    assert_eq!(v.row_count(), 13);
}

#[test]
fn no_version_shows_the_engine_idle_between_a_snapshot_and_its_compaction() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open_layered(log.clone(), blobs.clone(), small_tiles(2), 1);
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let (e, s) = (engine.clone(), seen.clone());
    engine.subscribe(std::rc::Rc::new(move || s.borrow_mut().push(e.snapshot().log_info().workflow)));
    for i in 0..6u64 {
        h.run(engine.set_cell(0, 0, num(i as f64), None)).unwrap();
        h.run(engine.insert_rows(0, 1)).unwrap();
    }
    let seen = seen.borrow();
    assert!(seen.contains(&Some(Workflow::Compact)), "a compaction ran: {seen:?}");
    for pair in seen.windows(2) {
        if pair[1] == Some(Workflow::Compact) {
            assert_ne!(pair[0], None, "the snapshot hands over to its compaction: {seen:?}");
        }
    }
    assert_eq!(seen.last(), Some(&None), "idle at the end");
}

/// Compaction costs O(populated tiles), not O(extent) (issue 12, item 2): a sheet with cells at
/// row 0 and near row 2^53 (the last index), layered by an insert, compacts to the same values
/// (before, it visited every tile position of the extent: about 2^47 of them, for ever).
#[test]
fn compaction_of_a_sheet_with_a_cell_near_the_last_row_visits_only_populated_tiles() {
    let mut h = Harness::new();
    let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
    let engine = h.open(log.clone(), blobs.clone(), small_tiles(1000));
    let far = (1u64 << 53) - 10;
    let second = h.run(async {
        engine.set_cell(0, 0, num(1.0), None).await.unwrap();
        engine.set_cell(far, 1, num(2.0), None).await.unwrap();
        snapshot_now(&log, &blobs).await;
        engine.insert_rows(1, 2).await.unwrap();
        engine.set_cell(2, 0, num(3.0), None).await.unwrap();
        snapshot_now(&log, &blobs).await
    });
    let index = h.run(read_index(&blobs, &format!("snapshots/{second}/index"))).unwrap();
    assert_eq!(index.layers.len(), 2, "the insert added a layer");
    h.run(run_workflow(&log, &blobs, second, Workflow::Compact, TileSize::new(4, 4).unwrap())).unwrap();
    let entry = h.run(log.query(QueryFrom::Seq(second), QueryTo::Seq(second + 1), None)).unwrap().entries.remove(0);
    let compacted = h.run(read_index(&blobs, entry.metadata.snapshot.as_deref().unwrap())).unwrap();
    assert_eq!(compacted.layers.len(), 1);
    let keys: Vec<_> = compacted.layers[0].tiles.keys().map(|k| (k.tile_row, k.tile_col)).collect();
    // Rows 0 and 2 share tile row 0; the far cell moved down 2 rows, to tile row (far + 2) / 4.
    assert_eq!(keys, vec![(0, 0), ((far + 2) / 4, 0)]);
    let fresh = h.open(log, blobs, small_tiles(1000));
    let v = fresh.snapshot();
    assert_eq!(v.cell(0, 0).and_then(|c| c.value), num(1.0));
    assert_eq!(v.cell(2, 0).and_then(|c| c.value), num(3.0));
    assert_eq!(v.cell(far + 2, 1).and_then(|c| c.value), num(2.0), "the far cell moved down by the insert");
    assert_eq!(v.cell(far, 1), None);
}
