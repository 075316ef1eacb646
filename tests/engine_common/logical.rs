//! The naive reference of the model-based engine tests: a sheet of **logical** rows and
//! columns. Every row and column has an identity that survives inserts and deletes around it, so
//! an edit's intent (the logical cells it writes, the rows it deletes, the row it inserts
//! before) is fixed when it is made and applied by plain list operations, independently of the
//! engine's coordinate transforms.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt as _;
use proptest::prelude::*;
use sheetlog::blob::BlobStore;
use sheetlog::engine::csv::{
    write_import_layer, BytesSource, CsvImportError, CsvImportOptions, ImportOptions, ImportProgress, OnError,
    WrittenLayer,
};
use sheetlog::engine::{Engine, EngineError};
use sheetlog::log::{CellWrite, EventLog, SequenceId};
use sheetlog::model::{Axis as SheetAxis, CellRange, CellRef, CellValue, ErrorCode, Format};
use sheetlog::snapshot::CellContent;

/// A logical row or column: its identity survives inserts and deletes around it.
pub type Id = u64;

/// One axis: the visible items in order, the deleted ones, and which are inside the extent
/// (always a prefix of the visible items: the extent is their number).
#[derive(Debug, Clone, Default)]
pub struct Axis {
    pub visible: Vec<Id>,
    pub dead: HashSet<Id>,
    pub inside: HashSet<Id>,
}

impl Axis {
    /// `len` items with ids from `first` (the sheet's axes are unbounded: enough for a test).
    pub fn new(first: Id, len: u64) -> Self {
        Axis { visible: (first..first + len).collect(), ..Axis::default() }
    }

    pub fn position(&self, id: Id) -> Option<usize> {
        self.visible.iter().position(|&v| v == id)
    }

    pub fn extent(&self) -> u64 {
        self.visible.iter().take_while(|id| self.inside.contains(id)).count() as u64
    }

    /// Marks the items up to and including `id` inside the extent.
    pub fn grow_to(&mut self, id: Id) {
        if let Some(p) = self.position(id) {
            self.inside.extend(self.visible[..=p].iter().copied());
        }
    }
}

/// An edit's intent, fixed when it was made.
#[derive(Debug, Clone)]
pub enum Intent {
    /// Cell writes to logical cells.
    Write(Vec<((Id, Id), CellContent)>),
    /// Clear the logical cells of these rows and columns.
    Clear {
        rows: Vec<Id>,
        cols: Vec<Id>,
    },
    /// Insert `new` items just before `anchor` (moved to the next surviving item when another
    /// writer deletes it first).
    Insert {
        rows: bool,
        anchor: Id,
        new: Vec<Id>,
    },
    Delete {
        rows: bool,
        ids: Vec<Id>,
    },
    /// Give these rows (or columns) these sizes (`None`: the default).
    Resize {
        rows: bool,
        sizes: Vec<(Id, Option<u32>)>,
    },
    /// A CSV imported as a layer at (`row`, `col`) of the view it was made in: every cell of
    /// the rectangle of `rows` by `cols` takes its field (`None`: an empty field empties it).
    /// It lands only while that rectangle is whole and in place.
    Import {
        row: usize,
        col: usize,
        rows: Vec<Id>,
        cols: Vec<Id>,
        cells: Vec<((Id, Id), Option<CellContent>)>,
    },
}

#[derive(Debug, Clone)]
pub struct Sheet {
    pub rows: Axis,
    pub cols: Axis,
    pub cells: HashMap<(Id, Id), CellContent>,
    /// Row heights and column widths that are not the defaults, by item (row and column ids
    /// never collide).
    pub sizes: HashMap<Id, u32>,
}

impl Sheet {
    /// An empty sheet of `len` rows (ids from 0) and `len` columns (ids from 1,000,000).
    pub fn new(len: u64) -> Self {
        Sheet { rows: Axis::new(0, len), cols: Axis::new(1_000_000, len), cells: HashMap::new(), sizes: HashMap::new() }
    }

    pub fn axis(&mut self, rows: bool) -> &mut Axis {
        if rows {
            &mut self.rows
        } else {
            &mut self.cols
        }
    }

    pub fn live(&self, (r, c): (Id, Id)) -> bool {
        !self.rows.dead.contains(&r) && !self.cols.dead.contains(&c)
    }

