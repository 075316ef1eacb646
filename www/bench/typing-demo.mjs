// Typing benchmark of the demo (issue 14): time from a key press to the typed value visible, then
// durable. Serves the production build with `vite preview`, drives Debian's Chromium (headless,
// playwright-core) at 1440x900 with the keyboard: a cell is clicked, "12345" typed and Enter
// pressed. In the page, keydown listeners note the time of the first key ("1", which opens the
// editor) and of Enter; an animation-frame loop notes the first frame in which `getSnapshot()`
// holds 12345 in the cell (timed when that frame's callbacks run, just before the grid draws it) and a MutationObserver the moment the
// status bar counts no pending write again (the log entry committed). Baseline in the same run:
// `setCellValueAndFormat(row, col, 12345)` called by the page itself, timed to the same frame and
// to its promise resolving (durable). Prints every trial's figures, then median and range.
// Usage (after `vite build`): node bench/typing-demo.mjs [trials=20] [--zipcodes]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, serveDemo } from "./demo-server.mjs";

const www = join(dirname(fileURLToPath(import.meta.url)), "..");
const TRIALS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20);
const ZIPCODES = process.argv.includes("--zipcodes");
const MARKER = 56;
const server = await serveDemo(4192);
const browser = await launchChromium();

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `median ${median.toFixed(1)} ms, range ${s[0].toFixed(1)}–${s[s.length - 1].toFixed(1)} ms`;
};

try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url);
  await page.waitForFunction(() => window.sheetlog?.getLoadStatus(window.sheetlog.getSnapshot()).state === "ready", null, { timeout: 30_000 });
  if (ZIPCODES) {
    const csv = readFileSync(join(www, "node_modules/vega-datasets/data/zipcodes.csv"), "utf8");
    await page.evaluate((text) => window.sheetlog.importCsv(new Blob([text]), { onError: "rollback" }), csv);
    await page.waitForFunction(() => window.sheetlog.getLogInfo(window.sheetlog.getSnapshot()).workflow === undefined, null, { timeout: 120_000 });
  }
  await page.waitForSelector('[data-testid="status"][data-pending-edits="0"]');
  await page.evaluate(() => {
    const t = (window.__typing = { first: undefined, enter: undefined });
    window.addEventListener("keydown", (e) => {
      if (!e.isTrusted) return;
      if (e.key === "1" && t.first === undefined) t.first = performance.now();
      if (e.key === "Enter") t.enter = performance.now();
    }, { capture: true });
  });
  const box = await page.locator('[data-testid="grid"]').boundingBox();
  const rows = { fromFirst: [], fromEnter: [], durableFromEnter: [], direct: [], directDurable: [] };
  console.log(`# ${TRIALS} trials, ${ZIPCODES ? "zipcodes.csv loaded" : "empty sheet"}, Chromium ${browser.version()} headless, 1440x900`);
  console.log("trial | first key → shown | Enter → shown | Enter → durable | API call → shown | API call → durable (ms)");
  for (let trial = 0; trial < TRIALS; trial++) {
    // Columns H to M are empty in both the fresh sheet and zipcodes (A:F): typed into H, J, L
    // (every other row of the first 20, so that no click lands on the cell Enter selected), the
    // baseline written into the column right of it.
    const row = (trial % 10) * 2;
    const TYPED = 7 + 2 * Math.floor(trial / 10);
    const DIRECT = TYPED + 1;
    await page.mouse.click(box.x + MARKER + TYPED * 100 + 50, box.y + 36 + row * 30 + 15);
    await page.waitForFunction(() => document.querySelector('[data-testid="data-grid-canvas"]')?.contains(document.activeElement) === true);
    // Watch from now: frames for the value, the status bar for durability.
    const watch = page.evaluate(([r, c]) => new Promise((resolve) => {
      const d = window.sheetlog;
      const status = document.querySelector('[data-testid="status"]');
      const out = {};
      let sawPending = false;
      const observer = new MutationObserver(() => {
        const n = status.getAttribute("data-pending-edits");
        if (n !== "0") sawPending = true;
        else if (sawPending && out.durable === undefined) {
          out.durable = performance.now();
          if (out.shown !== undefined) { observer.disconnect(); resolve(out); }
        }
      });
      observer.observe(status, { attributes: true, attributeFilter: ["data-pending-edits"] });
      const frame = () => {
        if (d.getCellValue(d.getSnapshot(), r, c) === 12345) {
          out.shown = performance.now();
          if (out.durable !== undefined) { observer.disconnect(); resolve(out); }
          return;
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      window.__typing.first = undefined;
      window.__typing.enter = undefined;
    }), [row, TYPED]);
    await page.waitForTimeout(50);
    await page.keyboard.type("12345");
    await page.keyboard.press("Enter");
    const seen = await watch;
    const keys = await page.evaluate(() => window.__typing);
    // Baseline: the same value written by the page through the API.
    const direct = await page.evaluate(([r, c]) => new Promise((resolve) => {
      const d = window.sheetlog;
      const out = {};
      const t0 = performance.now();
      const done = () => out.shown !== undefined && out.durable !== undefined && resolve({ shown: out.shown - t0, durable: out.durable - t0 });
      const frame = () => {
        if (d.getCellValue(d.getSnapshot(), r, c) === 12345) { out.shown = performance.now(); done(); return; }
        requestAnimationFrame(frame);
      };
      d.setCellValueAndFormat(r, c, 12345, undefined).then(() => { out.durable = performance.now(); done(); });
      requestAnimationFrame(frame);
    }), [row, DIRECT]);
    const fromFirst = seen.shown - keys.first;
    const fromEnter = seen.shown - keys.enter;
    const durableFromEnter = seen.durable - keys.enter;
    rows.fromFirst.push(fromFirst);
    rows.fromEnter.push(fromEnter);
    rows.durableFromEnter.push(durableFromEnter);
    rows.direct.push(direct.shown);
    rows.directDurable.push(direct.durable);
    console.log([trial, fromFirst, fromEnter, durableFromEnter, direct.shown, direct.durable].map((x, i) => (i === 0 ? x : x.toFixed(1))).join(" | "));
    await page.waitForSelector('[data-testid="status"][data-pending-edits="0"]');
  }
  console.log(`typed "12345" + Enter: first key → shown: ${stats(rows.fromFirst)}`);
  console.log(`typed "12345" + Enter: Enter → shown: ${stats(rows.fromEnter)}`);
  console.log(`typed "12345" + Enter: Enter → durable: ${stats(rows.durableFromEnter)}`);
  console.log(`baseline setCellValueAndFormat: call → shown: ${stats(rows.direct)}`);
  console.log(`baseline setCellValueAndFormat: call → durable: ${stats(rows.directDurable)}`);
} finally {
  await browser.close();
  server.stop();
}
