//! [`AxisTransform`] and [`Transform`]: how rows and columns move between two snapshot layers
//! (DESIGN.md, appendix "transforms, worked through").
//!
//! On one axis, any sequence of inserts and deletes normalises to: delete a set of ranges of
//! **old** indexes `D`, then insert a set of ranges of **new** indexes `I`. Both are kept
//! sorted, non-overlapping and non-adjacent (touching ranges are merged), each at least 1 wide,
//! as [`Span`]s `(start, cumulative width up to and including this range)`, so "how many
//! deleted or inserted before x" is one binary search and a mapping costs `O(log n)`.
//!
//! The axis is unbounded, as a sheet's rows are: deleting rows pulls the rows below up, and
//! inserting pushes them down, never off the end. Positions from 2^63 on are beyond what a
//! transform tracks: ranges are clipped there and mappings that land there return `None`. With
//! indexes and counts up to [`MAX_INDEX`](crate::model::MAX_INDEX) (2^53 - 1) a transform is
//! exact until its total inserted or deleted width passes 2^63 - 2^53 (about a thousand edits
//! of the largest count); nothing ever overflows or panics.

use super::error::SnapshotError;

/// First position a transform does not track: 2^63.
const AXIS_END: u64 = 1 << 63;

/// One range of a transform's deleted or inserted list: where it starts, and the total width
/// of all ranges of the list up to and including this one. The width of range `i` is
/// `cumulative[i] - cumulative[i - 1]` (or `cumulative[0]` for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first index of the range (old coordinates for deletions, new for insertions).
    pub start: u64,
    /// The total width of this range and all ranges before it in the list.
    pub cumulative: u64,
}

/// The transform of one axis (rows or columns) from an older layer to a newer one: deleted
/// ranges in old coordinates, then inserted ranges in new coordinates.
///
/// Built empty ([`identity`](AxisTransform::identity)) and grown by composing structural edits
/// with [`insert`](AxisTransform::insert) and [`delete`](AxisTransform::delete), or read back
/// with [`from_ranges`](AxisTransform::from_ranges). Two transforms are equal exactly when they
/// map every index the same way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AxisTransform {
    deleted: Vec<Span>,
    inserted: Vec<Span>,
}

impl AxisTransform {
    /// The transform that changes nothing.
    pub fn identity() -> Self {
        AxisTransform::default()
    }

    /// Whether nothing is deleted or inserted.
    pub fn is_identity(&self) -> bool {
        self.deleted.is_empty() && self.inserted.is_empty()
    }

    /// A transform from `(start, width)` ranges: `deleted` in old coordinates, `inserted` in
    /// new coordinates.
    ///
    /// # Errors
    /// [`SnapshotError::BadTransform`] unless each list is sorted, every width is at least 1,
    /// ranges neither overlap nor touch (touching ranges must be given merged), and every range
    /// ends at or before 2^63.
    pub fn from_ranges(deleted: &[(u64, u64)], inserted: &[(u64, u64)]) -> Result<Self, SnapshotError> {
        Ok(AxisTransform { deleted: spans_from_ranges(deleted)?, inserted: spans_from_ranges(inserted)? })
    }

    /// The deleted ranges as `(start, width)` in old coordinates, in order.
    pub fn deleted(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        widths(&self.deleted)
    }

    /// The inserted ranges as `(start, width)` in new coordinates, in order.
    pub fn inserted(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        widths(&self.inserted)
    }

    /// The deleted ranges as stored: start (old coordinates) and cumulative width.
    pub fn deleted_spans(&self) -> &[Span] {
        &self.deleted
    }

    /// The inserted ranges as stored: start (new coordinates) and cumulative width.
    pub fn inserted_spans(&self) -> &[Span] {
        &self.inserted
    }

    /// Composes "insert `count` indexes before `at`" (in the newest coordinates) onto this
    /// transform: indexes from `at` on move up by `count`, and `at .. at + count` are new. A
    /// count of 0 changes nothing.
    pub fn insert(&mut self, at: u64, count: u64) {
        if count == 0 || at >= AXIS_END {
            return;
        }
        let count = count.min(AXIS_END - at);
        let mut ranges = Vec::with_capacity(self.inserted.len() + 2);
        for (s, e) in bounds(&self.inserted) {
            if e <= at {
                ranges.push((s, e));
            } else if s < at {
                ranges.push((s, at));
                ranges.push((at.saturating_add(count), e.saturating_add(count)));
            } else {
                ranges.push((s.saturating_add(count), e.saturating_add(count)));
            }
        }
        ranges.push((at, at + count));
        ranges.sort_unstable();
        self.inserted = merge(ranges);
    }

