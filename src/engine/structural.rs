//! What an operation does to the shape of the sheet: the transform of a structural edit
//! (DESIGN.md appendix), how an operation moves the extent, and the **operational transform**
//! of an operation through structural edits that came before it in the log (DESIGN.md section
//! 5b, "Transform on conflict"). One place, used by the edit layer, the engine's pending edits,
//! the snapshot writer, and (through [`rebase_operation`]) re-appends after a conflict.
//!
//! The operational transform is the one collaborative spreadsheets use for coordinates
//! (Ellis and Gibbs' "Concurrency control in groupware systems", 1989, specialised to rows and
//! columns), written with the normal-form [`Transform`] of the snapshot layers: a pending
//! operation made against an older state is mapped through the transform `X` of the entries
//! that were committed before it, and `X` is carried forward past the operation
//! ([`advance_transform`]) for the operations after it. The rules:
//! - a cell moves with its row and column; a cell whose row or column was deleted is dropped;
//! - an insertion point moves before the first surviving row (or column) at or after it, so
//!   rows the earlier entry inserted at the same point stay above: concurrent inserts are
//!   ordered by log order;
//! - a deleted range keeps only the rows that survive, and rows inserted inside it by the
//!   earlier entry survive too (the delete splits);
//! - a cleared rectangle clears the cells of its rows and columns that survive, likewise split;
//! - row heights and column widths move with their rows and columns: a run of sizes keeps the
//!   items of it that survive, and items inserted inside it keep the default;
//! - an import lands only where the earlier edits left its rectangle whole and in place (its
//!   tiles follow the grid there); otherwise it is dropped, all its cells counted as dropped.

use crate::log::{CellWrite, Operation};
use crate::model::{Axis, CellRange, CellRef, SizeRun};
use crate::snapshot::{AxisTransform, SheetSizes, Transform};

