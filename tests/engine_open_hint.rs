//! The open hint (`EngineOptions::open_hint`, `Engine::open_hint`): a reload reads the hinted
//! index and tiles beside the log's query, not after it, and a hint that is wrong, stale or
//! damaged changes nothing shown. The model test (`engine_model.rs`) also reopens clients with
//! hints of earlier steps.
#![cfg(not(target_arch = "wasm32"))]

mod engine_common;

use std::rc::Rc;

use engine_common::{small_tiles, CountingBlobs, FlakyLog, Harness};
use sheetlog::engine::{ContentVersion, Engine, LoadStatus, OpenHint, Viewport, MAX_HINT_TILES};
use sheetlog::log::SequenceId;
use sheetlog::model::CellValue;

type TestEngine = Engine<FlakyLog, CountingBlobs>;

/// Rows 0..8 and columns 0..3 at 30 x 100 px: tiles (0, 0) and (1, 0) of 4 x 4 cells.
const VIEW: Viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 350.0, height: 230.0 };

fn num(n: f64) -> Option<CellValue> {
    Some(CellValue::Number(n))
}

/// Opens an engine with snapshots every 10 entries and the viewport [`VIEW`].
fn open(h: &mut Harness, log: &FlakyLog, blobs: &CountingBlobs, hint: OpenHint) -> TestEngine {
    let mut options = small_tiles(10);
    options.viewport = Some(VIEW);
    options.open_hint = hint;
    h.open(log.clone(), blobs.clone(), options)
}

/// A sheet of 20 x 6 cells (value `row * 10 + col + base`) written through one engine, with the
/// snapshots its interval asked for; returns the engine's hint for [`VIEW`].
fn fill(h: &mut Harness, log: &FlakyLog, blobs: &CountingBlobs, base: f64) -> OpenHint {
    let writer = open(h, log, blobs, OpenHint::default());
    for row in 0..20 {
        for col in 0..6 {
            h.run(writer.set_cell(row, col, num((row * 10 + col) as f64 + base), None)).expect("write");
        }
    }
    assert!(writer.snapshot().log_info().snapshot_sequence_id.is_some(), "a snapshot was written");
    let hint = writer.open_hint(Some(VIEW));
    writer.close();
    hint
}

/// Every cell of the sheet, read after the viewport is widened to all of it.
fn cells(h: &mut Harness, engine: &TestEngine) -> Vec<Option<f64>> {
    engine.set_viewport(None);
    h.run(async {});
    let v: Rc<ContentVersion> = engine.snapshot();
    assert_eq!(*v.load_status(), LoadStatus::Ready);
    (0..22)
        .flat_map(|r| (0..8).map(move |c| (r, c)))
        .map(|(r, c)| match v.cell(r, c).and_then(|c| c.value) {
            Some(CellValue::Number(n)) => Some(n),
            None => None,
            other => panic!("({r}, {c}) holds {other:?}"),
        })
        .collect()
}

#[test]
fn the_hint_names_the_snapshot_and_the_tiles_under_the_viewport() {
    let mut h = Harness::new();
    let (log, blobs) = (FlakyLog::default(), CountingBlobs::default());
    let hint = fill(&mut h, &log, &blobs, 0.0);
    let index = hint.index.clone().expect("an index path");
    assert!(index.starts_with("snapshots/") && index.ends_with("/index"), "{index}");
    // Tiles not written since an earlier snapshot keep that snapshot's path.
    let keys: Vec<&str> = hint.tiles.iter().filter_map(|p| p.strip_prefix("snapshots/")?.rsplit('/').next()).collect();
    assert_eq!(keys, ["0-0", "1-0"], "the two tiles under the viewport: {:?}", hint.tiles);
    let reader = open(&mut h, &log, &blobs, OpenHint::default());
    assert!(reader.open_hint(None).tiles.is_empty(), "no tiles for the whole sheet");
    assert_eq!(reader.snapshot_path().as_deref(), Some(index.as_str()));
}

#[test]
fn a_reload_reads_the_hinted_blobs_before_the_log_answers_and_not_again() {
    let mut h = Harness::new();
    let (log, blobs) = (FlakyLog::default(), CountingBlobs::default());
    let hint = fill(&mut h, &log, &blobs, 0.0);
    let wanted: Vec<String> = hint.index.iter().chain(&hint.tiles).cloned().collect();

    for hinted in [false, true] {
        blobs.reads.borrow_mut().clear();
        log.hold_queries();
        let mut options = small_tiles(10);
        options.viewport = Some(VIEW);
        options.open_hint = if hinted { hint.clone() } else { OpenHint::default() };
        let (engine, loaded) = Engine::start(log.clone(), blobs.clone(), Rc::new(NoHost), h.runtime(), options);
        h.pool.run_until_stalled();
        let early = blobs.reads.borrow().clone();
        if hinted {
            assert_eq!(early, wanted, "the index and the tiles, read while the log's query waits");
        } else {
            assert!(early.is_empty(), "without a hint nothing is read before the log answers: {early:?}");
        }
        log.release_queries();
        h.run(loaded).expect("open");
        let v = engine.snapshot();
        assert_eq!(*v.load_status(), LoadStatus::Ready);
        assert_eq!(v.cell(7, 3).and_then(|c| c.value), num(73.0));
        let reads = blobs.reads.borrow().clone();
        for path in &wanted {
            assert_eq!(reads.iter().filter(|p| *p == path).count(), 1, "{path} read once ({hinted}): {reads:?}");
        }
        engine.close();
    }
}

#[test]
fn a_stale_wrong_or_damaged_hint_changes_nothing_shown() {
    let mut h = Harness::new();
    let (log, blobs) = (FlakyLog::default(), CountingBlobs::default());
    let first = fill(&mut h, &log, &blobs, 0.0);
    // The sheet moves on: every cell rewritten, newer snapshots; `first` is now stale.
    let current = fill(&mut h, &log, &blobs, 1000.0);
    assert_ne!(first.index, current.index, "a newer snapshot");
    let expected = {
        let engine = open(&mut h, &log, &blobs, OpenHint::default());
        cells(&mut h, &engine)
    };
    assert_eq!(expected[0], Some(1000.0));
    let index = current.index.clone().expect("an index");
    let hints = [
        first.clone(),
        // The current index given as a tile, tiles given as the index, missing and invalid paths.
        OpenHint { index: current.tiles.first().cloned(), tiles: vec![index.clone(), "snapshots/1/9-9".into()] },
        OpenHint { index: Some("snapshots/77/index".into()), tiles: vec!["a//b".into(), String::new()] },
        OpenHint { index: Some("/".into()), tiles: first.tiles.iter().chain(&current.tiles).cloned().collect() },
        OpenHint { index: Some(index), tiles: (0..MAX_HINT_TILES * 2).map(|i| format!("x/{i}")).collect() },
    ];
    for hint in hints {
        let engine = open(&mut h, &log, &blobs, hint.clone());
        assert_eq!(*engine.snapshot().load_status(), LoadStatus::Ready, "{hint:?}");
        assert_eq!(cells(&mut h, &engine), expected, "{hint:?}");
        engine.close();
    }
}

/// A workflow host that never runs: these tests write their snapshots through other engines.
struct NoHost;

impl sheetlog::engine::WorkflowHost for NoHost {
    fn run(
        &self,
        _seq: SequenceId,
        _workflow: sheetlog::log::Workflow,
    ) -> futures_util::future::LocalBoxFuture<'static, Result<(), sheetlog::engine::EngineError>> {
        Box::pin(std::future::pending())
    }
}
