// Forensics for the IndexedDB files the kill campaign keeps (issue 12; BENCHMARKS.md, kill
// campaign of stop 20): why did Chromium call an origin's IndexedDB corrupt and delete it?
//
//   node www/e2e/leveldb-forensics.mjs check DIR...        every record of each LevelDB log in DIR
//                                                          (a kept `pre-<trial>-verify/<origin>.indexeddb.leveldb`):
//                                                          records, CRC-32C failures, a torn tail, and the
//                                                          "LevelDB scopes" (Chromium's readwrite transactions
//                                                          in progress, with their undo logs) left unfinished
//   node www/e2e/leveldb-forensics.mjs prefix DIR OUT K    a copy of DIR whose log keeps only its first K records
//   node www/e2e/leveldb-forensics.mjs replay DIR [--port 4197] [--path P]
//                                                          opens a copy of DIR in a fresh Chromium profile, on
//                                                          http://127.0.0.1:PORT/ (the origin the files belong to:
//                                                          database names are stored with it), and reports whether
//                                                          Chromium opens it or calls it corrupt. With --path, a
//                                                          server already on PORT (the campaign's) is used and
//                                                          PATH (a non-HTML file) is loaded; else one is started.
//
// Formats (from LevelDB's doc/log_format.md and Chromium's IndexedDB sources): a log is 32 KiB
// blocks of records `crc32c (masked, 4) | length (2) | type (1) | payload`, type FULL 1, FIRST 2,
// MIDDLE 3, LAST 4; a logical record is a write batch `sequence (8) | count (4) | ops`, each op
// `tag (1: put, 0: delete) | varint key length | key [| varint value length | value]`. Chromium
// keeps a scope's metadata at key `00 00 00 00 32 01 <scope id>`: a put with a value while the
// transaction runs, emptied or deleted once it committed.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BLOCK = 32768;
const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});
function crc32c(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
const unmask = (m) => {
  const rot = (m - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
};

/** The newest log file of a LevelDB dir. */
function logFile(dir) {
  const logs = readdirSync(dir).filter((f) => /^\d+\.log$/.test(f)).sort();
  if (logs.length === 0) throw new Error(`no log file in ${dir}`);
  return join(dir, logs.at(-1));
}

/** The logical records of a log, with the byte offset after each, bad checksums and the tail. */
function readLog(bytes) {
  const records = [];
  const bad = [];
  let offset = 0;
  let fragments = null;
  let tail = "clean";
  while (offset < bytes.length) {
    const left = BLOCK - (offset % BLOCK);
    if (left < 7) {
      offset += left;
      continue;
    }
    if (offset + 7 > bytes.length) {
      tail = `a torn header (${bytes.length - offset} of 7 bytes)`;
      break;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 7);
    const [masked, length, type] = [view.getUint32(0, true), view.getUint16(4, true), view.getUint8(6)];
    if (masked === 0 && length === 0 && type === 0) {
      offset += left;
      continue;
    }
    const payload = bytes.subarray(offset + 7, offset + 7 + length);
    if (payload.length < length) {
      tail = `a torn record (type ${type}, ${payload.length} of ${length} payload bytes)`;
      break;
    }
    const ok = unmask(masked) === crc32c(Buffer.concat([Buffer.from([type]), payload]));
    if (!ok) bad.push(offset);
    offset += 7 + length;
    // A record failing its checksum is not read as a batch (LevelDB would stop there).
    if (!ok) fragments = null;
    else if (type === 1) records.push({ payload, end: offset });
    else if (type === 2) fragments = [payload];
    else if (type === 3) fragments?.push(payload);
    else if (type === 4 && fragments) {
      records.push({ payload: Buffer.concat([...fragments, payload]), end: offset });
      fragments = null;
    }
  }
  if (fragments && tail === "clean") tail = "an unfinished fragmented record";
  return { records, bad, tail };
}

function varint(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length) throw new Error("a varint runs past its record");
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

const SCOPE_META = Buffer.from([0, 0, 0, 0, 0x32, 1]);
/** The scope ids (hex) whose metadata is set and not yet cleared after `records` (a batch that
 * does not parse ends the scan of that batch). */
function unfinishedScopes(records) {
  try {
    return scopesOf(records);
  } catch {
    return ["(a batch did not parse)"];
  }
}

function scopesOf(records) {
  const open = new Set();
  for (const { payload } of records) {
    let at = 12;
    while (at < payload.length) {
      if (at + 1 > payload.length) break;
      const tag = payload[at++];
      let length;
      [length, at] = varint(payload, at);
      const key = payload.subarray(at, at + length);
      at += length;
      let value = null;
      if (tag === 1) {
        [length, at] = varint(payload, at);
        value = payload.subarray(at, at + length);
        at += length;
      }
      if (value === null && tag === 1) break;
      if (key.subarray(0, SCOPE_META.length).equals(SCOPE_META)) {
        const id = key.subarray(SCOPE_META.length).toString("hex");
        if (value && value.length > 0) open.add(id);
        else open.delete(id);
      }
    }
  }
  return [...open];
}

function check(dirs) {
  for (const dir of dirs) {
    const { records, bad, tail } = readLog(readFileSync(logFile(dir)));
    const scopes = unfinishedScopes(records);
    console.log(
      `${dir}: ${records.length} records, ${bad.length} failing their CRC-32C` +
        `${bad.length ? ` (first at byte ${bad[0]})` : ""}, tail ${tail}, ` +
        `${scopes.length} unfinished scope(s)${scopes.length ? ` [${scopes.join(", ")}]` : ""}`,
    );
  }
}

function prefix(dir, out, k) {
  const file = logFile(dir);
  const bytes = readFileSync(file);
  const { records } = readLog(bytes);
  rmSync(out, { recursive: true, force: true });
  cpSync(dir, out, { recursive: true });
  writeFileSync(join(out, file.slice(dir.length)), bytes.subarray(0, k > 0 ? records[k - 1].end : 0));
  console.log(`${out}: the first ${k} of ${records.length} records, ${unfinishedScopes(records.slice(0, k)).length} unfinished scope(s)`);
}

async function replay(dir, port, path) {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "sheetlog-replay-"));
  const target = join(profile, "Default", "IndexedDB", `http_127.0.0.1_${port}.indexeddb.leveldb`);
  mkdirSync(join(profile, "Default", "IndexedDB"), { recursive: true });
  cpSync(dir, target, { recursive: true });
  const server = path
    ? null
    : createServer((_, res) => res.setHeader("content-type", "text/html").end("<!doctype html><title>replay</title>")).listen(port, "127.0.0.1");
  const args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-extensions", "--remote-debugging-port=0"];
  const child = spawn("/usr/bin/chromium", [...args, `--user-data-dir=${profile}`, "about:blank"], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  try {
    const ws = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("Chromium did not start")), 30_000);
      child.stderr.on("data", (d) => {
        log += d;
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const browser = await chromium.connectOverCDP(ws);
    const context = browser.contexts()[0];
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`http://127.0.0.1:${port}/${path ?? ""}`);
    const result = await page.evaluate(async () => {
      const request = (r) => new Promise((ok, no) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => no(r.error))));
      try {
        const out = [];
        for (const { name } of await indexedDB.databases()) {
          const db = await request(indexedDB.open(name));
          const stores = {};
          for (const s of db.objectStoreNames) stores[s] = await request(db.transaction(s).objectStore(s).count());
          db.close();
          out.push({ name, stores });
        }
        return { databases: out };
      } catch (e) {
        return { error: String(e) };
      }
    });
    await browser.close().catch(() => {});
    const corruption = log.split("\n").filter((l) => /corrupt/i.test(l)).map((l) => l.replace(/^\[[^\]]*\]\s*/, ""));
    console.log(JSON.stringify({ dir, corrupt: corruption.length > 0, result, chromium: corruption }));
  } finally {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone already
    }
    server?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const [command, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest.splice(i, 2)[1] : fallback;
};
if (command === "check" && rest.length > 0) check(rest);
else if (command === "prefix" && rest.length === 3) prefix(rest[0], rest[1], Number(rest[2]));
else if (command === "replay") {
  const port = Number(option("port", 4197));
  const path = option("path", undefined);
  await replay(rest[0], port, path);
} else {
  console.error("usage: leveldb-forensics.mjs check DIR... | prefix DIR OUT K | replay DIR [--port P] [--path P]");
  process.exit(2);
}
