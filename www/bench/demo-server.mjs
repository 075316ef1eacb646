// What the Node programs that benchmark the demo share: serving a production build of the demo
// with `vite preview` and launching Debian's Chromium (headless, through playwright-core).
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

const WWW = new URL("..", import.meta.url).pathname;

/**
 * Serves `dist` (default `www/dist`) on 127.0.0.1:`port` and resolves once it answers (rejects
 * after 20 s), with its URL and `stop()`, which ends the server.
 * @param {number} port
 * @param {string} [dist]
 * @returns {Promise<{ url: string, stop: () => void }>}
 */
export async function serveDemo(port, dist) {
  const args = ["vite", "preview", "--host", "127.0.0.1", "--port", String(port), "--strictPort"];
  const server = spawn("npx", dist === undefined ? args : [...args, "--outDir", dist], { cwd: WWW, detached: true, stdio: "ignore" });
  const stop = () => process.kill(-server.pid, "SIGTERM");
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) return { url, stop };
    } catch {
      if (i > 200) {
        stop();
        throw new Error(`vite preview of ${dist ?? "www/dist"} did not start`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Launches Debian's Chromium, headless, without its background traffic. */
export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Waits (up to 20 minutes) for the demo to report the end of an import started through its file
 * input: "Imported NAME: R rows (C cells) in S s" once the import's entry landed, or "Import of
 * NAME failed ...". Resolves with the cells imported; throws with the demo's message on failure.
 * @param {import("playwright-core").Page} page
 * @returns {Promise<number>}
 */
export async function importedCells(page) {
  const message = await page.waitForFunction(
    () => /Imported [^\n]*\(([\d,]+) cells?\)|Import of [^\n]* failed[^\n]*/.exec(document.body.innerText)?.[0],
    null,
    { timeout: 1_200_000, polling: 20 },
  );
  const text = await message.jsonValue();
  const cells = /\(([\d,]+) cells?\)/.exec(text);
  if (cells === null) throw new Error(`the import did not succeed: ${text}`);
  return Number(cells[1].replaceAll(",", ""));
}

/**
 * Reloads the demo's page and waits until its sheet's load status is ready and A1 has a value:
 * a cold reopen of the page. Resolves with ms since the navigation's start of the demo's
 * performance marks (`module`: the entry runs; `app`: React and the grid's code evaluated;
 * `wasm`: the module started; `open` / `opened`: `SpreadsheetData.open` called / seen resolved by
 * App; `firstReady`: the viewport of a sheet opened by the entry loaded, before the grid may have
 * drawn it; `shown`: React committed the grid with its ready viewport; `painted`: the start of
 * the frame that paints the grid's first loaded cells, the end of the reload for its user (Glide
 * draws its cells a task or a frame after the commit that mounts it); NaN for a mark the build
 * does not set) and `ready`: the time this poll, which starts after the page's load event, saw
 * the grid's sheet exposed, ready, with A1 loaded.
 * @param {import("playwright-core").Page} page
 * @returns {Promise<{ module: number, app: number, wasm: number, open: number, opened: number, firstReady: number, shown: number, painted: number, ready: number }>}
 */
export async function reloadToReady(page) {
  await page.reload();
  return page.evaluate(async () => {
    await window.sheetlogReady;
    const d = window.sheetlog;
    for (;;) {
      const s = d.getSnapshot();
      if (d.getLoadStatus(s).state === "ready" && d.getCellValue(s, 0, 0) !== undefined) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    const ready = performance.now();
    const at = (name) => performance.getEntriesByName(`sheetlog:${name}`)[0]?.startTime ?? NaN;
    // `shown` and `painted` are the page's own marks (first-open.ts markShown, markPainted), as
    // the floor page marks its grid's mount and first paint; they may come a moment later (the
    // grid's render and draw), as `ready` may (this poll starts after the page's load event). A
    // build without `painted` (before stop 39) waits the full 300 polls for it.
    for (const name of ["sheetlog:shown", "sheetlog:painted"]) {
      for (let i = 0; i < 300 && performance.getEntriesByName(name).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const marks = { module: at("module"), app: at("app"), wasm: at("wasm"), open: at("open"), opened: at("opened") };
    return { ...marks, firstReady: at("first-ready"), shown: at("shown"), painted: at("painted"), ready };
  });
}
