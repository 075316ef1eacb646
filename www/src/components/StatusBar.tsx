// Where the sheet stands, in plain words: saved, saving, offline, loading or what went wrong;
// its size and the storage it uses; the sum, count and average of the numbers selected. The
// engine's own figures (log position, snapshot, workflow) are in the tooltip.
import type { Rectangle } from "@glideapps/glide-data-grid";
import { Fragment, useEffect, useState, type ReactNode } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import { storageErrorInWords } from "../errors";
import { useOnline } from "../hooks/useOnline";
import { useSelectionStats } from "../hooks/useSelectionStats";

interface Props {
  data: SpreadsheetData;
  snapshot: ContentVersion;
  /** Edits not yet durable. */
  pendingEdits: number;
  /** The selected rectangle, for its sum, count and average. */
  range: Rectangle | undefined;
}

const count = new Intl.NumberFormat("en-US");
const figure = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });

/** Bytes for a person: "812 KB", "3.4 MB". */
export function bytesInWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * The sheet's stored bytes (`getStorageInfo`), read a second after the log moves on (once edits
 * settle) and every 30 s.
 */
function useStoredBytes(data: SpreadsheetData, settled: boolean, position: bigint): number | undefined {
  const [bytes, setBytes] = useState<number>();
  useEffect(() => {
    if (!settled) return;
    let cancelled = false;
    const read = () =>
      data.getStorageInfo().then(
        (info) => !cancelled && setBytes(info.bytes),
        () => undefined,
      );
    const first = setTimeout(read, 1000);
    const timer = setInterval(read, 30_000);
    return () => {
      cancelled = true;
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [data, settled, position]);
  return bytes;
}

export function StatusBar({ data, snapshot, pendingEdits, range }: Props) {
  const online = useOnline();
  const status = data.getLoadStatus(snapshot);
  const log = data.getLogInfo(snapshot);
  const rows = data.getRowCount(snapshot);
  const columns = data.getColumnCount(snapshot);
  const stored = useStoredBytes(data, pendingEdits === 0, log.sequenceId);
  const stats = useSelectionStats(data, snapshot, range);

  let state: string;
  if (status.state === "error") state = storageErrorInWords(status.error);
  else if (!online) state = "Offline – changes are kept on this device";
  else if (pendingEdits > 0) state = "Saving…";
  else if (status.state === "loading") state = "Loading…";
  else state = "Saved";

  const details = [
    `log position ${log.sequenceId.toString()}`,
    log.snapshotSequenceId === undefined ? "no snapshot yet" : `last snapshot at ${log.snapshotSequenceId.toString()}`,
    log.workflow === undefined ? "no background work" : `${log.workflow} running in the background`,
  ].join(" · ");

  const items: { key: string; node: ReactNode }[] = [
    {
      key: "state",
      node: (
        <span className="load-state" data-testid="load-state" role={status.state === "error" ? "alert" : undefined}>
          {state}
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
  ];
  if (stored !== undefined) {
    items.push({ key: "stored", node: <span data-testid="stored">{bytesInWords(stored)} stored in this browser</span> });
  }
  if (stats !== undefined && stats !== "reading" && stats.numbers > 0) {
    items.push({
      key: "stats",
      node: (
        <span className="selection-stats" data-testid="selection-stats">
          Sum {figure.format(stats.sum)} · Count {count.format(stats.numbers)} · Average {figure.format(stats.sum / stats.numbers)}
        </span>
      ),
    });
  } else if (stats === "reading") {
    items.push({ key: "stats", node: <span className="selection-stats">Adding up the selection…</span> });
  }
  return (
    <footer
      className={`status-bar ${status.state}${online ? "" : " offline"}`}
      data-testid="status"
      data-state={status.state}
      data-pending-edits={pendingEdits}
      title={details}
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
