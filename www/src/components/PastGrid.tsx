// The sheet as it was right after one change (versionAt), in a grid that cannot edit: no editor,
// no paste, no Delete, no fill. Moving around loads the cells of the new view for that change.
import {
  DataEditor,
  GridCellKind,
  type GridCell,
  type GridColumn,
  type GridKeyEventArgs,
  type GridSelection,
  type Item,
  type Rectangle,
} from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import { errorMessage } from "../errors";
import { columnName, displayCell } from "../format";
import { toInputText } from "../parse";

interface Props {
  data: SpreadsheetData;
  sheetId: string;
  /** The change shown: the sheet right after it. */
  sequenceId: bigint;
  /** Its first version, as `versionAt` gave it for the view when it was chosen. */
  version: ContentVersion;
  /** Called with each version read for a new view (the formula bar reads the same one). */
  onVersion(version: ContentVersion): void;
  selection: GridSelection;
  onSelectionChange(selection: GridSelection): void;
  report(kind: "info" | "error", text: string): void;
}

/** Glide's keys that would change cells, all off: this grid only shows. */
const KEYBINDINGS = {
  copy: false,
  cut: false,
  paste: false,
  delete: false,
  downFill: false,
  rightFill: false,
  activateCell: false,
} as const;

const ROW_MARKER_WIDTH = 56;
const LOADING: GridCell = { kind: GridCellKind.Loading, allowOverlay: false };

export const READ_ONLY_MESSAGE = "This is an earlier state of the sheet and cannot be changed. Choose “Back to the live sheet” to edit.";

/** Whether a key press would change a cell in an editable grid. */
function wouldEdit(event: GridKeyEventArgs): boolean {
  const primary = event.ctrlKey || event.metaKey;
  if (primary) return ["v", "x", "d", "r", "z", "y"].includes(event.key.toLowerCase());
  return event.key.length === 1 || ["Delete", "Backspace", "Enter", "F2"].includes(event.key);
}

export function PastGrid({ data, sequenceId, version, onVersion, selection, onSelectionChange, report }: Props) {
  // Set while the cells of a new view are being read for this change.
  const [reading, setReading] = useState(false);
  const latestRequest = useRef(0);

  const rowCount = Math.max(data.getRowCount(version) + 100, 1000);
  const columnCount = Math.max(data.getColumnCount(version) + 10, 26);
  // The sizes the sheet had at that change.
  const columnMapping = data.getColumnItemOffsetMapping(version);
  const rowMapping = data.getRowItemOffsetMapping(version);
  const columns = useMemo<GridColumn[]>(
    () => Array.from({ length: columnCount }, (_, i) => ({ id: String(i), title: columnName(i), width: columnMapping.itemSize(i) })),
    [columnCount, columnMapping],
  );
  const rowHeight = useMemo(
    () => (rowMapping.isUniform() ? rowMapping.itemSize(0) : (row: number) => rowMapping.itemSize(row)),
    [rowMapping],
  );

  const getCellContent = useCallback(
    ([column, row]: Item): GridCell => {
      const value = data.getCellValue(version, row, column);
      if (value === undefined && reading) return LOADING;
      const format = data.getCellFormat(version, row, column);
      const shown = displayCell(value, format);
      return {
        kind: GridCellKind.Text,
        data: toInputText(value, format),
        displayData: shown.text,
        allowOverlay: false,
        readonly: true,
        contentAlign: shown.align,
        ...(shown.color === undefined ? {} : { themeOverride: { textDark: shown.color } }),
      };
    },
    [data, version, reading],
  );

  // The view moved: load its cells (the live sheet's viewport is the same one) and read them
  // for this change again.
  const onVisibleRegionChanged = useCallback(
    (range: Rectangle) => {
      const rows = data.getRowItemOffsetMapping(version);
      const cols = data.getColumnItemOffsetMapping(version);
      const firstRow = Math.max(range.y, 0);
      const firstColumn = Math.max(range.x, 0);
      const rowMinOffset = rows.itemOffset(firstRow);
      const columnMinOffset = cols.itemOffset(firstColumn);
      const viewport = {
        rowMinOffset,
        columnMinOffset,
        height: rows.itemOffset(firstRow + Math.max(range.height, 1)) - rowMinOffset,
        width: cols.itemOffset(firstColumn + Math.max(range.width, 1)) - columnMinOffset,
      };
      const before = data.getViewport(data.getSnapshot());
      data.setViewport(viewport);
      const after = data.getViewport(data.getSnapshot());
      if (before !== undefined && after !== undefined && JSON.stringify(before) === JSON.stringify(after)) return;
      const request = ++latestRequest.current;
      setReading(true);
      data.versionAt(sequenceId).then(
        (next) => {
          if (request !== latestRequest.current) return;
          setReading(false);
          onVersion(next);
        },
        (error: unknown) => {
          if (request !== latestRequest.current) return;
          setReading(false);
          report("error", `Could not show the sheet as it was: ${errorMessage(error)}`);
        },
      );
    },
    [data, version, sequenceId, onVersion, report],
  );

  // A new change chosen: forget reads for the one before.
  useEffect(() => {
    latestRequest.current++;
    setReading(false);
  }, [sequenceId]);

  const onKeyDown = useCallback(
    (event: GridKeyEventArgs) => {
      if (!wouldEdit(event)) return;
      event.cancel();
      event.preventDefault();
      report("info", READ_ONLY_MESSAGE);
    },
    [report],
  );

  return (
    <div className="grid past" data-testid="past-grid" data-sequence-id={String(sequenceId)}>
      <DataEditor
        columns={columns}
        rows={rowCount}
        rowHeight={rowHeight}
        getCellContent={getCellContent}
        onVisibleRegionChanged={onVisibleRegionChanged}
        gridSelection={selection}
        onGridSelectionChange={onSelectionChange}
        onKeyDown={onKeyDown}
        keybindings={KEYBINDINGS}
        rowMarkers={{ kind: "number", startIndex: 1, width: ROW_MARKER_WIDTH }}
        rangeSelect="rect"
        columnSelect="none"
        rowSelect="none"
        smoothScrollX={true}
        smoothScrollY={true}
        width="100%"
        height="100%"
      />
    </div>
  );
}
