// Clipboard text of a block of cells, both ways: TSV and an escaped HTML table out, TSV or CSV in
// (part of `sheetlog/glide`). Pasted HTML is never read (it could carry markup to run); only
// text/plain is. The formats are those Excel, Google Sheets and LibreOffice exchange: TSV with
// RFC 4180 quoting (https://www.rfc-editor.org/rfc/rfc4180) and an HTML `<table>`.

/** A field as TSV writes it: quoted (doubling `"`) when it holds a tab, a line end or a quote. */
function tsvField(text: string): string {
  return /[\t\n\r"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of cell texts as TSV, lines ending with `\n` but the last (as Excel and Google Sheets write it). */
export function toTsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(tsvField).join("\t")).join("\n");
}

/**
 * `text` with every character HTML gives meaning to (`& < > " '`) replaced by its entity, so it
 * reads as text in any HTML context, never as markup.
 *
 * @example
 * ```ts
 * escapeHtml("<img src=x onerror=alert(1)>"); // "&lt;img src=x onerror=alert(1)&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Rows of cell texts as an HTML table, every cell's text escaped (never markup). */
export function toHtmlTable(rows: readonly (readonly string[])[]): string {
  const body = rows
    .map((row) => `<tr>${row.map((text) => `<td>${escapeHtml(text).replace(/\r?\n/g, "<br>")}</td>`).join("")}</tr>`)
    .join("");
  return `<meta charset="utf-8"><table><tbody>${body}</tbody></table>`;
}

/** Splits delimited text (RFC 4180 quoting, any line end) into rows of fields. */
export function splitDelimited(text: string, delimiter: "\t" | ","): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text.charAt(i + 1) === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
    } else if (c === delimiter) {
      row.push(field);
      field = "";
      atFieldStart = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text.charAt(i + 1) === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      atFieldStart = true;
    } else {
      field += c;
      atFieldStart = false;
    }
  }
  if (field !== "" || row.length > 0 || !atFieldStart) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Reads pasted plain text as a block of cell texts, the way spreadsheets do:
 *
 * - with a tab anywhere, TSV (quoted fields may hold tabs and line ends);
 * - else, several lines that all split into the same number (two or more) of CSV fields: CSV;
 * - else one cell per line (a single line with commas, `Smith, John` or `1,234.5`, is one cell).
 *
 * One line end at the very end is dropped; a block is never empty (empty text is one empty cell).
 */
export function parseClipboardText(text: string): string[][] {
  const body = text.replace(/\r?\n$/, "");
  if (body.includes("\t")) return splitDelimited(body, "\t");
  const lines = body.split(/\r?\n/);
  if (lines.length > 1) {
    const csv = splitDelimited(body, ",");
    const width = csv[0]?.length ?? 0;
    if (width > 1 && csv.every((row) => row.length === width)) return csv;
  }
  return lines.map((line) => [line]);
}
