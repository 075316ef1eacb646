// Self time by function of a V8 CPU profile (the Chrome DevTools Protocol's `Profiler.Profile`:
// nodes with a call frame, samples naming a node each, and the microseconds between samples),
// for bench/run.mjs --cpu-profile. Wasm functions show under the names of the module's name
// section (a build that keeps them: scripts/build-pkg.sh with SHEETLOG_WASM_BUILD=profiling).
// With the demo app's source map (a build with SHEETLOG_APP_SOURCEMAP=1, classic-app.ts), the
// time spent in the app's one minified script is also told by package and file (`timeBySource`).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";

/** Where a function runs: "wasm" (the module's functions), "js" (script, e.g. the glue),
 * "browser" (built-ins without a script, e.g. IndexedDB's `put`), or V8's own pseudo-frames
 * ("(idle)", "(program)", "(garbage collector)"). */
function kind(callFrame) {
  if (callFrame.functionName.startsWith("(")) return callFrame.functionName;
  if (callFrame.url === "") return "browser";
  return callFrame.url.endsWith(".wasm") || callFrame.url.startsWith("wasm://") ? "wasm" : "js";
}

/**
 * Lines to print: the total sampled time, the time by kind (wasm, JS, idle, GC, program) and the
 * `top` functions by self time, each in ms and as a share of the total.
 * @param {{nodes: {id: number, callFrame: {functionName: string, url: string}}[], samples: number[], timeDeltas: number[]}} profile
 * @param {number} top
 * @returns {string[]}
 */
