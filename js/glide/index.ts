/**
 * A Glide Data Grid adapter for sheetlog (`sheetlog/glide`; `@glideapps/glide-data-grid` 6 and
 * React are peer dependencies).
 *
 * {@link useGlideGrid} returns the props `<DataEditor>` needs to show and edit a sheet: cells
 * read from the current content version (loading cells where tiles are still on their way), the
 * visible region sent to `setViewport`, edits, Delete as `clearRange`, and redraws of only the
 * cells that changed. Copy, cut and paste are the adapter's own, not Glide's: Glide 6 writes cell
 * text into the clipboard's HTML unescaped and parses pasted HTML into the live document (so a
 * cell holding `<img src=x onerror=...>` runs script when copied and pasted back). The adapter
 * turns Glide's clipboard off and puts TSV plus an HTML table with every cell escaped into the
 * clipboard, loading the whole selection first; it pastes only `text/plain`, as one batch write.
 * Column widths and row heights come from the sheet's offset mappings; a column dragged wider or
 * narrower is stored with `setColumnWidths` when the drag ends (durable, shared with other tabs,
 * undoable). {@link useGlideKeyboardFixes} works around the ways Glide's cell editor loses fast
 * typing.
 *
 * @example
 * ```tsx
 * import "@glideapps/glide-data-grid/dist/index.css";
 * import { DataEditor } from "@glideapps/glide-data-grid";
 * import { useRef } from "react";
 * import { useGlideGrid, useGlideKeyboardFixes } from "sheetlog/glide";
 *
 * function Sheet({ data }: { data: SpreadsheetData }) {
 *   const grid = useGlideGrid(data);
 *   const around = useRef<HTMLDivElement>(null);
 *   useGlideKeyboardFixes(around, grid.gridSelection.current !== undefined);
 *   return (
 *     <div ref={around}>
 *       <DataEditor {...grid} width="100%" height={600} rowMarkers="number" />
 *     </div>
 *   );
 * }
 * ```
 *
 * @module
 */
import {
  CompactSelection,
  GridCellKind,
  type CellArray,
  type DataEditorRef,
  type EditableGridCell,
  type GetCellsThunk,
  type GridCell,
  type GridColumn,
  type GridSelection,
  type Item,
  type Rectangle,
} from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { CellError, CellValue, ContentVersion, ItemOffsetMapping, SpreadsheetData } from "../index.js";
import { useSpreadsheetSnapshot, viewportBounds, type RangeBounds } from "../react/index.js";
import { parseClipboardText, splitDelimited, toHtmlTable, toTsv } from "./clipboard.js";

export { escapeHtml, parseClipboardText, splitDelimited, toHtmlTable, toTsv } from "./clipboard.js";
export { useGlideKeyboardFixes } from "./keyboard.js";

/** A cell of the sheet, as {@link GlideGridOptions.renderCell} receives it. */
export interface SheetCell {
  row: number;
  column: number;
  /** `undefined` for no value, `null` for an explicitly empty cell. */
  value: CellValue;
  /** The number format, or `undefined`. */
  format: string | undefined;
}

/** Options of {@link useGlideGrid}. */
export interface GlideGridOptions {
  /**
   * What Glide draws for a cell (default {@link defaultRenderCell}: a text cell with the value as
   * typed). Keep it stable (`useCallback`): a new function redraws the whole grid.
   */
  renderCell?: (cell: SheetCell) => GridCell;
  /**
   * Writes text the user typed into a cell (default: {@link parseCellText}, then
   * `setCellValueAndFormat` keeping the cell's format; failures go to `onError`).
   */
  writeCell?: (row: number, column: number, text: string) => void;
  /** Reads typed or pasted text as a cell value (default {@link parseCellText}). */
  parseText?: (text: string) => CellValue;
  /** Called with the error of a write the grid made (an edit, a paste, a delete) that failed. */
  onError?: (error: unknown) => void;
  /** Rows the grid shows at least (default 1000), and past the last populated one (default 100). */
  minRows?: number;
  extraRows?: number;
  /** Columns the grid shows at least (default 26), and past the last populated one (default 10). */
  minColumns?: number;
  extraColumns?: number;
  /**
   * Copy, cut and paste while the focus is in the grid (default `true`): `false` leaves the
   * clipboard events to the app. Glide's own clipboard is off either way.
   */
  clipboard?: boolean;
  /**
   * The grid's selection, when the app holds it (pass `onGridSelectionChange` too); else the
   * adapter holds it. Copy, cut and paste act on it.
   */
  gridSelection?: GridSelection;
  /** Called with each new selection (the adapter's or, with `gridSelection`, the app's). */
  onGridSelectionChange?: (selection: GridSelection) => void;
  /**
   * Columns the user can drag wider or narrower (default `true`): the width shows while
   * dragging and is stored with `setColumnWidths` when the drag ends (failures go to `onError`).
   */
  resizeColumns?: boolean;
}

