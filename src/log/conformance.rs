//! The conformance suite every [`EventLog`] implementation must pass (DESIGN.md section 4).
//!
//! Each case is an `async fn` taking a fresh, empty log; it panics (fails the test) when the
//! implementation breaks the contract. Test files instantiate every case for each backend and
//! runtime with [`for_each_event_log_case!`](crate::for_each_event_log_case): natively over
//! [`MemoryEventLog`](super::MemoryEventLog), in Chromium and Firefox over the IndexedDB log,
//! each with several page sizes. Only test code calls this module.

use super::{
    CellWrite, Entry, EventLog, LogBounds, LogError, MetadataUpdate, Operation, Origin, QueryFrom, QueryTo, SequenceId,
    Workflow,
};
use crate::model::{CellRange, CellRef, CellValue, ErrorCode, Format};

/// Calls `$case!(name)` for the name of every case in this module; test files pass a macro that
/// turns a name into a test for their backend.
#[macro_export]
macro_rules! for_each_event_log_case {
    ($case:ident) => {
        $case!(empty_log_queries);
        $case!(append_and_read_back_every_operation);
        $case!(conflict_reports_next_free_id);
        $case!(snapshot_hint_and_latest_snapshot);
        $case!(snapshot_on_first_retained_entry);
        $case!(set_metadata_changes_only_given_fields);
        $case!(set_metadata_range_errors);
        $case!(metadata_reads_what_query_reads);
        $case!(query_pages_report_is_complete);
        $case!(query_reversed_and_out_of_range);
        $case!(truncate_before_at_middle_end_twice);
        $case!(invalid_entry_stores_nothing);
        $case!(batches_append_atomically);
    };
}

/// An entry of a different kind for each `i`, with values of every type; odd `i` carry an
/// [`Origin`], even `i` none.
pub fn sample_entry(i: u64) -> Entry {
    let cell = |value| CellWrite { row: i, col: i % 7, value, format: None };
    let entry = Entry::new(match i % 9 {
        0 => Operation::SetCell(cell(Some(CellValue::Number(i as f64 + 0.5)))),
        1 => Operation::SetCell(CellWrite {
            format: Format::new("0.00").ok(),
            ..cell(Some(CellValue::Text(format!("text {i} ü 😀").into())))
        }),
        2 => Operation::SetCells(vec![
            cell(Some(CellValue::Boolean(true))),
            cell(Some(CellValue::Error(ErrorCode::Div0))),
            cell(Some(CellValue::Empty)),
            cell(None),
        ]),
        3 => Operation::InsertRows { at: i, count: 2 },
        4 => Operation::DeleteRows { at: i, count: 1 },
        5 => Operation::InsertColumns { at: 0, count: 3 },
        6 => Operation::DeleteColumns { at: 1, count: 1 },
        7 => Operation::ClearRange(CellRange::new(CellRef { row: i, col: 2 }, CellRef { row: i + 1000, col: 0 })),
        _ => Operation::SetCell(cell(None)),
    });
    match i % 2 {
        1 => entry.with_origin(Origin { time_ms: 1_700_000_000_000 + i, client: u64::MAX - i }),
        _ => entry,
    }
}

/// Appends `sample_entry(i)` for `i` in `range`, each at its own id.
pub async fn append_samples<L: EventLog>(log: &L, range: std::ops::Range<u64>) {
    for i in range {
        let result = log.add_entry(sample_entry(i), i, None).await;
        assert!(result.is_ok(), "add_entry({i}) failed: {result:?}");
    }
}

/// Reads `from .. to` following pages until complete; returns the first id and all entries.
pub async fn query_all<L: EventLog>(log: &L, from: QueryFrom, to: QueryTo) -> (SequenceId, Vec<Entry>) {
    let first_page = log.query(from, to, None).await.expect("query");
    let first = first_page.first;
    let mut next = first_page.next();
    let mut complete = first_page.is_complete;
    let mut entries = first_page.entries;
    while !complete {
        let page = log.query(QueryFrom::Seq(next), to, None).await.expect("query page");
        assert_eq!(page.first, next, "a page starts where it was asked to");
        assert!(!page.entries.is_empty() || page.is_complete, "an incomplete page must make progress");
        next = page.next();
        complete = page.is_complete;
        entries.extend(page.entries);
    }
    (first, entries)
}

