// Storage benchmark page script (plain ES module, no build step).
// Needs www/bench-pkg/, built by:
//   scripts/bench-storage.sh (wasm-pack build --target web --features bench --out-dir www/bench-pkg)
// Protocol with bench/run.mjs: console output is forwarded; set
// window.__benchError (string) on failure and window.__benchDone = true at the end.
try {
  const { default: init, runStorageBenchmark } = await import("../bench-pkg/index.js");
  await init();
  // The benchmark logs each figure as it is measured; the returned report repeats them.
  await runStorageBenchmark();
} catch (e) {
  window.__benchError = String((e && e.stack) || e);
} finally {
  window.__benchDone = true;
}
