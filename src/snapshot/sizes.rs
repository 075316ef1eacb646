//! [`ItemSizes`]: the row heights (or column widths) that differ from the axis default, as
//! sorted runs with prefix sums, so the pixel offset of any item and the item at any pixel
//! offset are found in `O(log n)` in the number of runs (the variable-size item offset
//! mapping of the InfiniSheet design; DESIGN.md section 3). [`SheetSizes`] holds both axes.
//! A snapshot index keeps the sizes as of its position; sizes move with their rows and columns
//! under a [`AxisTransform`].

use super::error::SnapshotError;
use super::transform::AxisTransform;
use crate::model::{SizeRun, MAX_INDEX, MAX_ITEM_SIZE, MIN_ITEM_SIZE};

/// One run of items of one size: `start .. end` (end exclusive) are `size` pixels each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizedRun {
    /// First 0-based index.
    pub start: u64,
    /// One past the last index.
    pub end: u64,
    /// Whole CSS pixels, [`MIN_ITEM_SIZE`]`..=`[`MAX_ITEM_SIZE`].
    pub size: u32,
}

/// The sizes of one axis that are not its default, in normal form: runs sorted, not
/// overlapping, and touching runs of different sizes (touching runs of one size are merged).
/// Every index not in a run has the axis default, which this type does not know: the offset
/// functions take it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemSizes {
    runs: Vec<SizedRun>,
    /// Per run: the total pixels and the number of items of the runs before it.
    before: Vec<(u128, u64)>,
}

impl ItemSizes {
    /// Sizes from runs in normal form (the decoder's check).
    ///
    /// # Errors
    /// [`SnapshotError::BadSizes`] when a run is empty, ends past 2^53, has a size outside
    /// [`MIN_ITEM_SIZE`]`..=`[`MAX_ITEM_SIZE`], or is out of order, overlapping, or touching a
    /// run of the same size.
    pub fn from_runs(runs: Vec<SizedRun>) -> Result<Self, SnapshotError> {
        let mut previous: Option<SizedRun> = None;
        for run in &runs {
            let reason = if run.start >= run.end || run.end > MAX_INDEX + 1 {
                Some("a run is empty or ends past the last index")
            } else if !(MIN_ITEM_SIZE..=MAX_ITEM_SIZE).contains(&run.size) {
                Some("a size is outside 1 to 10000 pixels")
            } else if previous.is_some_and(|p| p.end > run.start || (p.end == run.start && p.size == run.size)) {
                Some("runs overlap, are out of order, or touch with one size")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(SnapshotError::BadSizes { reason });
            }
            previous = Some(*run);
        }
        Ok(Self::normal(runs))
    }

    /// Builds the prefix sums of runs already in normal form.
    fn normal(runs: Vec<SizedRun>) -> Self {
        let mut before = Vec::with_capacity(runs.len());
        let (mut pixels, mut items) = (0u128, 0u64);
        for run in &runs {
            before.push((pixels, items));
            let len = run.end - run.start;
            pixels += u128::from(len) * u128::from(run.size);
            items += len;
        }
        Self { runs, before }
    }

    /// The runs, in order.
    pub fn runs(&self) -> &[SizedRun] {
        &self.runs
    }

    /// True when every item has the default size.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The size of item `index`: `None` for the default.
    pub fn size_of(&self, index: u64) -> Option<u32> {
        let k = self.runs.partition_point(|r| r.start <= index).checked_sub(1)?;
        self.runs.get(k).filter(|r| index < r.end).map(|r| r.size)
    }

