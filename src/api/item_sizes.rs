//! Row heights and column widths of `SpreadsheetData` (the variable-size items of the
//! InfiniSheet design; DESIGN.md section 3): `setRowHeights` and `setColumnWidths` write them
//! as log entries, so they are durable, shared with other tabs, undoable and kept in
//! snapshots; `getRowItemOffsetMapping` and `getColumnItemOffsetMapping` read them per content
//! version. Thin: the engine does the work.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::convert::{index_arg, kind, number_arg, Kind};
use super::js_error::validation_error;
use super::offset_mapping::JsItemOffsetMapping;
use super::spreadsheet_data::{with_engine, Backend, Inner, SpreadsheetData};
use crate::engine::ContentVersion;
use crate::model::{item_size_from_f64, Axis};

impl Inner {
    /// The (rows, columns) offset mappings of `version`: the cached objects while its sizes are
    /// the ones cached, else new ones (then cached).
    pub(super) fn mappings_of(&self, version: &ContentVersion) -> (JsValue, JsValue) {
        let sizes = version.sizes();
        if let Some((cached, rows, columns)) = &*self.mappings.borrow() {
            if Rc::ptr_eq(cached, sizes) || cached == sizes {
                return (rows.clone(), columns.clone());
            }
        }
        let rows: JsValue = JsItemOffsetMapping { mapping: version.row_offsets() }.into();
        let columns: JsValue = JsItemOffsetMapping { mapping: version.column_offsets() }.into();
        *self.mappings.borrow_mut() = Some((sizes.clone(), rows.clone(), columns.clone()));
        (rows, columns)
    }
}

impl SpreadsheetData {
    fn resize(&self, axis: Axis, start: &JsValue, count: &JsValue, size: &JsValue) -> Promise {
        let parsed = (|| -> Result<(u64, u64, Option<u32>), JsValue> {
            let start = index_arg(axis, start, "start")?;
            let count = index_arg(axis, count, "count")?;
            let size = match kind(size) {
                Kind::Null | Kind::Undefined => None,
                _ => Some(
                    item_size_from_f64(axis, number_arg(size, "argument size")?).map_err(|e| validation_error(&e))?,
                ),
            };
            Ok((start, count, size))
        })();
        let (start, count, size) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Promise::reject(&e),
        };
        let edit = with_engine!(&self.inner.backend, e => e.set_item_sizes(axis, start, count, size));
        self.write_promise(edit)
    }
}

#[wasm_bindgen]
impl SpreadsheetData {
    /// Sets the height of rows `start .. start + count` (0-based) to `height` whole CSS pixels
    /// (1 to 10,000), or back to the default 30 px with `null`, as one log entry: durable, seen
    /// by other tabs, one undo step, kept across reloads. Heights move with their rows when rows
    /// are inserted or deleted. Same contract as `setCellValueAndFormat`: shows at once (in
    /// `getRowItemOffsetMapping` of the next snapshot), resolves when durable.
    ///
    /// Rejects with `ValidationError` (storing nothing) for a count below 1, indexes past
    /// 2^53-1, or a height that is not a whole number from 1 to 10,000.
    #[wasm_bindgen(js_name = setRowHeights, unchecked_return_type = "Promise<void>")]
    pub fn set_row_heights(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] start: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | null")] height: JsValue,
    ) -> Promise {
        self.resize(Axis::Row, &start, &count, &height)
    }

    /// Sets the width of columns `start .. start + count` to `width` pixels, or back to the
    /// default 100 px with `null`. Contract of `setRowHeights`.
    #[wasm_bindgen(js_name = setColumnWidths, unchecked_return_type = "Promise<void>")]
    pub fn set_column_widths(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] start: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | null")] width: JsValue,
    ) -> Promise {
        self.resize(Axis::Column, &start, &count, &width)
    }
}
