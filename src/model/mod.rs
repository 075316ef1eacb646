//! The spreadsheet's vocabulary as plain Rust data: cell values ([`CellValue`]), error
//! values ([`ErrorCode`]), number formats ([`Format`]), cell positions and their A1 text
//! ([`CellRef`], [`CellRange`], [`Axis`], column names), row heights and column widths
//! ([`SizeRun`]) and the [`ValidationError`] that
//! refuses bad input before anything is stored.
//!
//! This module owns the limits every layer shares: [`MAX_INDEX`] (2^53 - 1) for 0-based row
//! and column indexes, [`MAX_TEXT_UTF16_UNITS`] (32,767) for cell text, [`MAX_FORMAT_CHARS`]
//! (255) for formats, and the wire byte of each [`ErrorCode`].
//!
//! Pure Rust with no JS: nothing here depends on wasm-bindgen, `web-sys` or storage, and
//! everything builds and is tested natively. It must not reach into `log`, `blob`,
//! `snapshot`, `engine`, `browser` or `api`; they depend on it, never the reverse.

mod error;
mod error_code;
mod format;
mod item_size;
mod reference;
mod value;

pub use error::{IndexProblem, ValidationError};
pub use error_code::ErrorCode;
pub use format::{Format, MAX_FORMAT_CHARS};
pub use item_size::{item_size_from_f64, SizeRun, MAX_ITEM_SIZE, MIN_ITEM_SIZE};
pub use reference::{check_index, column_name, index_from_f64, parse_column_name, Axis, CellRange, CellRef, MAX_INDEX};
pub use value::{validate_text, CellValue, MAX_TEXT_UTF16_UNITS};
