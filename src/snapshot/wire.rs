//! The byte-level pieces shared by the tile and index formats: the `magic version crc32` header
//! and the position codec. Varints, strings and the panic-free [`Reader`] are the crate's
//! (`crate::wire`), shared with the log's entry encoding.
//!
//! Every blob is `magic:4 version:u8 crc32:u32-LE body`, where the CRC-32 (crc32fast, the
//! IEEE polynomial) covers exactly the body. [`open`] checks magic, version and checksum before
//! a single body byte is interpreted. Varints are unsigned LEB128 and minimal: a value has one
//! encoding, so a decodable blob is the canonical encoding of what it decodes to.

use crate::wire::WireError;
pub(super) use crate::wire::{put_len, put_str, put_varint, Reader};

use super::error::SnapshotError;

/// Bytes before the body: magic, version, checksum.
pub(super) const HEADER_LEN: usize = 9;

/// Starts a blob: magic, version and a checksum placeholder that [`finish`] fills in.
pub(super) fn start(magic: [u8; 4], version: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&magic);
    out.push(version);
    out.extend_from_slice(&[0; 4]);
    out
}

/// Writes the CRC-32 of the body into the header reserved by [`start`].
pub(super) fn finish(mut out: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(out.get(HEADER_LEN..).unwrap_or_default());
    if let Some(slot) = out.get_mut(5..HEADER_LEN) {
        slot.copy_from_slice(&crc.to_le_bytes());
    }
    out
}

/// [`open`] for a format with several readable versions: returns the reader and the version
/// found.
pub(super) fn open_versions<'a>(
    bytes: &'a [u8],
    magic: [u8; 4],
    versions: std::ops::RangeInclusive<u8>,
    what: &'static str,
) -> Result<(Reader<'a>, u8), SnapshotError> {
    let found = bytes.get(4).copied().filter(|v| versions.contains(v)).unwrap_or(*versions.end());
    open(bytes, magic, found, what).map(|r| (r, found))
}

/// Checks magic, version and checksum, in that order, and returns a reader at the first body
/// byte. `what` names the format in [`SnapshotError::UnsupportedVersion`].
pub(super) fn open<'a>(
    bytes: &'a [u8],
    magic: [u8; 4],
    version: u8,
    what: &'static str,
) -> Result<Reader<'a>, SnapshotError> {
    let found = bytes.get(..4).unwrap_or(bytes);
    if found != magic {
        return Err(SnapshotError::BadMagic { expected: magic, found: found.to_vec() });
    }
    let mut r = Reader::at(bytes, 4);
    let found = r.byte()?;
    if found != version {
        return Err(SnapshotError::UnsupportedVersion { what, found, supported: version });
    }
    let stored = u32::from_le_bytes(r.array::<4>()?);
    let computed = crc32fast::hash(bytes.get(HEADER_LEN..).unwrap_or_default());
    if stored != computed {
        return Err(SnapshotError::ChecksumMismatch { stored, computed });
    }
    Ok(r)
}

/// Cell and tile positions, two coordinates in strictly increasing (row, col) order, each
/// written relative to the one before:
///
/// - `row` field: the row minus the previous row (the first position: the row itself);
/// - `col` field: the column itself when the row field is not 0 or this is the first position,
///   else the column minus the previous column minus 1.
///
/// Every strictly increasing sequence has exactly one encoding and every encoding decodes to a
/// strictly increasing sequence, so the order needs no separate check.
#[derive(Debug, Default)]
pub(super) struct PositionCodec {
    prev: Option<(u64, u64)>,
}

impl PositionCodec {
    /// Writes `(row, col)`, which must follow the previous position in (row, col) order.
    pub(super) fn put(&mut self, out: &mut Vec<u8>, row: u64, col: u64) {
        let (dr, dc) = match self.prev {
            Some((pr, pc)) if pr == row => (0, col.saturating_sub(pc).saturating_sub(1)),
            Some((pr, _)) => (row.saturating_sub(pr), col),
            None => (row, col),
        };
        put_varint(out, dr);
        put_varint(out, dc);
        self.prev = Some((row, col));
    }

    /// Reads the next position; `None` when it does not fit in 64 bits (no valid position is
    /// that large, so callers report it as out of range).
    pub(super) fn get(&mut self, r: &mut Reader<'_>) -> Result<Option<(u64, u64)>, SnapshotError> {
        let dr = r.varint()?;
        let dc = r.varint()?;
        let next = match self.prev {
            Some((pr, pc)) if dr == 0 => pc.checked_add(dc).and_then(|c| c.checked_add(1)).map(|c| (pr, c)),
            Some((pr, _)) => pr.checked_add(dr).map(|r| (r, dc)),
            None => Some((dr, dc)),
        };
        if let Some(p) = next {
            self.prev = Some(p);
        }
        Ok(next)
    }
}

