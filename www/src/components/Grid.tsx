// The sheet in Glide Data Grid: cells read from the current content version, the visible
// region sent to sheetlog as the viewport, edits handed to the caller.
import {
  CompactSelection,
  DataEditor,
  GridCellKind,
  type EditableGridCell,
  type GridCell,
  type GridColumn,
  type GridSelection,
  type Item,
  type Rectangle,
  type Theme,
} from "@glideapps/glide-data-grid";
import { useCallback, useMemo, useRef, useState, type DragEvent } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import { columnName, displayCell } from "../format";
import { cellKey } from "../hooks/useEdits";
import { useGlideKeyboardFixes } from "../hooks/useGlideKeyboardFixes";
import { toInputText } from "../parse";

/** Glide sizes, equal to sheetlog's item offset mappings (30 px rows, 100 px columns). */
const ROW_HEIGHT = 30;
const COLUMN_WIDTH = 100;
/** Most cells one Delete key press clears. */
const MAX_CLEAR_CELLS = 100_000;

const PENDING_THEME: Partial<Theme> = { textDark: "#8a8f98", baseFontStyle: "italic 13px", bgCell: "#fffbe6" };
const FAILED_THEME: Partial<Theme> = { textDark: "#b3261e", bgCell: "#fdecea" };
const GRID_THEME: Partial<Theme> = { markerFontStyle: "11px", headerFontStyle: "600 13px" };
/** A grey bar of varying width: Glide draws nothing for a loading cell without a skeleton. */
const LOADING_CELL: GridCell = {
  kind: GridCellKind.Loading,
  allowOverlay: false,
  skeletonWidth: 56,
  skeletonWidthVariability: 24,
  skeletonHeight: 12,
};

export const EMPTY_SELECTION: GridSelection = {
  columns: CompactSelection.empty(),
  rows: CompactSelection.empty(),
};

interface Props {
  data: SpreadsheetData;
  snapshot: ContentVersion;
  pending: ReadonlyMap<string, number>;
  failed: ReadonlyMap<string, string>;
  selection: GridSelection;
  onSelectionChange(selection: GridSelection): void;
  /** The user committed `text` in a cell (format unchanged). */
  onEdit(row: number, column: number, text: string): void;
  /** A file was dropped on the grid. */
  onDropFile(file: File): void;
}

/** The rows and columns (inclusive) inside the snapshot's viewport; all when it has none. */
function viewportCells(data: SpreadsheetData, snapshot: ContentVersion): Rectangle | undefined {
  const viewport = data.getViewport(snapshot);
  if (viewport === undefined) return undefined;
  // The mappings are shared objects owned by the sheet: never free() them.
  const rows = data.getRowItemOffsetMapping(snapshot);
  const columns = data.getColumnItemOffsetMapping(snapshot);
  const [firstRow] = rows.offsetToItem(viewport.rowMinOffset);
  const [lastRow] = rows.offsetToItem(viewport.rowMinOffset + Math.max(viewport.height - 1, 0));
  const [firstColumn] = columns.offsetToItem(viewport.columnMinOffset);
  const [lastColumn] = columns.offsetToItem(viewport.columnMinOffset + Math.max(viewport.width - 1, 0));
  return { x: firstColumn, y: firstRow, width: lastColumn - firstColumn + 1, height: lastRow - firstRow + 1 };
}

function inside(range: Rectangle, column: number, row: number): boolean {
  return column >= range.x && column < range.x + range.width && row >= range.y && row < range.y + range.height;
}

