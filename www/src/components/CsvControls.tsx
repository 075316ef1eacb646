// CSV import (file, sample data; drag-and-drop goes through the same hook) with progress and
// cancel, and export of the sheet or the selected range.
import type { Rectangle } from "@glideapps/glide-data-grid";
import { useState, type ChangeEvent } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import zipcodesUrl from "vega-datasets/data/zipcodes.csv?url";
import { readBlock } from "../block";
import { csvMethods, downloadBlob, downloadCsv, guardFormulaTexts, toCsv } from "../csv";
import { errorMessage } from "../errors";
import { cellAddress, rangeAddress } from "../format";
import type { CsvImport, ImportInto } from "../hooks/useCsvImport";

interface Props {
  data: SpreadsheetData;
  snapshot: ContentVersion;
  sheetName: string;
  csvImport: CsvImport;
  /** The selected cell as [row, column] (import target). */
  cell: [number, number] | undefined;
  range: Rectangle | undefined;
  report(kind: "info" | "error", text: string): void;
  /** Import and export off (an earlier state of the sheet is shown). */
  disabled?: boolean;
}

const UNSUPPORTED = "This build of the sheetlog package has no CSV support; rebuild pkg/";

/** The unit a byte count reads best in, and its size. */
function byteUnit(bytes: number): [string, number, number] {
  if (bytes < 1000) return ["bytes", 1, 0];
  if (bytes < 1_000_000) return ["KB", 1000, 1];
  if (bytes < 1_000_000_000) return ["MB", 1_000_000, 1];
  return ["GB", 1_000_000_000, 2];
}

/** Bytes read so far as people read them: "1.2 of 12.5 MB", or "3.4 MB" when the size is unknown. */
function formatByteProgress(bytes: number, total: number | undefined): string {
  const [unit, size, digits] = byteUnit(total ?? bytes);
  const amount = (n: number) => (n / size).toFixed(digits);
  return total === undefined ? `${amount(bytes)} ${unit}` : `${amount(bytes)} of ${amount(total)} ${unit}`;
}

function fileName(sheetName: string, suffix = ""): string {
  const base = sheetName.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "sheet";
  return `${base}${suffix}.csv`;
}

