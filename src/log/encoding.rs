//! The binary encoding of [`Entry`]: how entries are stored in IndexedDB.
//!
//! Layout (all integers unsigned LEB128 varints unless said otherwise; no `usize` on the wire):
//!
//! ```text
//! entry     = v2 | v1
//! v2        = version:u8(=2) crc32:u32-LE body     the CRC-32 covers exactly `body`
//! body      = origin operation metadata
//! origin    = 0 (none) | 1 time_ms client:u64-LE   ms since the Unix epoch, client id
//! v1        = version:u8(=1) operation metadata    no checksum, no origin: decoded, never written
//! operation = 0 cell                      set one cell
//!           | 1 count cell*count          set a batch of cells
//!           | 2 at count | 3 at count     insert / delete rows
//!           | 4 at count | 5 at count     insert / delete columns
//!           | 6 row col height-1 width-1   clear a rectangle (top-left corner, then size)
//!           | 7 axis:u8 count run*count   row heights (axis 0) or column widths (axis 1)
//!           | 8 row col height-1 width-1 tile_rows tile_cols string   an import's layer: the
//!                                         rectangle it replaces, its tile grid, its blob dir
//! run       = start count-1 size          size in CSS pixels; 0 for the axis default
//! cell      = row col value format
//! value     = 0 (no value) | 1 (explicit empty) | 2 string (text) | 3 f64-LE (number)
//!           | 4 (false) | 5 (true) | 6 code:u8 (error, ErrorCode::to_byte)
//! format    = 0 (none) | 1 string
//! metadata  = flags:u8 (bit 0 snapshot, 1 history, 2 pending) [string] [string] [workflow:u8]
//! string    = byte-length UTF-8
//! ```
//!
//! [`encode_entry`] always writes version 2. An entry without an [`Origin`] is written with
//! the origin tag 0 (not as time and client 0), so `None` and `Some` of any value stay
//! distinct. [`decode_entry`] reads both versions; a version 1 entry decodes with `origin: None`.
//!
//! The checksum is a CRC-32 (IEEE polynomial) from the `crc32fast` crate, the same one the tile
//! and snapshot index blobs use (`crate::snapshot`), so one checksum serves every stored format.
//! [`decode_entry`] checks it right after the version byte, before any body byte is
//! interpreted: a damaged v2 entry is a [`DecodeError::ChecksumMismatch`], never a value. (A CRC-32
//! detects every change confined to 4 consecutive bytes, so any one damaged body byte is caught.
//! A version byte damaged from 2 into 1 makes the bytes read as an unchecked v1 entry; they then
//! fail to decode unless the 4 checksum bytes happen to form a valid v1 operation and the rest
//! parses to exactly the end.)
//!
//! [`decode_metadata`] reads only the metadata (the operation's cells stepped over) and
//! [`replace_metadata`] changes it in place (the bytes before it kept, the checksum computed
//! again): what marking and reading a workflow on an entry need, at a pass over its bytes rather
//! than their decoding, however many cells the entry holds.
//!
//! [`decode_entry`] never panics and never allocates more than the input's length justifies: a
//! count or length is checked against the bytes left before anything is reserved. A decoded
//! entry is validated like a new one, so damaged bytes can never produce an entry that could not
//! have been stored. The v2 encoding is canonical: `encode_entry(&decode_entry(b)?) == b` for
//! every v2 input `b` that decodes (minimal varints, one tag per choice, no trailing bytes).

use super::entry::{CellWrite, Entry, Metadata, MetadataUpdate, Operation, Origin, Workflow};
use super::ImportLayer;
use crate::model::{Axis, CellRange, CellRef, CellValue, ErrorCode, Format, SizeRun, ValidationError};
use crate::wire::{put_str, put_varint, Reader, WireError};

/// The format version written by [`encode_entry`]: checksummed, with an [`Origin`]. Bump it
/// when the layout changes and keep decoding the old ones.
pub const ENTRY_FORMAT_VERSION: u8 = 2;

