//! [`CellHistory`]: the changes of many cells, each change tagged with an increasing position
//! (a sequence id in the edit layer, an edit id in the pending overlay), so a reader at any
//! position finds the change it sees (DESIGN.md section 5, "Edit layer"). The common case, a
//! cell changed once, costs one map entry and no allocation; older changes of a cell changed
//! again move to a second map, searched by binary search.

use rustc_hash::FxHashMap;

use crate::snapshot::CellContent;

/// A cell by (row, column), 0-based.
pub(crate) type Cell = (u64, u64);

/// Changes of cells by (row, column), each at a position; positions only grow.
#[derive(Debug, Clone, Default)]
pub(crate) struct CellHistory {
    /// Each changed cell's newest change.
    latest: FxHashMap<Cell, (u64, CellContent)>,
    /// Older changes of cells changed more than once, oldest first.
    older: FxHashMap<Cell, Vec<(u64, CellContent)>>,
}

impl CellHistory {
    /// Records `content` for `cell` at `at`, which is at or after the cell's newest change;
    /// a second change at the same position replaces the first.
    pub(crate) fn set(&mut self, cell: Cell, at: u64, content: CellContent) {
        match self.latest.insert(cell, (at, content)) {
            Some(previous) if previous.0 != at => self.older.entry(cell).or_default().push(previous),
            _ => {}
        }
    }

    /// Makes room for `cells` more changed cells, so recording a large entry does not grow the
    /// table step by step (each step moving every cell again).
    pub(crate) fn reserve(&mut self, cells: usize) {
        self.latest.reserve(cells);
    }

    /// The newest change of `cell` at a position in `from .. to`, with its position.
    pub(crate) fn get(&self, cell: Cell, from: u64, to: u64) -> Option<(u64, &CellContent)> {
        let (at, content) = self.latest.get(&cell)?;
        if *at < to {
            return (*at >= from).then_some((*at, content));
        }
        let older = self.older.get(&cell)?;
        let i = older.partition_point(|(at, _)| *at < to);
        let (at, content) = older.get(i.checked_sub(1)?)?;
        (*at >= from).then_some((*at, content))
    }

    /// The changes at or after `from`, as a new history.
    #[cfg(test)]
    pub(crate) fn since(&self, from: u64) -> CellHistory {
        let mut kept = CellHistory::default();
        self.copy_since(&self.keys(), from, &mut kept);
        kept
    }

    /// The cells changed, in no particular order: what [`Self::copy_since`] walks, a slice at a
    /// time, for a rebase done in steps.
    pub(crate) fn keys(&self) -> Vec<Cell> {
        self.latest.keys().copied().collect()
    }

    /// Copies the changes of `cells` at or after `from` into `into` (which holds none of these
    /// cells yet). A cell's older changes precede its newest, so only a cell whose newest
    /// change is kept can keep older ones.
    pub(crate) fn copy_since(&self, cells: &[Cell], from: u64, into: &mut CellHistory) {
        for cell in cells {
            let Some((at, content)) = self.latest.get(cell).filter(|(at, _)| *at >= from) else { continue };
            if let Some(older) = self.older.get(cell) {
                let first = older.partition_point(|(at, _)| *at < from);
                for (older_at, older_content) in older.get(first..).unwrap_or_default() {
                    into.set(*cell, *older_at, older_content.clone());
                }
            }
            into.set(*cell, *at, content.clone());
        }
    }

    /// Forgets every change of `cell`: a rebase in steps copies a cell written since it copied
    /// it again, whole.
    pub(crate) fn remove(&mut self, cell: Cell) {
        self.latest.remove(&cell);
        self.older.remove(&cell);
    }

    /// Number of cells changed.
    pub(crate) fn cells(&self) -> usize {
        self.latest.len()
    }

    /// Number of changes held.
    pub(crate) fn changes(&self) -> usize {
        self.latest.len() + self.older.values().map(Vec::len).sum::<usize>()
    }

    /// The history taken apart: each step of the iterator drops one cell's changes (its newest,
    /// then, after every cell, the older ones of cells changed more than once). For a history
    /// nobody reads any more (`super::retired`), freed a slice of steps per task.
    pub(crate) fn into_drops(self) -> impl Iterator<Item = ()> {
        self.latest.into_iter().map(drop).chain(self.older.into_iter().map(drop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellValue;

    fn n(x: f64) -> CellContent {
        CellContent { value: Some(CellValue::Number(x)), format: None }
    }

    fn value(h: &CellHistory, cell: Cell, from: u64, to: u64) -> Option<(u64, f64)> {
        h.get(cell, from, to).map(|(at, c)| match c.value {
            Some(CellValue::Number(x)) => (at, x),
            _ => panic!("not a number"),
        })
    }

    #[test]
    fn readers_see_the_change_at_their_position() {
        let mut h = CellHistory::default();
        h.set((0, 0), 3, n(1.0));
        h.set((0, 0), 5, n(2.0));
        h.set((0, 0), 5, n(2.5));
        h.set((0, 0), 9, n(3.0));
        h.set((1, 1), 4, n(7.0));
        assert_eq!(value(&h, (0, 0), 0, 3), None);
        assert_eq!(value(&h, (0, 0), 0, 4), Some((3, 1.0)));
        assert_eq!(value(&h, (0, 0), 0, 6), Some((5, 2.5)), "the last change of a position wins");
        assert_eq!(value(&h, (0, 0), 0, 100), Some((9, 3.0)));
        assert_eq!(value(&h, (0, 0), 6, 9), None, "nothing in 6 .. 9");
        assert_eq!(value(&h, (0, 0), 4, 9), Some((5, 2.5)));
        assert_eq!(value(&h, (1, 1), 5, 100), None);
        assert_eq!((h.cells(), h.changes()), (2, 4));
        let since = h.since(5);
        assert_eq!((since.cells(), since.changes()), (1, 2));
        assert_eq!(value(&since, (0, 0), 0, 6), Some((5, 2.5)));
        assert_eq!(value(&since, (0, 0), 0, 5), None);
    }
}
