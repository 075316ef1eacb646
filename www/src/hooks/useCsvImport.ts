import { useCallback, useEffect, useRef, useState } from "react";
import type { SpreadsheetData } from "sheetlog";
import { csvMethods, padRaggedCsv, type ImportProgress } from "../csv";
import { errorMessage, isAbortError } from "../errors";

export interface ImportSettings {
  /** Start at the selected cell instead of A1. */
  atSelection: boolean;
  /** Roll the whole import back when a line is malformed. */
  rollback: boolean;
}

export interface RunningImport {
  label: string;
  progress: ImportProgress | undefined;
}

export interface CsvImport {
  supported: boolean;
  running: RunningImport | undefined;
  settings: ImportSettings;
  setSettings(settings: ImportSettings): void;
  /** Imports `source` (at `target` = [row, column] when `settings.atSelection`). */
  start(source: Blob | string, label: string, target: [number, number] | undefined): void;
  cancel(): void;
}

const count = new Intl.NumberFormat("en-US");

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count.format(n)} ${n === 1 ? one : many}`;
}

/** What a failed import left in the sheet (its error's `imported`), in words. */
function importedBefore(error: unknown): string {
  if (!(error instanceof Error) || !("imported" in error)) return "";
  const imported: unknown = error.imported;
  if (typeof imported !== "object" || imported === null || !("rows" in imported)) return "";
  const rows: unknown = imported.rows;
  if (typeof rows !== "number") return "";
  return rows === 0 ? "; nothing was imported" : `; the ${plural(rows, "row")} before it stay in the sheet`;
}

/** Files up to this size with rows of different lengths are padded in memory and imported. */
const MAX_PADDED_BYTES = 64 * 1024 * 1024;

function sizeOf(source: Blob | string): number {
  return typeof source === "string" ? source.length * 3 : source.size;
}

function isRaggedError(error: unknown): boolean {
  return error instanceof Error && error.name === "ValidationError" && /the row has \d+ fields? but the first row has/.test(error.message);
}

/** Rows a failed import left in the sheet, or `undefined` when the error does not say. */
function importedRows(error: unknown): number | undefined {
  if (!(error instanceof Error) || !("imported" in error)) return undefined;
  const imported: unknown = error.imported;
  if (typeof imported !== "object" || imported === null || !("rows" in imported)) return undefined;
  return typeof imported.rows === "number" ? imported.rows : undefined;
}

export function useCsvImport(data: SpreadsheetData, report: (kind: "info" | "error", text: string) => void): CsvImport {
  const csv = csvMethods(data);
  const [running, setRunning] = useState<RunningImport>();
  const [settings, setSettings] = useState<ImportSettings>({ atSelection: false, rollback: true });
  const controller = useRef<AbortController | undefined>(undefined);
  const frame = useRef(0);

  // Closing the sheet (or leaving the page) cancels an import still running.
  useEffect(() => () => controller.current?.abort(), [data]);

  const start = useCallback(
    (source: Blob | string, label: string, target: [number, number] | undefined) => {
      if (csv === undefined || controller.current !== undefined) return;
      const abort = new AbortController();
      controller.current = abort;
      setRunning({ label, progress: undefined });
      let latest: ImportProgress | undefined;
      const onProgress = (progress: ImportProgress) => {
        latest = progress;
        if (frame.current !== 0) return;
        frame.current = requestAnimationFrame(() => {
          frame.current = 0;
          setRunning({ label, progress: latest });
        });
      };
      const [startRow, startColumn] = settings.atSelection && target !== undefined ? target : [0, 0];
      const started = performance.now();
      const options = { startRow, startColumn, onError: settings.rollback ? "rollback" : "keep", signal: abort.signal } as const;
      let padded = 0;
      csv
        .importCsv(source, options, onProgress)
        .catch(async (error: unknown) => {
          // Rows of different lengths: pad the short ones with empty cells and import again
          // (when nothing was imported yet and the file is small enough to rewrite in memory).
          if (!isRaggedError(error) || importedRows(error) !== 0 || sizeOf(source) > MAX_PADDED_BYTES) throw error;
          const text = typeof source === "string" ? source : await source.text();
          const fixed = padRaggedCsv(text);
          padded = fixed.padded;
          return csv.importCsv(fixed.text, options, onProgress);
        })
        .then(
          (result) => {
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            const what = `${plural(result.rows, "row")} (${plural(result.cells, "cell")}, ${plural(result.entries, "log entry", "log entries")})`;
            const note = padded > 0 ? `; ${plural(padded, "row")} had fewer fields than the longest and were padded with empty cells` : "";
            report("info", result.cancelled ? `Import of ${label} cancelled after ${what}` : `Imported ${label}: ${what} in ${seconds} s${note}`);
          },
          (error: unknown) => {
            if (isAbortError(error)) report("info", `Import of ${label} cancelled`);
            else report("error", `Import of ${label} failed: ${errorMessage(error)}${importedBefore(error)}`);
          },
        )
        .finally(() => {
          cancelAnimationFrame(frame.current);
          frame.current = 0;
          controller.current = undefined;
          setRunning(undefined);
        });
    },
    [csv, settings, report],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);

  return { supported: csv !== undefined, running, settings, setSettings, start, cancel };
}
