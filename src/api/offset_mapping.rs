//! The JS `ItemOffsetMapping` class returned by `getRowItemOffsetMapping` and
//! `getColumnItemOffsetMapping`.

use wasm_bindgen::prelude::*;

use crate::engine::ItemOffsetMapping;

/// Where rows (or columns) start, in pixels: `itemSize(i)`, `itemOffset(i)` and
/// `offsetToItem(px) -> [index, startPx]`, indexes 0-based. Rows are 30 px, columns 100 px.
#[wasm_bindgen(js_name = ItemOffsetMapping)]
pub struct JsItemOffsetMapping {
    pub(crate) mapping: ItemOffsetMapping,
}

#[wasm_bindgen(js_class = ItemOffsetMapping)]
impl JsItemOffsetMapping {
    /// Size of item `index` in pixels.
    #[wasm_bindgen(js_name = itemSize)]
    pub fn item_size(&self, index: f64) -> f64 {
        self.mapping.item_size(index.max(0.0) as u64)
    }

    /// Pixel offset where item `index` starts.
    #[wasm_bindgen(js_name = itemOffset)]
    pub fn item_offset(&self, index: f64) -> f64 {
        self.mapping.item_offset(index.max(0.0) as u64)
    }

    /// The item covering pixel `offset` and the pixel offset where it starts.
    #[wasm_bindgen(js_name = offsetToItem, unchecked_return_type = "[number, number]")]
    pub fn offset_to_item(&self, offset: f64) -> js_sys::Array {
        let (index, start) = self.mapping.offset_to_item(offset);
        js_sys::Array::of2(&JsValue::from_f64(index as f64), &JsValue::from_f64(start))
    }
}
