// The demo's page reload next to its floor (issue 9's "reopen to a ready viewport ≤ 100 ms"):
// the floor page (bench/floor: React and Glide Data Grid with static cells, the demo's service
// worker settings, nothing of sheetlog) and the demo take turns, each in a fresh browser context
// reloaded RELOADS times per round. The demo's reload is timed as in reload-ab.mjs, after
// importing FILE once: from the navigation's start to the frame that paints its grid's first
// loaded cells (the page's own mark, `painted`: the end of the reload for its user), to React's
// commit of the grid with the ready viewport (`shown`, before Glide draws the cells), and to a
// poll's seeing the sheet ready with A1 loaded (`ready`, which also counts the harness's wait for
// the load event); the floor's from the navigation's start to the frame that paints its grid's
// first cells (`painted`) and to its grid mounted (its own marks). The floor is what the demo's
// reload cannot go below on this machine with this stack; the difference is what the demo
// (sheetlog and the demo's own code) adds. With --no-sw both contexts block service workers (scripts then come
// from the HTTP cache, with V8's code cache). With --busy, each context also makes one more reload
// under Chromium's tracing (untimed, not in the medians): its main thread's busy time from the
// navigation's start to the paint, in tasks and in frames (main-thread.mjs), and the rest idle.
// Usage: node www/bench/reload-floor.mjs [--no-sw] [--busy] [--settle=MS] FILE.csv ROUNDS RELOADS
//   DEMO_DIST FLOOR_DIST
// (DEMO_DIST: a copy of www/dist after `bash scripts/build-pkg.sh pkg && (cd www && npx vite
// build)`; FLOOR_DIST: `(cd www && FLOOR_OUT=DIR npx vite build --config
// bench/floor/vite.config.mjs)`). Prints figures; asserts nothing.
import { importedCells, launchChromium, reloadToReady, serveDemo } from "./demo-server.mjs";
import { mainThreadUse, TRACE_CATEGORIES } from "./main-thread.mjs";

const flags = process.argv.slice(2).filter((a) => a.startsWith("--"));
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const noServiceWorker = flags.includes("--no-sw");
const busy = flags.includes("--busy");
// --settle=MS: MS of each page's life after each reload, both pages alike (see reload-ab.mjs).
const settleMs = Number(flags.find((f) => f.startsWith("--settle="))?.slice("--settle=".length) ?? 0);
const settle = (page) => (settleMs > 0 ? page.waitForTimeout(settleMs) : undefined);
const [file, roundsArg, reloadsArg, demoDist, floorDist] = args;
if (!file || !(Number(roundsArg) > 0) || !(Number(reloadsArg) > 0) || !demoDist || !floorDist) {
  throw new Error("usage: reload-floor.mjs [--no-sw] [--busy] [--settle=MS] FILE.csv ROUNDS RELOADS DEMO_DIST FLOOR_DIST");
}
const [demo, floor] = await Promise.all([serveDemo(4311, demoDist), serveDemo(4312, floorDist)]);
const browser = await launchChromium();
const contextOptions = { viewport: { width: 1280, height: 800 }, serviceWorkers: noServiceWorker ? "block" : "allow" };
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (values) => values.map((v) => (Number.isNaN(v) ? "-" : v.toFixed(0))).join("/");

/** Reloads the floor page; ms since the navigation's start of its marks and of its grid mounted. */
async function reloadFloor(page) {
  await page.reload();
  return page.evaluate(async () => {
    await window.floorReady;
    const at = (name) => performance.getEntriesByName(`floor:${name}`)[0]?.startTime ?? NaN;
    // The frame that paints the grid's first cells comes a moment after its mount.
    for (let i = 0; i < 300 && performance.getEntriesByName("floor:painted").length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1));
    }
    return { module: at("module"), app: at("app"), ready: at("ready"), painted: at("painted") };
  });
}

/**
 * Waits until the page's service worker is active (unless they are blocked), reloads once with
 * `reload` (untimed: the first load it controls) and checks that it controls the page.
 */
async function controlled(page, reload) {
  if (!noServiceWorker) await page.evaluate(() => navigator.serviceWorker.ready);
  await reload(page);
  if (noServiceWorker) return;
  if (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    throw new Error(`no service worker controls ${page.url()}`);
  }
}

/** The main thread's use (mainThreadUse) in one more reload by `reload`, traced, up to `mark`. */
async function tracedReload(page, reload, mark, phases) {
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  // The tracing is stopped whatever the reload did; a failed reload then throws.
  const failure = await reload(page).then(() => undefined, (error) => ({ error }));
  const trace = await browser.stopTracing();
  if (failure !== undefined) throw failure.error;
  return mainThreadUse(trace, mark, phases);
}

/** A traced reload's figures: to the paint, busy (in frames), idle, the longest task, phases. */
function describeUse(use) {
  const f = (v) => v.toFixed(0);
  const phases = use.phases.map((p) => `${p.name.replace(/^.*:/, "")} at ${f(p.at)} (busy ${f(p.busy)})`).join(", ");
  return `to the paint ${f(use.toMark)} ms, main thread busy ${f(use.busy)} (in frames ${f(use.frames)}), ` +
    `idle ${f(use.toMark - use.busy)}, longest task ${f(use.longest)}; by the page's marks: ${phases}`;
}

