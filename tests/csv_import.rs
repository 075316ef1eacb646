//! The pure CSV importer (`sheetlog::engine::csv::CsvImporter`): values, batches, chunking at
//! every boundary, malformed input with its line, and a property test against tables written by
//! the `csv` crate's `Writer`.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use sheetlog::engine::csv::{
    value::classify, value::FieldKind, CsvBatch, CsvError, CsvImportOptions, CsvImporter, CsvProgress,
};
use sheetlog::log::{CellWrite, MAX_BATCH_CELLS};
use sheetlog::model::{CellValue, ValidationError};

fn opts(batch_cells: usize) -> CsvImportOptions {
    CsvImportOptions { batch_cells, ..CsvImportOptions::default() }
}

/// Feeds `input` in chunks of `chunk` bytes; returns the batches, or the error with the batches
/// completed before it.
fn import_with(input: &[u8], options: CsvImportOptions, chunk: usize) -> (Vec<CsvBatch>, Option<CsvError>) {
    let mut importer = CsvImporter::new(options).unwrap();
    let mut batches = Vec::new();
    let mut error = None;
    for piece in input.chunks(chunk.max(1)) {
        if let Err(e) = importer.feed(piece) {
            error = Some(e);
            break;
        }
        batches.extend(std::iter::from_fn(|| importer.next_batch()));
    }
    if error.is_none() {
        error = importer.finish().err();
    }
    batches.extend(std::iter::from_fn(|| importer.next_batch()));
    (batches, error)
}

fn import(input: &str) -> Vec<CellWrite> {
    let (batches, error) = import_with(input.as_bytes(), CsvImportOptions::default(), usize::MAX);
    assert_eq!(error, None, "{input:?}");
    batches.into_iter().flat_map(|b| b.writes).collect()
}

fn error_of(input: &[u8]) -> CsvError {
    let (_, error) = import_with(input, CsvImportOptions::default(), usize::MAX);
    error.unwrap_or_else(|| panic!("{:?} should be refused", String::from_utf8_lossy(input)))
}

fn w(row: u64, col: u64, value: CellValue) -> CellWrite {
    CellWrite { row, col, value: Some(value), format: None }
}

fn text(s: &str) -> CellValue {
    CellValue::Text(s.into())
}

#[test]
fn values_are_recognised_and_empty_fields_write_nothing() {
    let writes = import("zip,city,pop,ok\n02134,Boston,35000.5,TRUE\n10001,,-1e3,false\n,,,\n0,\"a,b\",0.25,yes\n");
    assert_eq!(
        writes,
        vec![
            w(0, 0, text("zip")),
            w(0, 1, text("city")),
            w(0, 2, text("pop")),
            w(0, 3, text("ok")),
            w(1, 0, text("02134")),
            w(1, 1, text("Boston")),
            w(1, 2, CellValue::Number(35000.5)),
            w(1, 3, CellValue::Boolean(true)),
            w(2, 0, CellValue::Number(10001.0)),
            w(2, 2, CellValue::Number(-1000.0)),
            w(2, 3, CellValue::Boolean(false)),
            w(4, 0, CellValue::Number(0.0)),
            w(4, 1, text("a,b")),
            w(4, 2, CellValue::Number(0.25)),
            w(4, 3, text("yes")),
        ]
    );
}

#[test]
fn quoted_fields_keep_separators_newlines_and_doubled_quotes() {
    let writes = import("\"say \"\"hi\"\"\",\"two\nlines\",\"\"\r\nx,y,z\r\n");
    assert_eq!(
        writes,
        vec![
            w(0, 0, text("say \"hi\"")),
            w(0, 1, text("two\nlines")),
            w(1, 0, text("x")),
            w(1, 1, text("y")),
            w(1, 2, text("z"))
        ]
    );
}

#[test]
fn start_row_and_column_offset_every_cell() {
    let options = CsvImportOptions { start_row: 10, start_column: 3, batch_cells: 100 };
    let (batches, error) = import_with(b"1,2\n3,4", options, 1);
    assert_eq!(error, None);
    let cells: Vec<(u64, u64)> = batches.iter().flat_map(|b| b.writes.iter().map(|w| (w.row, w.col))).collect();
    assert_eq!(cells, vec![(10, 3), (10, 4), (11, 3), (11, 4)]);
}