export function CsvControls({ data, snapshot, sheetName, csvImport, cell, range, report, disabled = false }: Props) {
  const [fetching, setFetching] = useState(false);
  const [exporting, setExporting] = useState(false);
  // A raw export streaming into a Blob: rows written of the total, and its cancel.
  const [exportProgress, setExportProgress] = useState<{ rows: number; totalRows: number; abort: AbortController }>();
  const [exportShown, setExportShown] = useState(true);
  const { supported, running, settings, setSettings, start, cancel } = csvImport;
  const busy = running !== undefined || fetching || disabled;

  const onFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file !== undefined) start(file, file.name, cell);
  };

  const loadSample = async () => {
    setFetching(true);
    try {
      const response = await fetch(zipcodesUrl);
      if (!response.ok) throw new Error(`HTTP ${response.status} fetching the sample`);
      start(await response.blob(), "zipcodes.csv", cell);
    } catch (error) {
      report("error", `Could not load the sample data: ${errorMessage(error)}`);
    } finally {
      setFetching(false);
    }
  };

  const exportRange = async (target: Rectangle | undefined) => {
    const csv = csvMethods(data);
    if (csv === undefined) return;
    setExporting(true);
    try {
      const address = target === undefined ? undefined : rangeAddress(target);
      const name = fileName(sheetName, address === undefined ? "" : `-${address.replace(":", "-")}`);
      const rect = target ?? { x: 0, y: 0, width: data.getColumnCount(snapshot), height: data.getRowCount(snapshot) };
      if (!exportShown || rect.width === 0 || rect.height === 0) {
        // Streamed into a Blob in parts of rows (any size of sheet, the page stays responsive).
        // Text that a spreadsheet program would run as a formula (=, +, -, @, tab, CR) gets a ' first.
        const abort = new AbortController();
        setExportProgress({ rows: 0, totalRows: rect.height, abort });
        try {
          const blob = await csv.exportCsvBlob(snapshot, address, { guardFormulas: true, signal: abort.signal }, (p) =>
            setExportProgress({ rows: p.rows, totalRows: p.totalRows, abort }),
          );
          downloadBlob(blob, name);
        } catch (error) {
          if (abort.signal.aborted) report("info", "Export cancelled");
          else throw error;
        } finally {
          setExportProgress(undefined);
        }
        return;
      }
      // As shown: every cell's text under its number format (dates as dates, $12.50 as typed),
      // text cells guarded against formula injection as above.
      const block = await readBlock(data, snapshot, rect);
      downloadCsv(toCsv(guardFormulaTexts(block.values, block.texts)), name);
      if (block.formats === undefined) report("info", "The sheet was too large to format in time: raw values were exported");
    } catch (error) {
      report("error", `Export failed: ${errorMessage(error)}`);
    } finally {
      setExporting(false);
    }
  };

  const progress = running?.progress;
  const checking = running?.checking;
  const bytes = checking?.bytes ?? progress?.bytes;
  const totalBytes = checking?.totalBytes ?? progress?.totalBytes;
  const phase = running?.cancelling
    ? "Cancelling"
    : checking !== undefined
      ? "Measuring"
      : progress?.phase === "validating"
        ? "Checking"
        : "Importing";
  const counted =
    running === undefined || running.cancelling || checking !== undefined
      ? ""
      : progress === undefined
          ? "starting…"
          : `${progress.rows.toLocaleString("en-US")} rows${progress.phase === "validating" ? " checked" : ""}`;
  return (
    <div className="csv-controls" title={supported ? undefined : UNSUPPORTED}>
      <label className={`button${!supported || busy ? " disabled" : ""}`}>
        Import CSV…
        <input
          type="file"
          accept=".csv,text/csv,text/plain"
          data-testid="import-csv"
          disabled={!supported || busy}
          onChange={onFile}
          hidden
        />
      </label>
      <button type="button" data-testid="load-sample" disabled={!supported || busy} onClick={() => void loadSample()}>
        {fetching ? "Fetching sample…" : "Load sample data"}
      </button>
      <details className="import-options">
        <summary>Import options</summary>
        <div className="options-panel">
          <label>
            Import into
            <select
              data-testid="import-into"
              value={settings.into}
              onChange={(e) => setSettings({ ...settings, into: e.target.value as ImportInto })}
            >
              <option value="selection">the selected cell{cell === undefined ? " (A1 when none is)" : ` (${cellAddress(cell[0], cell[1])})`}</option>
              <option value="a1">cell A1</option>
              <option value="new-sheet">a new sheet</option>
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              checked={settings.rollback}
              onChange={(e) => setSettings({ ...settings, rollback: e.target.checked })}
            />
            All or nothing: a malformed line stores nothing
          </label>
        </div>
      </details>
      <span className="divider" aria-hidden="true" />
      <label className="export-choice">
        <select
          data-testid="export-mode"
          value={exportShown ? "shown" : "raw"}
          onChange={(e) => setExportShown(e.target.value === "shown")}
          aria-label="What the export writes"
        >
          <option value="shown">Values as shown</option>
          <option value="raw">Raw values</option>
        </select>
      </label>
      <button type="button" data-testid="export-csv" disabled={!supported || exporting || disabled} onClick={() => void exportRange(undefined)}>
        Export CSV
      </button>
      <button
        type="button"
        data-testid="export-selection"
        disabled={!supported || exporting || disabled || range === undefined}
        onClick={() => void exportRange(range)}
      >
        Export selection{range === undefined ? "" : ` (${rangeAddress(range)})`}
      </button>
      {exportProgress !== undefined && (
        <div className="import-progress" data-testid="export-progress">
          <span>Exporting</span>
          <progress max={Math.max(exportProgress.totalRows, 1)} value={exportProgress.rows} aria-label="Export progress" />
          <span data-testid="export-counts">
            {exportProgress.rows.toLocaleString("en-US")} of {exportProgress.totalRows.toLocaleString("en-US")} rows
          </span>
          <button type="button" data-testid="cancel-export" onClick={() => exportProgress.abort.abort()}>
            Cancel
          </button>
        </div>
      )}
      {running !== undefined && (
        <div className="import-progress" data-testid="import-progress">
          <span>
            {phase} {running.label}
          </span>
          <progress
            max={Math.max(totalBytes ?? 1, 1)}
            value={bytes === undefined || totalBytes === undefined ? undefined : bytes}
            aria-label="Import progress"
          />
          <span data-testid="import-counts">
            {bytes === undefined ? "" : formatByteProgress(bytes, totalBytes)}
            {bytes !== undefined && counted !== "" ? " · " : ""}
            {counted}
          </span>
          <button type="button" data-testid="cancel-import" disabled={running.cancelling} onClick={cancel}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}
