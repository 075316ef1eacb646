// What the page exposes for browser tests and the console: the open sheet as
// `window.sheetlog`, `window.sheetlogReady`, a promise of the first sheet opened, and
// `window.sheetlogLoaded`, a promise of the `SpreadsheetData` class once the module is loaded,
// and `window.sheetlogWasmBytes()`, the size of the page's wasm memory (for benchmarks).
import type { SpreadsheetData } from "sheetlog";

declare global {
  interface Window {
    /** The sheet open in the demo, or `undefined` while none is. */
    sheetlog: SpreadsheetData | undefined;
    /** Resolves with the first sheet the page opened (never, when no sheet opens). */
    sheetlogReady: Promise<SpreadsheetData>;
    /**
     * Resolves with the `SpreadsheetData` class once the sheetlog module is initialised, whether
     * or not the demo's own sheet opens (a sheet whose data is missing does not, issue 12);
     * rejects when the module fails to load.
     */
    sheetlogLoaded: Promise<typeof SpreadsheetData>;
    /** Bytes of this page's wasm memory (its peak: wasm memory never shrinks); for benchmarks. */
    sheetlogWasmBytes: () => number;
  }
}

let resolveReady: ((data: SpreadsheetData) => void) | undefined;
window.sheetlog = undefined;
window.sheetlogWasmBytes = () => 0;
window.sheetlogReady = new Promise<SpreadsheetData>((resolve) => {
  resolveReady = resolve;
});

/** Publishes the open sheet (or `undefined` while switching sheets). */
export function exposeSheet(data: SpreadsheetData | undefined): void {
  window.sheetlog = data;
  if (data !== undefined && resolveReady !== undefined) {
    resolveReady(data);
    resolveReady = undefined;
  }
}
