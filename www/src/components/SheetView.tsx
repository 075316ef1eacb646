// One open sheet: formula bar, CSV controls, grid and status bar over one SpreadsheetData.
import type { GridSelection } from "@glideapps/glide-data-grid";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import type { SpreadsheetData } from "sheetlog";
import { useSpreadsheetSnapshot } from "sheetlog/react";
import { errorMessage } from "../errors";
import { useCsvImport } from "../hooks/useCsvImport";
import { cellKey, useEdits } from "../hooks/useEdits";
import { selectedCell, selectedRange } from "../selection";
import { CsvControls } from "./CsvControls";
import { StructureControls } from "./StructureControls";
import { FormulaBar } from "./FormulaBar";
import { EMPTY_SELECTION, Grid } from "./Grid";
import { Notice, type NoticeMessage } from "./Notice";
import { StatusBar } from "./StatusBar";
import { UndoControls } from "./UndoControls";

interface Props {
  data: SpreadsheetData;
  /** The sheet's id (its storage name): per-sheet preferences are kept under it. */
  sheetId: string;
  sheetName: string;
  /** The page header: brand, sheet picker, online state. */
  header: ReactNode;
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

export function SheetView({ data, sheetId, sheetName, header }: Props) {
  const snapshot = useSpreadsheetSnapshot(data);
  const [selection, setSelection] = useState<GridSelection>(EMPTY_SELECTION);
  const [notice, setNotice] = useState<NoticeMessage>();
  const report = useCallback((kind: NoticeMessage["kind"], text: string) => setNotice({ kind, text }), []);
  const reportError = useCallback((text: string) => setNotice({ kind: "error", text }), []);
  const edits = useEdits(data, reportError);
  const csvImport = useCsvImport(data, report);

  const cell = selectedCell(selection);
  const range = selectedRange(selection, data.getRowCount(snapshot));
  const { commit, track } = edits;
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
      />
      <div className="edit-controls">
        <UndoControls data={data} track={track} report={report} />
        <StructureControls data={data} range={range} report={report} />
      </div>
      <FormulaBar
        cell={cell}
        value={cell === undefined ? undefined : data.getCellValue(snapshot, cell[0], cell[1])}
        format={cell === undefined ? undefined : data.getCellFormat(snapshot, cell[0], cell[1])}
        pending={cell !== undefined && edits.pending.has(cellKey(cell[0], cell[1]))}
        failure={cell === undefined ? undefined : edits.failed.get(cellKey(cell[0], cell[1]))}
        validate={edits.validate}
        commit={edits.commit}
      />
      <div className="grid-area">
        <Grid
          data={data}
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
        <Notice notice={notice} onDismiss={() => setNotice(undefined)} />
      </div>
      <StatusBar data={data} snapshot={snapshot} pendingEdits={pendingEdits} range={range} />
    </div>
  );
}
