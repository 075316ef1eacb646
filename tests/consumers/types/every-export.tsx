// Uses every public export of sheetlog, sheetlog/react and sheetlog/glide under tsc --strict
// (with exactOptionalPropertyTypes and noUncheckedIndexedAccess, and skipLibCheck off, so the
// package's own .d.ts are checked too). `expectType` fails to compile when a type is `any`.
import { DataEditor } from "@glideapps/glide-data-grid";
import init, {
  ConflictError,
  ContentVersion,
  ItemOffsetMapping,
  SheetlogError,
  SheetRangeError,
  SpreadsheetData,
  StorageError,
  ValidationError,
  initSync,
  version,
  type AnySheetlogError,
  type CellError,
  type CellErrorCode,
  type CellFormats,
  type CellRangeBounds,
  type CellRangeInput,
  type CellValue,
  type CsvValidationError,
  type ImportCsvOptions,
  type ImportProgress,
  type ImportProgressCallback,
  type ImportResult,
  type InMemoryOptions,
  type LoadStatus,
  type LogInfo,
  type OpenOptions,
  type SheetInfo,
  type StorageStatusCode,
  type Viewport,
  type WorkflowName,
} from "sheetlog";
import {
  cellText,
  columnName,
  defaultRenderCell,
  escapeHtml,
  GLIDE_KEYBINDINGS,
  MAX_PASTE_CELLS,
  parseCellText,
  parseClipboardText,
  parseCsv,
  splitDelimited,
  toHtmlTable,
  toTsv,
  useGlideGrid,
  type GlideGridOptions,
  type GlideGridProps,
  type SheetCell,
} from "sheetlog/glide";
import {
  useCell,
  useLoadStatus,
  useLogInfo,
  useRange,
  useSheet,
  useSpreadsheetSnapshot,
  useStorageInfo,
  useUndo,
  viewportBounds,
  type CellState,
  type RangeBounds,
  type RangeState,
  type SheetState,
  type StorageInfoState,
  type UndoState,
  type UseSheetOptions,
} from "sheetlog/react";

/** Compiles only when `T` is exactly `U` (and so not `any`). */
type Equal<T, U> = (<V>() => V extends T ? 1 : 2) extends <V>() => V extends U ? 1 : 2 ? true : false;
function expectType<T>(_value: T, _exact: true): void {}
declare const unknownValue: unknown;

async function core(): Promise<void> {
  await init();
  initSync({ module: new WebAssembly.Module(new Uint8Array()) });
  const v: string = version();
  const memory: SpreadsheetData = SpreadsheetData.inMemory();
  const options: InMemoryOptions = { snapshotInterval: 10, viewport: { rowMinOffset: 0, columnMinOffset: 0, width: 1, height: 1 } };
  SpreadsheetData.inMemory(options);
  const openOptions: OpenOptions = { name: "x", worker: () => new Worker("w.js"), workerUrl: new URL("https://cdn.example/sheetlog-worker.js"), durability: "relaxed" };
  const data = await SpreadsheetData.open(openOptions);
  const sheets: SheetInfo[] = await SpreadsheetData.list();
  const openedAt = sheets[0]?.openedAt;
  expectType<number | undefined>(openedAt, true as Equal<typeof openedAt, number | undefined>);
  await SpreadsheetData.delete("x");
  const snapshot: ContentVersion = data.getSnapshot();
  const unsubscribe: () => void = data.subscribe(() => {});
  unsubscribe();
  const value = data.getCellValue(snapshot, 0, 0);
  expectType<CellValue>(value, true as Equal<typeof value, CellValue>);
  const format = data.getCellFormat(snapshot, 0, 0);
  expectType<string | undefined>(format, true as Equal<typeof format, string | undefined>);
  const rows: ItemOffsetMapping = data.getRowItemOffsetMapping(snapshot);
  const [index, start]: [number, number] = rows.offsetToItem(10);
  rows.itemSize(index) + rows.itemOffset(start) + data.getColumnItemOffsetMapping(snapshot).itemSize(0);
  data.getRowCount(snapshot) + data.getColumnCount(snapshot);
  // Optional trailing parameters.
  await data.setCellValueAndFormat(0, 0, 42);
  await data.setCellValueAndFormat(0, 0, "text", "0.00");
  await data.setCellValuesAndFormats(0, 0, [[1, "a", true, null, { type: "CellError", value: "#N/A" }]]);
  const formats: CellFormats = "0.00";
  await data.setCellValuesAndFormats(0, 0, [[1]], formats);
  const bounds: CellRangeBounds = { rowMin: 0, columnMin: 0, rowMax: 1, columnMax: 1 };
  const range: CellRangeInput = "A1:B2";
  await data.clearRange(range);
  await data.clearRange(bounds);
  data.setViewport();
  data.setViewport({ rowMinOffset: 0, columnMinOffset: 0, width: 100, height: 100 });
  const viewport: Viewport | undefined = data.getViewport(snapshot);
  const invalid = data.isValidCellValueAndFormat(0, 0, 1);
  if (invalid !== undefined) expectType<ValidationError>(invalid, true as Equal<typeof invalid, ValidationError>);
  await data.insertRows(0, 1);
  await data.deleteRows(0, 1);
  await data.insertColumns(0, 1);
  await data.deleteColumns(0, 1);
  const importOptions: ImportCsvOptions = { startRow: 0, onError: "keep", signal: new AbortController().signal };
  const onProgress: ImportProgressCallback = (p: ImportProgress) => void p.rows;
  const result: ImportResult = await data.importCsv("a,b\n1,2\n", importOptions, onProgress);
  const csv: string = await data.exportCsv(snapshot, "A1:B2");
  const status: LoadStatus = data.getLoadStatus(snapshot);
  if (status.state === "error") {
    const error: AnySheetlogError = status.error;
    if (error instanceof StorageError) {
      const code: StorageStatusCode = error.statusCode;
      expectType<StorageStatusCode>(code, true as Equal<typeof code, StorageStatusCode>);
    }
  }
  const log: LogInfo = data.getLogInfo(snapshot);
  const workflow: WorkflowName | undefined = log.workflow;
  const seq: bigint = log.sequenceId;
  const code: CellErrorCode = "#DIV/0!";
  const cellError: CellError = { type: "CellError", value: code };
  data.close();
  memory.close();
  void [v, viewport, result, csv, workflow, seq, cellError];
}

