// Loads the built pkg/ in Node through its entry (initSync, no browser) and calls into it:
// catches a module that validates but fails at start, as wasm-opt can produce (TOOLCHAIN.md
// trap 1). Also checks the package surface: errors are instances of the exported classes,
// inMemory() takes no argument, free() on a shared content version is harmless, and no public
// .d.ts (entry, glue, react, glide) uses `any` or names an internal export.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = new URL("../pkg/", import.meta.url);
const read = (path) => readFileSync(fileURLToPath(new URL(path, pkg)), "utf8");
const fail = (message) => {
  console.error(`smoke: ${message}`);
  process.exit(1);
};
const sheetlog = await import(new URL("index.js", pkg).href);
sheetlog.initSync({ module: readFileSync(fileURLToPath(new URL("sheetlog_bg.wasm", pkg))) });
const version = sheetlog.version();
const expected = JSON.parse(read("package.json")).version;
if (version !== expected) fail(`version() returned ${JSON.stringify(version)}, package.json says ${expected}`);
if ("__sheetlogWorkerHandle" in sheetlog) fail("the package entry exports __sheetlogWorkerHandle");

// The real API on the optimised build: an in-memory sheet, one edit, read back.
const { SpreadsheetData, ValidationError, StorageError, SheetlogError } = sheetlog;
const data = SpreadsheetData.inMemory();
const first = data.getSnapshot();
if (first !== data.getSnapshot()) fail("getSnapshot() returned two objects for one version");
first.free();
if (data.getCellValue(data.getSnapshot(), 0, 0) !== undefined) fail("a freed snapshot reads wrong");
data.getRowItemOffsetMapping(first).free();
if (data.getRowItemOffsetMapping(data.getSnapshot()).itemOffset(2) !== 60) fail("a freed offset mapping broke");
await data.setCellValueAndFormat(1, 2, 42, "0.00");
await data.setCellValueAndFormat(1, 3, 7);
const snap = data.getSnapshot();
if (data.getCellValue(snap, 1, 2) !== 42 || data.getCellFormat(snap, 1, 2) !== "0.00") {
  fail("a cell written through the release build did not read back");
}
try {
  await data.setCellValueAndFormat(-1, 0, 1);
  fail("a negative row was accepted");
} catch (e) {
  if (!(e instanceof ValidationError && e instanceof SheetlogError && e instanceof Error)) {
    fail(`a negative row rejected with ${e?.name} that is not an instance of ValidationError`);
  }
}
data.close();
try {
  await data.setCellValueAndFormat(0, 0, 1);
  fail("a closed sheet accepted a write");
} catch (e) {
  if (!(e instanceof StorageError) || e.statusCode !== 503) fail(`a closed sheet rejected with ${e?.name} ${e?.statusCode}`);
}

for (const file of ["index.d.ts", "sheetlog.d.ts", "react/index.d.ts", "glide/index.d.ts"]) {
  const text = read(file);
  const code = text.replace(/export interface InitOutput \{[\s\S]*?\n\}/, "");
  const anyLines = code.split("\n").filter((line) => /\bany\b/.test(line.replace(/\/\/.*|\/\*.*?\*\/|^\s*\*.*/g, "")));
  if (anyLines.length > 0) fail(`${file} uses \`any\`:\n${anyLines.join("\n")}`);
  if (/__sheetlog|\b_snapshot\b/.test(code)) fail(`${file} names an internal export or parameter`);
}
const wasmBytes = readFileSync(fileURLToPath(new URL("sheetlog_bg.wasm", pkg))).length;
console.log(
  `smoke: pkg loads in Node, version() = ${version}, an in-memory sheet round-trips a cell, errors are class instances, no any in the .d.ts, wasm ${wasmBytes} bytes`,
);
