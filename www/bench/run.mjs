#!/usr/bin/env node
// Generic headless benchmark runner.
//
//   node www/bench/run.mjs <page> [--timeout-seconds N] [--cpu-profile FILE]
//   e.g. node www/bench/run.mjs bench/storage.html
//
// Serves the www/ directory on 127.0.0.1 (OS-chosen port), opens <page> (a path
// relative to www/) in headless /usr/bin/chromium via playwright-core, forwards
// every console message to stdout verbatim and page errors to stderr, and waits
// for `window.__benchDone === true`. Exit status: 0 on success, 1 if the page set
// `window.__benchError` (a string, printed to stderr), on timeout, or on any
// other failure. Browser and server are always closed.
//
// With --cpu-profile FILE, the page may call `await window.__benchProfile("start")` and
// `await window.__benchProfile("stop")` around the work to profile: V8's sampling profiler
// (Chrome DevTools Protocol `Profiler`, 200 us interval) runs in between, the profile is written
// to FILE (a .cpuprofile that Chrome DevTools opens) and its self time by function is printed
// (bench/cpu-profile.mjs). Without the option the function is absent and the page runs unprofiled.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { summarizeProfile } from "./cpu-profile.mjs";

const WWW_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const DEFAULT_TIMEOUT_SECONDS = 600;

// TOOLCHAIN.md trap 10, minus --headless=new (playwright adds its own headless flag)
// and --user-data-dir (playwright's launch() always uses a fresh temporary profile
// and deletes it on close).
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
];

const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".d.ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".csv": "text/csv; charset=utf-8",
  ".bin": "application/octet-stream",
};

function usage(message) {
  if (message) console.error(`run.mjs: ${message}`);
  console.error("usage: node www/bench/run.mjs <page> [--timeout-seconds N] [--cpu-profile FILE]");
  console.error("  <page> is relative to www/, e.g. bench/storage.html");
  process.exit(2);
}

function parseArgs(argv) {
  let page;
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  let cpuProfile;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") usage();
    let value;
    if (arg === "--cpu-profile") {
      cpuProfile = argv[++i];
      if (cpuProfile === undefined) usage("--cpu-profile needs a file");
      continue;
    } else if (arg === "--timeout-seconds") {
      value = argv[++i];
      if (value === undefined) usage("--timeout-seconds needs a value");
    } else if (arg.startsWith("--timeout-seconds=")) {
      value = arg.slice("--timeout-seconds=".length);
    } else if (arg.startsWith("-")) {
      usage(`unknown option ${arg}`);
    } else if (page === undefined) {
      page = arg;
      continue;
    } else {
      usage(`unexpected argument ${arg}`);
    }
    timeoutSeconds = Number(value);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      usage(`invalid --timeout-seconds ${value}`);
    }
  }
  if (page === undefined) usage("missing <page>");
  return { page, timeoutSeconds, cpuProfile };
}

function mimeType(filePath) {
  const lower = filePath.toLowerCase();
  if (lower.endsWith(".d.ts")) return MIME_TYPES[".d.ts"];
  return MIME_TYPES[path.extname(lower)] ?? "application/octet-stream";
}

/** Maps a URL pathname to a file under WWW_ROOT, or null if it escapes WWW_ROOT. */
function resolveInRoot(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  // Refuse any ".." segment outright instead of silently clamping it at the root.
  if (decoded.split(/[\\/]/).includes("..")) return null;
  const filePath = path.resolve(WWW_ROOT, "." + path.posix.normalize("/" + decoded));
  const rel = path.relative(WWW_ROOT, filePath);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return filePath;
}

function isInsideRoot(realPath, realRoot) {
  const rel = path.relative(realRoot, realPath);
  return !(rel.startsWith("..") || path.isAbsolute(rel));
}

