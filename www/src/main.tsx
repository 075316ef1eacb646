// The page's entry: small on purpose. It starts the wasm module and opens the last sheet while
// the app's own code (React, Glide Data Grid and the demo: most of the bundle, in root.tsx) is
// fetched and evaluated, so a reload's sheetlog work overlaps the bundle's instead of following it.
import "./window";
import init, { SpreadsheetData } from "sheetlog";
import { startFirstOpen } from "./first-open";

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
loaded.then(startFirstOpen, () => {});

import("./root").then(
  ({ renderRoot }) => renderRoot(loaded),
  (error: unknown) => {
    // Without the app's code there is no React to render with.
    console.error(error);
    const container = document.getElementById("root");
    if (container !== null) container.textContent = `The demo's code failed to load: ${String(error)}`;
  },
);
