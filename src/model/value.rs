//! [`CellValue`]: what a cell holds, and [`MAX_TEXT_UTF16_UNITS`], the limit on its text.

use std::rc::Rc;

use crate::model::error::ValidationError;
use crate::model::error_code::ErrorCode;

/// Longest cell text, in UTF-16 code units (JS `string.length`): 32,767, Excel's limit on the
/// characters in a cell.
pub const MAX_TEXT_UTF16_UNITS: usize = 32_767;

/// The value of one cell. Plain data: construct it directly and call
/// [`validate`](CellValue::validate) before storing it.
///
/// `Empty` is a cell that was explicitly emptied (JS `null`). It is not the same as "no
/// value", which is `Option::<CellValue>::None` at call sites (JS `undefined`): an empty cell
/// hides older values beneath it, no value does not.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// Explicitly empty (JS `null`).
    Empty,
    /// Text (JS `string`), at most [`MAX_TEXT_UTF16_UNITS`] UTF-16 units once validated.
    /// Shared (`Rc<str>`): copies of a value, and cells decoded from one tile's string table,
    /// point at one allocation. Build with `CellValue::Text("hi".into())`.
    Text(Rc<str>),
    /// A number (JS `number`), finite once validated.
    Number(f64),
    /// `TRUE` or `FALSE` (JS `boolean`).
    Boolean(bool),
    /// An error value (JS `{type: "CellError", value}`).
    Error(ErrorCode),
}

impl CellValue {
    /// Checks that the value may be stored.
    ///
    /// # Errors
    /// - [`ValidationError::NonFiniteNumber`] for a NaN or infinite number (`-0.0` is fine);
    /// - [`ValidationError::TextTooLong`] for text over [`MAX_TEXT_UTF16_UNITS`] UTF-16 units
    ///   (an astral character such as `😀` counts 2).
    ///
    /// `Empty`, `Boolean` and `Error` values are always valid.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            CellValue::Number(value) if !value.is_finite() => Err(ValidationError::NonFiniteNumber { value: *value }),
            CellValue::Text(text) => validate_text(text),
            CellValue::Empty | CellValue::Number(_) | CellValue::Boolean(_) | CellValue::Error(_) => Ok(()),
        }
    }
}

/// Checks `text` against [`MAX_TEXT_UTF16_UNITS`], as [`CellValue::validate`] does for
/// `Text`, without building a value (the CSV importer checks fields before it keeps them).
///
/// # Errors
/// [`ValidationError::TextTooLong`] with the text's length in UTF-16 units.
pub fn validate_text(text: &str) -> Result<(), ValidationError> {
    // Every UTF-16 unit takes at least one UTF-8 byte, so a short byte length settles it
    // without walking the text.
    if text.len() <= MAX_TEXT_UTF16_UNITS {
        return Ok(());
    }
    let utf16_units = text.encode_utf16().count();
    if utf16_units <= MAX_TEXT_UTF16_UNITS {
        Ok(())
    } else {
        Err(ValidationError::TextTooLong { utf16_units })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: String) -> CellValue {
        CellValue::Text(s.into())
    }

    #[test]
    fn plain_values_are_valid() {
        for v in [
            CellValue::Empty,
            CellValue::Boolean(true),
            CellValue::Boolean(false),
            CellValue::Error(ErrorCode::NA),
            CellValue::Number(0.0),
            CellValue::Number(-0.0),
            CellValue::Number(f64::MAX),
            CellValue::Number(f64::MIN_POSITIVE / 2.0),
            CellValue::Text("".into()),
        ] {
            assert_eq!(v.validate(), Ok(()), "{v:?}");
        }
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let result = CellValue::Number(x).validate();
            assert!(
                matches!(result, Err(ValidationError::NonFiniteNumber { value }) if value.to_bits() == x.to_bits()),
                "{x}: {result:?}"
            );
        }
    }

    #[test]
    fn ascii_text_at_and_past_the_limit() {
        assert_eq!(text("a".repeat(32_767)).validate(), Ok(()));
        assert_eq!(text("a".repeat(32_768)).validate(), Err(ValidationError::TextTooLong { utf16_units: 32_768 }));
    }

    #[test]
    fn astral_characters_count_two_units() {
        // '😀' is 4 UTF-8 bytes and 2 UTF-16 units.
        assert_eq!("😀".encode_utf16().count(), 2);
        let at_limit = format!("{}a", "😀".repeat(16_383));
        assert_eq!(at_limit.encode_utf16().count(), 32_767);
        assert_eq!(text(at_limit).validate(), Ok(()));

        let past_limit = "😀".repeat(16_384);
        assert_eq!(text(past_limit).validate(), Err(ValidationError::TextTooLong { utf16_units: 32_768 }));
    }

    #[test]
    fn multibyte_text_is_counted_in_units_not_bytes() {
        // 'é' is 2 UTF-8 bytes but 1 UTF-16 unit: 32,767 of them is 65,534 bytes and valid.
        let s = "é".repeat(32_767);
        assert!(s.len() > MAX_TEXT_UTF16_UNITS);
        assert_eq!(text(s).validate(), Ok(()));
        assert_eq!(text("é".repeat(32_768)).validate(), Err(ValidationError::TextTooLong { utf16_units: 32_768 }));
    }
}
