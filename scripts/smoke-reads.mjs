// Checks getCellValue's fast path in the built pkg/ (js/boundary.js `installFastReads`, issue 9
// item 6) against the glue's checked getCellValue it replaces: for every pair of a version-like
// argument and indexes from a list of good and bad ones, both return the same value or both throw
// an error of the same class with the same message. Loads the glue first to keep its method, then
// the package entry, which installs the fast path. Run by scripts/test.sh after smoke-pkg.mjs.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const pkg = new URL("../pkg/", import.meta.url);
const fail = (message) => {
  console.error(`smoke-reads: ${message}`);
  process.exit(1);
};
const glue = await import(new URL("sheetlog.js", pkg).href);
const checked = glue.SpreadsheetData.prototype.getCellValue;
const sheetlog = await import(new URL("index.js", pkg).href);
sheetlog.initSync({ module: readFileSync(fileURLToPath(new URL("sheetlog_bg.wasm", pkg))) });
const { SpreadsheetData, ValidationError } = sheetlog;
if (SpreadsheetData !== glue.SpreadsheetData) fail("the entry exports another SpreadsheetData than the glue");
if (SpreadsheetData.prototype.getCellValue === checked) fail("the entry did not install the fast path");
if ("__cellValueAt" in SpreadsheetData.prototype) fail("__cellValueAt is still on the prototype");

const data = SpreadsheetData.inMemory();
const other = SpreadsheetData.inMemory();
const empty = data.getSnapshot();
const values = [
  ["Boston", 1.5, true, null, { type: "CellError", value: "#DIV/0!" }],
  ["", -0, false, "x".repeat(300), 9007199254740991],
];
await data.setCellValuesAndFormats(0, 0, values);
await data.setCellValueAndFormat(9007199254740991, 9007199254740991, "far corner");
const full = data.getSnapshot();
await other.setCellValueAndFormat(0, 0, "other sheet");

const versions = [
  ["the empty version", empty],
  ["the written version", full],
  ["another sheet's version", other.getSnapshot()],
  ["a Proxy of a version", new Proxy(full, {})],
  ["a plain object", {}],
  ["a number", 0],
  ["undefined", undefined],
  ["null", null],
];
const indexes = [
  0, -0, 1, 2, 4, 5, 9007199254740991, 9007199254740992, -1, 0.5, NaN, Infinity, -Infinity,
  "0", 0n, true, null, undefined, {}, { valueOf: () => 0 }, Symbol("i"),
];
const outcome = (read) => {
  try {
    return { value: read() };
  } catch (error) {
    return { error: error?.constructor?.name, message: error?.message, validation: error instanceof ValidationError };
  }
};
let compared = 0;
let threw = 0;
for (const [name, version] of versions) {
  for (const row of indexes) {
    for (const column of indexes) {
      const fast = outcome(() => data.getCellValue(version, row, column));
      const slow = outcome(() => checked.call(data, version, row, column));
      if (!isDeepStrictEqual(fast, slow)) {
        fail(`${name}, row ${String(row)}, column ${String(column)}: fast ${JSON.stringify(fast)}, checked ${JSON.stringify(slow)}`);
      }
      if (slow.error !== undefined && !slow.validation) fail(`${name}, ${String(row)}, ${String(column)}: ${slow.error}`);
      compared += 1;
      if (slow.error !== undefined) threw += 1;
    }
  }
}
// What the fast path returns, spelled out (a comparison alone passes when both are wrong).
const expect = (row, column, value) => {
  const got = data.getCellValue(full, row, column);
  if (!isDeepStrictEqual(got, value)) fail(`(${row}, ${column}) read ${JSON.stringify(got)}, wrote ${JSON.stringify(value)}`);
};
values.forEach((cells, r) => cells.forEach((value, c) => expect(r, c, value)));
expect(9007199254740991, 9007199254740991, "far corner");
expect(2, 0, undefined);
if (data.getCellValue(empty, 0, 0) !== undefined) fail("the empty version reads a later write");
if (data.getCellValue(other.getSnapshot(), 0, 0) !== "other sheet") fail("another sheet's version read wrong");
data.close();
if (data.getCellValue(full, 0, 0) !== "Boston") fail("a held version stopped reading after close()");
other.close();
console.log(`smoke-reads: getCellValue's fast path agrees with the checked one on ${compared} argument triples (${threw} throw ValidationError)`);
