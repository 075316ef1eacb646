// A/B of the demo's layer import (issue 9): two or more production builds of the demo served side
// by side and a CSV file imported through each one's file input in turn, each time in a fresh
// browser context (empty storage), for several rounds, in headless Chromium; raw IndexedDB puts
// of incompressible 64 KiB records in the same page before each import (the physical limit).
// Compare the builds within a round: absolute times on a shared machine drift.
// Usage: node www/bench/import-ab.mjs FILE.csv ROUNDS DIST_A DIST_B ... (a DIST is a copy of
// www/dist after `bash scripts/build-pkg.sh pkg && (cd www && npx vite build)` at some commit).
// Prints figures; asserts nothing.
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";
import { rawPuts } from "./common.js";

const [file, roundsArg, ...dists] = process.argv.slice(2);
if (!file || !(Number(roundsArg) > 0) || dists.length === 0) throw new Error("usage: import-ab.mjs FILE.csv ROUNDS DIST ...");
const PORT = 4201;
const servers = dists.map((dist, i) =>
  spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", String(PORT + i), "--strictPort", "--outDir", dist], {
    cwd: new URL("..", import.meta.url).pathname,
    detached: true,
    stdio: "ignore",
  }),
);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update"],
});
try {
  for (let i = 0; i < dists.length; i++) {
    for (let tries = 0; ; tries++) {
      try {
        if ((await fetch(`http://127.0.0.1:${PORT + i}/`)).ok) break;
      } catch {
        if (tries > 200) throw new Error(`vite preview of ${dists[i]} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  for (let round = 0; round < Number(roundsArg); round++) {
    const line = [];
    for (let i = 0; i < dists.length; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${PORT + i}/`);
      await page.evaluate(() => window.sheetlogReady);
      const raw = await page.evaluate(rawPuts);
      const t0 = Date.now();
      await page.setInputFiles('[data-testid="import-csv"]', file);
      // The demo reports "Imported NAME: R rows (C cells) in S s" once the import's entry landed.
      const message = await page.waitForFunction(
        () => /Imported [^\n]*\(([\d,]+) cells?\)|Import of [^\n]* failed[^\n]*/.exec(document.body.innerText)?.[0],
        null,
        { timeout: 1_200_000, polling: 20 },
      );
      const ms = Date.now() - t0;
      const cells = Number(/\(([\d,]+) cells?\)/.exec(await message.jsonValue())?.[1].replaceAll(",", "") ?? NaN);
      line.push(`${dists[i]} ${ms} ms = ${Math.round(cells / (ms / 1000))} cells/s (raw puts ${raw.toFixed(1)} MB/s)`);
      await context.close();
    }
    console.log(`round ${round}: ${line.join("; ")}`);
  }
} finally {
  await browser.close();
  for (const server of servers) process.kill(-server.pid, "SIGTERM");
}
