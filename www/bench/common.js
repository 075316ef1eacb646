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

/** Raw IndexedDB with the shape of a layer import's writes: every record that an import left
 * under the `imports/` dir of the page's sheet databases (those with a `blobs` store) is put
 * again, with the same key and as many incompressible bytes, into a database of its own, in
 * readwrite transactions of at most 256 records or 1 MiB (the batches of
 * `IdbBlobStore::write_many`) committed one after another. Resolves with
 * `{ records, bytes, ms }`: the physical floor of the import's writes in this browser, with no
 * parsing or encoding. Self-contained, for `page.evaluate` (bench/import-ab.mjs). */
export async function rawImportPuts() {
  const request = (r) =>
    new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const sizes = [];
  for (const { name } of await indexedDB.databases()) {
    const db = await request(indexedDB.open(name));
    if (db.objectStoreNames.contains("blobs")) {
      const store = db.transaction("blobs", "readonly").objectStore("blobs");
      const range = IDBKeyRange.bound("imports/", "imports0", false, true);
      const [keys, values] = await Promise.all([request(store.getAllKeys(range)), request(store.getAll(range))]);
      keys.forEach((key, i) => sizes.push([key, values[i].byteLength ?? values[i].size ?? 0]));
    }
    db.close();
  }
  const records = sizes.map(([key, size]) => {
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
    return [key, bytes];
  });
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(`raw-import-${Math.random()}`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("s");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < records.length; ) {
    await new Promise((resolve, reject) => {
      const tx = db.transaction("s", "readwrite", { durability: "strict" });
      const store = tx.objectStore("s");
      let batch = 0;
      for (let n = 0; i < records.length && n < 256 && (n === 0 || batch + records[i][1].length <= 1 << 20); n++, i++) {
        store.put(records[i][1], records[i][0]);
        batch += records[i][1].length;
      }
      bytes += batch;
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  }
  const ms = performance.now() - t0;
  db.close();
  return { records: records.length, bytes, ms };
}
