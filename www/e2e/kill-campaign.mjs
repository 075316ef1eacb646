#!/usr/bin/env node
// The kill campaign of issue 12: acknowledged edits must survive a browser killed at any moment.
//
//   node www/e2e/kill-campaign.mjs [--trials 1000] [--per-profile 4] [--port 4197] [--out DIR] [--dist DIR]
//                                  [--interval 8] [--max-layers 2] [--max-kill-ms 3000] [--seed N] [--raw]
//                                  [--settle-ms 120000]
//
// `--raw` runs the same campaign without sheetlog: the page writes the same values with plain
// IndexedDB transactions (strict durability, one `put` each, 16 in flight) into a database of its
// own, while a second writer puts and deletes 4-64 KiB blobs in another store, as snapshots and
// garbage collection do. It tells Chromium's own losses from sheetlog's.
//
// Needs the demo built against pkg/ (scripts/kill-campaign.sh builds it): serves www/dist with
// `vite preview` on 127.0.0.1:PORT (one origin for the whole campaign), and for each trial:
//   1. launches Debian's Chromium itself (headless, its own process group, a --user-data-dir that
//      is fresh for the first trial of a profile and reused for the next `per-profile - 1`),
//      connects playwright-core over the DevTools protocol, opens the demo and, through the class
//      it exposes (`window.sheetlogLoaded`: not the demo's first sheet, which may be "kill" itself
//      and fail to open), the sheet "kill" with a small snapshot interval and `maxLayers`
//      (so snapshots, compactions, history and garbage collection run all the time in the worker);
//   2. writes edits (single cells and small rectangles, up to 16 in flight) whose values name
//      the write and the cell (`t3w17r5c2`); the page reports each acknowledged edit (its promise
//      resolved) to Node, which records it;
//   3. at a random moment (0 .. max-kill-ms after the writes start) sends SIGKILL to the
//      browser's process group (and to any descendant outside it);
//   4. relaunches Chromium on the same user-data-dir, opens the sheet, loads the whole sheet and
//      reads every cell: an acknowledged edit is **lost** when its cell holds an older write (or
//      nothing), a cell is **wrong** when it holds a value no write put there. A failed open
//      counts every acknowledged edit of the profile as lost, and as **reported** when the open
//      failed with a StorageError saying the data is missing or behind (410 or 500): the loss was
//      not silent. The rest is **silent**: the sheet opened as if nothing was missing. An open or a
//      read that does not settle within `--settle-ms` is **hung**: a failed open, not reported.
// A trial that loses or finds a wrong value keeps its profile (copied to OUT/failed-<trial>), the
// profile's IndexedDB files as they were before each of its two launches (OUT/pre-<trial>-write
// and OUT/pre-<trial>-verify: Chromium deletes a backing store it finds damaged when it opens it,
// so only these show the damage), and Chromium's output; the next trial starts a fresh profile.
// Prints one line per trial and, at the end, the figures:
//   trials N, acknowledged edits N, lost N (reported N, silent N), wrong N, failed opens N (hung N)
// Exit status 0 when nothing was lost silently and nothing was wrong.
import { spawn } from "node:child_process";
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const www = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const TRIALS = Number(option("trials", 10));
const PER_PROFILE = Number(option("per-profile", 4));
const PORT = Number(option("port", 4197));
const OUT = option("out", join(tmpdir(), "sheetlog-kill-campaign"));
// The built demo to serve (default www/dist); a copy keeps a long campaign apart from rebuilds.
const DIST = option("dist", join(www, "dist"));
const INTERVAL = Number(option("interval", 8));
const MAX_LAYERS = Number(option("max-layers", 2));
const MAX_KILL_MS = Number(option("max-kill-ms", 3000));
const RAW = argv.includes("--raw");
// How long the reopen (and the read after it) may take before the trial counts it as hung.
const SETTLE_MS = Number(option("settle-ms", 120_000));
let seed = Number(option("seed", Date.now() % 1_000_000));
const BASE = `http://127.0.0.1:${PORT}/`;
const SHEET = "kill";
const ROWS = 300;
const COLUMNS = 8;
const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
  "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--disable-default-apps", "--disable-extensions", "--no-default-browser-check", "--disable-breakpad",
  "--disable-session-crashed-bubble", "--hide-crash-restore-bubble", "--remote-debugging-port=0"];

