// Whether Chromium gives V8's code cache to a script that a service worker precached and serves,
// as a classic script and as a module script (BENCHMARKS.md, stop 34: why the demo's app code is
// a classic script, www/classic-app.ts). Writes a page, a 730 KB script of plain functions (in
// both forms) and a service worker that precaches them at install into a temporary directory,
// serves it, loads each page in a fresh headless Chromium context, reloads it 4 times, traces a
// 5th reload and prints V8's compile events for the script: `consumedCacheSize` when the code
// cache was used, `v8.parseOnBackground` (a parse from scratch) when not. With --no-sw the
// contexts block service workers. Prints figures; asserts nothing.
// Usage: node www/bench/sw-code-cache.mjs [--no-sw]
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const noServiceWorker = process.argv.includes("--no-sw");
const dir = mkdtempSync(join(tmpdir(), "sw-code-cache-"));
let body = "";
for (let i = 0; i < 6000; i++) {
  body += `function f${i}(a,b){let s=0;for(let k=0;k<a;k++){s+=k*${i}+b;if(s>1e9)s-=1e9;}return {v:s,name:"f${i}",list:[a,b,${i}]};}\n`;
}
body += "performance.mark('big:done');\n";
writeFileSync(join(dir, "big.js"), body);
writeFileSync(join(dir, "big.mjs"), `${body}export const done = true;\n`);
const page = (tag) =>
  `<!doctype html><html><head><script>navigator.serviceWorker?.register('/sw.js');</script>${tag}</head><body></body></html>`;
writeFileSync(join(dir, "classic.html"), page('<script src="/big.js"></script>'));
writeFileSync(join(dir, "module.html"), page('<script type="module" src="/big.mjs"></script>'));
writeFileSync(
  join(dir, "sw.js"),
  `self.addEventListener("install", (e) => { self.skipWaiting(); e.waitUntil(caches.open("v1").then((c) => c.addAll(["/classic.html", "/module.html", "/big.js", "/big.mjs"]))); });
self.addEventListener("activate", (e) => e.waitUntil(clients.claim()));
self.addEventListener("fetch", (e) => e.respondWith(caches.match(e.request).then((r) => r || fetch(e.request))));
`,
);

const types = { html: "text/html", js: "text/javascript", mjs: "text/javascript" };
const server = createServer((request, response) => {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  try {
    const bytes = readFileSync(join(dir, path));
    response.writeHead(200, { "content-type": types[path.split(".").pop() ?? ""] ?? "application/octet-stream" });
    response.end(bytes);
  } catch {
    response.writeHead(404);
    response.end();
  }
});
await new Promise((resolve) => server.listen(4331, "127.0.0.1", resolve));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  for (const kind of ["classic", "module"]) {
    const context = await browser.newContext({ serviceWorkers: noServiceWorker ? "block" : "allow" });
    const tab = await context.newPage();
    await tab.goto(`http://127.0.0.1:4331/${kind}.html`);
    if (!noServiceWorker) await tab.evaluate(() => navigator.serviceWorker.ready);
    for (let i = 0; i < 4; i++) {
      await tab.reload();
      await tab.waitForFunction(() => performance.getEntriesByName("big:done").length > 0);
    }
    await browser.startTracing(tab, { categories: ["v8", "devtools.timeline", "disabled-by-default-devtools.timeline"] });
    await tab.reload();
    await tab.waitForFunction(() => performance.getEntriesByName("big:done").length > 0);
    const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
    const controlled = await tab.evaluate(() => navigator.serviceWorker?.controller != null);
    const compiles = events
      .filter((e) => /big\.m?js/.test(JSON.stringify(e.args ?? {})) && /^v8\.(compile|compileModule|parseOnBackground)$/.test(e.name))
      .map((e) => {
        const data = e.args?.data ?? {};
        const cache = data.consumedCacheSize === undefined ? "no code cache" : `code cache ${data.consumedCacheSize} bytes`;
        return `${e.name} ${((e.dur ?? 0) / 1000).toFixed(1)} ms (${cache})`;
      });
    console.log(`${kind} script, ${controlled ? "served by the service worker" : "no service worker"}: ${compiles.join("; ")}`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
