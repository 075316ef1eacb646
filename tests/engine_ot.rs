//! Property test of the operational transform (`rebase_operation`, `advance_transform`):
//! another writer's operations are committed first; this writer's pending operations, made
//! against the state before them, are rebased through them. The result must equal a naive
//! model that tracks **logical rows**: every row has an identity, an operation's intent is
//! fixed when it is made (the rows it writes, deletes or inserts before), and concurrent inserts
//! at one point are ordered by log order. One axis (rows) carries the structure; cells live in
//! column 0.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;

use proptest::prelude::*;
use sheetlog::engine::{advance_transform, rebase_operation, structural_transform};
use sheetlog::log::{CellWrite, Operation};
use sheetlog::model::{CellRange, CellRef, CellValue};
use sheetlog::snapshot::Transform;

/// Rows the sheet starts with; positions used stay well inside.
const BASE_ROWS: u64 = 48;

#[derive(Debug, Clone)]
enum Op {
    Insert(u64, u64),
    Delete(u64, u64),
    Write(u64),
    Clear(u64, u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..14u64, 1..4u64).prop_map(|(at, n)| Op::Insert(at, n)),
        (0..14u64, 1..4u64).prop_map(|(at, n)| Op::Delete(at, n)),
        (0..16u64).prop_map(Op::Write),
        (0..14u64, 1..5u64).prop_map(|(at, n)| Op::Clear(at, n)),
    ]
}

type Id = u64;

/// The logical intent of an operation, fixed when it was made.
#[derive(Debug, Clone)]
enum Intent {
    /// Insert these new rows just before row `anchor` (the row at the insertion point when the
    /// insert was made; when an earlier entry deletes it, the next row that survives).
    Insert {
        anchor: Id,
        new: Vec<Id>,
    },
    Delete(Vec<Id>),
    Write(Id, f64),
    Clear(Vec<Id>),
}

/// The visible rows in order, the rows ever deleted, and the values by row.
#[derive(Default, Clone)]
struct Logical {
    rows: Vec<Id>,
    dead: std::collections::HashSet<Id>,
    values: HashMap<Id, f64>,
    dropped: usize,
}

impl Logical {
    fn apply(&mut self, intent: &Intent) {
        match intent {
            Intent::Insert { anchor, new } => {
                let at = self.rows.iter().position(|r| r == anchor).expect("the anchor is a visible row");
                self.rows.splice(at..at, new.iter().copied());
            }
            Intent::Delete(ids) => {
                self.rows.retain(|r| !ids.contains(r));
                self.dead.extend(ids);
            }
            Intent::Write(id, value) => {
                if self.dead.contains(id) {
                    self.dropped += 1;
                } else {
                    self.values.insert(*id, *value);
                }
            }
            Intent::Clear(ids) => {
                for id in ids.iter().filter(|id| !self.dead.contains(id)) {
                    self.values.remove(id);
                }
            }
        }
    }

    /// Applies another writer's committed intent before this writer's pending ones. A pending
    /// insert whose anchor row it deletes moves its anchor to the next row that survives, in
    /// the view that insert was made against: the rows before the delete with the earlier
    /// pending operations applied (as they were before this commit).
    fn commit_before(&mut self, intent: &Intent, pending: &mut [Intent]) {
        if let Intent::Delete(deleted) = intent {
            let before: Vec<Intent> = pending.to_vec();
            for (i, p) in pending.iter_mut().enumerate() {
                let Intent::Insert { anchor, .. } = p else { continue };
                if !deleted.contains(anchor) {
                    continue;
                }
                let mut view = self.clone();
                for earlier in before[..i].iter().filter(|e| matches!(e, Intent::Insert { .. } | Intent::Delete(_))) {
                    view.apply(earlier);
                }
                let from = view.rows.iter().position(|r| r == anchor).expect("anchor visible");
                *anchor = *view.rows[from..].iter().find(|r| !deleted.contains(r)).expect("rows never run out");
            }
        }
        self.apply(intent);
    }

    fn visible(&self) -> Vec<Id> {
        self.rows.clone()
    }
}

/// One writer's view: rows by position. Makes operations and their intents.
struct Writer {
    view: Vec<Id>,
}

impl Writer {
    fn make(&mut self, op: &Op, next_id: &mut Id, value: f64) -> (Operation, Intent) {
        let write = |row| CellWrite { row, col: 0, value: Some(CellValue::Number(value)), format: None };
        match *op {
            Op::Insert(at, n) => {
                let anchor = self.view[at as usize];
                let new: Vec<Id> = (0..n).map(|i| *next_id + i).collect();
                *next_id += n;
                self.view.splice(at as usize..at as usize, new.iter().copied());
                (Operation::InsertRows { at, count: n }, Intent::Insert { anchor, new })
            }
            Op::Delete(at, n) => {
                let ids: Vec<Id> = self.view.drain(at as usize..(at + n) as usize).collect();
                (Operation::DeleteRows { at, count: n }, Intent::Delete(ids))
            }
            Op::Write(row) => (Operation::SetCell(write(row)), Intent::Write(self.view[row as usize], value)),
            Op::Clear(at, n) => {
                let ids = self.view[at as usize..(at + n) as usize].to_vec();
                let range = CellRange::new(CellRef { row: at, col: 0 }, CellRef { row: at + n - 1, col: 0 });
                (Operation::ClearRange(range), Intent::Clear(ids))
            }
        }
    }
}

