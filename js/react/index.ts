/**
 * React hooks for sheetlog (`sheetlog/react`; React 18 or later is a peer dependency).
 *
 * - {@link useSheet} opens a sheet by name for as long as a component is mounted.
 * - {@link useSpreadsheetSnapshot} re-renders on every new content version.
 * - {@link useCell} and {@link useRange} read values with their loading state.
 * - {@link useLoadStatus} and {@link useLogInfo} show where the sheet stands.
 * - {@link useUndo} gives undo and redo of the tab's steps, and whether they can act.
 * - {@link useStorageInfo} shows what the sheet holds in storage.
 *
 * Nothing here touches the wasm module while rendering on a server: {@link useSheet} opens the
 * sheet in an effect, which only runs in the browser.
 *
 * @example
 * ```tsx
 * import { useCell, useSheet } from "sheetlog/react";
 *
 * function Budget() {
 *   const sheet = useSheet("budget");
 *   const total = useCell(sheet.data, 0, 0);
 *   if (sheet.status === "error") return <p>{sheet.error.message}</p>;
 *   if (sheet.data === undefined || total.loading) return <p>Loading…</p>;
 *   return <button onClick={() => void sheet.data.setCellValueAndFormat(0, 0, 42)}>{String(total.value ?? "")}</button>;
 * }
 * ```
 *
 * @module
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import init, { SpreadsheetData } from "../index.js";
import type {
  CellValue,
  ContentVersion,
  LoadStatus,
  LogInfo,
  OpenOptions,
  StorageInfo,
  UndoResult,
  Viewport,
} from "../index.js";

/** Options of {@link useSheet}: those of `SpreadsheetData.open` but the name. */
export type UseSheetOptions = Omit<OpenOptions, "name">;

/** What {@link useSheet} returns: the open sheet, or why there is none yet. */
export type SheetState =
  | { status: "opening"; data: undefined; error: undefined }
  | { status: "open"; data: SpreadsheetData; error: undefined }
  | { status: "error"; data: undefined; error: Error };

const OPENING: SheetState = { status: "opening", data: undefined, error: undefined };

interface SharedSheet {
  opened: Promise<SpreadsheetData>;
  users: number;
  closeTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Sheets opened by {@link useSheet}, by name: every component using one name shares one
 * `SpreadsheetData`, which is closed when the last of them unmounts. The close waits one task,
 * so StrictMode's unmount-and-mount of an effect reuses the sheet instead of opening it twice.
 */
const shared = new Map<string, SharedSheet>();

function acquire(name: string, options: UseSheetOptions | undefined): SharedSheet {
  let entry = shared.get(name);
  if (entry === undefined) {
    const opened = init().then(() => SpreadsheetData.open({ ...options, name }));
    entry = { opened, users: 0, closeTimer: undefined };
    shared.set(name, entry);
    // A failed open is forgotten, so that the next mount tries again.
    opened.catch(() => {
      if (shared.get(name) === entry) shared.delete(name);
    });
  }
  if (entry.closeTimer !== undefined) {
    clearTimeout(entry.closeTimer);
    entry.closeTimer = undefined;
  }
  entry.users += 1;
  return entry;
}

function release(name: string, entry: SharedSheet): void {
  entry.users -= 1;
  if (entry.users > 0) return;
  entry.closeTimer = setTimeout(() => {
    if (entry.users > 0) return;
    if (shared.get(name) === entry) shared.delete(name);
    entry.opened.then(
      (data) => data.close(),
      () => undefined,
    );
  }, 0);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Opens the sheet `name` (IndexedDB, worker snapshots) while the component is mounted and
 * closes it when the last component using it unmounts or `name` changes. Components that use
 * the same name share one `SpreadsheetData`. Loads the wasm module first (`init()`), in the
 * browser only: on a server it renders `{status: "opening"}` and touches nothing.
 *
 * `options` are read when the sheet opens (when `name` changes); later changes are ignored.
 * Pass `undefined` as `name` to open nothing.
 *
 * @example
 * ```tsx
 * function App() {
 *   const sheet = useSheet("budget", { snapshotInterval: 500 });
 *   if (sheet.status === "opening") return <p>Opening…</p>;
 *   if (sheet.status === "error") return <p role="alert">{sheet.error.message}</p>;
 *   return <Grid data={sheet.data} />;
 * }
 * ```
 */
export function useSheet(name: string | undefined, options?: UseSheetOptions): SheetState {
  const [state, setState] = useState<{ name: string | undefined; sheet: SheetState }>({ name, sheet: OPENING });
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    if (name === undefined) return;
    let active = true;
    const entry = acquire(name, optionsRef.current);
    entry.opened.then(
      (data) => {
        if (active) setState({ name, sheet: { status: "open", data, error: undefined } });
      },
      (error: unknown) => {
        if (active) setState({ name, sheet: { status: "error", data: undefined, error: asError(error) } });
      },
    );
    return () => {
      active = false;
      release(name, entry);
    };
  }, [name]);

