// The sheet in Glide Data Grid through sheetlog's adapter (`sheetlog/glide`): cells, loading
// cells, the viewport, paste, delete and copy come from `useGlideGrid`; this component adds the
// demo's display (number formats via numfmt, pending and failed edits), its edit path (parse,
// validate, track pending writes) and file drops.
import { CompactSelection, DataEditor, GridCellKind, type GridCell, type GridSelection, type Theme } from "@glideapps/glide-data-grid";
import { useCallback, useRef, useState, type DragEvent } from "react";
import type { SpreadsheetData } from "sheetlog";
import { useGlideGrid, type SheetCell } from "sheetlog/glide";
import { displayCell } from "../format";
import { cellKey } from "../hooks/useEdits";
import { useGlideKeyboardFixes } from "../hooks/useGlideKeyboardFixes";
import { toInputText } from "../parse";

const PENDING_THEME: Partial<Theme> = { textDark: "#8a8f98", baseFontStyle: "italic 13px", bgCell: "#fffbe6" };
const FAILED_THEME: Partial<Theme> = { textDark: "#b3261e", bgCell: "#fdecea" };
const GRID_THEME: Partial<Theme> = { markerFontStyle: "11px", headerFontStyle: "600 13px" };

export const EMPTY_SELECTION: GridSelection = {
  columns: CompactSelection.empty(),
  rows: CompactSelection.empty(),
};

interface Props {
  data: SpreadsheetData;
  pending: ReadonlyMap<string, number>;
  failed: ReadonlyMap<string, string>;
  selection: GridSelection;
  onSelectionChange(selection: GridSelection): void;
  /** The user committed `text` in a cell (format unchanged). */
  onEdit(row: number, column: number, text: string): void;
  /** A write made by the grid (paste, delete) failed. */
  onError(error: unknown): void;
  /** A file was dropped on the grid. */
  onDropFile(file: File): void;
}

export function Grid(props: Props) {
  const { data, pending, failed, selection, onSelectionChange, onEdit, onError, onDropFile } = props;
  const [dragging, setDragging] = useState(false);

  const containerRef = useRef<HTMLDivElement>(null);
  useGlideKeyboardFixes(containerRef, selection.current !== undefined);

  const renderCell = useCallback(
    ({ row, column, value, format }: SheetCell): GridCell => {
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
        ...(themeOverride === undefined ? {} : { themeOverride }),
      };
    },
    [pending, failed],
  );
  const grid = useGlideGrid(data, { renderCell, writeCell: onEdit, onError });

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
        {...grid}
        rowMarkers={{ kind: "number", startIndex: 1 }}
        theme={GRID_THEME}
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
