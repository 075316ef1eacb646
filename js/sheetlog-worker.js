// sheetlog's worker entry (DESIGN.md section 7): the module a dedicated Worker runs to write
// snapshots and compact layers. It is its own file, shipped at the package root as
// `sheetlog-worker.js` (export `sheetlog/worker`); the main thread starts it with
// `new Worker(new URL("./sheetlog-worker.js", import.meta.url), { type: "module" })` (see
// index.js), and nothing imports it in the main thread.
//
// Protocol, worker -> main thread:
//   { type: "listening" }      first message, once `onmessage` is installed; a message posted
//                              before it may be lost (the host posts init at once, and again then)
//   { type: "ready" } | { type: "init-error", error } | { type: "messageerror" }
//   { id, ok: true } | { id, ok: false, error }
//   { id, progress }           progress of an import (issue 9, item 1) or an export (item 4),
//                              before its reply
//   { type: "alive" }          every ALIVE_MS while a request runs: the main thread's timeout
//                              measures silence, so a long workflow that keeps going never times out
// Main thread -> worker:
//   { type: "init", module: WebAssembly.Module }   first message, posted at once and again on
//                              "listening"; later inits are ignored
//   { id, sheet, seq, workflow, tileRows, tileColumns, durability, maxLayers }   a request
//   { id, sheet, durability, timeoutMs?, import: { source, dir, ... } }  a CSV import as a
//                              snapshot layer (src/api/worker_import.rs, through src/api/worker_job.rs); replies with the layer
//   { id, sheet, durability, timeoutMs?, export: { position, startRow, ... } }  a streamed CSV
//                              export (src/api/worker_export.rs); replies with the Blob
//   { type: "cancel", id }     stop that import between two chunks of its input, or that export
//                              between two parts
//
// The glue is imported statically: the worker needs no wasm path, the main thread sends its
// compiled module.
import init, {
  __sheetlogWorkerHandle as handle,
  __sheetlogWorkerJob as job,
} from "./sheetlog.js";

const scope = self;
let ready = null;
/** Milliseconds between "alive" messages (worker_host.rs ALIVE_INTERVAL_MS). */
const ALIVE_MS = 2000;
let running = 0;
let alive = null;
/** Ids of the imports the main thread cancelled. */
const cancelled = new Set();

/** Counts a request in (+1) or out (-1), saying "alive" every ALIVE_MS while any runs. */
function track(delta) {
  running += delta;
  if (running > 0 && alive === null) {
    alive = setInterval(() => post({ type: "alive" }), ALIVE_MS);
  } else if (running === 0 && alive !== null) {
    clearInterval(alive);
    alive = null;
  }
}

function describe(error) {
  if (error instanceof Error) {
    return error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
  }
  try {
    return String(error);
  } catch {
    return "unknown error";
  }
}

function requestId(data) {
  const id = data !== null && typeof data === "object" ? data.id : undefined;
  return typeof id === "number" ? id : null;
}

function post(message) {
  try {
    scope.postMessage(message);
  } catch (error) {
    scope.postMessage({ id: requestId(message), ok: false, error: `could not post the reply: ${describe(error)}` });
  }
}

async function load(module) {
  if (!(module instanceof WebAssembly.Module)) {
    throw new Error("the init message carries no WebAssembly.Module");
  }
  await init({ module_or_path: module });
}

scope.onmessage = async (event) => {
  const data = event.data;
  if (data !== null && typeof data === "object" && data.type === "init") {
    if (ready !== null) return;
    ready = load(data.module);
    try {
      await ready;
      post({ type: "ready" });
    } catch (error) {
      post({ type: "init-error", error: `sheetlog could not load in the worker: ${describe(error)}` });
    }
    return;
  }
  if (data !== null && typeof data === "object" && data.type === "cancel") {
    if (typeof data.id === "number") cancelled.add(data.id);
    return;
  }
  const id = requestId(data);
  if (ready === null) {
    post({ id, ok: false, error: "the worker received a request before its init message" });
    return;
  }
  try {
    await ready;
  } catch (error) {
    post({ id, ok: false, error: `sheetlog could not load in the worker: ${describe(error)}` });
    return;
  }
  track(+1);
  try {
    if (data !== null && typeof data === "object" && ("import" in data || "export" in data)) {
      post(await job(data, post, () => cancelled.has(id)));
    } else {
      post(await handle(data));
    }
  } catch (error) {
    post({ id, ok: false, error: describe(error) });
  } finally {
    cancelled.delete(id);
    track(-1);
  }
};
scope.onmessageerror = () => post({ type: "messageerror" });
// Messages posted before this module ran may be lost: the host sends its init again on this.
post({ type: "listening" });
