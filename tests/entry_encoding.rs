//! Properties of the binary entry encoding: every valid entry round-trips (in the current
//! format, version 2, and in version 1), no byte string makes the decoder panic or return an
//! entry that fails validation, every decodable input is the canonical encoding of its entry,
//! and no single damaged byte of a version 2 entry decodes to a different entry.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sheetlog::log::{
    decode_entry, decode_metadata, encode_entry, replace_metadata, CellWrite, DecodeError, Entry, ImportLayer,
    Metadata, MetadataUpdate, Operation, Origin, Workflow, ENTRY_FORMAT_V1, ENTRY_FORMAT_VERSION,
};
use sheetlog::model::{Axis, CellRange, CellRef, CellValue, ErrorCode, Format, SizeRun, MAX_INDEX, MAX_ITEM_SIZE};

fn value() -> impl Strategy<Value = Option<CellValue>> {
    prop_oneof![
        Just(None),
        Just(Some(CellValue::Empty)),
        ".{0,20}".prop_map(|s| Some(CellValue::Text(s.into()))),
        (-1e300f64..1e300).prop_map(|n| Some(CellValue::Number(n))),
        any::<bool>().prop_map(|b| Some(CellValue::Boolean(b))),
        (0usize..12).prop_map(|i| Some(CellValue::Error(ErrorCode::ALL[i]))),
    ]
}

fn cell() -> impl Strategy<Value = CellWrite> {
    (0..=MAX_INDEX, 0..=MAX_INDEX, value(), proptest::option::of("[0#.,%]{1,10}"))
        .prop_map(|(row, col, value, f)| CellWrite { row, col, value, format: f.and_then(|f| Format::new(f).ok()) })
}

