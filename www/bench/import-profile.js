// Where the time of a CSV import as a snapshot layer goes (issue 9, item 1): the file
// `?file=NAME` (served from www/bench-data/, put there by scripts/bench-import-profile.sh) is
// imported with `importCsv(blob, { mode: "layer" })` into a fresh sheet opened with
// `worker: false`, so the import runs in this page's thread (the worker runs the same code) where
// bench/run.mjs --cpu-profile samples it. Prints cells/s, IndexedDB bytes written per second and,
// in the same page just before, raw IndexedDB puts of incompressible 64 KiB records, 16 per
// transaction (the physical limit). Protocol with bench/run.mjs: console output is forwarded;
// sets window.__benchError on failure and window.__benchDone at the end.
import { rawPuts, runBenchmark } from "./common.js";

const FILE = new URLSearchParams(location.search).get("file") ?? "flights.csv";

runBenchmark(async () => {
  const { default: init, SpreadsheetData } = await import("../bench-pkg/index.js");
  await init();
  const blob = await (await fetch(`../bench-data/${FILE}`)).blob();
  const raw = await rawPuts();
  const data = await SpreadsheetData.open({ name: `import-profile-${Date.now()}`, worker: false });
  const before = (await navigator.storage.estimate()).usage;
  await window.__benchProfile?.("start");
  const t0 = performance.now();
  const result = await data.importCsv(blob, { mode: "layer", onError: "rollback" });
  const seconds = (performance.now() - t0) / 1000;
  await window.__benchProfile?.("stop");
  const written = (await navigator.storage.estimate()).usage - before;
  const rate = written / 1e6 / seconds;
  console.log(`${FILE} (${(blob.size / 1e6).toFixed(1)} MB) in this page's thread${window.__benchProfile ? ", profiled" : ""}: ` +
    `${result.rows} rows, ${result.cells} cells in ${seconds.toFixed(1)} s = ${Math.round(result.cells / seconds)} cells/s; ` +
    `IndexedDB written ${(written / 1e6).toFixed(1)} MB at ${rate.toFixed(1)} MB/s; raw 64 KiB puts in the same page ` +
    `${raw.toFixed(1)} MB/s (ratio ${(rate / raw).toFixed(2)})`);
  data.close();
});