fn assert_out_of_range<T: std::fmt::Debug>(result: Result<T, LogError>, seq: SequenceId, what: &str) {
    match result {
        Err(LogError::OutOfRange { seq: s, .. }) => assert_eq!(s, seq, "{what}: reported id"),
        other => panic!("{what}: expected OutOfRange for {seq}, got {other:?}"),
    }
}

/// An empty log: bounds 0..0, every query empty and complete, ids past 0 are range errors.
pub async fn empty_log_queries<L: EventLog>(log: L) {
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 0 });
    for from in [QueryFrom::Start, QueryFrom::Snapshot, QueryFrom::Seq(0)] {
        let r = log.query(from, QueryTo::End, None).await.unwrap();
        assert_eq!((r.first, r.entries.len(), r.is_complete), (0, 0, true), "{from:?}");
        assert_eq!(r.latest_snapshot, None);
    }
    let r = log.query(QueryFrom::Start, QueryTo::Seq(0), Some(3)).await.unwrap();
    assert!(r.entries.is_empty() && r.is_complete && r.latest_snapshot.is_none());
    assert_out_of_range(log.query(QueryFrom::Seq(1), QueryTo::End, None).await, 1, "query from 1");
    assert_out_of_range(log.query(QueryFrom::Start, QueryTo::Seq(1), None).await, 1, "query to 1");
    assert_out_of_range(log.set_metadata(0, MetadataUpdate::default()).await, 0, "set_metadata 0");
    log.truncate(0).await.unwrap();
    assert_out_of_range(log.truncate(1).await, 1, "truncate 1");
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 0 });
}

/// Every operation kind, with every value type, reads back exactly as appended.
pub async fn append_and_read_back_every_operation<L: EventLog>(log: L) {
    append_samples(&log, 0..17).await;
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 17 });
    let (first, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(first, 0);
    let expected: Vec<Entry> = (0..17).map(sample_entry).collect();
    assert_eq!(entries, expected);
    let mut with_meta = sample_entry(17);
    with_meta.metadata.pending = Some(Workflow::Snapshot);
    with_meta.metadata.history = Some("history/17".into());
    log.add_entry(with_meta.clone(), 17, None).await.unwrap();
    let (_, tail) = query_all(&log, QueryFrom::Seq(17), QueryTo::End).await;
    assert_eq!(tail, vec![with_meta], "metadata given at append is stored");
}

/// `add_entry` at any id but the next free one is a conflict carrying that id; nothing stored.
pub async fn conflict_reports_next_free_id<L: EventLog>(log: L) {
    for wrong in [1, 5, u64::MAX] {
        match log.add_entry(sample_entry(0), wrong, None).await {
            Err(LogError::Conflict { next }) => assert_eq!(next, 0),
            other => panic!("append at {wrong} on an empty log: {other:?}"),
        }
    }
    append_samples(&log, 0..3).await;
    for wrong in [0, 2, 4] {
        match log.add_entry(sample_entry(9), wrong, None).await {
            Err(LogError::Conflict { next }) => assert_eq!(next, 3),
            other => panic!("append at {wrong}: {other:?}"),
        }
    }
    log.truncate(3).await.unwrap();
    match log.add_entry(sample_entry(9), 0, None).await {
        Err(LogError::Conflict { next }) => assert_eq!(next, 3, "ids are never reused after truncate"),
        other => panic!("append at 0 after truncate: {other:?}"),
    }
    log.add_entry(sample_entry(3), 3, None).await.unwrap();
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 3, end: 4 });
}