const floorUse = [];
const demoUse = [];
const demoReady = [];
const demoShown = [];
const floorReady = [];
const demoPainted = [];
const floorPainted = [];
try {
  for (let round = 0; round < Number(roundsArg); round++) {
    {
      const context = await browser.newContext(contextOptions);
      const page = await context.newPage();
      await page.goto(floor.url);
      await page.evaluate(() => window.floorReady);
      await controlled(page, reloadFloor);
      const reloads = [];
      await settle(page);
      for (let r = 0; r < Number(reloadsArg); r++) {
        reloads.push(await reloadFloor(page));
        await settle(page);
      }
      if (busy) {
        floorUse.push(await tracedReload(page, reloadFloor, "floor:painted", ["floor:module", "floor:app", "floor:ready"]));
        console.log(`round ${round} floor, traced: ${describeUse(floorUse.at(-1))}`);
        await settle(page);
      }
      floorReady.push(...reloads.map((r) => r.ready));
      floorPainted.push(...reloads.map((r) => r.painted).filter((v) => !Number.isNaN(v)));
      console.log(
        `round ${round} floor: grid mounted ${ms(reloads.map((r) => r.ready))} ms (median ${median(reloads.map((r) => r.ready)).toFixed(0)}), ` +
          `painted ${ms(reloads.map((r) => r.painted))} ms (median ${median(reloads.map((r) => r.painted)).toFixed(0)}); ` +
          `entry runs ${ms(reloads.map((r) => r.module))}, grid's code ${ms(reloads.map((r) => r.app))}`,
      );
      await context.close();
    }
    {
      const context = await browser.newContext(contextOptions);
      const page = await context.newPage();
      await page.goto(demo.url);
      await page.evaluate(() => window.sheetlogReady);
      await page.setInputFiles('[data-testid="import-csv"]', file);
      await importedCells(page);
      await controlled(page, reloadToReady);
      const reloads = [];
      await settle(page);
      for (let r = 0; r < Number(reloadsArg); r++) {
        reloads.push(await reloadToReady(page));
        await settle(page);
      }
      if (busy) {
        const marks = ["module", "wasm", "first-ready", "app", "shown"].map((m) => `sheetlog:${m}`);
        demoUse.push(await tracedReload(page, reloadToReady, "sheetlog:painted", marks));
        console.log(`round ${round} demo, traced: ${describeUse(demoUse.at(-1))}`);
        await settle(page);
      }
      demoReady.push(...reloads.map((r) => r.ready));
      demoShown.push(...reloads.map((r) => r.shown).filter((v) => !Number.isNaN(v)));
      demoPainted.push(...reloads.map((r) => r.painted).filter((v) => !Number.isNaN(v)));
      console.log(
        `round ${round} demo: painted ${ms(reloads.map((r) => r.painted))} ms (median ${median(reloads.map((r) => r.painted)).toFixed(0)}), ` +
          `shown ${ms(reloads.map((r) => r.shown))} ms (median ${median(reloads.map((r) => r.shown)).toFixed(0)}), ` +
          `ready ${ms(reloads.map((r) => r.ready))} ms (median ${median(reloads.map((r) => r.ready)).toFixed(0)}); ` +
          `entry runs ${ms(reloads.map((r) => r.module))}, app's code ${ms(reloads.map((r) => r.app))}, ` +
          `open() ${ms(reloads.map((r) => r.open))}, data ready ${ms(reloads.map((r) => r.firstReady))}`,
      );
      await context.close();
    }
  }
  const summary = (name, values) =>
    `${name}: median ${median(values).toFixed(0)} ms over ${values.length} reloads (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)})`;
  console.log(summary("floor (grid mounted)", floorReady));
  // The frames that paint each grid's first cells: the end of each reload for its user.
  if (floorPainted.length > 0 && demoPainted.length > 0) {
    console.log(summary("floor (first cells painted)", floorPainted));
    console.log(summary("demo (first loaded cells painted, its own mark)", demoPainted));
    console.log(`demo painted / floor painted, medians: ${(median(demoPainted) / median(floorPainted)).toFixed(2)}`);
  }
  // Both the page's own marks: the floor's grid mounted, the demo's grid committed its ready viewport.
  if (demoShown.length > 0) {
    console.log(summary("demo (grid shows the ready viewport, its own mark)", demoShown));
    console.log(`demo shown / floor, medians: ${(median(demoShown) / median(floorReady)).toFixed(2)}`);
  }
  if (busy) {
    const medians = (uses) => {
      const m = (pick) => median(uses.map(pick)).toFixed(1);
      return `to the paint ${m((u) => u.toMark)} ms, busy ${m((u) => u.busy)} (frames ${m((u) => u.frames)}), idle ${m((u) => u.toMark - u.busy)}`;
    };
    console.log(`traced reloads, medians: floor ${medians(floorUse)}; demo ${medians(demoUse)}`);
  }
  console.log(summary("demo (polled: sheet ready, A1 loaded)", demoReady));
  console.log(`demo polled / floor, medians: ${(median(demoReady) / median(floorReady)).toFixed(2)}`);
} finally {
  await browser.close();
  demo.stop();
  floor.stop();
}