/// The first entry format: no checksum, no origin. Still decoded, no longer written.
pub const ENTRY_FORMAT_V1: u8 = 1;

/// Bytes before a version 2 body: the version and the CRC-32.
const V2_HEADER_LEN: usize = 5;

/// Smallest encoding of one [`CellWrite`]: row, col, value tag, format tag.
const MIN_CELL_BYTES: usize = 4;

/// Smallest encoding of one [`SizeRun`]: start, count and size varints.
const MIN_SIZE_RUN_BYTES: usize = 3;

/// Why bytes could not be decoded into an entry. Offsets are byte positions in the input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended in the middle of a field.
    #[error("entry bytes end early at byte {offset}")]
    Truncated {
        /// Where the input ended.
        offset: usize,
    },
    /// The first byte names a format version this build does not know.
    #[error(
        "entry format version {found} is not supported (this build reads versions {ENTRY_FORMAT_V1} to \
         {ENTRY_FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The CRC-32 stored in a version 2 entry does not match its body: the entry is damaged.
    #[error("entry checksum mismatch: the entry stores {stored:#010x} but its body gives {computed:#010x}")]
    ChecksumMismatch {
        /// The checksum stored after the version byte.
        stored: u32,
        /// The checksum of the bytes after it.
        computed: u32,
    },
    /// A tag byte has no meaning at this position.
    #[error("unknown {what} tag {tag} at byte {offset}")]
    UnknownTag {
        /// Which field the tag belongs to.
        what: &'static str,
        /// The tag byte found.
        tag: u8,
        /// Where it was found.
        offset: usize,
    },
    /// A varint is longer than 10 bytes or overflows 64 bits.
    #[error("integer at byte {offset} overflows 64 bits")]
    VarintOverflow {
        /// Where the integer starts.
        offset: usize,
    },
    /// A varint has redundant trailing zero groups; every value has exactly one encoding.
    #[error("integer at byte {offset} is not minimally encoded")]
    OverlongVarint {
        /// Where the integer starts.
        offset: usize,
    },
    /// A count or length claims more than the remaining bytes can hold.
    #[error("length {length} at byte {offset} exceeds the {remaining} bytes left")]
    LengthTooLarge {
        /// The count or length claimed.
        length: u64,
        /// Bytes left in the input.
        remaining: usize,
        /// Where the count starts.
        offset: usize,
    },
    /// A string is not valid UTF-8.
    #[error("text at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Where the string's bytes start.
        offset: usize,
    },
    /// Bytes remain after a complete entry.
    #[error("{extra} unexpected bytes after the entry at byte {offset}")]
    TrailingBytes {
        /// Where the complete entry ended.
        offset: usize,
        /// How many bytes follow it.
        extra: usize,
    },
    /// The fields decode but break a limit no stored entry can break.
    #[error("decoded entry is invalid: {0}")]
    Invalid(#[from] ValidationError),
}

/// Encodes `entry` (which should be valid, see [`Entry::validate`]) in the current format,
/// version 2, into a new byte vector.
pub fn encode_entry(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    out.push(ENTRY_FORMAT_VERSION);
    out.extend_from_slice(&[0; 4]);
    match entry.origin {
        None => out.push(0),
        Some(Origin { time_ms, client }) => {
            out.push(1);
            put_varint(&mut out, time_ms);
            out.extend_from_slice(&client.to_le_bytes());
        }
    }
    put_operation(&mut out, &entry.operation);
    put_metadata(&mut out, &entry.metadata);
    seal(&mut out);
    out
}

/// Writes the CRC-32 of a version 2 entry's body into its header.
fn seal(out: &mut [u8]) {
    let crc = crc32fast::hash(out.get(V2_HEADER_LEN..).unwrap_or_default());
    if let Some(slot) = out.get_mut(1..V2_HEADER_LEN) {
        slot.copy_from_slice(&crc.to_le_bytes());
    }
}

