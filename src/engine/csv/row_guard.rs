//! [`RowGuard`]: the bounds of an import checked on the raw bytes before the importer sees them
//! (issue 12): at most `max_columns` fields a row, at most `max_row_bytes` bytes a row, and no
//! field longer than any cell text could be ([`MAX_FIELD_BYTES`]), so a 200 MB field or a million
//! columns is refused naming the line after one slice, not held whole.
//!
//! The guard follows the CSV structure (RFC 4180 records, fields, quotes, lines) a byte at a time
//! where a byte can change it, and skips the runs in between: inside an unquoted field only a
//! comma, CR or LF matter, inside a quoted one only a quote or LF. Approximate only for malformed
//! quoting, which the importer itself refuses anyway.

use crate::model::MAX_TEXT_UTF16_UNITS;

/// Most fields a row of an import may have unless `maxColumns` says otherwise: the 16,384
/// columns of a spreadsheet program's sheet.
pub const DEFAULT_MAX_COLUMNS: usize = 16_384;
/// Most bytes a row of an import may take unless `maxRowBytes` says otherwise (16 MiB).
pub const DEFAULT_MAX_ROW_BYTES: u64 = 16 << 20;
/// The longest a CSV field can be and still hold valid cell text: every UTF-16 unit of the text
/// limit as 3 UTF-8 bytes, and 2 quotes.
pub const MAX_FIELD_BYTES: u64 = 3 * MAX_TEXT_UTF16_UNITS as u64 + 2;

/// Why [`RowGuard`] refused the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LimitError {
    /// The line (1-based) where the offending record starts.
    pub line: u64,
    /// What was refused, beginning with `line N: `, naming the option that sets the limit.
    pub message: String,
}

/// How a field's quoting stands while [`RowGuard`] scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// The limits of one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowLimits {
    /// Most fields a row may have ([`DEFAULT_MAX_COLUMNS`] unless told).
    pub max_columns: usize,
    /// Most bytes a row may take, line ending excluded ([`DEFAULT_MAX_ROW_BYTES`] unless told).
    pub max_row_bytes: u64,
}

/// Follows the CSV structure of the input as it streams by, and refuses a chunk that makes a
/// row wider than `max_columns` fields, longer than `max_row_bytes` bytes, or a field longer
/// than [`MAX_FIELD_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowGuard {
    limits: RowLimits,
    quoting: Quoting,
    line: u64,
    record_line: u64,
    in_record: bool,
    fields: usize,
    field_bytes: u64,
    record_bytes: u64,
}

impl RowGuard {
    /// A guard at the start of the input.
    pub fn new(limits: RowLimits) -> Self {
        Self {
            limits,
            quoting: Quoting::FieldStart,
            line: 1,
            record_line: 1,
            in_record: false,
            fields: 0,
            field_bytes: 0,
            record_bytes: 0,
        }
    }

    /// Scans the next `chunk` of the input.
    ///
    /// # Errors
    /// [`LimitError`] at the first byte that breaks a limit; the guard is then not to be used
    /// again.
    pub fn scan(&mut self, chunk: &[u8]) -> Result<(), LimitError> {
        let mut rest = chunk;
        while let Some(&first) = rest.first() {
            let run = self.plain_run(rest);
            if run > 0 {
                self.field_bytes += run as u64;
                self.record_bytes += run as u64;
                rest = &rest[run..];
            } else {
                self.step(first)?;
                rest = &rest[1..];
            }
        }
        Ok(())
    }

    /// How many of the first bytes of `rest` change nothing but the byte counts (the run inside
    /// a field up to the next byte that matters), cut so that the counts stay within their
    /// limits: the byte that would break one goes through [`Self::step`], which refuses it.
    fn plain_run(&self, rest: &[u8]) -> usize {
        if !self.in_record {
            return 0;
        }
        let run = match self.quoting {
            Quoting::Unquoted => rest.iter().position(|&b| matches!(b, b',' | b'\n' | b'\r')),
            Quoting::Quoted => rest.iter().position(|&b| matches!(b, b'"' | b'\n')),
            Quoting::FieldStart | Quoting::QuoteInQuoted => return 0,
        }
        .unwrap_or(rest.len());
        let room = MAX_FIELD_BYTES
            .saturating_sub(self.field_bytes)
            .min(self.limits.max_row_bytes.saturating_sub(self.record_bytes));
        run.min(usize::try_from(room).unwrap_or(usize::MAX))
    }

