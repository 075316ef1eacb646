//! What each fuzz target does with one input, as plain functions: the fuzz targets call them
//! under libFuzzer (nightly), and `tests/fuzz_crashers.rs` replays kept inputs through them on
//! stable. Each function panics when a property breaks and otherwise returns the [`Outcome`];
//! the decoders themselves must never panic, whatever the bytes.
//!
//! Arbitrary bytes almost never get past a magic, a version and a checksum, so the decoder
//! targets read their first byte as a mode: the rest is either the whole blob, or a body that
//! the target frames with the correct header and CRC-32, so the fuzzer explores the parser
//! behind the checksum. Whatever decodes must be valid and re-encode to exactly the bytes
//! decoded (the formats are canonical).

use sheetlog::engine::csv::{CsvBatch, CsvError, CsvImportOptions, CsvImporter, CsvProgress};
use sheetlog::log::{
    decode_entry as decode_entry_blob, decode_metadata, encode_entry, replace_metadata, Entry, MetadataUpdate,
    Workflow, MAX_BATCH_CELLS,
};
use sheetlog::model::MAX_INDEX;
use sheetlog::snapshot::{
    decode_catalog, decode_history as decode_history_blob, decode_index as decode_index_blob, decode_lease,
    decode_tile as decode_tile_blob, decode_undo_record, encode_catalog, encode_history, encode_index, encode_lease,
    encode_tile, encode_undo_record,
};

/// How an input ended: decoded (or imported), or refused with a typed error (its `Debug`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The input was empty: nothing to do.
    Empty,
    /// The bytes decoded (and passed every check).
    Decoded,
    /// The bytes were refused with this typed error.
    Refused(String),
}

/// A typed error as an outcome; its `Display` is formatted too, so a panicking message is found.
fn refused<E: std::fmt::Debug + std::fmt::Display>(error: E) -> Outcome {
    let _ = error.to_string();
    Outcome::Refused(format!("{error:?}"))
}

/// Bytes of a checksummed blob: `magic version crc32(body) body`.
fn frame(magic: &[u8], version: u8, body: &[u8]) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.push(version);
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The version 1 encoding of `entry` (no longer written by the crate): a version 2 body
/// without its origin, after a version byte 1.
fn encode_entry_v1(entry: &Entry) -> Vec<u8> {
    let v2 = encode_entry(&Entry { origin: None, ..entry.clone() });
    let mut out = vec![1];
    out.extend_from_slice(v2.get(6..).unwrap_or_default());
    out
}

/// `decode_entry`. Mode (`data[0] & 3`): 1 frames the rest as a version 2 body with the correct
/// CRC-32; 2 prefixes the version byte 1 (version 1 has no checksum); otherwise the rest is the
/// whole entry. `decode_metadata` and `replace_metadata` of the same bytes never panic and,
/// where the entry decodes, give its metadata and the encoding of the entry marked.
pub fn decode_entry(data: &[u8]) -> Outcome {
    let Some((&mode, rest)) = data.split_first() else { return Outcome::Empty };
    let bytes = match mode & 3 {
        1 => frame(&[], 2, rest),
        2 => [&[1], rest].concat(),
        _ => rest.to_vec(),
    };
    let metadata = decode_metadata(&bytes);
    let marked = replace_metadata(&bytes, &MetadataUpdate::default().with_pending(Some(Workflow::Gc)));
    match decode_entry_blob(&bytes) {
        Ok(entry) => {
            assert_eq!(metadata, Ok(entry.metadata.clone()), "the metadata alone is the entry's");
            let mut expected = entry.clone();
            expected.metadata.pending = Some(Workflow::Gc);
            let marked = marked.map(|(bytes, _)| bytes);
            assert_eq!(marked, Ok(encode_entry(&expected)), "marked in place: the marked entry's encoding");
            assert_eq!(entry.validate(), Ok(()), "a decoded entry is valid");
            let again = match bytes.first() {
                Some(1) => {
                    assert_eq!(entry.origin, None, "a version 1 entry has no origin");
                    encode_entry_v1(&entry)
                }
                _ => encode_entry(&entry),
            };
            assert_eq!(again, bytes, "a decodable entry is its canonical encoding");
            assert_eq!(decode_entry_blob(&encode_entry(&entry)), Ok(entry), "re-encoded as version 2");
            Outcome::Decoded
        }
        Err(error) => refused(error),
    }
}

