//! [`HistoryBlob`]: a run of log entries kept in the blob store once the log is truncated
//! before them (DESIGN.md section 5b, "Lifecycle"), and its format ([`encode_history`],
//! [`decode_history`]). History blobs chain: each names the one before it, so the whole history
//! of a sheet can be walked back from the newest.
//!
//! Layout (integers are minimal unsigned LEB128 varints unless said otherwise):
//!
//! ```text
//! history  = "SLHS" version:u8(=1) crc32:u32-LE body   the CRC-32 covers exactly `body`
//! body     = previous first count entry*count
//! previous = byte-length UTF-8     path of the previous history blob; empty for the first
//! first    = the sequence id of the first entry
//! entry    = byte-length bytes     one entry in the log's entry encoding, metadata cleared
//! ```
//!
//! The entries are opaque bytes here (the log owns their encoding, `crate::log::encode_entry`),
//! so this module needs nothing of the log. [`decode_history`] never panics and allocates no
//! more than a small multiple of its input: each entry takes at least its length byte, checked
//! against the bytes left before anything is reserved.

use super::error::SnapshotError;
use super::wire::{self, put_len, put_str, put_varint};

/// The format version written by [`encode_history`].
pub const HISTORY_FORMAT_VERSION: u8 = 1;

const HISTORY_MAGIC: [u8; 4] = *b"SLHS";

/// The entries `first .. first + entries.len()` of a log, and the blob before them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryBlob {
    /// Path of the previous history blob (the entries just before `first`), if any.
    pub previous: Option<String>,
    /// Sequence id of the first entry.
    pub first: u64,
    /// The encoded entries, in order.
    pub entries: Vec<Vec<u8>>,
}

impl HistoryBlob {
    /// One past the last entry's sequence id.
    pub fn end(&self) -> u64 {
        self.first.saturating_add(self.entries.len() as u64)
    }
}

/// Encodes `history` (layout in the module docs).
pub fn encode_history(history: &HistoryBlob) -> Vec<u8> {
    let mut out = wire::start(HISTORY_MAGIC, HISTORY_FORMAT_VERSION);
    put_str(&mut out, history.previous.as_deref().unwrap_or(""));
    put_varint(&mut out, history.first);
    put_len(&mut out, history.entries.len());
    for entry in &history.entries {
        put_len(&mut out, entry.len());
        out.extend_from_slice(entry);
    }
    wire::finish(out)
}

/// Decodes a blob written by [`encode_history`].
///
/// # Errors
/// A [`SnapshotError`] for wrong magic, unknown version, checksum mismatch (checked before the
/// body is read), truncation, counts or lengths larger than the blob, invalid UTF-8, a first
/// sequence id whose run would pass 2^64, or trailing bytes. Never panics.
pub fn decode_history(bytes: &[u8]) -> Result<HistoryBlob, SnapshotError> {
    let mut r = wire::open(bytes, HISTORY_MAGIC, HISTORY_FORMAT_VERSION, "history")?;
    let previous = r.string()?;
    let first = r.varint()?;
    let count = r.count(1)?;
    if first.checked_add(count as u64).is_none() {
        return Err(SnapshotError::CountTooLarge { what: "history entry count", count: count as u64 });
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let len = r.count(1)?;
        entries.push(r.take(len)?.to_vec());
    }
    r.end()?;
    Ok(HistoryBlob { previous: (!previous.is_empty()).then_some(previous), first, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let blob =
            HistoryBlob { previous: Some("history/0-10".into()), first: 10, entries: vec![vec![2, 0, 1], vec![]] };
        let bytes = encode_history(&blob);
        assert_eq!(decode_history(&bytes), Ok(blob.clone()));
        assert_eq!(blob.end(), 12);
        let first = HistoryBlob { previous: None, first: 0, entries: vec![] };
        assert_eq!(decode_history(&encode_history(&first)), Ok(first));
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x41;
            assert!(decode_history(&damaged).is_err(), "byte {i}");
            assert!(decode_history(&bytes[..i]).is_err(), "truncated at {i}");
        }
    }
}
