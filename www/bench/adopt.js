// Typing while the page adopts snapshots after a large paste (the rebase in steps, DESIGN.md
// section 5b, "Rebase"): a sheet with its worker takes one entry of ROWS x 10 cells (a paste),
// which makes a snapshot due on that entry; the page then types a cell every TYPE_MS ms while
// the worker writes that snapshot and the next (which holds the paste), and the page's engine
// adopts both, rebasing its edit layer (the paste's cells) in steps. Printed per round: the
// longest the main thread was held (the largest gap between ticks of a `setTimeout(0)` loop
// running beside it), the holds over GAP_MS, the main thread's tasks over 50 ms (the Long Tasks
// API) and how long until the second snapshot completed; before that, the paste itself: how long
// the call held the thread (the cells converted and shown as a pending edit), how long until it
// was durable, the tasks over 50 ms from the call to durable, and the page's wasm memory once it
// was durable (memory only grows: the peak so far).
// `pkg=DIR` loads the package from DIR instead of ../bench-pkg (an A/B of two builds).
// Protocol with bench/run.mjs: console output is forwarded; sets window.__benchError on failure
// and window.__benchDone at the end.
import { runBenchmark, waitFor } from "./common.js";
const params = new URLSearchParams(location.search);
const ROWS = Number(params.get("rows") ?? 50_000);
const ROUNDS = Number(params.get("rounds") ?? 3);
const TYPE_MS = Number(params.get("typeMs") ?? 16);
const GAP_MS = Number(params.get("gapMs") ?? 40);
const PKG = params.get("pkg") ?? "../bench-pkg";
// `profileRound=N`: with bench/run.mjs --cpu-profile, round N is profiled from the paste's
// durable write to the end of its typing (none by default).
const PROFILE_ROUND = Number(params.get("profileRound") ?? -1);
// `profilePaste=N`: with --cpu-profile, the paste call of round N is profiled instead (the call
// only, from the cells built to the call's return).
const PROFILE_PASTE = Number(params.get("profilePaste") ?? -1);
const COLS = 10;

async function run() {
  const { default: init, SpreadsheetData } = await import(`${PKG}/index.js`);
  const wasm = await init();
  const wasmMiB = () => (wasm.memory.buffer.byteLength / 2 ** 20).toFixed(1);
  // A grid-sized viewport (the default is the whole sheet, whose tiles every adoption would load).
  const viewport = { rowMinOffset: 0, columnMinOffset: 0, width: 1000, height: 600 };
  const data = await SpreadsheetData.open({ name: `bench-adopt-${Date.now()}`, snapshotInterval: 1_000_000, viewport });
  await waitFor(data, (s) => data.getLoadStatus(s).state === "ready");
  console.log(`adoption while typing: ${ROWS} x ${COLS} cells pasted as one entry, a cell typed every ${TYPE_MS} ms (${PKG})`);
  console.log("round | paste call ms | paste until durable ms | long tasks of the paste ms | wasm MiB when durable | until the second snapshot completed ms | entries typed meanwhile | longest main-thread hold ms | holds over " + GAP_MS + " ms | long tasks (over 50 ms) ms");
  for (let round = 0; round < ROUNDS; round++) {
    const rows = Array.from({ length: ROWS }, (_, i) =>
      Array.from({ length: COLS }, (_, c) => (c % 2 === 0 ? round * 1e7 + i * 10 + c : `text ${round} ${i}-${c}`)),
    );
    const pasteTasks = [];
    const pasteObserver = new PerformanceObserver((list) => pasteTasks.push(...list.getEntries()));
    pasteObserver.observe({ type: "longtask" });
    if (round === PROFILE_PASTE) await window.__benchProfile?.("start");
    const t0 = performance.now();
    const pasted = data.setCellValuesAndFormats(0, 0, rows);
    const callMs = performance.now() - t0;
    if (round === PROFILE_PASTE) await window.__benchProfile?.("stop");
    await pasted;
    const pasteMs = performance.now() - t0;
    const durableMiB = wasmMiB();
    // The Long Tasks API reports a task after it ends: one frame more for the last.
    await new Promise((resolve) => setTimeout(resolve, 20));
    pasteObserver.takeRecords().forEach((entry) => pasteTasks.push(entry));
    pasteObserver.disconnect();
    const pasteLong = pasteTasks.map((t) => `${t.duration.toFixed(0)} at ${(t.startTime - t0).toFixed(0)}`).join("; ") || "none";
    const paste = data.getLogInfo(data.getSnapshot()).sequenceId - 1n;
    if (round === PROFILE_ROUND) await window.__benchProfile?.("start");
    // Typing and ticking from here: the paste's snapshot (on its entry) and the next one (past
    // it) are written by the worker and adopted by the page meanwhile.
    let last = performance.now();
    let longest = 0;
    let running = true;
    const gaps = [];
    const start = performance.now();
    const tick = () => {
      if (!running) return;
      const now = performance.now();
      if (now - last > GAP_MS) gaps.push(`${(now - last).toFixed(0)} at ${(now - start).toFixed(0)}`);
      longest = Math.max(longest, now - last);
      last = now;
      setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    // The main thread's tasks over 50 ms, as the browser reports them (the Long Tasks API).
    const longTasks = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry);
    });
    observer.observe({ type: "longtask" });
    let typed = 0;
    const failures = [];
    const typing = setInterval(() => {
      typed++;
      data.setCellValueAndFormat((typed * 7919) % ROWS, typed % COLS, `typed ${round} ${typed}`).catch((e) => failures.push(String(e)));
    }, TYPE_MS);
    await waitFor(data, (s) => (data.getLogInfo(s).snapshotSequenceId ?? -1n) > paste);
    const adoptedMs = performance.now() - start;
    // Two seconds more of typing: the page adopts that snapshot meanwhile (its index read, the
    // tiles under the viewport loaded, the edit layer rebased in steps, the old one freed).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    clearInterval(typing);
    running = false;
    observer.takeRecords().forEach((entry) => longTasks.push(entry));
    observer.disconnect();
    if (round === PROFILE_ROUND) await window.__benchProfile?.("stop");
    longest = Math.max(longest, performance.now() - last);
    if (failures.length > 0) throw new Error(`typing failed: ${failures[0]}`);
    const tasks = longTasks.map((t) => `${t.duration.toFixed(0)} at ${(t.startTime - start).toFixed(0)}`).join("; ") || "none";
    console.log(`${round} | ${callMs.toFixed(0)} | ${pasteMs.toFixed(0)} | ${pasteLong} | ${durableMiB} | ${adoptedMs.toFixed(0)} | ${typed} | ${longest.toFixed(0)} | ${gaps.join("; ") || "none"} | ${tasks}`);
  }
  data.close();
}

await runBenchmark(run);
