// Consumer tests of the packed package (issue 13), run by scripts/test-consumers.sh after it
// installed the `npm pack` tarball into this folder's node_modules. For each bundler the same app
// (src/, React through sheetlog/react) is built in production mode with no configuration beyond
// entry and output (esbuild and Rollup: the lines the package README shows), served, and driven
// in headless Chromium (playwright-core, /usr/bin/chromium): open a sheet, show A1 through the
// hook, edit it, see a snapshot written by the worker (snapshotInterval 10), reload and see the
// edit. Also: Vite's dev server, a plain <script type="module"> from the same and from another
// origin, Next.js (Turbopack) with its server rendering, a missing worker file, the hooks under
// StrictMode and unmount, the Glide adapter's clipboard, server rendering without wasm, and tsc
// --strict over every export.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { copyFileSync, createReadStream, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const require = createRequire(import.meta.url);
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
let browser;
const servers = [];
const timings = [];

before(async () => {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
});

after(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  for (const [name, ms] of timings) console.log(`# ${name}: ${(ms / 1000).toFixed(1)} s`);
});

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".json": "application/json" };

/** A static file server on `root` (port chosen by the system); `cors` adds Access-Control-Allow-Origin. */
function serve(root, { cors = false } = {}) {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      let file = join(root, path);
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
      if (!file.startsWith(root) || !existsSync(file)) {
        res.writeHead(404).end("not found");
        return;
      }
      const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream" };
      if (cors) headers["access-control-allow-origin"] = "*";
      res.writeHead(200, headers);
      createReadStream(file).pipe(res);
    });
    servers.push(server);
    server.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

async function timed(name, work) {
  const start = Date.now();
  try {
    return await work();
  } finally {
    timings.push([name, Date.now() - start]);
  }
}

/** The app's check in a fresh browser context: open, show, edit, snapshot by the worker, reload. */
async function checkApp(url, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Resource failures are checked by URL below (a missing favicon is fine).
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));
  try {
    await page.goto(url);
    await page.waitForSelector("#app, #error", { timeout: 30_000 });
    const error = await page.$("#error");
    assert.equal(error && (await error.textContent()), null, `${name}: the sheet opened`);
    await page.waitForFunction(() => window.consumerSheet !== undefined);
    await page.click("#edit");
    await page.waitForFunction(() => document.getElementById("cell")?.textContent === "1", null, { timeout: 10_000 });
    // Ten more entries: the worker writes a snapshot (snapshotInterval 10).
    await page.evaluate(async () => {
      for (let i = 0; i < 12; i++) await window.consumerSheet.setCellValueAndFormat(1, i, i);
    });
    await page.waitForFunction(() => document.getElementById("snapshot")?.textContent !== "none", null, { timeout: 30_000 });
    const workflowError = await page.evaluate(() => {
      const d = window.consumerSheet;
      const status = d.getLoadStatus(d.getSnapshot());
      return status.state === "error" ? status.error.message : null;
    });
    assert.equal(workflowError, null, `${name}: no storage or worker error`);
    await page.reload();
    await page.waitForFunction(() => document.getElementById("cell")?.textContent === "1", null, { timeout: 30_000 });
    assert.deepEqual(errors, [], `${name}: no page errors`);
  } finally {
    await context.close();
  }
}

function page(dir) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(here, "src", "index.html"), join(dir, "index.html"));
}

/** What the package README tells esbuild and Rollup users to copy: the wasm module. */
function copyWasm(dir) {
  copyFileSync(require.resolve("sheetlog/sheetlog_bg.wasm"), join(dir, "sheetlog_bg.wasm"));
}

test("Vite build", async () => {
  const { build } = await import("vite");
  const out = join(dist, "vite");
  await timed("vite build", () =>
    build({ root: join(here, "src"), configFile: false, logLevel: "warn", build: { outDir: out, emptyOutDir: true } }),
  );
  await timed("vite app in Chromium", async () => checkApp(`http://127.0.0.1:${await serve(out)}/`, "vite"));
});