/// Decodes bytes written by [`encode_entry`], in the current format (version 2) or in
/// version 1.
///
/// # Errors
/// [`DecodeError`] for any input that is not exactly one valid entry; for version 2,
/// [`DecodeError::ChecksumMismatch`] before anything after the checksum is parsed. Never panics.
pub fn decode_entry(bytes: &[u8]) -> Result<Entry, DecodeError> {
    let mut r = Reader::at(bytes, 0);
    let origin = match r.byte()? {
        ENTRY_FORMAT_V1 => None,
        ENTRY_FORMAT_VERSION => checked_origin(&mut r, bytes)?,
        found => return Err(DecodeError::UnsupportedVersion { found }),
    };
    let operation = read_operation(&mut r)?;
    let metadata = read_metadata(&mut r)?;
    r.end()?;
    let entry = Entry { operation, metadata, origin };
    entry.validate()?;
    Ok(entry)
}

/// The metadata of the entry encoded in `bytes`, without building its operation: for a
/// version 2 entry the checksum is checked, the operation's cells are stepped over (no value
/// is made, no string copied) and the metadata after them read, so reading the metadata of a
/// 500,000-cell entry (what a workflow's end asks, [`crate::log::EventLog::metadata`]) costs a
/// pass over its bytes, not their decoding. A version 1 entry (no checksum) is decoded whole.
/// Agrees with `decode_entry(bytes)?.metadata` wherever that succeeds (`tests/entry_encoding.rs`);
/// a checksummed operation whose cells break a limit is not refused here, as it was validated
/// when written.
///
/// # Errors
/// As [`decode_entry`] for the version, the checksum, the operation's layout and the metadata.
/// Never panics; allocates only the metadata's strings.
pub fn decode_metadata(bytes: &[u8]) -> Result<Metadata, DecodeError> {
    match bytes.first() {
        Some(&ENTRY_FORMAT_V1) => decode_entry(bytes).map(|entry| entry.metadata),
        _ => metadata_at(bytes).map(|(_, metadata)| metadata),
    }
}

/// The bytes of the entry encoded in `bytes` with its metadata changed by `update`, and the new
/// metadata: exactly `encode_entry` of the updated entry, made without decoding the operation
/// (a version 2 entry's bytes up to its metadata are kept, the checksum computed again), so
/// marking a workflow on a 500,000-cell entry costs a pass over its bytes. A version 1 entry
/// is decoded whole and written as version 2.
///
/// # Errors
/// As [`decode_metadata`]; [`DecodeError::Invalid`] when the update sets a path over the limit.
pub fn replace_metadata(bytes: &[u8], update: &MetadataUpdate) -> Result<(Vec<u8>, Metadata), DecodeError> {
    update.validate()?;
    if bytes.first() == Some(&ENTRY_FORMAT_V1) {
        let mut entry = decode_entry(bytes)?;
        update.apply_to(&mut entry.metadata);
        return Ok((encode_entry(&entry), entry.metadata));
    }
    let (at, mut metadata) = metadata_at(bytes)?;
    update.apply_to(&mut metadata);
    let mut out = Vec::with_capacity(at + 16);
    out.extend_from_slice(bytes.get(..at).unwrap_or_default());
    put_metadata(&mut out, &metadata);
    seal(&mut out);
    Ok((out, metadata))
}

/// Where the metadata of the version 2 entry in `bytes` starts, and the metadata: the checksum
/// is checked, then the operation stepped over ([`skip_cell`] for cells).
fn metadata_at(bytes: &[u8]) -> Result<(usize, Metadata), DecodeError> {
    let mut r = Reader::at(bytes, 0);
    match r.byte()? {
        ENTRY_FORMAT_VERSION => {
            checked_origin(&mut r, bytes)?;
        }
        found => return Err(DecodeError::UnsupportedVersion { found }),
    }
    let tag_at = r.pos();
    match r.byte()? {
        0 => skip_cell(&mut r)?,
        1 => {
            for _ in 0..r.count(MIN_CELL_BYTES)? {
                skip_cell(&mut r)?;
            }
        }
        // Every other operation is a few bytes: read it as decoding does.
        _ => {
            r = Reader::at(bytes, tag_at);
            read_operation(&mut r)?;
        }
    }
    let at = r.pos();
    let metadata = read_metadata(&mut r)?;
    r.end()?;
    metadata.validate()?;
    Ok((at, metadata))
}

