// The sheets stored in this browser, from sheetlog's own list (`SpreadsheetData.list()` and
// `SpreadsheetData.delete()`); the demo keeps only its preferences in localStorage: display names
// and the last sheet open.
import { SpreadsheetData } from "sheetlog";

const NAMES_KEY = "sheetlog-demo:names";
const LAST_KEY = "sheetlog-demo:last";

export interface SheetEntry {
  id: string;
  name: string;
}

function readNames(): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(NAMES_KEY) ?? "{}");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    const names: Record<string, string> = {};
    for (const [id, name] of Object.entries(parsed)) {
      if (typeof name === "string") names[id] = name;
    }
    return names;
  } catch {
    return {};
  }
}

function writeNames(names: Record<string, string>): void {
  localStorage.setItem(NAMES_KEY, JSON.stringify(names));
}

/** Sheets stored by sheetlog or named here (created, not opened yet), sorted by name. */
export async function listSheets(): Promise<SheetEntry[]> {
  const names = readNames();
  const ids = new Set(Object.keys(names));
  for (const sheet of await SpreadsheetData.list()) ids.add(sheet.name);
  return [...ids]
    .map((id) => ({ id, name: names[id] ?? id }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.id.localeCompare(b.id));
}

/** A fresh sheet id (the database is created when the sheet is first opened). */
export function createSheet(name: string): SheetEntry {
  const id = `sheet-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  renameSheet(id, name);
  return { id, name };
}

export function renameSheet(id: string, name: string): void {
  writeNames({ ...readNames(), [id]: name });
}

/** A name like "Sheet 3" that no sheet in `sheets` has. */
export function nextSheetName(sheets: readonly SheetEntry[]): string {
  const taken = new Set(sheets.map((s) => s.name));
  let n = sheets.length + 1;
  while (taken.has(`Sheet ${n}`)) n++;
  return `Sheet ${n}`;
}

/**
 * Deletes the sheet with everything stored for it (`SpreadsheetData.delete`, which also stops it
 * in other tabs) and its display name.
 */
export async function deleteSheet(id: string): Promise<void> {
  const { [id]: _removed, ...rest } = readNames();
  writeNames(rest);
  if (localStorage.getItem(LAST_KEY) === id) localStorage.removeItem(LAST_KEY);
  await SpreadsheetData.delete(id);
}

/** Sheet `id` with its display name (its id when it has none), without reading the stored list. */
export function namedSheet(id: string): SheetEntry {
  return { id, name: readNames()[id] ?? id };
}

/** Whether the demo has a display name for sheet `id` (every sheet it created has one). */
export function isNamedSheet(id: string): boolean {
  return Object.hasOwn(readNames(), id);
}

export function lastSheetId(): string | undefined {
  return localStorage.getItem(LAST_KEY) ?? undefined;
}

export function rememberLastSheet(id: string): void {
  localStorage.setItem(LAST_KEY, id);
}
