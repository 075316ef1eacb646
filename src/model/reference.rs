//! Cell coordinates: [`Axis`], the index limit [`MAX_INDEX`], column names (`A`, `AB`, ...),
//! [`CellRef`] and [`CellRange`] with their A1 text forms (`B7`, `A1:C3`).
//!
//! Units: every row and column index here is **0-based** and a `u64` in `0..=MAX_INDEX`.
//! Only the A1 text is 1-based in its row number, as spreadsheets write it (`A1` is row 0,
//! column 0).

use std::fmt;
use std::str::FromStr;

use crate::model::error::{IndexProblem, ValidationError};

/// Largest row or column index: 2^53 - 1, JS's `Number.MAX_SAFE_INTEGER`, so that every
/// index (and the row number one past it in A1 text) is exactly representable as a JS
/// number.
pub const MAX_INDEX: u64 = (1 << 53) - 1;

/// Whether an index counts rows or columns; used in errors and for structural edits.
/// `Display` writes `row` or `column`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    /// Rows (the number in `B7`).
    Row,
    /// Columns (the letters in `B7`).
    Column,
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Axis::Row => "row",
            Axis::Column => "column",
        })
    }
}

/// The name of 0-based column `col` in spreadsheet letters: `0` is `"A"`, `25` is `"Z"`,
/// `26` is `"AA"`, `701` is `"ZZ"`, `702` is `"AAA"` (bijective base 26: digits `A`=1 to
/// `Z`=26, no zero).
///
/// Defined for every `u64`, also beyond [`MAX_INDEX`]; [`parse_column_name`] is its inverse
/// on `0..=MAX_INDEX`.
pub fn column_name(col: u64) -> String {
    let mut reversed = Vec::with_capacity(4);
    let mut n = col;
    loop {
        // `n % 26 < 26`, so the cast is lossless.
        reversed.push(char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    reversed.into_iter().rev().collect()
}

/// The 0-based column index named by `s`, the inverse of [`column_name`]: `"A"` is 0,
/// `"AA"` is 26. Letters `A`-`Z` in either case; nothing else, not even whitespace or `$`.
///
/// # Errors
/// [`ValidationError::BadColumnName`] if `s` is empty, holds any other character, or names
/// a column beyond [`MAX_INDEX`].
pub fn parse_column_name(s: &str) -> Result<u64, ValidationError> {
    column_from_letters(s).ok_or_else(|| ValidationError::BadColumnName { input: s.to_owned() })
}

/// Column index of `letters`, or `None` if it is empty, holds a non-letter or is beyond
/// [`MAX_INDEX`]. Never overflows: it stops as soon as the value passes the limit.
fn column_from_letters(letters: &str) -> Option<u64> {
    if letters.is_empty() {
        return None;
    }
    // `n` is the bijective base-26 value, i.e. the index plus one.
    let mut n: u64 = 0;
    for b in letters.bytes() {
        let digit = match b {
            b'A'..=b'Z' => b - b'A' + 1,
            b'a'..=b'z' => b - b'a' + 1,
            _ => return None,
        };
        n = n.checked_mul(26)?.checked_add(u64::from(digit))?;
        if n > MAX_INDEX + 1 {
            return None;
        }
    }
    Some(n - 1)
}

/// Returns `index` if it is a valid 0-based row or column index (at most [`MAX_INDEX`]).
///
/// # Errors
/// [`ValidationError::IndexTooLarge`] naming `axis` if `index > MAX_INDEX`.
pub fn check_index(axis: Axis, index: u64) -> Result<u64, ValidationError> {
    if index <= MAX_INDEX {
        Ok(index)
    } else {
        Err(ValidationError::IndexTooLarge { axis, index })
    }
}

/// Converts a row or column index that arrived as a JS number into a `u64`: the check at the
/// JS boundary. `-0.0` is accepted as 0.
///
/// # Errors
/// [`ValidationError::BadIndex`] with the first problem found, in this order:
/// [`IndexProblem::NotFinite`] (NaN, ±infinity), [`IndexProblem::Negative`],
/// [`IndexProblem::Fractional`], [`IndexProblem::TooLarge`] (above [`MAX_INDEX`]).
pub fn index_from_f64(axis: Axis, value: f64) -> Result<u64, ValidationError> {
    let problem = if !value.is_finite() {
        Some(IndexProblem::NotFinite)
    } else if value < 0.0 {
        Some(IndexProblem::Negative)
    } else if value.fract() != 0.0 {
        Some(IndexProblem::Fractional)
    } else if value > MAX_INDEX as f64 {
        // MAX_INDEX = 2^53 - 1 is exactly representable as an f64.
        Some(IndexProblem::TooLarge)
    } else {
        None
    };
    match problem {
        Some(reason) => Err(ValidationError::BadIndex { axis, value, reason }),
        // A whole number in 0..=2^53-1: the cast is exact.
        None => Ok(value as u64),
    }
}

/// The position of one cell: 0-based `row` and `col`, each at most [`MAX_INDEX`] when built
/// with [`CellRef::new`].
///
/// The fields are public plain data; a `CellRef` built directly may lie beyond the limit, and
/// its methods still behave (no panics). Ordered row first, then column (reading order).
/// Text form: A1 notation, as in every spreadsheet since VisiCalc (`row: 11, col: 27` is
/// `AB12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    /// 0-based row index (A1 row number minus one).
    pub row: u64,
    /// 0-based column index (`A` is 0).
    pub col: u64,
}

impl CellRef {
    /// A checked cell position.
    ///
    /// # Errors
    /// [`ValidationError::IndexTooLarge`] if `row` or `col` is above [`MAX_INDEX`] (the row
    /// is checked first).
    pub fn new(row: u64, col: u64) -> Result<CellRef, ValidationError> {
        Ok(CellRef { row: check_index(Axis::Row, row)?, col: check_index(Axis::Column, col)? })
    }
}

impl fmt::Display for CellRef {
    /// Writes A1 form: column letters, then the 1-based row number (`A1`, `AB12`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // u128 so that even `row == u64::MAX` cannot overflow.
        write!(f, "{}{}", column_name(self.col), u128::from(self.row) + 1)
    }
}