fn put_operation(out: &mut Vec<u8>, operation: &Operation) {
    match operation {
        Operation::SetCell(cell) => {
            out.push(0);
            put_cell(out, cell);
        }
        Operation::SetCells(cells) => {
            out.push(1);
            put_varint(out, cells.len() as u64);
            cells.iter().for_each(|cell| put_cell(out, cell));
        }
        Operation::InsertRows { at, count } => put_span(out, 2, *at, *count),
        Operation::DeleteRows { at, count } => put_span(out, 3, *at, *count),
        Operation::InsertColumns { at, count } => put_span(out, 4, *at, *count),
        Operation::DeleteColumns { at, count } => put_span(out, 5, *at, *count),
        Operation::ClearRange(range) => {
            out.push(6);
            put_rect(out, range);
        }
        Operation::Import(layer) => {
            out.push(8);
            put_rect(out, &layer.rect);
            put_varint(out, layer.tile_rows.into());
            put_varint(out, layer.tile_cols.into());
            put_str(out, &layer.dir);
        }
        Operation::SetItemSizes { axis, runs } => {
            out.push(7);
            out.push(match axis {
                Axis::Row => 0,
                Axis::Column => 1,
            });
            put_varint(out, runs.len() as u64);
            for run in runs {
                put_varint(out, run.start);
                put_varint(out, run.count.saturating_sub(1));
                put_varint(out, run.size.map_or(0, u64::from));
            }
        }
    }
}

fn put_rect(out: &mut Vec<u8>, range: &CellRange) {
    put_varint(out, range.start().row);
    put_varint(out, range.start().col);
    put_varint(out, range.end().row - range.start().row);
    put_varint(out, range.end().col - range.start().col);
}

/// Reads a rectangle as [`put_rect`] wrote it.
fn read_rect(r: &mut Reader<'_>) -> Result<CellRange, DecodeError> {
    let (row, col) = (r.varint()?, r.varint()?);
    let (rows, cols) = (r.varint()?, r.varint()?);
    let too_large = |axis, index| DecodeError::Invalid(ValidationError::IndexTooLarge { axis, index });
    let last_row = row.checked_add(rows).ok_or(too_large(Axis::Row, u64::MAX))?;
    let last_col = col.checked_add(cols).ok_or(too_large(Axis::Column, u64::MAX))?;
    Ok(CellRange::new(CellRef { row, col }, CellRef { row: last_row, col: last_col }))
}

fn put_metadata(out: &mut Vec<u8>, m: &Metadata) {
    let flags =
        u8::from(m.snapshot.is_some()) | u8::from(m.history.is_some()) << 1 | u8::from(m.pending.is_some()) << 2;
    out.push(flags);
    if let Some(s) = &m.snapshot {
        put_str(out, s);
    }
    if let Some(h) = &m.history {
        put_str(out, h);
    }
    if let Some(p) = m.pending {
        out.push(p.to_byte());
    }
}

/// After a version 2 entry's version byte: checks the CRC-32 of the body (before anything in it
/// is interpreted), then reads the origin.
fn checked_origin(r: &mut Reader<'_>, bytes: &[u8]) -> Result<Option<Origin>, DecodeError> {
    let stored = u32::from_le_bytes(r.array::<4>()?);
    let computed = crc32fast::hash(bytes.get(V2_HEADER_LEN..).unwrap_or_default());
    if stored != computed {
        return Err(DecodeError::ChecksumMismatch { stored, computed });
    }
    read_origin(r)
}

