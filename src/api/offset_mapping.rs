//! The JS `ItemOffsetMapping` class returned by `getRowItemOffsetMapping` and
//! `getColumnItemOffsetMapping`.

use wasm_bindgen::prelude::*;

use super::convert::number_arg;
use crate::engine::ItemOffsetMapping;

/// Where rows (or columns) start, in pixels: `itemSize(i)`, `itemOffset(i)` and
/// `offsetToItem(px) -> [index, startPx]`, indexes 0-based. Rows are 30 px and columns 100 px
/// unless resized (`setRowHeights`, `setColumnWidths`); every lookup is `O(log n)` in the
/// number of resized runs (the variable-size item offset mapping of the InfiniSheet design).
#[wasm_bindgen(js_name = ItemOffsetMapping)]
pub struct JsItemOffsetMapping {
    pub(crate) mapping: ItemOffsetMapping,
}

#[wasm_bindgen(js_class = ItemOffsetMapping)]
impl JsItemOffsetMapping {
    /// True when every item has the default size: a grid may then use one number for all.
    #[wasm_bindgen(js_name = isUniform)]
    pub fn is_uniform(&self) -> bool {
        self.mapping.is_uniform()
    }

    /// Size of item `index` in pixels.
    ///
    /// Throws `ValidationError` when `index` is not a number.
    #[wasm_bindgen(js_name = itemSize)]
    pub fn item_size(&self, #[wasm_bindgen(unchecked_param_type = "number")] index: JsValue) -> Result<f64, JsValue> {
        Ok(self.mapping.item_size(number_arg(&index, "argument index")?.max(0.0) as u64))
    }

    /// Pixel offset where item `index` starts.
    ///
    /// Throws `ValidationError` when `index` is not a number.
    #[wasm_bindgen(js_name = itemOffset)]
    pub fn item_offset(&self, #[wasm_bindgen(unchecked_param_type = "number")] index: JsValue) -> Result<f64, JsValue> {
        Ok(self.mapping.item_offset(number_arg(&index, "argument index")?.max(0.0) as u64))
    }

    /// The item covering pixel `offset` and the pixel offset where it starts.
    ///
    /// Throws `ValidationError` when `offset` is not a number.
    #[wasm_bindgen(js_name = offsetToItem, unchecked_return_type = "[number, number]")]
    pub fn offset_to_item(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] offset: JsValue,
    ) -> Result<js_sys::Array, JsValue> {
        let (index, start) = self.mapping.offset_to_item(number_arg(&offset, "argument offset")?);
        Ok(js_sys::Array::of2(&JsValue::from_f64(index as f64), &JsValue::from_f64(start)))
    }
}
