//! [`CsvImporter`]: CSV bytes in, batches of cell writes out, incrementally. Pure: no engine,
//! no I/O; fed chunks of any size, whose boundaries may fall anywhere (inside a field, a quoted
//! newline or a UTF-8 sequence).
//!
//! Parsing is `csv-core`'s (the engine of the `csv` crate): RFC 4180 with `,` separators,
//! `"` quotes doubled inside quoted fields, `\n`, `\r\n` or `\r` line ends; blank lines are
//! skipped; a UTF-8 byte order mark at the start is dropped. `csv-core` accepts anything, so
//! the importer adds the checks a spreadsheet needs and reports each as a [`CsvError`] with the
//! line where the offending record starts.

use std::collections::VecDeque;
use std::rc::Rc;

use csv_core::{ReadRecordResult, Reader};

use super::value::{classify, FieldKind};
use crate::log::{CellWrite, MAX_BATCH_CELLS};
use crate::model::{check_index, validate_text, Axis, CellValue, ValidationError, MAX_TEXT_UTF16_UNITS};

/// Cells per batch unless told otherwise.
pub const DEFAULT_BATCH_CELLS: usize = 10_000;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where an import writes and how it cuts batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvImportOptions {
    /// 0-based row of the first record (default 0): record `i` (0-based, blank lines not
    /// counted) is written to row `start_row + i`.
    pub start_row: u64,
    /// 0-based column of the first field (default 0).
    pub start_column: u64,
    /// Most cells per batch, 1 to [`MAX_BATCH_CELLS`] (default [`DEFAULT_BATCH_CELLS`]).
    pub batch_cells: usize,
}

impl Default for CsvImportOptions {
    fn default() -> Self {
        Self { start_row: 0, start_column: 0, batch_cells: DEFAULT_BATCH_CELLS }
    }
}

/// Why CSV input was refused. `line` is 1-based: the line of the file where the offending record
/// starts (counting `\n` line ends; blank lines and newlines inside quoted fields count). `field`
/// is the 1-based field within the record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// A record with another number of fields than the first record.
    #[error("line {line}: the row has {found} fields but the first row has {expected}")]
    RaggedRow {
        /// Line of the record.
        line: u64,
        /// Fields of the first record.
        expected: usize,
        /// Fields of this one.
        found: usize,
    },
    /// A quoted field still open at the end of the input.
    #[error("line {line}: a quoted field is not closed before the end of the file")]
    UnterminatedQuote {
        /// Line of the record holding the open quote.
        line: u64,
    },
    /// A quote inside an unquoted field (`a"b`), or text after a closing quote (`"ab"c`).
    #[error(
        "line {line}, field {field}: a quote inside an unquoted field or text after a closing quote \
         (quote the whole field and double the quotes inside it)"
    )]
    BadQuote {
        /// Line of the record.
        line: u64,
        /// The field (1-based).
        field: usize,
    },
    /// A field whose bytes are not UTF-8.
    #[error("line {line}, field {field}: the text is not valid UTF-8 (save the file as UTF-8)")]
    InvalidUtf8 {
        /// Line of the record.
        line: u64,
        /// The field (1-based).
        field: usize,
    },
    /// A field the sheet cannot hold: text over the cell limit
    /// ([`ValidationError::TextTooLong`]), or a row or column index beyond the last one
    /// ([`ValidationError::IndexTooLarge`]).
    #[error("line {line}, field {field}: {error}")]
    Invalid {
        /// Line of the record.
        line: u64,
        /// The field (1-based).
        field: usize,
        /// What limit it breaks.
        error: ValidationError,
    },
}

impl CsvError {
    /// The 1-based line where the offending record starts.
    pub fn line(&self) -> u64 {
        match self {
            Self::RaggedRow { line, .. }
            | Self::UnterminatedQuote { line }
            | Self::BadQuote { line, .. }
            | Self::InvalidUtf8 { line, .. }
            | Self::Invalid { line, .. } => *line,
        }
    }
}

/// How far an import got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CsvProgress {
    /// Input bytes consumed (a byte order mark included).
    pub bytes: u64,
    /// Records (rows) complete.
    pub rows: u64,
    /// Cells written: non-empty fields.
    pub cells: u64,
}

/// One batch of cell writes, for one log entry: whole rows, unless a single row has more
/// non-empty fields than the batch size (then that row spans consecutive batches).
#[derive(Debug, Clone, PartialEq)]
pub struct CsvBatch {
    /// The writes, in row then column order; at most the batch size.
    pub writes: Vec<CellWrite>,
    /// The import's progress once this batch is written: `rows` and `cells` count this batch
    /// and all before it; `bytes` is where its last complete record ends in the input.
    pub progress: CsvProgress,
}