/// The latest snapshot is reported by `add_entry` and `query` unless the hint names it, and
/// `QueryFrom::Snapshot` starts there.
pub async fn snapshot_hint_and_latest_snapshot<L: EventLog>(log: L) {
    append_samples(&log, 0..6).await;
    let r = log.add_entry(sample_entry(6), 6, None).await.unwrap();
    assert_eq!(r.latest_snapshot, None, "no snapshot yet");
    log.set_metadata(2, MetadataUpdate::default().with_snapshot(Some("snap/2".into()))).await.unwrap();

    let r = log.add_entry(sample_entry(7), 7, None).await.unwrap();
    let latest = r.latest_snapshot.expect("snapshot reported without a hint");
    assert_eq!((latest.seq, latest.snapshot.as_str()), (2, "snap/2"));
    let r = log.add_entry(sample_entry(8), 8, Some(2)).await.unwrap();
    assert_eq!(r.latest_snapshot, None, "the hint names the latest snapshot");
    let r = log.add_entry(sample_entry(9), 9, Some(0)).await.unwrap();
    assert_eq!(r.latest_snapshot.map(|s| s.seq), Some(2), "a stale hint gets the latest");

    let q = log.query(QueryFrom::Snapshot, QueryTo::End, None).await.unwrap();
    assert_eq!(q.first, 2);
    assert_eq!(q.latest_snapshot.as_ref().map(|s| s.seq), Some(2));
    assert_eq!(q.entries.first().and_then(|e| e.metadata.snapshot.clone()).as_deref(), Some("snap/2"));
    let q = log.query(QueryFrom::Start, QueryTo::Seq(1), Some(2)).await.unwrap();
    assert_eq!(q.latest_snapshot, None);

    log.set_metadata(5, MetadataUpdate::default().with_snapshot(Some("snap/5".into()))).await.unwrap();
    let q = log.query(QueryFrom::Snapshot, QueryTo::End, Some(2)).await.unwrap();
    assert_eq!(q.first, 5, "the latest of two snapshots wins");
    assert_eq!(q.latest_snapshot.map(|s| (s.seq, s.snapshot)), Some((5, "snap/5".to_string())));

    log.set_metadata(5, MetadataUpdate::default().with_snapshot(None)).await.unwrap();
    let q = log.query(QueryFrom::Snapshot, QueryTo::End, None).await.unwrap();
    assert_eq!(q.first, 2, "clearing a snapshot makes the earlier one latest again");
}

/// A snapshot on the first retained entry is reported like any other; once truncated away,
/// `QueryFrom::Snapshot` falls back to the start.
pub async fn snapshot_on_first_retained_entry<L: EventLog>(log: L) {
    append_samples(&log, 0..6).await;
    log.set_metadata(3, MetadataUpdate::default().with_snapshot(Some("snap/3".into()))).await.unwrap();
    log.truncate(3).await.unwrap();
    let q = log.query(QueryFrom::Snapshot, QueryTo::End, None).await.unwrap();
    assert_eq!(q.first, 3);
    assert_eq!(q.latest_snapshot.map(|s| s.seq), Some(3));
    let r = log.add_entry(sample_entry(6), 6, None).await.unwrap();
    assert_eq!(r.latest_snapshot.map(|s| s.seq), Some(3));
    log.truncate(4).await.unwrap();
    let q = log.query(QueryFrom::Snapshot, QueryTo::End, None).await.unwrap();
    assert_eq!(q.first, 4, "no snapshot left: start at the first retained entry");
    assert_eq!(q.latest_snapshot, None);
}

async fn metadata_of<L: EventLog>(log: &L, seq: SequenceId) -> super::Metadata {
    let page = log.query(QueryFrom::Seq(seq), QueryTo::Seq(seq + 1), None).await.expect("query one entry");
    page.entries.into_iter().next().expect("the entry exists").metadata
}

/// `set_metadata` changes exactly the fields present in the update.
pub async fn set_metadata_changes_only_given_fields<L: EventLog>(log: L) {
    append_samples(&log, 0..3).await;
    log.set_metadata(1, MetadataUpdate::default().with_pending(Some(Workflow::Snapshot))).await.unwrap();
    let m = metadata_of(&log, 1).await;
    assert_eq!((m.snapshot.as_deref(), m.history.as_deref(), m.pending), (None, None, Some(Workflow::Snapshot)));

    log.set_metadata(1, MetadataUpdate::default().with_snapshot(Some("s".into()))).await.unwrap();
    let m = metadata_of(&log, 1).await;
    assert_eq!((m.snapshot.as_deref(), m.pending), (Some("s"), Some(Workflow::Snapshot)), "pending kept");

    let finish = MetadataUpdate::default().with_snapshot(Some("s2".into())).with_pending(None);
    log.set_metadata(1, finish).await.unwrap();
    let m = metadata_of(&log, 1).await;
    assert_eq!((m.snapshot.as_deref(), m.history.as_deref(), m.pending), (Some("s2"), None, None));

    log.set_metadata(1, MetadataUpdate::default().with_history(Some("h".into()))).await.unwrap();
    log.set_metadata(1, MetadataUpdate::default()).await.unwrap();
    let m = metadata_of(&log, 1).await;
    assert_eq!((m.snapshot.as_deref(), m.history.as_deref(), m.pending), (Some("s2"), Some("h"), None));

    let (_, all) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(all[0], sample_entry(0), "other entries untouched");
    assert_eq!(all[2], sample_entry(2), "other entries untouched");
    assert_eq!(all[1].operation, sample_entry(1).operation, "the operation is not metadata");
}

