// The origin's list of sheets (DESIGN.md section 6): a small IndexedDB database,
// `sheetlog-registry`, with one record per sheet in store `sheets` (key: the sheet's name):
//   { name, createdAt, openedAt, lastSequenceId }
// times in milliseconds since the epoch; `lastSequenceId` is the last sequence id of the sheet's
// log acknowledged to the app (a write resolved), raised as writes resolve, never lowered.
// Readers keep the fields they do not know. Called by src/browser/registry.rs; wasm-bindgen copies
// this file into the package as a snippet.
//
// The last acknowledged sequence id is mirrored outside IndexedDB, in localStorage
// (`sheetlog:ack:<name>`) and in a small file of the origin private file system
// (`sheetlog-ack-<name>`, the name percent-encoded, dots too): Chromium keeps every IndexedDB
// database of an origin in one backing store, and deletes that store whole when it finds it
// damaged at startup (seen after a killed browser, issue 12), which takes the registry with the
// sheets. The mirrors live in other stores, so the record of what was acknowledged survives, and
// the sheet opens with an error instead of empty. Two mirrors: localStorage is cheap but Chromium
// writes it to disk only every few seconds (a browser killed sooner loses it); the file is
// written through at once.

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

/**
 * The Web Lock every readwrite IndexedDB transaction of this origin holds while it runs, and
 * every open, which may run a `versionchange` transaction (the Rust side's
 * `web_locks::WRITE_LOCK_NAME`): Chromium deletes an origin's whole IndexedDB when it is killed
 * with two readwrite transactions unfinished (BENCHMARKS.md, kill campaign of stop 20).
 */
const WRITE_LOCK = "sheetlog:idb-write";

/**
 * How long (ms) one listing of the origin's databases serves every open that asks for one. A
 * listing is a hint that a database exists at the expected version, so that its open can skip
 * the write turn: an open that trusts it refuses any upgrade, and one that finds it wrong opens
 * again under the turn. A stale listing costs time, never data.
 */
const LISTING_REUSE_MS = 2000;
let listing;

/**
 * `indexedDB.databases()` (`[]` where it is missing or fails), one call shared by the opens of
 * the next LISTING_REUSE_MS: a page's start opens the registry and a sheet's database at once,
 * and `init()` starts the listing while the wasm module compiles (`warmUp`). Also called by
 * src/browser/database.rs.
 */
export function databaseListing() {
  const now = Date.now();
  if (listing === undefined || now - listing.at > LISTING_REUSE_MS || now < listing.at) {
    const promise = (async () => {
      try {
        return (await indexedDB.databases?.()) ?? [];
      } catch {
        return [];
      }
    })();
    listing = { at: now, promise };
  }
  return listing.promise;
}

/**
 * Drops the shared listing: the next call of databaseListing lists the databases again. Called
 * when this thread created or deleted a database (src/browser/database.rs, openRegistry).
 */
export function forgetDatabaseListing() {
  listing = undefined;
}

/** Whether the listing of databases has the registry at VERSION (false when unsure). */
async function listedAtVersion() {
  const listed = await databaseListing();
  return listed.some((info) => info.name === DATABASE && info.version === VERSION);
}

/**
 * Starts what every `SpreadsheetData.open` in this page begins with, so that it runs while the
 * wasm module compiles instead of after: the listing of the origin's databases, the origin
 * private file system's root (the file mirrors), and the registry's kept connection when the
 * registry exists (it is never created here). Called by the package's `init()` in a page (not
 * in its worker); does nothing without IndexedDB; never throws.
 */
export function warmUp() {
  if (typeof indexedDB === "undefined") return;
  void privateFiles();
  listedAtVersion().then(
    (listed) => {
      if (listed) cachedRegistry().catch(() => {});
    },
    () => {},
  );
}

/** Opens the registry; with `upgrades` false, resolves `undefined` instead of running an upgrade. */
function openAt(upgrades) {
  const open = indexedDB.open(DATABASE, VERSION);
  let refused = false;
  open.onupgradeneeded = () => {
    if (!upgrades) {
      refused = true;
      open.transaction.abort();
      return;
    }
    const db = open.result;
    if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "name" });
  };
  return request(open).catch((error) => {
    if (refused) return undefined;
    throw error;
  });
}

async function openRegistry() {
  if (typeof indexedDB === "undefined") throw new Error("this environment has no IndexedDB");
  // The first open creates the registry in a `versionchange` transaction, which writes like a
  // readwrite one: such opens take the write turn too. A registry listed at this version opens
  // without one, so without the turn (a Web Lock costs 10-24 ms while a page loads, BENCHMARKS.md
  // stop 31); should it need an upgrade after all, that is refused and the open runs again
  // under the turn.
  let db = (await listedAtVersion()) ? await openAt(false) : undefined;
  if (db === undefined) {
    const opening = () => openAt(true);
    db = await (globalThis.navigator?.locks ? navigator.locks.request(WRITE_LOCK, opening) : opening());
    // It may have been created: the shared listing does not show it.
    forgetDatabaseListing();
  }
  // Another tab upgrading or deleting the registry must not wait for this connection.
  db.onversionchange = () => db.close();
  return db;
}

