// What the user types into a cell or the formula bar, and back.
import type { CellError, CellValue } from "sheetlog";

/** A value the user can type: a number, a boolean, text, or `null` for an emptied cell. */
export type InputValue = number | boolean | string | null;

/**
 * Numbers in plain notation, as the CSV importer reads them: `42`, `-0.5`, `1e-7`, `1e+21`;
 * not `+1`, `.5`, ` 42` or leading zeros (`02134` stays text, like a zip code).
 */
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;

/**
 * Parses typed input: a leading `'` keeps the rest verbatim as text; `TRUE`/`FALSE` in any case
 * are booleans; text matching the strict number pattern is a number (which may be out of range,
 * as `1e999`: validation reports that); empty input empties the cell; anything else is text,
 * verbatim.
 */
export function parseInput(text: string): InputValue {
  if (text.startsWith("'")) return text.slice(1);
  if (text === "") return null;
  if (BOOLEAN.test(text)) return text.toLowerCase() === "true";
  if (NUMBER.test(text)) return Number(text);
  return text;
}

export function isCellError(value: CellValue): value is CellError {
  return typeof value === "object" && value !== null && value.type === "CellError";
}

/** The text that, typed back, gives `value` again (what an editor starts with). */
export function toInputText(value: CellValue): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (isCellError(value)) return value.value;
  return parseInput(value) === value ? value : `'${value}`;
}

/** What kind of value, in words (for the formula bar). */
export function describeValue(value: CellValue): string {
  if (value === undefined) return "no value";
  if (value === null) return "empty";
  if (isCellError(value)) return "error";
  return typeof value === "string" ? "text" : typeof value;
}
