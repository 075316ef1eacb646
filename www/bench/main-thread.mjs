// How busy a page's main thread was from the navigation's start to one of the page's own
// performance marks, from a Chromium trace (Playwright's `browser.startTracing` with
// TRACE_CATEGORIES, then `stopTracing`): for reload-floor.mjs --busy. A reload cannot paint
// before its main thread has done the work it did before the paint, however that work is ordered;
// the busy time next to the time to the mark tells how much of the wait was work and how much
// was the main thread idle (waiting for the network, the service worker, IndexedDB or a frame).

/** The trace categories `mainThreadUse` needs: tasks, frames and the page's marks. */
export const TRACE_CATEGORIES = ["toplevel", "blink.user_timing", "cc", "devtools.timeline"];

/**
 * The main thread's use in the trace `json` (Chromium's trace event format) up to the first
 * performance mark named `mark`, in ms (`phases` names earlier marks to split it by):
 * - `toMark`: from the navigation's start to the mark (the mark's own `startTime`);
 * - `busy`: time in tasks (`ThreadControllerImpl::RunTask`, category `toplevel`; overlaps
 *   counted once);
 * - `frames`: of that, in frames (`ProxyMain::BeginMainFrame`: style, layout,
 *   paint, the commit to the compositor);
 * - `longest`: the longest task's duration;
 * - `phases`: for each of the marks in `phases` found in the trace before `mark`, in time order,
 *   then `mark`: its name, `at` (ms since the navigation's start) and `busy` (ms of tasks since
 *   the previous one, or since the navigation's start for the first).
 * Throws if the mark is not in the trace.
 * @param {string | Buffer} json
 * @param {string} mark
 * @param {string[]} [phases]
 */
export function mainThreadUse(json, mark, phases = []) {
  const parsed = JSON.parse(String(json));
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const markNamed = (name) => events.find((e) => e.name === name && typeof e.args?.data?.startTime === "number");
  const found = markNamed(mark);
  if (found === undefined) throw new Error(`the trace has no mark ${mark}`);
  const end = found.ts;
  const start = end - found.args.data.startTime * 1000;
  const onMain = (e) => e.pid === found.pid && e.tid === found.tid && e.ph === "X" && e.ts < end && e.ts + e.dur > start;
  const clip = (e) => [Math.max(e.ts, start), Math.min(e.ts + e.dur, end)];
  const tasks = events.filter((e) => onMain(e) && e.name === "ThreadControllerImpl::RunTask").map(clip);
  const frameSpans = events.filter((e) => onMain(e) && e.name === "ProxyMain::BeginMainFrame").map(clip);
  const busyIn = (from, to) => covered(tasks.map(([a, b]) => [Math.max(a, from), Math.min(b, to)]).filter(([a, b]) => b > a));
  const ends = phases
    .map(markNamed)
    .filter((e) => e !== undefined && e.ts <= end)
    .sort((a, b) => a.ts - b.ts)
    .concat([found]);
  return {
    toMark: (end - start) / 1000,
    busy: covered(tasks) / 1000,
    frames: covered(frameSpans) / 1000,
    longest: Math.max(0, ...tasks.map(([a, b]) => b - a)) / 1000,
    phases: ends.map((e, i) => ({
      name: e.name,
      at: (e.ts - start) / 1000,
      busy: busyIn(i === 0 ? start : ends[i - 1].ts, e.ts) / 1000,
    })),
  };
}

/** The length of the union of intervals `[from, to]` (µs). */
function covered(intervals) {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = -Infinity;
  for (const [from, to] of sorted) {
    if (to <= reach) continue;
    total += to - Math.max(from, reach);
    reach = to;
  }
  return total;
}
