//! Item offset mappings: where each row or column starts, in pixels (DESIGN.md section 3,
//! `getRowItemOffsetMapping`). Every item has the same size for now: rows 30 px, columns 100 px.

/// Default row height in pixels.
pub const DEFAULT_ROW_HEIGHT: f64 = 30.0;
/// Default column width in pixels.
pub const DEFAULT_COLUMN_WIDTH: f64 = 100.0;

/// Maps item indexes (0-based rows or columns) to pixel offsets and back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemOffsetMapping {
    item_size: f64,
}

impl ItemOffsetMapping {
    /// A mapping where every item is `item_size` pixels (must be finite and positive; other
    /// values fall back to 1 px).
    pub fn uniform(item_size: f64) -> Self {
        Self { item_size: if item_size.is_finite() && item_size > 0.0 { item_size } else { 1.0 } }
    }

    /// Size of item `index` in pixels.
    pub fn item_size(&self, _index: u64) -> f64 {
        self.item_size
    }

    /// Pixel offset where item `index` starts.
    pub fn item_offset(&self, index: u64) -> f64 {
        index as f64 * self.item_size
    }

    /// The item covering pixel offset `offset` and the pixel offset where it starts; offsets
    /// before 0 (or NaN) map to item 0.
    pub fn offset_to_item(&self, offset: f64) -> (u64, f64) {
        let index = if offset.is_finite() && offset > 0.0 { (offset / self.item_size).floor() as u64 } else { 0 };
        let index = index.min(crate::model::MAX_INDEX);
        (index, self.item_offset(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_thirty_pixels() {
        let rows = ItemOffsetMapping::uniform(DEFAULT_ROW_HEIGHT);
        assert_eq!(rows.item_offset(3), 90.0);
        assert_eq!(rows.offset_to_item(89.9), (2, 60.0));
        assert_eq!(rows.offset_to_item(90.0), (3, 90.0));
        assert_eq!(rows.offset_to_item(-5.0), (0, 0.0));
        assert_eq!(rows.offset_to_item(f64::NAN), (0, 0.0));
        assert_eq!(rows.offset_to_item(f64::INFINITY), (0, 0.0));
        assert_eq!(rows.item_size(7), 30.0);
    }
}
