import { useCallback, useState } from "react";
import type { SpreadsheetData } from "sheetlog";
import { errorMessage } from "../errors";
import { cellAddress, formatProblem } from "../format";
import { formatForEdit, parseTyped } from "../parse";

/** Key of a cell in the pending and failed maps. */
export function cellKey(row: number, column: number): string {
  return `${row}:${column}`;
}

export interface Edits {
  /** Cells with writes not yet durable (the count of unsettled writes). */
  pending: ReadonlyMap<string, number>;
  /** Cells whose last write was rejected, with the error. */
  failed: ReadonlyMap<string, string>;
  /** Why typing `text` with `format` into the cell would be refused, or `undefined`. */
  validate(row: number, column: number, text: string, format: string | undefined): string | undefined;
  /**
   * Parses and writes the cell. Invalid input stores nothing and returns the reason; a valid
   * edit shows at once (optimistic) and stays pending until the log holds it.
   */
  commit(row: number, column: number, text: string, format: string | undefined): string | undefined;
  /**
   * Counts a write made some other way (a paste, a fill, a delete, an undo) as pending until it
   * settles; a failure is reported as "`what` failed: reason".
   */
  track(what: string, write: Promise<unknown>): void;
}

function adjust(map: ReadonlyMap<string, number>, key: string, by: number): ReadonlyMap<string, number> {
  const next = new Map(map);
  const count = (next.get(key) ?? 0) + by;
  if (count > 0) next.set(key, count);
  else next.delete(key);
  return next;
}

/** Keys of tracked writes in the pending map (never a cell key). */
let nextWrite = 0;

export function useEdits(data: SpreadsheetData, onError: (message: string) => void): Edits {
  const [pending, setPending] = useState<ReadonlyMap<string, number>>(() => new Map());
  const [failed, setFailed] = useState<ReadonlyMap<string, string>>(() => new Map());

  const validate = useCallback(
    (row: number, column: number, text: string, format: string | undefined): string | undefined => {
      const typed = parseTyped(text);
      const stored = formatForEdit(typed, format);
      const invalid = data.isValidCellValueAndFormat(row, column, typed.value, stored);
      return invalid !== undefined ? invalid.message : formatProblem(stored);
    },
    [data],
  );

  const commit = useCallback(
    (row: number, column: number, text: string, format: string | undefined): string | undefined => {
      const address = cellAddress(row, column);
      const problem = validate(row, column, text, format);
      if (problem !== undefined) {
        onError(`${address} not changed: ${problem}`);
        return problem;
      }
      const key = cellKey(row, column);
      setPending((map) => adjust(map, key, 1));
      setFailed((map) => {
        if (!map.has(key)) return map;
        const next = new Map(map);
        next.delete(key);
        return next;
      });
      const typed = parseTyped(text);
      data.setCellValueAndFormat(row, column, typed.value, formatForEdit(typed, format)).then(
        () => setPending((map) => adjust(map, key, -1)),
        (error: unknown) => {
          const message = errorMessage(error);
          setPending((map) => adjust(map, key, -1));
          setFailed((map) => new Map(map).set(key, message));
          onError(`Edit of ${address} failed: ${message}`);
        },
      );
      return undefined;
    },
    [data, validate, onError],
  );

  const track = useCallback(
    (what: string, write: Promise<unknown>) => {
      const key = `write:${nextWrite++}`;
      setPending((map) => adjust(map, key, 1));
      write.then(
        () => setPending((map) => adjust(map, key, -1)),
        (error: unknown) => {
          setPending((map) => adjust(map, key, -1));
          onError(`${what} failed: ${errorMessage(error)}`);
        },
      );
    },
    [onError],
  );

  return { pending, failed, validate, commit, track };
}