/// `decode_tile`. Mode (`data[0] & 1`): 1 frames the rest as a tile body with magic, version 1
/// and the correct CRC-32; 0 takes the rest as the whole blob.
pub fn decode_tile(data: &[u8]) -> Outcome {
    let Some((&mode, rest)) = data.split_first() else { return Outcome::Empty };
    let bytes = if mode & 1 == 1 { frame(b"SLTL", 1, rest) } else { rest.to_vec() };
    match decode_tile_blob(&bytes) {
        Ok(tile) => {
            let (rows, cols) = (tile.size().rows(), tile.size().cols());
            for ((row, col), content) in tile.cells() {
                assert!(row < rows && col < cols, "cell ({row}, {col}) outside a {rows} x {cols} tile");
                if let Some(value) = &content.value {
                    assert_eq!(value.validate(), Ok(()), "a decoded value is valid");
                }
            }
            assert_eq!(encode_tile(&tile), bytes, "a decodable tile is its canonical encoding");
            Outcome::Decoded
        }
        Err(error) => refused(error),
    }
}

/// `decode_index`. Mode (`data[0] & 1`): 1 frames the rest as an index body with magic,
/// version 1 and the correct CRC-32; 0 takes the rest as the whole blob.
pub fn decode_index(data: &[u8]) -> Outcome {
    let Some((&mode, rest)) = data.split_first() else { return Outcome::Empty };
    let bytes = if mode & 1 == 1 { frame(b"SLIX", 1, rest) } else { rest.to_vec() };
    match decode_index_blob(&bytes) {
        Ok(index) => {
            assert_eq!(index.validate(), Ok(()), "a decoded index is valid");
            assert_eq!(encode_index(&index), bytes, "a decodable index is its canonical encoding");
            Outcome::Decoded
        }
        Err(error) => refused(error),
    }
}

/// `decode_history`, and the records beside it. Mode (`data[0] & 15`): 1 frames the rest as a
/// history body with the correct CRC-32, 2 as a catalog body, 3 as a lease body, 8 as an undo
/// record body; 5 and 13, 6 and 14, 9 give the rest whole to the catalog, lease and undo record
/// decoders; otherwise the rest is a whole history blob. Whatever decodes re-encodes to the
/// same bytes; every entry a history blob holds is given to the entry decoder too.
pub fn decode_history(data: &[u8]) -> Outcome {
    let Some((&mode, rest)) = data.split_first() else { return Outcome::Empty };
    let (format, bytes) = match mode & 15 {
        1 => (0, frame(b"SLHS", 1, rest)),
        2 => (1, frame(b"SLCT", 1, rest)),
        3 => (2, frame(b"SLLS", 1, rest)),
        8 => (3, frame(b"SLUN", 1, rest)),
        5 | 13 => (1, rest.to_vec()),
        6 | 14 => (2, rest.to_vec()),
        9 => (3, rest.to_vec()),
        _ => (0, rest.to_vec()),
    };
    match format {
        0 => match decode_history_blob(&bytes) {
            Ok(history) => {
                assert_eq!(encode_history(&history), bytes, "a decodable history blob is its canonical encoding");
                for entry in &history.entries {
                    let _ = decode_entry_blob(entry);
                }
                Outcome::Decoded
            }
            Err(error) => refused(error),
        },
        1 => match decode_catalog(&bytes) {
            Ok(catalog) => {
                assert_eq!(encode_catalog(&catalog), bytes, "a decodable catalog is its canonical encoding");
                Outcome::Decoded
            }
            Err(error) => refused(error),
        },
        2 => match decode_lease(&bytes) {
            Ok(lease) => {
                assert_eq!(encode_lease(&lease), bytes, "a decodable lease is its canonical encoding");
                Outcome::Decoded
            }
            Err(error) => refused(error),
        },
        _ => match decode_undo_record(&bytes) {
            Ok(record) => {
                assert_eq!(encode_undo_record(&record), bytes, "a decodable undo record is its canonical encoding");
                Outcome::Decoded
            }
            Err(error) => refused(error),
        },
    }
}

/// A start row or column from one byte: mostly small, sometimes at the last index or past it.
fn start(b: u8) -> u64 {
    match b {
        0..=199 => u64::from(b),
        200..=250 => MAX_INDEX + 1 - u64::from(b - 200),
        _ => u64::MAX - u64::from(b - 251),
    }
}

/// A batch size from one byte: mostly small (0 is invalid), sometimes the largest or past it.
fn batch_cells(b: u8) -> usize {
    match b {
        251 => MAX_BATCH_CELLS,
        252 => MAX_BATCH_CELLS + 1,
        253 => usize::MAX,
        _ => usize::from(b),
    }
}