    /// These sizes with `run` applied: its items get its size (`None`: the default). `O(n)`.
    pub fn with(&self, run: SizeRun) -> Self {
        let (start, end) = (run.start, run.end());
        let mut out: Vec<SizedRun> = Vec::with_capacity(self.runs.len() + 2);
        let push = |out: &mut Vec<SizedRun>, piece: SizedRun| {
            if piece.start >= piece.end {
                return;
            }
            match out.last_mut() {
                Some(last) if last.end == piece.start && last.size == piece.size => last.end = piece.end,
                _ => out.push(piece),
            }
        };
        let mut placed = false;
        for r in &self.runs {
            if r.end <= start {
                push(&mut out, *r);
                continue;
            }
            // The part of `r` before the new run.
            push(&mut out, SizedRun { end: r.end.min(start), ..*r });
            if !placed && r.end > start {
                if let Some(size) = run.size {
                    push(&mut out, SizedRun { start, end, size });
                }
                placed = true;
            }
            // The part of `r` after the new run.
            push(&mut out, SizedRun { start: r.start.max(end), ..*r });
        }
        if !placed {
            if let Some(size) = run.size {
                push(&mut out, SizedRun { start, end, size });
            }
        }
        Self::normal(out)
    }

    /// The sizes over `start .. start + count` as runs covering it exactly, gaps as `None`
    /// (what restores them, for undo).
    pub fn runs_over(&self, start: u64, count: u64) -> Vec<SizeRun> {
        let end = start.saturating_add(count);
        let mut out = Vec::new();
        let mut at = start;
        let first = self.runs.partition_point(|r| r.end <= start);
        for r in self.runs.iter().skip(first).take_while(|r| r.start < end) {
            if r.start > at {
                out.push(SizeRun { start: at, count: r.start - at, size: None });
            }
            let (s, e) = (r.start.max(start), r.end.min(end));
            out.push(SizeRun { start: s, count: e - s, size: Some(r.size) });
            at = e;
        }
        if at < end {
            out.push(SizeRun { start: at, count: end - at, size: None });
        }
        out
    }

    /// The sizes after `transform`: each run moves with its items, deleted items take their
    /// sizes with them, and inserted items have the default. `O(n log n)`.
    pub fn transformed(&self, transform: &AxisTransform) -> Self {
        if transform.is_identity() {
            return self.clone();
        }
        // Survivors keep their order, so the pieces come sorted and disjoint.
        let mut merged: Vec<SizedRun> = Vec::with_capacity(self.runs.len());
        for r in &self.runs {
            for (start, count) in transform.map_range(r.start, r.end - r.start) {
                let end = start.saturating_add(count).min(MAX_INDEX + 1);
                match merged.last_mut() {
                    _ if start >= end => {}
                    Some(last) if last.end == start && last.size == r.size => last.end = end,
                    _ => merged.push(SizedRun { start, end, size: r.size }),
                }
            }
        }
        Self::normal(merged)
    }

    /// The pixel offset where item `index` starts, every item outside the runs being `default`
    /// pixels. `O(log n)`.
    pub fn offset(&self, index: u64, default: u32) -> f64 {
        let k = self.runs.partition_point(|r| r.start < index);
        let base = u128::from(index) * u128::from(default);
        let Some(k) = k.checked_sub(1) else { return base as f64 };
        let (Some(run), Some(&(pixels, items))) = (self.runs.get(k), self.before.get(k)) else { return base as f64 };
        // Items before `index` inside runs: the runs before k, and run k up to `index`.
        let inside = index.min(run.end) - run.start;
        let run_pixels = pixels + u128::from(inside) * u128::from(run.size);
        let run_items = u128::from(items + inside);
        (base - run_items * u128::from(default) + run_pixels) as f64
    }

    /// The pixel offset where run `k` starts, from its prefix sums alone (no search).
    fn run_start(&self, k: usize, default: u32) -> Option<u128> {
        let (run, &(pixels, items)) = (self.runs.get(k)?, self.before.get(k)?);
        Some(u128::from(run.start - items) * u128::from(default) + pixels)
    }

