// One open sheet: formula bar, CSV controls, grid and status bar over one SpreadsheetData.
import type { GridSelection } from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import type { ContentVersion, HistoryItem, SpreadsheetData } from "sheetlog";
import { useSpreadsheetSnapshot } from "sheetlog/react";
import { errorMessage } from "../errors";
import { useCsvImport } from "../hooks/useCsvImport";
import { cellKey, useEdits } from "../hooks/useEdits";
import { selectedCell, selectedRange } from "../selection";
import { CsvControls } from "./CsvControls";
import { StructureControls } from "./StructureControls";
import { FormulaBar } from "./FormulaBar";
import { changeTime, describeChange, HistoryPanel } from "./HistoryPanel";
import { OverwriteDialog } from "./OverwriteDialog";
import { PastGrid } from "./PastGrid";
import { EMPTY_SELECTION, Grid } from "./Grid";
import { Notice, type NoticeMessage } from "./Notice";
import { StatusBar } from "./StatusBar";
import { UndoControls } from "./UndoControls";

/** An earlier state of the sheet on show: right after change `item`, read as `version`. */
interface Viewing {
  item: HistoryItem;
  version: ContentVersion;
}

interface Props {
  data: SpreadsheetData;
  /** The sheet's id (its storage name): per-sheet preferences are kept under it. */
  sheetId: string;
  sheetName: string;
  /** The page header: brand, sheet picker, online state. */
  header: ReactNode;
  /** Opens a new sheet and imports `source` into it. */
  importIntoNewSheet(source: Blob | string, label: string): void;
  /** A file to import at A1 as soon as the sheet is open (it was opened for it). */
  initialImport?: { source: Blob | string; label: string };
  /** The initial import has started (so it is not started again). */
  onInitialImportStarted?(): void;
}

/**
 * Leaving the page aborts IndexedDB writes still in flight, so while edits are not durable the
 * browser asks before unloading.
 */
function useWarnBeforeUnload(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [active]);
}