test("Vite dev server", async () => {
  const { createServer: createVite } = await import("vite");
  // A fresh dependency pre-bundle every run: a cache left by an earlier tarball (a rerun in the
  // same checkout) made the dev page wait on a re-optimisation past the test's timeout.
  const server = await createVite({
    root: join(here, "src"),
    configFile: false,
    logLevel: "warn",
    server: { port: 0, host: "127.0.0.1" },
    optimizeDeps: { force: true },
  });
  await server.listen();
  try {
    const port = server.httpServer.address().port;
    await timed("vite dev app in Chromium", () => checkApp(`http://127.0.0.1:${port}/`, "vite dev"));
  } finally {
    await server.close();
  }
});

test("webpack 5", async () => {
  const webpack = (await import("webpack")).default;
  const out = join(dist, "webpack");
  const stats = await timed("webpack build", () =>
    new Promise((resolve, reject) =>
      webpack({ mode: "production", context: here, entry: "./src/main.js", output: { path: out, clean: true } }, (e, s) =>
        e ? reject(e) : resolve(s),
      ),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  page(out);
  await timed("webpack app in Chromium", async () => checkApp(`http://127.0.0.1:${await serve(out)}/`, "webpack"));
});

test("esbuild, with the README's worker entry and wasm copy", async () => {
  const esbuild = await import("esbuild");
  const out = join(dist, "esbuild");
  await timed("esbuild build", () =>
    esbuild.build({
      entryPoints: [{ in: join(here, "src/main.js"), out: "main" }, { in: "sheetlog/worker", out: "sheetlog-worker" }],
      bundle: true,
      format: "esm",
      minify: true,
      outdir: out,
      logLevel: "warning",
    }),
  );
  copyWasm(out);
  page(out);
  await timed("esbuild app in Chromium", async () => checkApp(`http://127.0.0.1:${await serve(out)}/`, "esbuild"));
});

test("Rollup, with the README's worker entry and wasm copy", async () => {
  const { rollup } = await import("rollup");
  const { nodeResolve } = await import("@rollup/plugin-node-resolve");
  const commonjs = (await import("@rollup/plugin-commonjs")).default;
  const replace = (await import("@rollup/plugin-replace")).default;
  const out = join(dist, "rollup");
  await timed("rollup build", async () => {
    const bundle = await rollup({
      input: { main: join(here, "src/main.js"), "sheetlog-worker": "sheetlog/worker" },
      // What any React app needs with Rollup; nothing here is for sheetlog.
      plugins: [nodeResolve({ browser: true }), commonjs(), replace({ preventAssignment: true, "process.env.NODE_ENV": '"production"' })],
      onwarn: () => {},
    });
    await bundle.write({ dir: out, format: "es", entryFileNames: "[name].js" });
    await bundle.close();
  });
  copyWasm(out);
  page(out);
  await timed("rollup app in Chromium", async () => checkApp(`http://127.0.0.1:${await serve(out)}/`, "rollup"));
});

test("plain <script type=module>, same origin and another origin", async () => {
  const port = await serve(here);
  await timed("plain same-origin app in Chromium", () => checkApp(`http://127.0.0.1:${port}/plain/`, "plain"));
  // The package from another origin (as from a CDN): its worker starts through a blob: module.
  const cdn = await serve(here, { cors: true });
  const from = encodeURIComponent(`http://127.0.0.1:${cdn}/node_modules/sheetlog/`);
  await timed("plain cross-origin app in Chromium", () =>
    checkApp(`http://localhost:${port}/plain/?from=${from}`, "plain from another origin"),
  );
});

test("a missing worker file shows in the load status with an error naming it", async () => {
  const port = await serve(here);
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`http://127.0.0.1:${port}/src/index.html`);
  const result = await tab.evaluate(async () => {
    const { default: init, SpreadsheetData, StorageError } = await import("/node_modules/sheetlog/index.js");
    await init();
    // open() does not wait for the worker: it starts about a second after the first viewport
    // is shown, and a file that cannot be loaded then turns the load status to "error".
    const data = await SpreadsheetData.open({ name: "missing-worker", workerUrl: "/no-such-dir/sheetlog-worker.js" });
    const status = () => data.getLoadStatus(data.getSnapshot());
    for (let i = 0; i < 500 && status().state !== "error"; i++) await new Promise((r) => setTimeout(r, 10));
    const { state, error } = status();
    await data.setCellValueAndFormat(0, 0, "kept");
    const kept = data.getCellValue(data.getSnapshot(), 0, 0);
    data.close();
    return { state, isStorageError: error instanceof StorageError, message: error?.message, kept };
  });
  assert.equal(result.state, "error", JSON.stringify(result));
  assert.equal(result.isStorageError, true, JSON.stringify(result));
  assert.match(result.message, /\/no-such-dir\/sheetlog-worker\.js/);
  assert.equal(result.kept, "kept", "edits are still stored");
  await context.close();
});

test("hooks: StrictMode opens once, storage info and undo follow the sheet, unmount closes it", async () => {
  const esbuild = await import("esbuild");
  const out = join(dist, "hooks");
  await esbuild.build({
    entryPoints: [{ in: join(here, "hooks/page.js"), out: "main" }, { in: "sheetlog/worker", out: "sheetlog-worker" }],
    bundle: true,
    format: "esm",
    minify: true,
    outdir: out,
    logLevel: "warning",
  });
  copyWasm(out);
  page(out);
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`http://127.0.0.1:${await serve(out)}/`);
  await tab.waitForSelector("#app", { timeout: 30_000 });
  assert.equal(await tab.evaluate(() => window.opens), 1, "StrictMode's double effects open the sheet once");
  const written = await tab.evaluate(async () => {
    await window.consumerSheet.setCellValueAndFormat(0, 0, 5);
    return document.getElementById("cell").textContent;
  });
  assert.equal(written, "5");
  // useStorageInfo follows the log: the entry just written is counted.
  await tab.waitForFunction(() => Number(document.getElementById("stored").textContent) >= 1, null, { timeout: 10_000 });
  // useUndo: the button is enabled by the write and undoes it.
  await tab.click("#undo:not([disabled])");
  await tab.waitForFunction(() => document.getElementById("cell").textContent === "", null, { timeout: 10_000 });
  // The step moves to the redo stack once the undo is durable: nothing is left to undo.
  await tab.waitForFunction(() => document.getElementById("undo").disabled, null, { timeout: 10_000 });
  await tab.click("#unmount");
  const afterUnmount = await tab.evaluate(async () => {
    await new Promise((r) => setTimeout(r, 50));
    try {
      await window.consumerSheet.setCellValueAndFormat(0, 0, 6);
      return "written";
    } catch (e) {
      return `${e.name} ${e.statusCode}`;
    }
  });
  assert.equal(afterUnmount, "StorageError 503", "unmount closed the sheet");
  await context.close();
});

