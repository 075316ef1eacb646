// Reading a rectangle of cells for copy and fill: from the current version when all of it is
// loaded, else from storage through `exportCsv` (never unloaded cells as blanks).
import type { Rectangle } from "@glideapps/glide-data-grid";
import type { CellValue, ContentVersion, SpreadsheetData, Viewport } from "sheetlog";
import { viewportBounds } from "sheetlog/react";
import { splitDelimited } from "sheetlog/glide";
import { displayCell, rangeAddress } from "./format";
import { isCellError } from "./parse";

/** A rectangle of cells: values, formats (`undefined` when storage had to be read: not known), and the text a person sees. */
export interface Block {
  values: CellValue[][];
  formats: (string | undefined)[][] | undefined;
  texts: string[][];
}

/** Numbers in plain notation and booleans, as `importCsv` reads them (and `exportCsv` writes them). */
const PLAIN_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A field of `exportCsv` back to the value it was written from (text that looks like a number reads as one). */
export function csvFieldValue(field: string): CellValue {
  if (field === "") return undefined;
  if (field === "TRUE" || field === "FALSE") return field === "TRUE";
  if (PLAIN_NUMBER.test(field)) return Number(field);
  return field;
}

/** The text of a cell as copied: what the cell shows when it has a format, else its plain value. */
export function cellCopyText(value: CellValue, format: string | undefined): string {
  if (value === undefined || value === null) return "";
  if (format !== undefined) return displayCell(value, format).text;
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (isCellError(value)) return value.value;
  return String(value);
}

/** Whether every cell of `rect` is loaded in `version`: nothing loading, and inside its viewport. */
export function isLoaded(data: SpreadsheetData, version: ContentVersion, rect: Rectangle): boolean {
  if (data.getLoadStatus(version).state !== "ready") return false;
  const bounds = viewportBounds(data, version);
  if (bounds === undefined) return true;
  return (
    rect.y >= bounds.rowMin &&
    rect.x >= bounds.columnMin &&
    rect.y + rect.height - 1 <= bounds.rowMax &&
    rect.x + rect.width - 1 <= bounds.columnMax
  );
}

/** The cells of `rect` as `version` holds them; only call when {@link isLoaded}. */
export function readLoadedBlock(data: SpreadsheetData, version: ContentVersion, rect: Rectangle): Block {
  const values: CellValue[][] = [];
  const formats: (string | undefined)[][] = [];
  const texts: string[][] = [];
  for (let i = 0; i < rect.height; i++) {
    const valueRow: CellValue[] = [];
    const formatRow: (string | undefined)[] = [];
    const textRow: string[] = [];
    for (let j = 0; j < rect.width; j++) {
      const value = data.getCellValue(version, rect.y + i, rect.x + j);
      const format = data.getCellFormat(version, rect.y + i, rect.x + j);
      valueRow.push(value);
      formatRow.push(format);
      textRow.push(cellCopyText(value, format));
    }
    values.push(valueRow);
    formats.push(formatRow);
    texts.push(textRow);
  }
  return { values, formats, texts };
}

/** Most cells {@link readBlock} loads through the viewport (values and formats); larger blocks are exported. */
export const MAX_LOADED_BLOCK = 1_048_576;
/** How long {@link readBlock} waits for the tiles of a block before reading it through `exportCsv`. */
const LOAD_TIMEOUT_MS = 20_000;

function sameViewport(a: Viewport | undefined, b: Viewport | undefined): boolean {
  return (
    a === b ||
    (a !== undefined &&
      b !== undefined &&
      a.rowMinOffset === b.rowMinOffset &&
      a.columnMinOffset === b.columnMinOffset &&
      a.width === b.width &&
      a.height === b.height)
  );
}

/**
 * Loads the tiles under `rect` by pointing the sheet's viewport at it for a moment, then reads
 * the block (values and formats) and points the viewport back, unless the grid moved it
 * meanwhile. `undefined` when the tiles did not load in time or the grid took the viewport back.
 */
async function loadThroughViewport(data: SpreadsheetData, rect: Rectangle): Promise<Block | undefined> {
  const version = data.getSnapshot();
  const previous = data.getViewport(version);
  const rows = data.getRowItemOffsetMapping(version);
  const columns = data.getColumnItemOffsetMapping(version);
  const viewport = {
    rowMinOffset: rows.itemOffset(rect.y),
    columnMinOffset: columns.itemOffset(rect.x),
    height: rows.itemOffset(rect.y + rect.height) - rows.itemOffset(rect.y),
    width: columns.itemOffset(rect.x + rect.width) - columns.itemOffset(rect.x),
  };
  data.setViewport(viewport);
  const block = await new Promise<Block | undefined>((resolve) => {
    let settled = false;
    const check = () => {
      if (settled) return;
      const now = data.getSnapshot();
      if (isLoaded(data, now, rect)) finish(readLoadedBlock(data, now, rect));
      else if (!sameViewport(data.getViewport(now), viewport)) finish(undefined);
    };
    const finish = (result: Block | undefined) => {
      settled = true;
      unsubscribe();
      clearTimeout(timer);
      resolve(result);
    };
    const unsubscribe = data.subscribe(check);
    const timer = setTimeout(() => finish(undefined), LOAD_TIMEOUT_MS);
    check();
  });
  if (sameViewport(data.getViewport(data.getSnapshot()), viewport)) data.setViewport(previous);
  return block;
}

/**
 * The cells of `rect`: read from `version` when loaded; else loaded first (up to
 * {@link MAX_LOADED_BLOCK} cells); else the whole rectangle from storage (`exportCsv`, which
 * reads the tiles the viewport did not load; formats are then unknown). Never blanks for cells
 * not loaded.
 */
export async function readBlock(data: SpreadsheetData, version: ContentVersion, rect: Rectangle): Promise<Block> {
  if (isLoaded(data, version, rect)) return readLoadedBlock(data, version, rect);
  if (rect.width * rect.height <= MAX_LOADED_BLOCK) {
    const loaded = await loadThroughViewport(data, rect);
    if (loaded !== undefined) return loaded;
  }
  const csv = await data.exportCsv(version, rangeAddress(rect));
  const fields = splitDelimited(csv.replace(/\n$/, ""), ",");
  const texts = Array.from({ length: rect.height }, (_, i) => Array.from({ length: rect.width }, (_, j) => fields[i]?.[j] ?? ""));
  return { values: texts.map((row) => row.map(csvFieldValue)), formats: undefined, texts };
}
