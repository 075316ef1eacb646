// Where the time of a CSV import as a snapshot layer goes (issue 9, item 1): the file
// `?file=NAME` (served from www/bench-data/, put there by scripts/bench-import-profile.sh) is
// imported with `importCsv(blob, { mode: "layer" })` into a fresh sheet opened with
// `worker: false`, so the import runs in this page's thread (the worker runs the same code) where
// bench/run.mjs --cpu-profile samples it. Prints cells/s, IndexedDB bytes written per second and,
// in the same page just before, raw IndexedDB puts of incompressible 64 KiB records, 16 per
// transaction (the physical limit). Protocol with bench/run.mjs: console output is forwarded;
// sets window.__benchError on failure and window.__benchDone at the end.
import { runBenchmark } from "./common.js";

const FILE = new URLSearchParams(location.search).get("file") ?? "flights.csv";

/** Raw IndexedDB: 512 puts of incompressible 64 KiB records, 16 per transaction; MB/s. */
async function rawPuts() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(`raw-${Math.random()}`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("s");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const records = Array.from({ length: 32 }, () => crypto.getRandomValues(new Uint8Array(65536)));
  const t0 = performance.now();
  for (let t = 0; t < 32; t++) {
    await new Promise((resolve, reject) => {
      const tx = db.transaction("s", "readwrite", { durability: "strict" });
      for (let i = 0; i < 16; i++) tx.objectStore("s").put(records[(t * 16 + i) % records.length], t * 16 + i);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return (512 * 65536) / 1e6 / seconds;
}

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