  // Until the effect for a new name reports, the sheet of the old name is not shown.
  return state.name === name && name !== undefined ? state.sheet : OPENING;
}

function subscribeNothing(): () => void {
  return () => undefined;
}

function nothing(): undefined {
  return undefined;
}

/**
 * The sheet's current content version (`data.getSnapshot()`), through `useSyncExternalStore`:
 * the component re-renders whenever data, viewport or load status change. `undefined` while
 * `data` is.
 *
 * @example
 * ```tsx
 * function RowCount({ data }: { data: SpreadsheetData }) {
 *   const snapshot = useSpreadsheetSnapshot(data);
 *   return <span>{data.getRowCount(snapshot)} rows</span>;
 * }
 * ```
 */
export function useSpreadsheetSnapshot(data: SpreadsheetData): ContentVersion;
export function useSpreadsheetSnapshot(data: SpreadsheetData | undefined): ContentVersion | undefined;
export function useSpreadsheetSnapshot(data: SpreadsheetData | undefined): ContentVersion | undefined {
  const subscribe = data === undefined ? subscribeNothing : data.subscribe;
  const getSnapshot = data === undefined ? nothing : data.getSnapshot;
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/**
 * The sheet's load status: `{state: "loading"}` while tiles under the viewport (or the log) are
 * still loading, `{state: "ready"}`, or `{state: "error", error}`. `undefined` while `data` is.
 *
 * @example
 * ```tsx
 * const status = useLoadStatus(data);
 * if (status?.state === "error") console.error(status.error.statusCode);
 * ```
 */
export function useLoadStatus(data: SpreadsheetData): LoadStatus;
export function useLoadStatus(data: SpreadsheetData | undefined): LoadStatus | undefined;
export function useLoadStatus(data: SpreadsheetData | undefined): LoadStatus | undefined {
  const snapshot = useSpreadsheetSnapshot(data);
  const state = data === undefined || snapshot === undefined ? undefined : data.getLoadStatus(snapshot);
  // A new object per version; keep the previous one while it says the same.
  const last = useRef<LoadStatus | undefined>(undefined);
  if (!sameStatus(last.current, state)) last.current = state;
  return last.current;
}

function sameStatus(a: LoadStatus | undefined, b: LoadStatus | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.state !== b.state) return false;
  return a.state !== "error" || (b.state === "error" && a.error.message === b.error.message);
}

/**
 * Where the sheet stands in its event log: `{sequenceId, snapshotSequenceId, workflow}`
 * (`bigint` sequence ids). `undefined` while `data` is.
 *
 * @example
 * ```tsx
 * const log = useLogInfo(data);
 * return <span>{log?.workflow === "snapshot" ? "saving a snapshot…" : `version ${log?.sequenceId}`}</span>;
 * ```
 */
export function useLogInfo(data: SpreadsheetData): LogInfo;
export function useLogInfo(data: SpreadsheetData | undefined): LogInfo | undefined;
export function useLogInfo(data: SpreadsheetData | undefined): LogInfo | undefined {
  const snapshot = useSpreadsheetSnapshot(data);
  return data === undefined || snapshot === undefined ? undefined : data.getLogInfo(snapshot);
}

