//! Row heights and column widths: the limits of an item size and [`SizeRun`], a run of items
//! given one size (the variable-size items of the InfiniSheet design; DESIGN.md section 3,
//! `getRowItemOffsetMapping`).

use super::error::ValidationError;
use super::reference::{check_index, Axis, MAX_INDEX};

/// Smallest row height or column width, in CSS pixels.
pub const MIN_ITEM_SIZE: u32 = 1;
/// Largest row height or column width, in CSS pixels.
pub const MAX_ITEM_SIZE: u32 = 10_000;

/// Items `start .. start + count` (0-based rows or columns) given one size: `Some(px)`, whole
/// CSS pixels in [`MIN_ITEM_SIZE`]`..=`[`MAX_ITEM_SIZE`], or `None` for the default size of
/// the axis (30 px rows, 100 px columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRun {
    /// First 0-based index of the run.
    pub start: u64,
    /// How many items, at least 1; `start + count - 1` is at most [`MAX_INDEX`].
    pub count: u64,
    /// The size in whole CSS pixels, or `None` for the axis default.
    pub size: Option<u32>,
}

impl SizeRun {
    /// Checks the span and the size.
    ///
    /// # Errors
    /// [`ValidationError::EmptySpan`] for a count of 0, [`ValidationError::IndexTooLarge`]
    /// when the run ends past [`MAX_INDEX`], [`ValidationError::BadItemSize`] for a size
    /// outside [`MIN_ITEM_SIZE`]`..=`[`MAX_ITEM_SIZE`].
    pub fn validate(&self, axis: Axis) -> Result<(), ValidationError> {
        check_index(axis, self.start)?;
        if self.count == 0 {
            return Err(ValidationError::EmptySpan { axis });
        }
        match self.start.checked_add(self.count - 1) {
            Some(last) if last <= MAX_INDEX => {}
            _ => return Err(ValidationError::IndexTooLarge { axis, index: self.start.saturating_add(self.count - 1) }),
        }
        match self.size {
            Some(size) if !(MIN_ITEM_SIZE..=MAX_ITEM_SIZE).contains(&size) => {
                Err(ValidationError::BadItemSize { axis, size: f64::from(size) })
            }
            _ => Ok(()),
        }
    }

    /// One past the last index of the run.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.count)
    }
}

/// Converts a size that arrived as a JS number: a whole number of pixels within the limits.
///
/// # Errors
/// [`ValidationError::BadItemSize`] for NaN, infinities, fractions and sizes outside
/// [`MIN_ITEM_SIZE`]`..=`[`MAX_ITEM_SIZE`].
pub fn item_size_from_f64(axis: Axis, size: f64) -> Result<u32, ValidationError> {
    if size.fract() == 0.0 && (f64::from(MIN_ITEM_SIZE)..=f64::from(MAX_ITEM_SIZE)).contains(&size) {
        Ok(size as u32)
    } else {
        Err(ValidationError::BadItemSize { axis, size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_sizes_are_checked() {
        let run = |start, count, size| SizeRun { start, count, size };
        assert_eq!(run(0, 1, Some(1)).validate(Axis::Row), Ok(()));
        assert_eq!(run(MAX_INDEX, 1, None).validate(Axis::Row), Ok(()));
        assert_eq!(run(3, 0, None).validate(Axis::Column), Err(ValidationError::EmptySpan { axis: Axis::Column }));
        assert!(matches!(run(MAX_INDEX, 2, None).validate(Axis::Row), Err(ValidationError::IndexTooLarge { .. })));
        assert!(matches!(run(0, 1, Some(0)).validate(Axis::Row), Err(ValidationError::BadItemSize { .. })));
        assert!(matches!(run(0, 1, Some(10_001)).validate(Axis::Row), Err(ValidationError::BadItemSize { .. })));
        assert_eq!(item_size_from_f64(Axis::Column, 120.0), Ok(120));
        for bad in [0.0, -3.0, 0.5, 10_001.0, f64::NAN, f64::INFINITY] {
            assert!(item_size_from_f64(Axis::Column, bad).is_err(), "{bad}");
        }
        let e = ValidationError::BadItemSize { axis: Axis::Column, size: 0.5 };
        assert_eq!(e.to_string(), "column size 0.5 is not valid; a size is a whole number of pixels from 1 to 10000");
    }
}
