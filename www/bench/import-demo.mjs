// Import benchmark of the demo (issue 4): zipcodes.csv through `importCsv` in the demo page,
// then the time to the first screen after a reload, and the IndexedDB bytes used. Serves the
// production build with `vite preview` and drives Debian's Chromium with playwright-core.
// Usage: node www/bench/import-demo.mjs (after `vite build`; scripts/bench-import.sh does both).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const www = join(dirname(fileURLToPath(import.meta.url)), "..");
const csv = readFileSync(join(www, "node_modules/vega-datasets/data/zipcodes.csv"), "utf8");
const PORT = 4191;
const server = spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", String(PORT), "--strictPort"], {
  cwd: www,
  detached: true,
  stdio: "ignore",
});
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) break;
    } catch {
      if (i > 100) throw new Error("vite preview did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${PORT}/`);
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
  process.kill(-server.pid, "SIGTERM");
}
