// CSV import and export of the package (DESIGN.md section 3), feature-detected at run time so
// that a pkg/ built before they existed still runs the rest of the demo.
import { splitDelimited } from "sheetlog/glide";
import type {
  CellValue,
  ContentVersion,
  ExportCsvOptions,
  ExportProgress,
  ImportCsvOptions,
  ImportProgress,
  ImportResult,
  SpreadsheetData,
} from "sheetlog";

export type { ExportProgress, ImportCsvOptions, ImportProgress, ImportResult };

export interface CsvMethods {
  importCsv(
    source: Blob | string,
    options?: ImportCsvOptions,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportResult>;
  exportCsv(snapshot: ContentVersion, range?: string, options?: ExportCsvOptions): Promise<string>;
  /** Streamed into a Blob in parts of rows, with progress and cancel (any size of sheet). */
  exportCsvBlob(
    snapshot: ContentVersion,
    range?: string,
    options?: ExportCsvOptions,
    onProgress?: (progress: ExportProgress) => void,
  ): Promise<Blob>;
}

/** The sheet's CSV methods, or `undefined` when this build of the package has none. */
export function csvMethods(data: SpreadsheetData): CsvMethods | undefined {
  const candidate: Partial<Record<keyof CsvMethods, unknown>> = data;
  if (typeof candidate.importCsv !== "function" || typeof candidate.exportCsv !== "function") return undefined;
  return {
    importCsv: (source, options, onProgress) => data.importCsv(source, options, onProgress),
    exportCsv: (snapshot, range, options) => data.exportCsv(snapshot, range, options),
    exportCsvBlob: (snapshot, range, options, onProgress) => data.exportCsvBlob(snapshot, range, options, onProgress),
  };
}

/** A CSV field, quoted when it holds a comma, a quote or a line end. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of fields as CSV text, lines ending with `\n`. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(",")}\n`).join("");
}

/** Text that a spreadsheet program opening a CSV file would run as a formula (OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * `texts` with a ' before each text cell (a string in `values`) that would be taken for a
 * formula, as `exportCsv` writes with `guardFormulas`; numbers shown as `-12` stay as they are.
 */
export function guardFormulaTexts(values: readonly (readonly CellValue[])[], texts: readonly (readonly string[])[]): string[][] {
  return texts.map((row, i) =>
    row.map((text, j) => (typeof values[i]?.[j] === "string" && FORMULA_START.test(text) ? `'${text}` : text)),
  );
}

/**
 * CSV text with every row as long as the longest (short rows padded with empty fields), as the
 * importer wants it, and how many rows were padded. Blank lines are dropped (the importer skips
 * them too).
 */
export function padRaggedCsv(text: string): { text: string; padded: number } {
  const rows = splitDelimited(text, ",").filter((row) => !(row.length === 1 && row[0] === ""));
  const width = rows.reduce((most, row) => Math.max(most, row.length), 0);
  let padded = 0;
  for (const row of rows) {
    if (row.length < width) {
      padded++;
      while (row.length < width) row.push("");
    }
  }
  return { text: toCsv(rows), padded };
}

/** Offers `text` as a download named `fileName`. */
export function downloadCsv(text: string, fileName: string): void {
  downloadBlob(new Blob([text], { type: "text/csv;charset=utf-8" }), fileName);
}

/** Offers `blob` as a download named `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** How many records a CSV file holds (blank lines skipped, as the importer does) and the most fields in one. */
export interface CsvShape {
  rows: number;
  columns: number;
}

/**
 * The shape of CSV `source`, read once as a stream (a `Blob` is never read whole): quotes are
 * followed so that a line end or comma inside a quoted field does not count. `onBytes` hears how
 * far the reading got; an aborted `signal` stops it with an `AbortError`.
 */
export async function csvShape(
  source: Blob | string,
  signal?: AbortSignal,
  onBytes?: (bytes: number) => void,
): Promise<CsvShape> {
  let rows = 0;
  let columns = 0;
  let fields = 1;
  let lineChars = 0;
  let quoted = false;
  const endRecord = () => {
    if (lineChars > 0 || fields > 1) {
      rows++;
      if (fields > columns) columns = fields;
    }
    fields = 1;
    lineChars = 0;
  };
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        // A quote opens or closes a quoted field; "" inside one closes and reopens it.
        quoted = !quoted;
        lineChars++;
      } else if (quoted) {
        lineChars++;
      } else if (c === 44) {
        fields++;
      } else if (c === 10) {
        endRecord();
      } else if (c !== 13) {
        lineChars++;
      }
    }
  };
  if (typeof source === "string") {
    feed(source);
  } else {
    const reader = source.stream().getReader();
    const decoder = new TextDecoder();
    let bytes = 0;
    for (;;) {
      if (signal?.aborted === true) {
        await reader.cancel();
        throw new DOMException("The check of the file was cancelled", "AbortError");
      }
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      feed(decoder.decode(value, { stream: true }));
      onBytes?.(bytes);
    }
    feed(decoder.decode());
  }
  endRecord();
  return { rows, columns };
}
