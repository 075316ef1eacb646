//! The byte-level pieces shared by the tile and index formats: the `magic version crc32` header,
//! LEB128 varints, length-prefixed strings, and a [`Reader`] that never panics.
//!
//! Every blob is `magic:4 version:u8 crc32:u32-LE body`, where the CRC-32 (crc32fast, the
//! IEEE polynomial) covers exactly the body. [`open`] checks magic, version and checksum before
//! a single body byte is interpreted. Varints are unsigned LEB128 and minimal: a value has one
//! encoding, so a decodable blob is the canonical encoding of what it decodes to.

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
    let mut r = Reader { bytes, pos: 4 };
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

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A `usize` length or count as a varint (lossless: `usize` is at most 64 bits).
pub(super) fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, n as u64);
}

pub(super) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over a blob. Every method returns an error instead of reading past the end, and
/// offsets in errors are positions in the whole blob.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// The position of the next byte to read.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    pub(super) fn byte(&mut self) -> Result<u8, SnapshotError> {
        let b = *self.bytes.get(self.pos).ok_or(SnapshotError::Truncated { offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self.pos.saturating_add(n);
        let slice = self.bytes.get(self.pos..end).ok_or(SnapshotError::Truncated { offset: self.bytes.len() })?;
        self.pos = end;
        Ok(slice)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let at = self.pos;
        let raw = self.take(N)?;
        raw.try_into().map_err(|_| SnapshotError::Truncated { offset: at })
    }

    /// An unsigned LEB128 varint of at most 64 bits, minimally encoded.
    pub(super) fn varint(&mut self) -> Result<u64, SnapshotError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            if shift == 63 && low > 1 {
                return Err(SnapshotError::VarintOverflow { offset: start });
            }
            value |= low << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(SnapshotError::NotCanonical { what: "integer encoding", offset: start });
                }
                return Ok(value);
            }
        }
        Err(SnapshotError::VarintOverflow { offset: start })
    }

    /// A count of items each at least `min_item_bytes` long, checked against the bytes left so
    /// that no caller can be made to reserve more than the blob justifies.
    pub(super) fn count(&mut self, min_item_bytes: usize) -> Result<usize, SnapshotError> {
        let offset = self.pos;
        let length = self.varint()?;
        let remaining = self.remaining();
        match usize::try_from(length) {
            Ok(n) if n.checked_mul(min_item_bytes).is_some_and(|b| b <= remaining) => Ok(n),
            _ => Err(SnapshotError::LengthTooLarge { length, remaining, offset }),
        }
    }

    /// A length-prefixed UTF-8 string.
    pub(super) fn string(&mut self) -> Result<String, SnapshotError> {
        let len = self.count(1)?;
        let offset = self.pos;
        let raw = self.take(len)?;
        std::str::from_utf8(raw).map(str::to_owned).map_err(|_| SnapshotError::InvalidUtf8 { offset })
    }

    /// Ends decoding: every byte must have been read.
    pub(super) fn end(&self) -> Result<(), SnapshotError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(SnapshotError::TrailingBytes { offset: self.pos, extra }),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader<'_> {
        Reader { bytes, pos: 0 }
    }

    #[test]
    fn varints_round_trip_and_are_minimal() {
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut r = reader(&out);
            assert_eq!(r.varint(), Ok(v));
            assert_eq!(r.end(), Ok(()));
        }
        assert_eq!(
            reader(&[0x80, 0x00]).varint(),
            Err(SnapshotError::NotCanonical { what: "integer encoding", offset: 0 })
        );
        let too_big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(reader(&too_big).varint(), Err(SnapshotError::VarintOverflow { offset: 0 }));
        assert_eq!(reader(&[0x80]).varint(), Err(SnapshotError::Truncated { offset: 1 }));
    }

    #[test]
    fn counts_are_checked_against_the_bytes_left() {
        let mut out = Vec::new();
        put_varint(&mut out, 1 << 40);
        out.extend_from_slice(&[0; 8]);
        let err = reader(&out).count(1);
        assert_eq!(err, Err(SnapshotError::LengthTooLarge { length: 1 << 40, remaining: 8, offset: 0 }));
        let mut r = reader(&[2, 0, 0, 0, 0]);
        assert_eq!(r.count(2), Ok(2));
        assert!(matches!(reader(&[3, 0, 0, 0, 0]).count(2), Err(SnapshotError::LengthTooLarge { .. })));
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
