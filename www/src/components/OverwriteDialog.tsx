// Asks before an import replaces cells that hold data: replace them, import into a new sheet
// instead, or cancel (nothing is written). Escape cancels; the focus starts on Cancel and Tab
// stays on the dialog's buttons.
import { useEffect, useRef } from "react";
import type { OverwriteQuestion } from "../hooks/useCsvImport";

export function OverwriteDialog({ question }: { question: OverwriteQuestion }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="overwrite-title"
        aria-describedby="overwrite-text"
        data-testid="overwrite-dialog"
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.stopPropagation();
            question.dismiss();
            return;
          }
          // Tab stays on the dialog's buttons while it is open.
          if (event.key !== "Tab") return;
          const buttons = [...event.currentTarget.querySelectorAll("button")];
          const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
          const next = (at + (event.shiftKey ? buttons.length - 1 : 1)) % buttons.length;
          event.preventDefault();
          buttons[at === -1 ? 0 : next]?.focus();
        }}
      >
        <h2 id="overwrite-title">Replace cells that hold data?</h2>
        <p id="overwrite-text" data-testid="overwrite-text">
          Importing {question.label} at {question.at} writes {question.range}, and some of those cells already hold data. Their
          contents would be replaced.
        </p>
        <div className="dialog-buttons">
          <button type="button" className="danger" data-testid="overwrite-replace" onClick={question.replace}>
            Replace the cells
          </button>
          <button type="button" data-testid="overwrite-new-sheet" onClick={question.newSheet}>
            Import into a new sheet
          </button>
          <button type="button" ref={cancelRef} data-testid="overwrite-cancel" onClick={question.dismiss}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
