// A/B of the demo's layer import (issue 9): two or more production builds of the demo served side
// by side and a CSV file imported through each one's file input in turn, each time in a fresh
// browser context (empty storage), for several rounds, in headless Chromium; raw IndexedDB puts
// of incompressible 64 KiB records in the same page before each import (the physical limit), and
// after it, the import's own records (keys and sizes) put again raw with the import's batching
// (`rawImportPuts`: the floor of its writes, with no parsing or encoding).
// Compare the builds within a round: absolute times on a shared machine drift.
// Usage: node www/bench/import-ab.mjs FILE.csv ROUNDS DIST_A DIST_B ... (a DIST is a copy of
// www/dist after `bash scripts/build-pkg.sh pkg && (cd www && npx vite build)` at some commit).
// Prints figures; asserts nothing.
import { rawImportPuts, rawPuts } from "./common.js";
import { importedCells, launchChromium, serveDemo } from "./demo-server.mjs";

const [file, roundsArg, ...dists] = process.argv.slice(2);
if (!file || !(Number(roundsArg) > 0) || dists.length === 0) throw new Error("usage: import-ab.mjs FILE.csv ROUNDS DIST ...");
const servers = await Promise.all(dists.map((dist, i) => serveDemo(4201 + i, dist)));
const browser = await launchChromium();
try {
  for (let round = 0; round < Number(roundsArg); round++) {
    const line = [];
    for (let i = 0; i < dists.length; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(servers[i].url);
      await page.evaluate(() => window.sheetlogReady);
      const raw = await page.evaluate(rawPuts);
      const t0 = Date.now();
      await page.setInputFiles('[data-testid="import-csv"]', file);
      const cells = await importedCells(page);
      const ms = Date.now() - t0;
      const same = await page.evaluate(rawImportPuts);
      line.push(
        `${dists[i]} ${ms} ms = ${Math.round(cells / (ms / 1000))} cells/s (raw puts ${raw.toFixed(1)} MB/s; ` +
          `its ${same.records} records, ${(same.bytes / 1e6).toFixed(1)} MB, put raw in ${same.ms.toFixed(0)} ms)`,
      );
      await context.close();
    }
    console.log(`round ${round}: ${line.join("; ")}`);
  }
} finally {
  await browser.close();
  for (const server of servers) server.stop();
}
