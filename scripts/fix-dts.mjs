// Makes the generated .d.ts precise: wasm-bindgen types the raw exports of its `InitOutput`
// interface (what `init()` resolves to) with `any`; they are opaque handles, so `unknown` is the
// honest type. Only that interface is touched; the public API types come from the Rust doc and
// `typescript_custom_section` and must have no `any` of their own (checked by smoke-pkg.mjs).
// Usage: node scripts/fix-dts.mjs <pkg dir>
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const file = join(process.argv[2] ?? "pkg", "sheetlog.d.ts");
const text = readFileSync(file, "utf8");
const fixed = text.replace(/(export interface InitOutput \{[\s\S]*?\n\})/, (block) =>
  block.replace(/\bany\b/g, "unknown"),
);
writeFileSync(file, fixed);
