//! Property test of row heights and column widths ([`ItemSizes`]) against a naive reference:
//! a plain list holding every item's size. After every step (a run set or reset, an insert,
//! a delete) each item's size, the offset where it starts, and the item found at pixels inside
//! and at the edges of every item must equal the list's, and the sizes must survive a snapshot
//! index round trip.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sheetlog::model::SizeRun;
use sheetlog::snapshot::{decode_index, encode_index, AxisTransform, ItemSizes, SheetSizes, SnapshotIndex, TileSize};

/// Items modelled; steps stay inside, and the reference's tail is default-sized.
const ITEMS: u64 = 120;
const DEFAULT: u32 = 30;

#[derive(Debug, Clone)]
enum Step {
    Set { start: u64, count: u64, size: Option<u32> },
    Insert { at: u64, count: u64 },
    Delete { at: u64, count: u64 },
}

fn step() -> impl Strategy<Value = Step> {
    let span = (0..ITEMS - 20, 1..20u64);
    prop_oneof![
        4 => (span.clone(), prop::option::of(prop_oneof![Just(1u32), 2..200u32, Just(10_000)]))
            .prop_map(|((start, count), size)| Step::Set { start, count, size }),
        1 => span.clone().prop_map(|(at, count)| Step::Insert { at, count }),
        1 => span.prop_map(|(at, count)| Step::Delete { at, count }),
    ]
}

/// The naive reference: every item's size, in order (longer than [`ITEMS`] after inserts).
fn apply(reference: &mut Vec<Option<u32>>, sizes: &ItemSizes, step: &Step) -> ItemSizes {
    match *step {
        Step::Set { start, count, size } => {
            for item in &mut reference[start as usize..(start + count) as usize] {
                *item = size;
            }
            sizes.with(SizeRun { start, count, size })
        }
        Step::Insert { at, count } => {
            reference.splice(at as usize..at as usize, std::iter::repeat_n(None, count as usize));
            let mut t = AxisTransform::identity();
            t.insert(at, count);
            sizes.transformed(&t)
        }
        Step::Delete { at, count } => {
            reference.drain(at as usize..(at + count) as usize);
            reference.extend(std::iter::repeat_n(None, count as usize));
            let mut t = AxisTransform::identity();
            t.delete(at, count);
            sizes.transformed(&t)
        }
    }
}

fn check(reference: &[Option<u32>], sizes: &ItemSizes) -> Result<(), TestCaseError> {
    let mut offset = 0.0;
    for (i, size) in reference.iter().enumerate() {
        let i = i as u64;
        let px = f64::from(size.unwrap_or(DEFAULT));
        prop_assert_eq!(sizes.size_of(i), *size, "size of {}", i);
        prop_assert_eq!(sizes.offset(i, DEFAULT), offset, "offset of {}", i);
        prop_assert_eq!(sizes.item_at(offset, DEFAULT), (i, offset), "item at its start {}", offset);
        prop_assert_eq!(sizes.item_at(offset + px / 2.0, DEFAULT), (i, offset), "item inside {}", i);
        prop_assert_eq!(sizes.item_at(offset + px - 0.25, DEFAULT), (i, offset), "item at its end {}", i);
        offset += px;
    }
    // Past the reference, every item has the default size.
    let n = reference.len() as u64;
    prop_assert_eq!(sizes.offset(n + 10, DEFAULT), offset + f64::from(DEFAULT * 10));
    let index = SnapshotIndex {
        seq: 1,
        row_count: 0,
        col_count: 0,
        tile_size: TileSize::DEFAULT,
        layers: Vec::new(),
        sizes: SheetSizes { rows: sizes.clone(), cols: ItemSizes::default() },
    };
    prop_assert_eq!(decode_index(&encode_index(&index)).map(|i| i.sizes.rows), Ok(sizes.clone()));
    Ok(())
}

proptest! {
    #[test]
    fn sizes_match_a_list_of_every_item(steps in proptest::collection::vec(step(), 1..30)) {
        let mut reference = vec![None; ITEMS as usize];
        let mut sizes = ItemSizes::default();
        for step in &steps {
            sizes = apply(&mut reference, &sizes, step);
            check(&reference, &sizes)?;
        }
    }
}
