// What the user types into a cell or the formula bar, and back.
import { format as formatNumber, getFormatFromId, isDateFormat, isPercentFormat, parseValue } from "numfmt";
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

/** Digits with a leading zero (`02134`): a code, kept as text as the CSV importer keeps it. */
const LEADING_ZERO = /^0\d+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Typed input as a value and, for formatted input (`$12.50`, `45%`, a date), the matching number format. */
export interface TypedInput {
  value: InputValue;
  format: string | undefined;
}

/**
 * Parses typed or pasted input as a spreadsheet does: everything {@link parseInput} reads, plus
 * (through numfmt's parser) thousands separators (`1,234.5`), currency (`$12.50`), percents
 * (`45%`, stored as 0.45), dates (`2024-03-15`, `3/15/2024`, `March 15, 2024`: serial numbers)
 * and times, each with a format that shows it the way it was typed. Digits with a leading zero
 * stay text.
 */
export function parseTyped(text: string): TypedInput {
  const plain = parseInput(text);
  if (typeof plain !== "string" || text.startsWith("'") || LEADING_ZERO.test(text.trim())) {
    return { value: plain, format: undefined };
  }
  const parsed = parseValue(text);
  if (parsed === undefined || typeof parsed.value !== "number" || !Number.isFinite(parsed.value)) {
    return { value: plain, format: undefined };
  }
  const format = ISO_DATE.test(text.trim())
    ? "yyyy-mm-dd"
    : parsed.formatId === undefined
      ? undefined
      : getFormatFromId(parsed.formatId);
  return { value: parsed.value, format };
}

type FormatKind = "date" | "percent" | "number";

function formatKind(format: string): FormatKind {
  if (isDateFormat(format)) return "date";
  if (isPercentFormat(format)) return "percent";
  return "number";
}

/**
 * The format an edit stores: the cell's own when it suits what was typed (a date typed into a
 * date cell keeps `dd/mm/yyyy`), else the one the input implies.
 */
export function formatForEdit(typed: TypedInput, existing: string | undefined): string | undefined {
  if (typed.format === undefined || typeof typed.value !== "number") return existing;
  if (existing !== undefined && formatKind(existing) === formatKind(typed.format)) return existing;
  return typed.format;
}

export function isCellError(value: CellValue): value is CellError {
  return typeof value === "object" && value !== null && value.type === "CellError";
}

/**
 * The text that, typed back, gives `value` again (what an editor starts with): a number under a
 * date format as an ISO date (and time), under a percent format as a percent.
 */
export function toInputText(value: CellValue, format?: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return numberInputText(value, format);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (isCellError(value)) return value.value;
  return parseTyped(value).value === value ? value : `'${value}`;
}

/** What kind of value, in words (for the formula bar). */
export function describeValue(value: CellValue): string {
  if (value === undefined) return "no value";
  if (value === null) return "empty";
  if (isCellError(value)) return "error";
  return typeof value === "string" ? "text" : typeof value;
}

function numberInputText(value: number, format: string | undefined): string {
  if (format === undefined) return String(value);
  try {
    if (isDateFormat(format)) {
      const whole = Number.isInteger(value);
      const onlyTime = value >= 0 && value < 1;
      return formatNumber(onlyTime ? "hh:mm:ss" : whole ? "yyyy-mm-dd" : "yyyy-mm-dd hh:mm:ss", value);
    }
    if (isPercentFormat(format)) return `${Number((value * 100).toPrecision(15))}%`;
  } catch {
    // numfmt could not read the format: the plain number.
  }
  return String(value);
}