/// Where a field's quoting stands, for the checks `csv-core` does not make.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field's end, or the first of a doubled quote.
    QuoteInQuoted,
}

/// Checks the quoting of one record's raw bytes (from its first byte through its line end):
/// every quote opens a field, closes it right before a separator or line end, or is doubled.
fn check_quotes(raw: &[u8], line: u64) -> Result<(), CsvError> {
    let mut state = Quoting::FieldStart;
    let mut field = 1;
    for &b in raw {
        state = match (state, b) {
            (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
            (Quoting::Quoted, _) => Quoting::Quoted,
            (Quoting::FieldStart, b'"') | (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
            (_, b',') => {
                field += 1;
                Quoting::FieldStart
            }
            (_, b'\r' | b'\n') => return Ok(()),
            (Quoting::Unquoted, b'"') | (Quoting::QuoteInQuoted, _) => return Err(CsvError::BadQuote { line, field }),
            (Quoting::FieldStart | Quoting::Unquoted, _) => Quoting::Unquoted,
        };
    }
    match state {
        Quoting::Quoted => Err(CsvError::UnterminatedQuote { line }),
        _ => Ok(()),
    }
}

/// Incremental CSV importer: [`feed`](Self::feed) chunks, then [`finish`](Self::finish); take
/// complete batches with [`next_batch`](Self::next_batch) at any time.
///
/// Values: an empty field writes nothing; a number in plain notation becomes a number, `TRUE`
/// or `FALSE` (any case) a boolean, anything else text (see [`classify`]). Formats are not
/// set (a written cell loses its number format).
///
/// After an error every later call returns the same error; the batches completed before it
/// stay available.
#[derive(Debug)]
pub struct CsvImporter {
    options: CsvImportOptions,
    /// False for a validating pass: everything is checked, nothing is kept.
    collect: bool,
    reader: Reader,
    /// Bytes held back at the start until a byte order mark can be recognised.
    head: Option<Vec<u8>>,
    /// The current record's raw bytes, its unescaped fields, and their ends in `output`.
    raw: Vec<u8>,
    output: Vec<u8>,
    output_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// The line where the text after the last complete record starts (1-based).
    line: u64,
    expected_fields: Option<usize>,
    progress: CsvProgress,
    /// Input bytes through the end of the last complete record.
    record_end: u64,
    /// The batch being filled.
    batch: Vec<CellWrite>,
    ready: VecDeque<CsvBatch>,
    /// The last text seen in each column, shared with the next equal text.
    last_text: Vec<Option<Rc<str>>>,
    failed: Option<CsvError>,
    finished: bool,
}

impl CsvImporter {
    /// An importer writing cells as `options` say.
    ///
    /// # Errors
    /// [`ValidationError::BatchTooLarge`] for a batch size of 0 or over [`MAX_BATCH_CELLS`];
    /// [`ValidationError::IndexTooLarge`] for a start beyond the last row or column.
    pub fn new(options: CsvImportOptions) -> Result<Self, ValidationError> {
        if options.batch_cells == 0 || options.batch_cells > MAX_BATCH_CELLS {
            return Err(ValidationError::BatchTooLarge { cells: options.batch_cells, limit: MAX_BATCH_CELLS });
        }
        check_index(Axis::Row, options.start_row)?;
        check_index(Axis::Column, options.start_column)?;
        Ok(Self {
            options,
            collect: true,
            reader: Reader::new(),
            head: Some(Vec::new()),
            raw: Vec::new(),
            output: vec![0; 4096],
            output_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            line: 1,
            expected_fields: None,
            progress: CsvProgress::default(),
            record_end: 0,
            batch: Vec::new(),
            ready: VecDeque::new(),
            last_text: Vec::new(),
            failed: None,
            finished: false,
        })
    }

    /// An importer that makes every check [`Self::new`]'s would and keeps nothing: no batches,
    /// but the same errors and progress. A first pass when nothing may be written unless the
    /// whole input is valid.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn validator(options: CsvImportOptions) -> Result<Self, ValidationError> {
        let mut importer = Self::new(options)?;
        importer.collect = false;
        Ok(importer)
    }

    /// The options in force.
    pub fn options(&self) -> CsvImportOptions {
        self.options
    }

    /// Progress over the input fed so far: bytes consumed, rows complete, cells written into
    /// batches (complete or not).
    pub fn progress(&self) -> CsvProgress {
        self.progress
    }

    /// Parses `chunk`, the next bytes of the input. Complete batches queue for
    /// [`Self::next_batch`].
    ///
    /// # Errors
    /// The first [`CsvError`] in the input (and the same again on every later call).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), CsvError> {
        self.check_usable()?;
        if self.finished {
            return Ok(());
        }
        if let Some(head) = &mut self.head {
            head.extend_from_slice(chunk);
            // Up to a whole mark, wait for more: the first bytes after a mark decide what
            // csv-core's first read is (see `start`).
            if head.len() <= BOM.len() && BOM.starts_with(head) {
                return Ok(());
            }
            let head = self.head.take().unwrap_or_default();
            return self.start(&head, false);
        }
        if chunk.is_empty() {
            return Ok(());
        }
        let result = self.parse(chunk);
        self.remember(result)
    }

    /// Ends the input: parses a last record without a line end and queues the last batch.
    ///
    /// # Errors
    /// As [`Self::feed`]; [`CsvError::UnterminatedQuote`] for a quoted field still open.
    pub fn finish(&mut self) -> Result<(), CsvError> {
        self.check_usable()?;
        if self.finished {
            return Ok(());
        }
        if let Some(head) = self.head.take() {
            self.start(&head, true)?;
        } else {
            let result = self.parse(&[]);
            self.remember(result)?;
        }
        self.finished = true;
        if !self.batch.is_empty() {
            let writes = std::mem::take(&mut self.batch);
            self.ready.push_back(CsvBatch { writes, progress: self.progress });
        }
        Ok(())
    }

    /// The oldest complete batch not yet taken.
    pub fn next_batch(&mut self) -> Option<CsvBatch> {
        self.ready.pop_front()
    }

    /// Fields per record, once the first record is read (every record has as many).
    pub fn fields(&self) -> Option<usize> {
        self.expected_fields
    }

    /// True once [`Self::finish`] succeeded.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn check_usable(&self) -> Result<(), CsvError> {
        match &self.failed {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn remember(&mut self, result: Result<(), CsvError>) -> Result<(), CsvError> {
        if let Err(e) = &result {
            self.failed = Some(e.clone());
            // The batch the error fell in is never complete.
            self.batch.clear();
        }
        result
    }

    /// Parses the first bytes of the input, without a byte order mark.
    fn start(&mut self, head: &[u8], eof: bool) -> Result<(), CsvError> {
        let body = match head.strip_prefix(BOM) {
            Some(rest) => {
                self.progress.bytes += BOM.len() as u64;
                rest
            }
            None => head,
        };
        // csv-core also strips a byte order mark at the start of its first read. One was taken
        // above, so a second is data (U+FEFF): its first byte alone is no whole mark, and
        // csv-core keeps it (a fuzzed input found the mark stripped twice when the input came
        // whole, and kept when it came cut after the first mark).
        let mut result = if body.is_empty() {
            Ok(())
        } else if body.starts_with(BOM) {
            self.parse(&body[..1]).and_then(|()| self.parse(&body[1..]))
        } else {
            self.parse(body)
        };
        if result.is_ok() && eof {
            result = self.parse(&[]);
        }
        self.remember(result)
    }

    /// Runs `csv-core` over `input`; an empty `input` tells it the input ended.
    fn parse(&mut self, mut input: &[u8]) -> Result<(), CsvError> {
        loop {
            let (result, nin, nout, nend) =
                self.reader.read_record(input, &mut self.output[self.output_len..], &mut self.ends[self.ends_len..]);
            self.raw.extend_from_slice(&input[..nin]);
            self.progress.bytes += nin as u64;
            self.output_len += nout;
            self.ends_len += nend;
            input = &input[nin..];
            match result {
                // At the end of the input, csv-core gives the last record, then `End`.
                ReadRecordResult::InputEmpty => return Ok(()),
                ReadRecordResult::OutputFull => {
                    let len = self.output.len() * 2;
                    self.output.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    let outcome = self.record();
                    self.raw.clear();
                    self.output_len = 0;
                    self.ends_len = 0;
                    outcome?;
                }
                ReadRecordResult::End => {
                    self.raw.clear();
                    return Ok(());
                }
            }
        }
    }

    /// Handles the record just parsed: its raw bytes in `raw`, fields in `output` and `ends`.
    fn record(&mut self) -> Result<(), CsvError> {
        // Blank lines before the record (and the `\n` of a `\r\n` ending the previous one) were
        // consumed with it.
        let lead = self.raw.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let line = self.line + self.raw[..lead].iter().filter(|b| **b == b'\n').count() as u64;
        self.line = self.reader.line();
        let body = &self.raw[lead..];
        if body.contains(&b'"') {
            check_quotes(body, line)?;
        }

        let found = self.ends_len;
        let expected = *self.expected_fields.get_or_insert(found);
        if found != expected {
            return Err(CsvError::RaggedRow { line, expected, found });
        }
        let row = self.options.start_row + self.progress.rows;
        check_index(Axis::Row, row).map_err(|error| CsvError::Invalid { line, field: 1, error })?;
        if self.last_text.len() < found {
            self.last_text.resize(found, None);
        }

        let row_start = self.batch.len();
        let before = CsvProgress { bytes: self.record_end, ..self.progress };
        let mut cells = 0;
        let mut start = 0;
        // The record's fields checked as UTF-8 at once (one pass over mostly ASCII bytes, not one
        // call a field); a field is then a slice of it, unless the record is not valid UTF-8 or
        // a field cuts a character, when each field is checked alone to name the bad one.
        let whole = std::str::from_utf8(&self.output[..self.output_len]).ok();
        for (i, &end) in self.ends[..found].iter().enumerate() {
            let bytes = &self.output[start..end];
            let slice = whole.and_then(|whole| whole.get(start..end));
            start = end;
            if bytes.is_empty() {
                continue;
            }
            let field = i + 1;
            let text = match slice {
                Some(text) => text,
                None => std::str::from_utf8(bytes).map_err(|_| CsvError::InvalidUtf8 { line, field })?,
            };
            let col = self.options.start_column + i as u64;
            check_index(Axis::Column, col).map_err(|error| CsvError::Invalid { line, field, error })?;
            cells += 1;
            if !self.collect {
                // Only text over the limit can fail; short fields need no closer look.
                if text.len() > MAX_TEXT_UTF16_UNITS && classify(text) == FieldKind::Text {
                    validate_text(text).map_err(|error| CsvError::Invalid { line, field, error })?;
                }
                continue;
            }
            let value = match classify(text) {
                FieldKind::Number(n) => CellValue::Number(n),
                FieldKind::Boolean(b) => CellValue::Boolean(b),
                FieldKind::Text => {
                    validate_text(text).map_err(|error| CsvError::Invalid { line, field, error })?;
                    let shared = match &self.last_text[i] {
                        Some(last) if **last == *text => last.clone(),
                        _ => {
                            let new: Rc<str> = text.into();
                            self.last_text[i] = Some(new.clone());
                            new
                        }
                    };
                    CellValue::Text(shared)
                }
            };
            self.batch.push(CellWrite { row, col, value: Some(value), format: None });
        }
        self.progress.rows += 1;
        self.progress.cells += cells;
        self.record_end = self.progress.bytes;
        if self.collect {
            self.cut_batches(row_start, before);
        }
        Ok(())
    }

    /// Queues the complete batches after a record whose writes start at `row_start` in the
    /// current batch; `before` is the progress before that record.
    fn cut_batches(&mut self, row_start: usize, before: CsvProgress) {
        let size = self.options.batch_cells;
        if self.batch.len() > size {
            if row_start > 0 {
                // The record does not fit: the batch ends before it.
                let rest = self.batch.split_off(row_start);
                let writes = std::mem::replace(&mut self.batch, rest);
                self.ready.push_back(CsvBatch { writes, progress: before });
            }
            // A record longer than a batch spans several.
            let mut cells = before.cells;
            while self.batch.len() > size {
                let rest = self.batch.split_off(size);
                let writes = std::mem::replace(&mut self.batch, rest);
                cells += writes.len() as u64;
                self.ready.push_back(CsvBatch { writes, progress: CsvProgress { cells, ..before } });
            }
        }
        if self.batch.len() == size {
            let writes = std::mem::take(&mut self.batch);
            self.ready.push_back(CsvBatch { writes, progress: self.progress });
        }
        // Once a batch was cut the input is large: the next batch gets its room at once (at most
        // `RESERVE_CELLS`, plus a record, the last of which ends past the batch size), instead of
        // growing from nothing by copies (7% of a large import).
        if self.ready.back().is_some() {
            let room = size.min(RESERVE_CELLS) + self.expected_fields.unwrap_or(0);
            self.batch.reserve(room.saturating_sub(self.batch.len()));
        }
    }
}

/// Most cells of room a batch reserves ahead (about 0.9 MB of writes; the default batch size
/// fits).
const RESERVE_CELLS: usize = 16_384;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_checks() {
        assert_eq!(check_quotes(b"a,b\n", 1), Ok(()));
        assert_eq!(check_quotes(b"\"a\"\"b\",\"\"\r\n", 1), Ok(()));
        assert_eq!(check_quotes(b"\"a\nb\",c\n", 1), Ok(()));
        assert_eq!(check_quotes(b"x,a\"b\n", 3), Err(CsvError::BadQuote { line: 3, field: 2 }));
        assert_eq!(check_quotes(b"\"ab\"c\n", 3), Err(CsvError::BadQuote { line: 3, field: 1 }));
        assert_eq!(check_quotes(b"a,\"b", 4), Err(CsvError::UnterminatedQuote { line: 4 }));
        assert_eq!(check_quotes(b"a,\"b\"", 4), Ok(()));
    }
}
