// End-to-end tests of the demo (issue 4), run by `node --test` from scripts/test.sh against a
// production build served by `vite preview`. Playwright (playwright-core) drives Debian's
// Chromium; nothing downloads a browser. Real data: vega-datasets' zipcodes.csv.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { wholeSheet } from "./common.mjs";
import Papa from "papaparse";

const www = join(dirname(fileURLToPath(import.meta.url)), "..");
// The package exports only its JS entry, so the data file is addressed by path.
const ZIPCODES = join(www, "node_modules/vega-datasets/data/zipcodes.csv");
/** CSV text to rows of fields, with a well-kept parser independent of the Rust importer. */
const parse = (text) => Papa.parse(text.replace(/\r?\n$/, ""), { skipEmptyLines: false }).data;
const zipRows = parse(readFileSync(ZIPCODES, "utf8"));
const PORT = Number(process.env.E2E_PORT ?? 4179);
const BASE = `http://127.0.0.1:${PORT}/`;
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let server;
let browser;

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(BASE);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`vite preview did not start on ${BASE}`);
}

before(async () => {
  // A process group of its own, so that `after` stops vite and not only npx.
  server = spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", String(PORT), "--strictPort"], {
    cwd: www,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  server.stderr.on("data", (d) => process.stderr.write(`[vite] ${d}`));
  await waitForServer();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
});

after(async () => {
  await browser?.close();
  if (server?.pid) process.kill(-server.pid, "SIGTERM");
});

/** A fresh browser context (its own IndexedDB) with a page on the demo, first sheet open. */
async function openDemo(context) {
  const ctx = context ?? (await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  const page = await ctx.newPage();
  page.on("pageerror", (e) => process.stderr.write(`[pageerror] ${e.stack ?? e}\n`));
  await page.goto(BASE);
  await page.waitForFunction(() => window.sheetlog !== undefined, null, { timeout: 20_000 });
  await waitReady(page);
  return { ctx, page };
}

async function waitReady(page) {
  await page.waitForFunction(() => {
    const d = window.sheetlog;
    return d && d.getLoadStatus(d.getSnapshot()).state === "ready";
  }, null, { timeout: 30_000 });
}

const cell = (page, row, col) =>
  page.evaluate(([r, c]) => window.sheetlog.getCellValue(window.sheetlog.getSnapshot(), r, c), [row, col]);

/** The value the importer should produce for a CSV field (numbers, booleans, else text). */
function expected(field) {
  if (field === "") return undefined;
  if (/^(true|false)$/i.test(field)) return field.toLowerCase() === "true";
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(field) || /^-?0?\.\d+([eE][-+]?\d+)?$/.test(field)) return Number(field);
  return field;
}

async function importFile(page, path) {
  await page.setInputFiles('[data-testid="import-csv"]', path);
}

/** Waits until the sheet has `rows` rows, no import runs and every edit is durable. */
async function waitImported(page, rows) {
  await page.waitForFunction((n) => {
    const d = window.sheetlog;
    const status = document.querySelector('[data-testid="status"]');
    return d.getRowCount(d.getSnapshot()) >= n
      && document.querySelector('[data-testid="import-progress"]') === null
      && status?.getAttribute("data-pending-edits") === "0";
  }, rows, { timeout: 120_000 });
}

async function waitDurable(page) {
  await page.waitForSelector('[data-testid="status"][data-pending-edits="0"]', { timeout: 30_000 });
}

test("import zipcodes.csv, check top, middle and last rows, reload reads them from IndexedDB", async () => {
  const { ctx, page } = await openDemo();
  await importFile(page, ZIPCODES);
  await waitImported(page, zipRows.length);
  const check = async () => {
    for (const r of [0, 1, Math.floor(zipRows.length / 2), zipRows.length - 1]) {
      for (let c = 0; c < zipRows[r].length; c++) {
        assert.deepEqual(await cell(page, r, c), expected(zipRows[r][c]), `row ${r} col ${c}`);
      }
    }
  };
  await wholeSheet(page);
  await check();
  await page.reload();
  await page.waitForFunction(() => window.sheetlog !== undefined);
  await wholeSheet(page);
  assert.equal(await page.evaluate(() => window.sheetlog.getRowCount(window.sheetlog.getSnapshot())), zipRows.length);
  await check();
  await ctx.close();
});

