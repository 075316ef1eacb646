// What the benchmark pages share: the protocol with bench/run.mjs (console output is forwarded;
// a failure sets window.__benchError, the end sets window.__benchDone) and waiting on a sheet.

/** Runs benchmark `run`, reporting its end or its failure to bench/run.mjs. */
export async function runBenchmark(run) {
  try {
    await run();
  } catch (e) {
    window.__benchError = String((e && e.stack) || e);
  } finally {
    window.__benchDone = true;
  }
}

/** Resolves with the first snapshot of `data` that satisfies `predicate`; rejects after `timeoutMs`. */
export function waitFor(data, predicate, timeoutMs = 600_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = data.getSnapshot();
      if (predicate(s)) {
        unsubscribe();
        clearTimeout(timer);
        resolve(s);
      }
    };
    const unsubscribe = data.subscribe(check);
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error("timed out waiting for the sheet"));
    }, timeoutMs);
    check();
  });
}
