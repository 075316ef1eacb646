// Storage benchmark page script (plain ES module, no build step).
// Needs www/bench-pkg/, built by:
//   scripts/bench-storage.sh (scripts/build-pkg.sh www/bench-pkg bench: the bench crate's module)
// Protocol with bench/run.mjs: console output is forwarded; set
// window.__benchError (string) on failure and window.__benchDone = true at the end.
try {
  const { default: init, runStorageBenchmark, runBlobWriteBenchmark } = await import("../bench-pkg/index.js");
  await init();
  // The benchmarks log each figure as it is measured; the returned reports repeat them.
  if (!location.search.includes("blobs-only")) await runStorageBenchmark();
  await runBlobWriteBenchmark();
} catch (e) {
  window.__benchError = String((e && e.stack) || e);
} finally {
  window.__benchDone = true;
}