export function summarizeProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const kindUs = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const frame = byId.get(id)?.callFrame ?? { functionName: "(unknown)", url: "" };
    const name = `${frame.functionName || "(anonymous)"} [${kind(frame)}]`;
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    kindUs.set(kind(frame), (kindUs.get(kind(frame)) ?? 0) + us);
    totalUs += us;
  });
  const share = (us) => `${(us / 1000).toFixed(0)} ms (${((100 * us) / Math.max(totalUs, 1)).toFixed(1)}%)`;
  const lines = [`profile: ${(totalUs / 1000).toFixed(0)} ms sampled`];
  lines.push(`by kind: ${[...kindUs].sort((a, b) => b[1] - a[1]).map(([k, us]) => `${k} ${share(us)}`).join(", ")}`);
  lines.push(`top ${top} functions by self time:`);
  for (const [name, us] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${share(us)}  ${name}`);
  lines.push(...longestBusyStretch(profile, byId));
  return lines;
}

/** The longest run of consecutive samples none of which is "(idle)": how long the thread was
 * held at once (a frame hold), where in the profile, and its top functions by self time. */
function longestBusyStretch(profile, byId) {
  let best = { us: 0, from: 0, to: 0 };
  let start = 0;
  let us = 0;
  let at = 0;
  const starts = [];
  profile.samples.forEach((id, i) => {
    starts.push(at);
    const delta = profile.timeDeltas[i + 1] ?? 0;
    at += delta;
    if (byId.get(id)?.callFrame.functionName === "(idle)") {
      us = 0;
      start = i + 1;
    } else {
      us += delta;
      if (us > best.us) best = { us, from: start, to: i + 1 };
    }
  });
  if (best.us === 0) return [];
  const selfUs = new Map();
  for (let i = best.from; i < best.to; i++) {
    const frame = byId.get(profile.samples[i])?.callFrame ?? { functionName: "(unknown)", url: "" };
    const name = `${frame.functionName || "(anonymous)"} [${kind(frame)}]`;
    selfUs.set(name, (selfUs.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const lines = [`longest stretch without idle: ${(best.us / 1000).toFixed(0)} ms, from ${(starts[best.from] / 1000).toFixed(0)} ms into the profile; its top functions:`];
  for (const [name, t] of [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, 8)) lines.push(`  ${(t / 1000).toFixed(0)} ms  ${name}`);
  return lines;
}

/**
 * Lines giving, for each pattern, the sampled time whose stack holds a function whose name
 * contains it (inclusive time: a sample counts once per pattern however deep it matches).
 * @param {{nodes: {id: number, children?: number[], callFrame: {functionName: string}}[], samples: number[], timeDeltas: number[]}} profile
 * @param {string[]} patterns
 * @returns {string[]}
 */
export function inclusiveTimes(profile, patterns) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = patterns.map(() => 0);
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? 0;
    totalUs += us;
    const names = [];
    for (let at = id; at !== undefined; at = parent.get(at)) names.push(byId.get(at)?.callFrame.functionName ?? "");
    patterns.forEach((pattern, p) => {
      if (names.some((name) => name.includes(pattern))) totals[p] += us;
    });
  });
  return patterns.map((pattern, p) =>
    `  ${(totals[p] / 1000).toFixed(0)} ms (${((100 * totals[p]) / Math.max(totalUs, 1)).toFixed(1)}%) inclusive  ${pattern}`);
}

// As a program: node www/bench/cpu-profile.mjs FILE.cpuprofile [pattern ...] prints the summary
// and the inclusive time of each pattern.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { readFileSync } = await import("node:fs");
  const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
  for (const line of summarizeProfile(profile)) console.log(line);
  if (process.argv.length > 3) {
    console.log("inclusive time:");
    for (const line of inclusiveTimes(profile, process.argv.slice(3))) console.log(line);
  }
}

/**
 * The source maps in `dist`'s `assets/` directory (`*.js.map`, written by a build with
 * SHEETLOG_APP_SOURCEMAP=1), by the file name of the script each maps; empty when there are none.
 * @param {string} dist
 * @returns {Map<string, TraceMap>}
 */
export function sourceMapsIn(dist) {
  const maps = new Map();
  const assets = join(dist, "assets");
  for (const name of readdirSync(assets)) {
    if (name.endsWith(".js.map")) maps.set(name.slice(0, -".map".length), new TraceMap(readFileSync(join(assets, name), "utf8")));
  }
  return maps;
}

/** `node_modules/<package>` of a source path, `demo: <path under src/>` for the demo's own
 * files, or the path itself. */
function sourceLabel(source) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg !== null) return pkg[1];
  const demo = /\/src\/(.*)$/.exec(source);
  if (demo !== null) return `demo: ${demo[1]}`;
  return source.replace(/^(\.\.\/)+/, "");
}

/**
 * Lines giving the `top` sources of sampled time: each sample counts for the package or file
 * (through `maps`, from `sourceMapsIn`) of the innermost function on its stack that is in a
 * mapped script, so a built-in such as `getContext` counts for the code that called it; a sample
 * with no mapped function on its stack counts by its own frame's kind ("(program)", "(idle)",
 * "wasm") or script file. Returns no lines when `maps` is empty.
 * @param {{nodes: {id: number, children?: number[], callFrame: {functionName: string, url: string, lineNumber: number, columnNumber: number}}[], samples: number[], timeDeltas: number[]}} profile
 * @param {Map<string, TraceMap>} maps
 * @param {number} top
 * @returns {string[]}
 */
export function timeBySource(profile, maps, top = 15) {
  if (maps.size === 0) return [];
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const labels = new Map();
  const labelOf = (id) => {
    if (labels.has(id)) return labels.get(id);
    const frame = byId.get(id)?.callFrame;
    const map = frame === undefined ? undefined : maps.get(frame.url.split("/").pop() ?? "");
    let label;
    if (map !== undefined && frame.lineNumber >= 0) {
      const source = originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber }).source;
      label = source === null ? undefined : sourceLabel(source);
    }
    labels.set(id, label);
    return label;
  };
  const us = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    totalUs += delta;
    let label;
    for (let at = id; at !== undefined && label === undefined; at = parent.get(at)) label = labelOf(at);
    if (label === undefined) {
      const frame = byId.get(id)?.callFrame ?? { functionName: "(unknown)", url: "" };
      const k = kind(frame);
      label = k === "js" ? frame.url.split("/").pop() : k === "browser" ? `${frame.functionName} [browser]` : k;
    }
    us.set(label, (us.get(label) ?? 0) + delta);
  });
  const lines = [`top ${top} sources of sampled time (through the app's source map):`];
  for (const [label, t] of [...us].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${(t / 1000).toFixed(1)} ms (${((100 * t) / Math.max(totalUs, 1)).toFixed(1)}%)  ${label}`);
  }
  return lines;
}
