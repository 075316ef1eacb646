//! CSV field text to cell values and back: which text is a number or a boolean on import, and
//! how numbers are written on export (JavaScript's `Number.prototype.toString` form, so a value
//! round-trips through a CSV file and reads the same in JS).

use std::fmt::Write as _;

/// What a non-empty CSV field holds once recognised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    /// A finite number written in plain notation (see [`parse_number`]).
    Number(f64),
    /// `TRUE` or `FALSE`, in any letter case.
    Boolean(bool),
    /// Anything else: the field's text, unchanged.
    Text,
}

/// Recognises a field: [`parse_number`] first, then `TRUE`/`FALSE` (any letter case), else text.
/// No trimming: `" 42"` is text.
pub fn classify(field: &str) -> FieldKind {
    if let Some(n) = parse_number(field) {
        return FieldKind::Number(n);
    }
    match field.len() {
        4 if field.eq_ignore_ascii_case("true") => FieldKind::Boolean(true),
        5 if field.eq_ignore_ascii_case("false") => FieldKind::Boolean(false),
        _ => FieldKind::Text,
    }
}

/// The number `text` writes, when it is one: plain decimal or scientific notation,
/// `-?(0|[1-9][0-9]*)?(\.[0-9]*)?([eE][+-]?[0-9]+)?` with at least one digit before the exponent,
/// whose value is finite as an `f64` (nearest, as Rust and JS round).
///
/// So `42`, `-0.5`, `.5`, `5.`, `1e-7` and `1E+21` are numbers; `+1`, `.`, `0x1F`, `inf`, `NaN`,
/// `1e400` (not finite), ` 1` and `1,000` are not; nor is text with a leading zero such as a zip
/// code `02134` or `-012` (leading zeros mean text), though `0`, `-0` and `0.25` are numbers.
pub fn parse_number(text: &str) -> Option<f64> {
    if let Some(n) = parse_small_integer(text.as_bytes()) {
        return Some(n);
    }
    parse_number_general(text)
}

/// [`parse_number`] for every form, through the standard library's correctly rounded parser.
fn parse_number_general(text: &str) -> Option<f64> {
    if !is_json_number(text.as_bytes()) {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The value of `-?(0|[1-9][0-9]*)` with at most 15 digits, below 2^53 and so exact as an `f64`:
/// the same value as [`parse_number_general`] gives it (`-0` is `-0.0`), without the general
/// parser (most numbers of a large CSV are such integers; parsing was 12% of a layer import).
/// `None` for anything else, which the general parser decides.
fn parse_small_integer(s: &[u8]) -> Option<f64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 15 || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    let mut value: u64 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(digit - b'0');
    }
    // Below 10^15 < 2^53: the conversion is exact.
    let n = value as f64;
    Some(if negative { -n } else { n })
}

fn is_json_number(s: &[u8]) -> bool {
    let mut i = usize::from(s.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_digits = match s.get(i) {
        Some(b'0') => {
            i += 1;
            1
        }
        Some(b'1'..=b'9') => digits(&mut i),
        _ => 0,
    };
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = digits(&mut i);
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == s.len()
}

/// Appends `n` to `out` as JavaScript's `String(n)` writes it: the shortest digits that read
/// back as `n`, in positional notation for exponents from -7 to 20 (`42`, `0.1`, `0.000001`,
/// `123456789012345680000`) and `d.ddde±x` beyond (`1e+21`, `1.5e-7`); `-0` is written `0`.
/// Non-finite numbers (never stored in a cell) are written `NaN`, `Infinity`, `-Infinity`.
pub fn write_js_number(out: &mut String, n: f64) {
    if n == 0.0 {
        out.push('0');
        return;
    }
    if n.is_nan() {
        out.push_str("NaN");
        return;
    }
    if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if n < 0.0 {
        out.push('-');
    }
    // Rust's `{:e}` writes the shortest round-trip digits: "4.2e1", "1e21", "1.5e-7".
    let scientific = format!("{:e}", n.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    // The decimal point goes after `point` digits (ECMA-262 Number::toString, its `n`).
    let point = exponent + 1;
    if k <= point && point <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - k) as usize));
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if point - 1 < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{}", (point - 1).abs());
    }
}