    pub fn apply(&mut self, intent: &Intent) {
        match intent {
            Intent::Write(cells) => {
                for (id, content) in cells {
                    if self.live(*id) {
                        self.cells.insert(*id, content.clone());
                        self.rows.grow_to(id.0);
                        self.cols.grow_to(id.1);
                    }
                }
            }
            Intent::Clear { rows, cols } => {
                for r in rows {
                    for c in cols {
                        if self.live((*r, *c)) {
                            self.cells.remove(&(*r, *c));
                        }
                    }
                }
            }
            Intent::Insert { rows, anchor, new } => {
                let axis = self.axis(*rows);
                let at = axis.position(*anchor).expect("an anchor is visible");
                if axis.inside.contains(anchor) {
                    axis.inside.extend(new.iter().copied());
                }
                axis.visible.splice(at..at, new.iter().copied());
            }
            Intent::Delete { rows, ids } => {
                let axis = self.axis(*rows);
                axis.visible.retain(|v| !ids.contains(v));
                axis.dead.extend(ids.iter().copied());
            }
            Intent::Import { rows, cols, cells, .. } => {
                for (id, content) in cells {
                    match content {
                        Some(content) => self.cells.insert(*id, content.clone()),
                        None => self.cells.remove(id),
                    };
                }
                if let (Some(&last_row), Some(&last_col)) = (rows.last(), cols.last()) {
                    self.rows.grow_to(last_row);
                    self.cols.grow_to(last_col);
                }
            }
            Intent::Resize { rows, sizes } => {
                for &(id, size) in sizes {
                    if self.axis(*rows).dead.contains(&id) {
                        continue;
                    }
                    match size {
                        Some(px) => self.sizes.insert(id, px),
                        None => self.sizes.remove(&id),
                    };
                }
            }
        }
    }

    /// The size of the row (or column) at `position`: `None` for the default.
    pub fn size(&self, rows: bool, position: u64) -> Option<u32> {
        let axis = if rows { &self.rows } else { &self.cols };
        self.sizes.get(&axis.visible[position as usize]).copied()
    }

    pub fn cell(&self, row: u64, col: u64) -> Option<&CellContent> {
        let id = (self.rows.visible[row as usize], self.cols.visible[col as usize]);
        self.cells.get(&id).filter(|c| !c.is_tombstone())
    }

    pub fn extent(&self) -> (u64, u64) {
        (self.rows.extent(), self.cols.extent())
    }
}

#[derive(Debug, Clone)]
/// An edit a test client makes, in the coordinates of its view.
pub enum Edit {
    Set {
        row: u64,
        col: u64,
        value: CellValue,
        format: Option<&'static str>,
    },
    Clear {
        row: u64,
        col: u64,
    },
    Batch {
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
    },
    ClearRange {
        row: u64,
        col: u64,
        rows: u64,
        cols: u64,
    },
    InsertRows {
        at: u64,
        count: u64,
    },
    DeleteRows {
        at: u64,
        count: u64,
    },
    InsertColumns {
        at: u64,
        count: u64,
    },
    DeleteColumns {
        at: u64,
        count: u64,
    },
    /// Row heights (`rows`) or column widths of `at .. at + count`: `None` resets them.
    Resize {
        rows: bool,
        at: u64,
        count: u64,
        size: Option<u32>,
    },
}

/// A random cell value of every kind.
pub fn value() -> impl Strategy<Value = CellValue> {
    prop_oneof![
        (-50i32..50).prop_map(|n| CellValue::Number(f64::from(n))),
        "[a-c]{0,3}".prop_map(|s| CellValue::Text(s.into())),
        any::<bool>().prop_map(CellValue::Boolean),
        Just(CellValue::Empty),
        Just(CellValue::Error(ErrorCode::NA)),
    ]
}

/// A random edit within the first `side` rows and columns.
pub fn edit(side: u64) -> impl Strategy<Value = Edit> {
    let cell = (0..side, 0..side);
    let span = (0..side, 1..3u64);
    prop_oneof![
        6 => (cell.clone(), value(), prop::option::of(prop_oneof![Just("0.00"), Just("0%")]))
            .prop_map(|((row, col), value, format)| Edit::Set { row, col, value, format }),
        1 => cell.clone().prop_map(|(row, col)| Edit::Clear { row, col }),
        2 => (cell.clone(), 1..4u64, 1..4u64).prop_map(|((row, col), rows, cols)| Edit::Batch { row, col, rows, cols }),
        1 => (cell, 1..5u64, 1..5u64).prop_map(|((row, col), rows, cols)| Edit::ClearRange { row, col, rows, cols }),
        1 => span.clone().prop_map(|(at, count)| Edit::InsertRows { at, count }),
        1 => span.clone().prop_map(|(at, count)| Edit::DeleteRows { at, count }),
        1 => span.clone().prop_map(|(at, count)| Edit::InsertColumns { at, count }),
        1 => span.clone().prop_map(|(at, count)| Edit::DeleteColumns { at, count }),
        2 => (any::<bool>(), span, prop::option::of(prop_oneof![Just(1u32), Just(45), Just(10_000)]))
            .prop_map(|(rows, (at, count), size)| Edit::Resize { rows, at, count, size }),
    ]
}

