//! Batch writes of `SpreadsheetData` (DESIGN.md sections 3 and 5b, "Batching"):
//! `setCellValuesAndFormats` writes a rectangle of values as **one** entry, `clearRange` clears
//! a rectangle of any size as one entry. Both are validated as a whole (one bad cell rejects the
//! call with a `ValidationError` naming the cell, and nothing is stored) and have the write
//! contract of `setCellValueAndFormat`. Thin: the engine does the work.

use std::str::FromStr;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

use super::convert::{copy_matrix, field, format_from_js, index, index_arg, kind, lone_surrogate, Kind};
use super::js_error::{bad_input, validation_error};
use super::packed_cells::PackedCells;
use super::spreadsheet_data::{with_engine, Backend, SpreadsheetData};
use super::types::JsCellFormats;
use crate::log::{CellWrite, MAX_BATCH_CELLS};
use crate::model::{Axis, CellRange, CellRef, ValidationError};

#[wasm_bindgen(typescript_custom_section)]
const BATCH_TYPES: &str = r##"
/** A rectangle of cells by 0-based indexes, corners included. */
export interface CellRangeBounds { rowMin: number; columnMin: number; rowMax: number; columnMax: number }
/** A rectangle of cells: A1 text (`"B2:D40"`, `"C7"`) or 0-based bounds. */
export type CellRangeInput = string | CellRangeBounds;
/** Formats of a batch write: one per cell (rows matching the values), or one for all. */
export type CellFormats = (string | undefined | null)[][] | string;
"##;

/// `message` prefixed with the cell, as a `ValidationError` (for JS values that are not cell
/// values at all; the engine names cells of other errors itself).
fn in_cell(row: u64, col: u64, error: &JsValue) -> JsValue {
    let message = error.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
    bad_input(&format!("cell {}: {message}", CellRef { row, col }))
}

/// The rows of a JS `T[][]`, each as an `Array`: copied in JS first (`copy_matrix`), so reading
/// them runs none of the caller's code (a Proxy, a getter) and a huge claimed length is refused
/// at once. A batch is at most [`MAX_BATCH_CELLS`] cells, so that many rows at most too.
fn rows_of(value: &JsValue, what: &str) -> Result<Vec<Array>, JsValue> {
    Ok(matrix_of(value, what)?.iter().map(JsCast::unchecked_into).collect())
}

/// The JS `T[][]` copied as [`rows_of`] copies it, as one array of rows.
fn matrix_of(value: &JsValue, what: &str) -> Result<Array, JsValue> {
    let limit = MAX_BATCH_CELLS as f64;
    let copied = copy_matrix(value, limit, limit);
    if let Some(problem) = copied.as_string() {
        return Err(bad_input(&format!("{what}{problem}")));
    }
    Ok(copied.unchecked_into())
}

