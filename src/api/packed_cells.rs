//! [`PackedCells`]: the values of a batch write as `packCells` (`js/boundary.js`) packs them, so
//! that `setCellValuesAndFormats` crosses into JS once for all its values instead of once or
//! twice per cell: a kind byte per cell, the numbers, the texts joined with their UTF-16 lengths,
//! and the few other values, converted one by one as before (issue 9; BENCHMARKS.md, stop 32).

use std::rc::Rc;

use js_sys::{Array, Float64Array, Reflect, Uint32Array, Uint8Array};
use wasm_bindgen::prelude::*;

use super::convert::{cell_value_from_js, pack_cells};
use super::js_error::bad_input;
use crate::model::CellValue;

/// The values of a matrix, read cell by cell in row order by [`PackedCells::next_value`].
pub struct PackedCells {
    /// Per cell: 1 number, 2 text, 3 false, 4 true, 5 undefined, 6 null, 0 other.
    kinds: Vec<u8>,
    /// Per cell; read for the numbers.
    numbers: Vec<f64>,
    /// The texts, joined.
    text: String,
    /// The texts' lengths in UTF-16 units, in order.
    lengths: Vec<u32>,
    /// The other values, in order.
    others: Array,
    /// The next cell.
    cell: usize,
    /// Where the next text starts in `text` (bytes), and which length is its.
    text_at: usize,
    next_length: usize,
    next_other: u32,
}

impl PackedCells {
    /// The values of `matrix` (a fresh matrix from `copy_matrix`) packed; `None` when packing
    /// failed (it runs none of the caller's code, so only a lack of memory could make it).
    pub fn pack(matrix: &JsValue) -> Option<PackedCells> {
        let packed = pack_cells(matrix).ok()?;
        let get = |name: &str| Reflect::get(&packed, &JsValue::from_str(name)).ok();
        Some(PackedCells {
            kinds: get("kinds")?.dyn_into::<Uint8Array>().ok()?.to_vec(),
            numbers: get("numbers")?.dyn_into::<Float64Array>().ok()?.to_vec(),
            text: get("text")?.as_string()?,
            lengths: get("lengths")?.dyn_into::<Uint32Array>().ok()?.to_vec(),
            others: get("others")?.dyn_into::<Array>().ok()?,
            cell: 0,
            text_at: 0,
            next_length: 0,
            next_other: 0,
        })
    }

    /// The next cell's value, as [`cell_value_from_js`] converts it (with its error for a value
    /// that is no cell value).
    ///
    /// # Errors
    /// [`cell_value_from_js`]'s, or a `ValidationError` should the packed values be fewer than the
    /// cells read.
    pub fn next_value(&mut self) -> Result<Option<CellValue>, JsValue> {
        let k = self.cell;
        self.cell += 1;
        let unreadable = || bad_input("the cell values could not be read");
        match self.kinds.get(k).copied().ok_or_else(unreadable)? {
            1 => self.numbers.get(k).map(|&n| Some(CellValue::Number(n))).ok_or_else(unreadable),
            2 => self.next_text().map(|t| Some(CellValue::Text(t))).ok_or_else(unreadable),
            3 => Ok(Some(CellValue::Boolean(false))),
            4 => Ok(Some(CellValue::Boolean(true))),
            5 => Ok(None),
            6 => Ok(Some(CellValue::Empty)),
            _ => {
                let value = self.others.get(self.next_other);
                self.next_other += 1;
                cell_value_from_js(&value)
            }
        }
    }

    fn next_text(&mut self) -> Option<Rc<str>> {
        let units = *self.lengths.get(self.next_length)?;
        self.next_length += 1;
        let start = self.text_at;
        let end = start + utf16_prefix(self.text.get(start..)?, units)?;
        self.text_at = end;
        self.text.get(start..end).map(Rc::from)
    }
}

/// The length in bytes of the prefix of `text` that is `units` UTF-16 units long; `None` when no
/// prefix is (the units end inside a character, or `text` is shorter).
fn utf16_prefix(text: &str, units: u32) -> Option<usize> {
    let mut seen: u32 = 0;
    for (i, ch) in text.char_indices() {
        if seen == units {
            return Some(i);
        }
        seen += ch.len_utf16() as u32;
        if seen > units {
            return None;
        }
    }
    (seen == units).then_some(text.len())
}
