import type { GridSelection, Rectangle } from "@glideapps/glide-data-grid";

/** The selected cell as [row, column], if one is. */
export function selectedCell(selection: GridSelection): [number, number] | undefined {
  const cell = selection.current?.cell;
  return cell === undefined ? undefined : [cell[1], cell[0]];
}

/**
 * The selected rectangle: the current range, or whole selected columns (first to last) down to
 * the last populated row.
 */
export function selectedRange(selection: GridSelection, rowCount: number): Rectangle | undefined {
  if (selection.current !== undefined) return selection.current.range;
  const first = selection.columns.first();
  const last = selection.columns.last();
  if (first === undefined || last === undefined) return undefined;
  return { x: first, y: 0, width: last - first + 1, height: Math.max(rowCount, 1) };
}
