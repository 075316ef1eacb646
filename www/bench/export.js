// CSV export of a large sheet (issue 9, item 4): `exportCsv` (one string) against `exportCsvBlob`
// (streamed stripe by stripe into a Blob), on a sheet of ROWS x 10 cells on IndexedDB, snapshotted
// and reopened with a small viewport (so the export reads the tiles). For each: the time, the
// throughput, and the longest the main thread was held: the largest gap between ticks of a
// `setTimeout(0)` loop running beside the export (what a page's rendering and input would wait).
// Protocol with bench/run.mjs: console output is forwarded; sets window.__benchError on failure
// and window.__benchDone at the end.
import { runBenchmark, waitFor } from "./common.js";
const params = new URLSearchParams(location.search);
const ROWS = Number(params.get("rows") ?? 200_000);
// `blobFirst=1`: each round runs the streamed export before the string export, so that the
// first streamed export runs before any 24 MB string was made (a garbage collection of it cannot
// fall inside).
const BLOB_FIRST = params.get("blobFirst") === "1";
// `blobOnly=1`: no string export at all, so that no 24 MB string is collected during a streamed
// export; the sizes are then checked against round 0's Blob.
const BLOB_ONLY = params.get("blobOnly") === "1";
// `worker=1`: the reader is opened with its worker (the package's default), which then runs the
// streamed export (src/api/worker_export.rs); otherwise `worker: false` and the page runs it.
const WORKER = params.get("worker") === "1";
// `profileRound=N`: with bench/run.mjs --cpu-profile, round N's streamed export is profiled (0).
const PROFILE_ROUND = Number(params.get("profileRound") ?? 0);
// `gapMs=N`: holds longer than N ms are listed with when they ended (40).
const GAP_MS = Number(params.get("gapMs") ?? 40);
// `pkg=DIR`: the package from DIR instead of ../bench-pkg (an A/B of two builds).
const PKG = params.get("pkg") ?? "../bench-pkg";
const COLS = 10;
const BATCH_ROWS = 50_000;

/** Runs `work` while a setTimeout(0) loop ticks; returns [result, ms, longest gap between ticks]. */
async function timed(work) {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const t0 = performance.now();
  const tick = () => {
    // A tick of this loop that fires after the work ended (it was queued before a synchronous
    // export) belongs to no measurement.
    if (!running) return;
    const now = performance.now();
    if (now - last > GAP_MS) timed.gaps.push(`${(now - last).toFixed(0)} ms ending at ${(now - t0).toFixed(0)} ms`);
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const t = performance.now();
  const result = await work();
  const ms = performance.now() - t;
  if (performance.now() - last > GAP_MS) timed.gaps.push(`${(performance.now() - last).toFixed(0)} ms at the end`);
  // The stretch from the last tick to the end counts too (a synchronous tail of the work).
  longest = Math.max(longest, performance.now() - last);
  running = false;
  return [result, ms, longest];
}

timed.gaps = [];

async function run() {
  const { default: init, SpreadsheetData } = await import(`${PKG}/index.js`);
  await init();
  const name = `bench-export-${Date.now()}`;
  const writer = await SpreadsheetData.open({ name, worker: false });
  for (let start = 0; start < ROWS; start += BATCH_ROWS) {
    const rows = Array.from({ length: Math.min(BATCH_ROWS, ROWS - start) }, (_, i) =>
      Array.from({ length: COLS }, (_, c) => (c % 2 === 0 ? (start + i) * 10 + c + 0.25 : `text ${start + i}-${c}`)),
    );
    await writer.setCellValuesAndFormats(start, 0, rows);
  }
  // Until a snapshot exists and no workflow runs. A snapshot is made on an entry and reflects the
  // entries before it, so the last batch (500,000 cells) stays in the log's tail, as after a
  // user's large paste: the reader holds it in its edit layer, and its entry is the latest
  // snapshot's.
  await waitFor(writer, (s) => writer.getLogInfo(s).snapshotSequenceId !== undefined && writer.getLogInfo(s).workflow === undefined);
  writer.close();
  const reader = await SpreadsheetData.open({ name, worker: WORKER, viewport: { rowMinOffset: 0, columnMinOffset: 0, width: 1000, height: 600 } });
  const ready = await waitFor(reader, (s) => reader.getLoadStatus(s).state === "ready");
  console.log(`export of ${ROWS} x ${COLS} cells from IndexedDB (tiles not loaded), Chromium headless`);
  console.log("round | exportCsv ms | MB/s | longest main-thread hold ms | exportCsvBlob ms | MB/s | longest hold ms | parts");
  if (BLOB_FIRST) console.log("(the streamed export first in each round)");
  if (BLOB_ONLY) console.log("(the streamed export alone)");
  console.log(WORKER ? "(the reader has its worker: the streamed export runs there)" : "(the reader has no worker: everything runs in the page)");
  for (let round = 0; round < 3; round++) {
    const stringExport = () => timed(() => reader.exportCsv(ready));
    let [text, stringMs, stringHold] = BLOB_FIRST || BLOB_ONLY ? [] : await stringExport();
    timed.gaps = [];
    let parts = 0;
    const partMs = [];
    let partStart = performance.now();
    if (round === PROFILE_ROUND) await window.__benchProfile?.("start");
    const [blob, blobMs, blobHold] = await timed(() =>
      reader.exportCsvBlob(ready, undefined, undefined, () => {
        parts++;
        partMs.push(performance.now() - partStart);
        partStart = performance.now();
      }),
    );
    if (round === PROFILE_ROUND) await window.__benchProfile?.("stop");
    partMs.sort((a, b) => a - b);
    const tail = performance.now() - partStart;
    console.log(`  blob: holds over ${GAP_MS} ms: ${timed.gaps.join("; ") || "none"}; from the last part to the Blob ${tail.toFixed(0)} ms`);
    timed.gaps = [];
    if (BLOB_FIRST) [text, stringMs, stringHold] = await stringExport();
    const expected = BLOB_ONLY ? (run.firstSize ??= blob.size) : new TextEncoder().encode(text).length;
    if (blob.size !== expected) throw new Error(`sizes differ: ${blob.size} vs ${expected}`);
    const mb = blob.size / 1e6;
    const string = BLOB_ONLY ? "- | - | -" : `${stringMs.toFixed(0)} | ${(mb / (stringMs / 1000)).toFixed(1)} | ${stringHold.toFixed(0)}`;
    console.log(
      `${round} | ${string} | ${blobMs.toFixed(0)} | ${(mb / (blobMs / 1000)).toFixed(1)} | ${blobHold.toFixed(0)} | ${parts} (median ${partMs[partMs.length >> 1].toFixed(0)} ms each, tile reads included)`,
    );
  }
  reader.close();
}

await runBenchmark(run);