/** A small deterministic random generator (mulberry32), so a campaign can be replayed by seed. */
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** `promise`'s value, or `late()` when it has not settled within `ms`. */
async function within(promise, ms, late) {
  let timer;
  const timeout = new Promise((r) => {
    timer = setTimeout(() => r(late()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
/** Browsers and the server still running, ended on SIGINT/SIGTERM. */
const running = new Set();
const log = (...a) => console.log(...a);

/** The processes of /proc as [pid, parent pid, process group]. */
function processes() {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") found.push([Number(entry), Number(fields[1]), Number(fields[2])]);
    } catch {
      // gone
    }
  }
  return found;
}

/** Every live pid in process group `group` or whose parent chain leads to `root`. */
function descendants(root, group = root) {
  const all = processes();
  const parent = new Map(all.map(([pid, ppid]) => [pid, ppid]));
  const found = [];
  for (const [pid, , pgrp] of all) {
    if (pgrp === group) {
      found.push(pid);
      continue;
    }
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) {
      if (p === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** Copies the IndexedDB files of `profile` to `to` (nothing when it has none yet). */
function keepIndexedDb(profile, to) {
  const from = join(profile, "Default", "IndexedDB");
  rmSync(to, { recursive: true, force: true });
  try {
    cpSync(from, to, { recursive: true });
  } catch {
    // no IndexedDB yet
  }
}

/** Launches Chromium on `profile` in its own process group, its stderr to `logFile`; resolves
 * with the process and a CDP browser. */
async function launch(profile, logFile) {
  const child = spawn(CHROMIUM, [...ARGS, `--user-data-dir=${profile}`, "about:blank"], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let text = "";
  const wsUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${text.slice(-500)}`)), 30_000);
    child.stderr.on("data", (d) => {
      text += d;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`Chromium exited (${code}) before it listened: ${text.slice(-500)}`)));
  });
  child.stderr.removeAllListeners("data");
  const stream = createWriteStream(logFile);
  stream.write(text);
  child.stderr.pipe(stream);
  const browser = await chromium.connectOverCDP(wsUrl);
  return { child, browser };
}

/** SIGKILL to the browser's process group and to every descendant (none may flush anything). */
function kill(child) {
  const pids = descendants(child.pid);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Waits until the browser and every process of its group are gone (killing stragglers). */
async function waitForExit(child) {
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
  for (let i = 0; ; i++) {
    const left = descendants(child.pid);
    if (left.length === 0) return;
    if (i > 0 && i % 10 === 0) kill(child);
    if (i > 300) throw new Error(`Chromium processes ${left.join(" ")} do not exit`);
    await sleep(20);
  }
}

/** The page side of `--raw`: a plain IndexedDB database that acts as the sheet. */
const RAW_PAGE = `
window.__openRaw = () => new Promise((resolve, reject) => {
  const request = indexedDB.open("kill-raw", 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore("cells");
    request.result.createObjectStore("blobs");
  };
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});
window.__rawPut = (db, store, key, value) => new Promise((resolve, reject) => {
  const tx = db.transaction(store, "readwrite", { durability: "strict" });
  tx.objectStore(store).put(value, key);
  tx.oncomplete = () => resolve();
  tx.onabort = tx.onerror = () => reject(tx.error);
});
window.__rawDelete = (db, store, key) => new Promise((resolve, reject) => {
  const tx = db.transaction(store, "readwrite", { durability: "strict" });
  tx.objectStore(store).delete(key);
  tx.oncomplete = () => resolve();
  tx.onabort = tx.onerror = () => reject(tx.error);
});
`;

/** Opens the demo and, through its SpreadsheetData class, the campaign's sheet (with `--raw`, the
 * plain database instead). */
async function openSheet(page) {
  await page.goto(BASE, { waitUntil: "load", timeout: 60_000 });
  if (RAW) {
    return page.evaluate(async (code) => {
      eval(code);
      try {
        const db = await window.__openRaw();
        window.__kill = {
          db,
          setCellValueAndFormat: (r, c, v) => window.__rawPut(db, "cells", r * 1000 + c, v),
          setCellValuesAndFormats: async (r0, c0, values) => {
            // One transaction for the rectangle, as sheetlog writes one entry.
            await new Promise((resolve, reject) => {
              const tx = db.transaction("cells", "readwrite", { durability: "strict" });
              values.forEach((line, i) => line.forEach((v, j) => tx.objectStore("cells").put(v, (r0 + i) * 1000 + c0 + j)));
              tx.oncomplete = () => resolve();
              tx.onabort = tx.onerror = () => reject(tx.error);
            });
          },
          close: () => db.close(),
        };
        // The second writer: blobs of 4-64 KiB put and removed, as snapshots and gc do.
        (async () => {
          for (let n = 0; ; n++) {
            const bytes = new Uint8Array(4096 + Math.floor(Math.random() * 61440));
            crypto.getRandomValues(bytes.subarray(0, Math.min(bytes.length, 65536)));
            await window.__rawPut(db, "blobs", `b${n}`, bytes).catch(() => {});
            if (n >= 8) await window.__rawDelete(db, "blobs", `b${n - 8}`).catch(() => {});
          }
        })();
        return { ok: true };
      } catch (e) {
        return { ok: false, name: e?.name, message: String(e?.message ?? e) };
      }
    }, RAW_PAGE);
  }
  // The class, not the demo's first sheet: after a loss the demo may pick "kill" itself, and its
  // failed open never resolves `sheetlogReady` (the hang of issue 12's trial 20).
  await page.waitForFunction(() => window.sheetlogLoaded !== undefined, null, { timeout: 60_000 });
  return page.evaluate(
    async ({ sheet, interval, maxLayers }) => {
      try {
        const SpreadsheetData = await window.sheetlogLoaded;
        window.__kill = await SpreadsheetData.open({ name: sheet, snapshotInterval: interval, maxLayers, keepSnapshots: 2 });
        return { ok: true };
      } catch (e) {
        return { ok: false, name: e?.name, statusCode: e?.statusCode, message: String(e?.message ?? e) };
      }
    },
    { sheet: SHEET, interval: INTERVAL, maxLayers: MAX_LAYERS },
  );
}

/** Loads the whole sheet and reads every cell of the campaign's rectangle. */
async function readAll(page) {
  if (RAW) {
    return page.evaluate(
      async ({ rows, columns }) => {
        const db = window.__kill.db;
        const tx = db.transaction("cells");
        const store = tx.objectStore("cells");
        const [keys, values] = await Promise.all(
          [store.getAllKeys(), store.getAll()].map((r) => new Promise((res, rej) => {
            r.onsuccess = () => res(r.result);
            r.onerror = () => rej(r.error);
          })),
        );
        const cells = Array.from({ length: rows }, () => Array(columns).fill(null));
        keys.forEach((k, i) => {
          const r = Math.floor(k / 1000);
          const c = k % 1000;
          if (r < rows && c < columns) cells[r][c] = values[i];
        });
        return { state: "ready", cells, sequenceId: keys.length, snapshotSequenceId: undefined };
      },
      { rows: ROWS, columns: COLUMNS },
    );
  }
  return page.evaluate(
    async ({ rows, columns }) => {
      const data = window.__kill;
      data.setViewport(undefined);
      const deadline = Date.now() + 60_000;
      let status = data.getLoadStatus(data.getSnapshot());
      while (status.state === "loading" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        status = data.getLoadStatus(data.getSnapshot());
      }
      const snapshot = data.getSnapshot();
      const cells = [];
      for (let r = 0; r < rows; r++) {
        const row = [];
        for (let c = 0; c < columns; c++) row.push(data.getCellValue(snapshot, r, c) ?? null);
        cells.push(row);
      }
      const info = data.getLogInfo(snapshot);
      return {
        state: status.state,
        error: status.error ? `${status.error.name} ${status.error.statusCode}: ${status.error.message}` : undefined,
        cells,
        sequenceId: Number(info.sequenceId),
        snapshotSequenceId: info.snapshotSequenceId === undefined ? undefined : Number(info.snapshotSequenceId),
      };
    },
    { rows: ROWS, columns: COLUMNS },
  );
}

/** Starts the page's writer; it runs until the browser dies. */
async function startWriting(page, trial, firstWrite) {
  await page.evaluate(
    ({ trial, firstWrite, rows, columns }) => {
      const data = window.__kill;
      let next = firstWrite;
      let inFlight = 0;
      const pick = (n) => Math.floor(Math.random() * n);
      const one = () => {
        const w = next++;
        const kind = Math.random();
        let cells;
        let write;
        if (kind < 0.75) {
          const r = pick(rows);
          const c = pick(columns);
          cells = [[r, c]];
          write = data.setCellValueAndFormat(r, c, `t${trial}w${w}r${r}c${c}`, undefined);
        } else {
          const h = 1 + pick(4);
          const wd = 1 + pick(3);
          const r0 = pick(rows - h);
          const c0 = pick(columns - wd);
          cells = [];
          const values = [];
          for (let i = 0; i < h; i++) {
            const line = [];
            for (let j = 0; j < wd; j++) {
              cells.push([r0 + i, c0 + j]);
              line.push(`t${trial}w${w}r${r0 + i}c${c0 + j}`);
            }
            values.push(line);
          }
          write = data.setCellValuesAndFormats(r0, c0, values);
        }
        inFlight++;
        write.then(
          () => {
            inFlight--;
            window.__ack(w, cells);
          },
          (e) => {
            inFlight--;
            window.__nack(w, `${e?.name} ${e?.statusCode}: ${e?.message}`);
          },
        );
      };
      (async () => {
        for (;;) {
          while (inFlight < 16) one();
          await new Promise((r) => setTimeout(r, Math.random() < 0.5 ? 0 : 5));
        }
      })();
    },
    { trial, firstWrite, rows: ROWS, columns: COLUMNS },
  );
}

/** The write number and cell a value names, or undefined. */
function parse(value) {
  const match = typeof value === "string" ? /^t(\d+)w(\d+)r(\d+)c(\d+)$/.exec(value) : null;
  return match ? { trial: Number(match[1]), write: Number(match[2]), row: Number(match[3]), col: Number(match[4]) } : undefined;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const server = spawn("npx", ["vite", "preview", "--host", "127.0.0.1", "--port", String(PORT), "--strictPort", "--outDir", DIST], {
    cwd: www,
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const stop = () => {
    for (const child of running) kill(child);
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // gone
    }
    process.exit(130);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const totals = { trials: 0, acknowledged: 0, lost: 0, reported: 0, wrong: 0, failedOpens: 0, hung: 0, kills: 0 };
  let profile;
  // The acknowledged edits of the current profile: [write number, cells] (writes are numbered
  // across the profile's trials, in the order they were issued, which is their log order).
  let ackedEdits = [];
  let writeCounter = 0;
  let profileAcknowledged = 0;
  let freshProfile = false;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(BASE)).ok) break;
      } catch {
        if (i > 1200) throw new Error(`vite preview did not start on ${BASE}`);
      }
      await sleep(100);
    }
    log(`kill campaign${RAW ? " (raw IndexedDB, no sheetlog)" : ""}: ${TRIALS} trials, ${PER_PROFILE} per profile, snapshot interval ${INTERVAL}, ` +
      `maxLayers ${MAX_LAYERS}, kill within ${MAX_KILL_MS} ms, seed ${seed}, profiles in ${OUT}`);
    for (let trial = 1; trial <= TRIALS; trial++) {
      if ((trial - 1) % PER_PROFILE === 0 || freshProfile) {
        freshProfile = false;
        if (profile) rmSync(profile, { recursive: true, force: true });
        profile = mkdtempSync(join(OUT, "profile-"));
        ackedEdits = [];
        writeCounter = 0;
        profileAcknowledged = 0;
      }
      const started = Date.now();
      // Phase 1: write until killed.
      const logs = [join(OUT, `chromium-${trial}-write.txt`), join(OUT, `chromium-${trial}-verify.txt`)];
      const before = [join(OUT, `pre-${trial}-write`), join(OUT, `pre-${trial}-verify`)];
      keepIndexedDb(profile, before[0]);
      const { child, browser } = await launch(profile, logs[0]);
      let acknowledged = 0;
      const rejections = [];
      let killAt;
      let goneAtLaunch;
      try {
        const context = browser.contexts()[0];
        const page = context.pages()[0] ?? (await context.newPage());
        await page.exposeFunction("__ack", (w, cells) => {
          acknowledged++;
          ackedEdits.push([w, cells]);
        });
        await page.exposeFunction("__nack", (w, message) => rejections.push(`${w}: ${message}`));
        const opened = await openSheet(page);
        if (!opened.ok && opened.name === "StorageError" && (opened.statusCode === 410 || opened.statusCode === 500)) {
          // The previous trial verified every edit, yet this launch finds the database gone (or
          // damaged): Chromium discarded it at startup. Reported, not silent; counted as lost
          // here, and the campaign goes on with a fresh profile.
          goneAtLaunch = opened;
        } else if (!opened.ok) {
          throw new Error(`open before writing failed: ${JSON.stringify(opened)}`);
        }
        const firstWrite = writeCounter;
        writeCounter += 1_000_000;
        if (!goneAtLaunch) {
          killAt = Math.floor(random() * MAX_KILL_MS);
          await startWriting(page, trial, firstWrite);
          await sleep(killAt);
        }
      } finally {
        kill(child);
        totals.kills++;
        await waitForExit(child);
        await browser.close().catch(() => {});
      }
      if (goneAtLaunch) {
        totals.trials++;
        totals.failedOpens++;
        totals.lost += profileAcknowledged;
        totals.reported += profileAcknowledged;
        log(`trial ${trial}: the database was gone at launch, before writing: lost ${profileAcknowledged} ` +
          `(reported: ${goneAtLaunch.name} ${goneAtLaunch.statusCode}), wrong 0`);
        const kept = join(OUT, `failed-${trial}`);
        cpSync(profile, kept, { recursive: true });
        log(`  kept the profile in ${kept}, its IndexedDB files before the launch in ${before[0]}, Chromium's output in ${logs[0]}`);
        goneAtLaunch = undefined;
        freshProfile = true;
        continue;
      }
      profileAcknowledged += acknowledged;
      totals.acknowledged += acknowledged;
      // Phase 2: relaunch on the same profile and check every acknowledged edit.
      keepIndexedDb(profile, before[1]);
      const again = await launch(profile, logs[1]);
      let lost = 0;
      let wrong = 0;
      let note = "";
      try {
        const context = again.browser.contexts()[0];
        const page = context.pages()[0] ?? (await context.newPage());
        // Neither the reopen nor the read may hang the campaign: past SETTLE_MS they count as failed.
        const hung = (what) => () =>
          ({ ok: false, hung: true, name: "Hang", message: `${what} did not settle within ${SETTLE_MS} ms` });
        let opened = await within(openSheet(page), SETTLE_MS, hung("the reopen"));
        const read = opened.ok ? await within(readAll(page), SETTLE_MS, hung("reading the sheet")) : undefined;
        if (read?.hung) opened = read;
        if (!opened.ok) {
          totals.failedOpens++;
          if (opened.hung) totals.hung++;
          lost = profileAcknowledged;
          if (opened.name === "StorageError" && (opened.statusCode === 410 || opened.statusCode === 500)) {
            totals.reported += lost;
          }
          note = `open failed: ${opened.name} ${opened.statusCode}: ${opened.message}`;
        } else {
          if (read.state !== "ready") note = `status ${read.state} ${read.error ?? ""}`;
          for (let r = 0; r < ROWS; r++) {
            for (let c = 0; c < COLUMNS; c++) {
              const value = read.cells[r][c];
              const found = parse(value);
              if (value !== null && (found === undefined || found.row !== r || found.col !== c)) {
                wrong++;
                note += ` wrong ${r},${c}=${JSON.stringify(value)}`;
              }
            }
          }
          // An acknowledged edit is there when each of its cells holds it or a later write.
          for (const [w, cells] of ackedEdits) {
            const missing = cells.find(([r, c]) => !((parse(read.cells[r][c])?.write ?? -1) >= w));
            if (missing !== undefined) {
              lost++;
              const [r, c] = missing;
              if (lost <= 3) note += ` lost w${w} at ${r},${c}: found ${JSON.stringify(read.cells[r][c])}`;
            }
          }
          note = `seq ${read.sequenceId} snapshot ${read.snapshotSequenceId ?? "-"}${note ? ";" : ""}${note}`;
        }
        await within(page.evaluate(() => window.__kill?.close()), 10_000, () => undefined);
      } finally {
        await again.browser.close().catch(() => {});
        // A clean exit lets the next trial start from a browser that shut down properly too.
        kill(again.child);
        await waitForExit(again.child);
      }
      totals.trials++;
      totals.lost += lost;
      totals.wrong += wrong;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      log(`trial ${trial}: killed at ${killAt} ms, acknowledged ${acknowledged} (profile ${profileAcknowledged}), ` +
        `lost ${lost}, wrong ${wrong}, rejected ${rejections.length}, ${seconds} s; ${note}`);
      if (rejections.length > 0) log(`  rejections: ${rejections.slice(0, 3).join("; ")}`);
      // What Chromium said about its storage (it deletes a backing store it finds corrupt).
      for (const file of logs) {
        const lines = readFileSync(file, "utf8").split("\n").filter((l) => /indexed_?db|leveldb|backing store|corrupt/i.test(l));
        for (const line of lines.slice(0, 6)) log(`  chromium (${file.endsWith("write.txt") ? "write" : "verify"}): ${line}`);
      }
      if (lost > 0 || wrong > 0) {
        const kept = join(OUT, `failed-${trial}`);
        cpSync(profile, kept, { recursive: true });
        log(`  kept the profile in ${kept}, its IndexedDB files before each launch in ${before.join(", ")}, ` +
          `Chromium's output in ${logs.join(", ")}`);
        freshProfile = true;
      } else {
        for (const file of [...logs, ...before]) rmSync(file, { recursive: true, force: true });
      }
    }
  } finally {
    for (const child of running) kill(child);
    await sleep(200);
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // gone
    }
  }
  log(`trials ${totals.trials}, acknowledged edits ${totals.acknowledged}, lost ${totals.lost} ` +
    `(reported ${totals.reported}, silent ${totals.lost - totals.reported}), wrong ${totals.wrong}, ` +
    `failed opens ${totals.failedOpens} (hung ${totals.hung})`);
  return totals.lost === totals.reported && totals.wrong === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
