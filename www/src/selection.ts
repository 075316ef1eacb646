import { CompactSelection, type GridSelection, type Rectangle } from "@glideapps/glide-data-grid";

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

/** A selection of the one cell (`row`, `column`). */
export function cellSelection(row: number, column: number): GridSelection {
  return {
    current: { cell: [column, row], range: { x: column, y: row, width: 1, height: 1 }, rangeStack: [] },
    columns: CompactSelection.empty(),
    rows: CompactSelection.empty(),
  };
}

/** A selection of `rect` with the active cell at (`row`, `column`). */
export function rectSelection(rect: Rectangle, row: number, column: number): GridSelection {
  return { current: { cell: [column, row], range: rect, rangeStack: [] }, columns: CompactSelection.empty(), rows: CompactSelection.empty() };
}

/**
 * Where Ctrl+arrow goes from `from` (index along the axis) as spreadsheets do: from a filled
 * cell with a filled neighbour, to the last filled cell of the run; else to the next filled cell;
 * else to the edge. The edge is the last populated row or column (0 going back), never the
 * padding past the data. `filled(i)` is `undefined` for a cell not loaded: the scan then gives
 * up and goes to the edge (the next press scans what has loaded by then).
 */
export function dataEdge(from: number, step: 1 | -1, last: number, filled: (i: number) => boolean | undefined): number {
  const edge = step > 0 ? Math.max(last, from) : 0;
  if (from === edge) return from;
  const next = from + step;
  if (filled(from) === true && filled(next) === true) {
    let i = next;
    while (i !== edge) {
      const after = filled(i + step);
      if (after === undefined) return edge;
      if (!after) return i;
      i += step;
    }
    return edge;
  }
  for (let i = next; i !== edge; i += step) {
    const here = filled(i);
    if (here === undefined) return edge;
    if (here) return i;
  }
  return edge;
}
