// The origin's list of sheets (DESIGN.md section 6): a small IndexedDB database,
// `sheetlog-registry`, with one record per sheet in store `sheets` (key: the sheet's name):
//   { name, createdAt, openedAt }   times in milliseconds since the epoch
// Records may gain fields (issue 12 adds the last acknowledged sequence id); readers keep the
// fields they do not know. Called by src/browser/registry.rs; wasm-bindgen copies this file into
// the package as a snippet.

const DATABASE = "sheetlog-registry";
const VERSION = 1;
const STORE = "sheets";
const SHEET_PREFIX = "sheetlog:";

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error("an IndexedDB request of the sheet list failed"));
  });
}

function openRegistry() {
  if (typeof indexedDB === "undefined") return Promise.reject(new Error("this environment has no IndexedDB"));
  const open = indexedDB.open(DATABASE, VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "name" });
  };
  return request(open).then((db) => {
    // Another tab upgrading or deleting the registry must not wait for this connection.
    db.onversionchange = () => db.close();
    return db;
  });
}

/** Runs `work(store)` in one transaction on the registry; resolves with its result once committed. */
async function withStore(mode, work) {
  const db = await openRegistry();
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error ?? new Error("a transaction on the sheet list failed"));
    });
    const result = await work(tx.objectStore(STORE));
    await done;
    return result;
  } finally {
    db.close();
  }
}

/** Records that sheet `name` was opened now (creating its record the first time). */
export function recordSheetOpened(name) {
  return withStore("readwrite", async (store) => {
    const now = Date.now();
    const record = (await request(store.get(name))) ?? { name, createdAt: now };
    record.openedAt = now;
    store.put(record);
  });
}

/** Merges `fields` into the record of sheet `name` (creating it when missing). */
export function updateSheetRecord(name, fields) {
  return withStore("readwrite", async (store) => {
    const record = (await request(store.get(name))) ?? { name, createdAt: Date.now() };
    store.put({ ...record, ...fields, name });
  });
}

/** Removes the record of sheet `name`. */
export function forgetSheet(name) {
  return withStore("readwrite", async (store) => {
    store.delete(name);
  });
}

/**
 * The sheets of this origin: every record, plus sheets whose database exists without one (made
 * before the list existed), sorted by name.
 */
export async function listSheets() {
  const records = await withStore("readonly", (store) => request(store.getAll()));
  const byName = new Map(records.map((r) => [r.name, r]));
  if (typeof indexedDB.databases === "function") {
    for (const db of await indexedDB.databases()) {
      const name = db.name?.startsWith(SHEET_PREFIX) ? db.name.slice(SHEET_PREFIX.length) : undefined;
      if (name !== undefined && name !== "" && !byName.has(name)) {
        byName.set(name, { name, createdAt: undefined, openedAt: undefined });
      }
    }
  }
  return [...byName.values()]
    .map((r) => ({ ...r, createdAt: r.createdAt ?? undefined, openedAt: r.openedAt ?? undefined }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
