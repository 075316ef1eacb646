// The app's code, loaded by main.tsx in parallel with the wasm module: the styles, React, and
// App once the module is ready (or the reason it failed to load).
import "@glideapps/glide-data-grid/dist/index.css";
import "./styles.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { errorMessage } from "./errors";
import { registerServiceWorker } from "./pwa";

/** Renders the demo into `#root` once `loaded` (the wasm module's start) resolves. */
export function renderRoot(loaded: Promise<unknown>): void {
  performance.mark("sheetlog:app");
  // Registered once the first sheet is shown (or after 3 s without one): its update check and
  // precache must not compete with the reload's reads.
  void Promise.race([window.sheetlogReady, new Promise((resolve) => setTimeout(resolve, 3000))]).then(() =>
    setTimeout(registerServiceWorker, 1000),
  );
  const container = document.getElementById("root");
  if (container === null) throw new Error("index.html has no #root element");
  const root = createRoot(container);
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
}
