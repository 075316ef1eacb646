// CSV import and export of the package (DESIGN.md section 3), feature-detected at run time so
// that a pkg/ built before they existed still runs the rest of the demo.
import { splitDelimited } from "sheetlog/glide";
import type { ContentVersion, ImportCsvOptions, ImportProgress, ImportResult, SpreadsheetData } from "sheetlog";

export type { ImportCsvOptions, ImportProgress, ImportResult };

export interface CsvMethods {
  importCsv(
    source: Blob | string,
    options?: ImportCsvOptions,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportResult>;
  exportCsv(snapshot: ContentVersion, range?: string): Promise<string>;
}

/** The sheet's CSV methods, or `undefined` when this build of the package has none. */
export function csvMethods(data: SpreadsheetData): CsvMethods | undefined {
  const candidate: Partial<Record<keyof CsvMethods, unknown>> = data;
  if (typeof candidate.importCsv !== "function" || typeof candidate.exportCsv !== "function") return undefined;
  return {
    importCsv: (source, options, onProgress) => data.importCsv(source, options, onProgress),
    exportCsv: (snapshot, range) => data.exportCsv(snapshot, range),
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
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