let cached;

/** A connection kept open for frequent small writes; opened again when the browser closes it. */
function cachedRegistry() {
  if (cached === undefined) {
    cached = openRegistry().then((db) => {
      const forget = () => {
        cached = undefined;
      };
      db.addEventListener("close", forget);
      db.addEventListener("versionchange", forget);
      return db;
    });
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

/**
 * Runs `work(store)` in one transaction on the registry; resolves with its result once committed.
 * `keep`: on the kept connection (for frequent writes), else on one opened and closed for it.
 */
async function withStore(mode, work, keep = false) {
  if (keep) {
    const db = await cachedRegistry();
    return inTransaction(db, mode, work);
  }
  const db = await openRegistry();
  try {
    return await inTransaction(db, mode, work);
  } finally {
    db.close();
  }
}


async function inTransaction(db, mode, work) {
  if (mode === "readwrite" && globalThis.navigator?.locks) {
    return navigator.locks.request(WRITE_LOCK, () => runTransaction(db, mode, work));
  }
  return runTransaction(db, mode, work);
}

/**
 * A readwrite transaction resolves once committed; a readonly one as soon as `work` has its
 * result: what it read cannot change, and waiting for the commit costs the page's open one more
 * round trip to the browser (up to 11 ms of a reload, BENCHMARKS.md stop 34).
 */
async function runTransaction(db, mode, work) {
  const tx = db.transaction(STORE, mode);
  if (mode === "readonly") return work(tx.objectStore(STORE));
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error("a transaction on the sheet list failed"));
  });
  const result = await work(tx.objectStore(STORE));
  await done;
  return result;
}

/** Records that sheet `name` was opened now (creating its record the first time). */
export function recordSheetOpened(name) {
  return withStore("readwrite", async (store) => {
    const now = Date.now();
    const record = (await request(store.get(name))) ?? { name, createdAt: now };
    record.openedAt = now;
    store.put(record);
  }, true);
}

/** Merges `fields` into the record of sheet `name` (creating it when missing). */
export function updateSheetRecord(name, fields) {
  return withStore("readwrite", async (store) => {
    const record = (await request(store.get(name))) ?? { name, createdAt: Date.now() };
    store.put({ ...record, ...fields, name });
  });
}

/** Removes the record of sheet `name` (and its mirrors). */
export async function forgetSheet(name) {
  await withStore("readwrite", async (store) => {
    store.delete(name);
  });
  mirror(name, undefined);
  await fileMirror(name, undefined);
}

const FILE_PREFIX = "sheetlog-ack-";

/**
 * The name of the file mirror of sheet `name`: the name percent-encoded, dots too, so that a
 * mirror's name has no dot. A write cut short (the browser killed between `createWritable` and
 * `close`) leaves Chromium's swap file `<file>.crswap` (or `<file>.1.crswap`, ...) behind, which
 * must not be read as a sheet, nor as the mirror of a sheet whose name ends in `.crswap`.
 */
function mirrorFile(name) {
  return FILE_PREFIX + encodeURIComponent(name).replaceAll(".", "%2E");
}

let filesRoot;

/**
 * The origin private file system's root, where this environment has one, or undefined; asked
 * for once (its handle stays valid), again after a failure.
 */
function privateFiles() {
  if (filesRoot === undefined) {
    filesRoot = (async () => {
      try {
        return await navigator.storage?.getDirectory?.();
      } catch {
        return undefined;
      }
    })();
    filesRoot.then((root) => {
      if (root === undefined) filesRoot = undefined;
    });
  }
  return filesRoot;
}

/**
 * Reads (`write` absent), writes or (with `undefined`) removes the file mirror of sheet `name`'s
 * last acknowledged sequence id. Never throws: where files are missing or refused, does nothing.
 */
async function fileMirror(name, ...write) {
  const root = await privateFiles();
  if (root === undefined) return undefined;
  const file = mirrorFile(name);
  try {
    if (write.length === 0) {
      const text = await (await (await root.getFileHandle(file)).getFile()).text();
      const value = Number(text);
      return text !== "" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    }
    if (write[0] === undefined) {
      await root.removeEntry(file);
      return undefined;
    }
    const writable = await (await root.getFileHandle(file, { create: true })).createWritable();
    await writable.write(String(write[0]));
    await writable.close();
  } catch {
    // Missing, or no writable files here (the IndexedDB record and localStorage remain).
  }
  return undefined;
}

const MIRROR_PREFIX = "sheetlog:ack:";

