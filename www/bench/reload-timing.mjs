// Where a reload of the demo waits (issue 9's "reopen ≤ 100 ms"; BENCHMARKS.md stop 31): imports
// FILE through the file input in a fresh context of Debian's Chromium, then reloads the page
// RELOADS times and prints, per reload, in ms since the navigation's start: the demo's marks
// (entry, wasm, open(), data ready, App has it), every Web Lock request (asked -> granted), every
// IndexedDB open (called -> success), the sheet's worker (created, then each protocol message as
// the main thread handles it), and when each script, wasm and style arrived and from where
// (Resource Timing's deliveryType: "cache-storage" is the service worker's precache).
// With --no-sw the context blocks service workers (everything comes from the HTTP cache): what the
// service worker costs a reload. The wrappers cost microseconds; for the reload's own figures
// use reload-ab.mjs, which installs none.
// Usage: node www/bench/reload-timing.mjs [--no-sw] FILE.csv DIST [RELOADS=5] (a DIST is a copy of
// www/dist after `bash scripts/build-pkg.sh pkg && (cd www && npx vite build)`). Prints figures;
// asserts nothing.
import { importedCells, launchChromium, reloadToReady, serveDemo } from "./demo-server.mjs";

const args = process.argv.slice(2);
const noServiceWorker = args[0] === "--no-sw";
const [file, dist, reloads = "5"] = noServiceWorker ? args.slice(1) : args;
if (!file || !dist || !(Number(reloads) > 0)) throw new Error("usage: reload-timing.mjs [--no-sw] FILE.csv DIST [RELOADS]");

/** Runs in the page before its scripts: wraps the APIs whose timing is printed. */
function instrument() {
  const log = (window.__reloadTiming = []);
  const ms = () => performance.now().toFixed(0);
  const request = LockManager.prototype.request;
  LockManager.prototype.request = function (name, ...rest) {
    const asked = ms();
    const callback = rest[rest.length - 1];
    rest[rest.length - 1] = (lock) => {
      log.push(`lock ${name} ${asked}->${ms()}`);
      return callback(lock);
    };
    return request.call(this, name, ...rest);
  };
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...openArgs) {
    const called = ms();
    const opening = open.apply(this, openArgs);
    opening.addEventListener("success", () => log.push(`open ${openArgs[0]} ${called}->${ms()}`));
    return opening;
  };
  const databases = IDBFactory.prototype.databases;
  IDBFactory.prototype.databases = function () {
    const called = ms();
    const listing = databases.call(this);
    listing.then(() => log.push(`databases() ${called}->${ms()}`), () => {});
    return listing;
  };
  const NativeWorker = window.Worker;
  window.Worker = function (...workerArgs) {
    log.push(`worker created ${ms()}`);
    const worker = new NativeWorker(...workerArgs);
    worker.addEventListener("message", (event) => {
      if (typeof event.data?.type === "string" && event.data.type !== "alive") log.push(`worker ${event.data.type} ${ms()}`);
    });
    return worker;
  };
  window.Worker.prototype = NativeWorker.prototype;
}

const server = await serveDemo(4321, dist);
const browser = await launchChromium();
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    serviceWorkers: noServiceWorker ? "block" : "allow",
  });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  await page.goto(server.url);
  await page.evaluate(() => window.sheetlogReady);
  await page.setInputFiles('[data-testid="import-csv"]', file);
  await importedCells(page);
  for (let r = 0; r < Number(reloads); r++) {
    const t = await reloadToReady(page);
    const { log, resources } = await page.evaluate(() => ({
      log: window.__reloadTiming,
      resources: performance
        .getEntriesByType("resource")
        .filter((e) => /\.(js|wasm|css)$/.test(e.name))
        .map((e) => `${e.name.split("/").pop()} ${e.startTime.toFixed(0)}->${e.responseEnd.toFixed(0)} (${e.deliveryType || "network"})`),
    }));
    const at = (v) => (Number.isNaN(v) ? "-" : v.toFixed(0));
    console.log(
      `reload ${r}: entry ${at(t.module)}, wasm ${at(t.wasm)}, open() ${at(t.open)}, data ready ${at(t.firstReady)}, ` +
        `app's code ${at(t.app)}, App has it ${at(t.opened)}, ready ${at(t.ready)}`,
    );
    console.log(`  ${log.join("; ")}`);
    console.log(`  arrived: ${resources.join("; ")}`);
  }
} finally {
  await browser.close();
  server.stop();
}