/// A JS `CellRangeInput`.
fn range_from_js(value: &JsValue) -> Result<CellRange, JsValue> {
    match kind(value) {
        Kind::Text => {
            let text = value.as_string().unwrap_or_default();
            return CellRange::from_str(&text).map_err(|e| validation_error(&e));
        }
        Kind::IllFormedText => return Err(lone_surrogate("the range")),
        Kind::Object => {}
        other => {
            return Err(bad_input(&format!(
                "a range must be A1 text or {{rowMin, columnMin, rowMax, columnMax}}, got {}",
                other.describe()
            )))
        }
    }
    let field = |name: &str, axis| {
        let n = field(value, name, "range")?;
        let n = n
            .as_f64()
            .ok_or_else(|| bad_input(&format!("range.{name} must be a number, got {}", kind(&n).describe())))?;
        index(axis, n)
    };
    let (row_min, row_max) = (field("rowMin", Axis::Row)?, field("rowMax", Axis::Row)?);
    let (col_min, col_max) = (field("columnMin", Axis::Column)?, field("columnMax", Axis::Column)?);
    if row_min > row_max || col_min > col_max {
        return Err(bad_input("a range needs rowMin <= rowMax and columnMin <= columnMax"));
    }
    Ok(CellRange::new(CellRef { row: row_min, col: col_min }, CellRef { row: row_max, col: col_max }))
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// Writes a rectangle as **one** log entry: `values[i][j]` goes to cell
    /// (`row + i`, `column + j`), with `formats[i][j]` (a matrix of the same shape) or the one
    /// format `formats` for every cell, or no format. Rows may differ in length. Validated as a
    /// whole: one bad cell rejects the call with a `ValidationError` naming the cell (A1), and
    /// nothing is stored. At most 1,048,576 cells. Same optimistic and durable contract as
    /// `setCellValueAndFormat`; when another writer deletes some of the rows or columns first,
    /// those cells are dropped (all of them: rejects with `ConflictError`).
    #[wasm_bindgen(js_name = setCellValuesAndFormats, unchecked_return_type = "Promise<void>")]
    pub fn set_cell_values_and_formats(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] row: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] column: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CellValue[][]")] values: JsValue,
        formats: Option<JsCellFormats>,
    ) -> Promise {
        let formats: JsValue = formats.map_or(JsValue::UNDEFINED, Into::into);
        match self.batch_writes(&row, &column, &values, &formats) {
            Ok(writes) => self.write_promise(with_engine!(&self.inner.backend, e => e.set_cells(writes))),
            Err(e) => Promise::reject(&e),
        }
    }

    /// Clears every cell of `range` (values and formats) as **one** log entry, whatever its
    /// size, including cells not loaded and cells only snapshots hold. Row and column counts do
    /// not change. Same contract as `setCellValueAndFormat`; rejects with `ValidationError` for
    /// a malformed range.
    #[wasm_bindgen(js_name = clearRange, unchecked_return_type = "Promise<void>")]
    pub fn clear_range(&self, #[wasm_bindgen(unchecked_param_type = "CellRangeInput")] range: JsValue) -> Promise {
        match range_from_js(&range) {
            Ok(range) => self.write_promise(with_engine!(&self.inner.backend, e => e.clear_range(range))),
            Err(e) => Promise::reject(&e),
        }
    }
}

impl SpreadsheetData {
    /// The cell writes of a `setCellValuesAndFormats` call, checked for shape and JS types
    /// (values and limits are checked by the engine, naming the cell).
    fn batch_writes(
        &self,
        row: &JsValue,
        column: &JsValue,
        values: &JsValue,
        formats: &JsValue,
    ) -> Result<Vec<CellWrite>, JsValue> {
        let (row, column) = (index_arg(Axis::Row, row, "row")?, index_arg(Axis::Column, column, "column")?);
        let matrix = matrix_of(values, "values")?;
        let rows: Vec<Array> = matrix.iter().map(JsCast::unchecked_into).collect();
        let cells: usize = rows.iter().map(|r| r.length() as usize).sum();
        if cells > MAX_BATCH_CELLS {
            return Err(validation_error(&ValidationError::BatchTooLarge { cells, limit: MAX_BATCH_CELLS }));
        }
        let one_format = if matches!(kind(formats), Kind::Text | Kind::IllFormedText) {
            Some(format_from_js(formats)?)
        } else {
            None
        };
        let format_rows = match (&one_format, formats.is_undefined() || formats.is_null()) {
            (None, false) => {
                let format_rows = rows_of(formats, "formats")?;
                let same = format_rows.len() == rows.len()
                    && format_rows.iter().zip(&rows).all(|(f, v)| f.length() == v.length());
                if !same {
                    return Err(bad_input("formats must have the shape of values (or be one format string)"));
                }
                Some(format_rows)
            }
            _ => None,
        };
        // All the values in one crossing, read here in the order a cell-by-cell loop would.
        let mut values = PackedCells::pack(&matrix).ok_or_else(|| bad_input("values could not be read"))?;
        let mut writes = Vec::with_capacity(cells);
        for (i, values_row) in rows.iter().enumerate() {
            let r = row.saturating_add(i as u64);
            for j in 0..values_row.length() as usize {
                let c = column.saturating_add(j as u64);
                let value = values.next_value().map_err(|e| in_cell(r, c, &e))?;
                let format = match (&one_format, &format_rows) {
                    (Some(format), _) => format.clone(),
                    (None, Some(format_rows)) => {
                        format_from_js(&format_rows[i].get(j as u32)).map_err(|e| in_cell(r, c, &e))?
                    }
                    (None, None) => None,
                };
                writes.push(CellWrite { row: r, col: c, value, format });
            }
        }
        Ok(writes)
    }
}