/// Makes `edit` on `engine`, returning the operation's future and its intent in `view`.
pub fn make<L: EventLog + 'static, B: BlobStore + 'static>(
    engine: &Engine<L, B>,
    view: &Sheet,
    edit: &Edit,
    next_id: &mut Id,
    counter: &mut f64,
) -> (LocalBoxFuture<'static, Result<Range<SequenceId>, EngineError>>, Intent) {
    let row_id = |r: u64| view.rows.visible[r as usize];
    let col_id = |c: u64| view.cols.visible[c as usize];
    let mut fresh = |n: u64| {
        let ids: Vec<Id> = (0..n).map(|i| *next_id + i).collect();
        *next_id += n;
        ids
    };
    match edit.clone() {
        Edit::Set { row, col, value, format } => {
            let format = format.map(|f| Format::new(f).unwrap());
            let content = CellContent { value: Some(value.clone()), format: format.clone() };
            (engine.set_cell(row, col, Some(value), format), Intent::Write(vec![((row_id(row), col_id(col)), content)]))
        }
        Edit::Clear { row, col } => (
            engine.set_cell(row, col, None, None),
            Intent::Write(vec![((row_id(row), col_id(col)), CellContent::tombstone())]),
        ),
        Edit::Batch { row, col, rows, cols } => {
            let mut writes = Vec::new();
            let mut cells = Vec::new();
            for r in row..row + rows {
                for c in col..col + cols {
                    *counter += 1.0;
                    let value = Some(CellValue::Number(*counter));
                    writes.push(CellWrite { row: r, col: c, value: value.clone(), format: None });
                    cells.push(((row_id(r), col_id(c)), CellContent { value, format: None }));
                }
            }
            (engine.set_cells(writes), Intent::Write(cells))
        }
        Edit::ClearRange { row, col, rows, cols } => {
            let range = CellRange::new(CellRef { row, col }, CellRef { row: row + rows - 1, col: col + cols - 1 });
            let intent = Intent::Clear {
                rows: (row..row + rows).map(row_id).collect(),
                cols: (col..col + cols).map(col_id).collect(),
            };
            (engine.clear_range(range), intent)
        }
        Edit::InsertRows { at, count } => {
            (engine.insert_rows(at, count), Intent::Insert { rows: true, anchor: row_id(at), new: fresh(count) })
        }
        Edit::InsertColumns { at, count } => {
            (engine.insert_columns(at, count), Intent::Insert { rows: false, anchor: col_id(at), new: fresh(count) })
        }
        Edit::DeleteRows { at, count } => {
            (engine.delete_rows(at, count), Intent::Delete { rows: true, ids: (at..at + count).map(row_id).collect() })
        }
        Edit::DeleteColumns { at, count } => (
            engine.delete_columns(at, count),
            Intent::Delete { rows: false, ids: (at..at + count).map(col_id).collect() },
        ),
        Edit::Resize { rows, at, count, size } => {
            let axis = if rows { SheetAxis::Row } else { SheetAxis::Column };
            let ids = (at..at + count).map(|i| if rows { row_id(i) } else { col_id(i) });
            (
                engine.set_item_sizes(axis, at, count, size),
                Intent::Resize { rows, sizes: ids.map(|id| (id, size)).collect() },
            )
        }
    }
}