/**
 * Glide's key bindings the adapter sets: Glide's copy, cut and paste off (see the module's
 * comment). An app passing its own `keybindings` spreads these into them last.
 */
export const GLIDE_KEYBINDINGS = { copy: false, cut: false, paste: false } as const;

/** Narrowest and widest column a drag can make, in pixels (`setColumnWidths` takes 1 to 10,000). */
export const MIN_COLUMN_WIDTH = 24;
export const MAX_COLUMN_WIDTH = 2000;

function clampWidth(width: number): number {
  return Math.round(Math.min(Math.max(width, MIN_COLUMN_WIDTH), MAX_COLUMN_WIDTH));
}

/** Most cells one paste writes: `setCellValuesAndFormats` takes at most this many (one log entry). */
export const MAX_PASTE_CELLS = 1_048_576;

/** The props of `<DataEditor>` that {@link useGlideGrid} provides; spread them onto it. */
export interface GlideGridProps {
  /** Pass as `ref` (spreading the props does): used to redraw only the cells that changed. */
  ref: RefObject<DataEditorRef | null>;
  /**
   * A class naming this grid, `sheetlog-grid-` and an id: the clipboard acts while the focus is
   * inside it. An app with its own `className` joins both (`${grid.className} mine`).
   */
  className: string;
  /** {@link GLIDE_KEYBINDINGS}: Glide's clipboard off. */
  keybindings: typeof GLIDE_KEYBINDINGS;
  gridSelection: GridSelection;
  onGridSelectionChange: (selection: GridSelection) => void;
  /** One per column, each with its width from `getColumnItemOffsetMapping`. */
  columns: GridColumn[];
  rows: number;
  /** One number while no row is resized, else each row's height from `getRowItemOffsetMapping`. */
  rowHeight: number | ((row: number) => number);
  /** Shows a column's width while it is dragged (absent with `resizeColumns: false`). */
  onColumnResize?: (column: GridColumn, width: number, index: number) => void;
  /** Stores the dragged width with `setColumnWidths` (absent with `resizeColumns: false`). */
  onColumnResizeEnd?: (column: GridColumn, width: number, index: number) => void;
  getCellContent: (cell: Item) => GridCell;
  onVisibleRegionChanged: (range: Rectangle) => void;
  onCellEdited: (cell: Item, newValue: EditableGridCell) => void;
  onDelete: (selection: GridSelection) => boolean;
  getCellsForSelection: (selection: Rectangle, abortSignal: AbortSignal) => GetCellsThunk | CellArray;
}

/** A grey bar of varying width: Glide draws nothing for a loading cell without a skeleton. */
const LOADING_CELL: GridCell = {
  kind: GridCellKind.Loading,
  allowOverlay: false,
  skeletonWidth: 56,
  skeletonWidthVariability: 24,
  skeletonHeight: 12,
};

/** Numbers in plain notation, as the CSV importer reads them (`42`, `-0.5`, `1e-7`; not `02134`). */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

/**
 * Reads typed text as a cell value: a leading `'` keeps the rest as text; `TRUE`/`FALSE` in any
 * case are booleans; a number in plain notation is a number; empty text empties the cell
 * (`null`); anything else is text.
 *
 * @example
 * ```ts
 * parseCellText("12.5"); // 12.5
 * parseCellText("'12.5"); // "12.5"
 * ```
 */