export function Grid(props: Props) {
  const { data, snapshot, pending, failed, selection, onSelectionChange, onEdit, onDropFile } = props;
  const [dragging, setDragging] = useState(false);

  const containerRef = useRef<HTMLDivElement>(null);
  useGlideKeyboardFixes(containerRef, selection.current !== undefined);

  const rowCount = data.getRowCount(snapshot);
  const columnCount = data.getColumnCount(snapshot);
  const rows = Math.max(rowCount + 100, 1000);
  const columnTotal = Math.max(columnCount + 10, 26);
  const columns = useMemo<GridColumn[]>(
    () => Array.from({ length: columnTotal }, (_, i) => ({ id: String(i), title: columnName(i), width: COLUMN_WIDTH })),
    [columnTotal],
  );

  const loading = data.getLoadStatus(snapshot).state === "loading";
  // Cells that may still be on their way: inside the viewport and inside the populated area
  // (nothing past the row and column counts can hold a value).
  const loadingRegion = useMemo(() => {
    if (!loading) return undefined;
    const viewport = viewportCells(data, snapshot) ?? { x: 0, y: 0, width: Infinity, height: Infinity };
    const width = Math.min(viewport.x + viewport.width, columnCount) - viewport.x;
    const height = Math.min(viewport.y + viewport.height, rowCount) - viewport.y;
    return width > 0 && height > 0 ? { ...viewport, width, height } : undefined;
  }, [data, snapshot, loading, rowCount, columnCount]);

  const getCellContent = useCallback(
    ([column, row]: Item): GridCell => {
      const value = data.getCellValue(snapshot, row, column);
      if (value === undefined && loadingRegion !== undefined && inside(loadingRegion, column, row)) {
        return LOADING_CELL;
      }
      const format = data.getCellFormat(snapshot, row, column);
      const shown = displayCell(value, format);
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
        data: toInputText(value),
        displayData: shown.text,
        allowOverlay: true,
        contentAlign: shown.align,
        themeOverride,
      };
    },
    [data, snapshot, loadingRegion, pending, failed],
  );

  const onVisibleRegionChanged = useCallback(
    (range: Rectangle) => {
      const current = data.getSnapshot();
      const rowMapping = data.getRowItemOffsetMapping(current);
      const columnMapping = data.getColumnItemOffsetMapping(current);
      const firstRow = Math.max(range.y, 0);
      const firstColumn = Math.max(range.x, 0);
      const rowMinOffset = rowMapping.itemOffset(firstRow);
      const columnMinOffset = columnMapping.itemOffset(firstColumn);
      data.setViewport({
        rowMinOffset,
        columnMinOffset,
        height: rowMapping.itemOffset(firstRow + Math.max(range.height, 1)) - rowMinOffset,
        width: columnMapping.itemOffset(firstColumn + Math.max(range.width, 1)) - columnMinOffset,
      });
    },
    [data],
  );

  const onCellEdited = useCallback(
    ([column, row]: Item, cell: EditableGridCell) => {
      if (cell.kind !== GridCellKind.Text) return;
      // Enter on an unchanged cell writes nothing.
      if (cell.data === toInputText(data.getCellValue(snapshot, row, column))) return;
      onEdit(row, column, cell.data);
    },
    [data, snapshot, onEdit],
  );

  const onDelete = useCallback(
    (deleted: GridSelection): boolean => {
      const ranges = deleted.current ? [deleted.current.range, ...deleted.current.rangeStack] : [];
      const cells = ranges.reduce((n, r) => n + r.width * r.height, 0);
      if (cells > MAX_CLEAR_CELLS) return false;
      for (const r of ranges) {
        for (let row = r.y; row < r.y + r.height; row++) {
          for (let column = r.x; column < r.x + r.width; column++) {
            const value = data.getCellValue(snapshot, row, column);
            if (value !== undefined && value !== null) onEdit(row, column, "");
          }
        }
      }
      return false;
    },
    [data, snapshot, onEdit],
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
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        const to = event.relatedTarget;
        if (!(to instanceof Node && event.currentTarget.contains(to))) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <DataEditor
        columns={columns}
        rows={rows}
        rowHeight={ROW_HEIGHT}
        rowMarkers={{ kind: "number", startIndex: 1 }}
        theme={GRID_THEME}
        getCellContent={getCellContent}
        getCellsForSelection={true}
        onVisibleRegionChanged={onVisibleRegionChanged}
        onCellEdited={onCellEdited}
        onDelete={onDelete}
        gridSelection={selection}
        onGridSelectionChange={onSelectionChange}
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
