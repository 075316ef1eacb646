// The sheets stored in this browser: one IndexedDB database `sheetlog:<id>` each, plus a small
// registry in localStorage for display names and the last sheet open.
const DB_PREFIX = "sheetlog:";
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

/** Sheets with a database in this browser or a name in the registry, sorted by name. */
export async function listSheets(): Promise<SheetEntry[]> {
  const names = readNames();
  const ids = new Set(Object.keys(names));
  if (typeof indexedDB.databases === "function") {
    for (const db of await indexedDB.databases()) {
      if (db.name?.startsWith(DB_PREFIX)) ids.add(db.name.slice(DB_PREFIX.length));
    }
  }
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
 * Deletes the sheet's database and its registry entry. The sheet must be closed in this tab;
 * `onBlocked` runs while other tabs still hold it open.
 */
export function deleteSheet(id: string, onBlocked: () => void): Promise<void> {
  const { [id]: _removed, ...rest } = readNames();
  writeNames(rest);
  if (localStorage.getItem(LAST_KEY) === id) localStorage.removeItem(LAST_KEY);
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(DB_PREFIX + id);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete sheet ${id}`));
    request.onblocked = onBlocked;
  });
}

export function lastSheetId(): string | undefined {
  return localStorage.getItem(LAST_KEY) ?? undefined;
}

export function rememberLastSheet(id: string): void {
  localStorage.setItem(LAST_KEY, id);
}
