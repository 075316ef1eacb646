//! Properties of the snapshot formats and transforms: tiles and indexes round-trip exactly, no
//! byte string makes a decoder panic, damage fails the checksum, huge counts are refused before
//! allocating, and `AxisTransform` agrees with a naive model after every edit.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::ops::Range;

use proptest::prelude::*;
use sheetlog::model::{
    CellValue, ErrorCode, Format, SizeRun, ValidationError, MAX_INDEX, MAX_ITEM_SIZE, MIN_ITEM_SIZE,
};
use sheetlog::snapshot::{
    decode_index, decode_tile, encode_index, encode_tile, encode_tile_rect, AxisTransform, CellContent, ItemSizes,
    Layer, SheetSizes, SnapshotError, SnapshotIndex, Tile, TileKey, TileSize, Transform, INDEX_FORMAT_VERSION,
    TILE_FORMAT_VERSION,
};

/// A long text that many cells share; nothing else generated contains it.
const SHARED: &str = "SHARED TEXT, stored once per tile: 0123456789";

/// `magic version crc32 body`, with a correct checksum, to reach the checks after the header.
fn framed(magic: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.push(version);
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Applies `(where, byte, kind)` edits to a copy of `body`: kind 0 replaces a byte, 1 inserts
/// one, 2 removes one, 3 truncates there.
fn damage(body: &[u8], edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    let mut out = body.to_vec();
    for (at, byte, kind) in edits {
        let i = at.index(out.len() + 1);
        match kind {
            0 if i < out.len() => out[i] = *byte,
            1 => out.insert(i, *byte),
            2 if i < out.len() => {
                out.remove(i);
            }
            3 => out.truncate(i),
            _ => {}
        }
    }
    out
}

fn occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn value() -> impl Strategy<Value = Option<CellValue>> {
    prop_oneof![
        Just(None),
        Just(Some(CellValue::Empty)),
        Just(Some(CellValue::Text(SHARED.into()))),
        Just(Some(CellValue::Text("".into()))),
        "[a-c]{0,2}".prop_map(|s| Some(CellValue::Text(s.into()))),
        ".{0,12}".prop_map(|s| Some(CellValue::Text(s.into()))),
        prop::num::f64::ANY.prop_filter("finite", |n| n.is_finite()).prop_map(|n| Some(CellValue::Number(n))),
        any::<bool>().prop_map(|b| Some(CellValue::Boolean(b))),
        (0usize..12).prop_map(|i| Some(CellValue::Error(ErrorCode::ALL[i]))),
    ]
}

fn format() -> impl Strategy<Value = Option<Format>> {
    let text = prop_oneof![Just("0.00".to_owned()), Just("@".to_owned()), "[0#.,%€]{1,8}"];
    proptest::option::of(text).prop_map(|f| f.and_then(|f| Format::new(f).ok()))
}

fn content() -> impl Strategy<Value = CellContent> {
    (value(), format()).prop_map(|(value, format)| CellContent { value, format })
}

fn tile_size() -> impl Strategy<Value = TileSize> {
    let dims = prop_oneof![
        Just((4u32, 4u32)),
        (1u32..=8, 1u32..=8),
        Just((64, 16)),
        Just((4_096, 4_096)),
        (1u32..=4_096, 1u32..=4_096),
    ];
    dims.prop_map(|(rows, cols)| TileSize::new(rows, cols).unwrap_or(TileSize::DEFAULT))
}

/// A key on the sheet for `size`, often the first or last tile.
fn tile_key(size: TileSize) -> impl Strategy<Value = TileKey> {
    let last_row = MAX_INDEX / u64::from(size.rows());
    let last_col = MAX_INDEX / u64::from(size.cols());
    let coordinate = |last: u64| prop_oneof![Just(0), Just(last), 0..=last];
    (coordinate(last_row), coordinate(last_col)).prop_map(|(tile_row, tile_col)| TileKey { tile_row, tile_col })
}

fn tile() -> impl Strategy<Value = Tile> {
    tile_size().prop_flat_map(|size| {
        let offset = |n: u32| prop_oneof![Just(0), Just(n - 1), 0..n];
        let cell = (offset(size.rows()), offset(size.cols()), content());
        (tile_key(size), proptest::collection::vec(cell, 0..40)).prop_map(move |(key, cells)| {
            let mut tile = Tile::new(key, size);
            for (row, col, content) in cells {
                // The last tile may poke past MAX_INDEX; such cells are refused, as they should be.
                let result = tile.set(row, col, content);
                assert!(
                    matches!(result, Ok(()) | Err(SnapshotError::Invalid(ValidationError::IndexTooLarge { .. }))),
                    "{result:?}"
                );
            }
            tile
        })
    })
}

#[derive(Debug, Clone, Copy)]
enum Edit {
    Insert(u64, u64),
    Delete(u64, u64),
}

fn edit(max_at: u64, max_count: u64) -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..=max_at, 1..=max_count).prop_map(|(at, n)| Edit::Insert(at, n)),
        (0..=max_at, 1..=max_count).prop_map(|(at, n)| Edit::Delete(at, n)),
    ]
}

