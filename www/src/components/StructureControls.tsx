import type { Rectangle } from "@glideapps/glide-data-grid";
import type { SpreadsheetData } from "sheetlog";

import { useState } from "react";
import { errorMessage } from "../errors";

interface Props {
  data: SpreadsheetData;
  /** The selected rectangle (columns x, rows y), if any. */
  range: Rectangle | undefined;
  report(kind: "info" | "error", text: string): void;
  /** Every button off (an earlier state of the sheet is shown). */
  disabled?: boolean;
  /** Called as each edit starts. */
  onWrite?(): void;
}

/**
 * Insert and delete rows and columns on the selection: as many rows (or columns) as the
 * selection spans, at its top (or left) edge. Each edit shows at once and is stored by the
 * library's structural edits (no rewrite of the sheet). The height of the selected rows is set
 * here (Glide Data Grid has no row-border drag; columns are resized by dragging their header),
 * stored in the sheet with `setRowHeights`.
 */
export function StructureControls({ data, range, report, disabled = false, onWrite }: Props) {
  const run = (label: string, edit: () => Promise<void>) => {
    onWrite?.();
    edit().catch((error: unknown) => report("error", `${label} failed: ${errorMessage(error)}`));
  };
  const rows = range === undefined ? 0 : range.height;
  const columns = range === undefined ? 0 : range.width;
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  const [height, setHeight] = useState("30");
  const setRowHeight = () => {
    if (range === undefined) return;
    const px = Number(height);
    if (!Number.isInteger(px) || px < 1 || px > 10_000) {
      report("error", `Row height: ${height} is not a whole number of pixels from 1 to 10000`);
      return;
    }
    run("Row height", () => data.setRowHeights(range.y, range.height, px));
  };
  return (
    <div className="structure-controls">
      <button
        type="button"
        data-testid="insert-rows"
        disabled={disabled || range === undefined}
        title={range === undefined ? "Select cells first" : `Insert ${plural(rows, "row")} above the selection`}
        onClick={() => range && run("Insert rows", () => data.insertRows(range.y, range.height))}
      >
        Insert rows
      </button>
      <button
        type="button"
        data-testid="delete-rows"
        disabled={disabled || range === undefined}
        title={range === undefined ? "Select cells first" : `Delete the ${plural(rows, "selected row")}`}
        onClick={() => range && run("Delete rows", () => data.deleteRows(range.y, range.height))}
      >
        Delete rows
      </button>
      <button
        type="button"
        data-testid="insert-columns"
        disabled={disabled || range === undefined}
        title={range === undefined ? "Select cells first" : `Insert ${plural(columns, "column")} left of the selection`}
        onClick={() => range && run("Insert columns", () => data.insertColumns(range.x, range.width))}
      >
        Insert columns
      </button>
      <button
        type="button"
        data-testid="delete-columns"
        disabled={disabled || range === undefined}
        title={range === undefined ? "Select cells first" : `Delete the ${plural(columns, "selected column")}`}
        onClick={() => range && run("Delete columns", () => data.deleteColumns(range.x, range.width))}
      >
        Delete columns
      </button>
      <label className="row-height" title="Height of the selected rows, in pixels (default 30)">
        Row height
        <input
          type="number"
          min={1}
          max={10000}
          data-testid="row-height"
          value={height}
          disabled={disabled}
          onChange={(event) => setHeight(event.target.value)}
          onKeyDown={(event) => event.key === "Enter" && setRowHeight()}
        />
      </label>
      <button
        type="button"
        data-testid="set-row-height"
        disabled={disabled || range === undefined}
        title={range === undefined ? "Select cells first" : `Set the height of the ${plural(rows, "selected row")}`}
        onClick={setRowHeight}
      >
        Set
      </button>
    </div>
  );
}
