// A/B of the demo's page reload to a ready viewport (issue 9's "reopen ≤ 100 ms"): two or more
// production builds of the demo served side by side; in each, in a fresh browser context, a CSV
// file is imported through the file input and the page is then reloaded RELOADS times, each
// timed from the navigation's start to a ready viewport at the top with A1 loaded, split by the
// demo's performance marks (`reloadToReady` in demo-server.mjs). Builds take turns within a
// round, starting with the next one each round; compare them within a run, as absolute times
// on a shared machine drift.
// Usage: node www/bench/reload-ab.mjs [--cpu-profile] [--no-sw] [--settle=MS] FILE.csv ROUNDS RELOADS DIST_A DIST_B ... (a
// DIST is a copy of www/dist after `bash scripts/build-pkg.sh pkg && (cd www && npx vite build)`
// at some commit). With --cpu-profile, one more reload per build and round runs under V8's
// profiler (untimed) and its self times are printed: where the main thread's time goes; for a
// DIST built with SHEETLOG_APP_SOURCEMAP=1 (classic-app.ts), also by package and file. With
// --no-sw the contexts block service workers (the scripts then come from the HTTP cache, with
// V8's code cache, which Chromium does not use for the module scripts a service worker serves).
// With --settle=MS each reload is followed by MS of the page's own life before the next one (a
// user who reloads after working a moment: what the page keeps a second after its first viewport,
// such as the sheet's open hint, is then kept). Prints figures; asserts nothing.
import { sourceMapsIn, summarizeProfile, timeBySource } from "./cpu-profile.mjs";
import { importedCells, launchChromium, reloadToReady, serveDemo } from "./demo-server.mjs";

const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const profiling = flags.includes("--cpu-profile");
const noServiceWorker = flags.includes("--no-sw");
const settleMs = Number(flags.find((f) => f.startsWith("--settle="))?.slice("--settle=".length) ?? 0);
const [file, roundsArg, reloadsArg, ...dists] = args;
if (!file || !(Number(roundsArg) > 0) || !(Number(reloadsArg) > 0) || dists.length === 0) {
  throw new Error("usage: reload-ab.mjs FILE.csv ROUNDS RELOADS DIST ...");
}
const servers = await Promise.all(dists.map((dist, i) => serveDemo(4301 + i, dist)));
const browser = await launchChromium();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (values) => values.map((v) => (Number.isNaN(v) ? "-" : v.toFixed(0))).join("/");
const all = dists.map(() => []);
const shown = dists.map(() => []);
const painted = dists.map(() => []);
try {
  for (let round = 0; round < Number(roundsArg); round++) {
    // The builds' order turns each round: the one that follows a closed context was seen slower
    // by up to 20 ms at the entry on a slow machine (stop 37), whatever the build.
    for (let k = 0; k < dists.length; k++) {
      const i = (k + round) % dists.length;
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        serviceWorkers: noServiceWorker ? "block" : "allow",
      });
      const page = await context.newPage();
      await page.goto(servers[i].url);
      await page.evaluate(() => window.sheetlogReady);
      await page.setInputFiles('[data-testid="import-csv"]', file);
      await importedCells(page);
      const reloads = [];
      if (settleMs > 0) await page.waitForTimeout(settleMs);
      for (let r = 0; r < Number(reloadsArg); r++) {
        reloads.push(await reloadToReady(page));
        if (settleMs > 0) await page.waitForTimeout(settleMs);
      }
      all[i].push(...reloads.map((r) => r.ready));
      shown[i].push(...reloads.map((r) => r.shown).filter((v) => !Number.isNaN(v)));
      painted[i].push(...reloads.map((r) => r.painted).filter((v) => !Number.isNaN(v)));
      if (profiling) {
        const cdp = await page.context().newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
        await cdp.send("Profiler.start");
        const profiled = await reloadToReady(page);
        const { profile } = await cdp.send("Profiler.stop");
        console.log(`round ${round} ${dists[i]}, profiled reload (ready at ${profiled.ready.toFixed(0)} ms):`);
        for (const line of summarizeProfile(profile, 15)) console.log(`  ${line}`);
        for (const line of timeBySource(profile, sourceMapsIn(dists[i]))) console.log(`  ${line}`);
      }
      console.log(
        `round ${round} ${dists[i]}: painted ${ms(reloads.map((r) => r.painted))} ms (median ${median(reloads.map((r) => r.painted)).toFixed(0)}), ` +
          `shown ${ms(reloads.map((r) => r.shown))} ms (median ${median(reloads.map((r) => r.shown)).toFixed(0)}), ` +
          `ready ${ms(reloads.map((r) => r.ready))} ms (median ${median(reloads.map((r) => r.ready)).toFixed(0)}); ` +
          `entry runs ${ms(reloads.map((r) => r.module))}, app's code ${ms(reloads.map((r) => r.app))}, ` +
          `wasm ${ms(reloads.map((r) => r.wasm))}, open() ${ms(reloads.map((r) => r.open))}, data ready ${ms(reloads.map((r) => r.firstReady))}, App has it ${ms(reloads.map((r) => r.opened))}`,
      );
      await context.close();
    }
  }
  for (let i = 0; i < dists.length; i++) {
    const marked =
      (painted[i].length === 0 ? "no painted marks (an older build)" : `median painted ${median(painted[i]).toFixed(0)} ms over ${painted[i].length}`) +
      "; " +
      (shown[i].length === 0 ? "no shown marks (an older build)" : `median shown ${median(shown[i]).toFixed(0)} ms over ${shown[i].length}`);
    console.log(`${dists[i]}: ${marked}; median ready ${median(all[i]).toFixed(0)} ms over ${all[i].length} reloads (min ${Math.min(...all[i]).toFixed(0)}, max ${Math.max(...all[i]).toFixed(0)})`);
  }
} finally {
  await browser.close();
  for (const server of servers) server.stop();
}