#[test]
fn blank_lines_are_skipped_and_a_last_line_needs_no_line_end() {
    assert_eq!(import("a\n\n\nb"), vec![w(0, 0, text("a")), w(1, 0, text("b"))]);
    assert_eq!(import(""), vec![]);
    assert_eq!(import("\n\r\n"), vec![]);
    assert_eq!(import("\"\""), vec![], "one empty field");
}

#[test]
fn a_byte_order_mark_is_dropped_however_it_is_chunked() {
    let input = b"\xEF\xBB\xBF\"q\",1\n";
    for chunk in 1..=input.len() {
        let (batches, error) = import_with(input, CsvImportOptions::default(), chunk);
        assert_eq!(error, None, "chunk {chunk}");
        let writes: Vec<CellWrite> = batches.into_iter().flat_map(|b| b.writes).collect();
        assert_eq!(writes, vec![w(0, 0, text("q")), w(0, 1, CellValue::Number(1.0))], "chunk {chunk}");
    }
    // Only the first mark is dropped: a second is data (U+FEFF), however the input is cut.
    let twice = "\u{FEFF}\u{FEFF}x,1\n".as_bytes();
    for chunk in 1..=twice.len() {
        let writes: Vec<CellWrite> =
            import_with(twice, CsvImportOptions::default(), chunk).0.into_iter().flat_map(|b| b.writes).collect();
        assert_eq!(writes, vec![w(0, 0, text("\u{FEFF}x")), w(0, 1, CellValue::Number(1.0))], "chunk {chunk}");
    }
    // A lone BOM, or a prefix of one, is not data.
    assert_eq!(import("\u{FEFF}"), vec![]);
    assert_eq!(
        import_with(b"\xEF\xBB", CsvImportOptions::default(), 1).1,
        Some(CsvError::InvalidUtf8 { line: 1, field: 1 })
    );
}

#[test]
fn every_split_point_gives_the_same_result() {
    let input =
        "id,name,note\r\n1,\"Zoë \"\"Z\"\"\",\"multi\nline, with comma\"\r\n2,日本語,😀\r\n3,,\"\"\r\n".as_bytes();
    let (whole, error) = import_with(input, opts(4), usize::MAX);
    assert_eq!(error, None);
    for split in 0..=input.len() {
        let mut importer = CsvImporter::new(opts(4)).unwrap();
        importer.feed(&input[..split]).unwrap();
        importer.feed(&input[split..]).unwrap();
        importer.finish().unwrap();
        let batches: Vec<CsvBatch> = std::iter::from_fn(|| importer.next_batch()).collect();
        let writes: Vec<&CellWrite> = batches.iter().flat_map(|b| &b.writes).collect();
        let expected: Vec<&CellWrite> = whole.iter().flat_map(|b| &b.writes).collect();
        assert_eq!(writes, expected, "split at {split}");
    }
    for chunk in 1..8 {
        assert_eq!(import_with(input, opts(4), chunk), (whole.clone(), None), "chunks of {chunk}");
    }
}

#[test]
fn batches_hold_whole_rows_up_to_the_batch_size() {
    // 5 rows of 3 cells, batch size 7: rows 0-1 (6 cells), 2-3, 4.
    let input = "1,2,3\n4,5,6\n7,8,9\n10,11,12\n13,14,15\n";
    let (batches, error) = import_with(input.as_bytes(), opts(7), 3);
    assert_eq!(error, None);
    let sizes: Vec<usize> = batches.iter().map(|b| b.writes.len()).collect();
    assert_eq!(sizes, vec![6, 6, 3]);
    assert_eq!(batches[0].progress, CsvProgress { bytes: 12, rows: 2, cells: 6 });
    assert_eq!(batches[1].progress, CsvProgress { bytes: 27, rows: 4, cells: 12 });
    assert_eq!(batches[2].progress, CsvProgress { bytes: input.len() as u64, rows: 5, cells: 15 });
    // A batch size that rows fill exactly.
    let (batches, _) = import_with(input.as_bytes(), opts(3), 100);
    assert!(batches.iter().all(|b| b.writes.len() == 3));
    assert_eq!(batches.len(), 5);
}

