// Reads at the boundary (issue 9, item 6): getCellValue over a loaded 40 x 15 viewport of text
// and of numbers, next to the same values read from a plain JS array in the same run. The
// sheet is on IndexedDB (one entry, no snapshot), reopened with the viewport, and read once
// loaded. Protocol with bench/run.mjs: console output is forwarded; sets
// window.__benchError on failure and window.__benchDone at the end.
import { runBenchmark, waitFor } from "./common.js";
const ROWS = 40;
const COLS = 15;
const VIEWPORT = { rowMinOffset: 0, columnMinOffset: 0, width: COLS * 100, height: ROWS * 30 };
const READS = 3_000_000;
const ROUNDS = 3;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(SpreadsheetData, kind, make) {
  const name = `bench-reads-${kind}-${Date.now()}`;
  const values = Array.from({ length: ROWS }, (_, r) => Array.from({ length: COLS }, (_, c) => make(r, c)));
  const writer = await SpreadsheetData.open({ name, worker: false });
  await writer.setCellValuesAndFormats(0, 0, values);
  writer.close();
  const reader = await SpreadsheetData.open({ name, viewport: VIEWPORT, worker: false });
  const ready = await waitFor(reader, (s) => reader.getLoadStatus(s).state !== "loading");
  if (reader.getLoadStatus(ready).state !== "ready") throw reader.getLoadStatus(ready).error;
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      if (reader.getCellValue(ready, r, c) !== values[r][c]) throw new Error(`wrong value at ${r},${c}`);
    }
  }
  const plain = values.map((row) => row.slice());
  for (let round = 0; round < ROUNDS; round++) {
    let check = 0;
    let t = performance.now();
    for (let i = 0; i < READS; i++) {
      const v = plain[i % ROWS][i % COLS];
      check += typeof v === "string" ? v.length : v;
    }
    const arrayMs = performance.now() - t;
    let check2 = 0;
    t = performance.now();
    for (let i = 0; i < READS; i++) {
      const v = reader.getCellValue(ready, i % ROWS, i % COLS);
      check2 += typeof v === "string" ? v.length : v;
    }
    const sheetMs = performance.now() - t;
    if (check !== check2) throw new Error(`reads disagree: ${check} vs ${check2}`);
    const row = {
      kind,
      round,
      arrayPerS: READS / (arrayMs / 1000),
      sheetPerS: READS / (sheetMs / 1000),
    };
    row.ratio = row.sheetPerS / row.arrayPerS;
    console.log(
      `${kind} | ${round} | ${(row.arrayPerS / 1e6).toFixed(1)} M/s | ${(row.sheetPerS / 1e6).toFixed(2)} M/s | 1/${(1 / row.ratio).toFixed(1)}`,
    );
    measure.rows.push(row);
  }
  reader.close();
}
measure.rows = [];

async function run() {
  const { default: init, SpreadsheetData } = await import("../bench-pkg/index.js");
  await init();
  console.log(`getCellValue over a loaded ${ROWS} x ${COLS} viewport, ${READS} reads per round, next to a plain JS array`);
  console.log("values | round | plain array | getCellValue | getCellValue / array");
  await measure(SpreadsheetData, "text", (r, c) => `${["Boston", "Chicago", "Denver"][(r + c) % 3]} ${r}-${c}`);
  await measure(SpreadsheetData, "numbers", (r, c) => r * 1000 + c + 0.5);
  for (const kind of ["text", "numbers"]) {
    const ratios = measure.rows.filter((r) => r.kind === kind).map((r) => r.ratio);
    console.log(`${kind}: median getCellValue / array 1/${(1 / median(ratios)).toFixed(1)} (target >= 1/30)`);
  }
}

await runBenchmark(run);