    /// Composes "delete `count` indexes from `at`" (in the newest coordinates) onto this
    /// transform: indexes from `at + count` on move down by `count`. Deleted indexes that an
    /// earlier insert created simply leave the inserted list (an insert and a delete of the same
    /// indexes cancel); deleted indexes that come from the old layer join the deleted list in
    /// old coordinates. A count of 0 changes nothing.
    pub fn delete(&mut self, at: u64, count: u64) {
        if count == 0 || at >= AXIS_END {
            return;
        }
        let end = at + count.min(AXIS_END - at);
        let (inserted_before_at, _) = covered_before(&self.inserted, at);
        let (inserted_before_end, _) = covered_before(&self.inserted, end);
        let from_old = (end - at).saturating_sub(inserted_before_end.saturating_sub(inserted_before_at));
        if from_old > 0 {
            // The surviving indexes in `at .. end` are consecutive by rank among the survivors,
            // so in old coordinates they span one interval (with old deletions inside it).
            let first_rank = at - inserted_before_at;
            let first = nth_uncovered(&self.deleted, first_rank);
            let last = nth_uncovered(&self.deleted, first_rank.saturating_add(from_old - 1));
            if first < AXIS_END {
                let mut ranges: Vec<(u64, u64)> = bounds(&self.deleted).collect();
                ranges.push((first, last.saturating_add(1).min(AXIS_END)));
                ranges.sort_unstable();
                self.deleted = merge(ranges);
            }
        }
        let width = end - at;
        let mut ranges = Vec::with_capacity(self.inserted.len() + 1);
        for (s, e) in bounds(&self.inserted) {
            if s < at {
                ranges.push((s, e.min(at)));
            }
            if e > end {
                ranges.push((s.max(end) - width, e - width));
            }
        }
        self.inserted = merge(ranges);
    }

    /// The old index that `new` comes from, or `None` if `new` was inserted (no older layer
    /// holds it) or lies at or beyond 2^63. `O(log n)` in the number of ranges.
    pub fn new_to_old(&self, new: u64) -> Option<u64> {
        map(&self.inserted, &self.deleted, new)
    }

    /// The new index of `old`, or `None` if `old` was deleted or the result lies at or beyond
    /// 2^63. `O(log n)` in the number of ranges.
    pub fn old_to_new(&self, old: u64) -> Option<u64> {
        map(&self.deleted, &self.inserted, old)
    }

    /// A transform from `(start, width)` ranges in any order, overlapping or touching ranges
    /// merged (and clipped at 2^63): the normal form of "delete these old indexes, insert
    /// these new ones". Empty ranges are ignored.
    pub fn normalized(deleted: Vec<(u64, u64)>, inserted: Vec<(u64, u64)>) -> Self {
        let ends = |ranges: Vec<(u64, u64)>| {
            let mut ends: Vec<(u64, u64)> = ranges.into_iter().map(|(s, w)| (s, s.saturating_add(w))).collect();
            ends.sort_unstable();
            merge(ends)
        };
        AxisTransform { deleted: ends(deleted), inserted: ends(inserted) }
    }

    /// The inverse: maps this transform's new indexes back to its old ones (an index this
    /// transform inserted is one the inverse deletes, and the reverse).
    pub fn inverse(&self) -> AxisTransform {
        AxisTransform { deleted: self.inserted.clone(), inserted: self.deleted.clone() }
    }

    /// Where the old indexes `start .. start + count` that survive this transform land: their
    /// new indexes as maximal runs `(start, width)`, in increasing order. Survivors keep their
    /// order, so the runs are consecutive except where this transform inserted indexes among
    /// them. Empty when every one was deleted. `O(log n + runs)`.
    pub fn map_range(&self, start: u64, count: u64) -> Vec<(u64, u64)> {
        let start = start.min(AXIS_END);
        let end = start.saturating_add(count).min(AXIS_END);
        // Survivors of `start .. end` have the consecutive ranks `first .. last`.
        let first = start - covered_before(&self.deleted, start).0;
        let last = end - covered_before(&self.deleted, end).0;
        let mut runs = Vec::new();
        let (mut rank, mut pos) = (first, nth_uncovered(&self.inserted, first));
        // The inserted ranges at or after `pos` split the run.
        let mut next = self.inserted.partition_point(|s| s.start < pos);
        while rank < last && pos < AXIS_END {
            let gap = self.inserted.get(next).map_or(u64::MAX, |s| s.start - pos);
            let take = gap.min(last - rank).min(AXIS_END - pos);
            if take > 0 {
                runs.push((pos, take));
            }
            rank += take;
            pos += take;
            if let Some(span) = self.inserted.get(next) {
                pos = pos.saturating_add(span.cumulative - cumulative_before(&self.inserted, next));
            }
            next += 1;
        }
        runs
    }