/// [`write_js_number`] into a new string.
pub fn js_number(n: f64) -> String {
    let mut out = String::new();
    write_js_number(&mut out, n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The integer path gives bit for bit what the general parser gives (`-0` included), and
        /// leaves to it what it does not take (16 digits and more, leading zeros, other forms).
        #[test]
        fn the_integer_path_gives_what_the_general_parser_gives(text in "-?[0-9]{0,18}(\\.[0-9]{0,2})?") {
            proptest::prop_assert_eq!(
                parse_number(&text).map(f64::to_bits),
                parse_number_general(&text).map(f64::to_bits),
                "{}", text
            );
        }
    }

    #[test]
    fn the_integer_path_takes_up_to_15_digits() {
        assert_eq!(parse_small_integer(b"-0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(parse_small_integer(b"999999999999999"), Some(999_999_999_999_999.0));
        assert_eq!(parse_small_integer(b"-999999999999999"), Some(-999_999_999_999_999.0));
        for text in ["1000000000000000", "00", "-012", "", "-", "1.5", "1e3", "+1", " 1"] {
            assert_eq!(parse_small_integer(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn numbers_are_json_numbers_that_are_finite() {
        for (text, n) in [
            ("0", 0.0),
            ("-0", -0.0),
            ("42", 42.0),
            ("-17", -17.0),
            ("0.25", 0.25),
            ("-0.5", -0.5),
            ("2.71", 2.71),
            ("1e21", 1e21),
            ("1E+21", 1e21),
            ("1.5e-7", 1.5e-7),
            ("0e0", 0.0),
            (".5", 0.5),
            ("-.5", -0.5),
            ("5.", 5.0),
            ("0.", 0.0),
            ("1.e3", 1000.0),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("1.7976931348623157e308", f64::MAX),
        ] {
            assert_eq!(parse_number(text), Some(n), "{text}");
        }
        for text in [
            "", "-", ".", "-.", ".e1", "+1", "+.5", "0x1F", "inf", "-inf", "Infinity", "NaN", "nan", "1e400", "-1e400",
            " 1", "1 ", "1,000", "02134", "00", "-012", "007.5", "1e", "1e+", "1.2.3", "1_000", "١", "1e5x", "--1",
        ] {
            assert_eq!(parse_number(text), None, "{text:?}");
        }
    }

    #[test]
    fn booleans_in_any_case_and_the_rest_is_text() {
        assert_eq!(classify("TRUE"), FieldKind::Boolean(true));
        assert_eq!(classify("true"), FieldKind::Boolean(true));
        assert_eq!(classify("False"), FieldKind::Boolean(false));
        assert_eq!(classify("02134"), FieldKind::Text);
        assert_eq!(classify("yes"), FieldKind::Text);
        assert_eq!(classify("TRUE "), FieldKind::Text);
        assert_eq!(classify("12"), FieldKind::Number(12.0));
    }

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        for (n, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (42.0, "42"),
            (-42.0, "-42"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123.456, "123.456"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e-6, "0.000001"),
            (1.5e-6, "0.0000015"),
            (1e-7, "1e-7"),
            (-1.5e-7, "-1.5e-7"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (9007199254740991.0, "9007199254740991"),
            (2.5, "2.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(js_number(n), text, "{n:e}");
        }
    }

    #[test]
    fn written_numbers_read_back_exactly() {
        let mut x = 1.0e-12_f64;
        while x < 1e30 {
            for n in [x, -x, x * 1.2345678, x / 3.0] {
                let text = js_number(n);
                assert_eq!(parse_number(&text), Some(n), "{text}");
            }
            x *= 7.3;
        }
    }
}
