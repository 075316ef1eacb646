// Loads the built pkg/ in Node (initSync, no browser) and calls into it: catches a module that
// validates but fails at start, as wasm-opt can produce (TOOLCHAIN.md trap 1). Also checks that
// the public .d.ts holds no `any`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = new URL("../pkg/", import.meta.url);
const glue = await import(new URL("sheetlog.js", pkg).href);
glue.initSync({ module: readFileSync(fileURLToPath(new URL("sheetlog_bg.wasm", pkg))) });
const version = glue.version();
const expected = JSON.parse(readFileSync(fileURLToPath(new URL("package.json", pkg)), "utf8")).version;
if (version !== expected) {
  console.error(`smoke: version() returned ${JSON.stringify(version)}, package.json says ${expected}`);
  process.exit(1);
}
// The real API on the optimised build: an in-memory sheet, one edit, read back.
const data = glue.SpreadsheetData.inMemory(undefined);
const first = data.getSnapshot();
if (first !== data.getSnapshot()) {
  console.error("smoke: getSnapshot() returned two objects for one version");
  process.exit(1);
}
await data.setCellValueAndFormat(1, 2, 42, "0.00");
const snap = data.getSnapshot();
if (data.getCellValue(snap, 1, 2) !== 42 || data.getCellFormat(snap, 1, 2) !== "0.00") {
  console.error("smoke: a cell written through the release build did not read back");
  process.exit(1);
}
try {
  await data.setCellValueAndFormat(-1, 0, 1, undefined);
  console.error("smoke: a negative row was accepted");
  process.exit(1);
} catch (e) {
  if (e.name !== "ValidationError") {
    console.error(`smoke: a negative row rejected with ${e.name}, not ValidationError`);
    process.exit(1);
  }
}
data.close();
const dts = readFileSync(fileURLToPath(new URL("sheetlog.d.ts", pkg)), "utf8");
const anyLines = dts.split("\n").filter((line) => /\bany\b/.test(line.replace(/\/\/.*|\/\*.*?\*\//g, "")));
if (anyLines.length > 0) {
  console.error("smoke: the public .d.ts uses `any`:\n" + anyLines.join("\n"));
  process.exit(1);
}
const wasmBytes = readFileSync(fileURLToPath(new URL("sheetlog_bg.wasm", pkg))).length;
console.log(`smoke: pkg loads in Node, version() = ${version}, an in-memory sheet round-trips a cell, .d.ts has no any, wasm ${wasmBytes} bytes`);
