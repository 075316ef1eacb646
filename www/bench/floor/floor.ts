// The floor of the demo's page reload (issue 9's "reopen to a ready viewport ≤ 100 ms"): the same
// stack as the demo (React, Glide Data Grid and its styles, the demo's service worker settings),
// built the same way (bench/floor/vite.config.mjs), but with static cells and nothing of
// sheetlog: no wasm, no IndexedDB, no worker. Its reload time is what the demo's cannot go
// below on the machine it runs on. Read by www/bench/reload-floor.mjs through the marks
// `floor:module` (this entry runs), `floor:app` (the grid's code evaluated) and `floor:ready`
// (the grid mounted with its first viewport's cells), and `window.floorReady`.
import * as pwa from "virtual:pwa-register";
import { loadApp } from "virtual:sheetlog-demo-app";

performance.mark("floor:module");

declare global {
  interface Window {
    /** Resolves once the grid has mounted. */
    floorReady: Promise<void>;
  }
}

// A classic script in a production build, as the demo's app is (classic-app.ts).
window.floorReady = loadApp<typeof import("./grid")>({ pwa }).then(({ renderGrid }) => renderGrid());
