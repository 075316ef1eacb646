// Undo and redo of this tab's steps (an edit, a paste, a fill, a Delete, an import): toolbar
// buttons and Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y anywhere but in a text field (which keeps its own).
import { useCallback, useEffect } from "react";
import type { SpreadsheetData, UndoResult } from "sheetlog";
import { useUndo } from "sheetlog/react";

interface Props {
  data: SpreadsheetData;
  track(what: string, write: Promise<unknown>): void;
  report(kind: "info" | "error", text: string): void;
  /** Undo and redo are off (an earlier state of the sheet is shown). */
  disabled?: boolean;
}

function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

export function UndoControls({ data, track, report, disabled = false }: Props) {
  const { canUndo, canRedo, undo, redo } = useUndo(data);

  const run = useCallback(
    (what: "Undo" | "Redo", step: () => Promise<UndoResult | undefined>) => {
      const done = step().then((result) => {
        if (result === undefined) return;
        if (!result.done) report("info", what === "Undo" ? "Nothing to undo" : "Nothing to redo");
        else if (result.skipped.length > 0) {
          report("info", `${what}: ${result.skipped.length} step(s) skipped, another tab changed those cells`);
        }
      });
      track(what, done);
    },
    [track, report],
  );

  useEffect(() => {
    if (disabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || inTextField(event.target)) return;
      const key = event.key.toLowerCase();
      if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        run("Undo", undo);
      } else if ((key === "z" && event.shiftKey) || (key === "y" && !event.shiftKey)) {
        event.preventDefault();
        run("Redo", redo);
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [run, undo, redo, disabled]);

  return (
    <div className="undo-controls">
      <button type="button" data-testid="undo" disabled={disabled || !canUndo} title="Undo (Ctrl+Z)" onClick={() => run("Undo", undo)}>
        ↶ Undo
      </button>
      <button type="button" data-testid="redo" disabled={disabled || !canRedo} title="Redo (Ctrl+Shift+Z or Ctrl+Y)" onClick={() => run("Redo", redo)}>
        ↷ Redo
      </button>
    </div>
  );
}