    /// [`map_range`](Self::map_range) of each of `ranges`, merged into the normal form's
    /// sorted, non-touching runs.
    pub fn map_ranges(&self, ranges: impl IntoIterator<Item = (u64, u64)>) -> Vec<(u64, u64)> {
        let runs = ranges.into_iter().flat_map(|(s, w)| self.map_range(s, w)).collect();
        widths(&AxisTransform::normalized(runs, Vec::new()).deleted).collect()
    }

    /// Where an insertion point moves: inserting before old index `at` is, after this
    /// transform, inserting before the new index of the first old index at or after `at` that
    /// survives. Indexes this transform inserted just before that one stay before the insertion
    /// (the earlier edit's indexes come first); an insertion point inside a deleted range moves
    /// to where the range was. At most 2^63.
    pub fn map_insertion_point(&self, at: u64) -> u64 {
        let (before, covered) = covered_before(&self.deleted, at);
        let survivor = if covered {
            let i = self.deleted.partition_point(|s| s.start <= at) - 1;
            let span = self.deleted[i];
            span.start + (span.cumulative - cumulative_before(&self.deleted, i))
        } else {
            at
        };
        let rank = survivor.min(AXIS_END) - if covered { covered_before(&self.deleted, survivor).0 } else { before };
        nth_uncovered(&self.inserted, rank).min(AXIS_END)
    }

    /// The transform that applies `self`, then `newer`: from `self`'s old coordinates to
    /// `newer`'s new coordinates.
    ///
    /// Replays `newer` onto a copy of `self`: first its deletions from the highest range down
    /// (so each range's coordinates are not yet shifted by the others), then its insertions
    /// from the lowest range up (so each lands at its final new coordinate).
    pub fn compose(&self, newer: &AxisTransform) -> AxisTransform {
        let mut out = self.clone();
        let deleted: Vec<(u64, u64)> = newer.deleted().collect();
        for &(start, width) in deleted.iter().rev() {
            out.delete(start, width);
        }
        for (start, width) in newer.inserted() {
            out.insert(start, width);
        }
        out
    }
}

/// The row and column transforms from one layer to the next.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transform {
    /// How rows move.
    pub rows: AxisTransform,
    /// How columns move.
    pub cols: AxisTransform,
}

impl Transform {
    /// Whether neither rows nor columns move.
    pub fn is_identity(&self) -> bool {
        self.rows.is_identity() && self.cols.is_identity()
    }

    /// The inverse on both axes (see [`AxisTransform::inverse`]).
    pub fn inverse(&self) -> Transform {
        Transform { rows: self.rows.inverse(), cols: self.cols.inverse() }
    }

    /// The transform that applies `self`, then `newer`, on both axes (see
    /// [`AxisTransform::compose`]).
    pub fn compose(&self, newer: &Transform) -> Transform {
        Transform { rows: self.rows.compose(&newer.rows), cols: self.cols.compose(&newer.cols) }
    }
}

fn spans_from_ranges(ranges: &[(u64, u64)]) -> Result<Vec<Span>, SnapshotError> {
    let mut spans = Vec::with_capacity(ranges.len());
    let mut prev_end: Option<u64> = None;
    let mut cumulative: u64 = 0;
    for &(start, width) in ranges {
        if width == 0 {
            return Err(SnapshotError::BadTransform { reason: "a range has width 0" });
        }
        let end = start.checked_add(width).filter(|&e| e <= AXIS_END);
        let end = end.ok_or(SnapshotError::BadTransform { reason: "a range ends beyond 2^63" })?;
        match prev_end {
            Some(p) if start < p => {
                return Err(SnapshotError::BadTransform { reason: "ranges overlap or are out of order" })
            }
            Some(p) if start == p => {
                return Err(SnapshotError::BadTransform { reason: "ranges touch; adjacent ranges must be merged" })
            }
            _ => {}
        }
        // Disjoint ranges below 2^63 have a total width of at most 2^63: no overflow.
        cumulative = cumulative.saturating_add(width);
        spans.push(Span { start, cumulative });
        prev_end = Some(end);
    }
    Ok(spans)
}