function startServer() {
  const realRoot = fs.realpathSync(WWW_ROOT);
  const server = http.createServer((req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body + "\n");
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed");

    // Use the raw request path: new URL() would silently resolve "/../x" to "/x".
    const pathname = (req.url ?? "/").split(/[?#]/, 1)[0] || "/";
    if (!pathname.startsWith("/")) return send(400, "bad request");
    let filePath = resolveInRoot(pathname);
    if (filePath === null) return send(403, "forbidden");

    fs.stat(filePath, (err, stat) => {
      if (!err && stat.isDirectory()) {
        filePath = path.join(filePath, "index.html");
        try {
          stat = fs.statSync(filePath);
        } catch (e) {
          err = e;
        }
      }
      if (err || !stat.isFile()) {
        // Browsers ask for /favicon.ico on their own; answer "no content" rather than
        // letting a 404 line show up in every benchmark's console output.
        if (pathname === "/favicon.ico") {
          res.writeHead(204, { "Cache-Control": "no-store" });
          return res.end();
        }
        return send(404, "not found");
      }
      // Refuse symlinks pointing outside www/ (node_modules/sheetlog -> ../../pkg is
      // not needed by the bench pages, which load bench-pkg/ directly).
      let realPath;
      try {
        realPath = fs.realpathSync(filePath);
      } catch {
        return send(404, "not found");
      }
      if (!isInsideRoot(realPath, realRoot)) return send(403, "forbidden");

      res.writeHead(200, {
        "Content-Type": mimeType(filePath),
        "Content-Length": stat.size,
        "Cache-Control": "no-store",
      });
      if (req.method === "HEAD") return res.end();
      const stream = fs.createReadStream(filePath);
      stream.on("error", () => res.destroy());
      stream.pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

async function main() {
  const { page: pageArg, timeoutSeconds, cpuProfile } = parseArgs(process.argv.slice(2));
  const pagePath = pageArg.replace(/^\/+/, "");
  const pageFile = resolveInRoot("/" + pagePath.split(/[?#]/, 1)[0]);
  if (pageFile === null || !fs.existsSync(pageFile)) {
    console.error(`run.mjs: page not found under ${WWW_ROOT}: ${pageArg}`);
    return 1;
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`run.mjs: ${CHROMIUM} not found (apt-get install -y chromium)`);
    return 1;
  }

  let server;
  let browser;
  let interrupted = false;
  const onSignal = (signal) => {
    interrupted = true;
    console.error(`run.mjs: ${signal}, closing browser and server`);
    Promise.allSettled([browser?.close(), server && closeServer(server)]).finally(() =>
      process.exit(130),
    );
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    server = await startServer();
    const { port } = server.address();
    const url = `http://127.0.0.1:${port}/${pagePath}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext();
    const page = await context.newPage();

    let crashed = false;
    page.on("console", (msg) => console.log(msg.text()));
    page.on("pageerror", (err) => console.error(`[pageerror] ${err.stack || err.message || err}`));
    page.on("crash", () => {
      crashed = true;
      console.error("[crash] the page crashed");
    });

    if (cpuProfile !== undefined) {
      let session;
      await page.exposeFunction("__benchProfile", async (action) => {
        if (action === "start") {
          session = await context.newCDPSession(page);
          await session.send("Profiler.enable");
          await session.send("Profiler.setSamplingInterval", { interval: 200 });
          await session.send("Profiler.start");
        } else if (action === "stop" && session !== undefined) {
          const { profile } = await session.send("Profiler.stop");
          await session.detach();
          session = undefined;
          fs.writeFileSync(cpuProfile, JSON.stringify(profile));
          console.log(`CPU profile written to ${cpuProfile}`);
          for (const line of summarizeProfile(profile)) console.log(line);
        } else {
          throw new Error(`__benchProfile: unknown action ${action} (or "stop" before "start")`);
        }
      });
    }

    const deadline = Date.now() + timeoutSeconds * 1000;
    const timeoutMessage = `run.mjs: timed out after ${timeoutSeconds} s waiting for window.__benchDone === true on ${pagePath}`;
    try {
      await page.goto(url, { waitUntil: "load", timeout: timeoutSeconds * 1000 });
      await page.waitForFunction(() => window.__benchDone === true, null, {
        timeout: Math.max(1, deadline - Date.now()),
        polling: 250,
      });
    } catch (e) {
      if (interrupted) return 130;
      if (crashed) return 1;
      if (e && e.name === "TimeoutError") {
        console.error(timeoutMessage);
        return 1;
      }
      throw e;
    }

    const benchError = await page.evaluate(() => window.__benchError);
    if (typeof benchError === "string") {
      console.error(benchError);
      return 1;
    }
    return 0;
  } catch (e) {
    if (interrupted) return 130;
    console.error(`run.mjs: ${e && e.stack ? e.stack : e}`);
    return 1;
  } finally {
    await browser?.close().catch(() => {});
    if (server) await closeServer(server);
  }
}

const code = await main();
// Let stdout/stderr drain before exiting.
process.exitCode = code;