fn read_origin(r: &mut Reader<'_>) -> Result<Option<Origin>, DecodeError> {
    let tag_at = r.pos();
    match r.byte()? {
        0 => Ok(None),
        1 => {
            let time_ms = r.varint()?;
            let client = u64::from_le_bytes(r.array::<8>()?);
            Ok(Some(Origin { time_ms, client }))
        }
        tag => Err(DecodeError::UnknownTag { what: "origin", tag, offset: tag_at }),
    }
}

fn read_operation(r: &mut Reader<'_>) -> Result<Operation, DecodeError> {
    let tag_at = r.pos();
    let operation = match r.byte()? {
        0 => Operation::SetCell(read_cell(r)?),
        1 => {
            let count = r.count(MIN_CELL_BYTES)?;
            let mut cells = Vec::with_capacity(count);
            for _ in 0..count {
                cells.push(read_cell(r)?);
            }
            Operation::SetCells(cells)
        }
        tag @ 2..=5 => {
            let at = r.varint()?;
            let count = r.varint()?;
            match tag {
                2 => Operation::InsertRows { at, count },
                3 => Operation::DeleteRows { at, count },
                4 => Operation::InsertColumns { at, count },
                _ => Operation::DeleteColumns { at, count },
            }
        }
        6 => Operation::ClearRange(read_rect(r)?),
        8 => {
            let rect = read_rect(r)?;
            let side = |v: u64| {
                u32::try_from(v).map_err(|_| {
                    DecodeError::Invalid(ValidationError::BadImportLayer {
                        reason: "its tile size is outside 1 to 4096",
                    })
                })
            };
            let tile_rows = side(r.varint()?)?;
            let tile_cols = side(r.varint()?)?;
            let dir = r.string()?;
            Operation::Import(ImportLayer { dir, rect, tile_rows, tile_cols })
        }
        7 => {
            let axis_at = r.pos();
            let axis = match r.byte()? {
                0 => Axis::Row,
                1 => Axis::Column,
                tag => return Err(DecodeError::UnknownTag { what: "axis", tag, offset: axis_at }),
            };
            let count = r.count(MIN_SIZE_RUN_BYTES)?;
            let mut runs = Vec::with_capacity(count);
            for _ in 0..count {
                let start = r.varint()?;
                let count = r
                    .varint()?
                    .checked_add(1)
                    .ok_or(DecodeError::Invalid(ValidationError::IndexTooLarge { axis, index: u64::MAX }))?;
                let size =
                    match r.varint()? {
                        0 => None,
                        px => Some(u32::try_from(px).map_err(|_| {
                            DecodeError::Invalid(ValidationError::BadItemSize { axis, size: px as f64 })
                        })?),
                    };
                runs.push(SizeRun { start, count, size });
            }
            Operation::SetItemSizes { axis, runs }
        }
        tag => return Err(DecodeError::UnknownTag { what: "operation", tag, offset: tag_at }),
    };
    Ok(operation)
}

fn read_metadata(r: &mut Reader<'_>) -> Result<Metadata, DecodeError> {
    let flags_at = r.pos();
    let flags = r.byte()?;
    if flags & !0b111 != 0 {
        return Err(DecodeError::UnknownTag { what: "metadata flags", tag: flags, offset: flags_at });
    }
    let snapshot = if flags & 1 != 0 { Some(r.string()?) } else { None };
    let history = if flags & 2 != 0 { Some(r.string()?) } else { None };
    let pending = if flags & 4 != 0 {
        let at = r.pos();
        let b = r.byte()?;
        Some(Workflow::from_byte(b).ok_or(DecodeError::UnknownTag { what: "workflow", tag: b, offset: at })?)
    } else {
        None
    };
    Ok(Metadata { snapshot, history, pending })
}

fn put_span(out: &mut Vec<u8>, tag: u8, at: u64, count: u64) {
    out.push(tag);
    put_varint(out, at);
    put_varint(out, count);
}

