// Copy, cut and paste of the grid's selection, in place of Glide Data Grid's own (which puts cell
// text into the clipboard's HTML unescaped, and reads pasted HTML into the page).
import { CompactSelection, type GridSelection, type Rectangle } from "@glideapps/glide-data-grid";
import { useEffect, useRef, type RefObject } from "react";
import type { CellValue, SpreadsheetData } from "sheetlog";
import { isLoaded, readBlock, readLoadedBlock, type Block } from "../block";
import { parseClipboardText, toHtmlTable, toTsv } from "sheetlog/glide";
import { rangeAddress } from "../format";
import { parseTyped } from "../parse";
import { selectedRange } from "../selection";

/** Most cells one paste writes (one log entry; `setCellValuesAndFormats` takes at most this many). */
export const MAX_PASTE_CELLS = 1_048_576;

/** What this tab copied last: pasting the same text back writes the exact values and formats. */
interface Copied {
  text: string;
  block: Block;
}

export interface ClipboardOptions {
  data: SpreadsheetData;
  /** The element holding the grid: copy, cut and paste act while the focus is inside it. */
  container: RefObject<HTMLElement | null>;
  selection: GridSelection;
  onSelectionChange(selection: GridSelection): void;
  /** Counts a write as pending until it settles, and reports its failure. */
  track(what: string, write: Promise<unknown>): void;
  report(kind: "info" | "error", text: string): void;
}

function blobOf(text: string, type: string): Blob {
  return new Blob([text], { type });
}

/** The values and formats a pasted block of texts writes: typed-input parsing, else the cell's format kept. */
function parsePasted(
  data: SpreadsheetData,
  texts: string[][],
  row: number,
  column: number,
): { values: CellValue[][]; formats: (string | undefined)[][] } {
  const version = data.getSnapshot();
  const values: CellValue[][] = [];
  const formats: (string | undefined)[][] = [];
  texts.forEach((line, i) => {
    const valueRow: CellValue[] = [];
    const formatRow: (string | undefined)[] = [];
    line.forEach((text, j) => {
      const parsed = parseTyped(text);
      valueRow.push(parsed.value ?? undefined);
      formatRow.push(parsed.format ?? data.getCellFormat(version, row + i, column + j));
    });
    values.push(valueRow);
    formats.push(formatRow);
  });
  return { values, formats };
}

function selectRect(rect: Rectangle): GridSelection {
  return {
    current: { cell: [rect.x, rect.y], range: rect, rangeStack: [] },
    columns: CompactSelection.empty(),
    rows: CompactSelection.empty(),
  };
}

export function useClipboard(options: ClipboardOptions): void {
  const latest = useRef(options);
  latest.current = options;
  const copied = useRef<Copied | undefined>(undefined);

  useEffect(() => {
    const focused = (): boolean => {
      const container = latest.current.container.current;
      return container !== null && document.activeElement !== null && container.contains(document.activeElement);
    };

    /**
     * Puts the selection into the clipboard; returns the rectangle copied and a promise settled
     * once its cells are read (a cut clears them only then), or `undefined`.
     */
    const copy = (event: ClipboardEvent): { rect: Rectangle; read: Promise<unknown> } | undefined => {
      const { data, selection, report } = latest.current;
      const version = data.getSnapshot();
      const rect = selectedRange(selection, data.getRowCount(version));
      if (rect === undefined) return undefined;
      event.preventDefault();
      if (isLoaded(data, version, rect) && event.clipboardData !== null) {
        const block = readLoadedBlock(data, version, rect);
        const text = toTsv(block.texts);
        event.clipboardData.setData("text/plain", text);
        event.clipboardData.setData("text/html", toHtmlTable(block.texts));
        copied.current = { text, block };
        return { rect, read: Promise.resolve() };
      }
      // Not all loaded: read it from storage, handing the clipboard promises of its contents
      // while the key press still counts as the user's gesture.
      const reading = readBlock(data, version, rect).then((block) => {
        const text = toTsv(block.texts);
        copied.current = { text, block };
        return { text, html: toHtmlTable(block.texts) };
      });
      const item = new ClipboardItem({
        "text/plain": reading.then(({ text }) => blobOf(text, "text/plain")),
        "text/html": reading.then(({ html }) => blobOf(html, "text/html")),
      });
      navigator.clipboard.write([item]).then(
        () => report("info", `Copied ${rangeAddress(rect)}`),
        (error: unknown) => report("error", `Copy of ${rangeAddress(rect)} failed: ${String(error)}`),
      );
      return { rect, read: reading };
    };

    const onCopy = (event: ClipboardEvent) => {
      if (focused()) copy(event);
    };

    const onCut = (event: ClipboardEvent) => {
      if (!focused()) return;
      const copying = copy(event);
      if (copying === undefined) return;
      const { rect, read } = copying;
      const { data, track } = latest.current;
      const range = { rowMin: rect.y, columnMin: rect.x, rowMax: rect.y + rect.height - 1, columnMax: rect.x + rect.width - 1 };
      // Cleared once copied: never before the cells not loaded were read.
      track(`Cut of ${rangeAddress(rect)}`, read.then(() => data.clearRange(range)));
    };

    const onPaste = (event: ClipboardEvent) => {
      if (!focused() || event.clipboardData === null) return;
      const { data, selection, onSelectionChange, track, report } = latest.current;
      const target = selectedRange(selection, data.getRowCount(data.getSnapshot()));
      if (target === undefined) return;
      event.preventDefault();
      // Only plain text: pasted HTML is never parsed.
      const text = event.clipboardData.getData("text/plain");
      const mine = copied.current !== undefined && copied.current.text === text ? copied.current.block : undefined;
      const texts = mine?.texts ?? parseClipboardText(text);
      const height = texts.length;
      const width = texts.reduce((most, line) => Math.max(most, line.length), 0);
      if (height * width > MAX_PASTE_CELLS) {
        report("error", `Paste refused: ${height * width} cells, at most ${MAX_PASTE_CELLS} at once`);
        return;
      }
      const { values, formats } =
        mine === undefined
          ? parsePasted(data, texts, target.y, target.x)
          : { values: mine.values, formats: mine.formats ?? mine.values.map((line) => line.map(() => undefined)) };
      const rect = { x: target.x, y: target.y, width, height };
      track(`Paste into ${rangeAddress(rect)}`, data.setCellValuesAndFormats(target.y, target.x, values, formats));
      onSelectionChange(selectRect(rect));
    };

    window.addEventListener("copy", onCopy);
    window.addEventListener("cut", onCut);
    window.addEventListener("paste", onPaste);
    return () => {
      window.removeEventListener("copy", onCopy);
      window.removeEventListener("cut", onCut);
      window.removeEventListener("paste", onPaste);
    };
  }, []);
}
