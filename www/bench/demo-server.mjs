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
