// The demo: picks a sheet (the last one open, else the first stored, else a new one), opens it
// with sheetlog and shows it; the sheet picker switches, creates, renames and deletes sheets.
import { useCallback, useEffect, useState } from "react";
import { SpreadsheetData } from "sheetlog";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { OfflineBanner } from "./components/OfflineBanner";
import { SheetPicker } from "./components/SheetPicker";
import { SheetView } from "./components/SheetView";
import { errorMessage } from "./errors";
import { firstOpened, firstOpenId, initialViewport, takeFirstOpen, whenLoadState } from "./first-open";
import {
  createSheet,
  deleteSheet,
  lastSheetId,
  listSheets,
  namedSheet,
  nextSheetName,
  rememberLastSheet,
  renameSheet,
  type SheetEntry,
} from "./sheets";
import { exposeSheet } from "./window";

/**
 * How long the page's first sheet may wait for its first viewport before it is shown with loading
 * cells, in milliseconds.
 */
const FIRST_VIEW_MS = 200;

interface OpenSheet {
  id: string;
  data: SpreadsheetData;
}

export function App() {
  // The page's entry may be opening the last sheet already (first-open.ts): App starts on it,
  // shown at once when that open has resolved, and reads the stored list of sheets once it is
  // open (`refresh` below) rather than beside the reload's own reads.
  const [early] = useState(firstOpenId);
  const [sheets, setSheets] = useState<SheetEntry[]>(() => (early === undefined ? [] : [namedSheet(early)]));
  const [sheetId, setSheetId] = useState<string | undefined>(early);
  const [open, setOpen] = useState<OpenSheet | undefined>(firstOpened);
  const [problem, setProblem] = useState<string>();
  const [attempt, setAttempt] = useState(0);
  const [busy, setBusy] = useState(false);
  // A file to import into a sheet just created for it, started once that sheet is open.
  const [queuedImport, setQueuedImport] = useState<{ sheetId: string; source: Blob | string; label: string }>();

  const refresh = useCallback(async () => {
    const list = await listSheets();
    setSheets(list);
    return list;
  }, []);

  // The first sheet: the last one open here, else the first stored, else a new one.
  useEffect(() => {
    if (early !== undefined) return;
    let cancelled = false;
    listSheets().then(
      (list) => {
        if (cancelled) return;
        const last = lastSheetId();
        const id = list.find((s) => s.id === last)?.id ?? list[0]?.id ?? createSheet("Sheet 1").id;
        setSheets(list);
        setSheetId(id);
      },
      (error: unknown) => setProblem(`Could not list the stored sheets: ${errorMessage(error)}`),
    );
    return () => {
      cancelled = true;
    };
  }, [early]);

  // Opens the chosen sheet; closes it when another is chosen or the app goes away.
  useEffect(() => {
    if (sheetId === undefined) return;
    let cancelled = false;
    let opened: SpreadsheetData | undefined;
    setProblem(undefined);
    // The page's entry may have opened this sheet already (first-open.ts).
    let opening = takeFirstOpen(sheetId);
    const fromEntry = opening !== undefined;
    if (opening === undefined) {
      performance.mark("sheetlog:open");
      opening = SpreadsheetData.open({ name: sheetId, viewport: initialViewport() });
    }
    opening.then(
      (data) => {
        if (cancelled) {
          data.close();
          return;
        }
        opened = data;
        performance.mark("sheetlog:opened");
        rememberLastSheet(sheetId);
        exposeSheet(data);
        // Shown from the first render already when the entry's open had resolved (`firstOpened`).
        const show = () => {
          if (!cancelled) setOpen((shown) => (shown?.id === sheetId && shown.data === data ? shown : { id: sheetId, data }));
        };
        // Else the page's first sheet shows once its first viewport is in (at most FIRST_VIEW_MS
        // later): the grid's first render, started while the tiles were read, held the main
        // thread when their result came (11 ms in a trace), and drew loading cells once more
        // (BENCHMARKS.md, stop 35). Another sheet shows at once.
        if (fromEntry) setTimeout(show, FIRST_VIEW_MS);
        else show();
        // The stored list (the registry, the private files) is read once the first viewport's
        // tiles are in, not beside their reads.
        whenLoadState(
          data,
          (state) => state !== "loading",
          () => {
            show();
            if (!cancelled) void refresh();
          },
        );
      },
      (error: unknown) => {
        if (!cancelled) setProblem(`Could not open the sheet: ${errorMessage(error)}`);
      },
    );
    return () => {
      cancelled = true;
      exposeSheet(undefined);
      opened?.close();
      setOpen(undefined);
    };
  }, [sheetId, attempt, refresh]);

  const onCreate = () => {
    const sheet = createSheet(nextSheetName(sheets));
    setSheets((list) => [...list, sheet]);
    setSheetId(sheet.id);
  };

  const importIntoNewSheet = useCallback(
    (source: Blob | string, label: string) => {
      const base = label.replace(/\.[^.]*$/, "").trim();
      const sheet = createSheet(base === "" || sheets.some((s) => s.name === base) ? nextSheetName(sheets) : base);
      setSheets((list) => [...list, sheet]);
      setQueuedImport({ sheetId: sheet.id, source, label });
      setSheetId(sheet.id);
    },
    [sheets],
  );
  const onInitialImportStarted = useCallback(() => setQueuedImport(undefined), []);

  const onRename = (id: string, name: string) => {
    renameSheet(id, name);
    void refresh();
  };

  const onDelete = async (id: string) => {
    setBusy(true);
    try {
      if (open?.id === id) {
        exposeSheet(undefined);
        setOpen(undefined);
        open.data.close();
      }
      await deleteSheet(id);
      setProblem(undefined);
      const list = await refresh();
      const next = list.find((s) => s.id !== id) ?? createSheet(nextSheetName(list));
      setSheetId(next.id);
      void refresh();
    } catch (error) {
      setProblem(`Could not delete the sheet: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
    }
  };

  const currentId = sheetId ?? "";
  const header = (
    <>
      <h1 className="brand">sheetlog</h1>
      <SheetPicker
        sheets={sheets}
        currentId={currentId}
        // While a sheet opens; once an open failed, the user can switch, create or delete.
        disabled={busy || (open === undefined && problem === undefined)}
        onOpen={setSheetId}
        onCreate={onCreate}
        onRename={onRename}
        onDelete={(id) => void onDelete(id)}
      />
      <OfflineBanner />
    </>
  );

  if (open !== undefined && open.id === sheetId) {
    const name = sheets.find((s) => s.id === open.id)?.name ?? open.id;
    return (
      <ErrorBoundary key={open.id}>
        <SheetView
          data={open.data}
          sheetId={open.id}
          sheetName={name}
          header={header}
          importIntoNewSheet={importIntoNewSheet}
          initialImport={queuedImport?.sheetId === open.id ? queuedImport : undefined}
          onInitialImportStarted={onInitialImportStarted}
        />
      </ErrorBoundary>
    );
  }
  return (
    <div className="app">
      <header className="toolbar">{header}</header>
      <main className="placeholder">
        {problem === undefined ? (
          <p>Opening the sheet…</p>
        ) : (
          <>
            <p className="problem" role="alert">
              {problem}
            </p>
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </>
        )}
      </main>
      <footer className="status-bar loading" data-testid="status">
        {problem === undefined ? "opening…" : "not open"}
      </footer>
    </div>
  );
}