test("Glide adapter: copy escapes every cell in the HTML, paste reads only text, cut clears once copied", async () => {
  const esbuild = await import("esbuild");
  const out = join(dist, "glide");
  await esbuild.build({
    entryPoints: [{ in: join(here, "glide/page.js"), out: "main" }],
    bundle: true,
    format: "esm",
    minify: true,
    outdir: out,
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  copyWasm(out);
  page(out);
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`http://127.0.0.1:${await serve(out)}/`);
  await tab.waitForSelector("#app canvas", { timeout: 30_000 });
  const sheet = (row, column) => tab.evaluate(([r, c]) => {
    const d = window.consumerSheet;
    return d.getCellValue(d.getSnapshot(), r, c) ?? null;
  }, [row, column]);
  // A clipboard event on the focused element, with a DataTransfer of its own (as the browser
  // hands one to a real copy or paste); returns what the handlers put into it.
  const clipboardEvent = (type, given = {}) => tab.evaluate(([t, g]) => {
    const transfer = new DataTransfer();
    for (const [format, text] of Object.entries(g)) transfer.setData(format, text);
    const event = new ClipboardEvent(t, { clipboardData: transfer, bubbles: true, cancelable: true });
    (document.activeElement ?? document.body).dispatchEvent(event);
    return { plain: transfer.getData("text/plain"), html: transfer.getData("text/html"), prevented: event.defaultPrevented };
  }, [type, given]);
  const box = await tab.locator("#app canvas").first().boundingBox();
  // Glide's default geometry: a 36 px header; the sheet's rows and columns from its mappings.
  const size = await tab.evaluate(() => {
    const d = window.consumerSheet;
    const v = d.getSnapshot();
    return { row: d.getRowItemOffsetMapping(v).itemSize(0), column: d.getColumnItemOffsetMapping(v).itemSize(0) };
  });
  const cell = (row, column) => ({ x: box.x + (column + 0.5) * size.column, y: box.y + 36 + (row + 0.5) * size.row });
  const click = async (row, column) => {
    const at = cell(row, column);
    await tab.mouse.click(at.x, at.y);
  };

  // Copy A1:B1: TSV as typed, and HTML with the markup escaped.
  await click(0, 0);
  await tab.keyboard.press("Shift+ArrowRight");
  const copied = await clipboardEvent("copy");
  assert.equal(copied.prevented, true, "the adapter handled the copy");
  assert.equal(copied.plain, "<img src=x onerror=window.pwned=1>\t42");
  assert.match(copied.html, /<td>&lt;img src=x onerror=window\.pwned=1&gt;<\/td><td>42<\/td>/);
  assert.doesNotMatch(copied.html, /<img/, "no cell text reaches the HTML as markup");

  // Paste into C3 of text and hostile HTML: the text is written (one entry), the HTML never parsed.
  await click(2, 2);
  const before = await tab.evaluate(() => window.consumerSheet.getLogInfo(window.consumerSheet.getSnapshot()).sequenceId);
  const pasted = await clipboardEvent("paste", {
    "text/plain": "1\t2\n3\tTRUE",
    "text/html": '<table><tr><td><img src="/missing.png" onerror="window.pwned=1">1</td></tr></table>',
  });
  assert.equal(pasted.prevented, true, "the adapter handled the paste");
  await tab.waitForFunction(() => {
    const d = window.consumerSheet;
    return d.getCellValue(d.getSnapshot(), 3, 3) === true;
  }, null, { timeout: 10_000 });
  assert.deepEqual([await sheet(2, 2), await sheet(2, 3), await sheet(3, 2), await sheet(3, 3)], [1, 2, 3, true]);
  const after = await tab.evaluate(() => window.consumerSheet.getLogInfo(window.consumerSheet.getSnapshot()).sequenceId);
  assert.equal(after - before, 1n, "the paste is one log entry");
  await tab.waitForTimeout(300);
  assert.equal(await tab.evaluate(() => window.pwned), undefined, "pasted HTML never ran");

  // Cut C3:D3: copied, then cleared.
  await tab.keyboard.press("Shift+ArrowRight");
  const cut = await clipboardEvent("cut");
  assert.equal(cut.plain, "1\t2");
  await tab.waitForFunction(() => {
    const d = window.consumerSheet;
    return d.getCellValue(d.getSnapshot(), 2, 2) === undefined && d.getCellValue(d.getSnapshot(), 2, 3) === undefined;
  }, null, { timeout: 10_000 });
  assert.equal(await sheet(3, 2), 3, "the row below the cut stays");
  assert.deepEqual(await tab.evaluate(() => window.gridErrors), []);
  await context.close();
});

test("server rendering of the hooks touches no wasm", async () => {
  let instantiated = 0;
  for (const name of ["instantiate", "instantiateStreaming", "compile", "compileStreaming"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = (...args) => {
      instantiated++;
      return original.apply(WebAssembly, args);
    };
  }
  const { renderToString } = await import("react-dom/server");
  const { createElement: h, StrictMode } = await import("react");
  const { App } = await import("./src/App.js");
  const html = renderToString(h(StrictMode, null, h(App, { name: "server" })));
  assert.match(html, /opening/);
  assert.equal(instantiated, 0, "no wasm compiled or instantiated while rendering on the server");
});

test("Next.js (Turbopack): build with server rendering, then run", async () => {
  const app = join(here, "next-app");
  copyFileSync(join(here, "src", "App.js"), join(app, "app", "App.js"));
  rmSync(join(app, ".next"), { recursive: true, force: true });
  const next = join(here, "node_modules", ".bin", "next");
  await timed("next build", () => {
    execFileSync(next, ["build", app], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, timeout: 600_000 });
  });
  const port = 4500 + Math.floor(Math.random() * 400);
  const server = spawn(next, ["start", app, "-p", String(port), "-H", "127.0.0.1"], {
    stdio: "ignore",
    detached: true,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  try {
    for (let i = 0; i < 200; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        const html = await res.text();
        assert.match(html, /opening/, "the server rendered the page without the sheet");
        break;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await timed("next app in Chromium", () => checkApp(`http://127.0.0.1:${port}/`, "next"));
  } finally {
    process.kill(-server.pid, "SIGTERM");
  }
});

test("tsc --strict over every public export", () => {
  const tsc = join(here, "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["-p", join(here, "types", "tsconfig.json")], { stdio: "inherit" });
});
