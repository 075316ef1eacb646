// Checks of JS values at the boundary of sheetlog (issue 12, item 3), made in JS before the wasm
// module sees a value: nothing here throws, and no code of the caller's (a getter, `valueOf`, a
// Proxy trap) runs outside a try. Called by src/api/convert.rs; wasm-bindgen copies this file into
// the package as a snippet.
//
// Keep the package at four snippet modules (this file, errors.js, host.js, registry.js; each
// `inline_js` counts as one more; scripts/test.sh checks). Chromium fetches them in parallel once
// the glue is loaded, opening a keep-alive connection for each, and the test runner's server
// (wasm-bindgen-test-runner 0.2.130 on tiny_http 0.12) serves each connection on a thread of a
// pool that starts with four. A connection beyond those four, opened in the same burst, can be
// queued instead of getting a thread of its own (the pool still counts a thread it just woke as
// idle) and is served only once another connection closes: Chromium keeps idle ones open for up
// to 300 s. The page then stays at "Loading scripts..." and chromedriver reports "Timed out
// receiving message from renderer: 299.9", in a different test file each run.

const isWellFormed = String.prototype.isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isArray = Array.isArray;

/** True when string `s` holds no lone (unpaired) surrogate, so it converts to UTF-8 unchanged. */
function wellFormed(s) {
  return typeof isWellFormed === "function" ? isWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

/**
 * The kind of `value`: 0 undefined, 1 null, 2 number, 3 string, 4 string holding a lone
 * surrogate, 5 boolean, 6 bigint, 7 symbol, 8 function, 9 other object (a Proxy included).
 */
export function kindOf(value) {
  switch (typeof value) {
    case "undefined":
      return 0;
    case "number":
      return 2;
    case "string":
      return wellFormed(value) ? 3 : 4;
    case "boolean":
      return 5;
    case "bigint":
      return 6;
    case "symbol":
      return 7;
    case "function":
      return 8;
    default:
      return value === null ? 1 : 9;
  }
}

/**
 * `value` as a fresh array of fresh arrays (its rows), read in a try; or a string saying what is
 * wrong ("must be ...", "[3] must be ...", "could not be read"). At most `maxRows` rows and
 * `maxCells` elements in all, so a Proxy claiming a huge length cannot keep this busy.
 */
export function copyMatrix(value, maxRows, maxCells) {
  try {
    if (!isArray(value)) return " must be an array of rows (arrays)";
    const rows = value.length;
    if (!(rows <= maxRows)) return ` has ${rows} rows; the limit is ${maxRows}`;
    const out = new Array(rows);
    let cells = 0;
    for (let i = 0; i < rows; i++) {
      const row = value[i];
      if (!isArray(row)) return `[${i}] must be an array`;
      const length = row.length;
      cells += length;
      if (!(cells <= maxCells)) return ` holds more than ${maxCells} cells`;
      const copy = new Array(length);
      for (let j = 0; j < length; j++) copy[j] = row[j];
      out[i] = copy;
    }
    return out;
  } catch {
    return " could not be read (reading it threw)";
  }
}

/**
 * The values of `rows` (a fresh matrix from `copyMatrix`) packed for one crossing into wasm, so a
 * large batch write does not cross once or twice per cell (issue 9; BENCHMARKS.md, stop 32).
 * `kinds` has a byte per cell, row by row: 1 a number (in `numbers` at the cell's index), 2 a
 * well-formed string (its UTF-16 length next in `lengths`, its text next in `text`, the texts
 * joined), 3 false, 4 true, 5 undefined, 6 null, 0 anything else (the value itself next in
 * `others`, for the wasm module to convert or reject as it does one value).
 */
export function packCells(rows) {
  let cells = 0;
  for (let i = 0; i < rows.length; i++) cells += rows[i].length;
  const kinds = new Uint8Array(cells);
  const numbers = new Float64Array(cells);
  const texts = [];
  const others = [];
  let k = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    for (let j = 0; j < row.length; j++, k++) {
      const value = row[j];
      switch (typeof value) {
        case "number":
          kinds[k] = 1;
          numbers[k] = value;
          break;
        case "string":
          if (wellFormed(value)) {
            kinds[k] = 2;
            texts.push(value);
          } else {
            others.push(value);
          }
          break;
        case "boolean":
          kinds[k] = value ? 4 : 3;
          break;
        case "undefined":
          kinds[k] = 5;
          break;
        default:
          if (value === null) kinds[k] = 6;
          else others.push(value);
      }
    }
  }
  const lengths = new Uint32Array(texts.length);
  for (let t = 0; t < texts.length; t++) lengths[t] = texts[t].length;
  return { kinds, numbers, text: texts.join(""), lengths, others };
}

