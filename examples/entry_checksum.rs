//! What the CRC-32 of entry format 2 costs per append, natively (issue 12, "Figures").
//!
//! Run: `cargo run --release --example entry_checksum`. Prints figures; asserts nothing.
//!
//! An append through the IndexedDB log encodes the entry (`encode_entry`) and puts the bytes;
//! a read decodes them (`decode_entry`). The checksum adds one CRC-32 over the body to each. This
//! program times, per entry, for a typical one-cell entry (the 65-byte entry of the storage
//! benchmark, with an origin) and for a 100-cell batch:
//! - `crc32fast::hash` over the encoded body: the whole added work of an encode;
//! - `encode_entry` (version 2, checksum included);
//! - `decode_entry` of the version 2 bytes and of the same entry in version 1 (no checksum, no
//!   origin), whose difference is the decode-side cost;
//! - an append to the in-memory reference log (`MemoryEventLog::add_entry`, which validates and
//!   stores without encoding; truncated every 1,024 entries) plus `encode_entry`: the CPU part of
//!   an append natively.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use sheetlog::log::{decode_entry, encode_entry, CellWrite, Entry, EventLog, MemoryEventLog, Operation, Origin};
use sheetlog::model::CellValue;

/// Each figure runs for at least this long.
const RUN: Duration = Duration::from_millis(700);

fn one_cell(i: u64) -> Entry {
    let text = format!("bench value {i:012} padded to about sixty-four bytes");
    Entry::new(Operation::SetCell(CellWrite {
        row: i,
        col: 3,
        value: Some(CellValue::Text(text.into())),
        format: None,
    }))
    .with_origin(Origin { time_ms: 1_763_700_000_000 + i, client: 0x9e37_79b9_7f4a_7c15 })
}

fn batch(i: u64) -> Entry {
    let cells = (0..100)
        .map(|c| CellWrite { row: i, col: c, value: Some(CellValue::Number(c as f64 * 1.5)), format: None })
        .collect();
    Entry::new(Operation::SetCells(cells)).with_origin(Origin { time_ms: 1_763_700_000_000 + i, client: 7 })
}

/// The version 1 bytes of `entry`: a version 2 body without its origin, after a version byte 1.
fn v1_bytes(entry: &Entry) -> Vec<u8> {
    let v2 = encode_entry(&Entry { origin: None, ..entry.clone() });
    let mut out = vec![1];
    out.extend_from_slice(&v2[6..]);
    out
}

/// Nanoseconds per call of `f`, over at least [`RUN`].
fn time(mut f: impl FnMut()) -> f64 {
    for _ in 0..1000 {
        f();
    }
    let (start, mut calls) = (Instant::now(), 0u64);
    while start.elapsed() < RUN {
        for _ in 0..1000 {
            f();
        }
        calls += 1000;
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

/// Runs a future of the memory log, which never waits, to completion.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

fn report(name: &str, entry: &Entry) {
    let bytes = encode_entry(entry);
    let v1 = v1_bytes(entry);
    assert_eq!(decode_entry(&bytes).as_ref(), Ok(entry));
    let crc = time(|| {
        black_box(crc32fast::hash(black_box(&bytes[5..])));
    });
    let encode = time(|| {
        black_box(encode_entry(black_box(entry)));
    });
    let decode_v2 = time(|| {
        let _ = black_box(decode_entry(black_box(&bytes)));
    });
    let decode_v1 = time(|| {
        let _ = black_box(decode_entry(black_box(&v1)));
    });
    let log = MemoryEventLog::new();
    let mut seq = 0;
    let append = time(|| {
        let result = ready(log.add_entry(black_box(entry.clone()), seq, None));
        assert!(result.is_ok());
        seq += 1;
        if seq % 1024 == 0 {
            // Keeps memory flat; dropping the entries is part of the cost, as it would be later.
            assert!(ready(log.truncate(seq)).is_ok());
        }
    });
    println!("{name}: {} bytes encoded (v2), {} bytes in v1", bytes.len(), v1.len());
    println!("  crc32 of the body         {crc:9.1} ns");
    println!("  encode_entry (v2)         {encode:9.1} ns   checksum share {:4.1} %", 100.0 * crc / encode);
    println!(
        "  decode_entry v2 / v1      {decode_v2:9.1} ns / {decode_v1:.1} ns   difference {:.1} ns",
        decode_v2 - decode_v1
    );
    let with = append + encode;
    println!(
        "  memory append + encode    {with:9.1} ns   ({:.0} appends/s; {:.0} appends/s without the crc, {:.2} % slower)",
        1e9 / with,
        1e9 / (with - crc),
        100.0 * crc / (with - crc)
    );
}

fn main() {
    println!("entry checksum cost, {} ms per figure, native release build", RUN.as_millis());
    report("one text cell (storage benchmark entry)", &one_cell(42));
    report("100-number batch", &batch(42));
}
