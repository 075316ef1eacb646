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

/** Raw IndexedDB: 512 puts of incompressible 64 KiB records, 16 per transaction, into a database
 * of its own; MB/s. The physical limit the import benchmarks compare their write rate with. Self-
 * contained, so that a Node program can pass it to `page.evaluate` (bench/import-layer.mjs). */
export async function rawPuts() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(`raw-${Math.random()}`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("s");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const records = Array.from({ length: 32 }, () => crypto.getRandomValues(new Uint8Array(65536)));
  const t0 = performance.now();
  for (let t = 0; t < 32; t++) {
    await new Promise((resolve, reject) => {
      const tx = db.transaction("s", "readwrite", { durability: "strict" });
      for (let i = 0; i < 16; i++) tx.objectStore("s").put(records[(t * 16 + i) % records.length], t * 16 + i);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return (512 * 65536) / 1e6 / seconds;
}
