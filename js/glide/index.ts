/**
 * A Glide Data Grid adapter for sheetlog (`sheetlog/glide`; `@glideapps/glide-data-grid` 6 and
 * React are peer dependencies).
 *
 * {@link useGlideGrid} returns the props `<DataEditor>` needs to show and edit a sheet: cells
 * read from the current content version (loading cells where tiles are still on their way), the
 * visible region sent to `setViewport`, edits, paste as one batch write, Delete as `clearRange`,
 * copying that loads the whole selection first, and redraws of only the cells that changed.
 *
 * @example
 * ```tsx
 * import "@glideapps/glide-data-grid/dist/index.css";
 * import { DataEditor } from "@glideapps/glide-data-grid";
 * import { useGlideGrid } from "sheetlog/glide";
 *
 * function Sheet({ data }: { data: SpreadsheetData }) {
 *   const grid = useGlideGrid(data);
 *   return <DataEditor {...grid} width="100%" height={600} rowMarkers="number" />;
 * }
 * ```
 *
 * @module
 */
import {
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
import { useCallback, useEffect, useMemo, useRef, type RefObject } from "react";
import type { CellError, CellValue, ContentVersion, SpreadsheetData } from "../index.js";
import { useSpreadsheetSnapshot, viewportBounds, type RangeBounds } from "../react/index.js";

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
}

/** The props of `<DataEditor>` that {@link useGlideGrid} provides; spread them onto it. */
export interface GlideGridProps {
  /** Pass as `ref` (spreading the props does): used to redraw only the cells that changed. */
  ref: RefObject<DataEditorRef | null>;
  columns: GridColumn[];
  rows: number;
  rowHeight: number;
  getCellContent: (cell: Item) => GridCell;
  onVisibleRegionChanged: (range: Rectangle) => void;
  onCellEdited: (cell: Item, newValue: EditableGridCell) => void;
  onPaste: (target: Item, values: readonly (readonly string[])[]) => boolean;
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

/** Splits CSV text (RFC 4180 quoting, `\n` line ends, as `exportCsv` writes it) into fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

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
 * - `onPaste`: one `setCellValuesAndFormats` for the whole pasted block, formats kept.
 * - `onDelete`: one `clearRange` per selected rectangle, whatever its size.
 * - `getCellsForSelection`: copies from the version when the selection is loaded, else reads
 *   the whole selection first (through `exportCsv`), so nothing unloaded is copied as blank.
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
  const { minRows = 1000, extraRows = 100, minColumns = 26, extraColumns = 10 } = options;
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
  const rowHeight = rowMapping.itemSize(0);
  const columnWidth = columnMapping.itemSize(0);
  const columns = useMemo<GridColumn[]>(
    () => Array.from({ length: columnTotal }, (_, i) => ({ id: String(i), title: columnName(i), width: columnWidth })),
    [columnTotal, columnWidth],
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

  // Redraw only the visible cells that changed between the version drawn and the new one.
  const visible = useRef<Rectangle | undefined>(undefined);
  useEffect(() => {
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

  const onPaste = useCallback(
    ([column, row]: Item, values: readonly (readonly string[])[]): boolean => {
      const version = data.getSnapshot();
      const parse = callbacks.current.parseText;
      const parsed = values.map((line) => line.map((text) => parse(text)));
      const formats = values.map((line, i) => line.map((_, j) => data.getCellFormat(version, row + i, column + j)));
      data.setCellValuesAndFormats(row, column, parsed, formats).catch(report);
      return false;
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
      // Part of the selection is not loaded: read it all from storage before copying.
      return async () => {
        const csv = await data.exportCsv(version, a1(rect));
        if (abortSignal.aborted) return [];
        const fields = parseCsv(csv);
        return Array.from({ length: rect.height }, (_, i) =>
          Array.from({ length: rect.width }, (_, j): GridCell => {
            const text = fields[i]?.[j] ?? "";
            return { kind: GridCellKind.Text, data: text, displayData: text, allowOverlay: true };
          }),
        );
      };
    },
    [data, cellAt],
  );

  return {
    ref,
    columns,
    rows,
    rowHeight,
    getCellContent,
    onVisibleRegionChanged,
    onCellEdited,
    onPaste,
    onDelete,
    getCellsForSelection,
  };
}
