//! [`CellContent`]: what one layer (a tile, or the engine's edit layer) holds for one cell.

use crate::model::{CellValue, Format};

/// The content one layer holds for one cell: a value, a number format, both or neither.
///
/// Neither (`value: None, format: None`) is a **tombstone**: the cell was cleared in this
/// layer, which masks whatever older layers hold for it. A layer that has no entry at all for a
/// cell (no `CellContent`) says nothing, and a read asks the layer beneath.
///
/// `value: Some(CellValue::Empty)` is different from `value: None`: it is an explicitly empty
/// value (JS `null`), while `None` is no value (JS `undefined`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellContent {
    /// The cell's value, or `None` for no value.
    pub value: Option<CellValue>,
    /// The cell's number format, or `None` for no format.
    pub format: Option<Format>,
}

impl CellContent {
    /// A tombstone: no value and no format, masking older layers.
    pub fn tombstone() -> Self {
        CellContent { value: None, format: None }
    }

    /// Whether this is a tombstone (no value and no format).
    pub fn is_tombstone(&self) -> bool {
        self.value.is_none() && self.format.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tombstone_is_the_default_and_has_nothing() {
        assert!(CellContent::tombstone().is_tombstone());
        assert_eq!(CellContent::default(), CellContent::tombstone());
    }

    #[test]
    fn any_value_or_format_is_not_a_tombstone() {
        assert!(!CellContent { value: Some(CellValue::Empty), format: None }.is_tombstone());
        let format = Format::new("0.00").ok();
        assert!(format.is_some());
        assert!(!CellContent { value: None, format }.is_tombstone());
    }
}