/** localStorage, where this environment has it (not in workers), or undefined. */
function local() {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    // Access denied (storage disabled for this site).
    return undefined;
  }
}

/** Reads (`seq` absent) or writes the mirrored last acknowledged sequence id of sheet `name`. */
function mirror(name, ...write) {
  const storage = local();
  if (storage === undefined) return undefined;
  const key = MIRROR_PREFIX + name;
  try {
    if (write.length === 0) {
      const value = Number(storage.getItem(key));
      return storage.getItem(key) !== null && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    }
    if (write[0] === undefined) storage.removeItem(key);
    else storage.setItem(key, String(write[0]));
  } catch {
    // Full or disabled: the IndexedDB record remains.
  }
  return undefined;
}

/**
 * Raises the last acknowledged sequence id of sheet `name` to `seq` (never lowers it), in its
 * record and the mirror; does nothing for a sheet without a record (deleted meanwhile).
 */
export function recordAcknowledged(name, seq) {
  return withStore("readwrite", async (store) => {
    const record = await request(store.get(name));
    if (record === undefined) return;
    if (seq <= Math.max(record.lastSequenceId ?? -1, mirror(name) ?? -1)) return false;
    store.put({ ...record, lastSequenceId: seq });
    mirror(name, seq);
    return true;
  }, true).then(async (raised) => {
    // After the transaction: a file write must not keep it open.
    if (raised) await fileMirror(name, seq);
  });
}

/**
 * What an open of sheet `name` reads of its record: `acknowledged`, the last acknowledged
 * sequence id (the larger of the record's and the mirrors', or undefined when none has one), and
 * `openHint`, the record's open hint as stored (checked by the caller), or undefined.
 */
export async function openRecord(name) {
  // On the kept connection, and the file read beside it: this is on the way of every open.
  const [record, file] = await Promise.all([withStore("readonly", (store) => request(store.get(name)), true), fileMirror(name)]);
  const values = [record?.lastSequenceId, mirror(name), file].filter(
    (v) => Number.isSafeInteger(v) && v >= 0,
  );
  return { acknowledged: values.length === 0 ? undefined : Math.max(...values), openHint: record?.openHint };
}

/**
 * The last acknowledged sequence id of sheet `name`: the larger of its record's and the
 * mirror's, or undefined when neither has one.
 */
export async function lastAcknowledged(name) {
  return (await openRecord(name)).acknowledged;
}

/**
 * Keeps `hint` (`{ index: string | undefined, tiles: string[] }`, the engine's open hint) in the
 * record of sheet `name`, for its next open; does nothing for a sheet without a record (deleted
 * meanwhile).
 */
export function recordOpenHint(name, hint) {
  return withStore("readwrite", async (store) => {
    const record = await request(store.get(name));
    if (record !== undefined) store.put({ ...record, openHint: hint });
  }, true);
}

/**
 * The sheets of this origin: every record, plus sheets whose database exists without one (made
 * before the list existed), sorted by name.
 */
export async function listSheets() {
  const records = await withStore("readonly", (store) => request(store.getAll()));
  const byName = new Map(records.map((r) => [r.name, r]));
  // A sheet known only from its mirror (the registry was lost with the sheets): listed, so that
  // opening it reports what happened.
  const storage = local();
  for (let i = 0; storage !== undefined && i < storage.length; i++) {
    const key = storage.key(i);
    const name = key?.startsWith(MIRROR_PREFIX) ? key.slice(MIRROR_PREFIX.length) : undefined;
    if (name !== undefined && name !== "" && !byName.has(name)) {
      byName.set(name, { name, createdAt: undefined, openedAt: undefined });
    }
  }
  const root = await privateFiles();
  try {
    for await (const file of root?.keys?.() ?? []) {
      let name;
      try {
        // A name with a dot is a swap file left by a write cut short (see mirrorFile), not a sheet.
        name =
          file.startsWith(FILE_PREFIX) && !file.includes(".")
            ? decodeURIComponent(file.slice(FILE_PREFIX.length))
            : undefined;
      } catch {
        name = undefined;
      }
      if (name !== undefined && name !== "" && !byName.has(name)) {
        byName.set(name, { name, createdAt: undefined, openedAt: undefined });
      }
    }
  } catch {
    // No listing of private files here.
  }
  if (typeof indexedDB.databases === "function") {
    for (const db of await indexedDB.databases()) {
      const name = db.name?.startsWith(SHEET_PREFIX) ? db.name.slice(SHEET_PREFIX.length) : undefined;
      if (name !== undefined && name !== "" && !byName.has(name)) {
        byName.set(name, { name, createdAt: undefined, openedAt: undefined });
      }
    }
  }
  return [...byName.values()]
    // The documented fields only (SheetInfo): not the record's bookkeeping.
    .map((r) => ({ name: r.name, createdAt: r.createdAt ?? undefined, openedAt: r.openedAt ?? undefined }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
