import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";
import { VitePWA } from "vite-plugin-pwa";
import { classicApp } from "./classic-app.ts";

// vega-datasets only exports its JS entry, so Vite refuses deep imports of its data files;
// this alias lets `import url from "vega-datasets/data/zipcodes.csv?url"` reach the file.
const vegaData = fileURLToPath(new URL("./node_modules/vega-datasets/data/", import.meta.url));

/**
 * Glide Data Grid loads its overlay editor with React.lazy, so the first keystrokes typed into a
 * cell after page load arrive while the editor chunk is still loading and are lost (typing
 * "12.5" stores ".5"). This build-time edit imports the editor statically instead.
 */
function eagerGlideOverlayEditor(): Plugin {
  const lazy =
    /React\.lazy\(async \(\) => await import\("(\.\.\/internal\/data-grid-overlay-editor\/data-grid-overlay-editor\.js)"\)\)/;
  return {
    name: "sheetlog-demo:eager-glide-overlay-editor",
    transform(code, id) {
      if (!/glide-data-grid[\\/]dist[\\/]esm[\\/]data-editor[\\/]data-editor\.js$/.test(id)) return null;
      const match = lazy.exec(code);
      if (match === null) {
        this.warn("Glide's lazy overlay editor import changed; the first keystrokes of an edit may be lost");
        return null;
      }
      const eager = `import __EagerOverlayEditor from "${match[1]}";\n`;
      return { code: eager + code.replace(lazy, "__EagerOverlayEditor"), map: null };
    },
  };
}

/** The plugins the app's code needs, also in the nested build of its classic script. */
export const appPlugins = () => [react(), eagerGlideOverlayEditor()];

export const resolve = {
  alias: [{ find: /^vega-datasets\/data\/(.*)$/, replacement: `${vegaData}$1` }],
  // sheetlog is linked from ../pkg (file:), so its react and glide subpaths would look for these
  // next to pkg/; an app that installs the package from the registry needs none of this.
  dedupe: ["react", "react-dom", "@glideapps/glide-data-grid"],
};

export default defineConfig({
  plugins: [
    react(),
    eagerGlideOverlayEditor(),
    // The app's code as a classic script, which a reload gets V8's code cache for (classic-app.ts).
    classicApp({
      entry: "src/root.tsx",
      shared: { sheetlog: "sheetlog", firstOpen: "./first-open", window: "./window", pwa: "virtual:pwa-register" },
      plugins: appPlugins,
      resolve,
    }),
    VitePWA({
      registerType: "autoUpdate",
      // src/main.tsx registers the service worker (virtual:pwa-register) to show "offline ready".
      injectRegister: false,
      // globPatterns below already cover the icons.
      includeManifestIcons: false,
      manifest: {
        name: "sheetlog spreadsheet demo",
        short_name: "sheetlog",
        description: "An offline spreadsheet: an event log and tiled snapshots in IndexedDB, in Rust/wasm.",
        theme_color: "#1f6feb",
        background_color: "#ffffff",
        display: "standalone",
        start_url: ".",
        scope: ".",
        icons: [
          { src: "icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
          { src: "favicon.svg", sizes: "any", type: "image/svg+xml" },
        ],
      },
      workbox: {
        // The app shell, the wasm module and the bundled sheetlog worker.
        globPatterns: ["**/*.{js,css,html,wasm,svg,png}"],
        // The wasm is ~0.5 MB; keep a wide margin for debug builds of pkg/.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: "index.html",
        // Sample data (2 MB) is cached on first use rather than precached with the shell.
        runtimeCaching: [
          {
            urlPattern: ({ url }) => url.pathname.endsWith(".csv"),
            handler: "CacheFirst",
            options: { cacheName: "sample-data", expiration: { maxEntries: 4 } },
          },
        ],
      },
    }),
  ],
  resolve,
  server: {
    // The wasm package lives in ../pkg (file: dependency); without this the
    // dev server answers 403 for its .wasm file.
    fs: { allow: [".."] },
  },
  worker: { format: "es" },
  // Glide Data Grid is most of the 650 kB main chunk; it is precached with the app shell.
  build: { target: "es2022", chunkSizeWarningLimit: 1024 },
  // Let Vite serve the wasm-bindgen glue as-is so its `new URL(..., import.meta.url)`
  // still points at the .wasm file.
  optimizeDeps: {
    exclude: ["sheetlog"],
    // The dev server pre-bundles Glide: apply the same edit there.
    rolldownOptions: { plugins: [eagerGlideOverlayEditor()] },
  },
});
