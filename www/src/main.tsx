import "@glideapps/glide-data-grid/dist/index.css";
import "./styles.css";
import "./window";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import init, { SpreadsheetData } from "sheetlog";
import { App } from "./App";
import { errorMessage } from "./errors";
import { registerServiceWorker } from "./pwa";

// Marks of the start-up, read by the reopen benchmark (www/bench/import-layer.mjs).
performance.mark("sheetlog:module");
registerServiceWorker();

const container = document.getElementById("root");
if (container === null) throw new Error("index.html has no #root element");
const root = createRoot(container);

const loaded = init();
window.sheetlogLoaded = loaded.then((wasm) => {
  performance.mark("sheetlog:wasm");
  window.sheetlogWasmBytes = () => wasm.memory.buffer.byteLength;
  return SpreadsheetData;
});
// A failure to load is shown below; the exposed promise must not also be an unhandled rejection.
window.sheetlogLoaded.catch(() => {});

loaded.then(
  () =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  (error: unknown) => {
    console.error(error);
    root.render(
      <p className="problem" role="alert" data-testid="status">
        The sheetlog module failed to load: {errorMessage(error)}
      </p>,
    );
  },
);
