//! [`ValidationError`]: why a value, format, index or reference was refused, and
//! [`IndexProblem`]: what was wrong with a row or column index that came in as a JS number.
//!
//! Errors carry the offending data (the length, the index, the input text), never a
//! preformatted string; the `Display` text is built from that data and names the limit.
//! Following redb's `error.rs`, there is one `#[non_exhaustive]` enum for this family of
//! operations; the JS binding maps it to an `Error` whose `name` is `"ValidationError"`.

use std::fmt;

use crate::model::format::MAX_FORMAT_CHARS;
use crate::model::reference::{Axis, MAX_INDEX};
use crate::model::value::MAX_TEXT_UTF16_UNITS;

/// Input that sheetlog refuses to store: the reason bad input never reaches the log.
///
/// Every variant carries the data that was wrong; `Display` gives a human sentence that names
/// the limit, e.g. `text is 40000 UTF-16 units long; the limit is 32767`. New variants may be
/// added, so match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A cell number was NaN or infinite (`value` is the number as given). Spreadsheets, and
    /// JSON, have no such numbers.
    #[error("number {value} is not finite; cell numbers must be finite (no NaN or infinity)")]
    NonFiniteNumber {
        /// The rejected number.
        value: f64,
    },

    /// Cell text was longer than [`MAX_TEXT_UTF16_UNITS`]; `utf16_units` is its length in
    /// UTF-16 code units (JS `string.length`).
    #[error("text is {utf16_units} UTF-16 units long; the limit is {}", MAX_TEXT_UTF16_UNITS)]
    TextTooLong {
        /// Length of the rejected text in UTF-16 code units.
        utf16_units: usize,
    },

    /// A number format was longer than [`MAX_FORMAT_CHARS`]; `chars` is its length in Unicode
    /// scalar values (Rust `chars()`).
    #[error("format is {chars} characters long; the limit is {}", MAX_FORMAT_CHARS)]
    FormatTooLong {
        /// Length of the rejected format in Unicode scalar values.
        chars: usize,
    },

    /// A number format was the empty string. "No format" is `None` at call sites (JS
    /// `undefined`), not `""`.
    #[error("format is empty; a format must have at least 1 character (use no format instead)")]
    EmptyFormat,

    /// Text that is not exactly one of the twelve error codes of
    /// [`ErrorCode`](crate::model::ErrorCode) (matching is case-sensitive).
    #[error(
        "{input:?} is not a known error code; expected one of #NULL! #DIV/0! #VALUE! #REF! \
         #NAME? #NUM! #N/A #GETTING_DATA #SPILL! #UNKNOWN! #FIELD! #CALC!"
    )]
    UnknownErrorCode {
        /// The rejected text, as given.
        input: String,
    },

    /// A row or column index given as a JS number (`f64`) that is not a whole number in
    /// `0..=MAX_INDEX`; see [`index_from_f64`](crate::model::index_from_f64).
    #[error("{axis} index {value} is not valid: {reason}")]
    BadIndex {
        /// Whether the index was a row or a column.
        axis: Axis,
        /// The rejected number, as given.
        value: f64,
        /// What was wrong with it.
        reason: IndexProblem,
    },

    /// A 0-based row or column index beyond [`MAX_INDEX`] (2^53 - 1).
    #[error("{axis} index {index} is too large; the limit is {} (2^53 - 1)", MAX_INDEX)]
    IndexTooLarge {
        /// Whether the index was a row or a column.
        axis: Axis,
        /// The rejected 0-based index.
        index: u64,
    },

    /// Text that is not a valid A1 cell reference or range such as `B7`, `$A$1` or `A1:C3`;
    /// `reason` is a fixed phrase saying what is wrong.
    #[error("{input:?} is not a valid A1 reference: {reason}")]
    BadReference {
        /// The whole rejected text, as given.
        input: String,
        /// What is wrong with it, e.g. `"row numbers start at 1"`.
        reason: &'static str,
    },

    /// Text that is not a column name: it must be 1 or more letters `A`-`Z` (either case)
    /// naming a column whose 0-based index is at most [`MAX_INDEX`].
    #[error(
        "{input:?} is not a valid column name; expected letters A-Z naming a column index of \
         at most {}",
        MAX_INDEX
    )]
    BadColumnName {
        /// The rejected text, as given.
        input: String,
    },
    /// A structural edit (insert or delete of rows or columns) with a count of zero.
    #[error("a {axis} insert or delete must cover at least one {axis}")]
    EmptySpan {
        /// The axis of the edit.
        axis: Axis,
    },
    /// A batch of cell writes larger than one entry may hold.
    #[error("a batch of {cells} cells is too large; the limit is {limit} cells per entry")]
    BatchTooLarge {
        /// Cells in the batch.
        cells: usize,
        /// Most cells one entry may hold.
        limit: usize,
    },
    /// One cell of a batch write was refused; `error` says why. Batches are validated as a
    /// whole, so nothing of the batch is stored.
    #[error("cell {cell}: {error}")]
    InCell {
        /// The refused cell (A1 form in the message).
        cell: crate::model::reference::CellRef,
        /// Why it was refused.
        error: Box<ValidationError>,
    },
    /// A row height or column width that is not a whole number of pixels within
    /// [`MIN_ITEM_SIZE`](crate::model::MIN_ITEM_SIZE)`..=`[`MAX_ITEM_SIZE`](crate::model::MAX_ITEM_SIZE).
    #[error(
        "{axis} size {size} is not valid; a size is a whole number of pixels from {} to {}",
        crate::model::MIN_ITEM_SIZE,
        crate::model::MAX_ITEM_SIZE
    )]
    BadItemSize {
        /// Rows (a height) or columns (a width).
        axis: Axis,
        /// The rejected size, as given.
        size: f64,
    },
    /// More runs of item sizes in one entry than it may hold.
    #[error("{runs} runs of {axis} sizes in one entry are too many; the limit is {limit}")]
    TooManySizeRuns {
        /// Rows or columns.
        axis: Axis,
        /// Runs given.
        runs: usize,
        /// Most runs one entry may hold.
        limit: usize,
    },
    /// The layer of an import entry ([`Operation::Import`](crate::log::Operation::Import)) is
    /// malformed: its blob dir is not a valid path, or its tile size is out of range.
    #[error("the import's layer is invalid: {reason}")]
    BadImportLayer {
        /// What is wrong.
        reason: &'static str,
    },
    /// A snapshot or history blob path in entry metadata that is empty or too long.
    #[error("a metadata blob path of {bytes} bytes is invalid; it must be 1 to {limit} bytes")]
    BadMetadataPath {
        /// Length of the path in UTF-8 bytes.
        bytes: usize,
        /// Longest allowed path in UTF-8 bytes.
        limit: usize,
    },
}

