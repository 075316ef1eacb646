// Column widths the user dragged, kept per sheet in localStorage so they survive a reload.
import { useCallback, useState } from "react";

const KEY_PREFIX = "sheetlog-demo:widths:";
const MIN_WIDTH = 24;
const MAX_WIDTH = 2000;

export type ColumnWidths = ReadonlyMap<number, number>;

function read(sheetId: string): ColumnWidths {
  const widths = new Map<number, number>();
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY_PREFIX + sheetId) ?? "{}");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return widths;
    for (const [column, width] of Object.entries(parsed)) {
      const index = Number(column);
      if (Number.isInteger(index) && index >= 0 && typeof width === "number" && width >= MIN_WIDTH && width <= MAX_WIDTH) {
        widths.set(index, width);
      }
    }
  } catch {
    // Unreadable: default widths.
  }
  return widths;
}

function write(sheetId: string, widths: ColumnWidths): void {
  try {
    localStorage.setItem(KEY_PREFIX + sheetId, JSON.stringify(Object.fromEntries(widths)));
  } catch {
    // Storage full or blocked: the widths last for this visit only.
  }
}

/** Forgets the widths of a deleted sheet. */
export function forgetColumnWidths(sheetId: string): void {
  localStorage.removeItem(KEY_PREFIX + sheetId);
}

/** The widths of sheet `sheetId`, and a setter that keeps them (`persist` once a drag ends). */
export function useColumnWidths(sheetId: string): {
  widths: ColumnWidths;
  setWidth(column: number, width: number, persist: boolean): void;
} {
  const [state, setState] = useState(() => ({ sheetId, widths: read(sheetId) }));
  const current = state.sheetId === sheetId ? state : { sheetId, widths: read(sheetId) };
  if (current !== state) setState(current);
  const setWidth = useCallback(
    (column: number, width: number, persist: boolean) => {
      setState((s) => {
        const widths = new Map(s.widths).set(column, Math.round(Math.min(Math.max(width, MIN_WIDTH), MAX_WIDTH)));
        if (persist) write(s.sheetId, widths);
        return { sheetId: s.sheetId, widths };
      });
    },
    [],
  );
  return { widths: current.widths, setWidth };
}