/// Applies positional operations to rows by position, with `inserted` giving the ids of rows
/// each insert creates (in order of the inserts).
fn apply_positional(
    rows: &mut Vec<Id>,
    values: &mut HashMap<Id, f64>,
    operation: &Operation,
    new_ids: &mut dyn FnMut(u64) -> Vec<Id>,
) {
    match operation {
        Operation::InsertRows { at, count } => {
            let ids = new_ids(*count);
            rows.splice(*at as usize..*at as usize, ids);
        }
        Operation::DeleteRows { at, count } => {
            rows.drain(*at as usize..(*at + *count) as usize);
        }
        Operation::SetCell(w) => {
            if let Some(CellValue::Number(n)) = w.value {
                values.insert(rows[w.row as usize], n);
            }
        }
        Operation::ClearRange(range) => {
            for row in range.start().row..=range.end().row {
                values.remove(&rows[row as usize]);
            }
        }
        other => panic!("not generated: {other:?}"),
    }
}

fn run(theirs: Vec<Op>, mine: Vec<Op>) -> Result<(), TestCaseError> {
    let base: Vec<Id> = (0..BASE_ROWS).collect();
    let mut next_id = 1000;
    let mut value = 0.0;
    let mut logical = Logical { rows: base.clone(), ..Logical::default() };

    // Their operations, made one after another on their view, committed first.
    let mut their_writer = Writer { view: base.clone() };
    let mut committed = Vec::new();
    for op in &theirs {
        value += 1.0;
        let (operation, intent) = their_writer.make(op, &mut next_id, value);
        committed.push((operation, intent));
    }
    // My operations, made against the base and my own earlier operations.
    let mut my_writer = Writer { view: base.clone() };
    let mut pending = Vec::new();
    for op in &mine {
        value += 1.0;
        let (operation, intent) = my_writer.make(op, &mut next_id, value);
        pending.push((vec![operation], intent));
    }

    // The model: their intents, then mine, in log order.
    let mut my_intents: Vec<Intent> = pending.iter().map(|(_, intent)| intent.clone()).collect();
    for (_, intent) in &committed {
        logical.commit_before(intent, &mut my_intents);
    }
    for intent in &my_intents {
        logical.apply(intent);
    }

    // Positional: apply theirs; rebase mine through each of theirs, as the engine does.
    let mut rows = base.clone();
    let mut values = HashMap::new();
    for (operation, intent) in &committed {
        let mut ids = match intent {
            Intent::Insert { new, .. } => new.clone().into_iter(),
            _ => Vec::new().into_iter(),
        };
        apply_positional(&mut rows, &mut values, operation, &mut |n| ids.by_ref().take(n as usize).collect());
        let Some(mut through) = structural_transform(operation) else { continue };
        for (ops, _) in &mut pending {
            let mut rebased_ops = Vec::new();
            for op in ops.iter() {
                let rebased = sheetlog::engine::rebase_operation(op, &through);
                through = advance_transform(&through, op, &rebased.operations);
                rebased_ops.extend(rebased.operations);
            }
            *ops = rebased_ops;
        }
    }
    let mut dropped = 0;
    for (ops, intent) in &pending {
        if matches!(intent, Intent::Write(..)) && ops.is_empty() {
            dropped += 1;
        }
        let mut ids = match intent {
            Intent::Insert { new, .. } => new.clone().into_iter(),
            _ => Vec::new().into_iter(),
        };
        for op in ops {
            apply_positional(&mut rows, &mut values, op, &mut |n| ids.by_ref().take(n as usize).collect());
        }
        prop_assert!(ids.next().is_none(), "an insert kept its count");
    }

    prop_assert_eq!(&rows, &logical.visible(), "row order; theirs {:?} mine {:?}", theirs, mine);
    prop_assert_eq!(&values, &logical.values, "values");
    prop_assert_eq!(dropped, logical.dropped, "writes dropped because their row was deleted");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn rebased_operations_keep_their_intent(
        theirs in prop::collection::vec(op(), 1..5),
        mine in prop::collection::vec(op(), 1..6),
    ) {
        run(theirs, mine)?;
    }
}

#[test]
fn the_identity_changes_nothing() {
    let op = Operation::DeleteRows { at: 3, count: 2 };
    let rebased = rebase_operation(&op, &Transform::default());
    assert_eq!(rebased.operations, vec![op]);
}

#[test]
fn a_delete_around_a_concurrent_insert_splits() {
    let mut through = Transform::default();
    through.rows.insert(5, 2);
    let rebased = rebase_operation(&Operation::DeleteRows { at: 3, count: 4 }, &through);
    assert_eq!(
        rebased.operations,
        vec![Operation::DeleteRows { at: 7, count: 2 }, Operation::DeleteRows { at: 3, count: 2 }],
        "the inserted rows 5 and 6 survive; the highest range goes first"
    );
    let write = Operation::SetCell(CellWrite { row: 4, col: 9, value: None, format: None });
    let mut deleted = Transform::default();
    deleted.rows.delete(4, 1);
    assert_eq!(rebase_operation(&write, &deleted), sheetlog::engine::Rebased { operations: vec![], dropped_cells: 1 });
}
