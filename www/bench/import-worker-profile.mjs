// Where the time of the demo's layer import goes in its worker (issue 9): serves a production
// build of the demo (DIST; build the package with SHEETLOG_WASM_BUILD=profiling so that Rust
// functions keep their names), attaches to the demo's worker through the Chrome DevTools
// Protocol (a target session of the page's), imports FILE through the file input under V8's
// sampling profiler in that worker, and prints the rate and the self time by function
// (cpu-profile.mjs); the profile is written to OUT (Chrome DevTools opens it).
// Usage: node www/bench/import-worker-profile.mjs FILE.csv DIST OUT.cpuprofile
// (scripts/bench-import-worker-profile.sh builds and runs it). Prints figures; asserts nothing.
import { writeFileSync } from "node:fs";
import { summarizeProfile } from "./cpu-profile.mjs";
import { importedCells, launchChromium, serveDemo } from "./demo-server.mjs";

const [file, dist, out] = process.argv.slice(2);
if (!file || !dist || !out) throw new Error("usage: import-worker-profile.mjs FILE.csv DIST OUT.cpuprofile");
const server = await serveDemo(4211, dist);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  // The worker's session is a child of the page's (not flattened): commands and replies travel
  // inside Target.sendMessageToTarget / Target.receivedMessageFromTarget.
  const workers = [];
  const replies = new Map();
  let nextId = 1;
  cdp.on("Target.attachedToTarget", (event) => {
    if (event.targetInfo.type === "worker") workers.push(event.sessionId);
  });
  cdp.on("Target.receivedMessageFromTarget", (event) => {
    const message = JSON.parse(event.message);
    replies.get(message.id)?.(message);
    replies.delete(message.id);
  });
  const send = (sessionId, method, params = {}) =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      void cdp.send("Target.sendMessageToTarget", { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await page.goto(server.url);
  await page.evaluate(() => window.sheetlogReady);
  for (let i = 0; workers.length === 0 && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
  const worker = workers.at(-1);
  if (worker === undefined) throw new Error("the demo started no worker");
  await send(worker, "Profiler.enable");
  await send(worker, "Profiler.setSamplingInterval", { interval: 200 });
  await send(worker, "Profiler.start");
  const t0 = Date.now();
  await page.setInputFiles('[data-testid="import-csv"]', file);
  const cells = await importedCells(page);
  const ms = Date.now() - t0;
  const stopped = await send(worker, "Profiler.stop");
  console.log(`${cells} cells in ${ms} ms through the file input (profiled): ${Math.round(cells / (ms / 1000))} cells/s`);
  writeFileSync(out, JSON.stringify(stopped.result.profile));
  console.log(summarizeProfile(stopped.result.profile, 30).join("\n"));
  console.log(`profile written to ${out}`);
} finally {
  await browser.close();
  server.stop();
}
