//! What reading and changing an entry's metadata costs, natively, against decoding and encoding
//! the whole entry (BENCHMARKS.md, "Stop 30").
//!
//! Run: `cargo run --release --example entry_metadata`. Prints figures; asserts nothing.
//!
//! The end of a workflow reads the metadata of the entry it ran on, and a workflow's follow-up
//! is marked on it; that entry may be a large paste. For entries of 1, 1,000 and 500,000 cells
//! (50,000 rows x 10 columns, every other cell a number, the others a short text, as
//! `www/bench/adopt.js` pastes), times per call of:
//! - `decode_entry` (what reading the metadata cost before) and `decode_metadata`;
//! - `decode_entry` + `encode_entry` (what marking cost before) and `replace_metadata`;
//! - next to them the floor in the same run: `crc32fast::hash` over the same bytes, which every
//!   checked read must pay.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sheetlog::log::{
    decode_entry, decode_metadata, encode_entry, replace_metadata, CellWrite, Entry, MetadataUpdate, Operation,
    Workflow,
};
use sheetlog::model::CellValue;

/// Each figure runs for at least this long.
const RUN: Duration = Duration::from_millis(600);

/// Milliseconds per call of `f`.
fn per_call(mut f: impl FnMut() -> usize) -> f64 {
    let (mut calls, started) = (0u64, Instant::now());
    let mut sink = 0usize;
    while started.elapsed() < RUN {
        sink = sink.wrapping_add(f());
        calls += 1;
    }
    black_box(sink);
    started.elapsed().as_secs_f64() * 1000.0 / calls as f64
}

fn paste(rows: u64, cols: u64) -> Entry {
    let cells = (0..rows)
        .flat_map(|row| {
            (0..cols).map(move |col| {
                let value = if col % 2 == 0 {
                    CellValue::Number((row * 10 + col) as f64)
                } else {
                    CellValue::Text(format!("text {row}-{col}").into())
                };
                CellWrite { row, col, value: Some(value), format: None }
            })
        })
        .collect();
    Entry::new(Operation::SetCells(cells))
}

fn main() {
    let mark = MetadataUpdate::default().with_pending(Some(Workflow::Snapshot));
    println!("entry cells | bytes | crc32 ms | decode_entry ms | decode_metadata ms | ratio | decode+encode ms | replace_metadata ms | ratio");
    for (rows, cols) in [(1u64, 1u64), (100, 10), (50_000, 10)] {
        let bytes = encode_entry(&paste(rows, cols));
        let crc = per_call(|| crc32fast::hash(&bytes) as usize);
        let decode = per_call(|| decode_entry(&bytes).map_or(0, |e| e.metadata.pending.is_some() as usize));
        let metadata = per_call(|| decode_metadata(&bytes).map_or(0, |m| m.pending.is_some() as usize));
        let reencode = per_call(|| {
            let mut entry = decode_entry(&bytes).expect("a valid entry");
            mark.apply_to(&mut entry.metadata);
            encode_entry(&entry).len()
        });
        let replace = per_call(|| replace_metadata(&bytes, &mark).map_or(0, |(b, _)| b.len()));
        println!(
            "{} | {} | {crc:.4} | {decode:.4} | {metadata:.4} | {:.1} | {reencode:.4} | {replace:.4} | {:.1}",
            rows * cols,
            bytes.len(),
            decode / metadata,
            reencode / replace,
        );
    }
}