test("edit a cell through the grid, reload, the edit is there", async () => {
  const { ctx, page } = await openDemo();
  const grid = page.locator('[data-testid="grid"]');
  const box = await grid.boundingBox();
  // Row markers take the left edge; click the cell in column B, row 3.
  await page.mouse.click(box.x + 80 + 100 + 50, box.y + 36 + 2 * 30 + 15);
  await page.keyboard.type("12.5");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => {
    const d = window.sheetlog;
    const s = d.getSnapshot();
    for (let r = 0; r < 6; r++) for (let c = 0; c < 4; c++) if (d.getCellValue(s, r, c) === 12.5) return true;
    return false;
  }, null, { timeout: 10_000 });
  await waitDurable(page);
  const where = await page.evaluate(() => {
    const d = window.sheetlog;
    const s = d.getSnapshot();
    for (let r = 0; r < 6; r++) for (let c = 0; c < 4; c++) if (d.getCellValue(s, r, c) === 12.5) return [r, c];
    return null;
  });
  await page.reload();
  await page.waitForFunction(() => window.sheetlog !== undefined);
  await waitReady(page);
  assert.equal(await cell(page, where[0], where[1]), 12.5);
  await ctx.close();
});

test("two tabs on one sheet: an edit in one appears in the other", async () => {
  const { ctx, page: a } = await openDemo();
  const { page: b } = await openDemo(ctx);
  const started = Date.now();
  await a.evaluate(() => window.sheetlog.setCellValueAndFormat(7, 3, "from tab a", undefined));
  await b.waitForFunction(() => window.sheetlog.getCellValue(window.sheetlog.getSnapshot(), 7, 3) === "from tab a", null, {
    timeout: 10_000,
  });
  console.log(`# edit seen in the other tab after ${Date.now() - started} ms`);
  await ctx.close();
});

test("export the sheet and compare it with the imported file cell by cell", async () => {
  const { ctx, page } = await openDemo();
  await importFile(page, ZIPCODES);
  await waitImported(page, zipRows.length);
  const exported = await page.evaluate(() => window.sheetlog.exportCsv(window.sheetlog.getSnapshot()));
  const back = parse(exported);
  assert.equal(back.length, zipRows.length);
  for (let r = 0; r < zipRows.length; r++) {
    for (let c = 0; c < zipRows[r].length; c++) {
      const want = expected(zipRows[r][c]);
      const got = expected(back[r][c]);
      if (got !== want) assert.fail(`row ${r} col ${c}: exported ${JSON.stringify(back[r][c])}, imported ${JSON.stringify(zipRows[r][c])}`);
    }
  }
  await ctx.close();
});

test("a malformed CSV shows its line number and, with rollback, leaves the sheet unchanged", async () => {
  const { ctx, page } = await openDemo();
  const dir = mkdtempSync(join(tmpdir(), "sheetlog-e2e-"));
  const bad = join(dir, "ragged.csv");
  writeFileSync(bad, "a,b,c\n1,2,3\n4,5\n6,7,8\n");
  const before = await page.evaluate(() => window.sheetlog.getLogInfo(window.sheetlog.getSnapshot()).sequenceId.toString());
  const error = await page.evaluate(async (text) => {
    try {
      await window.sheetlog.importCsv(new Blob([text]), { onError: "rollback" });
      return null;
    } catch (e) {
      return { name: e.name, message: e.message, line: e.line };
    }
  }, readFileSync(bad, "utf8"));
  assert.equal(error?.name, "ValidationError");
  assert.equal(error?.line, 3);
  const afterSeq = await page.evaluate(() => window.sheetlog.getLogInfo(window.sheetlog.getSnapshot()).sequenceId.toString());
  assert.equal(afterSeq, before, "rollback stored nothing");
  // Through the UI a short row is padded with empty cells, with a notice (spreadsheet.test.mjs);
  // an unclosed quote is refused with its line number shown.
  const unclosed = join(dir, "unclosed.csv");
  writeFileSync(unclosed, 'a,b,c\n1,2,3\n4,"5,6\n');
  await importFile(page, unclosed);
  await page.waitForFunction(() => /line 3/i.test(document.body.innerText), null, { timeout: 10_000 });
  const afterUi = await page.evaluate(() => window.sheetlog.getLogInfo(window.sheetlog.getSnapshot()).sequenceId.toString());
  assert.equal(afterUi, before, "the refused file stored nothing");
  await ctx.close();
});