function narrow(error: unknown): string {
  // instanceof narrows every error class.
  if (error instanceof ValidationError) {
    expectType<"ValidationError">(error.name, true as Equal<typeof error.name, "ValidationError">);
    const csvError = error as CsvValidationError;
    return `line ${csvError.line}`;
  }
  if (error instanceof StorageError) return `status ${error.statusCode}`;
  if (error instanceof ConflictError) {
    const next: bigint | undefined = error.nextSequenceId;
    expectType<409>(error.statusCode, true as Equal<typeof error.statusCode, 409>);
    return `next ${next}`;
  }
  if (error instanceof SheetRangeError) return `range ${error.statusCode}`;
  if (error instanceof SheetlogError) return error.name;
  return "other";
}

function Hooks(): null {
  const sheetOptions: UseSheetOptions = { snapshotInterval: 10 };
  const sheet: SheetState = useSheet("budget", sheetOptions);
  if (sheet.status === "error") {
    const error: Error = sheet.error;
    void error;
  }
  const data: SpreadsheetData | undefined = sheet.data;
  const snapshot: ContentVersion | undefined = useSpreadsheetSnapshot(data);
  const status: LoadStatus | undefined = useLoadStatus(data);
  const log: LogInfo | undefined = useLogInfo(data);
  const cell: CellState = useCell(data, 0, 0);
  const bounds: RangeBounds = { rowMin: 0, columnMin: 0, rowMax: 1, columnMax: 1 };
  const range: RangeState = useRange(data, bounds);
  const first: CellValue | undefined = range.values[0]?.[0];
  if (data !== undefined && snapshot !== undefined) {
    const shown: RangeBounds | undefined = viewportBounds(data, snapshot);
    void shown;
  }
  const stored: StorageInfoState = useStorageInfo(data);
  const bytes: number | undefined = stored.info?.bytes;
  const undo: UndoState = useUndo(data);
  const canUndo: boolean = undo.canUndo;
  void [status, log, cell, first, bytes, canUndo];
  return null;
}

function Grid({ data }: { data: SpreadsheetData }) {
  const options: GlideGridOptions = {
    renderCell: (cell: SheetCell) => defaultRenderCell(cell),
    parseText: parseCellText,
    onError: (error: unknown) => console.error(narrow(error)),
    minRows: 10,
    clipboard: true,
  };
  const grid: GlideGridProps = useGlideGrid(data, options);
  const fields: string[][] = parseCsv("a,b\n");
  const block: string[][] = parseClipboardText("1\t2");
  const paste: boolean = GLIDE_KEYBINDINGS.paste;
  const text: string = toTsv(splitDelimited("a,b", ",")) + toHtmlTable(block) + escapeHtml("<");
  void [cellText(1), columnName(3), fields, paste, text, MAX_PASTE_CELLS];
  return <DataEditor {...grid} width={800} height={600} />;
}

void [core, Hooks, Grid];
