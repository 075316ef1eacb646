// CSV import and export of the package (DESIGN.md section 3), feature-detected at run time so
// that a pkg/ built before they existed still runs the rest of the demo.
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