fn small_edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(edit(30, 6), 0..25)
}

fn apply(t: &mut AxisTransform, edits: &[Edit]) {
    for &e in edits {
        match e {
            Edit::Insert(at, n) => t.insert(at, n),
            Edit::Delete(at, n) => t.delete(at, n),
        }
    }
}

fn transformed(edits: &[Edit]) -> AxisTransform {
    let mut t = AxisTransform::identity();
    apply(&mut t, edits);
    t
}

fn layer(bottom: bool, size: TileSize) -> impl Strategy<Value = Layer> {
    let path = "[a-z0-9/._-]{0,24}";
    let tiles = proptest::collection::btree_map(tile_key(size), path, 0..12);
    (small_edits(), small_edits(), tiles).prop_map(move |(rows, cols, tiles)| {
        let transform = if bottom {
            Transform::default()
        } else {
            Transform { rows: transformed(&rows), cols: transformed(&cols) }
        };
        Layer { transform, tiles }
    })
}

/// Row heights or column widths: a few runs set (or reset) anywhere on the axis.
fn item_sizes() -> impl Strategy<Value = ItemSizes> {
    let start = prop_oneof![0u64..40, 0..=MAX_INDEX];
    let run = (start, 1u64..20, prop_oneof![Just(None), (MIN_ITEM_SIZE..=MAX_ITEM_SIZE).prop_map(Some)]);
    proptest::collection::vec(run, 0..6).prop_map(|runs| {
        runs.into_iter().fold(ItemSizes::default(), |sizes, (start, count, size)| {
            let count = count.min(MAX_INDEX + 1 - start);
            sizes.with(SizeRun { start, count, size })
        })
    })
}

fn sheet_sizes() -> impl Strategy<Value = SheetSizes> {
    prop_oneof![
        Just(SheetSizes::default()),
        (item_sizes(), item_sizes()).prop_map(|(rows, cols)| SheetSizes { rows, cols })
    ]
}