/// Checks the row heights and column widths of `version` against `sheet` over the first
/// `checked` rows and columns: each item's size, and the offsets that follow from them (the
/// offset of every checked item, and the item found at each item's start and end pixel).
pub fn check_sizes(
    version: &sheetlog::engine::ContentVersion,
    sheet: &Sheet,
    checked: u64,
    what: &str,
) -> Result<(), TestCaseError> {
    for (rows, mapping, default) in [(true, version.row_offsets(), 30.0), (false, version.column_offsets(), 100.0)] {
        let mut offset = 0.0;
        for i in 0..checked {
            let expected = sheet.size(rows, i).map_or(default, f64::from);
            prop_assert_eq!(
                mapping.item_size(i),
                expected,
                "{} size of {} {}",
                what,
                if rows { "row" } else { "column" },
                i
            );
            prop_assert_eq!(mapping.item_offset(i), offset, "{} offset of item {}", what, i);
            prop_assert_eq!(mapping.offset_to_item(offset), (i, offset), "{} item at {}", what, offset);
            prop_assert_eq!(
                mapping.offset_to_item(offset + expected - 0.5),
                (i, offset),
                "{} item before {}",
                what,
                offset + expected
            );
            offset += expected;
        }
    }
    Ok(())
}

/// A CSV of `rows` × `cols` numeric fields for an import: numbers from `counter` (counting up),
/// or an empty field where bit `(r × cols + c) mod 64` of `empty` is set. Gives the text and
/// each field's value, row by row (`None`: empty).
pub fn import_csv(rows: u64, cols: u64, empty: u64, counter: &mut f64) -> (String, Vec<Option<f64>>) {
    let mut text = String::new();
    let mut values = Vec::new();
    for r in 0..rows {
        let fields: Vec<String> = (0..cols)
            .map(|c| {
                if empty >> ((r * cols + c) % 64) & 1 == 1 {
                    values.push(None);
                    // Quoted, so that a row of one empty field is not a blank line.
                    "\"\"".to_owned()
                } else {
                    *counter += 1.0;
                    values.push(Some(*counter));
                    format!("{counter}")
                }
            })
            .collect();
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    (text, values)
}

/// The intent of importing `values` (from [`import_csv`]) at (`row`, `col`) of `view`.
pub fn import_intent(view: &Sheet, row: u64, col: u64, cols: u64, values: Vec<Option<f64>>) -> Intent {
    let rows = values.len() as u64 / cols;
    let row_ids: Vec<Id> = (row..row + rows).map(|r| view.rows.visible[r as usize]).collect();
    let col_ids: Vec<Id> = (col..col + cols).map(|c| view.cols.visible[c as usize]).collect();
    let cells = values
        .into_iter()
        .enumerate()
        .map(|(k, value)| {
            let id = (row_ids[k / cols as usize], col_ids[k % cols as usize]);
            (id, value.map(|n| CellContent { value: Some(CellValue::Number(n)), format: None }))
        })
        .collect();
    Intent::Import { row: row as usize, col: col as usize, rows: row_ids, cols: col_ids, cells }
}

/// Writes CSV `text` as an import layer's tiles at (`row`, `col`) into blob dir `dir` of
/// `engine`'s store, as the worker does (`"rollback"` on a bad line; the source hands it over
/// in chunks of `chunk` bytes), without appending its entry.
pub fn write_layer<L: EventLog + 'static, B: BlobStore + 'static>(
    h: &mut super::Harness,
    engine: &Engine<L, B>,
    text: String,
    at: (u64, u64),
    dir: String,
    chunk: usize,
) -> Result<WrittenLayer, String> {
    write_layer_typed(h, engine, text, at, dir, chunk).map_err(|e| format!("import tiles: {e}"))
}

/// [`write_layer`] with the import's own error, for a test that checks its kind.
#[allow(clippy::result_large_err)] // the error as the engine gives it, inspected by the test
pub fn write_layer_typed<L: EventLog + 'static, B: BlobStore + 'static>(
    h: &mut super::Harness,
    engine: &Engine<L, B>,
    text: String,
    (row, col): (u64, u64),
    dir: String,
    chunk: usize,
) -> Result<WrittenLayer, CsvImportError> {
    let options = ImportOptions {
        csv: CsvImportOptions { start_row: row, start_column: col, ..CsvImportOptions::default() },
        on_error: OnError::Rollback,
    };
    let source = BytesSource::new(text.into_bytes(), chunk);
    let (mut progress, never) = (|_: &ImportProgress| {}, || false);
    // The memory store's writes finish at once: there is nothing to pause for.
    let pause = || futures_util::future::ready(()).boxed_local();
    let write =
        write_import_layer(engine.blobs(), &source, options, engine.tile_size(), dir, &mut progress, &never, &pause);
    // With "rollback", malformed input is an error: there is never a layer with an error.
    h.run(write).map(|(written, _)| written)
}