impl FromStr for CellRef {
    type Err = ValidationError;

    /// Parses A1 form: column letters (either case), then a row number of at least 1, each
    /// optionally preceded by `$` (`$A$1`, `A$1`; the `$` is accepted and ignored). Nothing
    /// else, not even surrounding whitespace.
    ///
    /// # Errors
    /// [`ValidationError::BadReference`] with the whole input and a reason.
    fn from_str(s: &str) -> Result<CellRef, ValidationError> {
        parse_cell(s).map_err(|reason| ValidationError::BadReference { input: s.to_owned(), reason })
    }
}

/// Parses one A1 cell reference, returning the reason on failure.
fn parse_cell(s: &str) -> Result<CellRef, &'static str> {
    if s.is_empty() {
        return Err("it is empty");
    }
    let rest = s.strip_prefix('$').unwrap_or(s);
    let letters_end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    if letters_end == 0 {
        return Err("it must start with column letters A-Z");
    }
    // `find` returns a char boundary, so this split cannot panic.
    let (letters, rest) = rest.split_at(letters_end);
    let rest = rest.strip_prefix('$').unwrap_or(rest);
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if digits_end == 0 {
        return Err("the column letters must be followed by a row number");
    }
    if digits_end < rest.len() {
        return Err("nothing may follow the row number");
    }
    let row_number = row_number_from_digits(rest).ok_or(ROW_TOO_LARGE)?;
    if row_number == 0 {
        return Err("row numbers start at 1");
    }
    let col = column_from_letters(letters).ok_or(COLUMN_TOO_LARGE)?;
    Ok(CellRef { row: row_number - 1, col })
}

/// Reason for a row number beyond `MAX_INDEX + 1`.
const ROW_TOO_LARGE: &str = "the row number is larger than 9007199254740992 (2^53)";
/// Reason for column letters beyond `MAX_INDEX`.
const COLUMN_TOO_LARGE: &str = "the column is beyond the last column (index 2^53 - 1)";

