// The app every bundler builds (no JSX, so no bundler needs a transform for it): opens the sheet
// named in the URL with `useSheet` (snapshots every 10 entries, by the worker), shows cell A1 with
// `useCell`, the log position with `useLogInfo` and the log entries stored with `useStorageInfo`,
// and edits A1 with a button (undone with `useUndo`'s). The test drives it
// through the DOM and `window.consumerSheet`.
import { createElement as h, useEffect } from "react";
import { useCell, useLogInfo, useSheet, useStorageInfo, useUndo } from "sheetlog/react";

export function App({ name }) {
  const sheet = useSheet(name, { snapshotInterval: 10 });
  const cell = useCell(sheet.data, 0, 0);
  const log = useLogInfo(sheet.data);
  const stored = useStorageInfo(sheet.data);
  const undo = useUndo(sheet.data);
  useEffect(() => {
    if (typeof window !== "undefined") window.consumerSheet = sheet.data;
  }, [sheet.data]);
  if (sheet.status === "error") return h("p", { id: "error" }, `${sheet.error.name}: ${sheet.error.message}`);
  if (sheet.status === "opening") return h("p", { id: "opening" }, "opening…");
  const value = cell.value;
  const next = typeof value === "number" ? value + 1 : 1;
  return h(
    "main",
    { id: "app", "data-status": sheet.status },
    h("output", { id: "cell", "data-loading": String(cell.loading) }, value === undefined ? "" : String(value)),
    h("button", { id: "edit", onClick: () => void sheet.data.setCellValueAndFormat(0, 0, next) }, "add one"),
    h("span", { id: "snapshot" }, log?.snapshotSequenceId === undefined ? "none" : log.snapshotSequenceId.toString()),
    h("span", { id: "stored" }, stored.info === undefined ? "" : String(stored.info.logEntries)),
    h("button", { id: "undo", disabled: !undo.canUndo, onClick: () => void undo.undo() }, "undo"),
  );
}