export function parseCellText(text: string): CellValue {
  if (text.startsWith("'")) return text.slice(1);
  if (text === "") return null;
  if (BOOLEAN.test(text)) return text.toLowerCase() === "true";
  if (NUMBER.test(text)) return Number(text);
  return text;
}

function isCellError(value: CellValue): value is CellError {
  return typeof value === "object" && value !== null && value.type === "CellError";
}

/**
 * The text that, typed back through {@link parseCellText}, gives `value` again.
 *
 * @example
 * ```ts
 * cellText(true); // "TRUE"
 * cellText("42"); // "'42"
 * ```
 */
export function cellText(value: CellValue): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (isCellError(value)) return value.value;
  return parseCellText(value) === value ? value : `'${value}`;
}

/**
 * The cell {@link useGlideGrid} draws by default: a text cell holding the value as typed,
 * numbers right-aligned, booleans and errors centred.
 *
 * @example
 * ```ts
 * const grid = useGlideGrid(data, { renderCell: (cell) => ({ ...defaultRenderCell(cell), readonly: true }) });
 * ```
 */
export function defaultRenderCell(cell: SheetCell): GridCell {
  const text = cellText(cell.value);
  const value = cell.value;
  const align = typeof value === "number" ? "right" : typeof value === "boolean" || isCellError(value) ? "center" : "left";
  return { kind: GridCellKind.Text, data: text, displayData: text, allowOverlay: true, contentAlign: align };
}

/** Column letters: 0 -> A, 25 -> Z, 26 -> AA. */
export function columnName(index: number): string {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

/** A1 text of a rectangle (Glide's `x`/`y` are column/row). */
function a1(rect: Rectangle): string {
  const end = `${columnName(rect.x + rect.width - 1)}${rect.y + rect.height}`;
  return `${columnName(rect.x)}${rect.y + 1}:${end}`;
}

/**
 * Splits CSV text (RFC 4180 quoting, any line end, as `exportCsv` writes it) into rows of fields;
 * `splitDelimited(text, ",")`.
 *
 * @example
 * ```ts
 * parseCsv('a,"b,c"\n1,2'); // [["a", "b,c"], ["1", "2"]]
 * ```
 */
export function parseCsv(text: string): string[][] {
  return splitDelimited(text, ",");
}

/** The text a cell puts into the clipboard: its value as text (`TRUE`/`FALSE`, an error's code), empty for none. */
function copyText(value: CellValue): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (isCellError(value)) return value.value;
  return String(value);
}

/** The texts of `rect`: from `version` when it is loaded, else read from storage (`exportCsv`). */
async function readTexts(data: SpreadsheetData, version: ContentVersion, rect: Rectangle): Promise<string[][]> {
  if (loaded(data, version, rect)) return loadedTexts(data, version, rect);
  const fields = parseCsv(await data.exportCsv(version, a1(rect)));
  return Array.from({ length: rect.height }, (_, i) => Array.from({ length: rect.width }, (_, j) => fields[i]?.[j] ?? ""));
}

/** The texts of `rect` in `version`; only for a loaded `rect`. */
function loadedTexts(data: SpreadsheetData, version: ContentVersion, rect: Rectangle): string[][] {
  return Array.from({ length: rect.height }, (_, i) =>
    Array.from({ length: rect.width }, (_, j) => copyText(data.getCellValue(version, rect.y + i, rect.x + j))),
  );
}

const EMPTY_SELECTION: GridSelection = { columns: CompactSelection.empty(), rows: CompactSelection.empty() };

/** The inclusive bounds of what `snapshot` may still be loading: the viewport cut to the populated area. */
function loadingBounds(data: SpreadsheetData, snapshot: ContentVersion): RangeBounds | undefined {
  if (data.getLoadStatus(snapshot).state !== "loading") return undefined;
  const rows = data.getRowCount(snapshot);
  const columns = data.getColumnCount(snapshot);
  const viewport = viewportBounds(data, snapshot) ?? { rowMin: 0, columnMin: 0, rowMax: Infinity, columnMax: Infinity };
  const bounds = { ...viewport, rowMax: Math.min(viewport.rowMax, rows - 1), columnMax: Math.min(viewport.columnMax, columns - 1) };
  return bounds.rowMax >= bounds.rowMin && bounds.columnMax >= bounds.columnMin ? bounds : undefined;
}