/// `set_metadata` outside `start .. end` is a range error and changes nothing.
pub async fn set_metadata_range_errors<L: EventLog>(log: L) {
    append_samples(&log, 0..4).await;
    log.truncate(2).await.unwrap();
    let update = || MetadataUpdate::default().with_pending(Some(Workflow::Compact));
    for seq in [0, 1, 4, 5, u64::MAX] {
        assert_out_of_range(log.set_metadata(seq, update()).await, seq, "set_metadata");
    }
    let too_long = MetadataUpdate::default().with_snapshot(Some("x".repeat(super::MAX_METADATA_PATH_BYTES + 1)));
    assert!(matches!(log.set_metadata(2, too_long).await, Err(LogError::Invalid(_))));
    let (_, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert!(entries.iter().all(|e| e.metadata == Default::default()), "nothing changed");
}

/// `metadata` reads what a query of the one entry reads, for every kind of operation and after
/// each metadata change; ids outside the retained range are out of range.
pub async fn metadata_reads_what_query_reads<L: EventLog>(log: L) {
    append_samples(&log, 0..12).await;
    log.set_metadata(2, MetadataUpdate::default().with_pending(Some(Workflow::Snapshot))).await.unwrap();
    let finished = MetadataUpdate::default().with_snapshot(Some("snapshots/s".into())).with_pending(Some(Workflow::Gc));
    log.set_metadata(5, finished).await.unwrap();
    log.set_metadata(9, MetadataUpdate::default().with_history(Some("history/h".into()))).await.unwrap();
    for seq in 0..12 {
        assert_eq!(log.metadata(seq).await.expect("metadata"), metadata_of(&log, seq).await, "entry {seq}");
    }
    assert_eq!(log.metadata(2).await.unwrap().pending, Some(Workflow::Snapshot));
    assert_eq!(log.metadata(5).await.unwrap().snapshot.as_deref(), Some("snapshots/s"));
    log.truncate(3).await.unwrap();
    for seq in [0, 2, 12, 13, u64::MAX] {
        assert_out_of_range(log.metadata(seq).await, seq, "metadata");
    }
    assert_eq!(log.metadata(9).await.unwrap().history.as_deref(), Some("history/h"));
}

/// Paging: pages follow each other, `is_complete` is true exactly on the last one.
pub async fn query_pages_report_is_complete<L: EventLog>(log: L) {
    append_samples(&log, 0..10).await;
    let mut next = 3;
    let mut seen = Vec::new();
    loop {
        let page = log.query(QueryFrom::Seq(next), QueryTo::Seq(8), None).await.unwrap();
        assert_eq!(page.first, next);
        next = page.next();
        assert!(next <= 8, "a page never passes `to`");
        seen.extend(page.entries);
        if page.is_complete {
            assert_eq!(next, 8, "complete means every entry of the range was returned");
            break;
        }
        assert!(next < 8, "incomplete means entries remain");
    }
    assert_eq!(seen, (3..8).map(sample_entry).collect::<Vec<_>>());
    let (_, all) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(all.len(), 10);
    let end = log.query(QueryFrom::Seq(10), QueryTo::End, None).await.unwrap();
    assert!(end.entries.is_empty() && end.is_complete && end.first == 10);
}

/// `to < from` is a reversed-range error; ids outside the log are range errors.
pub async fn query_reversed_and_out_of_range<L: EventLog>(log: L) {
    append_samples(&log, 0..6).await;
    match log.query(QueryFrom::Seq(5), QueryTo::Seq(3), None).await {
        Err(LogError::ReversedRange { from: 5, to: 3 }) => {}
        other => panic!("to < from: {other:?}"),
    }
    let empty = log.query(QueryFrom::Seq(3), QueryTo::Seq(3), None).await.unwrap();
    assert!(empty.entries.is_empty() && empty.is_complete);
    assert_out_of_range(log.query(QueryFrom::Seq(7), QueryTo::End, None).await, 7, "from past end");
    assert_out_of_range(log.query(QueryFrom::Start, QueryTo::Seq(7), None).await, 7, "to past end");
    log.truncate(2).await.unwrap();
    assert_out_of_range(log.query(QueryFrom::Seq(1), QueryTo::End, None).await, 1, "from before start");
    assert_out_of_range(log.query(QueryFrom::Start, QueryTo::Seq(1), None).await, 1, "to before start");
}

/// Truncating before the start, at the start, in the middle, at the end, and twice.
pub async fn truncate_before_at_middle_end_twice<L: EventLog>(log: L) {
    append_samples(&log, 0..8).await;
    log.truncate(0).await.unwrap();
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 8 }, "at start: nothing");
    log.truncate(3).await.unwrap();
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 3, end: 8 }, "middle");
    let (first, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(first, 3);
    assert_eq!(entries, (3..8).map(sample_entry).collect::<Vec<_>>(), "survivors keep their ids");
    log.truncate(3).await.unwrap();
    log.truncate(1).await.unwrap();
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 3, end: 8 }, "twice, and before start");
    assert_out_of_range(log.truncate(9).await, 9, "truncate past end");
    log.truncate(8).await.unwrap();
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 8, end: 8 }, "at end: empty");
    let q = log.query(QueryFrom::Start, QueryTo::End, None).await.unwrap();
    assert!(q.entries.is_empty() && q.is_complete && q.first == 8);
    log.add_entry(sample_entry(8), 8, None).await.unwrap();
    let (first, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!((first, entries), (8, vec![sample_entry(8)]), "appends continue after the end");
}

