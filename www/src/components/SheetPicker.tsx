// The sheets stored in this browser: switch, create, rename (display name), delete.
import { useState, type FormEvent } from "react";
import type { SheetEntry } from "../sheets";

interface Props {
  sheets: readonly SheetEntry[];
  currentId: string;
  disabled: boolean;
  onOpen(id: string): void;
  onCreate(): void;
  onRename(id: string, name: string): void;
  onDelete(id: string): void;
}

type Mode = { kind: "idle" } | { kind: "rename"; name: string } | { kind: "confirm-delete" };

export function SheetPicker({ sheets, currentId, disabled, onOpen, onCreate, onRename, onDelete }: Props) {
  const [mode, setMode] = useState<Mode>({ kind: "idle" });
  const current = sheets.find((s) => s.id === currentId);
  const currentName = current?.name ?? currentId;

  const submitRename = (event: FormEvent) => {
    event.preventDefault();
    if (mode.kind !== "rename") return;
    const name = mode.name.trim();
    if (name !== "") onRename(currentId, name);
    setMode({ kind: "idle" });
  };

  if (mode.kind === "rename") {
    return (
      <form className="sheet-picker" onSubmit={submitRename}>
        <input
          aria-label="Sheet name"
          data-testid="sheet-name"
          value={mode.name}
          maxLength={100}
          autoFocus
          onChange={(e) => setMode({ kind: "rename", name: e.target.value })}
          onKeyDown={(e) => e.key === "Escape" && setMode({ kind: "idle" })}
        />
        <button type="submit">Save</button>
        <button type="button" onClick={() => setMode({ kind: "idle" })}>
          Cancel
        </button>
      </form>
    );
  }

  if (mode.kind === "confirm-delete") {
    return (
      <div className="sheet-picker confirm" role="alertdialog" aria-label="Delete sheet">
        <span>
          Delete “{currentName}” and everything stored for it?
        </span>
        <button
          type="button"
          className="danger"
          data-testid="confirm-delete"
          onClick={() => {
            setMode({ kind: "idle" });
            onDelete(currentId);
          }}
        >
          Delete
        </button>
        <button type="button" onClick={() => setMode({ kind: "idle" })}>
          Keep
        </button>
      </div>
    );
  }

  return (
    <div className="sheet-picker">
      <select
        aria-label="Sheet"
        data-testid="sheet-select"
        value={currentId}
        disabled={disabled}
        onChange={(e) => onOpen(e.target.value)}
      >
        {current === undefined && <option value={currentId}>{currentId}</option>}
        {sheets.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
      <button type="button" data-testid="new-sheet" disabled={disabled} onClick={onCreate}>
        New
      </button>
      <button
        type="button"
        data-testid="rename-sheet"
        disabled={disabled}
        onClick={() => setMode({ kind: "rename", name: currentName })}
      >
        Rename
      </button>
      <button
        type="button"
        data-testid="delete-sheet"
        disabled={disabled}
        onClick={() => setMode({ kind: "confirm-delete" })}
      >
        Delete
      </button>
    </div>
  );
}
