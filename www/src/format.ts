// Display of cell values with their number formats (numfmt), and A1 addresses.
import { format as formatValue, formatColor, isValidFormat } from "numfmt";
import type { CellValue } from "sheetlog";
import { isCellError } from "./parse";

export interface CellDisplay {
  /** The text shown in the cell. */
  text: string;
  /** A colour the format asks for (`[Red]`), if any. */
  color: string | undefined;
  align: "left" | "right" | "center";
}

/** How a cell shows `value` under number format `format` (Excel rules, via numfmt). */
export function displayCell(value: CellValue, format: string | undefined): CellDisplay {
  if (value === undefined || value === null) return { text: "", color: undefined, align: "left" };
  if (isCellError(value)) return { text: value.value, color: "#c62828", align: "center" };
  const align = typeof value === "number" ? "right" : typeof value === "boolean" ? "center" : "left";
  const pattern = format ?? (typeof value === "number" ? "General" : undefined);
  if (pattern === undefined) return { text: displayPlain(value), color: undefined, align };
  try {
    const color = formatColor(pattern, value);
    return {
      text: formatValue(pattern, value),
      color: typeof color === "string" ? color : undefined,
      align,
    };
  } catch {
    // A format numfmt cannot read (stored by another client): show the plain value.
    return { text: displayPlain(value), color: undefined, align };
  }
}

function displayPlain(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return String(value);
}

/** Why numfmt cannot display with `format`, or `undefined` when it can. */
export function formatProblem(format: string | undefined): string | undefined {
  if (format === undefined || isValidFormat(format)) return undefined;
  return `"${format}" is not a number format this demo can display`;
}

/** Column letters: 0 -> A, 25 -> Z, 26 -> AA. */
export function columnName(index: number): string {
  let name = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}

/** A1 address of a cell, 0-based indexes. */
export function cellAddress(row: number, column: number): string {
  return `${columnName(column)}${row + 1}`;
}

/** A1 range ("A1:C10") of a rectangle of cells. */
export function rangeAddress(range: { x: number; y: number; width: number; height: number }): string {
  return `${cellAddress(range.y, range.x)}:${cellAddress(range.y + range.height - 1, range.x + range.width - 1)}`;
}
