// Structural-edit benchmark page (issue 5). Protocol with bench/run.mjs: console output is
// forwarded; sets window.__benchError on failure and window.__benchDone at the end.
try {
  const { default: init, runStructuralBenchmark } = await import("../bench-pkg/index.js");
  await init();
  // The benchmark logs each figure as it is measured.
  await runStructuralBenchmark();
} catch (e) {
  window.__benchError = String((e && e.stack) || e);
} finally {
  window.__benchDone = true;
}
