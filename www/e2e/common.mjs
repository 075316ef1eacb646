// Helpers shared by the demo's end-to-end tests.

/**
 * Loads the whole sheet: once the grid has reported its visible region (it does after a load or
 * a reload, and would replace a viewport set before), the viewport is set to none, again if the
 * grid set its own meanwhile, until the version has no viewport and is ready.
 */
export async function wholeSheet(page) {
  await page.waitForFunction(() => window.sheetlog?.getViewport(window.sheetlog.getSnapshot()) !== undefined, null, {
    timeout: 20_000,
  });
  await page.waitForFunction(() => {
    const d = window.sheetlog;
    const s = d.getSnapshot();
    if (d.getViewport(s) !== undefined) {
      d.setViewport(undefined);
      return false;
    }
    return d.getLoadStatus(s).state === "ready";
  }, null, { timeout: 30_000, polling: 100 });
}
