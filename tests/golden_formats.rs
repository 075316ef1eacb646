//! Golden bytes of every stored format version (issue 12 item 7; STYLE.md habit 12): log
//! entries v1 and v2 (with the `SetItemSizes` operation, tag 7), tiles v1, snapshot indexes
//! v1 and v2 (with row heights and column widths), and the lifecycle records v1 (history
//! blobs, the catalog, client leases).
//!
//! The files under `tests/golden/<format>/` are the reference. They were written once by
//! [`write_golden_fixtures`] (ignored; it never runs in `cargo test`), and the entry v1 and tile
//! and index v1 files were checked against the encoders of the build before entry format v2. If
//! a test here fails, a change broke data already stored in users' browsers: fix the code, never
//! the fixture. A new format version gets new fixtures beside the old ones, which stay.
//!
//! Each format has a list of `(file name, value)`: every fixture must decode to its value, and
//! (for the formats still written) the value must encode to exactly the fixture's bytes.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::PathBuf;

use sheetlog::log::{
    decode_entry, encode_entry, CellWrite, Entry, ImportLayer, Metadata, Operation, Origin, Workflow, ENTRY_FORMAT_V1,
    ENTRY_FORMAT_VERSION,
};
use sheetlog::model::{Axis, CellRange, CellRef, CellValue, ErrorCode, Format, SizeRun, MAX_INDEX};
use sheetlog::snapshot::{
    decode_catalog, decode_history, decode_index, decode_lease, decode_tile, decode_undo_record, encode_catalog,
    encode_history, encode_index, encode_lease, encode_tile, encode_undo_record, AxisTransform, Catalog, CellContent,
    HistoryBlob, ItemSizes, Layer, Lease, SheetSizes, SnapshotIndex, Tile, TileKey, TileSize, Transform, UndoRecord,
};

const ENTRY_V1: &str = "entry_v1";
const ENTRY_V2: &str = "entry_v2";
const TILE_V1: &str = "tile_v1";
const INDEX_V1: &str = "index_v1";
const INDEX_V2: &str = "index_v2";

/// The tile grid of the fixtures that use one, pinned: the bytes must not follow
/// [`TileSize::DEFAULT`], which changed from this size to 256 x 32 after they were written.
fn golden_tile_size() -> TileSize {
    TileSize::new(64, 16).expect("64 x 16 is a valid tile size")
}
const HISTORY_V1: &str = "history_v1";
const CATALOG_V1: &str = "catalog_v1";
const LEASE_V1: &str = "lease_v1";
const UNDO_V1: &str = "undo_v1";

/// History blobs: the first of a chain, and a later one naming its previous.
fn histories_v1() -> Vec<(&'static str, HistoryBlob)> {
    let entries: Vec<Vec<u8>> = entries_v2()
        .into_iter()
        .take(4)
        .map(|(_, e)| encode_entry(&Entry { metadata: Metadata::default(), ..e }))
        .collect();
    vec![
        ("01_first", HistoryBlob { previous: None, first: 0, entries: entries.clone() }),
        ("02_chained", HistoryBlob { previous: Some("history/0-4".into()), first: 4, entries: entries[..2].to_vec() }),
        ("03_empty", HistoryBlob { previous: Some("history/4-6".into()), first: 6, entries: Vec::new() }),
    ]
}

fn catalogs_v1() -> Vec<(&'static str, Catalog)> {
    vec![
        ("01_new", Catalog::default()),
        (
            "02_with_history_and_snapshots",
            Catalog {
                history: Some((4_000, "history/3000-4000".into())),
                gc_at: 3_999,
                snapshots: vec![
                    (999, "snapshots/999/index".into()),
                    (2_999, "snapshots/2999/compact/index".into()),
                    (3_999, "snapshots/3999/index".into()),
                ],
            },
        ),
    ]
}

