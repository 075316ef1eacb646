// Engine benchmark (issue 3): writes N cells through SpreadsheetData (IndexedDB, worker
// snapshots, interval 1000), acknowledging each, then opens a fresh SpreadsheetData with a
// 40 x 15 viewport and measures open-to-ready, snapshot workflow times, wasm memory and
// getCellValue throughput. Protocol with bench/run.mjs: console output is forwarded; sets
// window.__benchError on failure and window.__benchDone at the end.
import { runBenchmark, waitFor } from "./common.js";
const SIZES = (new URLSearchParams(location.search).get("sizes") ?? "1000,10000,100000").split(",").map(Number);
const COLUMNS = 10;
const VIEWPORT = { rowMinOffset: 0, columnMinOffset: 0, width: 15 * 100, height: 40 * 30 };

async function run() {
  const { default: init, SpreadsheetData } = await import("../bench-pkg/index.js");
  const wasm = await init();
  const mib = () => (wasm.memory.buffer.byteLength / 1048576).toFixed(1);
  console.log("N | write s | edits/s | snapshots | snapshot workflow ms (mean / max) | open-to-ready ms | reads/s | wasm MiB");
  const rows = [];
  for (const n of SIZES) {
    const name = `bench-engine-${n}-${Date.now()}`;
    const writer = await SpreadsheetData.open({ name, snapshotInterval: 1000 });
    const workflowTimes = [];
    let started;
    writer.subscribe(() => {
      const info = writer.getLogInfo(writer.getSnapshot());
      if (info.workflow === "snapshot" && started === undefined) started = performance.now();
      if (info.workflow === undefined && started !== undefined) {
        workflowTimes.push(performance.now() - started);
        started = undefined;
      }
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const row = Math.floor(i / COLUMNS);
      const col = i % COLUMNS;
      await writer.setCellValueAndFormat(row, col, row + col, undefined);
    }
    const writeMs = performance.now() - t0;
    await waitFor(writer, (s) => writer.getLogInfo(s).workflow === undefined);
    writer.close();

    const t1 = performance.now();
    const reader = await SpreadsheetData.open({ name, viewport: VIEWPORT });
    const ready = await waitFor(reader, (s) => reader.getLoadStatus(s).state !== "loading");
    const openMs = performance.now() - t1;
    const status = reader.getLoadStatus(ready);
    if (status.state !== "ready") throw status.error;
    // Check a few values, then measure reads over the 40 x 15 viewport.
    for (const [r, c] of [[0, 0], [39, 9], [Math.floor((n - 1) / COLUMNS), (n - 1) % COLUMNS]]) {
      if (r < 40 && reader.getCellValue(ready, r, c) !== r + c) throw new Error(`wrong value at ${r},${c}`);
    }
    const reads = 3_000_000;
    let sum = 0;
    const t2 = performance.now();
    for (let i = 0; i < reads; i++) {
      const v = reader.getCellValue(ready, i % 40, i % 15);
      if (typeof v === "number") sum += v;
    }
    const readMs = performance.now() - t2;
    if (sum === 0) throw new Error("no values read");
    reader.close();
    const mean = workflowTimes.length ? workflowTimes.reduce((a, b) => a + b, 0) / workflowTimes.length : 0;
    const max = workflowTimes.length ? Math.max(...workflowTimes) : 0;
    const row = [n, (writeMs / 1000).toFixed(1), Math.round(n / (writeMs / 1000)), workflowTimes.length,
      `${mean.toFixed(0)} / ${max.toFixed(0)}`, openMs.toFixed(0), Math.round(reads / (readMs / 1000)), mib()];
    rows.push({ n, writeMs, openMs });
    console.log(row.join(" | "));
  }
  const byN = Object.fromEntries(rows.map((r) => [r.n, r]));
  if (byN[10000] && byN[100000]) console.log(`write time ratio 100k/10k: ${(byN[100000].writeMs / byN[10000].writeMs).toFixed(2)} (target <= 12)`);
  if (byN[1000] && byN[100000]) console.log(`open-to-ready ratio 100k/1k: ${(byN[100000].openMs / byN[1000].openMs).toFixed(2)} (target <= 2)`);
}

await runBenchmark(run);
