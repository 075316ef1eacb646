// The sheet's recent changes (getHistory), newest first; choosing one shows the sheet as it was
// right after it (versionAt), read-only, until "Back to the live sheet".
import { useCallback, useEffect, useState } from "react";
import type { ContentVersion, HistoryItem, SpreadsheetData } from "sheetlog";
import { errorMessage } from "../errors";

interface Props {
  data: SpreadsheetData;
  /** The live version: the list reloads when it holds a new change. */
  snapshot: ContentVersion;
  /** The change being viewed, if any. */
  viewing: bigint | undefined;
  onView(item: HistoryItem): void;
  onClose(): void;
}

const PAGE = 50;

/** What a change did, in words ("Changed B2:D40 (117 cells)", "Inserted rows 4:6", "Resized columns B:B to 140 px"). */
export function describeChange(item: HistoryItem): string {
  switch (item.kind) {
    case "cells":
      return `Changed ${item.summary}`;
    case "clear":
      return `Cleared ${item.summary}`;
    case "insertRows":
    case "insertColumns":
      return `Inserted ${item.summary}`;
    case "deleteRows":
    case "deleteColumns":
      return `Deleted ${item.summary}`;
    case "resize":
      return `Resized ${item.summary}`;
    case "import":
      return `Imported ${item.summary}`;
    default:
      return item.summary;
  }
}

/** When a change was made, as a person reads it: the time today, else the date and time. */
export function changeTime(item: HistoryItem): string {
  if (item.time === undefined) return "an unknown time";
  const when = new Date(item.time);
  const today = new Date().toDateString() === when.toDateString();
  const time = when.toLocaleTimeString("en-GB");
  return today ? time : `${when.toLocaleDateString("en-GB")} ${time}`;
}

export function HistoryPanel({ data, snapshot, viewing, onView, onClose }: Props) {
  const [items, setItems] = useState<HistoryItem[]>();
  const [next, setNext] = useState<bigint>();
  const [problem, setProblem] = useState<string>();
  const latest = data.getLogInfo(snapshot).sequenceId;

  // The newest page, again whenever the live sheet holds a new change.
  useEffect(() => {
    let cancelled = false;
    data.getHistory({ limit: PAGE }).then(
      (page) => {
        if (cancelled) return;
        setItems(page.items);
        setNext(page.next);
        setProblem(undefined);
      },
      (error: unknown) => {
        if (!cancelled) setProblem(`Could not read the history: ${errorMessage(error)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [data, latest]);

  const loadOlder = useCallback(() => {
    if (next === undefined) return;
    data.getHistory({ to: next, limit: PAGE }).then(
      (page) => {
        setItems((shown) => [...(shown ?? []), ...page.items]);
        setNext(page.next);
      },
      (error: unknown) => setProblem(`Could not read the history: ${errorMessage(error)}`),
    );
  }, [data, next]);

  const mine = data.clientId;
  return (
    <aside className="history-panel" aria-labelledby="history-title" data-testid="history-panel">
      <div className="history-head">
        <h2 id="history-title">Recent changes</h2>
        <button type="button" aria-label="Close the list of changes" onClick={onClose}>
          ×
        </button>
      </div>
      <p className="history-hint">Choose a change to see the sheet as it was right after it (read only).</p>
      {problem !== undefined && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {items === undefined && problem === undefined && <p className="history-hint">Reading…</p>}
      {items !== undefined && items.length === 0 && <p className="history-hint">No changes yet.</p>}
      <ol className="history-list">
        {items?.map((item) => {
          const current = viewing === item.sequenceId;
          return (
            <li key={String(item.sequenceId)}>
              <button
                type="button"
                className={current ? "current" : undefined}
                aria-current={current ? "true" : undefined}
                data-testid="history-item"
                data-sequence-id={String(item.sequenceId)}
                onClick={() => onView(item)}
              >
                <span className="what">{describeChange(item)}</span>{" "}
                <span className="when">
                  {changeTime(item)}
                  {item.clientId !== undefined && item.clientId === mine ? " · this tab" : ""}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
      {next !== undefined && (
        <button type="button" className="history-more" onClick={loadOlder}>
          Show older changes
        </button>
      )}
    </aside>
  );
}