/// Value of an all-ASCII-digit string, or `None` if it exceeds `MAX_INDEX + 1` (the largest
/// A1 row number). Leading zeros are allowed.
fn row_number_from_digits(digits: &str) -> Option<u64> {
    let mut n: u64 = 0;
    for b in digits.bytes() {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n = n.checked_mul(10)?.checked_add(u64::from(digit))?;
        if n > MAX_INDEX + 1 {
            return None;
        }
    }
    Some(n)
}

/// A rectangle of cells, corners included: `start` is the top-left and `end` the
/// bottom-right corner (`start.row <= end.row` and `start.col <= end.col` always hold).
///
/// Text form: `A1:B2`, or just `A1` for a single cell, as in spreadsheet formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CellRange {
    start: CellRef,
    end: CellRef,
}

impl CellRange {
    /// The range spanned by any two opposite corners `a` and `b`, in any order: `B2, A1` and
    /// `A2, B1` both give `A1:B2`.
    pub fn new(a: CellRef, b: CellRef) -> CellRange {
        CellRange {
            start: CellRef { row: a.row.min(b.row), col: a.col.min(b.col) },
            end: CellRef { row: a.row.max(b.row), col: a.col.max(b.col) },
        }
    }

    /// Top-left corner (smallest row and column).
    pub fn start(&self) -> CellRef {
        self.start
    }

    /// Bottom-right corner (largest row and column), included in the range.
    pub fn end(&self) -> CellRef {
        self.end
    }

    /// Number of rows, at least 1 (at most 2^53 for corners within [`MAX_INDEX`]; saturates
    /// at `u64::MAX` only for hand-built corners beyond it).
    pub fn row_count(&self) -> u64 {
        (self.end.row - self.start.row).saturating_add(1)
    }

    /// Number of columns, at least 1 (same bounds as [`row_count`](CellRange::row_count)).
    pub fn column_count(&self) -> u64 {
        (self.end.col - self.start.col).saturating_add(1)
    }

    /// Whether `cell` lies inside the range, edges included.
    pub fn contains(&self, cell: CellRef) -> bool {
        (self.start.row..=self.end.row).contains(&cell.row) && (self.start.col..=self.end.col).contains(&cell.col)
    }
}

impl fmt::Display for CellRange {
    /// Writes `A1:B2`, or `A1` alone when the range is one cell.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}:{}", self.start, self.end)
        }
    }
}

impl FromStr for CellRange {
    type Err = ValidationError;

    /// Parses `A1:B2` (corners in any order, normalised: `B2:A1` is `A1:B2`) or a single
    /// cell `A1`; each corner as in [`CellRef`]'s `FromStr`. Whole rows or columns (`1:1`,
    /// `A:A`) are not ranges here.
    ///
    /// # Errors
    /// [`ValidationError::BadReference`] with the whole input and a reason.
    fn from_str(s: &str) -> Result<CellRange, ValidationError> {
        parse_range(s).map_err(|reason| ValidationError::BadReference { input: s.to_owned(), reason })
    }
}

