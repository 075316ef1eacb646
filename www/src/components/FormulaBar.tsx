// The selected cell's address, raw value and number format, editable: Enter in either field
// writes both, Escape goes back to what the sheet holds.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import type { CellValue } from "sheetlog";
import { cellAddress } from "../format";
import { describeValue, toInputText } from "../parse";

interface Props {
  /** The selected cell as [row, column]. */
  cell: [number, number] | undefined;
  value: CellValue;
  format: string | undefined;
  pending: boolean;
  failure: string | undefined;
  validate(row: number, column: number, text: string, format: string | undefined): string | undefined;
  commit(row: number, column: number, text: string, format: string | undefined): string | undefined;
  /** Shows the cell without letting it be changed (an earlier state of the sheet). */
  readOnly?: boolean;
}

export function FormulaBar(props: Props) {
  const { cell, value, format } = props;
  // Drafts start over whenever the cell or what it holds changes.
  const key = cell === undefined ? "none" : `${cell[0]}:${cell[1]}:${toInputText(value, format)}:${format ?? ""}`;
  return <FormulaBarFields key={key} {...props} />;
}

function FormulaBarFields({ cell, value, format, pending, failure, validate, commit, readOnly = false }: Props) {
  const [text, setText] = useState(() => toInputText(value, format));
  const [formatText, setFormatText] = useState(format ?? "");
  const draftFormat = formatText === "" ? undefined : formatText;
  const dirty = !readOnly && (text !== toInputText(value, format) || draftFormat !== format);
  const problem = cell !== undefined && dirty ? validate(cell[0], cell[1], text, draftFormat) : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (cell === undefined || !dirty) return;
    commit(cell[0], cell[1], text, draftFormat);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== "Escape") return;
    setText(toInputText(value, format));
    setFormatText(format ?? "");
  };

  const status = readOnly ? `${describeValue(value)} (read only)` : pending ? "saving…" : describeValue(value);
  // A refused draft, else the error of the cell's last failed write.
  const message = problem ?? failure;
  return (
    <form className="formula-bar" onSubmit={submit} aria-label="Cell editor">
      <output className="address" data-testid="address">
        {cell === undefined ? "–" : cellAddress(cell[0], cell[1])}
      </output>
      <label className="value-field">
        <span>Value</span>
        <input
          data-testid="formula-value"
          value={text}
          disabled={cell === undefined}
          readOnly={readOnly}
          placeholder="value: 42, TRUE, text, 'kept as text"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          aria-invalid={problem !== undefined}
        />
      </label>
      <label className="format-field">
        <span>Format</span>
        <input
          data-testid="formula-format"
          value={formatText}
          disabled={cell === undefined}
          readOnly={readOnly}
          placeholder="General"
          list="format-suggestions"
          onChange={(e) => setFormatText(e.target.value)}
          onKeyDown={onKeyDown}
          aria-invalid={problem !== undefined}
        />
        <datalist id="format-suggestions">
          <option value="0.00" />
          <option value="#,##0" />
          <option value="#,##0.00;[Red]-#,##0.00" />
          <option value="0%" />
          <option value="0.00E+00" />
          <option value="yyyy-mm-dd" />
          <option value='"$"#,##0.00' />
        </datalist>
      </label>
      <button type="submit" disabled={cell === undefined || !dirty}>
        Apply
      </button>
      <span
        className={`cell-state${pending ? " pending" : ""}${message !== undefined ? " failed" : ""}`}
        role={message !== undefined ? "alert" : undefined}
        data-testid={problem !== undefined ? "validation" : undefined}
        title={message}
      >
        {message ?? status}
      </span>
    </form>
  );
}