/// `(start, width)` of each span.
fn widths(spans: &[Span]) -> impl Iterator<Item = (u64, u64)> + '_ {
    spans.iter().scan(0u64, |prev, span| {
        let width = span.cumulative.saturating_sub(*prev);
        *prev = span.cumulative;
        Some((span.start, width))
    })
}

/// `(start, end)` of each span, `end` exclusive.
fn bounds(spans: &[Span]) -> impl Iterator<Item = (u64, u64)> + '_ {
    widths(spans).map(|(start, width)| (start, start.saturating_add(width)))
}

/// Spans from `(start, end)` ranges sorted by start: clipped to 2^63, empty ones dropped,
/// overlapping or touching ones merged.
fn merge(ranges: Vec<(u64, u64)>) -> Vec<Span> {
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        let (s, e) = (s.min(AXIS_END), e.min(AXIS_END));
        if s >= e {
            continue;
        }
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut cumulative = 0u64;
    merged
        .into_iter()
        .map(|(start, end)| {
            cumulative = cumulative.saturating_add(end - start);
            Span { start, cumulative }
        })
        .collect()
}

/// Total width of the spans before span `i`.
fn cumulative_before(spans: &[Span], i: usize) -> u64 {
    i.checked_sub(1).and_then(|j| spans.get(j)).map_or(0, |s| s.cumulative)
}

/// How many covered positions lie below `x`, and whether `x` itself is covered.
fn covered_before(spans: &[Span], x: u64) -> (u64, bool) {
    let i = spans.partition_point(|s| s.start <= x);
    let Some(j) = i.checked_sub(1) else {
        return (0, false);
    };
    let Some(span) = spans.get(j) else {
        return (0, false);
    };
    let before = cumulative_before(spans, j);
    let offset = x - span.start;
    if offset < span.cumulative - before {
        (before + offset, true)
    } else {
        (span.cumulative, false)
    }
}

