// What the page exposes for browser tests and the console: the open sheet as
// `window.sheetlog` and `window.sheetlogReady`, a promise of the first sheet opened.
import type { SpreadsheetData } from "sheetlog";

declare global {
  interface Window {
    /** The sheet open in the demo, or `undefined` while none is. */
    sheetlog: SpreadsheetData | undefined;
    /** Resolves with the first sheet the page opened. */
    sheetlogReady: Promise<SpreadsheetData>;
  }
}

let resolveReady: ((data: SpreadsheetData) => void) | undefined;
window.sheetlog = undefined;
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
