// The sheet in Glide Data Grid through sheetlog's adapter (`sheetlog/glide`): cells, loading
// cells, the viewport and edits come from `useGlideGrid`; this component adds the demo's display
// (number formats via numfmt, `###` when a number does not fit, pending and failed edits), its
// edit path (parse, validate, track pending writes), clipboard (useClipboard), fill and Delete as
// single writes, column widths kept per sheet, spreadsheet keys (F2, Ctrl+arrows to the data
// edge) and file drops.
import {
  CompactSelection,
  DataEditor,
  GridCellKind,
  type FillPatternEventArgs,
  type GridCell,
  type GridKeyEventArgs,
  type GridSelection,
  type Theme,
} from "@glideapps/glide-data-grid";
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import { useGlideGrid, useGlideKeyboardFixes, type SheetCell } from "sheetlog/glide";
import { viewportBounds } from "sheetlog/react";
import { clearSelection, fill } from "../fill";
import { markPainted, markShown } from "../first-open";
import { displayCell, rangeAddress } from "../format";
import { useClipboard } from "../hooks/useClipboard";
import { cellKey } from "../hooks/useEdits";
import { toInputText } from "../parse";
import { cellSelection, dataEdge, rectSelection } from "../selection";

const PENDING_THEME: Partial<Theme> = { textDark: "#8a8f98", baseFontStyle: "italic 13px", bgCell: "#fffbe6" };
const FAILED_THEME: Partial<Theme> = { textDark: "#b3261e", bgCell: "#fdecea" };
const GRID_THEME: Partial<Theme> = { markerFontStyle: "11px", headerFontStyle: "600 13px" };
/** Glide's cell font (its default theme), to tell whether a number fits its column. */
const CELL_FONT = "13px -apple-system, BlinkMacSystemFont, avenir next, avenir, segoe ui, helvetica neue, helvetica, Ubuntu, noto, arial, sans-serif";
/** Horizontal padding Glide leaves inside a cell (8 px each side). */
const CELL_PADDING = 16;

/** Glide's own copy, cut and paste are off (useClipboard does them); Delete and Backspace are ours; F2 edits. */
const KEYBINDINGS = {
  copy: false,
  cut: false,
  paste: false,
  delete: false,
  downFill: true,
  rightFill: true,
  activateCell: " |Enter|shift+Enter|F2",
} as const;

let measureContext: CanvasRenderingContext2D | null | undefined;
function textWidth(text: string): number {
  if (measureContext === undefined) {
    measureContext = document.createElement("canvas").getContext("2d");
    if (measureContext !== null) measureContext.font = CELL_FONT;
  }
  return measureContext === null ? text.length * 7 : measureContext.measureText(text).width;
}

export const EMPTY_SELECTION: GridSelection = {
  columns: CompactSelection.empty(),
  rows: CompactSelection.empty(),
};

interface Props {
  data: SpreadsheetData;
  /** The sheet's current version (the parent's `useSpreadsheetSnapshot(data)`). */
  version: ContentVersion;
  /** The sheet's id: column widths are kept under it. */
  sheetId: string;
  pending: ReadonlyMap<string, number>;
  failed: ReadonlyMap<string, string>;
  selection: GridSelection;
  onSelectionChange(selection: GridSelection): void;
  /** The user committed `text` in a cell (format unchanged). */
  onEdit(row: number, column: number, text: string): void;
  /** A write made by the grid (paste, delete) failed. */
  onError(error: unknown): void;
  /** Counts a write as pending until it settles, and reports its failure. */
  track(what: string, write: Promise<unknown>): void;
  report(kind: "info" | "error", text: string): void;
  /** A file was dropped on the grid. */
  onDropFile(file: File): void;
}

/** Row numbers up to 9,999,999 fit; a fixed width keeps the columns where they are as the sheet grows. */
const ROW_MARKER_WIDTH = 56;

