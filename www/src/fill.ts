// Fill (the fill handle, Ctrl+D, Ctrl+R) and Delete as single writes of the library.
import type { GridSelection, Rectangle } from "@glideapps/glide-data-grid";
import type { CellValue, SpreadsheetData } from "sheetlog";
import { readBlock } from "./block";

/** Most cells one write takes (`setCellValuesAndFormats`). */
export const MAX_BATCH_CELLS = 1_048_576;

/**
 * The part of `destination` outside `source` when `destination` extends `source` in one
 * direction (as Glide's orthogonal fill does), else `undefined`.
 */
export function fillExtension(source: Rectangle, destination: Rectangle): Rectangle | undefined {
  const sameColumns = source.x === destination.x && source.width === destination.width;
  const sameRows = source.y === destination.y && source.height === destination.height;
  if (sameColumns && destination.height > source.height) {
    const down = destination.y === source.y;
    const height = destination.height - source.height;
    return { x: source.x, width: source.width, y: down ? source.y + source.height : destination.y, height };
  }
  if (sameRows && destination.width > source.width) {
    const right = destination.x === source.x;
    const width = destination.width - source.width;
    return { y: source.y, height: source.height, x: right ? source.x + source.width : destination.x, width };
  }
  return undefined;
}

const wrap = (k: number, n: number) => ((k % n) + n) % n;

/**
 * Fills `destination` with copies of `source` (repeated as a pattern) as one batch write: one
 * log entry, one undo step. Resolves when durable; rejects as `setCellValuesAndFormats` does.
 */
export async function fill(data: SpreadsheetData, source: Rectangle, destination: Rectangle): Promise<Rectangle | undefined> {
  const target = fillExtension(source, destination);
  if (target === undefined) return undefined;
  if (target.width * target.height > MAX_BATCH_CELLS) {
    throw new Error(`${target.width * target.height} cells is more than one fill writes (${MAX_BATCH_CELLS})`);
  }
  const pattern = await readBlock(data, data.getSnapshot(), source);
  const values: CellValue[][] = [];
  const formats: (string | undefined)[][] = [];
  for (let i = 0; i < target.height; i++) {
    const pi = wrap(target.y + i - source.y, source.height);
    const valueRow: CellValue[] = [];
    const formatRow: (string | undefined)[] = [];
    for (let j = 0; j < target.width; j++) {
      const pj = wrap(target.x + j - source.x, source.width);
      valueRow.push(pattern.values[pi]?.[pj]);
      formatRow.push(pattern.formats?.[pi]?.[pj]);
    }
    values.push(valueRow);
    formats.push(formatRow);
  }
  await data.setCellValuesAndFormats(target.y, target.x, values, formats);
  return target;
}

/** The rectangles of a selection: the current range and its stack, whole columns, whole rows. */
export function selectedRectangles(selection: GridSelection, rows: number, columns: number): Rectangle[] {
  const rects: Rectangle[] = [];
  if (selection.current !== undefined) rects.push(selection.current.range, ...selection.current.rangeStack);
  for (const [start, end] of selection.columns.items) rects.push({ x: start, y: 0, width: end - start, height: rows });
  for (const [start, end] of selection.rows.items) rects.push({ x: 0, y: start, width: columns, height: end - start });
  return rects.filter((r) => r.width > 0 && r.height > 0);
}

/** Clears every selected rectangle: one `clearRange` (one log entry) each, whatever its size. */
export function clearSelection(data: SpreadsheetData, selection: GridSelection): Promise<void>[] {
  const version = data.getSnapshot();
  const rows = Math.max(data.getRowCount(version), 1);
  const columns = Math.max(data.getColumnCount(version), 1);
  return selectedRectangles(selection, rows, columns).map((r) =>
    data.clearRange({ rowMin: r.y, columnMin: r.x, rowMax: r.y + r.height - 1, columnMax: r.x + r.width - 1 }),
  );
}