const versions = new WeakMap();

/** Remembers that `object` is the content version with id `id` (a genuine one, made by us). */
export function tagVersion(object, id) {
  versions.set(object, id);
}

/**
 * The id of content version `value` when it is one made by us (by identity: a Proxy or a copy is
 * not), else -1.
 */
export function versionIdOf(value) {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return -1;
  const id = versions.get(value);
  return id === undefined ? -1 : id;
}

/** What the wasm module's `__cellValueAt` returns when it did not read: no cell value is a symbol. */
export const NOT_READ = Symbol("sheetlog: not read");

/**
 * Replaces `getCellValue` of class `SpreadsheetData` (the glue's) by one that checks its arguments
 * in JS and reads through `__cellValueAt` (issue 9, item 6): one call into wasm per read, and the
 * value returned alone. Anything that one does not read (an argument of another type, a bad
 * index, a version not live) goes to the glue's checked `getCellValue`, which throws its
 * `ValidationError`. `__cellValueAt` is taken off the prototype. Called once by the package entry.
 */
export function installFastReads(SpreadsheetData) {
  const proto = SpreadsheetData.prototype;
  const checked = proto.getCellValue;
  const at = proto.__cellValueAt;
  if (typeof checked !== "function" || typeof at !== "function") return;
  delete proto.__cellValueAt;
  Object.defineProperty(proto, "getCellValue", {
    configurable: true,
    writable: true,
    value: function getCellValue(snapshot, row, column) {
      if (typeof row === "number" && typeof column === "number") {
        const id = versionIdOf(snapshot);
        if (id >= 0) {
          const value = at.call(this, id, row, column);
          if (value !== NOT_READ) return value;
        }
      }
      return checked.call(this, snapshot, row, column);
    },
  });
}

const blobSize = typeof Blob === "function" ? Object.getOwnPropertyDescriptor(Blob.prototype, "size")?.get : undefined;

/** The size of `value` when it is a genuine `Blob` (or `File`), else -1. */
export function blobSizeOf(value) {
  try {
    return typeof blobSize === "function" ? blobSize.call(value) : -1;
  } catch {
    return -1;
  }
}

const signalAborted =
  typeof AbortSignal === "function" ? Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get : undefined;

/** 1 when `value` is an aborted genuine `AbortSignal`, 0 when a genuine one not aborted, else -1. */
export function abortedOf(value) {
  try {
    return typeof signalAborted === "function" ? (signalAborted.call(value) ? 1 : 0) : -1;
  } catch {
    return -1;
  }
}

const urlHref = typeof URL === "function" ? Object.getOwnPropertyDescriptor(URL.prototype, "href")?.get : undefined;

/** The `href` of `value` when it is a genuine `URL`, else undefined. */
export function urlHrefOf(value) {
  try {
    return typeof urlHref === "function" ? urlHref.call(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * UTF-16 units `start .. end` of string `text` as a string, `end` moved back by one when it
 * would split a surrogate pair (so each slice converts to UTF-8 unchanged).
 */
export function sliceText(text, start, end) {
  if (end < text.length && end > start) {
    const unit = text.charCodeAt(end - 1);
    if (unit >= 0xd800 && unit <= 0xdbff) end -= 1;
  }
  return text.slice(start, end);
}

/** The length of string `text` in UTF-16 units. */
export function textLength(text) {
  return text.length;
}

/** The length in UTF-8 bytes of well-formed string `text`. */
export function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/** `f` wrapped so that only its first call runs it (an unsubscribe function). */
export function once(f) {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}
