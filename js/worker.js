// sheetlog's worker entry module (DESIGN.md section 7).
//
// wasm-bindgen copies this file into the package as `snippets/sheetlog-<hash>/js/worker.js`, and
// the glue (`sheetlog.js`, three levels up) imports it. The same file plays two roles:
//
// - In the main thread it only exports `startSheetlogWorker`, which starts this very file as a
//   dedicated module worker. The `new Worker(new URL("./worker.js", import.meta.url), ...)`
//   expression is written out literally so that Vite, webpack and esbuild see it and bundle the
//   worker (Vite handles a worker that references itself).
// - In that worker (recognised by its name, so that a glue imported by some other worker never
//   starts the message loop) it installs `onmessage` at once, loads the glue with a dynamic
//   `import()` (nothing runs in the main thread, and the module cycle glue -> snippet -> glue is
//   resolved only after this module finished evaluating), instantiates the wasm module the main
//   thread sent, and answers every request with the reply of `__sheetlogWorkerHandle`.
//
// Messages, worker -> main thread:
//   { type: "listening" }      first message, once `onmessage` is installed; send nothing before it
//   { type: "ready" } | { type: "init-error", error } | { type: "messageerror" }
//   { id, ok: true } | { id, ok: false, error }
// Main thread -> worker:
//   { type: "init", module?: WebAssembly.Module, glue?: string }   first message; later inits are ignored
//   { id, sheet, seq, workflow, tileRows, tileColumns, durability } a request (see worker_entry.rs)

const WORKER_NAME = "sheetlog-workflows";

/** Starts the sheetlog worker (a dedicated module worker running this file). */
export function startSheetlogWorker() {
  return new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: "sheetlog-workflows" });
}

/** The URL of this module (for tests that start the worker at a known glue). */
export function sheetlogWorkerScriptUrl() {
  return import.meta.url;
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

function runWorker(scope) {
  let ready = null;

  // Loads the glue and instantiates the wasm; resolves to the glue's exports.
  const load = async (init) => {
    const glue =
      typeof init.glue === "string"
        ? await import(/* @vite-ignore */ /* webpackIgnore: true */ init.glue)
        : await import("../../../sheetlog.js");
    const module = init.module instanceof WebAssembly.Module ? init.module : undefined;
    if (module !== undefined) {
      await glue.default({ module_or_path: module });
    } else if (typeof init.glue === "string") {
      await glue.default({ module_or_path: new URL(init.glue.replace(/\.js$/, "") + "_bg.wasm", scope.location.href) });
    } else {
      await glue.default();
    }
    if (typeof glue.__sheetlogWorkerHandle !== "function") {
      throw new Error("the sheetlog glue has no __sheetlogWorkerHandle export");
    }
    return glue;
  };

  const post = (message) => {
    try {
      scope.postMessage(message);
    } catch (error) {
      scope.postMessage({ id: requestId(message), ok: false, error: `could not post the reply: ${describe(error)}` });
    }
  };

  // Installed synchronously, before anything is awaited: no message is lost (TOOLCHAIN trap 8).
  scope.onmessage = async (event) => {
    const data = event.data;
    if (data !== null && typeof data === "object" && data.type === "init") {
      if (ready !== null) return;
      ready = load(data);
      try {
        await ready;
        post({ type: "ready" });
      } catch (error) {
        post({ type: "init-error", error: `sheetlog could not load in the worker: ${describe(error)}` });
      }
      return;
    }
    const id = requestId(data);
    try {
      // A request without a prior init: load the glue's default wasm path.
      if (ready === null) ready = load({});
      let glue;
      try {
        glue = await ready;
      } catch (error) {
        post({ id, ok: false, error: `sheetlog could not load in the worker: ${describe(error)}` });
        return;
      }
      post(await glue.__sheetlogWorkerHandle(data));
    } catch (error) {
      post({ id, ok: false, error: describe(error) });
    }
  };
  scope.onmessageerror = () => {
    post({ type: "messageerror" });
  };
  // Messages posted before this module ran may be lost (a wrapper script that awaits the import
  // of this module, as wasm-bindgen-test-runner's, drops them): the host sends nothing before this.
  post({ type: "listening" });
}

if (
  typeof WorkerGlobalScope !== "undefined" &&
  self instanceof WorkerGlobalScope &&
  self.name === WORKER_NAME &&
  !self.__sheetlogWorkerStarted
) {
  self.__sheetlogWorkerStarted = true;
  runWorker(self);
}
