//! The edit layer: cell changes since the last snapshot, each cell keeping its history by log
//! position (DESIGN.md section 5), so every content version in the segment reads correctly.

use rustc_hash::FxHashMap;

use crate::log::{CellWrite, SequenceId};
use crate::snapshot::CellContent;

/// Changes applied on top of a snapshot, per cell, in log order. Appending only: a change is
/// never altered once applied, so a content version reading at its own sequence id sees the same
/// values however many newer changes arrive.
#[derive(Debug, Default)]
pub struct EditLayer {
    /// Per cell (row, col), its changes as (sequence id of the entry, content after it), with
    /// strictly increasing ids.
    cells: FxHashMap<(u64, u64), Vec<(SequenceId, CellContent)>>,
    /// (sequence id, row extent, column extent) after each entry that grew an extent: one past
    /// the highest row and column ever written in the segment.
    extents: Vec<(SequenceId, u64, u64)>,
}

impl EditLayer {
    /// An empty edit layer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the writes of the entry at `seq`. Entries must be applied in increasing `seq`;
    /// several writes of one entry to one cell leave the last.
    pub fn apply(&mut self, seq: SequenceId, writes: &[CellWrite]) {
        let (mut rows, mut cols) = self.extents.last().map_or((0, 0), |&(_, r, c)| (r, c));
        let grew_before = (rows, cols);
        for write in writes {
            let history = self.cells.entry((write.row, write.col)).or_default();
            let content = CellContent { value: write.value.clone(), format: write.format.clone() };
            match history.last_mut() {
                Some((last, previous)) if *last == seq => *previous = content,
                _ => history.push((seq, content)),
            }
            rows = rows.max(write.row + 1);
            cols = cols.max(write.col + 1);
        }
        if (rows, cols) != grew_before {
            match self.extents.last_mut() {
                Some(last) if last.0 == seq => *last = (seq, rows, cols),
                _ => self.extents.push((seq, rows, cols)),
            }
        }
    }

    /// The content of cell (`row`, `col`) as of the version reflecting entries before `at`:
    /// `None` when the segment did not touch it before `at` (older layers answer). Binary search
    /// on the cell's history.
    pub fn get(&self, row: u64, col: u64, at: SequenceId) -> Option<&CellContent> {
        if self.cells.is_empty() {
            return None;
        }
        let history = self.cells.get(&(row, col))?;
        let index = history.partition_point(|(seq, _)| *seq < at);
        index.checked_sub(1).and_then(|i| history.get(i)).map(|(_, content)| content)
    }

    /// One past the highest (row, column) written by entries before `at`.
    pub fn extent(&self, at: SequenceId) -> (u64, u64) {
        let index = self.extents.partition_point(|(seq, _, _)| *seq < at);
        index.checked_sub(1).and_then(|i| self.extents.get(i)).map_or((0, 0), |&(_, r, c)| (r, c))
    }

    /// Every cell touched before `at`, with its content as of `at` (for writing a snapshot).
    pub fn changes_before(&self, at: SequenceId) -> impl Iterator<Item = ((u64, u64), &CellContent)> + '_ {
        self.cells.keys().filter_map(move |&(row, col)| self.get(row, col, at).map(|c| ((row, col), c)))
    }

    /// Number of cells with at least one change.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// True when no cell was changed.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellValue;

    fn write(row: u64, col: u64, n: f64) -> CellWrite {
        CellWrite { row, col, value: Some(CellValue::Number(n)), format: None }
    }

    fn number(layer: &EditLayer, row: u64, col: u64, at: SequenceId) -> Option<f64> {
        match layer.get(row, col, at)?.value {
            Some(CellValue::Number(n)) => Some(n),
            _ => None,
        }
    }

    #[test]
    fn each_version_reads_its_own_history() {
        let mut layer = EditLayer::new();
        layer.apply(10, &[write(0, 0, 1.0)]);
        layer.apply(12, &[write(0, 0, 2.0), write(3, 1, 9.0)]);
        layer.apply(15, &[CellWrite { row: 0, col: 0, value: None, format: None }]);
        assert_eq!(layer.get(0, 0, 10), None, "version 10 reflects entries before 10");
        assert_eq!(number(&layer, 0, 0, 11), Some(1.0));
        assert_eq!(number(&layer, 0, 0, 13), Some(2.0));
        assert!(layer.get(0, 0, 16).is_some_and(CellContent::is_tombstone), "a clear masks older layers");
        assert_eq!(layer.extent(10), (0, 0));
        assert_eq!(layer.extent(11), (1, 1));
        assert_eq!(layer.extent(13), (4, 2));
        assert_eq!(layer.extent(100), (4, 2));
    }

    #[test]
    fn last_write_of_an_entry_wins_and_long_histories_search() {
        let mut layer = EditLayer::new();
        layer.apply(0, &[write(1, 1, 1.0), write(1, 1, 2.0)]);
        assert_eq!(number(&layer, 1, 1, 1), Some(2.0));
        for seq in 1..5000 {
            layer.apply(seq, &[write(1, 1, seq as f64)]);
        }
        for at in [1, 2, 777, 4999, 5000] {
            assert_eq!(number(&layer, 1, 1, at), Some(if at == 1 { 2.0 } else { (at - 1) as f64 }));
        }
        assert_eq!(layer.changes_before(3).count(), 1);
        assert_eq!(layer.len(), 1);
    }
}