/// The `rank`-th (0-based) position not covered by `spans`. May be 2^63 or more; never
/// overflows while `rank < 2^63`, as the covered width is at most 2^63.
fn nth_uncovered(spans: &[Span], rank: u64) -> u64 {
    // Uncovered positions before span i: `start_i - cumulative_before(i)`, strictly increasing
    // in i because ranges do not touch. Count the spans that start at or before the answer.
    let (mut lo, mut hi) = (0usize, spans.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let free_before = spans.get(mid).map_or(u64::MAX, |s| s.start - cumulative_before(spans, mid));
        if free_before <= rank {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    rank.saturating_add(cumulative_before(spans, lo))
}

/// Maps `x` across a transform: `None` if `x` is in `from_covered` (deleted, or inserted for
/// the reverse direction), else the position with the same rank outside `to_covered`.
fn map(from_covered: &[Span], to_covered: &[Span], x: u64) -> Option<u64> {
    if x >= AXIS_END {
        return None;
    }
    let (before, covered) = covered_before(from_covered, x);
    if covered {
        return None;
    }
    Some(nth_uncovered(to_covered, x - before)).filter(|&y| y < AXIS_END)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MAX_INDEX;

    type Ranges = Vec<(u64, u64)>;

    fn ranges(t: &AxisTransform) -> (Ranges, Ranges) {
        (t.deleted().collect(), t.inserted().collect())
    }

    #[test]
    fn design_worked_example() -> Result<(), SnapshotError> {
        // 3 x 4 sheet; "insert row 2" (0-based row 1 is new), "delete column C".
        let mut t = Transform::default();
        t.rows.insert(1, 1);
        t.cols.delete(2, 1);
        assert_eq!(t.rows, AxisTransform::from_ranges(&[], &[(1, 1)])?);
        assert_eq!(t.cols, AxisTransform::from_ranges(&[(2, 1)], &[])?);
        // New C4 (row 3, column 2) is the old layer's D3 (row 2, column 3).
        assert_eq!((t.rows.new_to_old(3), t.cols.new_to_old(2)), (Some(2), Some(3)));
        assert_eq!(t.rows.new_to_old(1), None);
        assert_eq!(t.cols.old_to_new(2), None);
        assert_eq!((t.rows.old_to_new(2), t.cols.old_to_new(3)), (Some(3), Some(2)));
        Ok(())
    }

    #[test]
    fn identity_maps_everything_to_itself() {
        let t = AxisTransform::identity();
        assert!(t.is_identity());
        for x in [0, 1, 77, MAX_INDEX] {
            assert_eq!((t.new_to_old(x), t.old_to_new(x)), (Some(x), Some(x)));
        }
        assert_eq!(t.new_to_old(u64::MAX), None);
    }

    #[test]
    fn spans_store_cumulative_widths() -> Result<(), SnapshotError> {
        let t = AxisTransform::from_ranges(&[(2, 3), (10, 1)], &[(0, 2)])?;
        assert_eq!(t.deleted_spans(), [Span { start: 2, cumulative: 3 }, Span { start: 10, cumulative: 4 }]);
        assert_eq!(t.inserted_spans(), [Span { start: 0, cumulative: 2 }]);
        assert_eq!(ranges(&t), (vec![(2, 3), (10, 1)], vec![(0, 2)]));
        Ok(())
    }

    #[test]
    fn from_ranges_validates() {
        let bad = |reason| Err(SnapshotError::BadTransform { reason });
        assert_eq!(AxisTransform::from_ranges(&[(1, 0)], &[]), bad("a range has width 0"));
        assert_eq!(AxisTransform::from_ranges(&[], &[(5, 2), (1, 1)]), bad("ranges overlap or are out of order"));
        assert_eq!(AxisTransform::from_ranges(&[(0, 3), (2, 1)], &[]), bad("ranges overlap or are out of order"));
        assert_eq!(
            AxisTransform::from_ranges(&[(0, 2), (2, 1)], &[]),
            bad("ranges touch; adjacent ranges must be merged")
        );
        assert_eq!(AxisTransform::from_ranges(&[(u64::MAX, 1)], &[]), bad("a range ends beyond 2^63"));
        assert_eq!(AxisTransform::from_ranges(&[(AXIS_END - 1, 2)], &[]), bad("a range ends beyond 2^63"));
        assert!(AxisTransform::from_ranges(&[(AXIS_END - 1, 1)], &[(0, AXIS_END)]).is_ok());
    }

    #[test]
    fn insert_then_delete_cancels() {
        let mut t = AxisTransform::identity();
        t.insert(5, 3);
        t.delete(5, 3);
        assert!(t.is_identity());
        t.insert(5, 3);
        t.delete(4, 5); // old 4, the three new rows, old 5
        assert_eq!(ranges(&t), (vec![(4, 2)], vec![]));
    }

    #[test]
    fn delete_maps_through_earlier_inserts_and_deletes() {
        let mut t = AxisTransform::identity();
        t.delete(2, 2); // old 2, 3 gone
        t.insert(0, 1); // new 0 inserted; old 0 -> 1
        t.delete(2, 2); // new 2 is old 1, new 3 is old 4
        assert_eq!(ranges(&t), (vec![(1, 4)], vec![(0, 1)]));
        assert_eq!(t.new_to_old(1), Some(0));
        assert_eq!(t.new_to_old(2), Some(5));
        assert_eq!(t.old_to_new(5), Some(2));
    }

    #[test]
    fn inserts_inside_and_next_to_inserted_ranges_merge() {
        let mut t = AxisTransform::identity();
        t.insert(2, 2);
        t.insert(3, 1); // inside [2, 4)
        t.insert(5, 1); // touches [2, 5)
        t.insert(0, 1); // shifts everything
        assert_eq!(ranges(&t), (vec![], vec![(0, 1), (3, 4)]));
    }

    #[test]
    fn compose_matches_replaying_both() {
        let mut first = AxisTransform::identity();
        first.insert(1, 2);
        first.delete(6, 3);
        let mut second = AxisTransform::identity();
        second.delete(0, 2);
        second.insert(4, 1);
        second.delete(9, 1);
        let mut both = first.clone();
        both.delete(0, 2);
        both.insert(4, 1);
        both.delete(9, 1);
        assert_eq!(first.compose(&second), both);
        assert_eq!(AxisTransform::identity().compose(&second), second);
        assert_eq!(second.compose(&AxisTransform::identity()), second);
    }

    #[test]
    fn extreme_indexes_and_counts_never_overflow() {
        let mut t = AxisTransform::identity();
        for _ in 0..3000 {
            t.insert(0, MAX_INDEX);
            t.insert(MAX_INDEX, MAX_INDEX);
        }
        t.insert(u64::MAX, u64::MAX);
        for _ in 0..3000 {
            t.delete(MAX_INDEX, MAX_INDEX);
        }
        t.delete(u64::MAX, u64::MAX);
        t.delete(0, u64::MAX);
        for x in [0, MAX_INDEX, AXIS_END - 1, AXIS_END, u64::MAX] {
            let _ = (t.new_to_old(x), t.old_to_new(x));
        }
        let (d, i) = ranges(&t);
        assert_eq!(AxisTransform::from_ranges(&d, &i), Ok(t));
    }

    #[test]
    fn large_deletes_are_exact() {
        let mut t = AxisTransform::identity();
        t.delete(0, MAX_INDEX);
        t.delete(0, MAX_INDEX);
        assert_eq!(t.new_to_old(0), Some(2 * MAX_INDEX));
        assert_eq!(t.old_to_new(2 * MAX_INDEX + 5), Some(5));
        t.insert(0, MAX_INDEX);
        assert_eq!(t.new_to_old(MAX_INDEX), Some(2 * MAX_INDEX));
    }
    /// Maps every index of `0 .. limit` naively: survivors in order, with their new indexes.
    fn naive_survivors(t: &AxisTransform, start: u64, count: u64) -> Vec<u64> {
        (start..start + count).filter_map(|x| t.old_to_new(x)).collect()
    }

    fn runs_of(indexes: &[u64]) -> Vec<(u64, u64)> {
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for &x in indexes {
            match runs.last_mut() {
                Some((s, w)) if *s + *w == x => *w += 1,
                _ => runs.push((x, 1)),
            }
        }
        runs
    }

    fn sample_transforms() -> Vec<AxisTransform> {
        let mut out = vec![AxisTransform::identity()];
        let edits: [&[(bool, u64, u64)]; 5] = [
            &[(true, 3, 2)],
            &[(false, 2, 3)],
            &[(false, 2, 3), (true, 2, 1), (true, 8, 4)],
            &[(true, 0, 1), (false, 5, 2), (true, 5, 1), (false, 10, 3), (true, 12, 2)],
            &[(true, 4, 3), (false, 1, 2), (true, 0, 2), (false, 9, 1)],
        ];
        for list in edits {
            let mut t = AxisTransform::identity();
            for &(insert, at, n) in list {
                if insert {
                    t.insert(at, n)
                } else {
                    t.delete(at, n)
                }
            }
            out.push(t);
        }
        out
    }

    #[test]
    fn map_range_matches_mapping_each_index() {
        for t in sample_transforms() {
            for start in 0..16 {
                for count in 0..12 {
                    let expected = runs_of(&naive_survivors(&t, start, count));
                    assert_eq!(t.map_range(start, count), expected, "{t:?} range {start}+{count}");
                }
            }
        }
    }

    #[test]
    fn insertion_points_land_before_the_first_survivor() {
        for t in sample_transforms() {
            for at in 0..20 {
                let survivor = (at..).find(|&x| t.old_to_new(x).is_some()).unwrap();
                assert_eq!(t.map_insertion_point(at), t.old_to_new(survivor).unwrap(), "{t:?} at {at}");
            }
        }
        let mut t = AxisTransform::identity();
        t.insert(5, 2);
        assert_eq!(t.map_insertion_point(5), 7, "a concurrent insert at the same point comes first");
        assert_eq!(t.map_insertion_point(4), 4);
    }

    #[test]
    fn inverse_and_normalized() {
        let t = AxisTransform::from_ranges(&[(2, 3)], &[(0, 1), (8, 2)]).unwrap();
        let inv = t.inverse();
        assert_eq!(ranges(&inv), (vec![(0, 1), (8, 2)], vec![(2, 3)]));
        for x in 0..20 {
            if let Some(y) = t.old_to_new(x) {
                assert_eq!(inv.old_to_new(y), Some(x));
            }
        }
        let n = AxisTransform::normalized(vec![(5, 2), (1, 2), (3, 1), (6, 4)], vec![(0, 0)]);
        assert_eq!(ranges(&n), (vec![(1, 3), (5, 5)], vec![]));
        assert_eq!(t.map_ranges([(0, 4), (3, 3), (9, 2)]), vec![(1, 3), (7, 1), (10, 1)]);
    }
}
