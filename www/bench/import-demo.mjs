// Import benchmark of the demo (issue 4): zipcodes.csv through `importCsv` in the demo page,
// then the time to the first screen after a reload, and the IndexedDB bytes used. Serves the
// production build with `vite preview` and drives Debian's Chromium with playwright-core.
// Usage: node www/bench/import-demo.mjs (after `vite build`; scripts/bench-import.sh does both).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, serveDemo } from "./demo-server.mjs";

const www = join(dirname(fileURLToPath(import.meta.url)), "..");
const csv = readFileSync(join(www, "node_modules/vega-datasets/data/zipcodes.csv"), "utf8");
const server = await serveDemo(4191);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(server.url);
  await page.waitForFunction(() => window.sheetlog !== undefined, null, { timeout: 30_000 });
  const result = await page.evaluate(async (text) => {
    const t0 = performance.now();
    const r = await window.sheetlog.importCsv(new Blob([text]), { onError: "rollback" });
    return { ms: performance.now() - t0, cells: r.cells, rows: r.rows, entries: r.entries };
  }, csv);
  console.log(`import: ${result.rows} rows, ${result.cells} cells, ${result.entries} entries in ${result.ms.toFixed(0)} ms = ${Math.round(result.cells / (result.ms / 1000))} cells/s (target >= 200000)`);
  await page.waitForFunction(() => window.sheetlog.getLogInfo(window.sheetlog.getSnapshot()).workflow === undefined, null, { timeout: 120_000 });
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    await page.reload();
    await page.waitForFunction(() => {
      const d = window.sheetlog;
      return d !== undefined && d.getLoadStatus(d.getSnapshot()).state === "ready" && d.getCellValue(d.getSnapshot(), 1, 1) !== undefined;
    }, null, { timeout: 30_000, polling: 5 });
    times.push(Date.now() - t0);
  }
  console.log(`first screen after reload (navigation to a ready viewport with values), 5 reloads: ${times.join(", ")} ms; median ${times.sort((a, b) => a - b)[2]} ms`);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
  console.log(`storage used by the origin (IndexedDB, service worker cache): ${(usage / 1048576).toFixed(1)} MiB (the CSV file is ${(csv.length / 1048576).toFixed(1)} MiB)`);
} finally {
  await browser.close();
  server.stop();
}
