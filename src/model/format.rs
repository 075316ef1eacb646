//! [`Format`]: a validated number-format string, and [`MAX_FORMAT_CHARS`], its length limit.

use std::rc::Rc;

use std::fmt;

use crate::model::error::ValidationError;

/// Longest number format, in Unicode scalar values (Rust `chars()`): 255, Excel's limit on a
/// number format.
pub const MAX_FORMAT_CHARS: usize = 255;

/// A number-format string such as `"0.00"` or `"yyyy-mm-dd"`, as spreadsheets write them.
///
/// Holds 1 to [`MAX_FORMAT_CHARS`] characters; sheetlog stores it as given and does not
/// interpret it. "No format" is `Option::<Format>::None` (JS `undefined`), never an empty
/// string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Format(Rc<str>);

impl Format {
    /// Validates and wraps a format string.
    ///
    /// # Errors
    /// - [`ValidationError::EmptyFormat`] for `""`;
    /// - [`ValidationError::FormatTooLong`] for more than [`MAX_FORMAT_CHARS`] characters,
    ///   counted as Unicode scalar values.
    pub fn new(s: impl Into<String>) -> Result<Format, ValidationError> {
        let s = s.into();
        if s.is_empty() {
            return Err(ValidationError::EmptyFormat);
        }
        // Every char takes at least one UTF-8 byte, so a short byte length settles it.
        if s.len() > MAX_FORMAT_CHARS {
            let chars = s.chars().count();
            if chars > MAX_FORMAT_CHARS {
                return Err(ValidationError::FormatTooLong { chars });
            }
        }
        Ok(Format(s.into()))
    }

    /// The format string, e.g. `"0.00"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Format {
    /// Writes the format string as is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Format {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_string() {
        let f = Format::new("0.00").map(|f| (f.as_str().to_owned(), f.to_string()));
        assert_eq!(f, Ok(("0.00".to_owned(), "0.00".to_owned())));
        let f = Format::new(String::from("yyyy-mm-dd"));
        assert_eq!(f.as_ref().map(AsRef::as_ref), Ok("yyyy-mm-dd"));
    }

    #[test]
    fn empty_is_refused() {
        assert_eq!(Format::new(""), Err(ValidationError::EmptyFormat));
    }

    #[test]
    fn one_character_is_fine() {
        assert!(Format::new("@").is_ok());
    }

    #[test]
    fn ascii_at_and_past_the_limit() {
        assert!(Format::new("0".repeat(255)).is_ok());
        assert_eq!(Format::new("0".repeat(256)), Err(ValidationError::FormatTooLong { chars: 256 }));
    }

    #[test]
    fn counts_characters_not_bytes() {
        // '€' is 3 UTF-8 bytes, '😀' 4 bytes (and 2 UTF-16 units): each is one character.
        assert!(Format::new("€".repeat(255)).is_ok());
        assert!(Format::new("😀".repeat(255)).is_ok());
        assert_eq!(Format::new("€".repeat(256)), Err(ValidationError::FormatTooLong { chars: 256 }));
        assert_eq!(Format::new("😀".repeat(256)), Err(ValidationError::FormatTooLong { chars: 256 }));
    }
}