function within(bounds: RangeBounds | undefined, row: number, column: number): boolean {
  return (
    bounds !== undefined && row >= bounds.rowMin && row <= bounds.rowMax && column >= bounds.columnMin && column <= bounds.columnMax
  );
}

/** Whether `rect` is inside what `snapshot` loaded: the viewport (or everything), with nothing loading. */
function loaded(data: SpreadsheetData, snapshot: ContentVersion, rect: Rectangle): boolean {
  if (data.getLoadStatus(snapshot).state !== "ready") return false;
  const viewport = viewportBounds(data, snapshot);
  if (viewport === undefined) return true;
  return (
    rect.y >= viewport.rowMin &&
    rect.x >= viewport.columnMin &&
    rect.y + rect.height - 1 <= viewport.rowMax &&
    rect.x + rect.width - 1 <= viewport.columnMax
  );
}

/** The rectangles of a Glide selection: the current range and its stack, whole columns, whole rows. */
function selectedRectangles(selection: GridSelection, rows: number, columns: number): Rectangle[] {
  const rects: Rectangle[] = [];
  if (selection.current !== undefined) rects.push(selection.current.range, ...selection.current.rangeStack);
  for (const [start, end] of selection.columns.items) rects.push({ x: start, y: 0, width: end - start, height: rows });
  for (const [start, end] of selection.rows.items) rects.push({ x: 0, y: start, width: columns, height: end - start });
  return rects.filter((r) => r.width > 0 && r.height > 0);
}

/**
 * The props of Glide Data Grid's `<DataEditor>` for sheet `data`: spread them onto it (they
 * include `ref`). Re-renders with every new content version; the grid redraws only cells whose
 * value, format or loading state changed (through `updateCells`), unless `renderCell` changes.
 *
 * - `getCellContent`: cells of the current version; loading cells where tiles under the
 *   viewport are still on their way.
 * - `onVisibleRegionChanged`: sets the sheet's viewport (in pixels) to what the grid shows.
 * - `onCellEdited`: writes a text edit (`writeCell`); an unchanged cell writes nothing.
 * - `onDelete`: one `clearRange` per selected rectangle, whatever its size.
 * - `getCellsForSelection` (Glide's fill reads it): from the version when the selection is
 *   loaded, else the whole selection read first (through `exportCsv`), never unloaded as blank.
 * - `keybindings`, `className`, `gridSelection`, `onGridSelectionChange`: Glide's clipboard off,
 *   and the adapter's own on the `copy`, `cut` and `paste` events of the document while the focus
 *   is in this grid (unless `clipboard: false`). Copy puts the selection's first rectangle into
 *   the clipboard as TSV (`text/plain`) and as an HTML table with every cell escaped
 *   (`text/html`); a selection not all loaded is read from storage first and handed over through
 *   `navigator.clipboard.write`. Cut clears the rectangle (`clearRange`) once it is copied.
 *   Paste reads only `text/plain` (TSV, or CSV when every line has the same number of fields;
 *   {@link parseClipboardText}) and writes the block at the selection's top-left cell as one
 *   `setCellValuesAndFormats` (one log entry, one undo step), each text through `parseText`,
 *   formats kept; more than {@link MAX_PASTE_CELLS} cells is refused through `onError`.
 *
 * @example
 * ```tsx
 * function Sheet({ data }: { data: SpreadsheetData }) {
 *   const grid = useGlideGrid(data, { onError: (e) => console.error(e) });
 *   return <DataEditor {...grid} width="100%" height={600} rowMarkers="number" />;
 * }
 * ```
 */
