//! [`ErrorCode`]: the error values a cell can hold (`#DIV/0!`, `#N/A`, ...), with their text
//! and their one-byte wire numbering.

use std::fmt;
use std::str::FromStr;

use crate::model::error::ValidationError;

/// An error value held by a cell, such as `#DIV/0!`. The set is the error values of Excel
/// (and, for the first seven, of OpenFormula).
///
/// In JS it appears as `{type: "CellError", value}` with `value` the text from
/// [`as_str`](ErrorCode::as_str). In the binary entry and tile formats it is one byte from
/// [`to_byte`](ErrorCode::to_byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `#NULL!`: intersection of ranges that do not intersect. Byte 0.
    Null,
    /// `#DIV/0!`: division by zero. Byte 1.
    Div0,
    /// `#VALUE!`: wrong type of argument. Byte 2.
    Value,
    /// `#REF!`: reference to a cell that does not exist (e.g. deleted). Byte 3.
    Ref,
    /// `#NAME?`: unknown function or name. Byte 4.
    Name,
    /// `#NUM!`: invalid numeric value. Byte 5.
    Num,
    /// `#N/A`: value not available. Byte 6.
    NA,
    /// `#GETTING_DATA`: value still being computed or fetched. Byte 7.
    GettingData,
    /// `#SPILL!`: an array result cannot spill into its range. Byte 8.
    Spill,
    /// `#UNKNOWN!`: data type not supported by this version. Byte 9.
    Unknown,
    /// `#FIELD!`: field of a linked data type not found. Byte 10.
    Field,
    /// `#CALC!`: calculation engine error (e.g. empty array). Byte 11.
    Calc,
}

impl ErrorCode {
    /// Every error code, in wire-byte order: `ALL[i].to_byte() == i`.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::Null,
        ErrorCode::Div0,
        ErrorCode::Value,
        ErrorCode::Ref,
        ErrorCode::Name,
        ErrorCode::Num,
        ErrorCode::NA,
        ErrorCode::GettingData,
        ErrorCode::Spill,
        ErrorCode::Unknown,
        ErrorCode::Field,
        ErrorCode::Calc,
    ];

    /// The error's text as a spreadsheet shows it, e.g. `"#DIV/0!"`; also its JS `value`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Null => "#NULL!",
            ErrorCode::Div0 => "#DIV/0!",
            ErrorCode::Value => "#VALUE!",
            ErrorCode::Ref => "#REF!",
            ErrorCode::Name => "#NAME?",
            ErrorCode::Num => "#NUM!",
            ErrorCode::NA => "#N/A",
            ErrorCode::GettingData => "#GETTING_DATA",
            ErrorCode::Spill => "#SPILL!",
            ErrorCode::Unknown => "#UNKNOWN!",
            ErrorCode::Field => "#FIELD!",
            ErrorCode::Calc => "#CALC!",
        }
    }

    /// The error's byte in the binary entry and tile formats: 0 to 11 in the order the
    /// variants are declared (`#NULL!` is 0, `#CALC!` is 11).
    ///
    /// **Part of the stored format: never renumber.** Bytes written by any version must decode
    /// to the same error forever; new codes get new bytes (12 and up). This is our own
    /// numbering, not Excel's `ERROR.TYPE`.
    pub fn to_byte(self) -> u8 {
        match self {
            ErrorCode::Null => 0,
            ErrorCode::Div0 => 1,
            ErrorCode::Value => 2,
            ErrorCode::Ref => 3,
            ErrorCode::Name => 4,
            ErrorCode::Num => 5,
            ErrorCode::NA => 6,
            ErrorCode::GettingData => 7,
            ErrorCode::Spill => 8,
            ErrorCode::Unknown => 9,
            ErrorCode::Field => 10,
            ErrorCode::Calc => 11,
        }
    }

    /// The error code with wire byte `b` (see [`to_byte`](ErrorCode::to_byte)), or `None`
    /// for a byte no version has assigned (12 to 255); decoders turn `None` into their own
    /// format error.
    pub fn from_byte(b: u8) -> Option<ErrorCode> {
        match b {
            0 => Some(ErrorCode::Null),
            1 => Some(ErrorCode::Div0),
            2 => Some(ErrorCode::Value),
            3 => Some(ErrorCode::Ref),
            4 => Some(ErrorCode::Name),
            5 => Some(ErrorCode::Num),
            6 => Some(ErrorCode::NA),
            7 => Some(ErrorCode::GettingData),
            8 => Some(ErrorCode::Spill),
            9 => Some(ErrorCode::Unknown),
            10 => Some(ErrorCode::Field),
            11 => Some(ErrorCode::Calc),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorCode {
    /// Writes [`as_str`](ErrorCode::as_str), e.g. `#N/A`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = ValidationError;

    /// Parses the exact text of an error (`"#DIV/0!"`): case-sensitive, no surrounding
    /// whitespace. Anything else is [`ValidationError::UnknownErrorCode`].
    fn from_str(s: &str) -> Result<ErrorCode, ValidationError> {
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| ValidationError::UnknownErrorCode { input: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire format, written out: if this table has to change, stored data breaks.
    const WIRE: [(u8, &str); 12] = [
        (0, "#NULL!"),
        (1, "#DIV/0!"),
        (2, "#VALUE!"),
        (3, "#REF!"),
        (4, "#NAME?"),
        (5, "#NUM!"),
        (6, "#N/A"),
        (7, "#GETTING_DATA"),
        (8, "#SPILL!"),
        (9, "#UNKNOWN!"),
        (10, "#FIELD!"),
        (11, "#CALC!"),
    ];

    #[test]
    fn wire_bytes_and_texts_are_pinned() {
        for (byte, text) in WIRE {
            let code = ErrorCode::from_byte(byte);
            assert_eq!(code.map(ErrorCode::as_str), Some(text), "byte {byte}");
        }
    }

    #[test]
    fn every_code_round_trips_text_and_byte() {
        for (i, code) in ErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(code.to_byte()), i);
            assert_eq!(ErrorCode::from_byte(code.to_byte()), Some(code));
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
        }
    }

    #[test]
    fn all_lists_each_code_once() {
        for (i, a) in ErrorCode::ALL.iter().enumerate() {
            for b in &ErrorCode::ALL[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(a.as_str(), b.as_str());
            }
        }
    }

    #[test]
    fn unassigned_bytes_are_none() {
        assert_eq!(ErrorCode::from_byte(12), None);
        for b in 12..=u8::MAX {
            assert_eq!(ErrorCode::from_byte(b), None, "byte {b}");
        }
    }

    #[test]
    fn parse_is_exact() {
        for bad in ["", "#n/a", "#N/A ", " #N/A", "N/A", "#DIV/0", "#NULL", "#"] {
            assert_eq!(
                bad.parse::<ErrorCode>(),
                Err(ValidationError::UnknownErrorCode { input: bad.into() }),
                "{bad:?}"
            );
        }
    }
}
