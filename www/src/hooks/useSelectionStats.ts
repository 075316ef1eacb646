// The sum, count and average of the numbers in the selection, as spreadsheets show them in their
// status bar: read from the version when the selection is loaded, else from storage (exportCsv).
import type { Rectangle } from "@glideapps/glide-data-grid";
import { useEffect, useState } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";
import { csvFieldValue, isLoaded } from "../block";
import { rangeAddress } from "../format";

export interface SelectionStats {
  sum: number;
  /** How many cells hold numbers. */
  numbers: number;
}

/** Selections larger than this are not added up (the export would take too long to be useful). */
const MAX_CELLS = 1_048_576;

function statsOfLoaded(data: SpreadsheetData, version: ContentVersion, rect: Rectangle): SelectionStats {
  let sum = 0;
  let numbers = 0;
  for (let row = rect.y; row < rect.y + rect.height; row++) {
    for (let column = rect.x; column < rect.x + rect.width; column++) {
      const value = data.getCellValue(version, row, column);
      if (typeof value === "number") {
        sum += value;
        numbers++;
      }
    }
  }
  return { sum, numbers };
}

/** `undefined` for one cell or none, `"reading"` while a selection not loaded is read from storage. */
export function useSelectionStats(
  data: SpreadsheetData,
  snapshot: ContentVersion,
  range: Rectangle | undefined,
): SelectionStats | "reading" | undefined {
  const single = range === undefined || (range.width === 1 && range.height === 1) || range.width * range.height > MAX_CELLS;
  const loaded = !single && isLoaded(data, snapshot, range);
  const [read, setRead] = useState<{ key: string; stats: SelectionStats }>();
  const key = range === undefined ? "" : `${rangeAddress(range)}@${data.getLogInfo(snapshot).sequenceId.toString()}`;

  useEffect(() => {
    if (single || loaded || range === undefined) return;
    let cancelled = false;
    // Wait for the selection to settle (a drag or Shift+arrows) before reading storage.
    const timer = setTimeout(() => {
      data.exportCsv(snapshot, rangeAddress(range)).then(
        (csv) => {
          if (cancelled) return;
          let sum = 0;
          let numbers = 0;
          for (const line of csv.split("\n")) {
            for (const field of line.split(",")) {
              const value = csvFieldValue(field);
              if (typeof value === "number") {
                sum += value;
                numbers++;
              }
            }
          }
          setRead({ key, stats: { sum, numbers } });
        },
        () => undefined,
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // The key names the range and the version's log position; a new version object alone (a tile loaded) does not re-read.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, single, loaded]);

  if (single || range === undefined) return undefined;
  if (loaded) return statsOfLoaded(data, snapshot, range);
  return read?.key === key ? read.stats : "reading";
}
