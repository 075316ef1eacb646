// Builds the floor page (bench/floor/index.html) with the demo's own Vite configuration (React,
// the Glide edit, the service worker's precache settings), into the directory given as FLOOR_OUT
// (default /tmp/dist-floor): `(cd www && npx vite build --config bench/floor/vite.config.mjs)`.
import { fileURLToPath } from "node:url";
import { mergeConfig } from "vite";
import { classicApp } from "../../classic-app.ts";
import demo, { appPlugins, resolve } from "../../vite.config.ts";

// Its grid's code is a classic script as the demo's app is (classic-app.ts), with the floor's
// own entry in place of the demo's.
const plugins = demo.plugins.flat().filter((plugin) => plugin?.name !== "sheetlog-demo:classic-app");
plugins.push(classicApp({ entry: "grid.tsx", shared: { pwa: "virtual:pwa-register" }, plugins: appPlugins, resolve }));

export default mergeConfig({ ...demo, plugins }, {
  root: fileURLToPath(new URL(".", import.meta.url)),
  publicDir: fileURLToPath(new URL("../../public", import.meta.url)),
  build: { outDir: process.env.FLOOR_OUT ?? "/tmp/dist-floor", emptyOutDir: true },
});