/** What {@link useUndo} gives: whether undo and redo have a step, and the calls. */
export interface UndoState {
  /** True when `undo()` has a step of this tab to revert (as of the current snapshot). */
  canUndo: boolean;
  /** True when `redo()` has a step to apply again. */
  canRedo: boolean;
  /** Reverts the tab's latest step (see `SpreadsheetData.undo`); resolves when durable. */
  undo: () => Promise<UndoResult | undefined>;
  /** Applies the latest undone step again (see `SpreadsheetData.redo`). */
  redo: () => Promise<UndoResult | undefined>;
}

/**
 * Undo and redo of this tab's steps, re-rendering when what they can do changes. The calls
 * resolve with `undefined` while `data` is `undefined`; both flags are false then.
 *
 * @example
 * ```tsx
 * const { canUndo, undo } = useUndo(data);
 * return <button disabled={!canUndo} onClick={() => void undo()}>Undo</button>;
 * ```
 */
export function useUndo(data: SpreadsheetData | undefined): UndoState {
  const snapshot = useSpreadsheetSnapshot(data);
  const canUndo = data !== undefined && snapshot !== undefined && data.canUndo(snapshot);
  const canRedo = data !== undefined && snapshot !== undefined && data.canRedo(snapshot);
  const undo = useCallback(async () => (data === undefined ? undefined : data.undo()), [data]);
  const redo = useCallback(async () => (data === undefined ? undefined : data.redo()), [data]);
  return { canUndo, canRedo, undo, redo };
}

/** What {@link useStorageInfo} gives. */
export interface StorageInfoState {
  /** The latest figures read (`getStorageInfo`), or `undefined` before the first read. */
  info: StorageInfo | undefined;
  /** The error of the latest read, if it failed (a `StorageError`). */
  error: Error | undefined;
}

/**
 * What the sheet holds in storage (`getStorageInfo`: log entries, blobs, estimated bytes),
 * read again whenever the log moves, a snapshot lands or a workflow ends. It reads every blob
 * key, so show it in a status bar, not in every cell. `info` is `undefined` until the first
 * read, and while `data` is.
 *
 * @example
 * ```tsx
 * const { info } = useStorageInfo(data);
 * return <span>{info ? `${(info.bytes / 1048576).toFixed(1)} MiB stored` : ""}</span>;
 * ```
 */
export function useStorageInfo(data: SpreadsheetData | undefined): StorageInfoState {
  const log = useLogInfo(data);
  const [state, setState] = useState<StorageInfoState>({ info: undefined, error: undefined });
  const key = log === undefined ? undefined : `${log.sequenceId}/${log.snapshotSequenceId}/${log.workflow}`;
  useEffect(() => {
    if (data === undefined) {
      setState({ info: undefined, error: undefined });
      return;
    }
    let current = true;
    data.getStorageInfo().then(
      (info) => current && setState({ info, error: undefined }),
      (e: unknown) => current && setState((s) => ({ info: s.info, error: e instanceof Error ? e : new Error(String(e)) })),
    );
    return () => {
      current = false;
    };
  }, [data, key]);
  return data === undefined ? { info: undefined, error: undefined } : state;
}

/** One cell as {@link useCell} gives it. */
export interface CellState {
  /** The value: `undefined` for no value (or not loaded yet), `null` for an explicitly empty cell. */
  value: CellValue;
  /** The number format, or `undefined`. */
  format: string | undefined;
  /**
   * True while the cell may still be on its way: no value yet, and tiles under the viewport (or
   * the sheet) are loading. Also true while `data` is `undefined`.
   */
  loading: boolean;
  /**
   * False when the cell is outside the viewport set with `setViewport`: such cells are not
   * loaded, so `undefined` there means "not loaded", not "empty". Always true without a viewport.
   */
  inViewport: boolean;
}

/** A rectangle of cells by 0-based indexes, corners included. */
export interface RangeBounds {
  rowMin: number;
  columnMin: number;
  rowMax: number;
  columnMax: number;
}

/** The cells of a rectangle as {@link useRange} gives them. */
export interface RangeState {
  /** `values[i][j]` is the value of cell (`rowMin + i`, `columnMin + j`). Empty while `data` is `undefined`. */
  values: CellValue[][];
  /** `formats[i][j]`: the number format of the same cell, or `undefined`. */
  formats: (string | undefined)[][];
  /** True while some cell of the range may still be on its way (see {@link CellState.loading}). */
  loading: boolean;
  /** False when part of the range is outside the viewport (see {@link CellState.inViewport}). */
  inViewport: boolean;
}