fn index() -> impl Strategy<Value = SnapshotIndex> {
    tile_size().prop_flat_map(|size| {
        let count = prop_oneof![Just(0), Just(MAX_INDEX + 1), 0..=MAX_INDEX + 1];
        let layers = (0usize..4).prop_flat_map(move |n| (0..n).map(|i| layer(i == 0, size)).collect::<Vec<_>>());
        (any::<u64>(), count.clone(), count, layers, sheet_sizes()).prop_map(
            move |(seq, row_count, col_count, layers, sizes)| SnapshotIndex {
                seq,
                row_count,
                col_count,
                tile_size: size,
                layers,
                sizes,
            },
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Tiles

/// Cells by `(row_offset, col_offset)`, as `Tile::from_cells` takes them.
type Cells = Vec<((u32, u32), CellContent)>;

/// A rectangle of offsets in a tile of a small size (it may reach past the tile), and slots
/// row-major over the tile's width, as many as the tile has cells or fewer (even none): what a
/// layer import hands `encode_tile_rect`.
type Rect = (TileKey, TileSize, Range<u32>, Range<u32>, Vec<Option<CellContent>>);

fn rect_and_slots() -> impl Strategy<Value = Rect> {
    let size = prop_oneof![Just((4u32, 4u32)), (1u32..=8, 1u32..=8), Just((64, 16))]
        .prop_map(|(rows, cols)| TileSize::new(rows, cols).unwrap_or(TileSize::DEFAULT));
    size.prop_flat_map(|size| {
        let span = |n: u32| {
            let start = prop_oneof![Just(0), Just(n - 1), 0..=n];
            (start, 0u32..=5).prop_map(|(start, len)| start..start + len)
        };
        let cells = (size.rows() * size.cols()) as usize;
        let slots = proptest::collection::vec(proptest::option::weighted(0.7, content()), 0..=cells);
        (tile_key(size), Just(size), span(size.rows()), span(size.cols()), slots)
    })
}

proptest! {
    /// The import's direct encoding of a rectangle of slots gives exactly the bytes (or the
    /// error) of building the tile of those cells first (a missing slot is a tombstone).
    #[test]
    fn encoding_a_rectangle_of_slots_equals_encoding_its_tile((key, size, rows, cols, slots) in rect_and_slots()) {
        let width = size.cols() as usize;
        let cells: Cells = rows
            .clone()
            .flat_map(|r| cols.clone().map(move |c| (r, c)))
            .map(|(r, c)| {
                let content = slots.get(r as usize * width + c as usize).cloned().flatten();
                ((r, c), content.unwrap_or_else(CellContent::tombstone))
            })
            .collect();
        let through_tile = Tile::from_cells(key, size, cells).map(|tile| encode_tile(&tile));
        prop_assert_eq!(encode_tile_rect(key, size, rows, cols, &slots), through_tile);
    }

    #[test]
    fn tiles_round_trip_exactly(tile in tile()) {
        let bytes = encode_tile(&tile);
        prop_assert_eq!(&bytes[..5], &[b'S', b'L', b'T', b'L', TILE_FORMAT_VERSION][..]);
        let decoded = decode_tile(&bytes);
        prop_assert_eq!(decoded.as_ref(), Ok(&tile));
        // Bit-exact numbers (-0.0 stays -0.0) and a canonical encoding.
        if let Ok(decoded) = decoded {
            prop_assert_eq!(encode_tile(&decoded), bytes.clone());
        }
        let shared = tile.cells().filter(|(_, c)| c.value == Some(CellValue::Text(SHARED.into()))).count();
        prop_assert_eq!(occurrences(&bytes, SHARED.as_bytes()), usize::from(shared > 0));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        let _ = decode_tile(&bytes);
        let _ = decode_index(&bytes);
    }

    #[test]
    fn arbitrary_bodies_past_the_checksum_never_panic(body in proptest::collection::vec(any::<u8>(), 0..96)) {
        let bytes = framed(b"SLTL", TILE_FORMAT_VERSION, &body);
        if let Ok(tile) = decode_tile(&bytes) {
            prop_assert_eq!(encode_tile(&tile), bytes, "a decodable tile is the canonical encoding");
        }
        let bytes = framed(b"SLIX", INDEX_FORMAT_VERSION, &body);
        if let Ok(index) = decode_index(&bytes) {
            prop_assert_eq!(index.validate(), Ok(()));
            prop_assert_eq!(encode_index(&index), bytes, "a decodable index is the canonical encoding");
        }
    }

    #[test]
    fn damaged_tile_bodies_with_fixed_checksums_never_panic(
        tile in tile(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
    ) {
        // Past the checksum: damage the body, then give it a correct checksum.
        let body = damage(&encode_tile(&tile)[9..], &edits);
        let bytes = framed(b"SLTL", TILE_FORMAT_VERSION, &body);
        if let Ok(decoded) = decode_tile(&bytes) {
            prop_assert_eq!(encode_tile(&decoded), bytes, "a decodable tile is the canonical encoding");
        }
    }

    #[test]
    fn damaged_tiles_are_refused(tile in tile(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let bytes = encode_tile(&tile);
        let i = at.index(bytes.len());
        let mut damaged = bytes.clone();
        damaged[i] = byte;
        let result = decode_tile(&damaged);
        if byte == bytes[i] {
            prop_assert_eq!(result, Ok(tile));
        } else if i >= 5 {
            // The checksum field or the body: either way the checksum cannot match.
            prop_assert!(matches!(result, Err(SnapshotError::ChecksumMismatch { .. })), "{:?}", result);
        } else {
            prop_assert!(result.is_err());
        }
        prop_assert!(decode_tile(&bytes[..i]).is_err(), "a truncated tile never decodes");
    }
}

// ---------------------------------------------------------------------------------------------
// Indexes

proptest! {
    #[test]
    fn indexes_round_trip_exactly(index in index()) {
        prop_assert_eq!(index.validate(), Ok(()));
        let bytes = encode_index(&index);
        // Version 1 while every size is the default (older builds read it), else version 2.
        let version = if index.sizes.is_empty() { 1 } else { INDEX_FORMAT_VERSION };
        prop_assert_eq!(&bytes[..5], &[b'S', b'L', b'I', b'X', version][..]);
        let decoded = decode_index(&bytes);
        prop_assert_eq!(decoded.as_ref(), Ok(&index));
        if let Ok(decoded) = decoded {
            prop_assert_eq!(encode_index(&decoded), bytes);
        }
    }

    #[test]
    fn damaged_indexes_are_refused(index in index(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let bytes = encode_index(&index);
        let i = at.index(bytes.len());
        let mut damaged = bytes.clone();
        damaged[i] = byte;
        let result = decode_index(&damaged);
        if byte == bytes[i] {
            prop_assert_eq!(result, Ok(index));
        } else if i >= 5 {
            prop_assert!(matches!(result, Err(SnapshotError::ChecksumMismatch { .. })), "{:?}", result);
        } else {
            prop_assert!(result.is_err());
        }
        prop_assert!(decode_index(&bytes[..i]).is_err(), "a truncated index never decodes");
    }
}

proptest! {
    #[test]
    fn damaged_index_bodies_with_fixed_checksums_never_panic(
        index in index(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
    ) {
        let body = damage(&encode_index(&index)[9..], &edits);
        let bytes = framed(b"SLIX", INDEX_FORMAT_VERSION, &body);
        if let Ok(decoded) = decode_index(&bytes) {
            prop_assert_eq!(decoded.validate(), Ok(()));
            prop_assert_eq!(encode_index(&decoded), bytes, "a decodable index is the canonical encoding");
        }
    }
}

#[test]
fn huge_counts_are_refused_without_allocating() {
    let huge = 1u64 << 40;
    let refused = |result: Result<(), SnapshotError>| {
        assert!(matches!(result, Err(SnapshotError::LengthTooLarge { length, .. }) if length == huge), "{result:?}");
    };
    // Tile: the string table, the format table, the cells.
    for prefix in [&[0u8, 0, 4, 4][..], &[0, 0, 4, 4, 0], &[0, 0, 4, 4, 0, 0]] {
        let mut body = prefix.to_vec();
        varint(&mut body, huge);
        body.extend_from_slice(&[0; 16]);
        refused(decode_tile(&framed(b"SLTL", TILE_FORMAT_VERSION, &body)).map(drop));
    }
    // Index: the layers, the deleted ranges, the inserted ranges, the tiles.
    for prefix in [&[0u8, 0, 0, 4, 4][..], &[0, 0, 0, 4, 4, 1], &[0, 0, 0, 4, 4, 1, 0], &[0, 0, 0, 4, 4, 1, 0, 0, 0, 0]]
    {
        let mut body = prefix.to_vec();
        varint(&mut body, huge);
        body.extend_from_slice(&[0; 16]);
        refused(decode_index(&framed(b"SLIX", INDEX_FORMAT_VERSION, &body)).map(drop));
    }
    // A long string claimed by a short blob.
    let mut body = vec![0, 0, 4, 4, 1];
    varint(&mut body, huge);
    refused(decode_tile(&framed(b"SLTL", TILE_FORMAT_VERSION, &body)).map(drop));
}

#[test]
fn header_errors_name_what_is_wrong() {
    let tile = encode_tile(&Tile::new(TileKey { tile_row: 0, tile_col: 0 }, TileSize::DEFAULT));
    assert_eq!(decode_tile(b""), Err(SnapshotError::BadMagic { expected: *b"SLTL", found: vec![] }));
    assert!(matches!(decode_index(&tile), Err(SnapshotError::BadMagic { expected: [b'S', b'L', b'I', b'X'], .. })));
    let mut newer = tile.clone();
    newer[4] = 2;
    assert_eq!(decode_tile(&newer), Err(SnapshotError::UnsupportedVersion { what: "tile", found: 2, supported: 1 }));
    assert_eq!(decode_tile(&tile[..8]), Err(SnapshotError::Truncated { offset: 8 }));
}

// ---------------------------------------------------------------------------------------------
// Transforms

/// The naive model: which old index sits at each new index (`None` for inserted), for a prefix
/// of the axis; beyond the prefix, new index `len + k` holds old index `next_old + k`.
#[derive(Debug, Clone)]
struct Model {
    cells: Vec<Option<u64>>,
    next_old: u64,
}

impl Model {
    fn new(n: u64) -> Model {
        Model { cells: (0..n).map(Some).collect(), next_old: n }
    }

    fn cover(&mut self, len: u64) {
        while (self.cells.len() as u64) < len {
            self.cells.push(Some(self.next_old));
            self.next_old += 1;
        }
    }

    fn apply(&mut self, e: Edit) {
        match e {
            Edit::Insert(at, n) => {
                self.cover(at);
                let at = at as usize;
                self.cells.splice(at..at, std::iter::repeat_n(None, n as usize));
            }
            Edit::Delete(at, n) => {
                self.cover(at + n);
                self.cells.drain(at as usize..(at + n) as usize);
            }
        }
    }

    fn new_to_old(&self, new: u64) -> Option<u64> {
        match self.cells.get(new as usize) {
            Some(&old) => old,
            None => Some(self.next_old + (new - self.cells.len() as u64)),
        }
    }

    fn old_to_new(&self, old: u64) -> Option<u64> {
        if old >= self.next_old {
            return Some(self.cells.len() as u64 + (old - self.next_old));
        }
        self.cells.iter().position(|&c| c == Some(old)).map(|p| p as u64)
    }
}

fn check_against_model(t: &AxisTransform, model: &Model) -> Result<(), TestCaseError> {
    let len = model.cells.len() as u64;
    for new in 0..len + 3 {
        prop_assert_eq!(t.new_to_old(new), model.new_to_old(new), "new index {} of {:?}", new, t);
    }
    for old in 0..model.next_old + 3 {
        prop_assert_eq!(t.old_to_new(old), model.old_to_new(old), "old index {} of {:?}", old, t);
    }
    let deleted: Vec<_> = t.deleted().collect();
    let inserted: Vec<_> = t.inserted().collect();
    prop_assert_eq!(AxisTransform::from_ranges(&deleted, &inserted), Ok(t.clone()), "stored form is valid");
    Ok(())
}

proptest! {
    #[test]
    fn transform_matches_the_naive_model(edits in small_edits()) {
        let mut t = AxisTransform::identity();
        let mut model = Model::new(20);
        check_against_model(&t, &model)?;
        for &e in &edits {
            apply(&mut t, &[e]);
            model.apply(e);
            check_against_model(&t, &model)?;
        }
    }

    #[test]
    fn insert_then_delete_of_the_same_rows_cancels(
        before in small_edits(),
        inserts in proptest::collection::vec((0u64..30, 1u64..6), 1..8),
    ) {
        let mut t = AxisTransform::identity();
        for &(at, n) in &inserts {
            t.insert(at, n);
        }
        for &(at, n) in inserts.iter().rev() {
            t.delete(at, n);
        }
        prop_assert!(t.is_identity(), "{:?}", t);

        let base = transformed(&before);
        let mut t = base.clone();
        let (at, n) = inserts[0];
        t.insert(at, n);
        t.delete(at, n);
        prop_assert_eq!(t, base);
    }

    #[test]
    fn compose_equals_applying_both_sequences(first in small_edits(), second in small_edits(), third in small_edits()) {
        let (a, b, c) = (transformed(&first), transformed(&second), transformed(&third));
        let mut both = a.clone();
        apply(&mut both, &second);
        prop_assert_eq!(a.compose(&b), both.clone());
        prop_assert_eq!(a.compose(&b).compose(&c), a.compose(&b.compose(&c)), "composition is associative");
        prop_assert_eq!(AxisTransform::identity().compose(&b), b.clone());
        prop_assert_eq!(b.compose(&AxisTransform::identity()), b);

        let mut model = Model::new(20);
        for &e in first.iter().chain(&second) {
            model.apply(e);
        }
        check_against_model(&both, &model)?;
    }

    #[test]
    fn huge_indexes_and_counts_never_panic(
        edits in proptest::collection::vec(edit(MAX_INDEX, MAX_INDEX), 0..40),
        probes in proptest::collection::vec(prop_oneof![0..=MAX_INDEX, any::<u64>()], 1..20),
    ) {
        let t = transformed(&edits);
        let deleted: Vec<_> = t.deleted().collect();
        let inserted: Vec<_> = t.inserted().collect();
        prop_assert_eq!(AxisTransform::from_ranges(&deleted, &inserted), Ok(t.clone()));
        for x in probes {
            if let Some(old) = t.new_to_old(x) {
                prop_assert_eq!(t.old_to_new(old), Some(x));
            }
            if let Some(new) = t.old_to_new(x) {
                prop_assert_eq!(t.new_to_old(new), Some(x));
            }
        }
        let _ = t.compose(&t);
    }
}

#[test]
fn design_worked_example() -> Result<(), SnapshotError> {
    // After a snapshot of a 3 x 4 sheet: "insert row 2" (0-based row 1 is new), "delete column C".
    let mut t = Transform::default();
    t.rows.insert(1, 1);
    t.cols.delete(2, 1);
    assert_eq!(t.rows.inserted().collect::<Vec<_>>(), [(1, 1)]);
    assert_eq!(t.rows.deleted().count(), 0);
    assert_eq!(t.cols.deleted().collect::<Vec<_>>(), [(2, 1)]);
    assert_eq!(t.cols.inserted().count(), 0);
    // New C4 (row 3, column 2) is the old layer's D3 (row 2, column 3).
    assert_eq!((t.rows.new_to_old(3), t.cols.new_to_old(2)), (Some(2), Some(3)));
    assert_eq!(t.rows.new_to_old(1), None, "the inserted row has no older cell");
    assert!(!t.is_identity());

    // The transform survives an index round trip.
    let index = SnapshotIndex {
        seq: 7,
        row_count: 4,
        col_count: 3,
        tile_size: TileSize::DEFAULT,
        layers: vec![
            Layer { transform: Transform::default(), tiles: BTreeMap::new() },
            Layer { transform: t, tiles: BTreeMap::new() },
        ],
        sizes: SheetSizes::default(),
    };
    assert_eq!(decode_index(&encode_index(&index))?, index);
    Ok(())
}

#[test]
fn decoded_cells_share_one_allocation_per_table_string() {
    use sheetlog::snapshot::{decode_tile, encode_tile, CellContent, Tile, TileKey, TileSize};
    let size = TileSize::new(64, 16).unwrap();
    let long: std::rc::Rc<str> = "x".repeat(30_000).into();
    let mut tile = Tile::new(TileKey { tile_row: 0, tile_col: 0 }, size);
    for row in 0..64 {
        for col in 0..16 {
            tile.set(row, col, CellContent { value: Some(CellValue::Text(long.clone())), format: None }).unwrap();
        }
    }
    let bytes = encode_tile(&tile);
    assert!(bytes.len() < 40_000, "the string is stored once: {} bytes", bytes.len());
    let decoded = decode_tile(&bytes).unwrap();
    let texts: Vec<std::rc::Rc<str>> = decoded
        .cells()
        .filter_map(|(_, c)| match &c.value {
            Some(CellValue::Text(t)) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 1024);
    assert!(texts.iter().all(|t| std::rc::Rc::ptr_eq(t, &texts[0])), "1024 cells, one 30 KB allocation");
}