/// What was wrong with a row or column index that arrived as an `f64` (a JS number), in the
/// order [`index_from_f64`](crate::model::index_from_f64) checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexProblem {
    /// NaN or ±infinity.
    NotFinite,
    /// Below zero (`-0.0` counts as zero and is accepted).
    Negative,
    /// Not a whole number, e.g. `0.5`.
    Fractional,
    /// Greater than [`MAX_INDEX`] (2^53 - 1), so not exactly representable as a JS number
    /// together with its neighbours.
    TooLarge,
}

impl fmt::Display for IndexProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexProblem::NotFinite => f.write_str("it is not a finite number"),
            IndexProblem::Negative => f.write_str("it is negative"),
            IndexProblem::Fractional => f.write_str("it is not a whole number"),
            IndexProblem::TooLarge => write!(f, "it is larger than {MAX_INDEX} (2^53 - 1)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_too_long_message_names_length_and_limit() {
        let e = ValidationError::TextTooLong { utf16_units: 40_000 };
        assert_eq!(e.to_string(), "text is 40000 UTF-16 units long; the limit is 32767");
    }

    #[test]
    fn format_too_long_message_names_length_and_limit() {
        let e = ValidationError::FormatTooLong { chars: 256 };
        assert_eq!(e.to_string(), "format is 256 characters long; the limit is 255");
    }

    #[test]
    fn index_messages_name_axis_value_and_limit() {
        let e = ValidationError::BadIndex { axis: Axis::Row, value: -1.0, reason: IndexProblem::Negative };
        assert_eq!(e.to_string(), "row index -1 is not valid: it is negative");

        let e = ValidationError::BadIndex {
            axis: Axis::Column,
            value: 9_007_199_254_740_992.0,
            reason: IndexProblem::TooLarge,
        };
        assert_eq!(
            e.to_string(),
            "column index 9007199254740992 is not valid: it is larger than \
             9007199254740991 (2^53 - 1)"
        );

        let e = ValidationError::IndexTooLarge { axis: Axis::Column, index: u64::MAX };
        assert_eq!(
            e.to_string(),
            "column index 18446744073709551615 is too large; the limit is \
             9007199254740991 (2^53 - 1)"
        );
    }

    #[test]
    fn every_variant_has_a_nonempty_message() {
        let all = [
            ValidationError::NonFiniteNumber { value: f64::NAN },
            ValidationError::TextTooLong { utf16_units: 1 },
            ValidationError::FormatTooLong { chars: 1 },
            ValidationError::EmptyFormat,
            ValidationError::UnknownErrorCode { input: "#X".into() },
            ValidationError::BadIndex { axis: Axis::Row, value: f64::INFINITY, reason: IndexProblem::NotFinite },
            ValidationError::IndexTooLarge { axis: Axis::Row, index: 0 },
            ValidationError::BadReference { input: "A0".into(), reason: "row numbers start at 1" },
            ValidationError::BadColumnName { input: "1".into() },
            ValidationError::EmptySpan { axis: Axis::Row },
            ValidationError::BatchTooLarge { cells: 9, limit: 8 },
            ValidationError::BadMetadataPath { bytes: 0, limit: 4096 },
            ValidationError::InCell {
                cell: crate::model::CellRef { row: 6, col: 1 },
                error: Box::new(ValidationError::EmptyFormat),
            },
        ];
        for e in all {
            let message = e.to_string();
            assert!(message.len() > 10, "{e:?} has message {message:?}");
        }
    }

    #[test]
    fn a_cell_of_a_batch_is_named_in_a1_form() {
        let e = ValidationError::InCell {
            cell: crate::model::CellRef { row: 6, col: 1 },
            error: Box::new(ValidationError::NonFiniteNumber { value: f64::NAN }),
        };
        assert!(e.to_string().starts_with("cell B7: number NaN is not finite"), "{e}");
    }

    #[test]
    fn messages_quote_the_input() {
        let e = ValidationError::BadReference { input: "A0".into(), reason: "row numbers start at 1" };
        assert_eq!(e.to_string(), "\"A0\" is not a valid A1 reference: row numbers start at 1");
        let e = ValidationError::UnknownErrorCode { input: "#n/a".into() };
        assert!(e.to_string().starts_with("\"#n/a\" is not a known error code"));
    }
}
