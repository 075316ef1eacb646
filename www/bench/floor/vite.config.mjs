// Builds the floor page (bench/floor/index.html) with the demo's own Vite configuration (React,
// the Glide edit, the service worker's precache settings), into the directory given as FLOOR_OUT
// (default /tmp/dist-floor): `(cd www && npx vite build --config bench/floor/vite.config.mjs)`.
import { fileURLToPath } from "node:url";
import { mergeConfig } from "vite";
import demo from "../../vite.config.ts";

export default mergeConfig(demo, {
  root: fileURLToPath(new URL(".", import.meta.url)),
  publicDir: fileURLToPath(new URL("../../public", import.meta.url)),
  build: { outDir: process.env.FLOOR_OUT ?? "/tmp/dist-floor", emptyOutDir: true },
});
