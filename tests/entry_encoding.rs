//! Properties of the binary entry encoding: every valid entry round-trips, and no byte string
//! makes the decoder panic or return an entry that fails validation.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sheetlog::log::{
    decode_entry, encode_entry, CellWrite, DecodeError, Entry, Metadata, Operation, Workflow, ENTRY_FORMAT_VERSION,
};
use sheetlog::model::{CellRange, CellRef, CellValue, ErrorCode, Format, MAX_INDEX};

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
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    let workflow = prop_oneof![Just(Workflow::Snapshot), Just(Workflow::History), Just(Workflow::Compact)];
    (
        operation(),
        proptest::option::of("[a-z0-9/]{1,30}"),
        proptest::option::of("[a-z]{1,5}"),
        proptest::option::of(workflow),
    )
        .prop_map(|(operation, snapshot, history, pending)| Entry {
            operation,
            metadata: Metadata { snapshot, history, pending },
        })
}

proptest! {
    #[test]
    fn valid_entries_round_trip(e in entry()) {
        prop_assert!(e.validate().is_ok());
        let bytes = encode_entry(&e);
        prop_assert_eq!(bytes[0], ENTRY_FORMAT_VERSION);
        prop_assert_eq!(decode_entry(&bytes), Ok(e));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(e) = decode_entry(&bytes) {
            prop_assert!(e.validate().is_ok());
            prop_assert_eq!(encode_entry(&e), bytes, "a decodable input is the canonical encoding");
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
    assert!(matches!(decode_entry(&[9]), Err(DecodeError::UnsupportedVersion { found: 9 })));
    assert!(matches!(decode_entry(&[1, 42]), Err(DecodeError::UnknownTag { what: "operation", tag: 42, offset: 1 })));
    // A batch claiming 2^40 cells in a few bytes: refused before allocating.
    let mut huge = vec![1, 1];
    huge.extend([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    assert!(matches!(decode_entry(&huge), Err(DecodeError::LengthTooLarge { .. })));
    let mut trailing = good.clone();
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
    assert!(matches!(decode_entry(&nan_bytes), Err(DecodeError::Invalid(_))));
    // Invalid UTF-8 in text.
    let text_at = good.iter().position(|&b| b == b'h').unwrap();
    let mut bad_utf8 = good.clone();
    bad_utf8[text_at] = 0xff;
    assert!(matches!(decode_entry(&bad_utf8), Err(DecodeError::InvalidUtf8 { .. })));
    assert_eq!(decode_entry(&good), Ok(e));
}
