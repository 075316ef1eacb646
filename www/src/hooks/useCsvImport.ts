// CSV import into the selected cell, A1 or a new sheet: asks before replacing cells that hold
// data, shows bytes and rows as it goes, and a cancel leaves the sheet as it was (the part
// already imported is undone, when nothing else was changed meanwhile).
import type { Rectangle } from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useRef, useState } from "react";
import type { SpreadsheetData } from "sheetlog";
import { csvMethods, csvShape, padRaggedCsv, type ImportProgress } from "../csv";
import { errorMessage, isAbortError } from "../errors";
import { cellAddress, rangeAddress } from "../format";

/** Where an import goes: at the selected cell (A1 when none is), at A1, or into a new sheet. */
export type ImportInto = "selection" | "a1" | "new-sheet";

export interface ImportSettings {
  into: ImportInto;
  /** Roll the whole import back when a line is malformed. */
  rollback: boolean;
}

export interface RunningImport {
  label: string;
  /** Reading the file for its size in rows and columns (to tell which cells it would replace). */
  checking: { bytes: number; totalBytes: number | undefined } | undefined;
  progress: ImportProgress | undefined;
  /** Cancelled: what was imported is being taken back. */
  cancelling: boolean;
}

/** An import that would replace cells holding data, waiting for the user's answer. */
export interface OverwriteQuestion {
  label: string;
  /** The top-left cell, as A1. */
  at: string;
  /** The cells the import writes, as A1:B2. */
  range: string;
  /** Import anyway, replacing those cells. */
  replace(): void;
  /** Import into a new sheet instead. */
  newSheet(): void;
  /** Import nothing. */
  dismiss(): void;
}

export interface CsvImport {
  supported: boolean;
  running: RunningImport | undefined;
  question: OverwriteQuestion | undefined;
  settings: ImportSettings;
  setSettings(settings: ImportSettings): void;
  /** Imports `source` where `settings.into` (or `into`) says; `cell` = [row, column] is the selected cell. */
  start(source: Blob | string, label: string, cell: [number, number] | undefined, into?: ImportInto): void;
  cancel(): void;
}

export interface ImportHooks {
  /** How many writes this tab has started (edits, pastes, undo…), to tell whether any came after an import began. */
  writeCount(): number;
  /** Opens a new sheet and imports `source` into it at A1. */
  importIntoNewSheet(source: Blob | string, label: string): void;
}