/// An invalid entry is rejected with a typed error and leaves the log unchanged.
pub async fn invalid_entry_stores_nothing<L: EventLog>(log: L) {
    append_samples(&log, 0..1).await;
    let nan = Entry::new(Operation::SetCell(CellWrite {
        row: 0,
        col: 0,
        value: Some(CellValue::Number(f64::NAN)),
        format: None,
    }));
    let far = Entry::new(Operation::SetCell(CellWrite { row: 1 << 53, col: 0, value: None, format: None }));
    let empty_span = Entry::new(Operation::InsertRows { at: 0, count: 0 });
    let long_text = Entry::new(Operation::SetCells(vec![CellWrite {
        row: 0,
        col: 0,
        value: Some(CellValue::Text("x".repeat(40_000).into())),
        format: None,
    }]));
    for bad in [nan, far, empty_span, long_text] {
        match log.add_entry(bad.clone(), 1, None).await {
            Err(LogError::Invalid(_)) => {}
            other => panic!("{bad:?}: expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 1 }, "nothing stored");
}

/// `add_entries` stores a batch at consecutive ids in one go, or nothing of it: a batch at the
/// wrong id or holding one invalid entry changes nothing; an empty batch stores nothing.
pub async fn batches_append_atomically<L: EventLog>(log: L) {
    log.add_entries((0..5).map(sample_entry).collect(), 0, None).await.expect("first batch");
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 5 });
    match log.add_entries((5..8).map(sample_entry).collect(), 4, None).await {
        Err(LogError::Conflict { next }) => assert_eq!(next, 5),
        other => panic!("a batch at a taken id: {other:?}"),
    }
    let mut with_bad = vec![sample_entry(5), sample_entry(6)];
    with_bad.push(Entry::new(Operation::InsertRows { at: 0, count: 0 }));
    assert!(matches!(log.add_entries(with_bad, 5, None).await, Err(LogError::Invalid(_))));
    assert_eq!(log.bounds().await.unwrap(), LogBounds { start: 0, end: 5 }, "nothing of either batch stored");
    log.add_entries(Vec::new(), 5, None).await.expect("an empty batch at the next id");
    assert!(matches!(log.add_entries(Vec::new(), 9, None).await, Err(LogError::Conflict { next: 5 })));
    // A batch and single appends issued together keep their order and ids.
    let batch = log.add_entries((5..9).map(sample_entry).collect(), 5, None);
    let (batch, single) = futures_util::future::join(batch, log.add_entry(sample_entry(9), 9, None)).await;
    batch.expect("batch issued with a single append");
    single.expect("the single append after it");
    let (_, entries) = query_all(&log, QueryFrom::Start, QueryTo::End).await;
    assert_eq!(entries, (0..10).map(sample_entry).collect::<Vec<_>>());
    let mut marked = sample_entry(10);
    marked.metadata.snapshot = Some("snapshots/10/index".into());
    let result = log.add_entries(vec![marked, sample_entry(11)], 10, None).await.expect("batch with a snapshot");
    assert_eq!(result.latest_snapshot.map(|s| s.seq), Some(10), "the snapshot in a batch is the latest");
}
