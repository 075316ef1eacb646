// Where the sheet stands: load status, size, log position, snapshot, workflow, storage errors.
import { Fragment, type ReactNode } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import { storageErrorInWords } from "../errors";

interface Props {
  data: SpreadsheetData;
  snapshot: ContentVersion;
  /** Edits not yet durable. */
  pendingEdits: number;
}

const count = new Intl.NumberFormat("en-US");

export function StatusBar({ data, snapshot, pendingEdits }: Props) {
  const status = data.getLoadStatus(snapshot);
  const log = data.getLogInfo(snapshot);
  const rows = data.getRowCount(snapshot);
  const columns = data.getColumnCount(snapshot);
  const items: { key: string; node: ReactNode }[] = [
    {
      key: "state",
      node: (
        <span className="load-state" data-testid="load-state">
          {status.state === "ready" ? "ready" : status.state === "loading" ? "loading…" : "storage error"}
        </span>
      ),
    },
    {
      key: "size",
      node: (
        <span>
          {count.format(rows)} {rows === 1 ? "row" : "rows"} × {count.format(columns)} {columns === 1 ? "column" : "columns"}
        </span>
      ),
    },
    { key: "version", node: <span title="The log position this version reflects">version {log.sequenceId.toString()}</span> },
    {
      key: "snapshot",
      node: (
        <span title="The log position of the last snapshot">
          {log.snapshotSequenceId === undefined ? "no snapshot yet" : `snapshot at ${log.snapshotSequenceId.toString()}`}
        </span>
      ),
    },
    {
      key: "workflow",
      node: <span>{log.workflow === undefined ? "no workflow running" : `${log.workflow} workflow running`}</span>,
    },
  ];
  if (pendingEdits > 0) {
    items.push({
      key: "saving",
      node: <span className="saving">saving {pendingEdits} {pendingEdits === 1 ? "edit" : "edits"}…</span>,
    });
  }
  if (status.state === "error") {
    items.push({
      key: "error",
      node: (
        <span className="storage-error" role="alert">
          {storageErrorInWords(status.error)}
        </span>
      ),
    });
  }
  return (
    <footer
      className={`status-bar ${status.state}`}
      data-testid="status"
      data-state={status.state}
      data-pending-edits={pendingEdits}
      role="status"
    >
      {items.map(({ key, node }, i) => (
        <Fragment key={key}>
          {i > 0 && <span className="separator"> · </span>}
          {node}
        </Fragment>
      ))}
    </footer>
  );
}