fn put_cell(out: &mut Vec<u8>, cell: &CellWrite) {
    put_varint(out, cell.row);
    put_varint(out, cell.col);
    match &cell.value {
        None => out.push(0),
        Some(CellValue::Empty) => out.push(1),
        Some(CellValue::Text(t)) => {
            out.push(2);
            put_str(out, t);
        }
        Some(CellValue::Number(n)) => {
            out.push(3);
            out.extend_from_slice(&n.to_le_bytes());
        }
        Some(CellValue::Boolean(b)) => out.push(if *b { 5 } else { 4 }),
        Some(CellValue::Error(code)) => {
            out.push(6);
            out.push(code.to_byte());
        }
    }
    match &cell.format {
        None => out.push(0),
        Some(f) => {
            out.push(1);
            put_str(out, f.as_str());
        }
    }
}

/// A cell as stored, its text and format borrowed from the input: the one reading of a cell's
/// layout and value tags, which [`read_cell`] turns into a [`CellWrite`] and the metadata reads
/// step over ([`decode_metadata`]) without making anything.
struct StoredCell<'a> {
    row: u64,
    col: u64,
    value: Option<StoredValue<'a>>,
    format: Option<&'a str>,
}

enum StoredValue<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Boolean(bool),
    Error(ErrorCode),
}

fn read_stored_cell<'a>(r: &mut Reader<'a>) -> Result<StoredCell<'a>, DecodeError> {
    let row = r.varint()?;
    let col = r.varint()?;
    let tag_at = r.pos();
    let value = match r.byte()? {
        0 => None,
        1 => Some(StoredValue::Empty),
        2 => Some(StoredValue::Text(r.str()?)),
        3 => Some(StoredValue::Number(f64::from_le_bytes(r.array::<8>()?))),
        4 => Some(StoredValue::Boolean(false)),
        5 => Some(StoredValue::Boolean(true)),
        6 => {
            let at = r.pos();
            let b = r.byte()?;
            Some(StoredValue::Error(ErrorCode::from_byte(b).ok_or(DecodeError::UnknownTag {
                what: "error code",
                tag: b,
                offset: at,
            })?))
        }
        tag => return Err(DecodeError::UnknownTag { what: "cell value", tag, offset: tag_at }),
    };
    let format_at = r.pos();
    let format = match r.byte()? {
        0 => None,
        1 => Some(r.str()?),
        tag => return Err(DecodeError::UnknownTag { what: "format", tag, offset: format_at }),
    };
    Ok(StoredCell { row, col, value, format })
}

fn read_cell(r: &mut Reader<'_>) -> Result<CellWrite, DecodeError> {
    let StoredCell { row, col, value, format } = read_stored_cell(r)?;
    let value = value.map(|value| match value {
        StoredValue::Empty => CellValue::Empty,
        StoredValue::Text(text) => CellValue::Text(text.into()),
        StoredValue::Number(n) => CellValue::Number(n),
        StoredValue::Boolean(b) => CellValue::Boolean(b),
        StoredValue::Error(code) => CellValue::Error(code),
    });
    let format = format.map(|f| Format::new(f.to_owned())).transpose()?;
    Ok(CellWrite { row, col, value, format })
}

/// Steps over one cell ([`read_stored_cell`]), making nothing.
fn skip_cell(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    read_stored_cell(r).map(drop)
}

impl From<WireError> for DecodeError {
    fn from(error: WireError) -> Self {
        match error {
            WireError::Truncated { offset } => Self::Truncated { offset },
            WireError::VarintOverflow { offset } => Self::VarintOverflow { offset },
            WireError::OverlongVarint { offset } => Self::OverlongVarint { offset },
            WireError::LengthTooLarge { length, remaining, offset } => {
                Self::LengthTooLarge { length, remaining, offset }
            }
            WireError::InvalidUtf8 { offset } => Self::InvalidUtf8 { offset },
            WireError::TrailingBytes { offset, extra } => Self::TrailingBytes { offset, extra },
        }
    }
}