export function SheetView({ data, sheetId, sheetName, header, importIntoNewSheet, initialImport, onInitialImportStarted }: Props) {
  const snapshot = useSpreadsheetSnapshot(data);
  const [selection, setSelection] = useState<GridSelection>(EMPTY_SELECTION);
  const [notice, setNotice] = useState<NoticeMessage>();
  const report = useCallback((kind: NoticeMessage["kind"], text: string) => setNotice({ kind, text }), []);
  const reportError = useCallback((text: string) => setNotice({ kind: "error", text }), []);
  const edits = useEdits(data, reportError);
  // Writes this tab started: a cancelled import is taken back only when none came after it.
  const writes = useRef(0);
  const noteWrite = useCallback(() => {
    writes.current++;
  }, []);
  const csvImport = useCsvImport(data, report, { writeCount: () => writes.current, importIntoNewSheet });
  const [historyOpen, setHistoryOpen] = useState(false);
  const [viewing, setViewing] = useState<Viewing>();
  // The change last chosen: a slower answer for an earlier choice is dropped.
  const chosen = useRef<bigint | undefined>(undefined);

  const view = useCallback(
    (item: HistoryItem) => {
      chosen.current = item.sequenceId;
      data.versionAt(item.sequenceId).then(
        (version) => {
          if (chosen.current === item.sequenceId) setViewing({ item, version });
        },
        (error: unknown) => report("error", `Could not show the sheet as it was: ${errorMessage(error)}`),
      );
    },
    [data, report],
  );
  const backToLive = useCallback(() => {
    chosen.current = undefined;
    setViewing(undefined);
  }, []);
  const onPastVersion = useCallback(
    (version: ContentVersion) => setViewing((shown) => (shown === undefined ? shown : { ...shown, version })),
    [],
  );
  const readOnly = viewing !== undefined;
  const shown = viewing?.version ?? snapshot;

  const cell = selectedCell(selection);
  const range = selectedRange(selection, data.getRowCount(snapshot));
  const { commit: commitEdit, track: trackWrite } = edits;
  const commit = useCallback(
    (row: number, column: number, text: string, format: string | undefined) => {
      noteWrite();
      return commitEdit(row, column, text, format);
    },
    [commitEdit, noteWrite],
  );
  const track = useCallback(
    (what: string, write: Promise<unknown>) => {
      noteWrite();
      trackWrite(what, write);
    },
    [trackWrite, noteWrite],
  );
  const startImport = csvImport.start;
  useEffect(() => {
    if (initialImport === undefined) return;
    onInitialImportStarted?.();
    startImport(initialImport.source, initialImport.label, undefined, "a1");
  }, [initialImport, onInitialImportStarted, startImport]);
  const onEdit = useCallback(
    (row: number, column: number, text: string) => {
      commit(row, column, text, data.getCellFormat(data.getSnapshot(), row, column));
    },
    [data, commit],
  );
  const onGridError = useCallback((error: unknown) => reportError(errorMessage(error)), [reportError]);
  const onDropFile = useCallback((file: File) => csvImport.start(file, file.name, cell), [csvImport, cell]);

  let pendingEdits = 0;
  for (const n of edits.pending.values()) pendingEdits += n;
  useWarnBeforeUnload(pendingEdits > 0);

  return (
    <div className="app">
      <header className="toolbar">{header}</header>
      <CsvControls
        data={data}
        snapshot={snapshot}
        sheetName={sheetName}
        csvImport={csvImport}
        cell={cell}
        range={range}
        report={report}
        disabled={readOnly}
      />
      <div className="edit-controls">
        <UndoControls data={data} track={track} report={report} disabled={readOnly} />
        <StructureControls data={data} range={range} report={report} disabled={readOnly} onWrite={noteWrite} />
        <button
          type="button"
          className="history-toggle"
          data-testid="history-toggle"
          aria-expanded={historyOpen}
          aria-controls="history-panel"
          onClick={() => setHistoryOpen((open) => !open)}
        >
          {historyOpen ? "Hide changes" : "Changes…"}
        </button>
      </div>
      <FormulaBar
        cell={cell}
        value={cell === undefined ? undefined : data.getCellValue(shown, cell[0], cell[1])}
        format={cell === undefined ? undefined : data.getCellFormat(shown, cell[0], cell[1])}
        pending={!readOnly && cell !== undefined && edits.pending.has(cellKey(cell[0], cell[1]))}
        failure={readOnly || cell === undefined ? undefined : edits.failed.get(cellKey(cell[0], cell[1]))}
        validate={edits.validate}
        commit={commit}
        readOnly={readOnly}
      />
      {viewing !== undefined && (
        <div className="past-banner" role="status" data-testid="past-banner">
          <span>
            Viewing the sheet as it was at {changeTime(viewing.item)}, after “{describeChange(viewing.item)}” — read only
          </span>
          <button type="button" data-testid="back-to-live" onClick={backToLive}>
            Back to the live sheet
          </button>
        </div>
      )}
      <div className="work-area">
        <div className="grid-area">
          {viewing !== undefined ? (
            <PastGrid
              data={data}
              sheetId={sheetId}
              sequenceId={viewing.item.sequenceId}
              version={viewing.version}
              onVersion={onPastVersion}
              selection={selection}
              onSelectionChange={setSelection}
              report={report}
            />
          ) : (
            <Grid
              data={data}
              version={snapshot}
              sheetId={sheetId}
              track={track}
              report={report}
              pending={edits.pending}
              failed={edits.failed}
              selection={selection}
              onSelectionChange={setSelection}
              onEdit={onEdit}
              onError={onGridError}
              onDropFile={onDropFile}
            />
          )}
          <Notice notice={notice} onDismiss={() => setNotice(undefined)} />
          {csvImport.question !== undefined && <OverwriteDialog question={csvImport.question} />}
        </div>
        {historyOpen && (
          <div id="history-panel" className="history-slot">
            <HistoryPanel
              data={data}
              snapshot={snapshot}
              viewing={viewing?.item.sequenceId}
              onView={view}
              onClose={() => setHistoryOpen(false)}
            />
          </div>
        )}
      </div>
      <StatusBar data={data} snapshot={snapshot} pendingEdits={pendingEdits} range={range} />
    </div>
  );
}