/** Rows and columns (inclusive) that `viewport` covers, through the sheet's offset mappings. */
export function viewportBounds(data: SpreadsheetData, snapshot: ContentVersion): RangeBounds | undefined {
  const viewport: Viewport | undefined = data.getViewport(snapshot);
  if (viewport === undefined) return undefined;
  const rows = data.getRowItemOffsetMapping(snapshot);
  const columns = data.getColumnItemOffsetMapping(snapshot);
  const [rowMin] = rows.offsetToItem(viewport.rowMinOffset);
  const [rowMax] = rows.offsetToItem(viewport.rowMinOffset + Math.max(viewport.height - 1, 0));
  const [columnMin] = columns.offsetToItem(viewport.columnMinOffset);
  const [columnMax] = columns.offsetToItem(viewport.columnMinOffset + Math.max(viewport.width - 1, 0));
  return { rowMin, columnMin, rowMax, columnMax };
}

function inside(outer: RangeBounds | undefined, inner: RangeBounds): boolean {
  return (
    outer === undefined ||
    (inner.rowMin >= outer.rowMin &&
      inner.rowMax <= outer.rowMax &&
      inner.columnMin >= outer.columnMin &&
      inner.columnMax <= outer.columnMax)
  );
}

/**
 * The value and format of cell (`row`, `column`) (0-based), re-read on every new content
 * version, with its loading state.
 *
 * @example
 * ```tsx
 * function Total({ data }: { data: SpreadsheetData | undefined }) {
 *   const cell = useCell(data, 0, 3);
 *   return <output>{cell.loading ? "…" : String(cell.value ?? "")}</output>;
 * }
 * ```
 */
export function useCell(data: SpreadsheetData | undefined, row: number, column: number): CellState {
  const snapshot = useSpreadsheetSnapshot(data);
  if (data === undefined || snapshot === undefined) {
    return { value: undefined, format: undefined, loading: true, inViewport: true };
  }
  const value = data.getCellValue(snapshot, row, column);
  const format = data.getCellFormat(snapshot, row, column);
  const inViewport = inside(viewportBounds(data, snapshot), { rowMin: row, columnMin: column, rowMax: row, columnMax: column });
  const loading = value === undefined && inViewport && data.getLoadStatus(snapshot).state === "loading";
  return { value, format, loading, inViewport };
}

/**
 * The values and formats of a rectangle of cells, re-read on every new content version, with
 * its loading state. Reads every cell of the range on each version: keep it to what a
 * component shows (a grid should use the sheet directly, or `sheetlog/glide`).
 *
 * @example
 * ```tsx
 * function Header({ data }: { data: SpreadsheetData }) {
 *   const { values, loading } = useRange(data, { rowMin: 0, columnMin: 0, rowMax: 0, columnMax: 4 });
 *   return loading ? null : <tr>{values[0]?.map((v, i) => <th key={i}>{String(v ?? "")}</th>)}</tr>;
 * }
 * ```
 */
export function useRange(data: SpreadsheetData | undefined, range: RangeBounds): RangeState {
  const snapshot = useSpreadsheetSnapshot(data);
  if (data === undefined || snapshot === undefined) return { values: [], formats: [], loading: true, inViewport: true };
  const values: CellValue[][] = [];
  const formats: (string | undefined)[][] = [];
  let missing = false;
  for (let row = range.rowMin; row <= range.rowMax; row++) {
    const rowValues: CellValue[] = [];
    const rowFormats: (string | undefined)[] = [];
    for (let column = range.columnMin; column <= range.columnMax; column++) {
      const value = data.getCellValue(snapshot, row, column);
      if (value === undefined) missing = true;
      rowValues.push(value);
      rowFormats.push(data.getCellFormat(snapshot, row, column));
    }
    values.push(rowValues);
    formats.push(rowFormats);
  }
  const inViewport = inside(viewportBounds(data, snapshot), range);
  const loading = missing && data.getLoadStatus(snapshot).state === "loading";
  return { values, formats, loading, inViewport };
}