/// Parses a range or single cell, returning the reason on failure.
fn parse_range(s: &str) -> Result<CellRange, &'static str> {
    match s.split_once(':') {
        None => parse_cell(s).map(|cell| CellRange::new(cell, cell)),
        Some((a, b)) => {
            if b.contains(':') {
                return Err("a range has exactly one ':'");
            }
            if a.is_empty() || b.is_empty() {
                return Err("a range needs a cell on each side of ':'");
            }
            Ok(CellRange::new(parse_cell(a)?, parse_cell(b)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(row: u64, col: u64) -> CellRef {
        CellRef { row, col }
    }

    fn reason(result: Result<CellRef, ValidationError>) -> Option<&'static str> {
        match result {
            Err(ValidationError::BadReference { reason, .. }) => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn max_index_is_js_max_safe_integer() {
        assert_eq!(MAX_INDEX, 9_007_199_254_740_991);
        assert_eq!(MAX_INDEX as f64 as u64, MAX_INDEX);
    }

    #[test]
    fn axis_display() {
        assert_eq!(Axis::Row.to_string(), "row");
        assert_eq!(Axis::Column.to_string(), "column");
    }

    #[test]
    fn column_names_at_the_boundaries() {
        for (col, name) in [
            (0, "A"),
            (1, "B"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16_383, "XFD"),
            (18_277, "ZZZ"),
            (18_278, "AAAA"),
        ] {
            assert_eq!(column_name(col), name, "column {col}");
            assert_eq!(parse_column_name(name), Ok(col), "{name}");
        }
    }

    #[test]
    fn column_name_is_total() {
        let max = column_name(MAX_INDEX);
        assert_eq!(parse_column_name(&max), Ok(MAX_INDEX));
        // Beyond the limit it still names the column, but parsing refuses it.
        let over = column_name(MAX_INDEX + 1);
        assert_eq!(parse_column_name(&over), Err(ValidationError::BadColumnName { input: over.clone() }));
        assert_eq!(column_name(u64::MAX).len(), 14);
    }

    #[test]
    fn parse_column_name_is_case_insensitive() {
        assert_eq!(parse_column_name("a"), Ok(0));
        assert_eq!(parse_column_name("aB"), Ok(27));
        assert_eq!(parse_column_name("xfd"), Ok(16_383));
    }

    #[test]
    fn parse_column_name_refuses_bad_input() {
        let long = "Z".repeat(100);
        for bad in ["", " A", "A ", "$A", "A1", "1", "Ä", "A-B", long.as_str()] {
            assert_eq!(parse_column_name(bad), Err(ValidationError::BadColumnName { input: bad.into() }), "{bad:?}");
        }
    }

    #[test]
    fn check_index_limits() {
        assert_eq!(check_index(Axis::Row, 0), Ok(0));
        assert_eq!(check_index(Axis::Row, MAX_INDEX), Ok(MAX_INDEX));
        assert_eq!(
            check_index(Axis::Column, MAX_INDEX + 1),
            Err(ValidationError::IndexTooLarge { axis: Axis::Column, index: MAX_INDEX + 1 })
        );
    }

    fn index_problem(value: f64) -> Option<IndexProblem> {
        match index_from_f64(Axis::Row, value) {
            Err(ValidationError::BadIndex { axis: Axis::Row, reason, .. }) => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn index_from_f64_accepts_whole_numbers_in_range() {
        assert_eq!(index_from_f64(Axis::Row, 0.0), Ok(0));
        assert_eq!(index_from_f64(Axis::Row, -0.0), Ok(0));
        assert_eq!(index_from_f64(Axis::Column, 7.0), Ok(7));
        assert_eq!(index_from_f64(Axis::Row, 9_007_199_254_740_991.0), Ok(MAX_INDEX));
    }

    #[test]
    fn index_from_f64_refuses_bad_numbers() {
        assert_eq!(index_problem(-1.0), Some(IndexProblem::Negative));
        assert_eq!(index_problem(-0.5), Some(IndexProblem::Negative));
        assert_eq!(index_problem(0.5), Some(IndexProblem::Fractional));
        assert_eq!(index_problem(f64::NAN), Some(IndexProblem::NotFinite));
        assert_eq!(index_problem(f64::INFINITY), Some(IndexProblem::NotFinite));
        assert_eq!(index_problem(f64::NEG_INFINITY), Some(IndexProblem::NotFinite));
        assert_eq!(index_problem(9_007_199_254_740_992.0), Some(IndexProblem::TooLarge));
        assert_eq!(index_problem(1e300), Some(IndexProblem::TooLarge));
        assert_eq!(
            index_from_f64(Axis::Column, 2.5),
            Err(ValidationError::BadIndex { axis: Axis::Column, value: 2.5, reason: IndexProblem::Fractional })
        );
    }

    #[test]
    fn cell_ref_new_checks_bounds() {
        assert_eq!(CellRef::new(3, 4), Ok(cell(3, 4)));
        assert_eq!(CellRef::new(MAX_INDEX, MAX_INDEX), Ok(cell(MAX_INDEX, MAX_INDEX)));
        assert_eq!(
            CellRef::new(MAX_INDEX + 1, 0),
            Err(ValidationError::IndexTooLarge { axis: Axis::Row, index: MAX_INDEX + 1 })
        );
        assert_eq!(
            CellRef::new(0, u64::MAX),
            Err(ValidationError::IndexTooLarge { axis: Axis::Column, index: u64::MAX })
        );
    }

    #[test]
    fn cell_ref_display() {
        assert_eq!(cell(0, 0).to_string(), "A1");
        assert_eq!(cell(11, 27).to_string(), "AB12");
        assert_eq!(cell(6, 1).to_string(), "B7");
        // Hand-built, out of range: still no panic.
        assert_eq!(cell(u64::MAX, 0).to_string(), "A18446744073709551616");
    }

    #[test]
    fn cell_ref_parse() {
        for (text, row, col) in [
            ("A1", 0, 0),
            ("AB12", 11, 27),
            ("ab12", 11, 27),
            ("aB12", 11, 27),
            ("$A$1", 0, 0),
            ("$A1", 0, 0),
            ("A$1", 0, 0),
            ("$ab$12", 11, 27),
            ("A01", 0, 0),
            ("XFD1048576", 1_048_575, 16_383),
            ("A9007199254740992", MAX_INDEX, 0),
        ] {
            assert_eq!(text.parse::<CellRef>(), Ok(cell(row, col)), "{text:?}");
        }
    }

    #[test]
    fn cell_ref_parse_refuses_bad_input() {
        let big_column = format!("{}1", column_name(MAX_INDEX + 1));
        for bad in [
            "",
            "A",
            "1",
            "A0",
            "A00",
            "A1B",
            " A1",
            "A1 ",
            "A 1",
            "A-1",
            "A1:B2",
            "$",
            "$$A1",
            "A$$1",
            "A1$",
            "$1",
            "A$",
            "Ä1",
            "A١",
            "A9007199254740993",
            "A99999999999999999999999999",
            big_column.as_str(),
        ] {
            let result = bad.parse::<CellRef>();
            assert!(
                matches!(&result, Err(ValidationError::BadReference { input, .. }) if input == bad),
                "{bad:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn cell_ref_parse_reasons() {
        assert_eq!(reason("".parse()), Some("it is empty"));
        assert_eq!(reason("A0".parse()), Some("row numbers start at 1"));
        assert_eq!(reason("A9007199254740993".parse()), Some(ROW_TOO_LARGE));
        assert_eq!(reason(format!("{}1", column_name(MAX_INDEX + 1)).parse()), Some(COLUMN_TOO_LARGE));
        assert_eq!(reason("1".parse()), Some("it must start with column letters A-Z"));
        assert_eq!(reason("A".parse()), Some("the column letters must be followed by a row number"));
        assert_eq!(reason("A1B".parse()), Some("nothing may follow the row number"));
    }

    #[test]
    fn range_normalises_corners() {
        let expected = (cell(0, 0), cell(1, 1));
        for (a, b) in
            [(cell(0, 0), cell(1, 1)), (cell(1, 1), cell(0, 0)), (cell(1, 0), cell(0, 1)), (cell(0, 1), cell(1, 0))]
        {
            let range = CellRange::new(a, b);
            assert_eq!((range.start(), range.end()), expected, "{a} {b}");
        }
    }

    #[test]
    fn range_counts_and_contains() {
        let range = CellRange::new(cell(9, 2), cell(1, 4));
        assert_eq!(range.row_count(), 9);
        assert_eq!(range.column_count(), 3);
        assert!(range.contains(cell(1, 2)));
        assert!(range.contains(cell(9, 4)));
        assert!(range.contains(cell(5, 3)));
        assert!(!range.contains(cell(0, 3)));
        assert!(!range.contains(cell(10, 3)));
        assert!(!range.contains(cell(5, 1)));
        assert!(!range.contains(cell(5, 5)));

        let one = CellRange::new(cell(3, 3), cell(3, 3));
        assert_eq!((one.row_count(), one.column_count()), (1, 1));

        let whole = CellRange::new(cell(0, 0), cell(MAX_INDEX, MAX_INDEX));
        assert_eq!(whole.row_count(), MAX_INDEX + 1);
        let huge = CellRange::new(cell(0, 0), cell(u64::MAX, u64::MAX));
        assert_eq!(huge.column_count(), u64::MAX);
    }

    #[test]
    fn range_display() {
        assert_eq!(CellRange::new(cell(0, 0), cell(1, 1)).to_string(), "A1:B2");
        assert_eq!(CellRange::new(cell(0, 0), cell(0, 0)).to_string(), "A1");
        assert_eq!(CellRange::new(cell(11, 27), cell(0, 0)).to_string(), "A1:AB12");
    }

    #[test]
    fn range_parse() {
        let a1_b2 = CellRange::new(cell(0, 0), cell(1, 1));
        assert_eq!("A1:B2".parse(), Ok(a1_b2));
        assert_eq!("B2:A1".parse(), Ok(a1_b2));
        assert_eq!("A2:B1".parse(), Ok(a1_b2));
        assert_eq!("$a$1:b$2".parse(), Ok(a1_b2));
        assert_eq!("A1".parse(), Ok(CellRange::new(cell(0, 0), cell(0, 0))));
        assert_eq!("A1:A1".parse(), Ok(CellRange::new(cell(0, 0), cell(0, 0))));
    }

    #[test]
    fn range_parse_refuses_bad_input() {
        for bad in ["", ":", "A1:", ":A1", "A1:B2:C3", "A1::B2", "A:B", "1:2", "A1 :B2", "A1:B0", "A1-B2"] {
            let result = bad.parse::<CellRange>();
            assert!(
                matches!(&result, Err(ValidationError::BadReference { input, .. }) if input == bad),
                "{bad:?} gave {result:?}"
            );
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn column_name_round_trips(col in 0..=MAX_INDEX) {
            let name = column_name(col);
            prop_assert_eq!(parse_column_name(&name), Ok(col));
            prop_assert_eq!(parse_column_name(&name.to_ascii_lowercase()), Ok(col));
        }

        #[test]
        fn cell_ref_round_trips(row in 0..=MAX_INDEX, col in 0..=MAX_INDEX) {
            let cell = CellRef::new(row, col);
            prop_assert_eq!(cell, Ok(CellRef { row, col }));
            let text = CellRef { row, col }.to_string();
            prop_assert_eq!(text.parse::<CellRef>(), Ok(CellRef { row, col }));
        }

        #[test]
        fn cell_range_round_trips(
            r1 in 0..=MAX_INDEX, c1 in 0..=MAX_INDEX, r2 in 0..=MAX_INDEX, c2 in 0..=MAX_INDEX,
        ) {
            let a = CellRef { row: r1, col: c1 };
            let b = CellRef { row: r2, col: c2 };
            let range = CellRange::new(a, b);
            prop_assert!(range.start().row <= range.end().row);
            prop_assert!(range.start().col <= range.end().col);
            prop_assert!(range.contains(a) && range.contains(b));
            prop_assert_eq!(range, CellRange::new(b, a));
            prop_assert_eq!(range.to_string().parse::<CellRange>(), Ok(range));
        }

        #[test]
        fn parsing_any_text_never_panics(s in "[$A-Za-z0-9: ]{0,24}|\\PC{0,24}") {
            if let Ok(cell) = s.parse::<CellRef>() {
                prop_assert!(cell.row <= MAX_INDEX && cell.col <= MAX_INDEX);
                prop_assert_eq!(cell.to_string().parse::<CellRef>(), Ok(cell));
            }
            if let Ok(range) = s.parse::<CellRange>() {
                prop_assert_eq!(range.to_string().parse::<CellRange>(), Ok(range));
            }
            if let Ok(col) = parse_column_name(&s) {
                prop_assert!(col <= MAX_INDEX);
                prop_assert!(column_name(col).eq_ignore_ascii_case(&s));
            }
        }

        #[test]
        fn index_from_f64_is_exact_or_refuses(value in any::<f64>()) {
            if let Ok(index) = index_from_f64(Axis::Row, value) {
                prop_assert!(index <= MAX_INDEX);
                prop_assert_eq!(index as f64, value);
            }
        }
    }
}
