import { useSyncExternalStore } from "react";
import type { ContentVersion, SpreadsheetData } from "sheetlog";

/**
 * The sheet's current content version; the component re-renders whenever it changes (data,
 * viewport or load status). `subscribe` and `getSnapshot` are bound, stable functions.
 */
export function useSpreadsheetData(data: SpreadsheetData): ContentVersion {
  return useSyncExternalStore(data.subscribe, data.getSnapshot);
}
