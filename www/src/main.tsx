// The page's entry: small on purpose. It starts the wasm module and opens the last sheet while
// the app's own code (React, Glide Data Grid and the demo: most of the bundle, in root.tsx) is
// fetched and evaluated, so a reload's sheetlog work overlaps the bundle's instead of following it.
// A production build loads that code as a classic script, which a reload served by the service
// worker gets V8's code cache for (classic-app.ts).
import * as window_ from "./window";
import * as sheetlog from "sheetlog";
import init, { SpreadsheetData } from "sheetlog";
import * as firstOpen from "./first-open";
import * as pwa from "virtual:pwa-register";
import { loadApp } from "virtual:sheetlog-demo-app";

// Marks of the start-up, read by the reopen benchmark (www/bench/import-layer.mjs).
performance.mark("sheetlog:module");

const loaded = init();
window.sheetlogLoaded = loaded.then((wasm) => {
  performance.mark("sheetlog:wasm");
  window.sheetlogWasmBytes = () => wasm.memory.buffer.byteLength;
  return SpreadsheetData;
});
// A failure to load is shown by root.tsx; the exposed promise must not also be an unhandled rejection.
window.sheetlogLoaded.catch(() => {});
loaded.then(firstOpen.startFirstOpen, () => {});

// A production build loads the app as a classic script (classic-app.ts): these are the modules it
// shares with this one, which it must not bundle copies of. Loaded once the wasm module is ready
// (or failed), after the first open has started: its evaluation then overlaps the open's reads
// instead of the module's compilation (BENCHMARKS.md, stop 34).
loaded.then(
  () => undefined,
  () => undefined,
).then(() => loadApp({ sheetlog, firstOpen, window: window_, pwa })).then(
  ({ renderRoot }) => renderRoot(loaded),
  (error: unknown) => {
    // Without the app's code there is no React to render with.
    console.error(error);
    const container = document.getElementById("root");
    if (container !== null) container.textContent = `The demo's code failed to load: ${String(error)}`;
  },
);
