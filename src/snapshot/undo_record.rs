//! [`UndoRecord`]: one tab's undo and redo stacks as kept in the blob store, so they survive a
//! reload of the tab (DESIGN.md section 5b; the undo feature of the time-travel issue). A step
//! is the entries one user action became, as runs of sequence ids; the engine recomputes each
//! step's inverse from the versions before its entries, so nothing else needs keeping. Same
//! envelope as the other records: magic, version, CRC-32, body.
//!
//! ```text
//! undo   = "SLUN" version:u8(=1) crc32:u32-LE body
//! body   = count step*count (undo stack, oldest first) count step*count (redo stack, oldest first)
//! step   = count (start length)*count     runs of sequence ids, increasing and disjoint, length >= 1
//! ```

use super::error::SnapshotError;
use super::wire::{self, put_len, put_varint};

/// The format version written by [`encode_undo_record`].
pub const UNDO_FORMAT_VERSION: u8 = 1;

const UNDO_MAGIC: [u8; 4] = *b"SLUN";

/// One step of a stack: the runs of sequence ids of its entries, each `(start, end)` with
/// `start < end`, increasing and disjoint.
pub type UndoStep = Vec<(u64, u64)>;

/// A tab's undo and redo stacks, oldest step first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UndoRecord {
    /// Steps `undo()` reverts, the last first.
    pub undo: Vec<UndoStep>,
    /// Steps `redo()` applies again, the last first.
    pub redo: Vec<UndoStep>,
}

/// Encodes an undo record (layout in the module docs).
pub fn encode_undo_record(record: &UndoRecord) -> Vec<u8> {
    let mut out = wire::start(UNDO_MAGIC, UNDO_FORMAT_VERSION);
    for stack in [&record.undo, &record.redo] {
        put_len(&mut out, stack.len());
        for step in stack {
            put_len(&mut out, step.len());
            for (start, end) in step {
                put_varint(&mut out, *start);
                put_varint(&mut out, end.saturating_sub(*start));
            }
        }
    }
    wire::finish(out)
}

/// Decodes an undo record.
///
/// # Errors
/// A [`SnapshotError`] for any damage (magic, version, checksum, truncation, counts beyond the
/// blob, an empty run, runs out of order or overflowing, trailing bytes). Never panics; counts
/// are checked against the bytes left before anything is reserved.
pub fn decode_undo_record(bytes: &[u8]) -> Result<UndoRecord, SnapshotError> {
    let mut r = wire::open(bytes, UNDO_MAGIC, UNDO_FORMAT_VERSION, "undo record")?;
    let mut stacks = [Vec::new(), Vec::new()];
    for stack in &mut stacks {
        let steps = r.count(1)?;
        stack.reserve(steps);
        for _ in 0..steps {
            let runs = r.count(2)?;
            let mut step: UndoStep = Vec::with_capacity(runs);
            for _ in 0..runs {
                let offset = r.pos();
                let start = r.varint()?;
                let length = r.varint()?;
                let end = start.checked_add(length).filter(|_| length > 0);
                let ordered = step.last().is_none_or(|(_, last_end)| start >= *last_end);
                match end {
                    Some(end) if ordered => step.push((start, end)),
                    _ => return Err(SnapshotError::NotCanonical { what: "undo step runs", offset }),
                }
            }
            stack.push(step);
        }
    }
    r.end()?;
    let [undo, redo] = stacks;
    Ok(UndoRecord { undo, redo })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_damage() {
        let record = UndoRecord { undo: vec![vec![(3, 4)], vec![(10, 12), (15, 40)]], redo: vec![vec![(41, 42)]] };
        let bytes = encode_undo_record(&record);
        assert_eq!(decode_undo_record(&bytes), Ok(record));
        assert_eq!(decode_undo_record(&encode_undo_record(&UndoRecord::default())), Ok(UndoRecord::default()));
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 1;
            assert!(decode_undo_record(&damaged).is_err(), "byte {i}");
        }
        let overlapping = UndoRecord { undo: vec![vec![(10, 12), (11, 13)]], redo: vec![] };
        assert!(decode_undo_record(&encode_undo_record(&overlapping)).is_err());
        let empty_run = UndoRecord { undo: vec![vec![(5, 5)]], redo: vec![] };
        assert!(decode_undo_record(&encode_undo_record(&empty_run)).is_err());
    }
}