fn operation() -> impl Strategy<Value = Operation> {
    let span = (0..MAX_INDEX / 2, 1..1000u64);
    prop_oneof![
        cell().prop_map(Operation::SetCell),
        proptest::collection::vec(cell(), 0..20).prop_map(Operation::SetCells),
        span.clone().prop_map(|(at, count)| Operation::InsertRows { at, count }),
        span.clone().prop_map(|(at, count)| Operation::DeleteRows { at, count }),
        span.clone().prop_map(|(at, count)| Operation::InsertColumns { at, count }),
        span.prop_map(|(at, count)| Operation::DeleteColumns { at, count }),
        (0..=MAX_INDEX, 0..=MAX_INDEX, 0..=MAX_INDEX, 0..=MAX_INDEX).prop_map(|(r0, c0, r1, c1)| {
            Operation::ClearRange(CellRange::new(CellRef { row: r0, col: c0 }, CellRef { row: r1, col: c1 }))
        }),
        (
            any::<bool>(),
            proptest::collection::vec((0..MAX_INDEX / 2, 1..1000u64, proptest::option::of(1..=MAX_ITEM_SIZE)), 1..6)
        )
            .prop_map(|(rows, runs)| Operation::SetItemSizes {
                axis: if rows { Axis::Row } else { Axis::Column },
                runs: runs.into_iter().map(|(start, count, size)| SizeRun { start, count, size }).collect(),
            }),
        (
            0..=MAX_INDEX,
            0..=MAX_INDEX,
            0..=MAX_INDEX,
            0..=MAX_INDEX,
            1..=4096u32,
            1..=4096u32,
            "[a-z0-9]{1,8}(/[a-z0-9-]{1,8}){0,3}"
        )
            .prop_map(|(r0, c0, r1, c1, tile_rows, tile_cols, dir)| {
                let rect = CellRange::new(CellRef { row: r0, col: c0 }, CellRef { row: r1, col: c1 });
                Operation::Import(ImportLayer { dir, rect, tile_rows, tile_cols })
            }),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    let workflow = prop_oneof![Just(Workflow::Snapshot), Just(Workflow::History), Just(Workflow::Compact)];
    (
        operation(),
        proptest::option::of("[a-z0-9/]{1,30}"),
        proptest::option::of("[a-z]{1,5}"),
        proptest::option::of(workflow),
        proptest::option::of((any::<u64>(), any::<u64>())),
    )
        .prop_map(|(operation, snapshot, history, pending, origin)| Entry {
            operation,
            metadata: Metadata { snapshot, history, pending },
            origin: origin.map(|(time_ms, client)| Origin { time_ms, client }),
        })
}

/// A metadata update: each field left, cleared or set.
fn update() -> impl Strategy<Value = MetadataUpdate> {
    let workflow = prop_oneof![Just(Workflow::Snapshot), Just(Workflow::Gc), Just(Workflow::Compact)];
    (
        proptest::option::of(proptest::option::of("[a-z0-9/]{1,30}")),
        proptest::option::of(proptest::option::of("[a-z]{1,5}")),
        proptest::option::of(proptest::option::of(workflow)),
    )
        .prop_map(|(snapshot, history, pending)| {
            let mut update = MetadataUpdate::default();
            if let Some(snapshot) = snapshot {
                update = update.with_snapshot(snapshot);
            }
            if let Some(history) = history {
                update = update.with_history(history);
            }
            if let Some(pending) = pending {
                update = update.with_pending(pending);
            }
            update
        })
}

/// Bytes of a version 2 entry: the version, the CRC-32 of `body`, then `body`.
fn frame_v2(body: &[u8]) -> Vec<u8> {
    let mut out = vec![ENTRY_FORMAT_VERSION];
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Writes a fresh checksum into version 2 `bytes`, so tests reach the checks after it.
fn reseal(bytes: &[u8]) -> Vec<u8> {
    frame_v2(&bytes[5..])
}

/// The version 1 encoding of `e` (its origin dropped). Version 1 is no longer written; its
/// layout is a version 2 body without the origin (the golden fixtures pin both).
fn encode_v1(e: &Entry) -> Vec<u8> {
    let v2 = encode_entry(&Entry { origin: None, ..e.clone() });
    assert_eq!(v2[5], 0, "origin tag 0 for no origin");
    let mut out = vec![ENTRY_FORMAT_V1];
    out.extend_from_slice(&v2[6..]);
    out
}

/// Checks what every decodable input must satisfy: a valid entry whose canonical encoding (in
/// the input's version) is the input.
fn check_decoded(bytes: &[u8]) -> Result<(), TestCaseError> {
    // Never panics either; agrees with the whole decoding wherever that succeeds.
    let metadata = decode_metadata(bytes);
    let replaced = replace_metadata(bytes, &MetadataUpdate::default().with_pending(Some(Workflow::Gc)));
    if let Ok(e) = decode_entry(bytes) {
        prop_assert_eq!(metadata, Ok(e.metadata.clone()), "the metadata alone");
        let mut marked = e.clone();
        marked.metadata.pending = Some(Workflow::Gc);
        prop_assert_eq!(replaced.map(|(bytes, _)| bytes), Ok(encode_entry(&marked)), "marked in place");
        prop_assert!(e.validate().is_ok());
        match bytes[0] {
            ENTRY_FORMAT_V1 => {
                prop_assert_eq!(e.origin, None);
                prop_assert_eq!(encode_v1(&e), bytes, "a decodable v1 input is the canonical v1 encoding");
            }
            _ => prop_assert_eq!(encode_entry(&e), bytes, "a decodable input is the canonical encoding"),
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn valid_entries_round_trip(e in entry()) {
        prop_assert!(e.validate().is_ok());
        let bytes = encode_entry(&e);
        prop_assert_eq!(bytes[0], ENTRY_FORMAT_VERSION);
        prop_assert_eq!(decode_metadata(&bytes), Ok(e.metadata.clone()), "the metadata alone");
        prop_assert_eq!(decode_entry(&bytes), Ok(e));
    }

    /// Changing the metadata in place gives the bytes of the updated entry, from either
    /// version, and the metadata it now has.
    #[test]
    fn replaced_metadata_is_the_updated_entrys_encoding(e in entry(), u in update()) {
        let mut updated = e.clone();
        u.apply_to(&mut updated.metadata);
        let expected = (encode_entry(&updated), updated.metadata.clone());
        prop_assert_eq!(replace_metadata(&encode_entry(&e), &u), Ok(expected));
        let v1_updated = Entry { origin: None, ..updated };
        let from_v1 = (encode_entry(&v1_updated), v1_updated.metadata.clone());
        prop_assert_eq!(replace_metadata(&encode_v1(&e), &u), Ok(from_v1), "a v1 entry is written as v2");
    }

    #[test]
    fn version_1_entries_still_decode(e in entry()) {
        let v1 = encode_v1(&e);
        prop_assert_eq!(decode_metadata(&v1), Ok(e.metadata.clone()));
        prop_assert_eq!(decode_entry(&v1), Ok(Entry { origin: None, ..e }));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        check_decoded(&bytes)?;
    }

    /// Arbitrary bytes almost never get past a checksum: frame them with a correct one, so the
    /// body parser sees them, as v2 and as v1.
    #[test]
    fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..64)) {
        check_decoded(&frame_v2(&body))?;
        let mut v1 = vec![ENTRY_FORMAT_V1];
        v1.extend_from_slice(&body);
        check_decoded(&v1)?;
    }

    /// Arbitrary bodies rarely parse; bodies made from a real entry with one byte changed and
    /// resealed reach far deeper.
    #[test]
    fn resealed_damage_never_panics(e in entry(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = encode_entry(&e);
        let i = 5 + at.index(bytes.len() - 5);
        bytes[i] = byte;
        check_decoded(&reseal(&bytes))?;
    }

    #[test]
    fn one_damaged_byte_never_decodes_to_another_entry(
        e in entry(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = encode_entry(&e);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        match decode_entry(&bytes) {
            Ok(decoded) => prop_assert_eq!(decoded, e, "byte {} changed", i),
            Err(DecodeError::ChecksumMismatch { .. }) => prop_assert!(i > 0),
            Err(_) => prop_assert!(i == 0, "only a damaged version byte escapes the checksum"),
        }
    }

    #[test]
    fn damaged_entries_give_errors_not_panics(e in entry(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = encode_entry(&e);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        if let Ok(decoded) = decode_entry(&bytes) {
            prop_assert!(decoded.validate().is_ok());
        }
        bytes.truncate(i);
        prop_assert!(decode_entry(&bytes).is_err(), "a truncated entry never decodes");
    }

    #[test]
    fn damaged_v1_entries_give_errors_not_panics(e in entry(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = encode_v1(&e);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        check_decoded(&bytes)?;
        bytes.truncate(i);
        prop_assert!(decode_entry(&bytes).is_err(), "a truncated entry never decodes");
    }
}

/// Every entry of the log conformance suite, with every one of its bytes changed to every other
/// value: a checksum mismatch (or, for the version byte, another typed error), never a value.
#[test]
fn every_single_byte_change_is_caught() {
    for i in 0..18 {
        let e = sheetlog::log::conformance::sample_entry(i);
        let good = encode_entry(&e);
        for at in 0..good.len() {
            for byte in 0..=255u8 {
                let mut bytes = good.clone();
                bytes[at] = byte;
                match decode_entry(&bytes) {
                    Ok(decoded) => assert!(byte == good[at] && decoded == e, "entry {i}, byte {at} = {byte}"),
                    Err(DecodeError::ChecksumMismatch { .. }) => assert!(at > 0),
                    Err(error) => assert_eq!(at, 0, "entry {i}, byte {at} = {byte}: {error}"),
                }
            }
        }
    }
}

#[test]
fn typed_errors_for_known_damage() {
    let e = Entry::new(Operation::SetCells(vec![CellWrite {
        row: 1,
        col: 2,
        value: Some(CellValue::Text("hi".into())),
        format: None,
    }]));
    let good = encode_entry(&e);
    assert!(matches!(decode_entry(&[]), Err(DecodeError::Truncated { offset: 0 })));
    assert!(matches!(decode_entry(&good[..3]), Err(DecodeError::Truncated { offset: 3 })));
    assert!(matches!(decode_entry(&[0]), Err(DecodeError::UnsupportedVersion { found: 0 })));
    assert!(matches!(decode_entry(&[3]), Err(DecodeError::UnsupportedVersion { found: 3 })));
    let mut damaged = good.clone();
    damaged[7] ^= 1;
    let computed = crc32fast::hash(&damaged[5..]);
    let stored = u32::from_le_bytes([good[1], good[2], good[3], good[4]]);
    assert_eq!(decode_entry(&damaged), Err(DecodeError::ChecksumMismatch { stored, computed }));
    assert_eq!(decode_entry(&frame_v2(&[2, 0, 0])), Err(DecodeError::UnknownTag { what: "origin", tag: 2, offset: 5 }));
    assert!(matches!(decode_entry(&frame_v2(&[1, 0x80])), Err(DecodeError::Truncated { offset: 7 })));
    assert!(matches!(decode_entry(&frame_v2(&[1, 0, 1, 2, 3])), Err(DecodeError::Truncated { .. })));
    assert!(matches!(decode_entry(&[9]), Err(DecodeError::UnsupportedVersion { found: 9 })));
    assert!(matches!(decode_entry(&[1, 42]), Err(DecodeError::UnknownTag { what: "operation", tag: 42, offset: 1 })));
    // A batch claiming 2^40 cells in a few bytes: refused before allocating.
    let mut huge = vec![1, 1];
    huge.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    assert!(matches!(decode_entry(&huge), Err(DecodeError::LengthTooLarge { .. })));
    let mut trailing = encode_v1(&e);
    trailing.push(0);
    assert!(matches!(decode_entry(&trailing), Err(DecodeError::TrailingBytes { extra: 1, .. })));
    let overflow = [1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 0];
    assert!(matches!(decode_entry(&overflow), Err(DecodeError::VarintOverflow { offset: 2 })));
    // NaN is not a storable number.
    let nan =
        Entry::new(Operation::SetCell(CellWrite { row: 0, col: 0, value: Some(CellValue::Number(1.0)), format: None }));
    let mut nan_bytes = encode_entry(&nan);
    let at = nan_bytes.len() - 10;
    nan_bytes[at..at + 8].copy_from_slice(&f64::NAN.to_le_bytes());
    assert!(matches!(decode_entry(&nan_bytes), Err(DecodeError::ChecksumMismatch { .. })));
    assert!(matches!(decode_entry(&reseal(&nan_bytes)), Err(DecodeError::Invalid(_))));
    // Invalid UTF-8 in text.
    let text_at = good.iter().position(|&b| b == b'h').unwrap();
    let mut bad_utf8 = good.clone();
    bad_utf8[text_at] = 0xff;
    assert!(matches!(decode_entry(&reseal(&bad_utf8)), Err(DecodeError::InvalidUtf8 { .. })));
    // Trailing bytes after a resealed body.
    let mut trailing_v2 = good.clone();
    trailing_v2.push(0);
    assert!(matches!(decode_entry(&reseal(&trailing_v2)), Err(DecodeError::TrailingBytes { extra: 1, .. })));
    assert_eq!(decode_entry(&good), Ok(e.clone()));
    assert_eq!(decode_entry(&encode_v1(&e)), Ok(e));
}