/** A1 address of a rectangle ("C3" for one cell). */
function address(rect: Rectangle): string {
  return rect.width === 1 && rect.height === 1 ? cellAddress(rect.y, rect.x) : rangeAddress(rect);
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

/**
 * The cells an import of `source` at (`row`, `column`) would write, when some of them hold data
 * now; `undefined` when it would write only empty cells. The file is read for its shape only
 * when the sheet has data at or after the target.
 */
async function replacedRange(
  data: SpreadsheetData,
  source: Blob | string,
  row: number,
  column: number,
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): Promise<Rectangle | undefined> {
  const csv = csvMethods(data);
  const before = data.getSnapshot();
  const usedRows = data.getRowCount(before);
  const usedColumns = data.getColumnCount(before);
  if (csv === undefined || row >= usedRows || column >= usedColumns) return undefined;
  const shape = await csvShape(source, signal, onBytes);
  if (shape.rows === 0 || shape.columns === 0) return undefined;
  const target = { x: column, y: row, width: shape.columns, height: shape.rows };
  const overlap = {
    x: column,
    y: row,
    width: Math.min(column + shape.columns, usedColumns) - column,
    height: Math.min(row + shape.rows, usedRows) - row,
  };
  // Read from storage, loaded or not: any non-empty field means a cell holding data.
  const now = data.getSnapshot();
  const text = await csv.exportCsv(now, rangeAddress(overlap));
  return /[^,\r\n]/.test(text) ? target : undefined;
}

export function useCsvImport(
  data: SpreadsheetData,
  report: (kind: "info" | "error", text: string) => void,
  hooks: ImportHooks,
): CsvImport {
  const csv = csvMethods(data);
  const [running, setRunning] = useState<RunningImport>();
  const [question, setQuestion] = useState<OverwriteQuestion>();
  const [settings, setSettings] = useState<ImportSettings>({ into: "selection", rollback: true });
  const hooksRef = useRef(hooks);
  hooksRef.current = hooks;
  const controller = useRef<AbortController | undefined>(undefined);
  const frame = useRef(0);

  // Closing the sheet (or leaving the page) cancels an import still running.
  useEffect(() => () => controller.current?.abort(), [data]);

  /** Imports at (`startRow`, `startColumn`), with `abort` already in `controller`. */
  const run = useCallback(
    (source: Blob | string, label: string, startRow: number, startColumn: number, abort: AbortController) => {
      if (csv === undefined) return;
      setRunning({ label, checking: undefined, progress: undefined, cancelling: false });
      let latest: ImportProgress | undefined;
      const onProgress = (progress: ImportProgress) => {
        latest = progress;
        if (frame.current !== 0) return;
        frame.current = requestAnimationFrame(() => {
          frame.current = 0;
          setRunning((shown) => (shown === undefined ? shown : { ...shown, progress: latest }));
        });
      };
      const writesBefore = hooksRef.current.writeCount();
      const started = performance.now();
      // As a snapshot layer: tiles first, then one log entry (the file is read once, memory stays
      // at one stripe of tiles however large it is, and an empty field empties its cell).
      const options = {
        startRow,
        startColumn,
        onError: settings.rollback ? "rollback" : "keep",
        signal: abort.signal,
        mode: "layer",
      } as const;
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
          async (result) => {
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            const what = `${plural(result.rows, "row")} (${plural(result.cells, "cell")})`;
            const note = padded > 0 ? `; ${plural(padded, "row")} had fewer fields than the longest and were padded with empty cells` : "";
            if (!result.cancelled) {
              report("info", `Imported ${label}: ${what} in ${seconds} s${note}`);
              return;
            }
            if (result.entries === 0) {
              report("info", `Import of ${label} cancelled; nothing was changed`);
              return;
            }
            if (hooksRef.current.writeCount() !== writesBefore) {
              // Undo would take back the later change first: leave it to the user.
              report("info", `Import of ${label} cancelled after ${what}; they stay in the sheet because other changes were made meanwhile`);
              return;
            }
            // The whole import is one undo step: taking it back restores every cell it wrote.
            setRunning((shown) => (shown === undefined ? shown : { ...shown, cancelling: true }));
            const undone = await data.undo();
            report(
              "info",
              undone.done
                ? `Import of ${label} cancelled; the ${plural(result.rows, "row")} already imported were taken back, the sheet is as it was`
                : `Import of ${label} cancelled after ${what}; they stay in the sheet`,
            );
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
    [csv, data, settings.rollback, report],
  );

  const start = useCallback(
    (source: Blob | string, label: string, cell: [number, number] | undefined, into: ImportInto = settings.into) => {
      if (csv === undefined || controller.current !== undefined) return;
      if (into === "new-sheet") {
        hooksRef.current.importIntoNewSheet(source, label);
        return;
      }
      setQuestion(undefined);
      const [row, column] = into === "selection" && cell !== undefined ? cell : [0, 0];
      const abort = new AbortController();
      controller.current = abort;
      const totalBytes = typeof source === "string" ? undefined : source.size;
      const done = () => {
        controller.current = undefined;
        setRunning(undefined);
      };
      setRunning({ label, checking: { bytes: 0, totalBytes }, progress: undefined, cancelling: false });
      const onBytes = (bytes: number) =>
        setRunning((shown) => (shown?.checking === undefined ? shown : { ...shown, checking: { bytes, totalBytes } }));
      replacedRange(data, source, row, column, abort.signal, onBytes).then(
        (replaced) => {
          if (abort.signal.aborted) {
            done();
            report("info", `Import of ${label} cancelled; nothing was changed`);
            return;
          }
          if (replaced === undefined) {
            run(source, label, row, column, abort);
            return;
          }
          done();
          // Ask first: the answer starts the import, opens a new sheet, or drops it.
          setQuestion({
            label,
            at: cellAddress(row, column),
            range: address(replaced),
            replace: () => {
              setQuestion(undefined);
              if (controller.current !== undefined) return;
              const again = new AbortController();
              controller.current = again;
              run(source, label, row, column, again);
            },
            newSheet: () => {
              setQuestion(undefined);
              hooksRef.current.importIntoNewSheet(source, label);
            },
            dismiss: () => {
              setQuestion(undefined);
              report("info", `Import of ${label} cancelled; nothing was changed`);
            },
          });
        },
        (error: unknown) => {
          done();
          if (isAbortError(error)) report("info", `Import of ${label} cancelled; nothing was changed`);
          else report("error", `Import of ${label} failed: ${errorMessage(error)}`);
        },
      );
    },
    [csv, data, settings.into, run, report],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);

  return { supported: csv !== undefined, running, question, settings, setSettings, start, cancel };
}
