// How the main thread starts sheetlog's worker (DESIGN.md section 7), called by
// src/browser/worker_host.rs. wasm-bindgen copies this file into the package as a snippet.
//
// The worker entry is its own file at the package root, `sheetlog-worker.js`. Only a module at
// the package root can name it with `new URL("./sheetlog-worker.js", import.meta.url)`, written
// literally inside `new Worker(...)` so that bundlers (Vite, webpack, Turbopack, Parcel) find and
// bundle it: the package entry (index.js) registers that factory here with
// `setDefaultWorkerFactory` when it is imported.

const WORKER_NAME = "sheetlog-workflows";

let defaultFactory = null;
let defaultScript = "sheetlog-worker.js";

/**
 * Registers how to start the package's worker when `open()` is given no `worker` function and
 * no `workerUrl`: `factory()` returns the `Worker`; `script` describes its file in errors.
 */
export function setDefaultWorkerFactory(factory, script) {
  defaultFactory = factory;
  if (typeof script === "string") defaultScript = script;
}

function sameOrigin(url) {
  const here = globalThis.location;
  return here === undefined || url.origin === here.origin;
}

/**
 * A module worker on `url`. A URL of another origin cannot start a worker (SecurityError): it is
 * imported by a same-origin `blob:` module instead, which CORS allows when the host serves it so.
 */
export function sheetlogWorkerAt(url) {
  if (sameOrigin(url)) return new Worker(url, { type: "module", name: WORKER_NAME });
  const source = `import ${JSON.stringify(url.href)};\n`;
  const blobUrl = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(blobUrl, { type: "module", name: WORKER_NAME });
  // The worker fetched its script once it answers (or fails); the blob is not needed after that.
  const revoke = () => URL.revokeObjectURL(blobUrl);
  worker.addEventListener("message", revoke, { once: true });
  worker.addEventListener("error", revoke, { once: true });
  return worker;
}

function resolve(url) {
  return url instanceof URL ? url : new URL(String(url), globalThis.location?.href);
}

/**
 * Describes the worker script that `startSheetlogWorker(worker, workerUrl)` starts, for error
 * messages: the URL when it is known, else the file name and where it was looked for.
 */
export function describeSheetlogWorker(worker, workerUrl) {
  if (typeof worker === "function") return "the worker returned by the `worker` option";
  if (workerUrl !== undefined && workerUrl !== null) {
    try {
      return resolve(workerUrl).href;
    } catch {
      return String(workerUrl);
    }
  }
  return defaultScript;
}

/**
 * Starts the worker: `worker()` when `worker` is a function, else the module at `workerUrl`, else
 * the package's own worker entry. Throws when none can start (no `Worker`, no registered entry,
 * a bad URL, a content security policy).
 */
export function startSheetlogWorker(worker, workerUrl) {
  if (typeof worker === "function") {
    const started = worker();
    if (typeof Worker === "undefined" || !(started instanceof Worker)) {
      throw new TypeError("the `worker` option must return a Worker");
    }
    return started;
  }
  if (typeof Worker === "undefined") throw new Error("this environment has no Worker");
  if (workerUrl !== undefined && workerUrl !== null) return sheetlogWorkerAt(resolve(workerUrl));
  if (defaultFactory === null) {
    throw new Error(
      "no worker entry is registered: import SpreadsheetData from the package entry (\"sheetlog\"), " +
        "pass `workerUrl`, or open with `worker: false`",
    );
  }
  return defaultFactory();
}
