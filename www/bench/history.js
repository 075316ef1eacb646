// Time-travel benchmark page (issue 11). Protocol with bench/run.mjs: console output is
// forwarded; sets window.__benchError on failure and window.__benchDone at the end.
try {
  const { default: init, runHistoryBenchmark } = await import("../bench-pkg/index.js");
  await init();
  // The benchmark logs each figure as it is measured.
  const history = Number(new URLSearchParams(location.search).get("history") ?? 100000);
  await runHistoryBenchmark(history);
} catch (e) {
  window.__benchError = String((e && e.stack) || e);
} finally {
  window.__benchDone = true;
}