test("offline: after one visit the page loads, opens the sheet from IndexedDB and stores edits", async () => {
  const { ctx, page } = await openDemo();
  await page.evaluate(() => window.sheetlog.setCellValueAndFormat(0, 0, "before offline", undefined));
  await waitDurable(page);
  // Wait until the service worker controls the page (it caches the shell, the wasm, the worker).
  await page.waitForFunction(async () => {
    const reg = await navigator.serviceWorker?.ready;
    return Boolean(reg?.active) && navigator.serviceWorker.controller !== null;
  }, null, { timeout: 30_000 }).catch(async () => {
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  });
  await ctx.setOffline(true);
  await page.reload();
  await page.waitForFunction(() => window.sheetlog !== undefined, null, { timeout: 20_000 });
  await waitReady(page);
  assert.equal(await cell(page, 0, 0), "before offline");
  await page.evaluate(() => window.sheetlog.setCellValueAndFormat(0, 1, "while offline", undefined));
  await waitDurable(page);
  await page.reload();
  await page.waitForFunction(() => window.sheetlog !== undefined, null, { timeout: 20_000 });
  await waitReady(page);
  assert.equal(await cell(page, 0, 1), "while offline");
  await ctx.setOffline(false);
  await ctx.close();
});

test("insert and delete rows and columns on the grid's selection", async () => {
  const { ctx, page } = await openDemo();
  for (const [r, c, v] of [[0, 0, "A1"], [1, 0, "A2"], [1, 1, "B2"], [2, 2, "C3"]]) {
    await page.evaluate(([r, c, v]) => window.sheetlog.setCellValueAndFormat(r, c, v, undefined), [r, c, v]);
  }
  // Select B2 (row 1, column 1) by clicking it, then insert a row above it.
  const box = await page.locator('[data-testid="grid"]').boundingBox();
  const clickCell = (row, col) => page.mouse.click(box.x + 80 + col * 100 + 50, box.y + 36 + row * 30 + 15);
  await clickCell(1, 1);
  await page.click('[data-testid="insert-rows"]');
  await page.waitForFunction(() => window.sheetlog.getCellValue(window.sheetlog.getSnapshot(), 2, 1) === "B2");
  assert.equal(await cell(page, 1, 1), undefined, "the new row is empty");
  assert.equal(await cell(page, 0, 0), "A1", "rows above stay");
  assert.equal(await cell(page, 3, 2), "C3", "rows below move down");
  // Delete column A with the selection in it.
  await clickCell(0, 0);
  await page.click('[data-testid="delete-columns"]');
  await page.waitForFunction(() => window.sheetlog.getCellValue(window.sheetlog.getSnapshot(), 2, 0) === "B2");
  assert.equal(await cell(page, 3, 1), "C3");
  await waitDurable(page);
  await page.reload();
  await page.waitForFunction(() => window.sheetlog !== undefined);
  await waitReady(page);
  assert.deepEqual([await cell(page, 2, 0), await cell(page, 3, 1), await cell(page, 0, 0)], ["B2", "C3", undefined]);
  await ctx.close();
});
