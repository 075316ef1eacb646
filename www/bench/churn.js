// Churn benchmark (issue 10): 1,000,000 cell edits through batch writes of 100 cells into a
// 10,000-cell region of a sheet whose other 1,000,000 cells stay as they are, default options
// (IndexedDB, worker snapshots every 1000 entries). Every 100,000 edits: the sheet's stored
// bytes by kind and the log's length, and the origin's IndexedDB usage (compressed by the
// browser). At the end, the bytes of one snapshot of the final sheet (its latest index and the
// tiles it references, all written by the same encoder a fresh snapshot would use).
// Protocol with bench/run.mjs: console output is forwarded; window.__benchError / __benchDone.
import { runBenchmark } from "./common.js";
const params = new URLSearchParams(location.search);
const EDITS = Number(params.get("edits") ?? 1_000_000);
const STATIC_ROWS = 100_000; // x 10 columns = 1,000,000 static cells, columns A..J
const CHURN_ROWS = 1000; // x 10 columns = 10,000 cells, columns L..U
const now = () => performance.now();

function waitIdle(data) {
  return new Promise((resolve) => {
    const check = () => {
      const s = data.getSnapshot();
      if (data.getLogInfo(s).workflow === undefined && data.getLoadStatus(s).state !== "loading") {
        unsubscribe();
        resolve(s);
      }
    };
    const unsubscribe = data.subscribe(check);
    check();
  });
}

async function writeStatic(data) {
  for (let row = 0; row < STATIC_ROWS; row += 1000) {
    const values = Array.from({ length: 1000 }, (_, r) => Array.from({ length: 10 }, (_, c) => (row + r) * 10 + c));
    await data.setCellValuesAndFormats(row, 0, values);
  }
}

async function run() {
  const { default: init, SpreadsheetData, storageBreakdown } = await import("../bench-pkg/index.js");
  await init();
  const name = `bench-churn-${Date.now()}`;
  const data = await SpreadsheetData.open({ name, viewport: { rowMinOffset: 0, columnMinOffset: 0, width: 1500, height: 1200 } });
  const t0 = now();
  await writeStatic(data);
  await waitIdle(data);
  console.log(`static sheet: ${STATIC_ROWS * 10} cells written in ${((now() - t0) / 1000).toFixed(1)} s`);
  console.log("edits | log entries | log KiB | snapshot blobs | snapshot KiB | history blobs | history KiB | other KiB | IndexedDB usage KiB | s");
  const report = async (edits) => {
    await waitIdle(data);
    const b = JSON.parse(await storageBreakdown(name));
    const usage = (await navigator.storage.estimate()).usageDetails?.indexedDB ?? 0;
    const kib = (n) => (n / 1024).toFixed(0);
    console.log(`${edits} | ${b.logEntries} | ${kib(b.logBytes)} | ${b.snapshotBlobs} | ${kib(b.snapshotBytes)} | ${b.historyBlobs} | ${kib(b.historyBytes)} | ${kib(b.otherBytes)} | ${kib(usage)} | ${((now() - t0) / 1000).toFixed(1)}`);
    return b;
  };
  let last;
  let value = 0;
  for (let done = 0; done < EDITS; ) {
    // 100 batches of 100 cells issued together, each a 10 x 10 block of the churn region.
    const writes = [];
    for (let b = 0; b < 100 && done < EDITS; b++, done += 100) {
      const block = (done / 100) % 100;
      const row = Math.floor(block / 1) * 10 % CHURN_ROWS;
      const values = Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => ++value));
      writes.push(data.setCellValuesAndFormats(row, 11, values));
    }
    await Promise.all(writes);
    if (done % 100_000 === 0) last = await report(done);
  }
  data.close();
  const snapshot = last.latestSnapshotBytes;
  const bounded = last.snapshotBytes + last.logBytes + last.otherBytes;
  console.log(`one snapshot of the final sheet (its latest index and the tiles it references): ${(snapshot / 1024).toFixed(0)} KiB`);
  console.log(`storage after ${EDITS} edits without history: ${(bounded / 1024).toFixed(0)} KiB = ${(bounded / snapshot).toFixed(2)} x that snapshot (target <= 3); history blobs: ${(last.historyBytes / 1024).toFixed(0)} KiB`);
}

await runBenchmark(run);