/** Column width before any drag (the sheet's 100 px columns). */
const DEFAULT_WIDTH = 100;

/** Ctrl+arrow: the direction as [column step, row step]; Ctrl+Home and Ctrl+End. */
const JUMPS: Record<string, [0, 1 | -1] | [1 | -1, 0] | "home" | "end" | undefined> = {
  ArrowDown: [0, 1],
  ArrowUp: [0, -1],
  ArrowRight: [1, 0],
  ArrowLeft: [-1, 0],
  Home: "home",
  End: "end",
};

export function Grid(props: Props) {
  const { data, version, pending, failed, selection, onSelectionChange, onEdit, onError, onDropFile, track, report } = props;
  const [dragging, setDragging] = useState(false);
  // Column widths live in the sheet (setColumnWidths, through the adapter); renderCell reads
  // the width the grid has now, for the ### of numbers wider than their column.
  const widthOf = useRef((column: number) => data.getColumnItemOffsetMapping(data.getSnapshot()).itemSize(column));

  const containerRef = useRef<HTMLDivElement>(null);
  useGlideKeyboardFixes(containerRef, selection.current !== undefined);
  useClipboard({ data, container: containerRef, selection, onSelectionChange, track, report });

  const renderCell = useCallback(
    ({ row, column, value, format }: SheetCell): GridCell => {
      markPainted();
      const shown = displayCell(value, format);
      // A number wider than its column shows as ### (as spreadsheets do), never clipped.
      const width = widthOf.current(column);
      const text =
        typeof value === "number" && textWidth(shown.text) + CELL_PADDING > width
          ? "#".repeat(Math.max(1, Math.floor((width - CELL_PADDING) / textWidth("#"))))
          : shown.text;
      const key = cellKey(row, column);
      const themeOverride = pending.has(key)
        ? PENDING_THEME
        : failed.has(key)
          ? FAILED_THEME
          : shown.color !== undefined
            ? { textDark: shown.color }
            : undefined;
      return {
        kind: GridCellKind.Text,
        data: toInputText(value, format),
        displayData: text,
        allowOverlay: true,
        contentAlign: shown.align,
        ...(themeOverride === undefined ? {} : { themeOverride }),
      };
    },
    [pending, failed],
  );
  // The demo has its own clipboard (useClipboard: status messages, exact values when pasting its own copy).
  const grid = useGlideGrid(data, { renderCell, writeCell: onEdit, onError, clipboard: false, gridSelection: selection, onGridSelectionChange: onSelectionChange });
  const { ref: gridRef } = grid;
  // The first version drawn with its viewport loaded ends a reload (first-open.ts markShown): in
  // the commit, after the grid drew it (its own layout effect and the adapter's, which run first).
  useLayoutEffect(() => markShown(data, version), [data, version]);

  const { columns } = grid;
  widthOf.current = (column: number) => columns[column]?.width ?? DEFAULT_WIDTH;
  // The widths that are not the default, for tests and the console.
  const resized = useMemo(
    () => JSON.stringify(Object.fromEntries(columns.flatMap((c, i) => (c.width === DEFAULT_WIDTH ? [] : [[i, c.width]])))),
    [columns],
  );

  const onFillPattern = useCallback(
    ({ patternSource, fillDestination, preventDefault }: FillPatternEventArgs) => {
      preventDefault();
      track(`Fill of ${rangeAddress(fillDestination)}`, fill(data, patternSource, fillDestination));
    },
    [data, track],
  );

  const onKeyDown = useCallback(
    (event: GridKeyEventArgs) => {
      const primary = event.ctrlKey || event.metaKey;
      if ((event.key === "Delete" || event.key === "Backspace") && !primary && !event.altKey) {
        event.cancel();
        for (const cleared of clearSelection(data, selection)) track("Delete", cleared);
        return;
      }
      const jump = primary && !event.altKey ? JUMPS[event.key] : undefined;
      const cell = selection.current?.cell;
      if (jump === undefined || cell === undefined) return;
      event.cancel();
      event.preventDefault();
      const version = data.getSnapshot();
      const bounds = data.getLoadStatus(version).state === "ready" ? viewportBounds(data, version) : undefined;
      const known = (row: number, column: number) =>
        bounds === undefined || (row >= bounds.rowMin && row <= bounds.rowMax && column >= bounds.columnMin && column <= bounds.columnMax);
      const filled = (row: number, column: number): boolean | undefined => {
        if (!known(row, column)) return undefined;
        const value = data.getCellValue(version, row, column);
        return value !== undefined && value !== null && value !== "";
      };
      const [column, row] = cell;
      const range = selection.current?.range ?? { x: column, y: row, width: 1, height: 1 };
      // Shift extends the selection: its edge away from the active cell moves.
      const movingRow = event.shiftKey && range.y === row ? range.y + range.height - 1 : event.shiftKey ? range.y : row;
      const movingColumn = event.shiftKey && range.x === column ? range.x + range.width - 1 : event.shiftKey ? range.x : column;
      let toRow = movingRow;
      let toColumn = movingColumn;
      if (jump === "end") {
        toColumn = Math.max(data.getColumnCount(version) - 1, 0);
        toRow = Math.max(data.getRowCount(version) - 1, 0);
      } else if (jump === "home") {
        toColumn = 0;
        toRow = 0;
      } else if (jump[0] === 0) {
        const last = Math.max(data.getRowCount(version) - 1, 0);
        toRow = dataEdge(movingRow, jump[1], last, (r) => filled(r, movingColumn));
      } else {
        const last = Math.max(data.getColumnCount(version) - 1, 0);
        toColumn = dataEdge(movingColumn, jump[0], last, (c) => filled(movingRow, c));
      }
      if (event.shiftKey) {
        const [rowFrom, rowTo] = jump === "end" || jump === "home" || jump[0] === 0 ? [row, toRow] : [range.y, range.y + range.height - 1];
        const [columnFrom, columnTo] = jump === "end" || jump === "home" || jump[1] === 0 ? [column, toColumn] : [range.x, range.x + range.width - 1];
        const rect = {
          x: Math.min(columnFrom, columnTo),
          y: Math.min(rowFrom, rowTo),
          width: Math.abs(columnTo - columnFrom) + 1,
          height: Math.abs(rowTo - rowFrom) + 1,
        };
        onSelectionChange(rectSelection(rect, row, column));
        // The active cell stays: the grid does not scroll by itself, so bring the moved edge into view.
        gridRef.current?.scrollTo(toColumn, toRow);
      } else {
        // A new active cell: Glide scrolls it into view itself (`scrollToActiveCell`). Scrolling here
        // as well moved the grid twice as far (its second scroll measures from the old position),
        // to the end of the extra rows past the last row.
        onSelectionChange(cellSelection(toRow, toColumn));
      }
    },
    [data, selection, onSelectionChange, track, gridRef],
  );

  const hasFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");
  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDragging(true);
  };
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file !== undefined) onDropFile(file);
  };

  return (
    <div
      ref={containerRef}
      className={dragging ? "grid dragging" : "grid"}
      data-testid="grid"
      data-column-widths={resized}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        const to = event.relatedTarget;
        if (!(to instanceof Node && event.currentTarget.contains(to))) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <DataEditor
        {...grid}
        onFillPattern={onFillPattern}
        onKeyDown={onKeyDown}
        keybindings={KEYBINDINGS}
        fillHandle={true}
        rowMarkers={{ kind: "number", startIndex: 1, width: ROW_MARKER_WIDTH }}
        theme={GRID_THEME}
        rangeSelect="rect"
        smoothScrollX={true}
        smoothScrollY={true}
        width="100%"
        height="100%"
      />
      {dragging && <div className="drop-hint">Drop a CSV file to import it</div>}
    </div>
  );
}
