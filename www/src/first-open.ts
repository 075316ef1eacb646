// The demo's first sheet, opened as soon as the wasm module is ready: main.tsx starts it while
// the app's own code (React and Glide Data Grid, most of the bundle) is still loading, and App
// takes it over instead of opening the same sheet again once it has rendered.
import { SpreadsheetData, type Viewport } from "sheetlog";
import { isNamedSheet, lastSheetId } from "./sheets";

/** Roughly what the grid will show first; the grid sets the exact viewport once drawn. */
export function initialViewport(): Viewport {
  return { rowMinOffset: 0, columnMinOffset: 0, width: window.innerWidth, height: window.innerHeight };
}

/** The entry's open of sheet `id`, and the sheet once the open resolved. */
interface FirstOpen {
  id: string;
  opening: Promise<SpreadsheetData>;
  opened?: SpreadsheetData;
}

let first: FirstOpen | undefined;

/**
 * Opens the last sheet open here, if the demo knows it by name (a sheet it created); App would
 * choose the same sheet first (App.tsx). Does nothing for a page with no last sheet.
 */
export function startFirstOpen(): void {
  const id = lastSheetId();
  if (id === undefined || !isNamedSheet(id)) return;
  performance.mark("sheetlog:open");
  const opening = SpreadsheetData.open({ name: id, viewport: initialViewport() });
  const started: FirstOpen = { id, opening };
  // Whoever takes it handles a failure; one nobody takes must not be an unhandled rejection.
  opening.then(
    (data) => {
      started.opened = data;
      markWhenReady(data);
    },
    () => {},
  );
  first = started;
}

/** The state of a sheet's load status: `loading`, `ready` or `error`. */
type LoadState = ReturnType<SpreadsheetData["getLoadStatus"]>["state"];

/**
 * Calls `then` once, when `data`'s load status first has a state `accept` takes (at once if it
 * has one now).
 */
export function whenLoadState(data: SpreadsheetData, accept: (state: LoadState) => boolean, then: () => void): void {
  const accepted = () => accept(data.getLoadStatus(data.getSnapshot()).state);
  if (accepted()) {
    then();
    return;
  }
  const unsubscribe = data.subscribe(() => {
    if (!accepted()) return;
    unsubscribe();
    then();
  });
}

/**
 * Marks `sheetlog:first-ready` (read by the reopen benchmarks) once the sheet's viewport is
 * loaded: the data is ready, whether or not the grid's code has rendered it yet.
 */
function markWhenReady(data: SpreadsheetData): void {
  whenLoadState(
    data,
    (state) => state === "ready",
    () => performance.mark("sheetlog:first-ready"),
  );
}

/** Whether `sheetlog:shown` is marked: the grid calls markShown on every version it draws. */
let shown = false;

/**
 * Marks `sheetlog:shown` (read by the reopen benchmarks, www/bench/demo-server.mjs) the first
 * time the grid rendered `version` of `data` with its viewport loaded. Glide draws the cells
 * later (see markPainted): this is when React committed the grid, not when its cells show. The
 * floor page marks its grid's mount the same way (bench/floor/grid.tsx).
 */
export function markShown(data: SpreadsheetData, version: ReturnType<SpreadsheetData["getSnapshot"]>): void {
  if (shown || data.getLoadStatus(version).state !== "ready") return;
  shown = true;
  performance.mark("sheetlog:shown");
}

/** Whether the frame that paints the first loaded cell is asked for (markPainted). */
let painted = false;

/**
 * Called by the grid as it draws a cell whose value is loaded: the first time after
 * `sheetlog:shown` (the commit of the grid with its viewport loaded), marks `sheetlog:painted`
 * (read by the reopen benchmarks) at the start of the next frame, the one that paints what the
 * grid drew: the page's reload is over for its user. Glide 6 draws the cells only after that
 * commit, once it has measured itself (a task or a frame later). Two boolean checks per cell: it
 * is on the grid's draw path. The floor page marks `floor:painted` the same way.
 */
export function markPainted(): void {
  if (painted || !shown) return;
  painted = true;
  requestAnimationFrame(() => performance.mark("sheetlog:painted"));
}

/** The sheet the page's entry is opening, until App takes that open; `undefined` otherwise. */
export function firstOpenId(): string | undefined {
  return first?.id;
}

/**
 * The sheet the first open opened, if it has resolved and nobody took it yet: App starts with it
 * shown instead of rendering once without it and taking it in an effect (two renders more, each
 * of whose effects may wait for a frame). App still takes the open (`takeFirstOpen`).
 */
export function firstOpened(): { id: string; data: SpreadsheetData } | undefined {
  return first?.opened === undefined ? undefined : { id: first.id, data: first.opened };
}

/**
 * The first open, when it is of sheet `id` and nobody took it yet; `undefined` otherwise. A first
 * open of another sheet is closed once it resolves: the app chose differently.
 */
export function takeFirstOpen(id: string): Promise<SpreadsheetData> | undefined {
  const taken = first;
  first = undefined;
  if (taken === undefined) return undefined;
  if (taken.id === id) return taken.opening;
  taken.opening.then((data) => data.close(), () => {});
  return undefined;
}
