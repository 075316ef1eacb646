//! What row heights and column widths cost (issue 14 item 6): offset lookups with many resized
//! runs, natively.
//!
//! Run: `cargo run --release --example item_offsets`. Prints figures; asserts nothing.
//!
//! For tables of 0, 1,000, 100,000 and 1,000,000 resized runs (every other row of a sheet
//! resized, each run one row, so no two merge), times per call:
//! - `ItemSizes::offset` (where a row starts) and `ItemSizes::item_at` (the row at a pixel) at
//!   pseudo-random rows spread over the whole table: `O(log n)` in the runs;
//! - `ItemSizes::with` (one resize, as a `SetItemSizes` entry applies it): `O(n)`, it copies the
//!   table;
//! - next to them, the naive alternative measured in the same run: summing a list of every row's
//!   height up to the row (what a grid without prefix sums does), at the same rows.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sheetlog::model::SizeRun;
use sheetlog::snapshot::{ItemSizes, SizedRun};

/// Each figure runs for at least this long.
const RUN: Duration = Duration::from_millis(400);

/// Nanoseconds per call of `f` over the indexes `0..`, cycling.
fn per_call(mut f: impl FnMut(u64) -> f64) -> f64 {
    let (mut calls, started) = (0u64, Instant::now());
    let mut sink = 0.0;
    while started.elapsed() < RUN {
        for _ in 0..256 {
            sink += f(calls);
            calls += 1;
        }
    }
    black_box(sink);
    started.elapsed().as_nanos() as f64 / calls as f64
}

/// A pseudo-random row of `0..rows` for call `i` (a multiplicative hash).
fn spread(i: u64, rows: u64) -> u64 {
    i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % rows.max(1)
}

fn main() {
    println!("runs        offset ns   item_at ns   one resize µs   naive sum ns (same rows)");
    for runs in [0u64, 1_000, 100_000, 1_000_000] {
        let rows = (runs * 2).max(1_000);
        let mut heights = vec![30u32; rows as usize];
        let mut built: Vec<SizeRun> = Vec::new();
        for r in 0..runs {
            let size = 31 + (r % 50) as u32;
            heights[(2 * r) as usize] = size;
            built.push(SizeRun { start: 2 * r, count: 1, size: Some(size) });
        }
        // Applied one `with` at a time this would take O(n^2); the runs are sorted and apart.
        let sized =
            built.iter().map(|r| SizedRun { start: r.start, end: r.end(), size: r.size.unwrap_or(30) }).collect();
        let sizes = ItemSizes::from_runs(sized).expect("runs in normal form");
        assert_eq!(sizes.runs().len() as u64, runs);
        let total: f64 = heights.iter().map(|h| f64::from(*h)).sum();
        let offset = per_call(|i| sizes.offset(spread(i, rows), 30));
        let item_at = per_call(|i| sizes.item_at((spread(i, rows) as f64 / rows as f64) * total, 30).1);
        let resize = {
            let started = Instant::now();
            let mut n = 0u32;
            while started.elapsed() < RUN {
                black_box(sizes.with(SizeRun { start: 1 + 2 * u64::from(n % 100), count: 1, size: Some(77) }));
                n += 1;
            }
            started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        };
        let naive = per_call(|i| heights[..spread(i, rows) as usize].iter().map(|h| f64::from(*h)).sum());
        println!("{runs:>9} {offset:>11.1} {item_at:>12.1} {resize:>15.1} {naive:>18.1}");
    }
}