    /// Scans one byte.
    fn step(&mut self, b: u8) -> Result<(), LimitError> {
        let quoted = matches!(self.quoting, Quoting::Quoted);
        if !quoted && matches!(b, b'\n' | b'\r') {
            if b == b'\n' {
                self.line += 1;
            }
            self.in_record = false;
            self.quoting = Quoting::FieldStart;
            return Ok(());
        }
        if !self.in_record {
            self.in_record = true;
            self.record_line = self.line;
            self.fields = 1;
            self.field_bytes = 0;
            self.record_bytes = 0;
        }
        self.record_bytes += 1;
        self.field_bytes += 1;
        self.quoting = match (self.quoting, b) {
            (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
            (Quoting::Quoted, b'\n') => {
                self.line += 1;
                Quoting::Quoted
            }
            (Quoting::Quoted, _) => Quoting::Quoted,
            (Quoting::QuoteInQuoted | Quoting::FieldStart, b'"') => Quoting::Quoted,
            (_, b',') => {
                self.fields += 1;
                self.field_bytes = 0;
                if self.fields > self.limits.max_columns {
                    return Err(self.error(format!(
                        "the row has more than {max} fields; the limit is {max} columns (option maxColumns)",
                        max = self.limits.max_columns
                    )));
                }
                Quoting::FieldStart
            }
            _ => Quoting::Unquoted,
        };
        if self.field_bytes > MAX_FIELD_BYTES {
            return Err(self.error(format!(
                "field {}: the field is over {MAX_FIELD_BYTES} bytes, so its text is over the limit of \
                 {MAX_TEXT_UTF16_UNITS} UTF-16 units",
                self.fields
            )));
        }
        if self.record_bytes > self.limits.max_row_bytes {
            return Err(self.error(format!(
                "the row is over {max} bytes; the limit is {max} bytes a row (option maxRowBytes)",
                max = self.limits.max_row_bytes
            )));
        }
        Ok(())
    }

    fn error(&self, message: String) -> LimitError {
        LimitError { line: self.record_line, message: format!("line {}: {message}", self.record_line) }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The guard as it was before runs were skipped: every byte through `step`.
    fn scan_bytewise(guard: &mut RowGuard, chunk: &[u8]) -> Result<(), LimitError> {
        chunk.iter().try_for_each(|&b| guard.step(b))
    }

    fn input() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            4 => Just(b'a'),
            1 => Just(b','),
            1 => Just(b'"'),
            1 => Just(b'\n'),
            1 => Just(b'\r'),
            1 => Just(0xC3u8),
        ];
        proptest::collection::vec(byte, 0..400)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        /// Skipping the runs inside fields changes nothing: after every chunk, the same state
        /// and the same refusal (line and message) as a scan of every byte.
        #[test]
        fn skipping_runs_is_the_same_as_scanning_every_byte(
            bytes in input(),
            cuts in proptest::collection::vec(0usize..400, 0..6),
            max_columns in 1usize..8,
            max_row_bytes in 1u64..60,
        ) {
            let limits = RowLimits { max_columns, max_row_bytes };
            let (mut fast, mut slow) = (RowGuard::new(limits), RowGuard::new(limits));
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.push(0);
            cuts.push(bytes.len());
            cuts.sort_unstable();
            for pair in cuts.windows(2) {
                let chunk = &bytes[pair[0]..pair[1]];
                let (a, b) = (fast.scan(chunk), scan_bytewise(&mut slow, chunk));
                prop_assert_eq!(&a, &b);
                if a.is_err() {
                    break;
                }
                prop_assert_eq!(&fast, &slow);
            }
        }
    }

    #[test]
    fn a_long_field_is_refused_at_its_limit_even_inside_a_run() {
        let limits = RowLimits { max_columns: 4, max_row_bytes: u64::MAX };
        let mut guard = RowGuard::new(limits);
        guard.scan(b"a,b\nx,").unwrap();
        let long = vec![b'y'; usize::try_from(MAX_FIELD_BYTES).unwrap()];
        guard.scan(&long).unwrap();
        let error = guard.scan(b"y").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.starts_with("line 2: field 2: the field is over"), "{}", error.message);
    }
}
