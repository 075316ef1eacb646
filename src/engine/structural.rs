//! What an operation does to the shape of the sheet: the transform of a structural edit
//! (DESIGN.md appendix) and how an operation moves the extent. One place, used by the edit
//! layer, the engine's pending edits and the snapshot writer.

use crate::log::{CellWrite, Operation};
use crate::snapshot::Transform;

/// The transform a structural edit applies (from the coordinates before it to those after);
/// `None` for cell writes.
pub fn structural_transform(operation: &Operation) -> Option<Transform> {
    let mut transform = Transform::default();
    match *operation {
        Operation::SetCell(_) | Operation::SetCells(_) => return None,
        Operation::InsertRows { at, count } => transform.rows.insert(at, count),
        Operation::DeleteRows { at, count } => transform.rows.delete(at, count),
        Operation::InsertColumns { at, count } => transform.cols.insert(at, count),
        Operation::DeleteColumns { at, count } => transform.cols.delete(at, count),
    }
    Some(transform)
}

/// The extent after inserting or deleting `count` items at `at` on an axis of extent `extent`:
/// only an edit inside the used range moves it.
pub fn shift_extent(extent: u64, at: u64, count: u64, insert: bool) -> u64 {
    if at >= extent {
        return extent;
    }
    if insert {
        extent.saturating_add(count)
    } else {
        extent - count.min(extent - at)
    }
}

/// The extent grown by `writes`: one past the highest row and column written.
pub fn grow_extent((rows, cols): (u64, u64), writes: &[CellWrite]) -> (u64, u64) {
    writes.iter().fold((rows, cols), |(r, c), w| (r.max(w.row + 1), c.max(w.col + 1)))
}

/// The extent (one past the highest row and column in use) after `operation`: writes grow it,
/// structural edits shift it.
pub fn extent_after((rows, cols): (u64, u64), operation: &Operation) -> (u64, u64) {
    match *operation {
        Operation::SetCell(ref w) => grow_extent((rows, cols), std::slice::from_ref(w)),
        Operation::SetCells(ref ws) => grow_extent((rows, cols), ws),
        Operation::InsertRows { at, count } => (shift_extent(rows, at, count, true), cols),
        Operation::DeleteRows { at, count } => (shift_extent(rows, at, count, false), cols),
        Operation::InsertColumns { at, count } => (rows, shift_extent(cols, at, count, true)),
        Operation::DeleteColumns { at, count } => (rows, shift_extent(cols, at, count, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extents_shift_only_inside_the_used_range() {
        assert_eq!(shift_extent(10, 3, 2, true), 12);
        assert_eq!(shift_extent(10, 10, 2, true), 10);
        assert_eq!(shift_extent(10, 8, 5, false), 8);
        assert_eq!(shift_extent(10, 0, 3, false), 7);
        assert_eq!(shift_extent(10, 12, 3, false), 10);
    }

    #[test]
    fn operations_move_the_extent_and_structural_ones_have_transforms() {
        let write = |row, col| CellWrite { row, col, value: None, format: None };
        assert_eq!(extent_after((2, 2), &Operation::SetCells(vec![write(5, 0), write(0, 7)])), (6, 8));
        assert_eq!(extent_after((6, 8), &Operation::DeleteColumns { at: 1, count: 3 }), (6, 5));
        assert!(structural_transform(&Operation::SetCell(write(0, 0))).is_none());
        let t = structural_transform(&Operation::InsertRows { at: 2, count: 3 }).unwrap();
        assert_eq!((t.rows.old_to_new(2), t.rows.new_to_old(3), t.cols.is_identity()), (Some(5), None, true));
    }
}