/// The transform a structural edit applies (from the coordinates before it to those after);
/// `None` for cell writes.
pub fn structural_transform(operation: &Operation) -> Option<Transform> {
    let mut transform = Transform::default();
    match *operation {
        Operation::SetCell(_)
        | Operation::SetCells(_)
        | Operation::ClearRange(_)
        | Operation::SetItemSizes { .. }
        | Operation::Import(_) => return None,
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
/// structural edits shift it, clearing a range leaves it.
pub fn extent_after((rows, cols): (u64, u64), operation: &Operation) -> (u64, u64) {
    match *operation {
        Operation::SetCell(ref w) => grow_extent((rows, cols), std::slice::from_ref(w)),
        Operation::SetCells(ref ws) => grow_extent((rows, cols), ws),
        Operation::InsertRows { at, count } => (shift_extent(rows, at, count, true), cols),
        Operation::DeleteRows { at, count } => (shift_extent(rows, at, count, false), cols),
        Operation::InsertColumns { at, count } => (rows, shift_extent(cols, at, count, true)),
        Operation::DeleteColumns { at, count } => (rows, shift_extent(cols, at, count, false)),
        Operation::ClearRange(_) | Operation::SetItemSizes { .. } => (rows, cols),
        Operation::Import(ref layer) => (rows.max(layer.rect.end().row + 1), cols.max(layer.rect.end().col + 1)),
    }
}

/// The row heights and column widths after `operation`: a `SetItemSizes` sets them, a
/// structural edit moves them with their rows or columns. `None` when they do not change.
pub fn sizes_after(sizes: &SheetSizes, operation: &Operation) -> Option<SheetSizes> {
    if let Operation::SetItemSizes { axis, runs } = operation {
        let mut out = sizes.clone();
        let table = match axis {
            Axis::Row => &mut out.rows,
            Axis::Column => &mut out.cols,
        };
        for run in runs {
            *table = table.with(*run);
        }
        return (out != *sizes).then_some(out);
    }
    let step = structural_transform(operation)?;
    let moved = |table: &crate::snapshot::ItemSizes, axis: &AxisTransform| {
        (!table.is_empty() && !axis.is_identity()).then(|| table.transformed(axis))
    };
    match (moved(&sizes.rows, &step.rows), moved(&sizes.cols, &step.cols)) {
        (None, None) => None,
        (rows, cols) => Some(SheetSizes {
            rows: rows.unwrap_or_else(|| sizes.rows.clone()),
            cols: cols.unwrap_or_else(|| sizes.cols.clone()),
        }),
    }
}

/// An operation transformed through earlier entries ([`rebase_operation`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Rebased {
    /// The operations to apply instead, in order: none when nothing of it is left, several
    /// when a range split (deletes are listed from the highest range down, so each one's
    /// coordinates hold when it applies).
    pub operations: Vec<Operation>,
    /// Cell writes dropped because their row or column was deleted.
    pub dropped_cells: usize,
}

/// Transforms `operation`, made in the coordinates before the edits of `through`, into the
/// operations with the same intent after them (rules in the module docs).
pub fn rebase_operation(operation: &Operation, through: &Transform) -> Rebased {
    if through.is_identity() {
        return Rebased { operations: vec![operation.clone()], dropped_cells: 0 };
    }
    let map_write = |w: &CellWrite| {
        Some(CellWrite { row: through.rows.old_to_new(w.row)?, col: through.cols.old_to_new(w.col)?, ..w.clone() })
    };
    let (operations, dropped_cells) = match operation {
        Operation::SetCell(write) => match map_write(write) {
            Some(w) => (vec![Operation::SetCell(w)], 0),
            None => (Vec::new(), 1),
        },
        Operation::SetCells(writes) => {
            let mapped: Vec<CellWrite> = writes.iter().filter_map(map_write).collect();
            let dropped = writes.len() - mapped.len();
            let operations =
                if mapped.is_empty() && !writes.is_empty() { Vec::new() } else { vec![Operation::SetCells(mapped)] };
            (operations, dropped)
        }
        Operation::ClearRange(range) => {
            let (start, end) = (range.start(), range.end());
            let rows = through.rows.map_range(start.row, end.row - start.row + 1);
            let cols = through.cols.map_range(start.col, end.col - start.col + 1);
            let rects = rows.iter().flat_map(|&(r, h)| {
                cols.iter().map(move |&(c, w)| {
                    Operation::ClearRange(CellRange::new(
                        CellRef { row: r, col: c },
                        CellRef { row: r + h - 1, col: c + w - 1 },
                    ))
                })
            });
            (rects.collect(), 0)
        }
        Operation::InsertRows { at, count } => {
            (vec![Operation::InsertRows { at: through.rows.map_insertion_point(*at), count: *count }], 0)
        }
        Operation::InsertColumns { at, count } => {
            (vec![Operation::InsertColumns { at: through.cols.map_insertion_point(*at), count: *count }], 0)
        }
        Operation::DeleteRows { at, count } => {
            let runs = through.rows.map_range(*at, *count);
            (runs.into_iter().rev().map(|(at, count)| Operation::DeleteRows { at, count }).collect(), 0)
        }
        Operation::DeleteColumns { at, count } => {
            let runs = through.cols.map_range(*at, *count);
            (runs.into_iter().rev().map(|(at, count)| Operation::DeleteColumns { at, count }).collect(), 0)
        }
        Operation::SetItemSizes { axis, runs } => {
            let map = match axis {
                Axis::Row => &through.rows,
                Axis::Column => &through.cols,
            };
            let mapped: Vec<SizeRun> = runs
                .iter()
                .flat_map(|run| {
                    map.map_range(run.start, run.count).into_iter().map(|(start, count)| SizeRun {
                        start,
                        count,
                        ..*run
                    })
                })
                .collect();
            let operations = if mapped.is_empty() {
                Vec::new()
            } else {
                vec![Operation::SetItemSizes { axis: *axis, runs: mapped }]
            };
            (operations, 0)
        }
        Operation::Import(layer) => {
            // The layer's tiles follow the grid at its rectangle: it lands only where the
            // earlier edits left the rectangle whole and in place.
            let (start, end) = (layer.rect.start(), layer.rect.end());
            let whole =
                |axis: &AxisTransform, at: u64, last: u64| axis.map_range(at, last - at + 1) == [(at, last - at + 1)];
            if whole(&through.rows, start.row, end.row) && whole(&through.cols, start.col, end.col) {
                (vec![operation.clone()], 0)
            } else {
                (Vec::new(), usize::try_from(layer.cells()).unwrap_or(usize::MAX))
            }
        }
    };
    Rebased { operations, dropped_cells }
}

/// Transforms a sequence of operations, each made in the coordinates after the ones before it
/// and the first in the coordinates before the edits of `through`, into the operations with
/// the same intent after those edits: each is rebased ([`rebase_operation`]) and `through` is
/// carried past it ([`advance_transform`]). Returns the operations, the cell writes dropped,
/// and the transform carried past the whole sequence (for what follows it).
pub fn rebase_operations(operations: &[Operation], through: Transform) -> (Rebased, Transform) {
    let mut through = through;
    let mut out = Rebased { operations: Vec::with_capacity(operations.len()), dropped_cells: 0 };
    for op in operations {
        let rebased = rebase_operation(op, &through);
        through = advance_transform(&through, op, &rebased.operations);
        out.dropped_cells += rebased.dropped_cells;
        out.operations.extend(rebased.operations);
    }
    (out, through)
}

/// Joins consecutive deletes on one axis that remove adjacent ranges (as a delete split by a
/// transform becomes again once what split it is gone), so they append as one entry: a delete of
/// `a .. a + n` followed by one of `b .. b + m` that ends at `a` or starts at `a` is one delete.
pub fn coalesce_deletes(operations: Vec<Operation>) -> Vec<Operation> {
    let mut out: Vec<Operation> = Vec::with_capacity(operations.len());
    for op in operations {
        let joined = match (out.last(), &op) {
            (Some(Operation::DeleteRows { at: a, count: n }), Operation::DeleteRows { at: b, count: m }) => {
                adjacent(*a, *n, *b, *m).map(|(at, count)| Operation::DeleteRows { at, count })
            }
            (Some(Operation::DeleteColumns { at: a, count: n }), Operation::DeleteColumns { at: b, count: m }) => {
                adjacent(*a, *n, *b, *m).map(|(at, count)| Operation::DeleteColumns { at, count })
            }
            _ => None,
        };
        match joined {
            Some(joined) => {
                out.pop();
                out.push(joined);
            }
            None => out.push(op),
        }
    }
    out
}

/// The one delete equal to deleting `a .. a + n` and then `b .. b + m`, when the second range
/// touches where the first was.
fn adjacent(a: u64, n: u64, b: u64, m: u64) -> Option<(u64, u64)> {
    (b == a || b.checked_add(m) == Some(a)).then(|| (a.min(b), n.saturating_add(m)))
}

/// Carries the transform `through` of earlier entries past an operation: `before` is the
/// operation in the coordinates `through` starts from, `after` what [`rebase_operation`] made of
/// it. The result maps the coordinates after `before` to those after `after`, so the next
/// pending operation can be rebased through it. Rows `before` inserted map to the rows `after`
/// inserted; rows the earlier entries deleted or inserted keep being deleted or inserted.
pub fn advance_transform(through: &Transform, before: &Operation, after: &[Operation]) -> Transform {
    let Some(mine) = structural_transform(before) else { return through.clone() };
    let theirs_then_mine =
        after.iter().filter_map(structural_transform).fold(Transform::default(), |t, step| t.compose(&step));
    let axis = |through: &AxisTransform, mine: &AxisTransform, rebased: &AxisTransform| {
        if mine.is_identity() && rebased.is_identity() {
            return through.clone();
        }
        AxisTransform::normalized(mine.map_ranges(through.deleted()), rebased.map_ranges(through.inserted()))
    };
    Transform {
        rows: axis(&through.rows, &mine.rows, &theirs_then_mine.rows),
        cols: axis(&through.cols, &mine.cols, &theirs_then_mine.cols),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_deletes_coalesce() {
        let rows = |at, count| Operation::DeleteRows { at, count };
        assert_eq!(coalesce_deletes(vec![rows(5, 1), rows(4, 1)]), vec![rows(4, 2)], "the one before");
        assert_eq!(coalesce_deletes(vec![rows(4, 2), rows(4, 3)]), vec![rows(4, 5)], "the ones after");
        assert_eq!(coalesce_deletes(vec![rows(6, 1), rows(4, 1)]), vec![rows(6, 1), rows(4, 1)], "a gap");
        let cols = Operation::DeleteColumns { at: 4, count: 1 };
        assert_eq!(coalesce_deletes(vec![rows(4, 1), cols.clone()]), vec![rows(4, 1), cols], "another axis");
    }

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
