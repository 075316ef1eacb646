//! Byte-level pieces shared by the binary formats (log entries in `log`, tiles and snapshot
//! indexes in `snapshot`): minimal unsigned LEB128 varints, length-prefixed UTF-8 strings, and a
//! [`Reader`] that never panics and never lets a count claim more than the bytes left.
//!
//! Each format maps [`WireError`] into its own error type, keeping byte offsets.

/// Why bytes could not be read. Offsets are positions in the whole input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireError {
    /// The input ended in the middle of a field.
    Truncated { offset: usize },
    /// A varint is longer than 10 bytes or overflows 64 bits.
    VarintOverflow { offset: usize },
    /// A varint has redundant trailing zero groups (every value has exactly one encoding).
    OverlongVarint { offset: usize },
    /// A count or length claims more than the remaining bytes can hold.
    LengthTooLarge { length: u64, remaining: usize, offset: usize },
    /// A string is not valid UTF-8.
    InvalidUtf8 { offset: usize },
    /// Bytes remain after a complete value.
    TrailingBytes { offset: usize, extra: usize },
}

/// Writes `v` as a minimal unsigned LEB128 varint.
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A `usize` length or count as a varint (lossless: `usize` is at most 64 bits).
pub(crate) fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, n as u64);
}

/// A string as its byte length then its UTF-8 bytes.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over an input. Every method returns an error instead of reading past the end.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes` positioned at `pos`.
    pub(crate) fn at(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    /// The position of the next byte to read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// One byte.
    pub(crate) fn byte(&mut self) -> Result<u8, WireError> {
        let b = *self.bytes.get(self.pos).ok_or(WireError::Truncated { offset: self.pos })?;
        self.pos += 1;
        Ok(b)
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.saturating_add(n);
        let slice = self.bytes.get(self.pos..end).ok_or(WireError::Truncated { offset: self.bytes.len() })?;
        self.pos = end;
        Ok(slice)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let at = self.pos;
        self.take(N)?.try_into().map_err(|_| WireError::Truncated { offset: at })
    }

    /// An unsigned LEB128 varint of at most 64 bits, minimally encoded.
    pub(crate) fn varint(&mut self) -> Result<u64, WireError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            let low = u64::from(b & 0x7f);
            if shift == 63 && low > 1 {
                return Err(WireError::VarintOverflow { offset: start });
            }
            value |= low << shift;
            if b & 0x80 == 0 {
                if b == 0 && shift > 0 {
                    return Err(WireError::OverlongVarint { offset: start });
                }
                return Ok(value);
            }
        }
        Err(WireError::VarintOverflow { offset: start })
    }

    /// A count of items each at least `min_item_bytes` long, checked against the bytes left so
    /// that no caller can be made to reserve more than the input justifies.
    pub(crate) fn count(&mut self, min_item_bytes: usize) -> Result<usize, WireError> {
        let offset = self.pos;
        let length = self.varint()?;
        let remaining = self.remaining();
        match usize::try_from(length) {
            Ok(n) if n.checked_mul(min_item_bytes).is_some_and(|b| b <= remaining) => Ok(n),
            _ => Err(WireError::LengthTooLarge { length, remaining, offset }),
        }
    }

    /// A length-prefixed UTF-8 string.
    pub(crate) fn string(&mut self) -> Result<String, WireError> {
        self.str().map(str::to_owned)
    }

    /// A length-prefixed UTF-8 string, checked and borrowed from the input (nothing copied).
    pub(crate) fn str(&mut self) -> Result<&'a str, WireError> {
        let len = self.count(1)?;
        let offset = self.pos;
        let raw = self.take(len)?;
        std::str::from_utf8(raw).map_err(|_| WireError::InvalidUtf8 { offset })
    }

    /// Ends reading: every byte must have been read.
    pub(crate) fn end(&self) -> Result<(), WireError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(WireError::TrailingBytes { offset: self.pos, extra }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_reject_overlong_and_overflowing_encodings() {
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut r = Reader::at(&out, 0);
            assert_eq!(r.varint(), Ok(v));
            assert_eq!(r.end(), Ok(()));
        }
        assert_eq!(Reader::at(&[0x80, 0x00], 0).varint(), Err(WireError::OverlongVarint { offset: 0 }));
        let too_big = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(Reader::at(&too_big, 0).varint(), Err(WireError::VarintOverflow { offset: 0 }));
        assert_eq!(Reader::at(&[0x80], 0).varint(), Err(WireError::Truncated { offset: 1 }));
    }

    #[test]
    fn counts_are_checked_against_the_bytes_left() {
        let mut out = Vec::new();
        put_varint(&mut out, 1 << 40);
        assert!(matches!(Reader::at(&out, 0).count(1), Err(WireError::LengthTooLarge { .. })));
        let mut s = Vec::new();
        put_str(&mut s, "héllo");
        assert_eq!(Reader::at(&s, 0).string().as_deref(), Ok("héllo"));
        assert_eq!(Reader::at(&[2, 0xff, 0xfe], 0).string(), Err(WireError::InvalidUtf8 { offset: 1 }));
        assert_eq!(Reader::at(&[1, 2, 3], 1).end(), Err(WireError::TrailingBytes { offset: 1, extra: 2 }));
    }
}