impl From<WireError> for SnapshotError {
    fn from(error: WireError) -> Self {
        match error {
            WireError::Truncated { offset } => Self::Truncated { offset },
            WireError::VarintOverflow { offset } => Self::VarintOverflow { offset },
            WireError::OverlongVarint { offset } => Self::NotCanonical { what: "integer encoding", offset },
            WireError::LengthTooLarge { length, remaining, offset } => {
                Self::LengthTooLarge { length, remaining, offset }
            }
            WireError::InvalidUtf8 { offset } => Self::InvalidUtf8 { offset },
            WireError::TrailingBytes { offset, extra } => Self::TrailingBytes { offset, extra },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader::at(bytes, 0)
    }

    /// A read result as the snapshot formats report it.
    fn snap<T>(result: Result<T, WireError>) -> Result<T, SnapshotError> {
        result.map_err(SnapshotError::from)
    }

    #[test]
    fn varints_round_trip_and_are_minimal() {
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut r = reader(&out);
            assert_eq!(snap(r.varint()), Ok(v));
            assert_eq!(snap(r.end()), Ok(()));
        }
        assert_eq!(
            snap(reader(&[0x80, 0x00]).varint()),
            Err(SnapshotError::NotCanonical { what: "integer encoding", offset: 0 })
        );
        let too_big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(snap(reader(&too_big).varint()), Err(SnapshotError::VarintOverflow { offset: 0 }));
        assert_eq!(snap(reader(&[0x80]).varint()), Err(SnapshotError::Truncated { offset: 1 }));
    }

    #[test]
    fn counts_are_checked_against_the_bytes_left() {
        let mut out = Vec::new();
        put_varint(&mut out, 1 << 40);
        out.extend_from_slice(&[0; 8]);
        let err = snap(reader(&out).count(1));
        assert_eq!(err, Err(SnapshotError::LengthTooLarge { length: 1 << 40, remaining: 8, offset: 0 }));
        let mut r = reader(&[2, 0, 0, 0, 0]);
        assert_eq!(snap(r.count(2)), Ok(2));
        assert!(matches!(snap(reader(&[3, 0, 0, 0, 0]).count(2)), Err(SnapshotError::LengthTooLarge { .. })));
    }

    #[test]
    fn header_is_checked_in_order() {
        let blob = finish(start(*b"TEST", 1));
        assert_eq!(blob.len(), HEADER_LEN);
        assert!(open(&blob, *b"TEST", 1, "test").is_ok());
        assert_eq!(
            open(b"TE", *b"TEST", 1, "test").err(),
            Some(SnapshotError::BadMagic { expected: *b"TEST", found: b"TE".to_vec() })
        );
        assert_eq!(
            open(&blob, *b"TEST", 2, "test").err(),
            Some(SnapshotError::UnsupportedVersion { what: "test", found: 1, supported: 2 })
        );
        assert_eq!(open(&blob[..7], *b"TEST", 1, "test").err(), Some(SnapshotError::Truncated { offset: 7 }));
        let mut damaged = blob.clone();
        damaged.push(0);
        assert!(matches!(open(&damaged, *b"TEST", 1, "test"), Err(SnapshotError::ChecksumMismatch { .. })));
    }

    #[test]
    fn positions_round_trip() {
        let positions = [(0, 0), (0, 1), (0, 5), (3, 0), (3, 2), (9, 9), (u64::MAX, u64::MAX)];
        let mut out = Vec::new();
        let mut codec = PositionCodec::default();
        for (row, col) in positions {
            codec.put(&mut out, row, col);
        }
        let mut r = reader(&out);
        let mut codec = PositionCodec::default();
        for p in positions {
            assert_eq!(codec.get(&mut r), Ok(Some(p)));
        }
        assert_eq!(r.end(), Ok(()));
    }

    #[test]
    fn positions_that_overflow_are_reported() {
        let mut out = Vec::new();
        put_varint(&mut out, 0);
        put_varint(&mut out, u64::MAX);
        put_varint(&mut out, 0);
        put_varint(&mut out, 0);
        let mut r = reader(&out);
        let mut codec = PositionCodec::default();
        assert_eq!(codec.get(&mut r), Ok(Some((0, u64::MAX))));
        assert_eq!(codec.get(&mut r), Ok(None));
    }
}