fn leases_v1() -> Vec<(&'static str, Lease)> {
    vec![
        ("01_no_base", Lease { client: 1, position: 0, base: None, expires_ms: 1_764_590_700_000 }),
        (
            "02_with_base",
            Lease {
                client: 7_227_762_278_400_001,
                position: 12_345,
                base: Some("snapshots/12000/index".into()),
                expires_ms: 1_764_590_700_000,
            },
        ),
    ]
}

fn undo_records_v1() -> Vec<(&'static str, UndoRecord)> {
    vec![
        ("01_empty", UndoRecord::default()),
        (
            "02_steps",
            UndoRecord {
                undo: vec![vec![(0, 1)], vec![(5, 6), (9, 12)], vec![(1 << 40, (1 << 40) + 3)]],
                redo: vec![vec![(20, 22)]],
            },
        ),
    ]
}

fn dir(format: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format)
}

fn fixture(format: &str, name: &str) -> Vec<u8> {
    let path = dir(format).join(format!("{name}.bin"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn format(s: &str) -> Option<Format> {
    Some(Format::new(s).expect("a valid format"))
}

fn text(s: &str) -> Option<CellValue> {
    Some(CellValue::Text(s.into()))
}

fn write(row: u64, col: u64, value: Option<CellValue>, format: Option<Format>) -> CellWrite {
    CellWrite { row, col, value, format }
}

fn with_metadata(
    operation: Operation,
    snapshot: Option<&str>,
    history: Option<&str>,
    pending: Option<Workflow>,
) -> Entry {
    let mut entry = Entry::new(operation);
    entry.metadata = Metadata { snapshot: snapshot.map(str::to_owned), history: history.map(str::to_owned), pending };
    entry
}

/// Entries of every operation kind, every value kind, formats and metadata, without origins.
fn operations() -> Vec<(&'static str, Entry)> {
    let plain = |operation| with_metadata(operation, None, None, None);
    vec![
        ("01_set_cell_number", plain(Operation::SetCell(write(0, 0, Some(CellValue::Number(103.0)), None)))),
        (
            "02_set_cell_text_and_format",
            plain(Operation::SetCell(write(12_345, 27, text("héllo, 世界 😀"), format("0.00")))),
        ),
        (
            "03_set_cells_every_value",
            plain(Operation::SetCells(vec![
                write(0, 0, None, format("@")),
                write(0, 1, Some(CellValue::Empty), None),
                write(0, 2, text(""), None),
                write(0, 3, text("a \"quoted\", text\n"), format("#,##0.00 €")),
                write(1, 0, Some(CellValue::Number(-0.5)), format("0%")),
                write(1, 1, Some(CellValue::Number(-0.0)), None),
                write(1, 2, Some(CellValue::Number(1.7976931348623157e308)), None),
                write(1, 3, Some(CellValue::Number(5e-324)), None),
                write(2, 0, Some(CellValue::Boolean(false)), None),
                write(2, 1, Some(CellValue::Boolean(true)), format("@")),
                write(MAX_INDEX, MAX_INDEX, Some(CellValue::Number(1.0)), None),
                write(0, 0, None, None),
            ])),
        ),
        (
            "04_set_cells_every_error",
            plain(Operation::SetCells(
                (0u64..)
                    .zip(ErrorCode::ALL)
                    .map(|(i, code)| write(i, 300, Some(CellValue::Error(code)), None))
                    .collect(),
            )),
        ),
        ("05_set_cells_empty", plain(Operation::SetCells(vec![]))),
        ("06_insert_rows", plain(Operation::InsertRows { at: 5, count: 3 })),
        ("07_delete_rows", plain(Operation::DeleteRows { at: 0, count: 1 })),
        ("08_insert_columns", plain(Operation::InsertColumns { at: 16_383, count: 200 })),
        ("09_delete_columns", plain(Operation::DeleteColumns { at: MAX_INDEX - 9, count: 10 })),
        (
            "10_clear_range",
            plain(Operation::ClearRange(CellRange::new(CellRef { row: 40, col: 3 }, CellRef { row: 2, col: 1 }))),
        ),
        (
            "11_clear_whole_column",
            plain(Operation::ClearRange(CellRange::new(
                CellRef { row: 0, col: 7 },
                CellRef { row: MAX_INDEX, col: 7 },
            ))),
        ),
        (
            "12_metadata_all",
            with_metadata(
                Operation::SetCell(write(9, 9, text("x"), None)),
                Some("snapshots/000000000042/index"),
                Some("history/000000000041"),
                Some(Workflow::Snapshot),
            ),
        ),
        (
            "13_metadata_pending_history",
            with_metadata(Operation::InsertRows { at: 0, count: 1 }, None, None, Some(Workflow::History)),
        ),
        (
            "14_metadata_snapshot_pending_compact",
            with_metadata(Operation::DeleteRows { at: 3, count: 2 }, Some("s/7"), None, Some(Workflow::Compact)),
        ),
        (
            "15_metadata_history_only",
            with_metadata(Operation::InsertColumns { at: 1, count: 1 }, None, Some("h"), None),
        ),
    ]
}

/// Entry format v1 fixtures: written by the build before format v2; they decode without origin.
fn entries_v1() -> Vec<(&'static str, Entry)> {
    operations()
}

/// Entry format v2 fixtures: the same entries, most with an origin (one with time and client 0,
/// which is not the same as none).
fn entries_v2() -> Vec<(&'static str, Entry)> {
    let origins = [
        None,
        Some(Origin { time_ms: 1_763_700_000_000, client: 0x0123_4567_89ab_cdef }),
        Some(Origin { time_ms: 0, client: 0 }),
        Some(Origin { time_ms: u64::MAX, client: u64::MAX }),
        Some(Origin { time_ms: 1, client: 42 }),
    ];
    let sizes = |axis, runs: &[(u64, u64, Option<u32>)]| Operation::SetItemSizes {
        axis,
        runs: runs.iter().map(|&(start, count, size)| SizeRun { start, count, size }).collect(),
    };
    let resizes = [
        ("16_set_row_heights", sizes(Axis::Row, &[(0, 1, Some(45)), (MAX_INDEX, 1, Some(10_000))])),
        ("17_reset_column_widths", sizes(Axis::Column, &[(2, 1 << 40, None), (3, 1, Some(1))])),
        (
            "18_import",
            Operation::Import(ImportLayer {
                dir: "imports/0123456789abcdef-7".to_owned(),
                rect: CellRange::new(CellRef { row: 3, col: 1 }, CellRef { row: 3_000_002, col: 19 }),
                tile_rows: 64,
                tile_cols: 16,
            }),
        ),
    ];
    operations()
        .into_iter()
        .chain(resizes.into_iter().map(|(name, op)| (name, Entry::new(op))))
        .zip(origins.into_iter().cycle())
        .map(|((name, entry), origin)| (name, Entry { origin, ..entry }))
        .collect()
}

/// Index format v2 fixtures: version 1 plus row heights and column widths.
fn indexes_v2() -> Vec<(&'static str, SnapshotIndex)> {
    let set = |runs: &[(u64, u64, u32)]| {
        runs.iter()
            .fold(ItemSizes::default(), |t, &(start, count, size)| t.with(SizeRun { start, count, size: Some(size) }))
    };
    indexes_v1()
        .into_iter()
        .zip([
            (
                "01_row_heights",
                SheetSizes { rows: set(&[(0, 1, 45), (1, 1, 60), (9, 1_000_000, 1)]), cols: ItemSizes::default() },
            ),
            (
                "02_column_widths",
                SheetSizes { rows: ItemSizes::default(), cols: set(&[(3, 2, 250), (MAX_INDEX, 1, 10_000)]) },
            ),
            ("03_both", SheetSizes { rows: set(&[(1 << 40, 7, 31)]), cols: set(&[(0, 1, 99)]) }),
        ])
        .map(|((_, index), (name, sizes))| (name, SnapshotIndex { sizes, ..index }))
        .collect()
}

fn tiles_v1() -> Vec<(&'static str, Tile)> {
    let content = |value, format| CellContent { value, format };
    let tile = |key: (u64, u64), size: (u32, u32), cells: Vec<((u32, u32), CellContent)>| {
        let size = TileSize::new(size.0, size.1).expect("a valid tile size");
        let mut tile = Tile::new(TileKey { tile_row: key.0, tile_col: key.1 }, size);
        for ((row, col), content) in cells {
            tile.set(row, col, content).expect("a valid cell");
        }
        tile
    };
    let last = golden_tile_size().tile_of(MAX_INDEX, MAX_INDEX);
    vec![
        ("01_empty_default_size", tile((0, 0), (64, 16), vec![])),
        (
            "02_every_value_kind",
            tile(
                (3, 1),
                (8, 4),
                vec![
                    ((0, 0), content(text("shared"), None)),
                    ((0, 3), content(text("shared"), format("0.00"))),
                    ((1, 0), content(text(""), None)),
                    ((1, 2), content(Some(CellValue::Number(-0.5)), format("0.00"))),
                    ((1, 3), content(Some(CellValue::Number(1e300)), format("#,##0 €"))),
                    ((2, 0), CellContent::tombstone()),
                    ((2, 1), content(Some(CellValue::Empty), None)),
                    ((3, 0), content(Some(CellValue::Boolean(true)), format("@"))),
                    ((3, 1), content(Some(CellValue::Boolean(false)), None)),
                    ((3, 2), content(None, format("@"))),
                    ((7, 3), content(text("héllo, 世界 😀"), None)),
                ],
            ),
        ),
        (
            "03_every_error_code",
            tile(
                (0, 0),
                (16, 1),
                (0u32..)
                    .zip(ErrorCode::ALL)
                    .map(|(i, code)| ((i, 0), content(Some(CellValue::Error(code)), None)))
                    .collect(),
            ),
        ),
        (
            "04_last_tile_of_the_sheet",
            tile(
                (last.tile_row, last.tile_col),
                (64, 16),
                vec![((63, 15), content(Some(CellValue::Number(7.0)), None))],
            ),
        ),
        (
            "05_largest_size_sparse",
            tile(
                (2, 0),
                (4_096, 4_096),
                vec![
                    ((0, 0), content(text("top left"), None)),
                    ((0, 4_095), content(Some(CellValue::Number(2.0)), None)),
                    ((4_095, 0), content(Some(CellValue::Number(3.0)), None)),
                    ((4_095, 4_095), content(text("bottom right"), format("@"))),
                ],
            ),
        ),
    ]
}

fn indexes_v1() -> Vec<(&'static str, SnapshotIndex)> {
    let axis = |deleted: &[(u64, u64)], inserted: &[(u64, u64)]| {
        AxisTransform::from_ranges(deleted, inserted).expect("a valid transform")
    };
    let tiles = |entries: &[((u64, u64), &str)]| -> BTreeMap<TileKey, String> {
        entries.iter().map(|&((tile_row, tile_col), path)| (TileKey { tile_row, tile_col }, path.to_owned())).collect()
    };
    let bottom = Layer {
        transform: Transform::default(),
        tiles: tiles(&[
            ((0, 0), "snapshots/000000000010/0-0"),
            ((0, 3), "snapshots/000000000010/0-3"),
            ((5, 1), "snapshots/000000000010/5-1"),
            ((1_000_000, 0), "snapshots/000000000010/1000000-0"),
        ]),
    };
    let middle = Layer {
        transform: Transform { rows: axis(&[(3, 2), (7, 1)], &[(0, 5)]), cols: AxisTransform::identity() },
        tiles: tiles(&[((0, 0), "snapshots/000000000020/0-0"), ((0, 1), "snapshots/000000000010/0-3")]),
    };
    let top = Layer {
        transform: Transform {
            rows: axis(&[], &[(1, 1), (100, 1_000)]),
            cols: axis(&[(2, 1), (9, 4)], &[(0, 3), (1 << 40, 1)]),
        },
        tiles: tiles(&[((0, 0), "snapshots/000000000031/0-0"), ((2, 0), "snapshots/000000000031/2-0 ü")]),
    };
    vec![
        (
            "01_empty_sheet",
            SnapshotIndex {
                seq: 0,
                row_count: 0,
                col_count: 0,
                tile_size: TileSize::new(4, 4).expect("a valid tile size"),
                layers: vec![],
                sizes: SheetSizes::default(),
            },
        ),
        (
            "02_one_layer",
            SnapshotIndex {
                seq: 10,
                row_count: 64_000_001,
                col_count: 61,
                tile_size: golden_tile_size(),
                layers: vec![bottom.clone()],
                sizes: SheetSizes::default(),
            },
        ),
        (
            "03_layers_with_transforms",
            SnapshotIndex {
                seq: 31,
                row_count: MAX_INDEX + 1,
                col_count: 1 << 40,
                tile_size: golden_tile_size(),
                layers: vec![bottom, middle, top],
                sizes: SheetSizes::default(),
            },
        ),
    ]
}

/// The v1 encoding of an entry: no encoder writes it any more. Its layout is a v2 body without
/// the origin after a version byte 1, which the fixtures of both versions pin.
fn encode_entry_v1(entry: &Entry) -> Vec<u8> {
    let v2 = encode_entry(&Entry { origin: None, ..entry.clone() });
    assert_eq!(v2.get(5), Some(&0), "a v2 entry without origin has origin tag 0 after the checksum");
    let mut out = vec![ENTRY_FORMAT_V1];
    out.extend_from_slice(&v2[6..]);
    out
}

/// The fixtures of one format: file names (without `.bin`) and bytes.
type Fixtures = Vec<(&'static str, Vec<u8>)>;

/// Every fixture format with its file names and encodings (by the current encoders).
fn all_encodings() -> Vec<(&'static str, Fixtures)> {
    vec![
        (ENTRY_V1, entries_v1().into_iter().map(|(name, e)| (name, encode_entry_v1(&e))).collect()),
        (ENTRY_V2, entries_v2().into_iter().map(|(name, e)| (name, encode_entry(&e))).collect()),
        (TILE_V1, tiles_v1().into_iter().map(|(name, t)| (name, encode_tile(&t))).collect()),
        (INDEX_V1, indexes_v1().into_iter().map(|(name, i)| (name, encode_index(&i))).collect()),
        (INDEX_V2, indexes_v2().into_iter().map(|(name, i)| (name, encode_index(&i))).collect()),
        (HISTORY_V1, histories_v1().into_iter().map(|(name, h)| (name, encode_history(&h))).collect()),
        (CATALOG_V1, catalogs_v1().into_iter().map(|(name, c)| (name, encode_catalog(&c))).collect()),
        (LEASE_V1, leases_v1().into_iter().map(|(name, l)| (name, encode_lease(&l))).collect()),
        (UNDO_V1, undo_records_v1().into_iter().map(|(name, u)| (name, encode_undo_record(&u))).collect()),
    ]
}

#[test]
fn fixtures_decode_to_known_values() {
    for (name, entry) in entries_v1() {
        let bytes = fixture(ENTRY_V1, name);
        assert_eq!(bytes.first(), Some(&ENTRY_FORMAT_V1), "{name}");
        assert_eq!(decode_entry(&bytes), Ok(Entry { origin: None, ..entry }), "{ENTRY_V1}/{name}");
    }
    for (name, entry) in entries_v2() {
        let bytes = fixture(ENTRY_V2, name);
        assert_eq!(bytes.first(), Some(&ENTRY_FORMAT_VERSION), "{name}");
        assert_eq!(decode_entry(&bytes), Ok(entry), "{ENTRY_V2}/{name}");
    }
    for (name, tile) in tiles_v1() {
        let bytes = fixture(TILE_V1, name);
        assert_eq!(bytes.get(..5), Some(&b"SLTL\x01"[..]), "{name}");
        assert_eq!(decode_tile(&bytes), Ok(tile), "{TILE_V1}/{name}");
    }
    for (name, index) in indexes_v1() {
        let bytes = fixture(INDEX_V1, name);
        assert_eq!(bytes.get(..5), Some(&b"SLIX\x01"[..]), "{name}");
        assert_eq!(decode_index(&bytes), Ok(index), "{INDEX_V1}/{name}");
    }
    for (name, index) in indexes_v2() {
        let bytes = fixture(INDEX_V2, name);
        assert_eq!(bytes.get(..5), Some(&b"SLIX\x02"[..]), "{name}");
        assert_eq!(decode_index(&bytes), Ok(index), "{INDEX_V2}/{name}");
    }
    for (name, history) in histories_v1() {
        let bytes = fixture(HISTORY_V1, name);
        assert_eq!(bytes.get(..5), Some(&b"SLHS\x01"[..]), "{name}");
        assert_eq!(decode_history(&bytes), Ok(history), "{HISTORY_V1}/{name}");
    }
    for (name, catalog) in catalogs_v1() {
        assert_eq!(decode_catalog(&fixture(CATALOG_V1, name)), Ok(catalog), "{CATALOG_V1}/{name}");
    }
    for (name, record) in undo_records_v1() {
        assert_eq!(decode_undo_record(&fixture(UNDO_V1, name)), Ok(record), "{UNDO_V1}/{name}");
    }
    for (name, lease) in leases_v1() {
        assert_eq!(decode_lease(&fixture(LEASE_V1, name)), Ok(lease), "{LEASE_V1}/{name}");
    }
}

#[test]
fn known_values_encode_to_the_fixtures() {
    for (format, encodings) in all_encodings() {
        for (name, bytes) in encodings {
            assert!(bytes == fixture(format, name), "{format}/{name}: the encoding changed:\n{bytes:02x?}");
        }
    }
}

#[test]
fn every_fixture_file_is_checked() {
    for (format, encodings) in all_encodings() {
        let mut expected: Vec<String> = encodings.iter().map(|(name, _)| format!("{name}.bin")).collect();
        expected.sort();
        let mut found: Vec<String> = std::fs::read_dir(dir(format))
            .expect("the fixture directory")
            .map(|f| f.expect("a directory entry").file_name().to_string_lossy().into_owned())
            .collect();
        found.sort();
        assert_eq!(found, expected, "{format}");
    }
}

/// Writes the fixtures into `$GOLDEN_OUT/<format>/` when that variable is set, else prints
/// them. Run once per new format version, by hand:
/// `GOLDEN_OUT=tests/golden cargo test --test golden_formats -- --ignored`; never to "fix" a
/// failing test above.
#[test]
#[ignore = "writes or prints the golden fixtures; run by hand for a new format version"]
fn write_golden_fixtures() {
    let out = std::env::var_os("GOLDEN_OUT").map(PathBuf::from);
    for (format, encodings) in all_encodings() {
        for (name, bytes) in encodings {
            match &out {
                Some(root) => {
                    let dir = root.join(format);
                    std::fs::create_dir_all(&dir).expect("create the fixture directory");
                    std::fs::write(dir.join(format!("{name}.bin")), &bytes).expect("write a fixture");
                }
                None => println!("{format}/{name}.bin: {bytes:02x?}"),
            }
        }
    }
}
