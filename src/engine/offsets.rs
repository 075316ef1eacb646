//! Item offset mappings: where each row or column starts, in pixels (DESIGN.md section 3,
//! `getRowItemOffsetMapping`). Rows are 30 px and columns 100 px unless resized; resized runs
//! ([`ItemSizes`]) are searched with prefix sums, so every lookup is `O(log n)` in the number
//! of runs whatever the sheet's size (the variable-size item offset mapping of the InfiniSheet
//! design).

use std::rc::Rc;

use crate::model::{Axis, MAX_INDEX};
use crate::snapshot::{ItemSizes, SheetSizes};

/// Default row height in pixels.
pub const DEFAULT_ROW_HEIGHT: f64 = 30.0;
/// Default column width in pixels.
pub const DEFAULT_COLUMN_WIDTH: f64 = 100.0;

/// Maps item indexes (0-based rows or columns) to pixel offsets and back.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemOffsetMapping {
    /// The size of every item outside the resized runs, whole pixels.
    default: u32,
    sizes: Rc<SheetSizes>,
    axis: Axis,
}

impl ItemOffsetMapping {
    /// A mapping where every item is `item_size` pixels, rounded to a whole number (values
    /// that are not finite and at least 1 fall back to 1 px).
    pub fn uniform(item_size: f64) -> Self {
        Self::new(item_size, Axis::Row, Rc::default())
    }

    /// The mapping of `axis` of `sizes`, every item not resized being `default` pixels
    /// (rounded as [`Self::uniform`]).
    pub fn new(default: f64, axis: Axis, sizes: Rc<SheetSizes>) -> Self {
        let default =
            if default.is_finite() && default >= 1.0 { default.round().min(f64::from(u32::MAX)) as u32 } else { 1 };
        Self { default, sizes, axis }
    }

    fn table(&self) -> &ItemSizes {
        match self.axis {
            Axis::Row => &self.sizes.rows,
            Axis::Column => &self.sizes.cols,
        }
    }

    /// True when every item has the default size (no row or column of this axis resized).
    pub fn is_uniform(&self) -> bool {
        self.table().is_empty()
    }

    /// Size of item `index` in pixels.
    pub fn item_size(&self, index: u64) -> f64 {
        f64::from(self.table().size_of(index).unwrap_or(self.default))
    }

    /// Pixel offset where item `index` starts.
    pub fn item_offset(&self, index: u64) -> f64 {
        self.table().offset(index.min(MAX_INDEX), self.default)
    }

    /// The item covering pixel offset `offset` and the pixel offset where it starts; offsets
    /// before 0 (or NaN) map to item 0, offsets past the last item to the last item.
    pub fn offset_to_item(&self, offset: f64) -> (u64, f64) {
        self.table().item_at(offset, self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SizeRun;

    #[test]
    fn rows_of_thirty_pixels() {
        let rows = ItemOffsetMapping::uniform(DEFAULT_ROW_HEIGHT);
        assert_eq!(rows.item_offset(3), 90.0);
        assert_eq!(rows.offset_to_item(89.9), (2, 60.0));
        assert_eq!(rows.offset_to_item(90.0), (3, 90.0));
        assert_eq!(rows.offset_to_item(-5.0), (0, 0.0));
        assert_eq!(rows.offset_to_item(f64::NAN), (0, 0.0));
        assert_eq!(rows.offset_to_item(f64::INFINITY).0, MAX_INDEX);
        assert_eq!(rows.item_size(7), 30.0);
    }

    #[test]
    fn resized_columns_move_the_ones_after() {
        let cols = ItemSizes::default().with(SizeRun { start: 1, count: 1, size: Some(250) });
        let sizes = Rc::new(SheetSizes { rows: ItemSizes::default(), cols });
        let mapping = ItemOffsetMapping::new(DEFAULT_COLUMN_WIDTH, Axis::Column, sizes.clone());
        assert_eq!(mapping.item_size(1), 250.0);
        assert_eq!(mapping.item_offset(2), 350.0);
        assert_eq!(mapping.offset_to_item(349.0), (1, 100.0));
        assert_eq!(mapping.offset_to_item(450.0), (3, 450.0));
        let rows = ItemOffsetMapping::new(DEFAULT_ROW_HEIGHT, Axis::Row, sizes);
        assert_eq!(rows.item_offset(2), 60.0, "the other axis keeps its defaults");
    }
}