    /// The item covering pixel `offset` and the offset where it starts; offsets before 0 (or
    /// NaN) give item 0, offsets past the last index give the last index. `O(log n)`: one
    /// binary search over the runs' start offsets, each read from the prefix sums.
    pub fn item_at(&self, offset: f64, default: u32) -> (u64, f64) {
        if offset.is_nan() || offset <= 0.0 {
            return (0, 0.0);
        }
        let default = default.max(1);
        // The last run starting at or before `offset`.
        let (mut lo, mut hi) = (0usize, self.runs.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.run_start(mid, default) {
                Some(start) if start as f64 <= offset => lo = mid + 1,
                _ => hi = mid,
            }
        }
        let found = lo.checked_sub(1).and_then(|k| Some((self.runs.get(k)?, self.run_start(k, default)? as f64)));
        let index = match found {
            None => floor_div(offset, default),
            Some((run, start_px)) => {
                let end_px = start_px + (run.end - run.start) as f64 * f64::from(run.size);
                if offset < end_px {
                    run.start.saturating_add(floor_div(offset - start_px, run.size)).min(run.end - 1)
                } else {
                    run.end.saturating_add(floor_div(offset - end_px, default))
                }
            }
        };
        let index = index.min(MAX_INDEX);
        (index, self.offset(index, default))
    }
}

fn floor_div(pixels: f64, size: u32) -> u64 {
    let items = (pixels / f64::from(size.max(1))).floor();
    if items > 0.0 {
        // Saturates: +infinity and huge offsets give u64::MAX, clamped by the caller.
        items as u64
    } else {
        0
    }
}

/// Row heights and column widths that are not the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetSizes {
    /// Row heights.
    pub rows: ItemSizes,
    /// Column widths.
    pub cols: ItemSizes,
}

impl SheetSizes {
    /// True when every row and column has its default size.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.cols.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sized(start: u64, count: u64, size: u32) -> SizeRun {
        SizeRun { start, count, size: Some(size) }
    }

    #[test]
    fn offsets_follow_the_runs() {
        let sizes = ItemSizes::default().with(sized(2, 3, 50)).with(sized(10, 1, 5));
        assert_eq!(sizes.offset(0, 30), 0.0);
        assert_eq!(sizes.offset(2, 30), 60.0);
        assert_eq!(sizes.offset(3, 30), 110.0);
        assert_eq!(sizes.offset(5, 30), 210.0);
        assert_eq!(sizes.offset(11, 30), 210.0 + 5.0 * 30.0 + 5.0);
        assert_eq!(sizes.item_at(109.0, 30), (2, 60.0));
        assert_eq!(sizes.item_at(110.0, 30), (3, 110.0));
        assert_eq!(sizes.item_at(215.0, 30), (5, 210.0));
        assert_eq!(sizes.item_at(-4.0, 30), (0, 0.0));
        assert_eq!(sizes.item_at(f64::NAN, 30), (0, 0.0));
        assert_eq!(sizes.item_at(f64::INFINITY, 30).0, MAX_INDEX);
        assert_eq!(sizes.size_of(4), Some(50));
        assert_eq!(sizes.size_of(5), None);
    }

    #[test]
    fn setting_splits_merges_and_restores() {
        let sizes = ItemSizes::default().with(sized(0, 10, 40));
        let split = sizes.with(SizeRun { start: 3, count: 2, size: None });
        assert_eq!(split.runs().len(), 2);
        assert_eq!(
            split.runs_over(2, 4),
            vec![sized(2, 1, 40), SizeRun { start: 3, count: 2, size: None }, sized(5, 1, 40)]
        );
        assert_eq!(split.with(sized(3, 2, 40)), sizes, "filling the gap merges the runs again");
        assert!(ItemSizes::from_runs(split.runs().to_vec()).is_ok());
        let touching = vec![SizedRun { start: 0, end: 2, size: 9 }, SizedRun { start: 2, end: 3, size: 9 }];
        assert!(ItemSizes::from_runs(touching).is_err());
    }

    #[test]
    fn sizes_move_with_their_items() {
        let sizes = ItemSizes::default().with(sized(4, 2, 70));
        let mut insert = AxisTransform::identity();
        insert.insert(5, 3);
        let moved = sizes.transformed(&insert);
        assert_eq!(moved.runs(), &[SizedRun { start: 4, end: 5, size: 70 }, SizedRun { start: 8, end: 9, size: 70 }]);
        let mut delete = AxisTransform::identity();
        delete.delete(0, 5);
        assert_eq!(sizes.transformed(&delete).runs(), &[SizedRun { start: 0, end: 1, size: 70 }]);
    }
}