export function useGlideGrid(data: SpreadsheetData, options: GlideGridOptions = {}): GlideGridProps {
  const { renderCell = defaultRenderCell, writeCell, parseText = parseCellText, onError } = options;
  const { minRows = 1000, extraRows = 100, minColumns = 26, extraColumns = 10, clipboard = true } = options;
  const { resizeColumns = true } = options;
  const snapshot = useSpreadsheetSnapshot(data);
  const ref = useRef<DataEditorRef | null>(null);
  // Read at call time, so getCellContent stays the same function across versions.
  const current = useRef(snapshot);
  current.current = snapshot;
  // The version whose cells the grid drew last.
  const drawn = useRef(snapshot);
  const callbacks = useRef({ writeCell, parseText, onError });
  callbacks.current = { writeCell, parseText, onError };

  const rowCount = data.getRowCount(snapshot);
  const columnCount = data.getColumnCount(snapshot);
  const rows = Math.max(rowCount + extraRows, minRows);
  const columnTotal = Math.max(columnCount + extraColumns, minColumns);
  const rowMapping = data.getRowItemOffsetMapping(snapshot);
  const columnMapping = data.getColumnItemOffsetMapping(snapshot);
  // The mappings keep their identity while the sizes do not change, so these stay memoized.
  const rowHeight = useMemo<number | ((row: number) => number)>(
    () => (rowMapping.isUniform() ? rowMapping.itemSize(0) : (row: number) => rowMapping.itemSize(row)),
    [rowMapping],
  );
  // The width of the column being dragged, shown until the stored width arrives.
  const [dragged, setDragged] = useState<{ index: number; width: number; mapping: ItemOffsetMapping } | undefined>();
  const draggedWidth = dragged !== undefined && dragged.mapping === columnMapping ? dragged : undefined;
  const columns = useMemo<GridColumn[]>(
    () =>
      Array.from({ length: columnTotal }, (_, i) => ({
        id: String(i),
        title: columnName(i),
        width: draggedWidth?.index === i ? draggedWidth.width : columnMapping.itemSize(i),
      })),
    [columnTotal, columnMapping, draggedWidth],
  );
  const onColumnResize = useCallback(
    (_: GridColumn, width: number, index: number) =>
      setDragged({ index, width: clampWidth(width), mapping: data.getColumnItemOffsetMapping(data.getSnapshot()) }),
    [data],
  );
  const onColumnResizeEnd = useCallback(
    (_: GridColumn, width: number, index: number) => {
      data.setColumnWidths(index, 1, clampWidth(width)).catch((error: unknown) => {
        setDragged(undefined);
        callbacks.current.onError?.(error);
      });
    },
    [data],
  );

  const cellAt = useCallback(
    (version: ContentVersion, loading: RangeBounds | undefined, column: number, row: number): GridCell => {
      const value = data.getCellValue(version, row, column);
      if (value === undefined && within(loading, row, column)) return LOADING_CELL;
      return renderCell({ row, column, value, format: data.getCellFormat(version, row, column) });
    },
    [data, renderCell],
  );

  const getCellContent = useCallback(
    ([column, row]: Item): GridCell => {
      const version = current.current;
      return cellAt(version, loadingBounds(data, version), column, row);
    },
    [data, cellAt],
  );

  // Redraw only the visible cells that changed between the version drawn and the new one. In the
  // commit (a layout effect), so that the browser paints the new cells in the same frame as the
  // rest of the page's update: after a passive effect, a frame could show the page's new state
  // (a load status of `ready`) beside the old cells, which came a task later. The same work
  // either way: a page's reload measured the same (BENCHMARKS.md, stop 35).
  const visible = useRef<Rectangle | undefined>(undefined);
  useLayoutEffect(() => {
    const before = drawn.current;
    drawn.current = snapshot;
    const region = visible.current;
    const grid = ref.current;
    if (before === snapshot || region === undefined || grid === null) return;
    const [oldLoading, newLoading] = [loadingBounds(data, before), loadingBounds(data, snapshot)];
    const changed: { cell: Item }[] = [];
    for (let row = region.y; row < region.y + region.height; row++) {
      for (let column = region.x; column < region.x + region.width; column++) {
        const [a, b] = [data.getCellValue(before, row, column), data.getCellValue(snapshot, row, column)];
        const sameValue = a === b || (isCellError(a) && isCellError(b) && a.value === b.value);
        if (
          !sameValue ||
          data.getCellFormat(before, row, column) !== data.getCellFormat(snapshot, row, column) ||
          (a === undefined && within(oldLoading, row, column) !== within(newLoading, row, column))
        ) {
          changed.push({ cell: [column, row] });
        }
      }
    }
    if (changed.length > 0) grid.updateCells(changed);
  }, [data, snapshot]);

  const onVisibleRegionChanged = useCallback(
    (range: Rectangle) => {
      visible.current = range;
      const version = data.getSnapshot();
      const rowsMap = data.getRowItemOffsetMapping(version);
      const columnsMap = data.getColumnItemOffsetMapping(version);
      const firstRow = Math.max(range.y, 0);
      const firstColumn = Math.max(range.x, 0);
      const rowMinOffset = rowsMap.itemOffset(firstRow);
      const columnMinOffset = columnsMap.itemOffset(firstColumn);
      data.setViewport({
        rowMinOffset,
        columnMinOffset,
        height: rowsMap.itemOffset(firstRow + Math.max(range.height, 1)) - rowMinOffset,
        width: columnsMap.itemOffset(firstColumn + Math.max(range.width, 1)) - columnMinOffset,
      });
    },
    [data],
  );

  const report = useCallback((error: unknown) => {
    const handler = callbacks.current.onError;
    if (handler !== undefined) handler(error);
    else console.error("sheetlog/glide: a write failed", error);
  }, []);

  const onCellEdited = useCallback(
    ([column, row]: Item, cell: EditableGridCell) => {
      if (cell.kind !== GridCellKind.Text) return;
      const version = data.getSnapshot();
      if (cell.data === cellText(data.getCellValue(version, row, column))) return;
      const { writeCell: write, parseText: parse } = callbacks.current;
      if (write !== undefined) {
        write(row, column, cell.data);
        return;
      }
      data.setCellValueAndFormat(row, column, parse(cell.data), data.getCellFormat(version, row, column)).catch(report);
    },
    [data, report],
  );

  /** Writes a block of texts with its top-left cell at (`row`, `column`): one batch write. */
  const pasteTexts = useCallback(
    (row: number, column: number, texts: readonly (readonly string[])[]) => {
      const width = texts.reduce((most, line) => Math.max(most, line.length), 0);
      if (texts.length * width > MAX_PASTE_CELLS) {
        report(new RangeError(`a paste of ${texts.length * width} cells: at most ${MAX_PASTE_CELLS} at once`));
        return;
      }
      const version = data.getSnapshot();
      const parse = callbacks.current.parseText;
      const parsed = texts.map((line) => line.map((text) => parse(text)));
      const formats = texts.map((line, i) => line.map((_, j) => data.getCellFormat(version, row + i, column + j)));
      data.setCellValuesAndFormats(row, column, parsed, formats).catch(report);
    },
    [data, report],
  );

  const onDelete = useCallback(
    (selection: GridSelection): boolean => {
      const version = data.getSnapshot();
      const rects = selectedRectangles(selection, Math.max(data.getRowCount(version), 1), Math.max(data.getColumnCount(version), 1));
      for (const r of rects) {
        const range = { rowMin: r.y, columnMin: r.x, rowMax: r.y + r.height - 1, columnMax: r.x + r.width - 1 };
        data.clearRange(range).catch(report);
      }
      return false;
    },
    [data, report],
  );

  const getCellsForSelection = useCallback(
    (rect: Rectangle, abortSignal: AbortSignal): GetCellsThunk | CellArray => {
      const version = data.getSnapshot();
      const read = (): GridCell[][] =>
        Array.from({ length: rect.height }, (_, i) =>
          Array.from({ length: rect.width }, (_, j) => cellAt(version, undefined, rect.x + j, rect.y + i)),
        );
      if (loaded(data, version, rect)) return read();
      // Part of the selection is not loaded: read it all from storage first.
      return async () => {
        const texts = await readTexts(data, version, rect);
        if (abortSignal.aborted) return [];
        return texts.map((line) => line.map((text): GridCell => ({ kind: GridCellKind.Text, data: text, displayData: text, allowOverlay: true })));
      };
    },
    [data, cellAt],
  );

  // The selection: the app's when it passes one, else the adapter's.
  const [ownSelection, setOwnSelection] = useState<GridSelection>(EMPTY_SELECTION);
  const gridSelection = options.gridSelection ?? ownSelection;
  const selection = useRef(gridSelection);
  selection.current = gridSelection;
  const onSelectionChangeOption = useRef(options.onGridSelectionChange);
  onSelectionChangeOption.current = options.onGridSelectionChange;
  const onGridSelectionChange = useCallback((next: GridSelection) => {
    selection.current = next;
    setOwnSelection(next);
    onSelectionChangeOption.current?.(next);
  }, []);

  const className = `sheetlog-grid-${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  useEffect(() => {
    if (!clipboard) return;
    const focused = (): boolean => document.activeElement?.closest(`.${className}`) != null;
    /** The rectangle copy, cut and paste act on: the selection's first one. */
    const target = (): Rectangle | undefined => {
      const version = data.getSnapshot();
      const rows = Math.max(data.getRowCount(version), 1);
      return selectedRectangles(selection.current, rows, Math.max(data.getColumnCount(version), 1))[0];
    };
    /** Puts `rect` into the clipboard; settles once its cells are read. */
    const copy = (event: ClipboardEvent, rect: Rectangle): Promise<unknown> => {
      const version = data.getSnapshot();
      event.preventDefault();
      if (loaded(data, version, rect) && event.clipboardData !== null) {
        const texts = loadedTexts(data, version, rect);
        event.clipboardData.setData("text/plain", toTsv(texts));
        event.clipboardData.setData("text/html", toHtmlTable(texts));
        return Promise.resolve();
      }
      // Not all loaded: read it from storage, handing the clipboard promises of its contents
      // while the key press still counts as the user's gesture.
      const reading = readTexts(data, version, rect);
      const blob = (type: string, make: (texts: string[][]) => string) => reading.then((texts) => new Blob([make(texts)], { type }));
      const written =
        typeof ClipboardItem === "function"
          ? navigator.clipboard.write([new ClipboardItem({ "text/plain": blob("text/plain", toTsv), "text/html": blob("text/html", toHtmlTable) })])
          : reading.then((texts) => navigator.clipboard.writeText(toTsv(texts)));
      written.catch(report);
      return reading;
    };
    const onCopy = (event: ClipboardEvent) => {
      const rect = focused() ? target() : undefined;
      if (rect !== undefined) copy(event, rect).catch(report);
    };
    const onCut = (event: ClipboardEvent) => {
      const rect = focused() ? target() : undefined;
      if (rect === undefined) return;
      const range = { rowMin: rect.y, columnMin: rect.x, rowMax: rect.y + rect.height - 1, columnMax: rect.x + rect.width - 1 };
      // Cleared once copied: never before the cells not loaded were read.
      copy(event, rect)
        .then(() => data.clearRange(range))
        .catch(report);
    };
    const onPasteEvent = (event: ClipboardEvent) => {
      const rect = focused() && event.clipboardData !== null ? target() : undefined;
      if (rect === undefined || event.clipboardData === null) return;
      event.preventDefault();
      // Only plain text: pasted HTML is never parsed.
      pasteTexts(rect.y, rect.x, parseClipboardText(event.clipboardData.getData("text/plain")));
    };
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", onPasteEvent);
    return () => {
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", onPasteEvent);
    };
  }, [clipboard, className, data, pasteTexts, report]);

  return {
    ref,
    className,
    keybindings: GLIDE_KEYBINDINGS,
    gridSelection,
    onGridSelectionChange,
    columns,
    rows,
    rowHeight,
    ...(resizeColumns ? { onColumnResize, onColumnResizeEnd } : {}),
    getCellContent,
    onVisibleRegionChanged,
    onCellEdited,
    onDelete,
    getCellsForSelection,
  };
}