/// What one run of an importer gave: its batches (taken after every call), the first error,
/// and its final progress.
#[derive(Debug, PartialEq)]
struct Run {
    batches: Vec<CsvBatch>,
    error: Option<CsvError>,
    progress: CsvProgress,
}

impl Run {
    /// Takes the result of one call and the batches it completed. After the first error, every
    /// later call must return that error again.
    fn absorb(&mut self, importer: &mut CsvImporter, result: Result<(), CsvError>) {
        match (&self.error, result) {
            (None, Err(e)) => self.error = Some(e),
            (Some(first), result) => assert_eq!(result.as_ref(), Err(first), "an importer repeats its first error"),
            (None, Ok(())) => {}
        }
        while let Some(batch) = importer.next_batch() {
            self.batches.push(batch);
        }
        self.progress = importer.progress();
    }
}

/// Feeds `chunks` then finishes, taking batches after every call.
fn run(mut importer: CsvImporter, chunks: &[&[u8]]) -> Run {
    let mut run = Run { batches: Vec::new(), error: None, progress: CsvProgress::default() };
    for chunk in chunks {
        let result = importer.feed(chunk);
        run.absorb(&mut importer, result);
    }
    let result = importer.finish();
    run.absorb(&mut importer, result);
    if run.error.is_none() {
        assert!(importer.is_finished(), "a finish without error finishes");
        let result = importer.feed(b"ignored,after,finish\n");
        run.absorb(&mut importer, result);
    }
    run
}

/// `CsvImporter`: bytes 0 and 1 pick the start row and column, byte 2 the batch size, and the
/// rest is chunks, each a length byte then up to that many bytes. The importer must accept any
/// options in range and refuse the others with a typed error, never panic, and:
/// - give the same batches, error and progress however the input is cut into chunks;
/// - as a validator, give the same error and progress and no batches;
/// - cut batches of 1 to `batch_cells` writes, each valid, in row then column order from the
///   start cell, whose progress counts the writes of this batch and all before it.
pub fn csv_import(data: &[u8]) -> Outcome {
    let [row, col, batch, rest @ ..] = data else { return Outcome::Empty };
    let options =
        CsvImportOptions { start_row: start(*row), start_column: start(*col), batch_cells: batch_cells(*batch) };
    let importer = match CsvImporter::new(options) {
        Ok(importer) => importer,
        Err(error) => {
            let in_range = (1..=MAX_BATCH_CELLS).contains(&options.batch_cells)
                && options.start_row <= MAX_INDEX
                && options.start_column <= MAX_INDEX;
            assert!(!in_range, "options in range refused: {options:?}: {error}");
            return refused(error);
        }
    };
    let mut chunks: Vec<&[u8]> = Vec::new();
    let mut input = rest;
    while let Some((&len, tail)) = input.split_first() {
        let (chunk, tail) = tail.split_at(usize::from(len).min(tail.len()));
        chunks.push(chunk);
        input = tail;
    }
    let whole = chunks.concat();

    let chunked = run(importer, &chunks);
    let at_once = run(CsvImporter::new(options).expect("accepted above"), &[&whole]);
    assert_eq!(chunked, at_once, "chunk boundaries change nothing");
    let validated = run(CsvImporter::validator(options).expect("accepted above"), &chunks);
    assert_eq!(validated.error, chunked.error, "a validator finds the same error");
    assert_eq!(validated.progress, chunked.progress, "a validator makes the same progress");
    assert!(validated.batches.is_empty(), "a validator keeps nothing");

    let mut written = 0u64;
    let mut last: Option<(u64, u64)> = None;
    for batch in &chunked.batches {
        assert!((1..=options.batch_cells).contains(&batch.writes.len()), "batch of {}", batch.writes.len());
        for write in &batch.writes {
            assert_eq!(write.validate(), Ok(()), "a written cell is valid");
            assert!(write.row >= options.start_row && write.col >= options.start_column);
            assert!(write.value.is_some() && write.format.is_none());
            assert!(last < Some((write.row, write.col)), "writes in row then column order");
            last = Some((write.row, write.col));
        }
        written += batch.writes.len() as u64;
        assert_eq!(batch.progress.cells, written, "a batch's progress counts its writes and all before");
        assert!(batch.progress.bytes <= whole.len() as u64);
    }
    assert!(chunked.progress.bytes <= whole.len() as u64);
    match chunked.error {
        None => {
            assert_eq!(written, chunked.progress.cells, "every cell is in a batch");
            Outcome::Decoded
        }
        Some(error) => refused(error),
    }
}