#[test]
fn a_row_longer_than_a_batch_spans_several() {
    let input = "1,2,3,4,5\n6,,,,7\n";
    let (batches, error) = import_with(input.as_bytes(), opts(2), 100);
    assert_eq!(error, None);
    let sizes: Vec<usize> = batches.iter().map(|b| b.writes.len()).collect();
    assert_eq!(sizes, vec![2, 2, 1, 2]);
    assert_eq!(batches[0].progress.rows, 0, "the row is not complete yet");
    assert_eq!(batches[1].progress.cells, 4);
    assert_eq!(batches[2].progress, CsvProgress { bytes: 10, rows: 1, cells: 5 });
    assert_eq!(batches[3].progress, CsvProgress { bytes: input.len() as u64, rows: 2, cells: 7 });
}

#[test]
fn ragged_rows_are_refused_with_their_line() {
    assert_eq!(error_of(b"a,b\nc,d\ne\n"), CsvError::RaggedRow { line: 3, expected: 2, found: 1 });
    assert_eq!(error_of(b"a,b\nc,d,e\n"), CsvError::RaggedRow { line: 2, expected: 2, found: 3 });
    // Quoted newlines and blank lines count as lines; \r\n is one line end.
    assert_eq!(error_of(b"a,\"x\ny\"\r\n\r\nc,d\r\ne\r\n"), CsvError::RaggedRow { line: 5, expected: 2, found: 1 });
}

#[test]
fn bad_quotes_are_refused_with_line_and_field() {
    assert_eq!(error_of(b"a,b\nc,d\"e\n"), CsvError::BadQuote { line: 2, field: 2 });
    assert_eq!(error_of(b"a,b\n\"ab\"c,d\n"), CsvError::BadQuote { line: 2, field: 1 });
    assert_eq!(error_of(b"a,b\n1,2\n\"open,3\n4,5\n"), CsvError::UnterminatedQuote { line: 3 });
    assert_eq!(error_of(b"x\n\"never closed"), CsvError::UnterminatedQuote { line: 2 });
    assert_eq!(error_of(b"\"a\" ,b\n"), CsvError::BadQuote { line: 1, field: 1 }, "a space after the closing quote");
}

#[test]
fn invalid_utf8_is_refused_even_split_across_chunks() {
    let input = b"ok,fine\nbad,\xC3\x28\n";
    for chunk in 1..input.len() {
        let (_, error) = import_with(input, CsvImportOptions::default(), chunk);
        assert_eq!(error, Some(CsvError::InvalidUtf8 { line: 2, field: 2 }), "chunk {chunk}");
    }
    assert_eq!(error_of(b"\xFF"), CsvError::InvalidUtf8 { line: 1, field: 1 });
}

#[test]
fn text_over_the_cell_limit_is_refused() {
    let long = "x".repeat(32_768);
    let input = format!("a\n{}\n", long);
    let expected = CsvError::Invalid { line: 2, field: 1, error: ValidationError::TextTooLong { utf16_units: 32_768 } };
    assert_eq!(error_of(input.as_bytes()), expected);
    let mut validator = CsvImporter::validator(CsvImportOptions::default()).unwrap();
    assert_eq!(validator.feed(input.as_bytes()), Err(expected));
    // At the limit is fine; a long number is a number.
    assert_eq!(import(&"y".repeat(32_767)).len(), 1);
    let digits = format!("1{}", "0".repeat(40_000));
    assert_eq!(import(&format!("0.{digits}")), vec![w(0, 0, CellValue::Number(0.1))]);
}

#[test]
fn rows_beyond_the_last_index_are_refused() {
    let options = CsvImportOptions { start_row: (1 << 53) - 2, ..CsvImportOptions::default() };
    let (batches, error) = import_with(b"a\nb\nc\n", options, 100);
    assert!(
        matches!(error, Some(CsvError::Invalid { line: 3, field: 1, error: ValidationError::IndexTooLarge { .. } })),
        "{error:?}"
    );
    assert!(batches.is_empty(), "the batch the error fell in is never complete");
}

#[test]
fn messages_name_the_line() {
    for e in [error_of(b"a,b\nc\n"), error_of(b"a\n\"b"), error_of(b"a\nb\"c\n"), error_of(b"a\n\xFF\n")] {
        assert!(e.to_string().starts_with("line 2"), "{e}");
        assert_eq!(e.line(), 2);
    }
}

#[test]
fn after_an_error_the_batches_before_it_stay_and_the_error_repeats() {
    let input = "1\n2\n3\n4\n5\nx\"\n6\n";
    let mut importer = CsvImporter::new(opts(2)).unwrap();
    let error = importer.feed(input.as_bytes()).unwrap_err();
    assert_eq!(error, CsvError::BadQuote { line: 6, field: 1 });
    let batches: Vec<CsvBatch> = std::iter::from_fn(|| importer.next_batch()).collect();
    assert_eq!(batches.len(), 2, "rows 1-2 and 3-4; the batch holding row 5 failed");
    assert_eq!(importer.feed(b"7\n"), Err(error.clone()));
    assert_eq!(importer.finish(), Err(error));
}

#[test]
fn the_validator_checks_everything_and_keeps_nothing() {
    let mut validator = CsvImporter::validator(opts(1)).unwrap();
    validator.feed(b"1,2\n3,").unwrap();
    validator.feed(b"4\n").unwrap();
    validator.finish().unwrap();
    assert_eq!(validator.next_batch(), None);
    assert_eq!(validator.progress(), CsvProgress { bytes: 8, rows: 2, cells: 4 });
    let mut validator = CsvImporter::validator(opts(1)).unwrap();
    assert_eq!(validator.feed(b"1,2\n3\n"), Err(CsvError::RaggedRow { line: 2, expected: 2, found: 1 }));
}

#[test]
fn options_are_checked() {
    assert!(CsvImporter::new(opts(0)).is_err());
    assert!(CsvImporter::new(opts(MAX_BATCH_CELLS + 1)).is_err());
    assert!(CsvImporter::new(opts(MAX_BATCH_CELLS)).is_ok());
    assert!(CsvImporter::new(CsvImportOptions { start_column: 1 << 53, ..CsvImportOptions::default() }).is_err());
}

/// A field of a generated table: text of any kind (quotes, separators, newlines, non-ASCII),
/// numbers, booleans, or empty.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z]{1,6}",
        "[ -~]{0,12}",
        "[\"',\r\n a\u{e9}\u{65e5}\u{1F600}]{0,6}",
        any::<i32>().prop_map(|n| n.to_string()),
        any::<f64>().prop_filter("finite", |n| n.is_finite()).prop_map(|n| n.to_string()),
        Just("TRUE".to_owned()),
        Just("false".to_owned()),
        Just("02134".to_owned()),
    ]
}

fn table() -> impl Strategy<Value = Vec<Vec<String>>> {
    (1usize..6).prop_flat_map(|cols| prop::collection::vec(prop::collection::vec(field(), cols), 0..25))
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..40, 1..20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn tables_written_by_the_csv_writer_import_back_exactly(
        rows in table(),
        sizes in chunk_sizes(),
        batch_cells in 1usize..12,
        crlf in any::<bool>(),
    ) {
        let mut builder = csv::WriterBuilder::new();
        if crlf {
            builder.terminator(csv::Terminator::CRLF);
        }
        let mut writer = builder.from_writer(Vec::new());
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let bytes = writer.into_inner().unwrap();

        let mut importer = CsvImporter::new(opts(batch_cells)).unwrap();
        let mut batches = Vec::new();
        let (mut at, mut i) = (0, 0);
        while at < bytes.len() {
            let end = (at + sizes[i % sizes.len()]).min(bytes.len());
            importer.feed(&bytes[at..end]).unwrap();
            batches.extend(std::iter::from_fn(|| importer.next_batch()));
            at = end;
            i += 1;
        }
        importer.finish().unwrap();
        batches.extend(std::iter::from_fn(|| importer.next_batch()));

        let expected: Vec<CellWrite> = rows
            .iter()
            .enumerate()
            .flat_map(|(r, row)| {
                row.iter().enumerate().filter(|(_, f)| !f.is_empty()).map(move |(c, f)| {
                    let value = match classify(f) {
                        FieldKind::Number(n) => CellValue::Number(n),
                        FieldKind::Boolean(b) => CellValue::Boolean(b),
                        FieldKind::Text => CellValue::Text(f.as_str().into()),
                    };
                    w(r as u64, c as u64, value)
                })
            })
            .collect();
        let got: Vec<CellWrite> = batches.iter().flat_map(|b| b.writes.clone()).collect();
        prop_assert_eq!(got, expected);
        let mut last = CsvProgress::default();
        for batch in &batches {
            prop_assert!(!batch.writes.is_empty() && batch.writes.len() <= batch_cells);
            prop_assert!(batch.progress.cells > last.cells && batch.progress.rows >= last.rows);
            last = batch.progress;
        }
        prop_assert_eq!(importer.progress().rows, rows.len() as u64);
        prop_assert_eq!(importer.progress().bytes, bytes.len() as u64);
    }

    #[test]
    fn any_bytes_give_batches_or_an_error_never_a_panic(
        bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b','), Just(b'\n'), Just(b'\r'), Just(b'a'), Just(b'1'), Just(0xC3u8), any::<u8>()], 0..60),
        sizes in chunk_sizes(),
    ) {
        let whole = import_with(&bytes, opts(3), usize::MAX);
        let mut importer = CsvImporter::new(opts(3)).unwrap();
        let mut batches = Vec::new();
        let mut error = None;
        let (mut at, mut i) = (0, 0);
        while at < bytes.len() && error.is_none() {
            let end = (at + sizes[i % sizes.len()]).min(bytes.len());
            error = importer.feed(&bytes[at..end]).err();
            batches.extend(std::iter::from_fn(|| importer.next_batch()));
            at = end;
            i += 1;
        }
        if error.is_none() {
            error = importer.finish().err();
        }
        batches.extend(std::iter::from_fn(|| importer.next_batch()));
        prop_assert_eq!((batches, error), whole, "chunking must not change the outcome");
    }
}

/// A malformed record (with its line end) and the error it must give, for a table of `cols`
/// columns with the record starting at `line`.
fn malformed(kind: u8, cols: usize, line: u64) -> (Vec<u8>, CsvError) {
    let (first, expected): (&[u8], CsvError) = match kind {
        0 => {
            return (format!("{}\n", vec!["1"; cols + 1].join(",")).into_bytes(), {
                CsvError::RaggedRow { line, expected: cols, found: cols + 1 }
            })
        }
        1 => (b"x\"y", CsvError::BadQuote { line, field: 1 }),
        2 => (b"\"ab\"c", CsvError::BadQuote { line, field: 1 }),
        _ => (b"\xFF\xFE", CsvError::InvalidUtf8 { line, field: 1 }),
    };
    let mut record = first.to_vec();
    for _ in 1..cols {
        record.extend_from_slice(b",z");
    }
    record.push(b'\n');
    (record, expected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_malformed_record_is_reported_at_its_line(
        rows in table().prop_filter("two rows or more", |r| r.len() >= 2),
        at in any::<prop::sample::Index>(),
        kind in 0u8..5,
        sizes in chunk_sizes(),
        crlf in any::<bool>(),
    ) {
        let cols = rows[0].len();
        let at = 1 + at.index(rows.len() - 1);
        let mut builder = csv::WriterBuilder::new();
        if crlf {
            builder.terminator(csv::Terminator::CRLF);
        }
        let mut writer = builder.from_writer(Vec::new());
        for row in &rows[..at] {
            writer.write_record(row).unwrap();
        }
        let mut bytes = writer.into_inner().unwrap();
        let line = 1 + bytes.iter().filter(|b| **b == b'\n').count() as u64;
        let (record, expected) = if kind == 4 {
            (b"\"never closed,\n1,2\n".to_vec(), CsvError::UnterminatedQuote { line })
        } else {
            malformed(kind, cols, line)
        };
        bytes.extend_from_slice(&record);
        if kind != 4 {
            bytes.extend_from_slice(b"tail\n");
        }
        let mut importer = CsvImporter::new(opts(3)).unwrap();
        let mut error = None;
        let (mut pos, mut i) = (0, 0);
        while pos < bytes.len() && error.is_none() {
            let end = (pos + sizes[i % sizes.len()]).min(bytes.len());
            error = importer.feed(&bytes[pos..end]).err();
            pos = end;
            i += 1;
        }
        if error.is_none() {
            error = importer.finish().err();
        }
        prop_assert_eq!(error, Some(expected));
    }
}
